/* The receive side of a SIP stream (sidecar/net/stream.c, SPEC B8): bytes
 * in arbitrary pieces out as whole messages, CRLFCRLF pings reported, lone
 * CRLFs dropped, the 64 KiB limit, garbage refused, and a callback that
 * stops the feed.  A receive buffer can be used
 * again after sc_stream_rx_free. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/net/stream.h"
#include "tests/unit/check.h"

static const char msg1[] = "MESSAGE sip:4930123456@192.168.1.20:5060 SIP/2.0\r\n"
			   "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-st1\r\n"
			   "From: <sip:bob@provider.example>;tag=1\r\n"
			   "To: <sip:4930123456@provider.example>\r\n"
			   "Call-ID: stream-1@provider.example\r\n"
			   "CSeq: 1 MESSAGE\r\n"
			   "Content-Type: text/plain\r\n"
			   "Content-Length: 5\r\n"
			   "\r\n"
			   "Hello";
static const char msg2[] = "SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/TLS 192.168.1.1:5061;branch=z9hG4bK-st2\r\n"
			   "From: <sip:4930123456@provider.example>;tag=2\r\n"
			   "To: <sip:bob@provider.example>;tag=3\r\n"
			   "Call-ID: stream-2@192.168.1.1\r\n"
			   "CSeq: 7 OPTIONS\r\n"
			   "l: 0\r\n"
			   "\r\n";
static const char ping[] = "\r\n\r\n";

/* What the callback saw: every frame appended to one log ("<PING>" for a
 * ping, the message bytes between brackets for a message), so a whole run
 * is compared with what was expected in one go. */
struct seen {
	char *log;
	size_t len, cap;
	int msgs, pings;
	int stop_at;           /* return 42 on this frame (1-based); 0: never */
	const char *ptr[8];    /* where the first messages were handed out */
};

static void log_put(struct seen *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->log = realloc(s->log, s->cap);
		if (!s->log)
			abort();
	}
	memcpy(s->log + s->len, p, n);
	s->len += n;
	s->log[s->len] = '\0';
}

static int collect(void *arg, int kind, const char *msg, size_t len)
{
	struct seen *s = arg;

	if (kind == SC_FRAME_PING) {
		CHECK(msg == NULL);
		CHECK_EQ_INT(len, 0);
		s->pings++;
		log_put(s, "<PING>", 6);
	} else {
		CHECK_EQ_INT(kind, SC_FRAME_MSG);
		CHECK(msg != NULL && len > 0);
		if (s->msgs < 8)
			s->ptr[s->msgs] = msg;
		s->msgs++;
		log_put(s, "[", 1);
		log_put(s, msg, len);
		log_put(s, "]", 1);
	}
	return s->stop_at && s->msgs + s->pings == s->stop_at ? 42 : 0;
}

/* The log a run should produce: texts and NULL for a ping. */
static void expect(struct seen *s, const char *const *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		collect(s, frames[i] ? SC_FRAME_MSG : SC_FRAME_PING, frames[i],
			frames[i] ? strlen(frames[i]) : 0);
}

static void seen_free(struct seen *s)
{
	free(s->log);
	memset(s, 0, sizeof(*s));
}

/* Feeds data in pieces of chunk bytes, each in its own allocation of
 * exactly that size (so a read past a piece is caught under ASan).  Stops
 * at and returns the first non-zero result. */
static int feed(struct sc_stream_rx *rx, const char *data, size_t len, size_t chunk,
		struct seen *s)
{
	size_t off;
	int rc = 0;

	for (off = 0; off < len && rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		char *piece = malloc(n);

		if (!piece)
			abort();
		memcpy(piece, data + off, n);
		rc = sc_stream_rx_feed(rx, piece, n, collect, s);
		free(piece);
	}
	return rc;
}

/* Feeds data in two pieces split at cut. */
static int feed_split(struct sc_stream_rx *rx, const char *data, size_t len, size_t cut,
		      struct seen *s)
{
	int rc = feed(rx, data, cut, cut ? cut : 1, s);

	return rc ? rc : feed(rx, data + cut, len - cut, len - cut ? len - cut : 1, s);
}

/* A stray CRLF, a message, a ping, a response, the first message again. */
static char stream[1024];
static size_t stream_len, ping_at;

static void build_stream(void)
{
	stream_len = (size_t)snprintf(stream, sizeof(stream), "\r\n%s%s%s%s", msg1, ping, msg2,
				      msg1);
	ping_at = 2 + strlen(msg1);
}

