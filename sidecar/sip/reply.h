/* The messages the sidecar writes itself: local responses to requests
 * (RFC 3261 §8.2.6: the 400, 403, 408, 483 and 503 of SPEC B1, B8, B10,
 * B13), and the CANCEL of an INVITE it relayed (§9.1, B13). */
#ifndef SC_SIP_REPLY_H
#define SC_SIP_REPLY_H

#include <stddef.h>

#include "msg.h"

/* Writes into out a response to request m: the status line, every Via,
 * From, To (with a To tag added when it has none, from to_tag), Call-ID and
 * CSeq copied from the request, an optional Warning header value (e.g.
 * 399 sipsidecar "upstream certificate expired"), and Content-Length: 0.
 * Returns the length, -EINVAL when m is not a request (or is an ACK, which
 * is never answered), or -ENOSPC. */
int sc_sip_reply(const struct sc_sip_msg *m, int status, const char *reason, const char *warning,
		 const char *to_tag, char *out, size_t cap);

/* A 400 Bad Request to a request that did not parse (SPEC B8: a 400
 * where a response is possible), built from its raw text: the start line
 * must be "METHOD SP ... SP SIP/2.0" and the message must carry Via, From,
 * To, Call-ID and CSeq lines that can be copied as they are (no control
 * characters, no folding) and that make a response which parses itself.
 * Everything else in it is ignored.  Returns the
 * length, -EBADMSG when no sensible answer can be built (nothing is sent
 * then), -EINVAL for an ACK, or -ENOSPC. */
int sc_sip_reply_bad(const char *buf, size_t len, const char *warning, const char *to_tag,
		     char *out, size_t cap);

/* A CANCEL for INVITE inv, as the sidecar forwarded it (RFC 3261 §9.1):
 * its Request-URI, its top Via only (the branch the INVITE went with),
 * its Route headers, From, To, Call-ID and CSeq number as they are, the
 * method CANCEL, Max-Forwards 70.  Returns the length, -EINVAL when inv is
 * not an INVITE, -EBADMSG without a Via, or -ENOSPC. */
int sc_sip_cancel(const struct sc_sip_msg *inv, char *out, size_t cap);

#endif
