/* The Via header (RFC 3261 §20.42 and §25.1, RFC 3581).
 *
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), with optional
 * whitespace around every '/', ':', ';' and '='.  The sidecar reads the top
 * Via of every response to route it, so the parser is strict about the
 * sent-by and the parameters it exposes and lenient about nothing else.
 */
#include <errno.h>
#include <string.h>

#include "uri.h"
#include "via.h"

/* Reads a token into *t and skips the whitespace after it. */
static const char *via_token(const char *p, const char *e, sc_str *t)
{
	const char *s = p;

	while (p < e && sc_sip_tokenc((unsigned char)*p))
		p++;
	if (p == s)
		return NULL;
	*t = sc_str_make(s, (size_t)(p - s));
	return p;
}

/* SLASH = SWS "/" SWS */
static const char *via_slash(const char *p, const char *e)
{
	p = sc_sip_skip_lws(p, e);
	if (p == e || *p != '/')
		return NULL;
	return sc_sip_skip_lws(p + 1, e);
}

static int via_digits_max(sc_str s, unsigned max)
{
	unsigned v = 0;
	size_t i;

	if (s.n == 0)
		return -EBADMSG;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned)(s.p[i] - '0');
		if (v > max)
			return -EBADMSG;
	}
	return 0;
}

/* Picks out the parameters the sidecar uses and checks their values; other
 * parameters only have to be well-formed generic-params. */
static int via_params(struct sc_sip_via *v)
{
	size_t pos = 0;
	sc_str n, val;
	int ipv6;

	while (sc_sip_param_next(v->params, &pos, &n, &val) == 1) {
		sc_str *slot = NULL;

		if (sc_str_caseeqz(n, "branch"))
			slot = &v->branch;
		else if (sc_str_caseeqz(n, "received"))
			slot = &v->received;
		else if (sc_str_caseeqz(n, "rport"))
			slot = &v->rport;
		else if (sc_str_caseeqz(n, "maddr"))
			slot = &v->maddr;
		else if (sc_str_caseeqz(n, "ttl"))
			slot = &v->ttl;
		/* The first occurrence counts, as in every other lookup. */
		if (!slot || sc_str_set(*slot))
			continue;
		if (!sc_str_set(val)) {
			/* Only rport may be a flag (RFC 3581). */
			if (slot != &v->rport)
				return -EBADMSG;
			val = sc_str_make(n.p + n.n, 0);
		} else if (val.p[0] == '"') {
			return -EBADMSG;
		} else if (slot == &v->received || slot == &v->maddr) {
			if (sc_sip_host_check(val, &ipv6) < 0)
				return -EBADMSG;
		} else if (slot == &v->rport) {
			if (via_digits_max(val, 65535) < 0)
				return -EBADMSG;
		} else if (slot == &v->ttl) {
			if (via_digits_max(val, 255) < 0)
				return -EBADMSG;
		} else if (memchr(val.p, ':', val.n) || memchr(val.p, '[', val.n) ||
			   memchr(val.p, ']', val.n)) {
			/* branch is a token */
			return -EBADMSG;
		}
		*slot = val;
	}
	return 0;
}

int sc_sip_via_parse(struct sc_sip_via *v, sc_str s)
{
	const char *p, *e, *h, *q;
	int ipv6;

	memset(v, 0, sizeof(*v));
	s = sc_sip_trim(s);
	if (!s.p)
		return -EBADMSG;
	p = s.p;
	e = s.p + s.n;

	if (!(p = via_token(p, e, &v->proto)) || !(p = via_slash(p, e)) ||
	    !(p = via_token(p, e, &v->version)) || !(p = via_slash(p, e)) ||
	    !(p = via_token(p, e, &v->transport)))
		return -EBADMSG;
	q = sc_sip_skip_lws(p, e);
	if (q == p)
		return -EBADMSG;
	p = q;

	h = p;
	if (p < e && *p == '[') {
		q = memchr(p, ']', (size_t)(e - p));
		if (!q)
			return -EBADMSG;
		p = q + 1;
	} else {
		while (p < e && (sc_sip_tokenc((unsigned char)*p)))
			p++;
	}
	v->host = sc_str_make(h, (size_t)(p - h));
	if (sc_sip_host_check(v->host, &ipv6) < 0)
		return -EBADMSG;

	p = sc_sip_skip_lws(p, e);
	if (p < e && *p == ':') {
		h = p = sc_sip_skip_lws(p + 1, e);
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		v->port = sc_str_make(h, (size_t)(p - h));
		if (sc_sip_port_parse(v->port, &v->portnum) < 0)
			return -EBADMSG;
	}
	if (sc_sip_param_tail(p, e, &v->params) < 0)
		return -EBADMSG;
	return via_params(v);
}

int sc_sip_via_top(const struct sc_sip_msg *m, const struct sc_sip_hdr **h, size_t *pos,
		   sc_str *top, struct sc_sip_via *v)
{
	int i = -1;

	*pos = 0;
	*h = sc_sip_msg_next(m, SC_HDR_VIA, &i);
	if (!*h || sc_sip_split((*h)->value, pos, top) != 1 || sc_sip_via_parse(v, *top) < 0)
		return -EBADMSG;
	return 0;
}

uint64_t sc_sip_via_txn_hash(uint64_t h, const struct sc_sip_msg *m, const struct sc_sip_via *v,
			     sc_str top)
{
	if (sc_str_set(v->branch) && v->branch.n > 7 && memcmp(v->branch.p, "z9hG4bK", 7) == 0) {
		h = sc_str_hash(h, v->branch);
		h = sc_str_hash(h, v->host);
		return sc_str_hash(h, v->port);
	}
	h = sc_str_hash(h, top);
	h = sc_str_hash(h, m->call_id);
	return sc_str_hash_u64(h, m->cseq);
}
