/* Stream framing tests: keep-alives, stray CRLFs, back-to-back messages,
 * messages split at every byte, and the limits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/msg.h"

#define HEAD                                                                           \
	"MESSAGE sip:b@example.com SIP/2.0\r\n"                                        \
	"Via: SIP/2.0/TLS h.example.com;branch=z9hG4bKf\r\n"                           \
	"From: <sip:a@example.com>;tag=1\r\n"                                          \
	"To: <sip:b@example.com>\r\n"                                                  \
	"Call-ID: frame@h\r\n"                                                         \
	"CSeq: 1 MESSAGE\r\n"

static const char msg1[] = HEAD "Content-Length: 5\r\n\r\nHello";
static const char msg2[] = "SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/TLS h.example.com;branch=z9hG4bKf\r\n"
			   "From: <sip:a@example.com>;tag=1\r\n"
			   "To: <sip:b@example.com>;tag=2\r\n"
			   "Call-ID: frame@h\r\n"
			   "CSeq: 1 MESSAGE\r\n"
			   "l: 0\r\n"
			   "\r\n";
/* No CR anywhere: every line, the blank one included, ends in LF alone
 * (RFC 3261 §7.5 tolerates it). */
static const char msg_lf[] = "BYE sip:b@example.com SIP/2.0\n"
			     "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bKlf\n"
			     "From: <sip:a@example.com>;tag=1\n"
			     "To: <sip:b@example.com>;tag=2\n"
			     "Call-ID: lf2@h\n"
			     "CSeq: 3 BYE\n"
			     "Content-Length: 2\n"
			     "\n"
			     "ok";

/* Frames buf[0..len) in guard memory. */
static int frame(const char *buf, size_t len, size_t *fl)
{
	*fl = 0;
	return sc_sip_frame(guard_put(buf, len), len, fl);
}

static int frame_s(const char *s, size_t *fl)
{
	return frame(s, strlen(s), fl);
}

