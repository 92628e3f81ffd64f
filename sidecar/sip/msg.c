/* SIP message parsing and stream framing (RFC 3261 §7, §18.3, §25.1;
 * RFC 5626 §4.4.1 for CRLF keep-alives).
 *
 * One pass over the bytes cuts the message into a start line, header lines
 * and a body, recording slices; nothing is copied and nothing is allocated.
 * Every loop is bounded by len, so a message can sit right before an
 * unmapped page (the unit tests put it there).
 */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "uri.h"

/* Full and compact header names (RFC 3261 §7.3.3, §20).  The compact forms
 * of headers the sidecar does not track (e Content-Encoding, s Subject, o
 * Event, r Refer-To, ...) are left out on purpose: they are SC_HDR_OTHER.
 * Lengths are stored so that most names are passed over on a compare of
 * two integers. */
#define MSG_HDR(name, id) { name, sizeof(name) - 1, id }
static const struct {
	const char *name;
	size_t len;
	enum sc_sip_hdr_id id;
} msg_hdr_names[] = {
	MSG_HDR("Via", SC_HDR_VIA),
	MSG_HDR("v", SC_HDR_VIA),
	MSG_HDR("From", SC_HDR_FROM),
	MSG_HDR("f", SC_HDR_FROM),
	MSG_HDR("To", SC_HDR_TO),
	MSG_HDR("t", SC_HDR_TO),
	MSG_HDR("Call-ID", SC_HDR_CALL_ID),
	MSG_HDR("i", SC_HDR_CALL_ID),
	MSG_HDR("CSeq", SC_HDR_CSEQ),
	MSG_HDR("Contact", SC_HDR_CONTACT),
	MSG_HDR("m", SC_HDR_CONTACT),
	MSG_HDR("Max-Forwards", SC_HDR_MAX_FORWARDS),
	MSG_HDR("Content-Length", SC_HDR_CONTENT_LENGTH),
	MSG_HDR("l", SC_HDR_CONTENT_LENGTH),
	MSG_HDR("Content-Type", SC_HDR_CONTENT_TYPE),
	MSG_HDR("c", SC_HDR_CONTENT_TYPE),
	MSG_HDR("Route", SC_HDR_ROUTE),
	MSG_HDR("Record-Route", SC_HDR_RECORD_ROUTE),
	MSG_HDR("Path", SC_HDR_PATH),
	MSG_HDR("Alert-Info", SC_HDR_ALERT_INFO),
	MSG_HDR("Expires", SC_HDR_EXPIRES),
	MSG_HDR("Supported", SC_HDR_SUPPORTED),
	MSG_HDR("k", SC_HDR_SUPPORTED),
	MSG_HDR("Require", SC_HDR_REQUIRE),
	MSG_HDR("Authorization", SC_HDR_AUTHORIZATION),
	MSG_HDR("Proxy-Authorization", SC_HDR_PROXY_AUTHORIZATION),
	MSG_HDR("Warning", SC_HDR_WARNING),
};

enum sc_sip_hdr_id sc_sip_hdr_lookup(sc_str name)
{
	size_t i;

	for (i = 0; i < sizeof(msg_hdr_names) / sizeof(msg_hdr_names[0]); i++)
		if (name.n == msg_hdr_names[i].len &&
		    sc_str_caseeq(name, sc_str_make(msg_hdr_names[i].name, name.n)))
			return msg_hdr_names[i].id;
	return SC_HDR_OTHER;
}

/* Finds the end of the line that starts at pos.  *eol is where its content
 * ends (before CRLF or a bare LF) and *next where the following line starts.
 * Control characters other than HTAB, and a CR that is not part of CRLF,
 * make the message malformed: they have no place in a start line or header
 * and are a classic way to smuggle a second header past a filter.  Returns
 * 0, -EBADMSG, or -EAGAIN when the buffer ends inside the line. */
static int msg_line(const char *buf, size_t len, size_t pos, size_t *eol, size_t *next)
{
	size_t i;

	for (i = pos; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			*eol = (i > pos && buf[i - 1] == '\r') ? i - 1 : i;
			*next = i + 1;
			return 0;
		}
		if (c == '\r') {
			if (i + 1 < len && buf[i + 1] != '\n')
				return -EBADMSG;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return -EBADMSG;
		}
	}
	return -EAGAIN;
}