/* What the stream gives when the ping arrives whole, and when the network
 * cut it in the middle: then it is two lone CRLFs (sc_sip_frame: "a ping
 * cut in two by the network comes out as two pongs"), and both are dropped. */
static void expect_stream(struct seen *s, int ping_whole)
{
	const char *const with_ping[] = { msg1, NULL, msg2, msg1 };
	const char *const without[] = { msg1, msg2, msg1 };

	if (ping_whole)
		expect(s, with_ping, 4);
	else
		expect(s, without, 3);
}

static void check_same(const struct seen *got, const struct seen *want)
{
	CHECK_EQ_INT(got->msgs, want->msgs);
	CHECK_EQ_INT(got->pings, want->pings);
	CHECK(got->len == want->len && got->log && want->log &&
	      memcmp(got->log, want->log, want->len) == 0);
}

static void test_whole_stream_at_once(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 }, want = { 0 };

	build_stream();
	CHECK_EQ_INT(feed(&rx, stream, stream_len, stream_len, &got), 0);
	expect_stream(&want, 1);
	check_same(&got, &want);
	/* Nothing left over, and no buffer kept for it. */
	CHECK_EQ_INT(rx.len, 0);
	CHECK(rx.buf == NULL);
	sc_stream_rx_free(&rx);
	seen_free(&got);
	seen_free(&want);
}

static void test_every_chunk_size(void)
{
	size_t chunk;

	build_stream();
	for (chunk = 1; chunk <= stream_len; chunk++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 }, want = { 0 };

		CHECK_EQ_INT(feed(&rx, stream, stream_len, chunk, &got), 0);
		/* The ping is cut in the middle only when a piece ends there. */
		expect_stream(&want, (ping_at + 2) % chunk != 0);
		check_same(&got, &want);
		if (check_failed_now) {
			fprintf(stderr, "  with pieces of %zu bytes\n", chunk);
			break;
		}
		CHECK_EQ_INT(rx.len, 0);
		CHECK(rx.buf == NULL);
		sc_stream_rx_free(&rx);
		seen_free(&got);
		seen_free(&want);
	}
}

static void test_every_split_point(void)
{
	size_t cut;

	build_stream();
	for (cut = 0; cut <= stream_len; cut++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 }, want = { 0 };

		CHECK_EQ_INT(feed_split(&rx, stream, stream_len, cut, &got), 0);
		expect_stream(&want, cut != ping_at + 2);
		check_same(&got, &want);
		if (check_failed_now) {
			fprintf(stderr, "  split at %zu\n", cut);
			break;
		}
		CHECK_EQ_INT(rx.len, 0);
		sc_stream_rx_free(&rx);
		seen_free(&got);
		seen_free(&want);
	}
}

/* Two messages whose lines end in LF alone, blank line included, and no CR
 * anywhere: cut anywhere, both come out (the end of the headers is found
 * whichever read brings it, not at the 64 KiB limit). */
static void test_lf_only_every_split_point(void)
{
	static const char lf[] = "MESSAGE sip:4930123456@192.168.1.20:5060 SIP/2.0\n"
				 "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-st3\n"
				 "From: <sip:bob@provider.example>;tag=1\n"
				 "To: <sip:4930123456@provider.example>\n"
				 "Call-ID: stream-3@provider.example\n"
				 "CSeq: 1 MESSAGE\n"
				 "Content-Length: 3\n"
				 "\n"
				 "Hi\n";
	const char *const frames[] = { lf, lf };
	char data[1024];
	size_t len, cut;

	len = (size_t)snprintf(data, sizeof(data), "%s%s", lf, lf);
	for (cut = 0; cut <= len; cut++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 }, want = { 0 };

		CHECK_EQ_INT(feed_split(&rx, data, len, cut, &got), 0);
		expect(&want, frames, 2);
		check_same(&got, &want);
		CHECK_EQ_INT(rx.len, 0);
		if (check_failed_now) {
			fprintf(stderr, "  split at %zu\n", cut);
			break;
		}
		sc_stream_rx_free(&rx);
		seen_free(&got);
		seen_free(&want);
	}
}

