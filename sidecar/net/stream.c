/* Stream receive buffer: see stream.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* Hands out every frame at the start of buf; returns how many bytes were
 * used in *used. */
static int drain(struct sc_stream_rx *rx, const char *buf, size_t len, size_t *used,
		 sc_stream_frame_cb cb, void *arg)
{
	size_t off = 0;
	int rc = 0;

	while (off < len) {
		size_t flen = 0;
		int kind = sc_sip_framer_next(&rx->fr, buf + off, len - off, &flen);

		if (kind == -EAGAIN)
			break;
		if (kind < 0) {
			rc = kind;
			break;
		}
		if (kind == SC_FRAME_MSG)
			rc = cb(arg, kind, buf + off, flen);
		else if (kind == SC_FRAME_PING)
			rc = cb(arg, kind, NULL, 0);
		off += flen;
		if (rc)
			break;
	}
	*used = off;
	return rc;
}

int sc_stream_rx_feed(struct sc_stream_rx *rx, const char *data, size_t len,
		      sc_stream_frame_cb cb, void *arg)
{
	size_t used = 0;
	int rc;

	if (!rx->len) {
		/* The common case: nothing pending, frame straight from the read
		 * buffer and keep only the incomplete tail. */
		rc = drain(rx, data, len, &used, cb, arg);
		if (rc)
			return rc;
		if (used < len) {
			if (len - used > SC_SIP_MAX_MSG)
				return -EMSGSIZE;
			if (!rx->buf)
				rx->buf = malloc(SC_SIP_MAX_MSG);
			if (!rx->buf)
				return -ENOMEM;
			memcpy(rx->buf, data + used, len - used);
			rx->len = len - used;
		}
		return 0;
	}
	while (len) {
		/* Top the partial message up only as far as the buffer goes; the
		 * framer reports -EMSGSIZE before a full buffer is ever needed. */
		size_t room = SC_SIP_MAX_MSG - rx->len;
		size_t take = len < room ? len : room;

		if (!take)
			return -EMSGSIZE;
		memcpy(rx->buf + rx->len, data, take);
		rx->len += take;
		data += take;
		len -= take;
		rc = drain(rx, rx->buf, rx->len, &used, cb, arg);
		if (rc)
			return rc;
		if (used) {
			memmove(rx->buf, rx->buf + used, rx->len - used);
			rx->len -= used;
		}
		if (!rx->len) {
			free(rx->buf);
			rx->buf = NULL;
			return len ? sc_stream_rx_feed(rx, data, len, cb, arg) : 0;
		}
	}
	return 0;
}

void sc_stream_rx_free(struct sc_stream_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->len = 0;
	memset(&rx->fr, 0, sizeof(rx->fr));
}
