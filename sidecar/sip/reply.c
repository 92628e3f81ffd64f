/* Local responses (RFC 3261 §8.2.6) and our CANCEL (§9.1).  See reply.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/log.h"
#include "addr.h"
#include "uri.h"
#include "reply.h"

/* Appends printf output at *n; -ENOSPC when it does not fit. */
static int put(char *out, size_t cap, size_t *n, const char *fmt, ...) SC_PRINTF(4, 5);

static int put(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(out + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= cap - *n)
		return -ENOSPC;
	*n += (size_t)w;
	return 0;
}

int sc_sip_reply(const struct sc_sip_msg *m, int status, const char *reason, const char *warning,
		 const char *to_tag, char *out, size_t cap)
{
	static const enum sc_sip_hdr_id copied[] = { SC_HDR_FROM, SC_HDR_TO, SC_HDR_CALL_ID,
						     SC_HDR_CSEQ };
	const struct sc_sip_hdr *h;
	struct sc_sip_addr to;
	sc_str tag;
	size_t n = 0, k;
	int i = -1, w;

	if (!m->is_request || sc_str_eqz(m->method, "ACK") || status < 100 || status > 699)
		return -EINVAL;
	w = snprintf(out, cap, "SIP/2.0 %d %s\r\n", status, reason);
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	n = (size_t)w;
	/* Every Via, in order, as the request had them (§8.2.6.2). */
	while ((h = sc_sip_msg_next(m, SC_HDR_VIA, &i)) != NULL)
		if (put(out, cap, &n, "Via: %.*s\r\n", (int)h->value.n, h->value.p) < 0)
			return -ENOSPC;
	for (k = 0; k < sizeof(copied) / sizeof(copied[0]); k++) {
		i = -1;
		h = sc_sip_msg_next(m, copied[k], &i);
		if (put(out, cap, &n, "%s: %.*s", copied[k] == SC_HDR_FROM ? "From"
						  : copied[k] == SC_HDR_TO ? "To"
						  : copied[k] == SC_HDR_CALL_ID ? "Call-ID" : "CSeq",
			(int)h->value.n, h->value.p) < 0)
			return -ENOSPC;
		/* A response that ends a transaction needs a To tag (§8.2.6.2);
		 * 100 Trying does not get one. */
		if (copied[k] == SC_HDR_TO && status > 100 && to_tag &&
		    sc_sip_addr_parse(&to, h->value) == 0 &&
		    !sc_sip_param_find(to.params, "tag", &tag) &&
		    put(out, cap, &n, ";tag=%s", to_tag) < 0)
			return -ENOSPC;
		if (put(out, cap, &n, "\r\n") < 0)
			return -ENOSPC;
	}
	if (warning && put(out, cap, &n, "Warning: %s\r\n", warning) < 0)
		return -ENOSPC;
	if (put(out, cap, &n, "Content-Length: 0\r\n\r\n") < 0)
		return -ENOSPC;
	return (int)n;
}

/* One line of a message that did not parse: [p, e) without its line end,
 * *next just past the LF (or at end). */
static void raw_line(const char *p, const char *end, const char **e, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	*next = lf ? lf + 1 : end;
	*e = lf ? lf : end;
	if (*e > p && (*e)[-1] == '\r')
		(*e)--;
}