static void test_partial_is_kept(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 }, want = { 0 };
	const char *const both[] = { msg1, msg2 };
	size_t half = strlen(msg1) / 2;
	char rest[1024];

	/* Half a message: nothing handed out, the half kept. */
	CHECK_EQ_INT(feed(&rx, msg1, half, half, &got), 0);
	CHECK_EQ_INT(got.msgs, 0);
	CHECK_EQ_INT(rx.len, half);
	CHECK(rx.buf != NULL && memcmp(rx.buf, msg1, half) == 0);
	/* The rest of it and the first bytes of the next message. */
	snprintf(rest, sizeof(rest), "%s%.10s", msg1 + half, msg2);
	CHECK_EQ_INT(feed(&rx, rest, strlen(rest), strlen(rest), &got), 0);
	CHECK_EQ_INT(got.msgs, 1);
	CHECK_EQ_INT(rx.len, 10);
	CHECK(rx.buf != NULL && memcmp(rx.buf, msg2, 10) == 0);
	/* The end of the second: the buffer is given back. */
	CHECK_EQ_INT(feed(&rx, msg2 + 10, strlen(msg2) - 10, 7, &got), 0);
	expect(&want, both, 2);
	check_same(&got, &want);
	CHECK_EQ_INT(rx.len, 0);
	CHECK(rx.buf == NULL);
	sc_stream_rx_free(&rx);
	seen_free(&got);
	seen_free(&want);
}

static void test_whole_messages_not_copied(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 };
	char data[1024];
	size_t n = (size_t)snprintf(data, sizeof(data), "%s%s", msg1, msg2);

	/* Nothing pending: messages are handed out where they were read. */
	CHECK_EQ_INT(sc_stream_rx_feed(&rx, data, n, collect, &got), 0);
	CHECK_EQ_INT(got.msgs, 2);
	CHECK(got.ptr[0] == data);
	CHECK(got.ptr[1] == data + strlen(msg1));
	sc_stream_rx_free(&rx);
	seen_free(&got);
}

static void test_keepalives(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 }, want = { 0 };
	const char *const msgs[] = { msg2, msg1, msg2 };
	const char *const ping_msg[] = { NULL, msg2 };
	char data[1024];
	size_t n;

	/* Lone CRLFs (and bare LFs) between messages are dropped. */
	n = (size_t)snprintf(data, sizeof(data), "\r\n%s\r\n%s\n%s\r\n", msg2, msg1, msg2);
	CHECK_EQ_INT(feed(&rx, data, n, n, &got), 0);
	expect(&want, msgs, 3);
	check_same(&got, &want);
	CHECK_EQ_INT(rx.len, 0);
	seen_free(&got);
	seen_free(&want);

	/* A lone CRLF on its own: nothing at all. */
	CHECK_EQ_INT(feed(&rx, "\r\n", 2, 2, &got), 0);
	CHECK_EQ_INT(got.msgs + got.pings, 0);
	CHECK_EQ_INT(rx.len, 0);

	/* A CR may start a ping: it is kept until the next bytes say. */
	CHECK_EQ_INT(feed(&rx, "\r", 1, 1, &got), 0);
	CHECK_EQ_INT(rx.len, 1);
	CHECK_EQ_INT(feed(&rx, "\n\r", 2, 2, &got), 0);
	CHECK_EQ_INT(got.pings, 0);
	n = (size_t)snprintf(data, sizeof(data), "\n%s", msg2);
	CHECK_EQ_INT(feed(&rx, data, n, n, &got), 0);
	expect(&want, ping_msg, 2);
	check_same(&got, &want);
	seen_free(&got);
	seen_free(&want);

	/* Ping, pong, ping: two pings, the CRLF between them dropped. */
	CHECK_EQ_INT(feed(&rx, "\r\n\r\n\r\n\r\n\r\n", 10, 10, &got), 0);
	CHECK_EQ_INT(got.pings, 2);
	CHECK_EQ_INT(got.msgs, 0);
	CHECK_EQ_INT(rx.len, 0);
	sc_stream_rx_free(&rx);
	seen_free(&got);
}

/* A message of exactly total bytes (headers of msg1, body padding). */
static char *big_message(size_t total)
{
	static const char head[] = "MESSAGE sip:4930123456@192.168.1.20:5060 SIP/2.0\r\n"
				   "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-big\r\n"
				   "From: <sip:bob@provider.example>;tag=1\r\n"
				   "To: <sip:4930123456@provider.example>\r\n"
				   "Call-ID: big@provider.example\r\n"
				   "CSeq: 1 MESSAGE\r\n"
				   "Content-Type: text/plain\r\n";
	char *m = malloc(total + 1);
	size_t body = total - strlen(head) - strlen("Content-Length: \r\n\r\n");
	int n;

	if (!m)
		abort();
	/* The body shrinks by as many bytes as its length takes to write. */
	body -= (size_t)snprintf(NULL, 0, "%zu", body - 5);
	n = snprintf(m, total + 1, "%sContent-Length: %zu\r\n\r\n", head, body);
	CHECK_EQ_INT((size_t)n + body, total);
	memset(m + n, 'x', body);
	m[total] = '\0';
	return m;
}

