/* SIP message parsing and stream framing (RFC 3261 §7, §18.3).
 *
 * The parser never allocates: the caller owns a struct sc_sip_msg (it is a
 * few kilobytes, so keep one per connection or one per loop iteration) and
 * every field is a slice of the buffer that was parsed.  The buffer must stay
 * alive and unchanged for as long as the message is used.
 *
 * Results follow the house rule: 0 on success, a negative errno otherwise.
 * "Incomplete, need more bytes" (-EAGAIN) is always kept apart from
 * "malformed" (-EBADMSG) and "too large" (-EMSGSIZE).
 */
#ifndef SC_SIP_MSG_H
#define SC_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "../base/str.h"

/* Largest message accepted on any transport (SPEC B8). */
#define SC_SIP_MAX_MSG (64 * 1024)
/* Header fields kept per message; a message with more is rejected
 * (-EMSGSIZE) rather than truncated, because dropping a header silently could
 * lose a Via or a Route. */
#define SC_SIP_MAX_HDRS 128

/* Headers the sidecar looks at.  Everything else is SC_HDR_OTHER and is
 * carried through untouched. */
enum sc_sip_hdr_id {
	SC_HDR_OTHER = 0,
	SC_HDR_VIA,
	SC_HDR_FROM,
	SC_HDR_TO,
	SC_HDR_CALL_ID,
	SC_HDR_CSEQ,
	SC_HDR_CONTACT,
	SC_HDR_MAX_FORWARDS,
	SC_HDR_CONTENT_LENGTH,
	SC_HDR_CONTENT_TYPE,
	SC_HDR_ROUTE,
	SC_HDR_RECORD_ROUTE,
	SC_HDR_PATH,
	SC_HDR_ALERT_INFO,
	SC_HDR_EXPIRES,
	SC_HDR_SUPPORTED,
	SC_HDR_REQUIRE,
	SC_HDR_AUTHORIZATION,
	SC_HDR_PROXY_AUTHORIZATION,
	SC_HDR_WARNING,
	SC_HDR__COUNT
};

struct sc_sip_hdr {
	enum sc_sip_hdr_id id;
	sc_str name;  /* as written, e.g. "v" or "VIA" */
	sc_str value; /* leading/trailing whitespace removed; may contain folded CRLF+WSP */
	size_t start; /* offset of the first byte of the header line */
	size_t end;   /* offset just past its terminating CRLF (or LF) */
};

struct sc_sip_msg {
	const char *buf;
	size_t len; /* whole message: start line, headers, blank line, body */

	/* start line */
	int is_request;
	sc_str method;  /* requests */
	sc_str ruri;    /* requests */
	sc_str version; /* "SIP/2.0" */
	int status;     /* responses: 100..699 */
	sc_str reason;  /* responses, may be empty */
	size_t start_line_end; /* offset just past the start line's CRLF */

	struct sc_sip_hdr hdrs[SC_SIP_MAX_HDRS];
	size_t nhdrs;
	/* index into hdrs of the first header of each known kind, -1 if absent */
	int16_t first[SC_HDR__COUNT];

	size_t body_off; /* offset of the body (just past the blank line) */
	sc_str body;

	/* decoded mandatory headers (valid when sc_sip_msg_parse returned 0) */
	sc_str call_id;
	uint32_t cseq;
	sc_str cseq_method;
	int max_forwards;      /* -1 when absent */
	long content_length;   /* -1 when absent (allowed on UDP only) */
};

/* Parses one complete message of exactly len bytes (a UDP datagram, or a
 * frame returned by sc_sip_frame).  The body is what follows the blank line;
 * when Content-Length is present it must not exceed what is there, and extra
 * bytes beyond it are ignored (RFC 3261 §18.3): m->len then ends with the
 * body.  Checks that Via, From, To, Call-ID and CSeq are present, that From,
 * To, Call-ID, CSeq, Max-Forwards and Content-Length appear at most once,
 * that the CSeq method matches a request's method, and that Max-Forwards is
 * 0-255.  The start line must be the first byte: a leading CRLF is the
 * framer's business.  Lines may end in CRLF or a bare LF; other control
 * characters (NUL, a lone CR, ...) are malformed anywhere before the body.
 * Returns 0, -EBADMSG, or -EMSGSIZE (over SC_SIP_MAX_MSG or
 * SC_SIP_MAX_HDRS). */
