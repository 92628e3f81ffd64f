/* Local responses (RFC 3261 §8.2.6).  See reply.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "addr.h"
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