static bool raw_clean(const char *p, const char *e)
{
	for (; p < e; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

int sc_sip_reply_bad(const char *buf, size_t len, const char *warning, const char *to_tag,
		     char *out, size_t cap)
{
	static const enum sc_sip_hdr_id wanted[] = { SC_HDR_VIA, SC_HDR_FROM, SC_HDR_TO,
						     SC_HDR_CALL_ID, SC_HDR_CSEQ };
	struct sc_sip_msg m;
	const char *p = buf, *end = buf + (len > SC_SIP_MAX_MSG ? SC_SIP_MAX_MSG : len), *e, *next;
	const char *sp;
	size_t k;
	int n;

	memset(&m, 0, sizeof(m));
	memset(m.first, -1, sizeof(m.first));
	m.buf = buf;
	m.len = (size_t)(end - buf);
	/* "METHOD SP Request-URI SP SIP/2.0", and nothing that is not text. */
	raw_line(p, end, &e, &next);
	sp = memchr(p, ' ', (size_t)(e - p));
	if (!sp || sp == p || e - p < 12 || memcmp(e - 8, " SIP/2.0", 8) != 0 || !raw_clean(p, e))
		return -EBADMSG;
	for (k = 0; p + k < sp; k++)
		if (!sc_sip_tokenc((unsigned char)p[k]))
			return -EBADMSG;
	m.is_request = 1;
	m.method = sc_str_make(p, (size_t)(sp - p));
	for (p = next; p < end && m.nhdrs < SC_SIP_MAX_HDRS; p = next) {
		const char *colon;
		enum sc_sip_hdr_id id;

		raw_line(p, end, &e, &next);
		if (e == p)
			break; /* the blank line */
		/* A folded line could belong to a header we copy: refuse
		 * rather than cut it. */
		if (*p == ' ' || *p == '\t' || !raw_clean(p, e))
			return -EBADMSG;
		colon = memchr(p, ':', (size_t)(e - p));
		if (!colon)
			continue; /* not a header line: it is what is wrong, not ours to copy */
		id = sc_sip_hdr_lookup(sc_sip_trim(sc_str_make(p, (size_t)(colon - p))));
		for (k = 0; k < sizeof(wanted) / sizeof(wanted[0]) && wanted[k] != id; k++)
			;
		if (k == sizeof(wanted) / sizeof(wanted[0]) || (id != SC_HDR_VIA && m.first[id] >= 0))
			continue;
		m.hdrs[m.nhdrs].id = id;
		m.hdrs[m.nhdrs].value = sc_sip_trim(sc_str_make(colon + 1, (size_t)(e - colon - 1)));
		if (!m.hdrs[m.nhdrs].value.n)
			return -EBADMSG;
		if (m.first[id] < 0)
			m.first[id] = (int16_t)m.nhdrs;
		m.nhdrs++;
	}
	for (k = 0; k < sizeof(wanted) / sizeof(wanted[0]); k++)
		if (m.first[wanted[k]] < 0)
			return -EBADMSG;
	n = sc_sip_reply(&m, 400, "Bad Request", warning, to_tag, out, cap);
	/* The copied lines may be what was wrong (a CSeq without a method):
	 * an answer the device cannot parse either is no answer. */
	if (n > 0 && sc_sip_msg_parse(&m, out, (size_t)n) != 0)
		return -EBADMSG;
	return n;
}

int sc_sip_cancel(const struct sc_sip_msg *inv, char *out, size_t cap)
{
	static const enum sc_sip_hdr_id copied[] = { SC_HDR_FROM, SC_HDR_TO, SC_HDR_CALL_ID };
	static const char *const names[] = { "From", "To", "Call-ID" };
	const struct sc_sip_hdr *h;
	sc_str via;
	size_t n = 0, pos = 0, k;
	int i = -1;

	if (!inv->is_request || !sc_str_eqz(inv->method, "INVITE"))
		return -EINVAL;
	h = sc_sip_msg_next(inv, SC_HDR_VIA, &i);
	if (!h || sc_sip_split(h->value, &pos, &via) != 1)
		return -EBADMSG;
	if (put(out, cap, &n, "CANCEL %.*s SIP/2.0\r\nVia: %.*s\r\n", (int)inv->ruri.n,
		inv->ruri.p, (int)via.n, via.p) < 0)
		return -ENOSPC;
	/* The same Route set, so the CANCEL follows the INVITE's path. */
	i = -1;
	while ((h = sc_sip_msg_next(inv, SC_HDR_ROUTE, &i)) != NULL)
		if (put(out, cap, &n, "Route: %.*s\r\n", (int)h->value.n, h->value.p) < 0)
			return -ENOSPC;
	if (put(out, cap, &n, "Max-Forwards: 70\r\n") < 0)
		return -ENOSPC;
	for (k = 0; k < sizeof(copied) / sizeof(copied[0]); k++) {
		i = -1;
		h = sc_sip_msg_next(inv, copied[k], &i);
		if (put(out, cap, &n, "%s: %.*s\r\n", names[k], (int)h->value.n, h->value.p) < 0)
			return -ENOSPC;
	}
	if (put(out, cap, &n, "CSeq: %lu CANCEL\r\nContent-Length: 0\r\n\r\n",
		(unsigned long)inv->cseq) < 0)
		return -ENOSPC;
	return (int)n;
}