static void test_keepalives(void)
{
	size_t fl;

	CHECK_EQ_INT(frame_s("", &fl), -EAGAIN);
	CHECK_EQ_INT(frame_s("\r\n\r\n", &fl), SC_FRAME_PING);
	CHECK_EQ_INT(fl, 4);
	CHECK_EQ_INT(frame_s("\r\n\r\n\r\n", &fl), SC_FRAME_PING);
	CHECK_EQ_INT(fl, 4);
	CHECK_EQ_INT(frame_s("\r\n", &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 2);
	CHECK_EQ_INT(frame_s("\n", &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 1);
	CHECK_EQ_INT(frame_s("\n\n", &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 1);
	/* A CR alone, or CRLF CR, may still become a pong or a ping. */
	CHECK_EQ_INT(frame_s("\r", &fl), -EAGAIN);
	CHECK_EQ_INT(frame_s("\r\n\r", &fl), -EAGAIN);
	CHECK_EQ_INT(frame_s("\r\n\rX", &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 2);
	CHECK_EQ_INT(frame_s("\rX", &fl), -EBADMSG);
	CHECK_EQ_INT(frame_s("\r\r\n", &fl), -EBADMSG);
}

/* The Deutsche Telekom case: a pong (or any stray CRLF) right before a
 * message must come out as a pong and leave the message intact. */
static void test_stray_crlf(void)
{
	char buf[1024];
	size_t fl, n;

	n = (size_t)snprintf(buf, sizeof(buf), "\r\n%s", msg1);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 2);
	CHECK_EQ_INT(frame(buf + 2, n - 2, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, strlen(msg1));

	n = (size_t)snprintf(buf, sizeof(buf), "\n%s", msg1);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 1);
	CHECK_EQ_INT(frame(buf + 1, n - 1, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, strlen(msg1));

	n = (size_t)snprintf(buf, sizeof(buf), "\r\n\r\n%s", msg1);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_PING);
	CHECK_EQ_INT(fl, 4);
	CHECK_EQ_INT(frame(buf + 4, n - 4, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, strlen(msg1));

	/* Only the first 2 bytes arrived after the pong: still a pong. */
	CHECK_EQ_INT(frame(buf, 3, &fl), -EAGAIN);
	CHECK_EQ_INT(frame("\r\nI", 3, &fl), SC_FRAME_PONG);
	CHECK_EQ_INT(fl, 2);
}

static void test_back_to_back(void)
{
	char buf[2048];
	size_t fl, n, a = strlen(msg1), b = strlen(msg2);

	n = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", msg1, msg2, msg1);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, a);
	CHECK_EQ_INT(frame(buf + a, n - a, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, b);
	CHECK_EQ_INT(frame(buf + a + b, n - a - b, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, a);
	/* The second message is incomplete. */
	CHECK_EQ_INT(frame(buf + a, b - 1, &fl), -EAGAIN);
	CHECK_EQ_INT(frame(buf, a + 10, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, a);
}

/* Every strict prefix is -EAGAIN, the whole is one message. */
static void check_split(const char *m, size_t len)
{
	size_t k, fl;
	int rc;

	for (k = 0; k < len; k++) {
		rc = frame(m, k, &fl);
		if (rc != -EAGAIN)
			fprintf(stderr, "split at %zu: %d\n", k, rc);
		CHECK_EQ_INT(rc, -EAGAIN);
	}
	CHECK_EQ_INT(frame(m, len, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, len);
}

static void test_split_everywhere(void)
{
	static const char lf[] = "BYE sip:b@example.com SIP/2.0\n"
				 "Via: SIP/2.0/TCP h.example.com\n"
				 "From: <sip:a@example.com>;tag=1\n"
				 "To: <sip:b@example.com>;tag=2\n"
				 "Call-ID: lf@h\n"
				 "CSeq: 2 BYE\n"
				 "Content-Length: 2\n"
				 "\n"
				 "\r\n";
	static const char folded[] = HEAD "Content-Length:\r\n  7\r\nX-A: b\r\n\r\n\r\n\r\n\r\nx";
	static const char sdp[] = "SIP/2.0 200 OK\r\n"
				  "Via: SIP/2.0/TLS h.example.com;branch=z9hG4bKf\r\n"
				  "From: <sip:a@example.com>;tag=1\r\n"
				  "To: <sip:b@example.com>;tag=2\r\n"
				  "Call-ID: frame@h\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Content-Type: application/sdp\r\n"
				  "Content-Length  :   31\r\n"
				  "\r\n"
				  "v=0\r\n"
				  "o=- 1 1 IN IP4 192.0.2.1\r\n";

	check_split(msg1, strlen(msg1));
	check_split(msg2, strlen(msg2));
	check_split(lf, strlen(lf));
	check_split(folded, strlen(folded));
	check_split(sdp, strlen(sdp));
	check_split(msg_lf, strlen(msg_lf));
}

/* A stream of keep-alives and messages, delivered in chunks of every size,
 * framed and consumed as a connection would.  The messages must come out
 * whole and in order whatever the chunking.  Keep-alives may come out
 * differently: a ping cut after its first CRLF is reported as two pongs,
 * the price of never holding a pong back, so only their bytes are counted
 * (and their exact kinds checked when the stream arrives in one piece). */
static void test_stream_chunks(void)
{
	static const int whole_kind[] = { SC_FRAME_PING, SC_FRAME_MSG, SC_FRAME_PONG, SC_FRAME_MSG,
					  SC_FRAME_PONG, SC_FRAME_MSG };
	char stream[2048], rx[2048];
	size_t want_msg[3], n, chunk;

	want_msg[0] = strlen(msg1);
	want_msg[1] = strlen(msg2);
	want_msg[2] = strlen(msg1);
	n = (size_t)snprintf(stream, sizeof(stream), "\r\n\r\n%s\r\n%s\n%s", msg1, msg2, msg1);

	for (chunk = 1; chunk <= n; chunk++) {
		size_t fed = 0, have = 0, msgs = 0, ka = 0, frames = 0, fl;
		int ok = 1, rc;

		for (;;) {
			rc = frame(rx, have, &fl);
			if (rc == -EAGAIN) {
				size_t c = n - fed < chunk ? n - fed : chunk;

				if (c == 0)
					break;
				memcpy(rx + have, stream + fed, c);
				have += c;
				fed += c;
				continue;
			}
			if (rc < 0 || fl == 0 || fl > have ||
			    (rc == SC_FRAME_MSG && (msgs == 3 || fl != want_msg[msgs])) ||
			    (chunk == n && (frames == 6 || rc != whole_kind[frames]))) {
				fprintf(stderr, "chunk %zu frame %zu: %d len %zu\n", chunk,
					frames, rc, fl);
				ok = 0;
				break;
			}
			if (rc == SC_FRAME_MSG)
				msgs++;
			else
				ka += fl;
			frames++;
			memmove(rx, rx + fl, have - fl);
			have -= fl;
		}
		CHECK(ok);
		CHECK_EQ_INT(msgs, 3);
		CHECK_EQ_INT(ka, 7);
		CHECK_EQ_INT(have, 0);
		CHECK_EQ_INT(fed, n);
		if (chunk == n)
			CHECK_EQ_INT(frames, 6);
	}
}

static void test_content_length(void)
{
	static char big[SC_SIP_MAX_MSG + 64];
	char buf[1024];
	size_t fl, n;

	/* Missing: on a stream there is no other way to find the end. */
	n = (size_t)snprintf(buf, sizeof(buf), "%s\r\nHello", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: abc\r\n\r\nHello", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: -5\r\n\r\nHello", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length:\r\n\r\nHello", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: 5\r\nl: 6\r\n\r\nHello!", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
	/* Equal duplicates frame fine (the parser rejects them later). */
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: 5\r\nl: 5\r\n\r\nHello", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, n);
	/* Huge. */
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: 99999999999999999999999\r\n\r\n",
			     HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EMSGSIZE);
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: 65537\r\n\r\n", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EMSGSIZE);
	/* Headers plus body just over the limit. */
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: 65500\r\n\r\n", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), -EMSGSIZE);
	/* Headers plus body exactly at the limit. */
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Length: %5u\r\n\r\n", HEAD, 0u);
	n = (size_t)snprintf(big, sizeof(big), "%sContent-Length: %5u\r\n\r\n", HEAD,
			     (unsigned)(SC_SIP_MAX_MSG - n));
	memset(big + n, 'z', sizeof(big) - n);
	CHECK_EQ_INT(frame(big, SC_SIP_MAX_MSG - 1, &fl), -EAGAIN);
	CHECK_EQ_INT(frame(big, sizeof(big), &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, SC_SIP_MAX_MSG);
	/* A header block that never ends. */
	n = (size_t)snprintf(big, sizeof(big), "%sX-Long: ", HEAD);
	memset(big + n, 'a', sizeof(big) - n);
	CHECK_EQ_INT(frame(big, SC_SIP_MAX_MSG - 1, &fl), -EAGAIN);
	CHECK_EQ_INT(frame(big, SC_SIP_MAX_MSG, &fl), -EMSGSIZE);
	CHECK_EQ_INT(frame(big, sizeof(big), &fl), -EMSGSIZE);
	/* Compact form, whitespace before the colon, any case. */
	n = (size_t)snprintf(buf, sizeof(buf), "%sl :3\r\n\r\nabcdef", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, n - 3);
	n = (size_t)snprintf(buf, sizeof(buf), "%sCONTENT-length\t: 3\r\n\r\nabc", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, n);
	/* Names that merely start like it do not count. */
	n = (size_t)snprintf(buf, sizeof(buf), "%sContent-Lengthy: 3\r\nl: 1\r\n\r\nabc", HEAD);
	CHECK_EQ_INT(frame(buf, n, &fl), SC_FRAME_MSG);
	CHECK_EQ_INT(fl, n - 2);
	/* A start line is not a header. */
	n = (size_t)snprintf(buf, sizeof(buf), "l: 3 x SIP/2.0\r\n\r\nabc");
	CHECK_EQ_INT(frame(buf, n, &fl), -EBADMSG);
}

static void test_garbage(void)
{
	size_t fl;

	CHECK_EQ_INT(frame_s(" INVITE sip:b SIP/2.0\r\n", &fl), -EBADMSG);
	CHECK_EQ_INT(frame_s("\x16\x03\x01\x02\x00", &fl), -EBADMSG);
	CHECK_EQ_INT(frame("\0\r\n", 3, &fl), -EBADMSG);
	CHECK_EQ_INT(frame_s("<xml/>", &fl), -EBADMSG);
	/* Looks like a start of something: wait. */
	CHECK_EQ_INT(frame_s("GET / HTTP/1.1\r\nHost: x\r\n", &fl), -EAGAIN);
}

/* Feeds a stream one byte at a time through a framer, as a connection
 * reading byte by byte would, and records "kind:length" of each frame and
 * how it ended. */
static void framer_trace(const char *stream, size_t n, char *out, size_t cap)
{
	static char rx[2 * SC_SIP_MAX_MSG];
	struct sc_sip_framer f = { 0, 0 };
	size_t have = 0, fed = 0, fl, o = 0;
	int rc;

	out[0] = '\0';
	for (;;) {
		fl = 0;
		rc = sc_sip_framer_next(&f, rx, have, &fl);
		if (rc == -EAGAIN && fed < n) {
			rx[have++] = stream[fed++];
			continue;
		}
		if (rc < 0) {
			snprintf(out + o, cap - o, "end:%d", rc);
			return;
		}
		o += (size_t)snprintf(out + o, cap - o, "%d:%zu ", rc, fl);
		memmove(rx, rx + fl, have - fl);
		have -= fl;
	}
}

static void test_framer(void)
{
	static char big[SC_SIP_MAX_MSG + 64];
	char stream[2048], trace[256];
	size_t i;

	/* The same frames as sc_sip_frame sees, bytes arriving one by one:
	 * a stray CRLF, a message with a body, a ping, a pong, a message with
	 * a compact Content-Length, and half a message at the end. */
	snprintf(stream, sizeof(stream), "\r\n%s\r\n\r\n%s\r\n%sMESSAGE sip:x", msg1, msg2,
		 msg1);
	framer_trace(stream, strlen(stream), trace, sizeof(trace));
	/* (A ping arriving byte by byte is two pongs, as with sc_sip_frame.) */
	snprintf(stream, sizeof(stream), "3:2 1:%zu 3:2 3:2 1:%zu 3:2 1:%zu end:%d", strlen(msg1),
		 strlen(msg2), strlen(msg1), -EAGAIN);
	CHECK(strcmp(trace, stream) == 0);
	if (strcmp(trace, stream) != 0)
		fprintf(stderr, "  got %s\n  want %s\n", trace, stream);
	/* A header block that never ends is cut off at the size limit. */
	memcpy(big, HEAD, strlen(HEAD));
	for (i = strlen(HEAD); i < sizeof(big); i++)
		big[i] = i % 60 == 59 ? '\n' : 'X';
	framer_trace(big, sizeof(big), trace, sizeof(trace));
	snprintf(stream, sizeof(stream), "end:%d", -EMSGSIZE);
	CHECK(strcmp(trace, stream) == 0);
	/* A bad Content-Length is still reported, once the headers end. */
	snprintf(stream, sizeof(stream), HEAD "Content-Length: x\r\n\r\n");
	framer_trace(stream, strlen(stream), trace, sizeof(trace));
	CHECK(strncmp(trace, "end:", 4) == 0 && atoi(trace + 4) == -EBADMSG);
}

/* A framer that has seen the first k bytes of a message (at every k) finds
 * its end once the rest arrives, whether the blank line is CRLF CRLF or
 * LF LF, and wherever the read boundary falls in it. */
static void check_framer_split(const char *m, size_t len)
{
	struct sc_sip_framer f;
	size_t k, fl;
	int rc;

	for (k = 1; k < len; k++) {
		memset(&f, 0, sizeof(f));
		fl = 0;
		rc = sc_sip_framer_next(&f, guard_put(m, k), k, &fl);
		CHECK_EQ_INT(rc, -EAGAIN);
		rc = sc_sip_framer_next(&f, guard_put(m, len), len, &fl);
		CHECK_EQ_INT(rc, SC_FRAME_MSG);
		CHECK_EQ_INT(fl, len);
		if (check_failed_now) {
			fprintf(stderr, "  split at %zu\n", k);
			return;
		}
	}
}

static void test_framer_split_everywhere(void)
{
	char stream[1024], trace[64], want[64];

	check_framer_split(msg1, strlen(msg1));
	check_framer_split(msg2, strlen(msg2));
	check_framer_split(msg_lf, strlen(msg_lf));
	/* Byte by byte, LF-only messages back to back are one frame each. */
	snprintf(stream, sizeof(stream), "%s%s", msg_lf, msg_lf);
	framer_trace(stream, strlen(stream), trace, sizeof(trace));
	snprintf(want, sizeof(want), "1:%zu 1:%zu end:%d", strlen(msg_lf), strlen(msg_lf), -EAGAIN);
	CHECK(strcmp(trace, want) == 0);
	if (strcmp(trace, want) != 0)
		fprintf(stderr, "  got %s\n  want %s\n", trace, want);
}

int main(void)
{
	RUN(test_framer);
	RUN(test_framer_split_everywhere);
	RUN(test_keepalives);
	RUN(test_stray_crlf);
	RUN(test_back_to_back);
	RUN(test_split_everywhere);
	RUN(test_stream_chunks);
	RUN(test_content_length);
	RUN(test_garbage);
	return check_done("sip_frame");
}
