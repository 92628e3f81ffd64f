/* The receive side of a SIP stream (TCP from a device, TLS from or to a
 * provider): bytes arrive in arbitrary pieces and leave as whole messages
 * (SPEC B8, RFC 3261 §18.3).
 *
 * The buffer holds at most one partial message (SC_SIP_MAX_MSG), so a peer
 * can never make it grow without bound; whole messages in the bytes just
 * received are handed out without copying them first.  CRLF keep-alives are
 * consumed here: a CRLFCRLF ping is reported so the owner can answer it with
 * a CRLF pong (RFC 5626 §4.4.1), a lone CRLF is dropped.
 */
#ifndef SC_NET_STREAM_H
#define SC_NET_STREAM_H

#include <stddef.h>

#include "../sip/msg.h"

struct sc_stream_rx {
	char *buf;   /* the start of an incomplete message, NULL when there is none */
	size_t len;
	struct sc_sip_framer fr;
};

/* Called for each frame: kind is SC_FRAME_MSG (msg, len: one whole message)
 * or SC_FRAME_PING (msg NULL).  Returning non-zero stops the feed (the
 * owner is closing the connection). */
typedef int (*sc_stream_frame_cb)(void *arg, int kind, const char *msg, size_t len);

/* Feeds received bytes.  Returns 0, the callback's non-zero value, or a
 * framing error (-EBADMSG, -EMSGSIZE: the stream cannot be resynchronised
 * and must be closed) or -ENOMEM. */
int sc_stream_rx_feed(struct sc_stream_rx *rx, const char *data, size_t len,
		      sc_stream_frame_cb cb, void *arg);

void sc_stream_rx_free(struct sc_stream_rx *rx);

#endif