static void test_size_limit(void)
{
	static const size_t chunks[] = { 1 << 20, 4096, 1000, 1 };
	char *max = big_message(SC_SIP_MAX_MSG);
	char *over = big_message(SC_SIP_MAX_MSG + 1);
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 };

		/* 64 KiB exactly is allowed, however it arrives... */
		CHECK_EQ_INT(feed(&rx, max, SC_SIP_MAX_MSG, chunks[i], &got), 0);
		CHECK_EQ_INT(got.msgs, 1);
		CHECK(got.len == SC_SIP_MAX_MSG + 2 && memcmp(got.log + 1, max, SC_SIP_MAX_MSG) == 0);
		CHECK_EQ_INT(rx.len, 0);
		seen_free(&got);
		/* ...one byte more is not, and nothing of it is handed out. */
		CHECK_EQ_INT(feed(&rx, over, SC_SIP_MAX_MSG + 1, chunks[i], &got), -EMSGSIZE);
		CHECK_EQ_INT(got.msgs, 0);
		sc_stream_rx_free(&rx);
		CHECK(rx.buf == NULL);
		CHECK_EQ_INT(rx.len, 0);
		seen_free(&got);
		if (check_failed_now) {
			fprintf(stderr, "  with pieces of %zu bytes\n", chunks[i]);
			break;
		}
	}
	free(max);
	free(over);
}

static void test_endless_headers(void)
{
	static const size_t chunks[] = { 1 << 20, 1000 };
	size_t size = SC_SIP_MAX_MSG + 4096, n = 0, i;
	char *endless = malloc(size);

	if (!endless)
		abort();
	/* A header block that never ends: refused once it passes 64 KiB. */
	n += (size_t)snprintf(endless, size, "%.*s", (int)(strchr(msg1, '\n') + 1 - msg1), msg1);
	while (n + 40 < size)
		n += (size_t)snprintf(endless + n, size - n, "X-Padding: %028zu\r\n", n);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 };

		CHECK_EQ_INT(feed(&rx, endless, n, chunks[i], &got), -EMSGSIZE);
		CHECK_EQ_INT(got.msgs, 0);
		CHECK(rx.len <= SC_SIP_MAX_MSG);
		sc_stream_rx_free(&rx);
		seen_free(&got);
	}
	free(endless);
}

/* Feeds a good message and then bad, whole and a byte at a time: the good
 * one comes out, then -EBADMSG. */
static void check_garbage_after(const char *bad, size_t badlen)
{
	static const size_t chunks[] = { 1 << 16, 1 };
	size_t i;
	char data[1024];
	size_t n = strlen(msg2);

	memcpy(data, msg2, n);
	memcpy(data + n, bad, badlen);
	n += badlen;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 };

		CHECK_EQ_INT(feed(&rx, data, n, chunks[i], &got), -EBADMSG);
		CHECK_EQ_INT(got.msgs, 1);
		sc_stream_rx_free(&rx);
		seen_free(&got);
	}
}

static void test_garbage(void)
{
	static const char tls_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00 };
	static const char http[] = "GET /metrics HTTP/1.1\r\nHost: 192.168.1.1\r\n\r\n";
	static const char bad_length[] = "BYE sip:a@192.168.1.20 SIP/2.0\r\n"
					 "Via: SIP/2.0/TLS 203.0.113.5;branch=z9hG4bK-g\r\n"
					 "Content-Length: twelve\r\n\r\n";

	/* A TLS ClientHello on a plain TCP port. */
	check_garbage_after(tls_hello, sizeof(tls_hello));
	/* No Content-Length: a stream cannot find the end (RFC 3261 §18.3). */
	check_garbage_after(http, strlen(http));
	check_garbage_after(bad_length, strlen(bad_length));
	/* CR followed by anything but LF. */
	check_garbage_after("\r\x01", 2);
}

