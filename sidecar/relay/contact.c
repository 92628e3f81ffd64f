/* Contact rewriting (SPEC B4).  See contact.h for the token's shape. */
#include <errno.h>
#include <string.h>

#include "../sip/addr.h"
#include "contact.h"

static const char hexdigits[] = "0123456789abcdef";

static int hex_put(sc_str s, char *out, size_t cap, size_t *n)
{
	size_t i;

	if (*n + 2 * s.n >= cap)
		return -ENOSPC;
	for (i = 0; i < s.n; i++) {
		out[(*n)++] = hexdigits[(unsigned char)s.p[i] >> 4];
		out[(*n)++] = hexdigits[(unsigned char)s.p[i] & 15];
	}
	return 0;
}

static int hex_val(int c)
{
	c = sc_lower(c);
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex into a NUL-terminated string of printable bytes. */
static int hex_get(sc_str s, char *out, size_t cap)
{
	size_t i;

	if (s.n % 2 || s.n / 2 >= cap)
		return -EBADMSG;
	for (i = 0; i < s.n; i += 2) {
		int hi = hex_val((unsigned char)s.p[i]), lo = hex_val((unsigned char)s.p[i + 1]);

		if (hi < 0 || lo < 0 || hi * 16 + lo < 0x21 || hi * 16 + lo > 0x7e)
			return -EBADMSG;
		out[i / 2] = (char)(hi * 16 + lo);
	}
	out[s.n / 2] = '\0';
	return 0;
}

int sc_contact_token_make(const char *device, sc_str hostport, sc_str transport, char *out,
			  size_t cap)
{
	size_t n = strlen(device);

	if (n + 2 >= cap)
		return -ENOSPC;
	memcpy(out, device, n);
	out[n++] = '~';
	if (hex_put(hostport, out, cap, &n) < 0)
		return -ENOSPC;
	out[n++] = '~';
	if (hex_put(transport, out, cap, &n) < 0)
		return -ENOSPC;
	return (int)n;
}

int sc_contact_token_parse(sc_str v, struct sc_contact_token *t)
{
	const char *a, *b, *e;

	/* A bare ";sc" parameter has no value at all (v.p is NULL). */
	if (!v.p || v.n > SC_CONTACT_TOKEN_MAX || !(a = memchr(v.p, '~', v.n)) || a == v.p)
		return -EBADMSG;
	e = v.p + v.n;
	if (!(b = memchr(a + 1, '~', (size_t)(e - a - 1))))
		return -EBADMSG;
	t->device = sc_str_make(v.p, (size_t)(a - v.p));
	if (hex_get(sc_str_make(a + 1, (size_t)(b - a - 1)), t->hostport, sizeof(t->hostport)) < 0 ||
	    t->hostport[0] == '\0' ||
	    hex_get(sc_str_make(b + 1, (size_t)(e - b - 1)), t->transport, sizeof(t->transport)) < 0)
		return -EBADMSG;
	return 0;
}

/* The host[:port] span of a parsed URI. */
static sc_str uri_hostport(const struct sc_sip_uri *u)
{
	const char *end = sc_str_set(u->port) ? u->port.p + u->port.n : u->host.p + u->host.n;

	return sc_str_make(u->host.p, (size_t)(end - u->host.p));
}

/* Where new URI parameters go: before "?headers", else at the URI's end. */
static size_t uri_param_end(const struct sc_sip_uri *u, sc_str uri_str, const char *base)
{
	if (sc_str_set(u->headers))
		return sc_str_off(u->headers, base) - 1;
	return sc_str_off(uri_str, base) + uri_str.n;
}

/* Finds parameter name in a URI's parameters with its whole ";name=value"
 * span.  Returns 1 when found. */
static int uri_param(const struct sc_sip_uri *u, const char *name, sc_str *value, sc_str *span)
{
	size_t pos = 0;
	sc_str n, v;

	while (sc_sip_param_next(u->params, &pos, &n, &v) == 1) {
		if (!sc_str_caseeqz(n, name))
			continue;
		*value = v;
		*span = sc_str_make(n.p - 1, (size_t)((sc_str_set(v) ? v.p + v.n : n.p + n.n) -
						      (n.p - 1)));
		return 1;
	}
	return 0;
}

static int rewrite_one(const struct sc_sip_msg *m, const struct sc_sip_addr *a, const char *device,
		       sc_str wan, char **scratch, size_t *cap, struct sc_edits *ed)
{
	sc_str tr = SC_STR_NULL, span, hp = uri_hostport(&a->uri);
	size_t at = uri_param_end(&a->uri, a->uri_str, m->buf);
	int has_tr = uri_param(&a->uri, "transport", &tr, &span);
	int rc, n;

	if (*cap < 5)
		return -ENOSPC;
	memcpy(*scratch, ";sc=", 4);
	n = sc_contact_token_make(device, hp, has_tr && sc_str_set(tr) ? tr : SC_STR_LIT(""),
				  *scratch + 4, *cap - 4);
	if (n < 0)
		return n;
	/* Without angle brackets the parameters added below would belong to
	 * the header, not the URI (RFC 3261 §20): add the brackets. */
	if (!a->angle && (rc = sc_edit_insert(ed, sc_str_off(a->uri_str, m->buf), SC_STR_LIT("<"))) < 0)
		return rc;
	if ((rc = sc_edit_replace(ed, sc_str_off(hp, m->buf), hp.n, wan)) < 0)
		return rc;
	if (has_tr)
		rc = sc_edit_replace(ed, sc_str_off(span, m->buf), span.n, SC_STR_LIT(";transport=tls"));
	else
		rc = sc_edit_insert(ed, at, SC_STR_LIT(";transport=tls"));
	if (rc < 0 || (rc = sc_edit_insert(ed, at, sc_str_make(*scratch, (size_t)n + 4))) < 0)
		return rc;
	if (!a->angle && (rc = sc_edit_insert(ed, sc_str_off(a->uri_str, m->buf) + a->uri_str.n,
					      SC_STR_LIT(">"))) < 0)
		return rc;
	*scratch += n + 4;
	*cap -= (size_t)n + 4;
	return 0;
}

int sc_contact_rewrite(const struct sc_sip_msg *m, const char *device, sc_str wan,
		       char *scratch, size_t cap, struct sc_edits *ed)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_addr a;
	sc_str v, gr, grspan;
	size_t pos;
	int i = -1, count = 0, rc;

	while ((h = sc_sip_msg_next(m, SC_HDR_CONTACT, &i)) != NULL) {
		pos = 0;
		while ((rc = sc_sip_split(h->value, &pos, &v)) == 1) {
			if (sc_sip_addr_parse(&a, v) < 0)
				return -EBADMSG;
			/* A GRUU (RFC 5627) already routes through the
			 * provider to this device: it stays as it is. */
			if (a.star || !a.uri.is_sip || uri_param(&a.uri, "gr", &gr, &grspan))
				continue;
			rc = rewrite_one(m, &a, device, wan, &scratch, &cap, ed);
			if (rc < 0)
				return rc;
			count++;
		}
		if (rc < 0)
			return rc;
	}
	return count;
}

