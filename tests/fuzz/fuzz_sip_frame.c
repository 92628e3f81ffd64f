/* libFuzzer target: the input is a TCP/TLS byte stream.  It is framed twice,
 * once delivered whole and once in small chunks, consuming frames as a
 * connection would; both runs must cut the same messages at the same
 * offsets and end the same way, and every frame must be sane.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *       -D_POSIX_C_SOURCE=200809L -I. sidecar/sip/{msg,uri,via,addr,edit}.c \
 *       tests/fuzz/fuzz_sip_frame.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sidecar/sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(x)                                                                 \
	do {                                                                           \
		if (!(x))                                                              \
			abort();                                                       \
	} while (0)

#define FUZZ_MAX_FRAMES 4096

struct run {
	size_t msg_off[FUZZ_MAX_FRAMES]; /* stream offset and length of each message */
	size_t msg_len[FUZZ_MAX_FRAMES];
	size_t nmsg;
	size_t consumed; /* bytes taken off the stream as frames */
	int end;         /* how the run ended: -EAGAIN, -EBADMSG or -EMSGSIZE */
};

static struct run whole, chunked;
static struct sc_sip_msg msg;
static char rx[SC_SIP_MAX_MSG + 256];

/* With f, frames as a connection does (sc_sip_framer_next); without,
 * with the stateless sc_sip_frame. */
static void run_stream(const char *data, size_t size, size_t chunk, struct sc_sip_framer *f,
		       struct run *r)
{
	size_t have = 0, fed = 0, fl;
	int rc;

	r->nmsg = r->consumed = 0;
	r->end = 0;
	for (;;) {
		fl = 0;
		rc = f ? sc_sip_framer_next(f, rx, have, &fl) : sc_sip_frame(rx, have, &fl);
		if (rc == -EAGAIN) {
			size_t c = size - fed < chunk ? size - fed : chunk;

			/* "Need more" is only ever said below the size limit, so
			 * a receive buffer of SC_SIP_MAX_MSG plus one read is
			 * always enough. */
			FUZZ_ASSERT(have < SC_SIP_MAX_MSG);
			if (c > sizeof(rx) - have)
				c = sizeof(rx) - have;
			if (c == 0) {
				r->end = rc;
				return;
			}
			memcpy(rx + have, data + fed, c);
			have += c;
			fed += c;
			continue;
		}
		if (rc < 0) {
			FUZZ_ASSERT(rc == -EBADMSG || rc == -EMSGSIZE);
			r->end = rc;
			return;
		}
		FUZZ_ASSERT(fl > 0 && fl <= have);
		switch (rc) {
		case SC_FRAME_PING:
			FUZZ_ASSERT(fl == 4 && memcmp(rx, "\r\n\r\n", 4) == 0);
			break;
		case SC_FRAME_PONG:
			FUZZ_ASSERT((fl == 2 && memcmp(rx, "\r\n", 2) == 0) ||
				    (fl == 1 && rx[0] == '\n'));
			break;
		case SC_FRAME_MSG:
			FUZZ_ASSERT(fl <= SC_SIP_MAX_MSG && r->nmsg < FUZZ_MAX_FRAMES);
			rc = sc_sip_msg_parse(&msg, rx, fl);
			FUZZ_ASSERT(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE);
			/* A framed message that parses is all of the frame. */
			FUZZ_ASSERT(rc != 0 || (msg.len == fl && msg.content_length >= 0));
			r->msg_off[r->nmsg] = r->consumed;
			r->msg_len[r->nmsg++] = fl;
			break;
		default:
			FUZZ_ASSERT(0);
		}
		memmove(rx, rx + fl, have - fl);
		have -= fl;
		r->consumed += fl;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_sip_framer f = { 0, 0 };
	size_t i, lo, hi;

	run_stream((const char *)data, size, size ? size : 1, NULL, &whole);
	/* The connection's framer, bytes arriving in small pieces. */
	run_stream((const char *)data, size, 1 + size % 29, &f, &chunked);
	/* The framer may hold back a verdict on a header block (malformed, or
	 * announcing too big a body) until its end arrives: then it is still
	 * waiting where sc_sip_frame has already refused. */
	FUZZ_ASSERT(whole.end == chunked.end || chunked.end == -EAGAIN);
	FUZZ_ASSERT(whole.nmsg == chunked.nmsg);
	/* The runs may only disagree on keep-alive bytes still pending at the
	 * end: "\r\n\r" waits for a possible ping when it arrives at once,
	 * but is a pong and a wait when it arrives as "\r\n" and "\r". */
	lo = whole.consumed < chunked.consumed ? whole.consumed : chunked.consumed;
	hi = whole.consumed + chunked.consumed - lo;
	FUZZ_ASSERT(lo == hi || chunked.end == -EAGAIN);
	for (i = lo; i < hi; i++)
		FUZZ_ASSERT(data[i] == '\r' || data[i] == '\n');
	for (i = 0; i < whole.nmsg; i++)
		FUZZ_ASSERT(whole.msg_off[i] == chunked.msg_off[i] &&
			    whole.msg_len[i] == chunked.msg_len[i]);
	return 0;
}