int sc_sip_msg_parse(struct sc_sip_msg *m, const char *buf, size_t len);

/* Identifies a header name (full or compact form, any case). */
enum sc_sip_hdr_id sc_sip_hdr_lookup(sc_str name);

/* The next header of kind id after index *i (start with *i = -1).  Returns the
 * header or NULL when there are no more. */
const struct sc_sip_hdr *sc_sip_msg_next(const struct sc_sip_msg *m, enum sc_sip_hdr_id id,
					 int *i);

/* Decodes the CSeq value "123 INVITE".  Returns 0 or -EBADMSG. */
int sc_sip_cseq_parse(sc_str s, uint32_t *num, sc_str *method);

/* Splits a comma-separated header value (Via, Contact, Route, ...): commas
 * inside double quotes (with \-escapes) or <...> do not split.  Start with
 * *pos = 0; each call stores the next element (trimmed, never empty: empty
 * elements are skipped) in *out and returns 1, or returns 0 at the end, or
 * -EBADMSG on an unterminated quote or bracket. */
int sc_sip_split(sc_str value, size_t *pos, sc_str *out);

/* Stream framing (TCP, TLS).  Looks at the bytes received so far and tells
 * what comes first:
 *   SC_FRAME_MSG   a whole message of *frame_len bytes
 *   SC_FRAME_PING  a CRLFCRLF keep-alive (RFC 5626 §4.4.1), *frame_len = 4
 *   SC_FRAME_PONG  a lone CRLF (the answer to a ping, or a stray one between
 *                  messages), *frame_len = 2 (1 for a bare LF).  It is
 *                  reported as soon as the next byte shows it is not the
 *                  start of a CRLFCRLF, or when nothing follows yet, so a
 *                  ping cut in two by the network comes out as two pongs.
 * or a negative errno: -EAGAIN (need more bytes; only ever returned while
 * len < SC_SIP_MAX_MSG, so a receive buffer of SC_SIP_MAX_MSG plus one read
 * is enough), -EBADMSG (no usable Content-Length, or bytes that cannot start
 * a message), -EMSGSIZE (over SC_SIP_MAX_MSG).  With -EAGAIN, *frame_len is
 * the whole message's length once the header block is complete (0 before).
 * Only the header block is scanned, from the start on every call: a
 * connection uses sc_sip_framer_next instead.  The caller drops *frame_len
 * bytes after handling a frame, and closes the connection on an error. */
enum sc_frame_kind {
	SC_FRAME_MSG = 1,
	SC_FRAME_PING = 2,
	SC_FRAME_PONG = 3,
};
int sc_sip_frame(const char *buf, size_t len, size_t *frame_len);

/* sc_sip_frame for a connection's receive buffer, which grows between calls:
 * it remembers how far the header block was searched and, once the headers
 * are complete, the message's length, so a peer sending one byte at a time
 * costs linear time instead of rescanning up to 64 KiB per byte.  Same
 * results as sc_sip_frame, except that a header block it refuses (malformed,
 * or announcing too big a body) may be refused only when its end (or the
 * size limit) arrives.  buf starts at
 * the current frame; the state resets itself after a frame or an error.
 * Zero-initialise one per connection. */
struct sc_sip_framer {
	size_t scanned; /* bytes already searched for the end of the headers */
	size_t total;   /* the message's length once known, else 0 */
};
int sc_sip_framer_next(struct sc_sip_framer *f, const char *buf, size_t len, size_t *frame_len);

#endif