int sc_contact_restore(const struct sc_sip_msg *m, struct sc_contact_token *t,
		       struct sc_edits *ed)
{
	struct sc_sip_uri u;
	sc_str tok, tokspan, tr, trspan, hp;
	int rc;

	if (!m->is_request || sc_sip_uri_parse(&u, m->ruri) < 0 || !u.is_sip ||
	    !uri_param(&u, "sc", &tok, &tokspan))
		return 0;
	if (sc_contact_token_parse(tok, t) < 0)
		return -EBADMSG;
	hp = uri_hostport(&u);
	if ((rc = sc_edit_replace(ed, sc_str_off(hp, m->buf), hp.n, sc_str_cstr(t->hostport))) < 0 ||
	    (rc = sc_edit_delete(ed, sc_str_off(tokspan, m->buf), tokspan.n)) < 0)
		return rc;
	if (uri_param(&u, "transport", &tr, &trspan)) {
		/* transport=tls is ours: put back what the device wrote. */
		if (t->transport[0])
			rc = sc_edit_replace(ed, sc_str_off(tr, m->buf), tr.n,
					     sc_str_cstr(t->transport));
		else
			rc = sc_edit_delete(ed, sc_str_off(trspan, m->buf), trspan.n);
		if (rc < 0)
			return rc;
	}
	return 1;
}