static void test_callback_stops_the_feed(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { .stop_at = 1 };
	char data[1024];
	size_t n = (size_t)snprintf(data, sizeof(data), "%s%s", msg1, msg2), half = 20;

	/* Nothing pending. */
	CHECK_EQ_INT(feed(&rx, data, n, n, &got), 42);
	CHECK_EQ_INT(got.msgs, 1);
	sc_stream_rx_free(&rx);
	seen_free(&got);
	/* With a partial message pending. */
	got.stop_at = 1;
	CHECK_EQ_INT(feed(&rx, data, half, half, &got), 0);
	CHECK_EQ_INT(feed(&rx, data + half, n - half, n - half, &got), 42);
	CHECK_EQ_INT(got.msgs, 1);
	sc_stream_rx_free(&rx);
	seen_free(&got);
	/* On a ping. */
	got.stop_at = 1;
	n = (size_t)snprintf(data, sizeof(data), "%s%s", ping, msg1);
	CHECK_EQ_INT(feed(&rx, data, n, n, &got), 42);
	CHECK_EQ_INT(got.pings, 1);
	CHECK_EQ_INT(got.msgs, 0);
	sc_stream_rx_free(&rx);
	seen_free(&got);
}

/* Many messages in one read, more than the 64 KiB buffer could hold. */
static void test_read_larger_than_buffer(void)
{
	enum { COPIES = 400 };
	size_t one = strlen(msg1), total = one * COPIES, i, pending;
	char *data = malloc(total);

	if (!data)
		abort();
	for (i = 0; i < COPIES; i++)
		memcpy(data + i * one, msg1, one);
	CHECK(total > SC_SIP_MAX_MSG);
	/* Nothing pending, and with a few bytes pending before the big read. */
	for (pending = 0; pending < 40; pending += 13) {
		struct sc_stream_rx rx = { 0 };
		struct seen got = { 0 }, want = { 0 };

		CHECK_EQ_INT(feed_split(&rx, data, total, pending, &got), 0);
		for (i = 0; i < COPIES; i++)
			collect(&want, SC_FRAME_MSG, msg1, one);
		check_same(&got, &want);
		CHECK_EQ_INT(rx.len, 0);
		sc_stream_rx_free(&rx);
		seen_free(&got);
		seen_free(&want);
	}
	free(data);
}

/* A read that fills the buffer up to exactly a message boundary, with more
 * whole messages after it: nothing pending is left in the buffer, and
 * the rest of the read must still come out. */
static void test_read_fills_buffer_exactly(void)
{
	enum { COPIES = 8, PENDING = 100 };
	size_t one = SC_SIP_MAX_MSG / 4, i;
	char *m = big_message(one), *data = malloc(one * COPIES);
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 }, want = { 0 };

	if (!data)
		abort();
	for (i = 0; i < COPIES; i++)
		memcpy(data + i * one, m, one);
	CHECK_EQ_INT(feed_split(&rx, data, one * COPIES, PENDING, &got), 0);
	for (i = 0; i < COPIES; i++)
		collect(&want, SC_FRAME_MSG, m, one);
	check_same(&got, &want);
	CHECK_EQ_INT(rx.len, 0);
	sc_stream_rx_free(&rx);
	seen_free(&got);
	seen_free(&want);
	free(m);
	free(data);
}

static void test_free(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 };

	sc_stream_rx_free(&rx);
	CHECK_EQ_INT(feed(&rx, msg1, 30, 30, &got), 0);
	CHECK(rx.buf != NULL);
	sc_stream_rx_free(&rx);
	CHECK(rx.buf == NULL);
	CHECK_EQ_INT(rx.len, 0);
	/* Freeing twice is harmless. */
	sc_stream_rx_free(&rx);
	CHECK(rx.buf == NULL);
	seen_free(&got);
}

/* sc_stream_rx_free resets the framer too: a buffer used again (a
 * connection object kept across a reconnect) must not frame its first
 * bytes with the old connection's search offset, which once made memchr
 * get a negative length. */
static void test_reuse_after_free(void)
{
	struct sc_stream_rx rx = { 0 };
	struct seen got = { 0 };

	CHECK_EQ_INT(feed(&rx, msg1, 30, 30, &got), 0);
	sc_stream_rx_free(&rx);
	CHECK_EQ_INT(feed(&rx, msg2, strlen(msg2), 3, &got), 0);
	CHECK_EQ_INT(got.msgs, 1);
	sc_stream_rx_free(&rx);
	seen_free(&got);
}

int main(void)
{
	RUN(test_whole_stream_at_once);
	RUN(test_every_chunk_size);
	RUN(test_every_split_point);
	RUN(test_lf_only_every_split_point);
	RUN(test_partial_is_kept);
	RUN(test_whole_messages_not_copied);
	RUN(test_keepalives);
	RUN(test_size_limit);
	RUN(test_endless_headers);
	RUN(test_garbage);
	RUN(test_callback_stops_the_feed);
	RUN(test_read_larger_than_buffer);
	RUN(test_read_fills_buffer_exactly);
	RUN(test_free);
	RUN(test_reuse_after_free);
	return check_done("net_stream");
}