/* Decimal digits only, at most max.  Returns the value or -1. */
static long msg_number(sc_str s, long max)
{
	long v = 0;
	size_t i;

	if (s.n == 0)
		return -1;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is spoken here.  The
 * string is case-insensitive (RFC 3261 §7.1). */
static int msg_version(sc_str v)
{
	return sc_str_caseeqz(v, "SIP/2.0") ? 0 : -EBADMSG;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase.  A missing SP
 * before an empty reason is tolerated: it costs nothing to accept and some
 * embedded stacks send it. */
static int msg_status_line(struct sc_sip_msg *m, const char *l, size_t n)
{
	if (n < 11 || l[7] != ' ' || msg_version(sc_str_make(l, 7)) < 0)
		return -EBADMSG;
	m->version = sc_str_make(l, 7);
	m->status = (int)msg_number(sc_str_make(l + 8, 3), 699);
	if (m->status < 100)
		return -EBADMSG;
	if (n == 11) {
		m->reason = sc_str_make(l + 11, 0);
		return 0;
	}
	if (l[11] != ' ')
		return -EBADMSG;
	m->reason = sc_str_make(l + 12, n - 12);
	return 0;
}

/* Request-Line = Method SP Request-URI SP SIP-Version, with exactly one SP
 * between the parts (RFC 3261 §7.1; RFC 4475 §3.1.2.x rejects extra
 * whitespace there).  The Request-URI may use any scheme; only its shape
 * "scheme:" is checked here, sc_sip_uri_parse does the rest. */
static int msg_request_line(struct sc_sip_msg *m, const char *l, size_t n)
{
	size_t i = 0, u;

	while (i < n && sc_sip_tokenc((unsigned char)l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ' ')
		return -EBADMSG;
	m->method = sc_str_make(l, i);
	u = ++i;
	while (i < n && l[i] != ' ')
		i++;
	if (i == u || i == n)
		return -EBADMSG;
	m->ruri = sc_str_make(l + u, i - u);
	m->version = sc_str_make(l + i + 1, n - i - 1);
	if (msg_version(m->version) < 0)
		return -EBADMSG;
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	for (i = u; i < u + m->ruri.n && l[i] != ':'; i++) {
		int c = sc_lower((unsigned char)l[i]);

		if (!((c >= 'a' && c <= 'z') ||
		      (i > u && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
			return -EBADMSG;
	}
	if (i == u || i == u + m->ruri.n)
		return -EBADMSG;
	m->is_request = 1;
	return 0;
}

static void msg_reset(struct sc_sip_msg *m, const char *buf, size_t len)
{
	size_t i;

	m->buf = buf;
	m->len = len;
	m->is_request = 0;
	m->method = m->ruri = m->version = m->reason = SC_STR_NULL;
	m->status = 0;
	m->start_line_end = 0;
	m->nhdrs = 0;
	for (i = 0; i < SC_HDR__COUNT; i++)
		m->first[i] = -1;
	m->body_off = 0;
	m->body = m->call_id = m->cseq_method = SC_STR_NULL;
	m->cseq = 0;
	m->max_forwards = -1;
	m->content_length = -1;
}

/* Cuts the header block into hdrs[] and finds the body.  A header's value
 * runs from after the colon to the end of its last continuation line. */
static int msg_headers(struct sc_sip_msg *m, size_t pos)
{
	const char *buf = m->buf;
	size_t len = m->len, eol, next;
	struct sc_sip_hdr *h = NULL;
	int rc;

	for (;;) {
		rc = msg_line(buf, len, pos, &eol, &next);
		if (rc < 0)
			return -EBADMSG; /* a datagram or frame ending in the header block */
		if (eol == pos)
			break;
		if (buf[pos] == ' ' || buf[pos] == '\t') {
			/* A folded line continues the previous header; one right after
			 * the start line would fold the start line, which is illegal. */
			if (!h)
				return -EBADMSG;
			h->value.n = eol - sc_str_off(h->value, buf);
			h->end = next;
		} else {
			size_t i = pos;

			if (m->nhdrs == SC_SIP_MAX_HDRS)
				return -EMSGSIZE;
			h = &m->hdrs[m->nhdrs++];
			while (i < eol && sc_sip_tokenc((unsigned char)buf[i]))
				i++;
			if (i == pos)
				return -EBADMSG;
			h->name = sc_str_make(buf + pos, i - pos);
			while (i < eol && (buf[i] == ' ' || buf[i] == '\t'))
				i++;
			if (i == eol || buf[i] != ':')
				return -EBADMSG;
			h->value = sc_str_make(buf + i + 1, eol - i - 1);
			h->start = pos;
			h->end = next;
		}
		pos = next;
	}
	m->body_off = next;
	return 0;
}

/* Decodes and cross-checks the headers every message must carry
 * (RFC 3261 §8.1.1) and the ones that frame or bound it.  Headers that may
 * appear only once are rejected when repeated: two Content-Lengths or two
 * Call-IDs leave the next hop to guess which one counts. */
static int msg_check(struct sc_sip_msg *m)
{
	static const enum sc_sip_hdr_id single[] = { SC_HDR_FROM, SC_HDR_TO, SC_HDR_CALL_ID,
						      SC_HDR_CSEQ, SC_HDR_MAX_FORWARDS,
						      SC_HDR_CONTENT_LENGTH };
	unsigned char count[SC_HDR__COUNT] = { 0 };
	size_t i, avail;

	for (i = 0; i < m->nhdrs; i++) {
		struct sc_sip_hdr *h = &m->hdrs[i];

		h->value = sc_sip_trim(h->value);
		h->id = sc_sip_hdr_lookup(h->name);
		if (m->first[h->id] < 0)
			m->first[h->id] = (int16_t)i;
		if (count[h->id] < 2)
			count[h->id]++;
	}
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++)
		if (count[single[i]] > 1)
			return -EBADMSG;
	if (!count[SC_HDR_VIA] || !count[SC_HDR_FROM] || !count[SC_HDR_TO] ||
	    !count[SC_HDR_CALL_ID] || !count[SC_HDR_CSEQ])
		return -EBADMSG;

	m->call_id = m->hdrs[m->first[SC_HDR_CALL_ID]].value;
	if (m->call_id.n == 0)
		return -EBADMSG;
	if (sc_sip_cseq_parse(m->hdrs[m->first[SC_HDR_CSEQ]].value, &m->cseq,
			      &m->cseq_method) < 0)
		return -EBADMSG;
	/* Methods are case-sensitive (RFC 3261 §7.1). */
	if (m->is_request && !sc_str_eq(m->cseq_method, m->method))
		return -EBADMSG;
	if (count[SC_HDR_MAX_FORWARDS]) {
		/* RFC 3261 §20.22: an integer in the range 0-255. */
		long v = msg_number(m->hdrs[m->first[SC_HDR_MAX_FORWARDS]].value, 255);

		if (v < 0)
			return -EBADMSG;
		m->max_forwards = (int)v;
	}

	avail = m->len - m->body_off;
	if (count[SC_HDR_CONTENT_LENGTH]) {
		long v = msg_number(m->hdrs[m->first[SC_HDR_CONTENT_LENGTH]].value,
				    SC_SIP_MAX_MSG);

		/* A Content-Length larger than the datagram means the message
		 * was truncated (RFC 3261 §18.3). */
		if (v < 0 || (size_t)v > avail)
			return -EBADMSG;
		m->content_length = v;
		avail = (size_t)v;
		m->len = m->body_off + avail;
	}
	m->body = sc_str_make(m->buf + m->body_off, avail);
	return 0;
}

int sc_sip_msg_parse(struct sc_sip_msg *m, const char *buf, size_t len)
{
	size_t eol;
	int rc;

	msg_reset(m, buf, len);
	if (len > SC_SIP_MAX_MSG)
		return -EMSGSIZE;
	/* Anything before the start line, even an empty line, is rejected:
	 * on streams sc_sip_frame has already taken keep-alive CRLFs off. */
	rc = msg_line(buf, len, 0, &eol, &m->start_line_end);
	if (rc < 0)
		return -EBADMSG;
	if (eol >= 4 && sc_str_caseeqz(sc_str_make(buf, 4), "SIP/"))
		rc = msg_status_line(m, buf, eol);
	else
		rc = msg_request_line(m, buf, eol);
	if (rc < 0)
		return rc;
	rc = msg_headers(m, m->start_line_end);
	if (rc < 0)
		return rc;
	return msg_check(m);
}

const struct sc_sip_hdr *sc_sip_msg_next(const struct sc_sip_msg *m, enum sc_sip_hdr_id id,
					 int *i)
{
	size_t k;

	if ((unsigned)id >= SC_HDR__COUNT || m->first[id] < 0)
		return NULL;
	k = *i < 0 ? (size_t)m->first[id] : (size_t)*i + 1;
	for (; k < m->nhdrs; k++) {
		if (m->hdrs[k].id == id) {
			*i = (int)k;
			return &m->hdrs[k];
		}
	}
	return NULL;
}

/* CSeq = 1*DIGIT LWS Method; the number must fit 32 bits (RFC 3261 §8.1.1.5
 * asks for less than 2**31 from senders; anything up to 2**32-1 is
 * accepted from them). */
int sc_sip_cseq_parse(sc_str s, uint32_t *num, sc_str *method)
{
	const char *p, *e, *d;
	unsigned long long v = 0;

	s = sc_sip_trim(s);
	if (!s.p)
		return -EBADMSG;
	p = s.p;
	e = s.p + s.n;
	for (d = p; p < e && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT32_MAX)
			return -EBADMSG;
	}
	if (p == d || p == e || !sc_sip_lwsc((unsigned char)*p))
		return -EBADMSG;
	p = sc_sip_skip_lws(p, e);
	for (d = p; p < e && sc_sip_tokenc((unsigned char)*p); p++)
		;
	if (p == d || p != e)
		return -EBADMSG;
	*num = (uint32_t)v;
	*method = sc_str_make(d, (size_t)(p - d));
	return 0;
}

int sc_sip_split(sc_str value, size_t *pos, sc_str *out)
{
	const char *e, *p, *s;
	int quote = 0, angle = 0;

	if (!value.p)
		return 0;
	e = value.p + value.n;
	for (;;) {
		if (*pos >= value.n)
			return 0;
		p = s = value.p + *pos;
		for (; p < e; p++) {
			if (quote) {
				if (*p == '\\') {
					if (++p == e)
						break;
				} else if (*p == '"') {
					quote = 0;
				}
			} else if (angle) {
				if (*p == '>')
					angle = 0;
			} else if (*p == '"') {
				quote = 1;
			} else if (*p == '<') {
				angle = 1;
			} else if (*p == ',') {
				break;
			}
		}
		if (quote || angle)
			return -EBADMSG;
		*pos = p < e ? (size_t)(p + 1 - value.p) : value.n;
		*out = sc_sip_trim(sc_str_make(s, (size_t)(p - s)));
		/* Empty elements (", ,") are skipped rather than reported. */
		if (out->n > 0)
			return 1;
	}
}

/* Stream framing helpers.  The frame check is deliberately light: it only
 * has to find where a message ends.  sc_sip_msg_parse judges the rest. */

/* Parses one Content-Length value of a header block being framed:
 * surrounding whitespace, then digits.  Returns the value, -EBADMSG or
 * -EMSGSIZE. */
static long msg_frame_clen(const char *p, const char *e)
{
	sc_str v = sc_sip_trim(sc_str_make(p, (size_t)(e - p)));
	size_t i;
	long n = 0;
	int huge = 0;

	if (v.n == 0)
		return -EBADMSG;
	for (i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -EBADMSG;
		if (!huge)
			n = n * 10 + (v.p[i] - '0');
		if (n > SC_SIP_MAX_MSG)
			huge = 1;
	}
	return huge ? -EMSGSIZE : n;
}

int sc_sip_frame(const char *buf, size_t len, size_t *frame_len)
{
	size_t lim = len < SC_SIP_MAX_MSG ? len : SC_SIP_MAX_MSG;
	size_t pos, hdr_end = 0, total;
	const char *vp = NULL, *ve = NULL, *lf;
	long clen = -1, v;
	int in_cl = 0;

	if (len == 0)
		return -EAGAIN;
	/* Keep-alives (RFC 5626 §4.4.1, §3.5.1).  A lone CRLF is reported as
	 * soon as it is known not to start a CRLFCRLF, so that a pong is never
	 * held back waiting for bytes that may not come. */
	if (buf[0] == '\n') {
		*frame_len = 1;
		return SC_FRAME_PONG;
	}
	if (buf[0] == '\r') {
		if (len < 2)
			return -EAGAIN;
		if (buf[1] != '\n')
			return -EBADMSG;
		if (len == 3 && buf[2] == '\r')
			return -EAGAIN;
		if (len >= 4 && buf[2] == '\r' && buf[3] == '\n') {
			*frame_len = 4;
			return SC_FRAME_PING;
		}
		*frame_len = 2;
		return SC_FRAME_PONG;
	}
	/* A start line begins with a method or "SIP/": anything else is not
	 * going to turn into a message, however long we wait. */
	if (!sc_sip_tokenc((unsigned char)buf[0]))
		return -EBADMSG;

	lf = memchr(buf, '\n', lim);
	if (!lf)
		goto incomplete;
	pos = (size_t)(lf - buf) + 1;
	for (;;) {
		size_t eol, i;

		lf = pos < lim ? memchr(buf + pos, '\n', lim - pos) : NULL;
		if (!lf)
			goto incomplete;
		eol = (size_t)(lf - buf);
		if (eol > pos && buf[eol - 1] == '\r')
			eol--;
		if (eol > pos && (buf[pos] == ' ' || buf[pos] == '\t')) {
			if (in_cl)
				ve = buf + eol;
			pos = (size_t)(lf - buf) + 1;
			continue;
		}
		/* The previous header is complete now. */
		if (in_cl) {
			v = msg_frame_clen(vp, ve);
			if (v < 0)
				return (int)v;
			if (clen >= 0 && v != clen)
				return -EBADMSG;
			clen = v;
			in_cl = 0;
		}
		if (eol == pos) {
			hdr_end = (size_t)(lf - buf) + 1;
			break;
		}
		for (i = pos; i < eol && sc_sip_tokenc((unsigned char)buf[i]); i++)
			;
		if (sc_str_caseeqz(sc_str_make(buf + pos, i - pos), "Content-Length") ||
		    sc_str_caseeqz(sc_str_make(buf + pos, i - pos), "l")) {
			while (i < eol && (buf[i] == ' ' || buf[i] == '\t'))
				i++;
			if (i < eol && buf[i] == ':') {
				in_cl = 1;
				vp = buf + i + 1;
				ve = buf + eol;
			}
		}
		pos = (size_t)(lf - buf) + 1;
	}

	/* RFC 3261 §18.3: on a stream, Content-Length is the only way to find
	 * the end of the message, so it is mandatory. */
	if (clen < 0)
		return -EBADMSG;
	total = hdr_end + (size_t)clen;
	if (total > SC_SIP_MAX_MSG)
		return -EMSGSIZE;
	/* With -EAGAIN the length is already known: sc_sip_framer_next then
	 * waits for the body without looking at the headers again. */
	*frame_len = total;
	if (len < total)
		return -EAGAIN;
	return SC_FRAME_MSG;

incomplete:
	return len >= SC_SIP_MAX_MSG ? -EMSGSIZE : -EAGAIN;
}

/* Is there an empty line (the end of a header block) in buf[from, len)? */
static int msg_blank_line(const char *buf, size_t from, size_t len)
{
	const char *p = buf + from, *e = buf + len;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		if (p + 1 < e && (p[1] == '\n' || (p[1] == '\r' && p + 2 < e && p[2] == '\n')))
			return 1;
		p++;
	}
	return 0;
}

int sc_sip_framer_next(struct sc_sip_framer *f, const char *buf, size_t len, size_t *frame_len)
{
	size_t total = 0;
	int rc;

	if (f->total) {
		if (len < f->total)
			return -EAGAIN;
		*frame_len = f->total;
		rc = SC_FRAME_MSG;
		goto done;
	}
	/* Keep-alives and the first look at a frame take constant or one-pass
	 * work in sc_sip_frame; after that the header block is scanned again
	 * only once its end has arrived. */
	if (f->scanned && len && buf[0] != '\r' && buf[0] != '\n' &&
	    !msg_blank_line(buf, f->scanned > 3 ? f->scanned - 3 : 0, len)) {
		f->scanned = len;
		return len >= SC_SIP_MAX_MSG ? -EMSGSIZE : -EAGAIN;
	}
	rc = sc_sip_frame(buf, len, &total);
	if (rc == -EAGAIN) {
		f->total = total;
		f->scanned = len;
		return rc;
	}
	*frame_len = total;
done:
	f->scanned = 0;
	f->total = 0;
	return rc;
}
