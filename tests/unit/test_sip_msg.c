/* Message parser tests.  Every message goes through parse_text(), which
 * also feeds each of its truncated prefixes, in guard memory, to
 * sc_sip_msg_parse and sc_sip_frame. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/msg.h"

static struct sc_sip_msg msg;    /* the last complete parse */
static struct sc_sip_msg scratch; /* prefixes */

/* Checks what may be said of every strict prefix of a message: the parser
 * must not crash or read past the end, must not accept a prefix that cuts
 * the header block, and the framer must never claim a message longer than
 * what it was given.  When the whole text is a valid stream message, every
 * strict prefix must be -EAGAIN. */
static void check_prefixes(const char *text, size_t len)
{
	size_t k, fl = 0, hb = len;
	const char *p;
	int whole, rc;

	for (k = 0; k + 1 < len; k++) {
		if (text[k] == '\n' && text[k + 1] == '\n') {
			hb = k + 2;
			break;
		}
		if (text[k] == '\n' && text[k + 1] == '\r' && k + 2 < len && text[k + 2] == '\n') {
			hb = k + 3;
			break;
		}
	}
	whole = sc_sip_frame(guard_put(text, len), len, &fl) == SC_FRAME_MSG && fl == len;
	for (k = 0; k < len; k++) {
		p = guard_put(text, k);
		rc = sc_sip_msg_parse(&scratch, p, k);
		if (k < hb && rc == 0) {
			fprintf(stderr, "prefix of %zu bytes (header block %zu) parsed\n", k, hb);
			CHECK(rc != 0);
		}
		CHECK(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE);
		rc = sc_sip_frame(p, k, &fl);
		if (rc == SC_FRAME_MSG && fl > k) {
			fprintf(stderr, "prefix of %zu bytes framed as %zu\n", k, fl);
			CHECK(fl <= k);
		}
		if (whole && rc != -EAGAIN) {
			fprintf(stderr, "prefix of %zu bytes of a stream message: %d\n", k, rc);
			CHECK(rc == -EAGAIN);
		}
	}
}

static int parse_n(const char *text, size_t len)
{
	check_prefixes(text, len);
	return sc_sip_msg_parse(&msg, guard_put(text, len), len);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

#define VIA "Via: SIP/2.0/UDP pc33.atlanta.example;branch=z9hG4bK776asdhds\r\n"
#define FROM "From: Alice <sip:alice@atlanta.example>;tag=1928301774\r\n"
#define TO "To: Bob <sip:bob@biloxi.example>\r\n"
#define CALLID "Call-ID: a84b4c76e66710@pc33.atlanta.example\r\n"
#define CSEQ_INV "CSeq: 314159 INVITE\r\n"
#define MAND VIA FROM TO CALLID CSEQ_INV

#define SDP                                                                            \
	"v=0\r\n"                                                                      \
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"                          \
	"s=-\r\n"                                                                      \
	"c=IN IP4 192.0.2.10\r\n"                                                      \
	"t=0 0\r\n"                                                                    \
	"m=audio 49170 RTP/AVP 0\r\n"                                                  \
	"a=rtpmap:0 PCMU/8000\r\n"

static void test_request_basic(void)
{
	static const char text[] =
		"INVITE sip:bob@biloxi.example SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\n"
		"To: Bob <sip:bob@biloxi.example>\r\n"
		"From: Alice <sip:alice@atlanta.example>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.atlanta.example\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@pc33.atlanta.example>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 134\r\n"
		"\r\n" SDP;
	size_t body_off = strlen(text) - strlen(SDP);

	CHECK_EQ_INT(strlen(SDP), 134);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(msg.is_request, 1);
	CHECK_STR(msg.method, "INVITE");
	CHECK_STR(msg.ruri, "sip:bob@biloxi.example");
	CHECK_STR(msg.version, "SIP/2.0");
	CHECK_EQ_INT(msg.start_line_end, 39);
	CHECK_EQ_INT(msg.nhdrs, 9);
	CHECK_STR(msg.hdrs[0].name, "Via");
	CHECK_STR(msg.hdrs[0].value, "SIP/2.0/UDP pc33.atlanta.example;branch=z9hG4bK776asdhds");
	CHECK_EQ_INT(msg.hdrs[0].id, SC_HDR_VIA);
	CHECK_EQ_INT(msg.hdrs[0].start, 39);
	CHECK_EQ_INT(msg.hdrs[0].end, 39 + 63);
	CHECK_EQ_INT(msg.hdrs[1].start, 39 + 63);
	CHECK_STR(msg.hdrs[1].value, "70");
	CHECK_EQ_INT(msg.hdrs[1].id, SC_HDR_MAX_FORWARDS);
	CHECK_EQ_INT(msg.hdrs[8].id, SC_HDR_CONTENT_LENGTH);
	CHECK_EQ_INT(msg.hdrs[8].end, body_off - 2);
	CHECK_EQ_INT(msg.first[SC_HDR_VIA], 0);
	CHECK_EQ_INT(msg.first[SC_HDR_TO], 2);
	CHECK_EQ_INT(msg.first[SC_HDR_FROM], 3);
	CHECK_EQ_INT(msg.first[SC_HDR_CONTACT], 6);
	CHECK_EQ_INT(msg.first[SC_HDR_ROUTE], -1);
	CHECK_EQ_INT(msg.first[SC_HDR_OTHER], -1);
	CHECK_STR(msg.call_id, "a84b4c76e66710@pc33.atlanta.example");
	CHECK_EQ_INT(msg.cseq, 314159);
	CHECK_STR(msg.cseq_method, "INVITE");
	CHECK_EQ_INT(msg.max_forwards, 70);
	CHECK_EQ_INT(msg.content_length, 134);
	CHECK_EQ_INT(msg.body_off, body_off);
	CHECK_EQ_INT(msg.len, strlen(text));
	CHECK_STR(msg.body, SDP);
	CHECK(msg.buf + msg.body_off == msg.body.p);
}

static void test_response_basic(void)
{
	CHECK_EQ_INT(parse("SIP/2.0 180 Ringing\r\n" MAND "Content-Length: 0\r\n\r\n"), 0);
	CHECK_EQ_INT(msg.is_request, 0);
	CHECK_EQ_INT(msg.status, 180);
	CHECK_STR(msg.reason, "Ringing");
	CHECK_STR(msg.version, "SIP/2.0");
	CHECK(!sc_str_set(msg.method));
	CHECK_EQ_INT(msg.nhdrs, 6);
	CHECK_EQ_INT(msg.content_length, 0);
	CHECK_EQ_INT(msg.body.n, 0);
	CHECK_EQ_INT(msg.max_forwards, -1);

	/* A reason phrase may be empty, with or without its SP, and may hold
	 * spaces and UTF-8. */
	CHECK_EQ_INT(parse("SIP/2.0 200 \r\n" MAND "\r\n"), 0);
	CHECK_EQ_INT(msg.status, 200);
	CHECK_STR(msg.reason, "");
	CHECK_EQ_INT(parse("SIP/2.0 200\r\n" MAND "\r\n"), 0);
	CHECK_STR(msg.reason, "");
	CHECK_EQ_INT(parse("SIP/2.0 486 Busy Here \xc3\xa9t\xc3\xa9\r\n" MAND "\r\n"), 0);
	CHECK_STR(msg.reason, "Busy Here \xc3\xa9t\xc3\xa9");
	CHECK_EQ_INT(parse("sip/2.0 699 x\r\n" MAND "\r\n"), 0);
	CHECK_EQ_INT(msg.status, 699);
	/* A response's CSeq method is not compared with anything. */
	CHECK_EQ_INT(parse("SIP/2.0 200 OK\r\n" VIA FROM TO CALLID "CSeq: 2 BYE\r\n\r\n"), 0);
	CHECK_STR(msg.cseq_method, "BYE");
}

static void test_bad_status_line(void)
{
	CHECK_EQ_INT(parse("SIP/2.0 99 Low\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 099 Low\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 700 High\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 2000 OK\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 20a OK\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0  200 OK\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/3.0 200 OK\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.00 200 OK\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 200\tOK\r\n" MAND "\r\n"), -EBADMSG);
}

static void test_request_line(void)
{
	/* Unknown methods are fine as long as CSeq agrees. */
	CHECK_EQ_INT(parse("NEWMETHOD sip:x@example.com SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: 8 NEWMETHOD\r\n\r\n"),
		     0);
	CHECK_STR(msg.method, "NEWMETHOD");
	CHECK_EQ_INT(parse("OPTIONS tel:+1-201-555-0123 SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: 1 OPTIONS\r\n\r\n"),
		     0);
	CHECK_STR(msg.ruri, "tel:+1-201-555-0123");
	CHECK_EQ_INT(parse("INVITE urn:service:sos SIP/2.0\r\n" MAND "\r\n"), 0);
	CHECK_STR(msg.ruri, "urn:service:sos");
	/* The version is case-insensitive. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com sip/2.0\r\n" MAND "\r\n"), 0);
	CHECK_STR(msg.version, "sip/2.0");
	/* Token characters in a method. */
	CHECK_EQ_INT(parse("!interesting-Method0123456789_*+`.%~ sip:b@example.com SIP/2.0\r\n" VIA
			   FROM TO CALLID "CSeq: 1 !interesting-Method0123456789_*+`.%~\r\n\r\n"),
		     0);

	CHECK_EQ_INT(parse("INVITE  sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com  SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0 \r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE\tsip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.1\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0x\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INV@ITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE 1sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE :b SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse(" INVITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("\r\n\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse(""), -EBADMSG);
}

static void test_garbage_before_start_line(void)
{
	CHECK_EQ_INT(parse("\r\nINVITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("xyz\r\nINVITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("\x16\x03\x01INVITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"),
		     -EBADMSG);
}

static void test_compact_and_case(void)
{
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n"
			   "v: SIP/2.0/TCP h.example.com;branch=z9hG4bKa\r\n"
			   "f: <sip:a@example.com>;tag=1\r\n"
			   "t: <sip:b@example.com>\r\n"
			   "i: abc@h\r\n"
			   "CSEQ: 1 INVITE\r\n"
			   "m: <sip:a@h.example.com;transport=tcp>\r\n"
			   "k: 100rel\r\n"
			   "c: application/sdp\r\n"
			   "s: hello\r\n"
			   "e: gzip\r\n"
			   "l: 4\r\n"
			   "\r\n"
			   "v=0\r\n"),
		     0);
	CHECK_EQ_INT(msg.nhdrs, 11);
	CHECK_EQ_INT(msg.hdrs[0].id, SC_HDR_VIA);
	CHECK_STR(msg.hdrs[0].name, "v");
	CHECK_EQ_INT(msg.hdrs[1].id, SC_HDR_FROM);
	CHECK_EQ_INT(msg.hdrs[2].id, SC_HDR_TO);
	CHECK_EQ_INT(msg.hdrs[3].id, SC_HDR_CALL_ID);
	CHECK_EQ_INT(msg.hdrs[4].id, SC_HDR_CSEQ);
	CHECK_EQ_INT(msg.hdrs[5].id, SC_HDR_CONTACT);
	CHECK_EQ_INT(msg.hdrs[6].id, SC_HDR_SUPPORTED);
	CHECK_EQ_INT(msg.hdrs[7].id, SC_HDR_CONTENT_TYPE);
	CHECK_EQ_INT(msg.hdrs[8].id, SC_HDR_OTHER);
	CHECK_EQ_INT(msg.hdrs[9].id, SC_HDR_OTHER);
	CHECK_EQ_INT(msg.hdrs[10].id, SC_HDR_CONTENT_LENGTH);
	CHECK_EQ_INT(msg.first[SC_HDR_OTHER], 8);
	CHECK_STR(msg.call_id, "abc@h");
	CHECK_EQ_INT(msg.content_length, 4);
	CHECK_STR(msg.body, "v=0\r");

	CHECK_EQ_INT(parse("REGISTER sip:example.com SIP/2.0\r\n"
			   "VIA: SIP/2.0/UDP 192.0.2.1\r\n"
			   "fROM: <sip:a@example.com>;tag=1\r\n"
			   "tO: <sip:a@example.com>\r\n"
			   "CALL-id: x\r\n"
			   "cseq: 7 REGISTER\r\n"
			   "CONTENT-LENGTH: 0\r\n\r\n"),
		     0);
	CHECK_EQ_INT(msg.first[SC_HDR_VIA], 0);
	CHECK_EQ_INT(msg.first[SC_HDR_CONTENT_LENGTH], 5);
	CHECK_EQ_INT(msg.cseq, 7);
}

static void test_hdr_lookup(void)
{
	static const struct {
		const char *name;
		enum sc_sip_hdr_id id;
	} t[] = {
		{ "Via", SC_HDR_VIA },
		{ "v", SC_HDR_VIA },
		{ "V", SC_HDR_VIA },
		{ "from", SC_HDR_FROM },
		{ "F", SC_HDR_FROM },
		{ "TO", SC_HDR_TO },
		{ "t", SC_HDR_TO },
		{ "call-id", SC_HDR_CALL_ID },
		{ "I", SC_HDR_CALL_ID },
		{ "cSeq", SC_HDR_CSEQ },
		{ "Contact", SC_HDR_CONTACT },
		{ "m", SC_HDR_CONTACT },
		{ "Max-Forwards", SC_HDR_MAX_FORWARDS },
		{ "Content-Length", SC_HDR_CONTENT_LENGTH },
		{ "L", SC_HDR_CONTENT_LENGTH },
		{ "content-type", SC_HDR_CONTENT_TYPE },
		{ "c", SC_HDR_CONTENT_TYPE },
		{ "Route", SC_HDR_ROUTE },
		{ "Record-Route", SC_HDR_RECORD_ROUTE },
		{ "PATH", SC_HDR_PATH },
		{ "Alert-Info", SC_HDR_ALERT_INFO },
		{ "Expires", SC_HDR_EXPIRES },
		{ "Supported", SC_HDR_SUPPORTED },
		{ "k", SC_HDR_SUPPORTED },
		{ "Require", SC_HDR_REQUIRE },
		{ "Authorization", SC_HDR_AUTHORIZATION },
		{ "Proxy-Authorization", SC_HDR_PROXY_AUTHORIZATION },
		{ "Warning", SC_HDR_WARNING },
		/* Compact forms of headers the sidecar does not track. */
		{ "e", SC_HDR_OTHER },
		{ "s", SC_HDR_OTHER },
		{ "o", SC_HDR_OTHER },
		{ "r", SC_HDR_OTHER },
		{ "b", SC_HDR_OTHER },
		{ "u", SC_HDR_OTHER },
		{ "x", SC_HDR_OTHER },
		{ "a", SC_HDR_OTHER },
		{ "j", SC_HDR_OTHER },
		{ "d", SC_HDR_OTHER },
		{ "y", SC_HDR_OTHER },
		{ "n", SC_HDR_OTHER },
		{ "Subject", SC_HDR_OTHER },
		{ "Vias", SC_HDR_OTHER },
		{ "Vi", SC_HDR_OTHER },
		{ "", SC_HDR_OTHER },
		{ "Proxy-Authenticate", SC_HDR_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sc_str name = sc_str_make(t[i].name, strlen(t[i].name));

		if (sc_sip_hdr_lookup(name) != t[i].id)
			fprintf(stderr, "lookup of \"%.*s\"\n", (int)name.n, name.p);
		CHECK_EQ_INT(sc_sip_hdr_lookup(name), t[i].id);
	}
}

static void test_colon_whitespace(void)
{
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n"
			   "Via   : SIP/2.0/UDP h.example.com\r\n"
			   "From\t:<sip:a@example.com>;tag=1\r\n"
			   "To:<sip:b@example.com>\r\n"
			   "Call-ID:   \t x@y   \t\r\n" CSEQ_INV "\r\n"),
		     0);
	CHECK_STR(msg.hdrs[0].name, "Via");
	CHECK_STR(msg.hdrs[0].value, "SIP/2.0/UDP h.example.com");
	CHECK_STR(msg.hdrs[1].name, "From");
	CHECK_STR(msg.hdrs[1].value, "<sip:a@example.com>;tag=1");
	CHECK_STR(msg.call_id, "x@y");
	/* An empty value is allowed by the grammar of many headers. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Subject:\r\n\r\n"), 0);
	CHECK_STR(msg.hdrs[5].value, "");
	CHECK_EQ_INT(msg.hdrs[5].id, SC_HDR_OTHER);
}

static void test_folding(void)
{
	static const char text[] = "INVITE sip:b@example.com SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP h.example.com\r\n"
				   "  ;branch=z9hG4bKfold\r\n"
				   "Subject: I know you're there,\r\n"
				   "\tpick up the phone\r\n"
				   "   and talk to me!\r\n"
				   "Empty:\r\n"
				   " \r\n"
				   " later\r\n" FROM TO CALLID CSEQ_INV "\r\n";

	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(msg.nhdrs, 7);
	CHECK_STR(msg.hdrs[0].value, "SIP/2.0/UDP h.example.com\r\n  ;branch=z9hG4bKfold");
	CHECK_EQ_INT(msg.hdrs[0].start, 34);
	CHECK_EQ_INT(msg.hdrs[0].end, 34 + 32 + 23);
	CHECK_STR(msg.hdrs[1].value,
		  "I know you're there,\r\n\tpick up the phone\r\n   and talk to me!");
	CHECK_STR(msg.hdrs[2].name, "Empty");
	CHECK_STR(msg.hdrs[2].value, "later");
	CHECK_EQ_INT(msg.hdrs[3].id, SC_HDR_FROM);

	/* Folding the start line is not allowed. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n"
			   " Via: SIP/2.0/UDP h.example.com\r\n" MAND "\r\n"),
		     -EBADMSG);
}

static void test_bare_lf(void)
{
	CHECK_EQ_INT(parse("BYE sip:b@example.com SIP/2.0\n"
			   "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKlf\n"
			   "From: <sip:a@example.com>;tag=1\n"
			   "To: <sip:b@example.com>;tag=2\n"
			   "Call-ID: lf@h\n"
			   "CSeq: 2 BYE\n"
			   "Subject: folded\n"
			   " value\n"
			   "Content-Length: 3\n"
			   "\n"
			   "abc"),
		     0);
	CHECK_EQ_INT(msg.nhdrs, 7);
	CHECK_STR(msg.hdrs[0].value, "SIP/2.0/UDP h.example.com;branch=z9hG4bKlf");
	CHECK_STR(msg.hdrs[5].value, "folded\n value");
	CHECK_EQ_INT(msg.start_line_end, 30);
	CHECK_STR(msg.body, "abc");
	CHECK_EQ_INT(msg.body_off, msg.len - 3);
	/* Mixed line endings, with a CRLF blank line after LF headers. */
	CHECK_EQ_INT(parse("BYE sip:b@example.com SIP/2.0\r\n"
			   "Via: SIP/2.0/UDP h.example.com\n"
			   "From: <sip:a@example.com>;tag=1\r\n"
			   "To: <sip:b@example.com>;tag=2\n"
			   "Call-ID: lf@h\n"
			   "CSeq: 2 BYE\n"
			   "\r\n"),
		     0);
	CHECK_STR(msg.hdrs[1].value, "<sip:a@example.com>;tag=1");
	CHECK_EQ_INT(msg.body.n, 0);
}

static void test_split(void)
{
	static const char *const want[] = {
		"SIP/2.0/UDP first.example.com:4000;branch=z9hG4bKa",
		"SIP/2.0/TCP second.example.com;branch=z9hG4bKb",
		"SIP/2.0/UDP [2001:db8::1]:5060;received=192.0.2.9",
	};
	const struct sc_sip_hdr *h;
	sc_str v;
	size_t pos = 0, n = 0;
	int i = -1, rc;

	CHECK_EQ_INT(parse("SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/UDP first.example.com:4000;branch=z9hG4bKa ,\r\n"
			   " SIP/2.0/TCP second.example.com;branch=z9hG4bKb\r\n"
			   "v:SIP/2.0/UDP [2001:db8::1]:5060;received=192.0.2.9\r\n"
			   "Contact: \"Doe, John\" <sip:j@h.example.com>;q=0.5, "
			   "<sip:a,b@h.example.com>,sip:x@y.example.com;expires=0\r\n" FROM TO
			   CALLID CSEQ_INV "\r\n"),
		     0);
	while ((h = sc_sip_msg_next(&msg, SC_HDR_VIA, &i)) != NULL) {
		pos = 0;
		while ((rc = sc_sip_split(h->value, &pos, &v)) == 1) {
			if (n < 3)
				CHECK_STR(v, want[n]);
			n++;
		}
		CHECK_EQ_INT(rc, 0);
	}
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(i, 1);

	h = &msg.hdrs[msg.first[SC_HDR_CONTACT]];
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(h->value, &pos, &v), 1);
	CHECK_STR(v, "\"Doe, John\" <sip:j@h.example.com>;q=0.5");
	CHECK_EQ_INT(sc_sip_split(h->value, &pos, &v), 1);
	CHECK_STR(v, "<sip:a,b@h.example.com>");
	CHECK_EQ_INT(sc_sip_split(h->value, &pos, &v), 1);
	CHECK_STR(v, "sip:x@y.example.com;expires=0");
	CHECK_EQ_INT(sc_sip_split(h->value, &pos, &v), 0);
	CHECK_EQ_INT(sc_sip_split(h->value, &pos, &v), 0);

	/* Escaped quotes, empty elements, unterminated quotes and brackets. */
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT(" , \"a\\\",b\" <sip:c>,, d ,"), &pos, &v), 1);
	CHECK_STR(v, "\"a\\\",b\" <sip:c>");
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT(" , \"a\\\",b\" <sip:c>,, d ,"), &pos, &v), 1);
	CHECK_STR(v, "d");
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT(" , \"a\\\",b\" <sip:c>,, d ,"), &pos, &v), 0);
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("\"a, b"), &pos, &v), -EBADMSG);
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("<sip:a, b"), &pos, &v), -EBADMSG);
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("a, \"b\\"), &pos, &v), 1);
	CHECK_STR(v, "a");
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("a, \"b\\"), &pos, &v), -EBADMSG);
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT(""), &pos, &v), 0);
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_NULL, &pos, &v), 0);
	/* A '<' inside quotes and a '"' inside brackets are plain characters. */
	pos = 0;
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("<sip:a@b>;+sip.instance=\"<urn:x,y>\", <sip:\"@c>"),
				  &pos, &v),
		     1);
	CHECK_STR(v, "<sip:a@b>;+sip.instance=\"<urn:x,y>\"");
	CHECK_EQ_INT(sc_sip_split(SC_STR_LIT("<sip:a@b>;+sip.instance=\"<urn:x,y>\", <sip:\"@c>"),
				  &pos, &v),
		     1);
	CHECK_STR(v, "<sip:\"@c>");
}

static void test_msg_next(void)
{
	const struct sc_sip_hdr *h;
	int i = -1;

	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n"
			   "Record-Route: <sip:p1.example.com;lr>\r\n" MAND
			   "X-One: 1\r\n"
			   "Record-Route: <sip:p2.example.com;lr>\r\n"
			   "X-Two: 2\r\n"
			   "Record-Route: <sip:p3.example.com;lr>\r\n\r\n"),
		     0);
	h = sc_sip_msg_next(&msg, SC_HDR_RECORD_ROUTE, &i);
	CHECK(h != NULL && i == 0);
	if (h)
		CHECK_STR(h->value, "<sip:p1.example.com;lr>");
	h = sc_sip_msg_next(&msg, SC_HDR_RECORD_ROUTE, &i);
	CHECK(h != NULL && i == 7);
	if (h)
		CHECK_STR(h->value, "<sip:p2.example.com;lr>");
	h = sc_sip_msg_next(&msg, SC_HDR_RECORD_ROUTE, &i);
	CHECK(h != NULL && i == 9);
	CHECK(sc_sip_msg_next(&msg, SC_HDR_RECORD_ROUTE, &i) == NULL);
	i = -1;
	h = sc_sip_msg_next(&msg, SC_HDR_OTHER, &i);
	CHECK(h != NULL && i == 6);
	h = sc_sip_msg_next(&msg, SC_HDR_OTHER, &i);
	CHECK(h != NULL && i == 8);
	if (h)
		CHECK_STR(h->name, "X-Two");
	CHECK(sc_sip_msg_next(&msg, SC_HDR_OTHER, &i) == NULL);
	i = -1;
	CHECK(sc_sip_msg_next(&msg, SC_HDR_ROUTE, &i) == NULL);
	CHECK(sc_sip_msg_next(&msg, SC_HDR__COUNT, &i) == NULL);
}

static void test_mandatory(void)
{
	static const char *const parts[] = { VIA, FROM, TO, CALLID, CSEQ_INV };
	char text[1024];
	size_t skip, i;

	for (skip = 0; skip < 5; skip++) {
		strcpy(text, "INVITE sip:b@example.com SIP/2.0\r\n");
		for (i = 0; i < 5; i++)
			if (i != skip)
				strcat(text, parts[i]);
		strcat(text, "\r\n");
		CHECK_EQ_INT(parse(text), -EBADMSG);
		strcpy(text, "SIP/2.0 200 OK\r\n");
		for (i = 0; i < 5; i++)
			if (i != skip)
				strcat(text, parts[i]);
		strcat(text, "\r\n");
		CHECK_EQ_INT(parse(text), -EBADMSG);
	}
	/* All there. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), 0);
	/* Present but empty Call-ID, and duplicated single headers. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CSEQ_INV
			   "Call-ID:  \r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND CALLID "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "i: other\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND FROM "\r\n"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "t: <sip:c@d>\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND CSEQ_INV "\r\n"), -EBADMSG);
	/* Via may repeat. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND VIA VIA "\r\n"), 0);
}

static void test_cseq(void)
{
	uint32_t n = 0;
	sc_str m = SC_STR_NULL;

	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("4711 INVITE"), &n, &m), 0);
	CHECK_EQ_INT(n, 4711);
	CHECK_STR(m, "INVITE");
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("  0\t \r\n  ACK \t"), &n, &m), 0);
	CHECK_EQ_INT(n, 0);
	CHECK_STR(m, "ACK");
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("4294967295 X"), &n, &m), 0);
	CHECK_EQ_INT(n, 4294967295u);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("4294967296 X"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("36893488147419103232 INVITE"), &n, &m),
		     -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("INVITE"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("1"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("1INVITE"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("-1 INVITE"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("1 INVITE x"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("1 INV;ITE"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT("0x10 INVITE"), &n, &m), -EBADMSG);
	CHECK_EQ_INT(sc_sip_cseq_parse(SC_STR_LIT(""), &n, &m), -EBADMSG);

	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: 1 BYE\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: 1 invite\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: one INVITE\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0 200 OK\r\n" VIA FROM TO CALLID "CSeq: 1\r\n\r\n"), -EBADMSG);
}

static void test_content_length(void)
{
	static const char *const bad[] = { "6", "-1", "-5", "abc", "5 5", "5a", "+5", "0x5",
					   "", "99999999999999999999999", "65537", "4294967301" };
	const char *head = "MESSAGE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
			   "CSeq: 1 MESSAGE\r\n";
	char text[512];
	size_t i;

	/* Extra bytes after Content-Length are not part of the message. */
	snprintf(text, sizeof(text), "%sContent-Length: 5\r\n\r\nHello, trailing junk", head);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_STR(msg.body, "Hello");
	CHECK_EQ_INT(msg.len, strlen(text) - 15);
	CHECK_EQ_INT(msg.content_length, 5);
	/* Without Content-Length (UDP) the body is the rest of the datagram. */
	snprintf(text, sizeof(text), "%s\r\nHello", head);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_STR(msg.body, "Hello");
	CHECK_EQ_INT(msg.content_length, -1);
	CHECK_EQ_INT(msg.len, strlen(text));
	/* Whitespace around the value is fine. */
	snprintf(text, sizeof(text), "%sContent-Length:\t 5 \t\r\n\r\nHello", head);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(msg.content_length, 5);
	snprintf(text, sizeof(text), "%sContent-Length: 0005\r\n\r\nHello", head);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_EQ_INT(msg.content_length, 5);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%sContent-Length: %s\r\n\r\nHello", head, bad[i]);
		if (parse(text) != -EBADMSG)
			fprintf(stderr, "Content-Length: %s\n", bad[i]);
		CHECK_EQ_INT(parse(text), -EBADMSG);
	}
	/* Two Content-Lengths, even equal ones. */
	snprintf(text, sizeof(text), "%sContent-Length: 5\r\nl: 5\r\n\r\nHello", head);
	CHECK_EQ_INT(parse(text), -EBADMSG);
}

static void test_max_forwards(void)
{
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards: 0\r\n\r\n"),
		     0);
	CHECK_EQ_INT(msg.max_forwards, 0);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards: 255\r\n\r\n"),
		     0);
	CHECK_EQ_INT(msg.max_forwards, 255);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards: 256\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards: ten\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards: -1\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Max-Forwards:\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND
			   "Max-Forwards: 70\r\nMax-Forwards: 70\r\n\r\n"),
		     -EBADMSG);
}

static void test_malformed_headers(void)
{
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "NoColonHere\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND ": empty name\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Bad Name: x\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Bad(Name): x\r\n\r\n"),
		     -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "Via SIP/2.0/UDP h\r\n\r\n"),
		     -EBADMSG);
	/* The header block never ends. */
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0\r\n" MAND "\r"), -EBADMSG);
	CHECK_EQ_INT(parse("INVITE sip:b@example.com SIP/2.0"), -EBADMSG);
}

static void test_control_chars(void)
{
	static const char head[] = "INVITE sip:b@example.com SIP/2.0\r\n" MAND;
	static const char nul_start[] = "INVITE sip:b\0@example.com SIP/2.0\r\n" MAND "\r\n";
	static const char *const evil[] = { "X: a\rb\r\n",	   "X: a\r\r\n",  "X: \x01\r\n",
					    "X: a\x1b[31m\r\n",  "X: \x7f\r\n", "X\x08: a\r\n",
					    "X: a\x0b\r\n",	   "X: a\x0c\r\n" };
	char text[512];
	size_t i, n;

	/* A NUL in a header, in the start line, and in a header name. */
	n = (size_t)snprintf(text, sizeof(text), "%sX: a", head);
	memcpy(text + n, "\0b\r\n\r\n", 6);
	CHECK_EQ_INT(parse_n(text, n + 6), -EBADMSG);
	CHECK_EQ_INT(parse_n(nul_start, sizeof(nul_start) - 1), -EBADMSG);
	n = (size_t)snprintf(text, sizeof(text), "%sX", head);
	memcpy(text + n, "\0: b\r\n\r\n", 8);
	CHECK_EQ_INT(parse_n(text, n + 8), -EBADMSG);

	for (i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\r\n", head, evil[i]);
		CHECK_EQ_INT(parse(text), -EBADMSG);
	}
	/* HTAB and UTF-8 are fine, and the body may hold anything. */
	snprintf(text, sizeof(text), "%sX:\ta\tb \xe2\x82\xac\r\n\r\n\x01\x7f", head);
	CHECK_EQ_INT(parse(text), 0);
	CHECK_STR(msg.hdrs[5].value, "a\tb \xe2\x82\xac");
	CHECK_STR(msg.body, "\x01\x7f");
	n = (size_t)snprintf(text, sizeof(text), "%sContent-Length: 3\r\n\r\n", head);
	memcpy(text + n, "a\0b", 3);
	CHECK_EQ_INT(parse_n(text, n + 3), 0);
	CHECK_EQ_INT(msg.body.n, 3);
}

/* Builds a request with nhdrs header lines in total (5 mandatory ones and
 * nhdrs - 5 "X-Filler" lines). */
static size_t many_headers(char *text, size_t cap, int nhdrs)
{
	size_t n = (size_t)snprintf(text, cap, "OPTIONS sip:b@example.com SIP/2.0\r\n" VIA FROM TO
					       CALLID "CSeq: 1 OPTIONS\r\n");
	int i;

	for (i = 5; i < nhdrs; i++)
		n += (size_t)snprintf(text + n, cap - n, "X-Filler-%d: %d\r\n", i, i);
	n += (size_t)snprintf(text + n, cap - n, "\r\n");
	return n;
}

static void test_too_many_headers(void)
{
	static char text[16384];
	size_t n;

	n = many_headers(text, sizeof(text), SC_SIP_MAX_HDRS);
	CHECK_EQ_INT(parse_n(text, n), 0);
	CHECK_EQ_INT(msg.nhdrs, SC_SIP_MAX_HDRS);
	CHECK_STR(msg.hdrs[SC_SIP_MAX_HDRS - 1].name, "X-Filler-127");
	n = many_headers(text, sizeof(text), SC_SIP_MAX_HDRS + 1);
	CHECK_EQ_INT(parse_n(text, n), -EMSGSIZE);
	n = many_headers(text, sizeof(text), 500);
	CHECK_EQ_INT(parse_n(text, n), -EMSGSIZE);
}

static void test_too_big(void)
{
	static char text[SC_SIP_MAX_MSG + 100];
	size_t head, n;

	/* Exactly 64 KiB (a large body) is fine, one byte more is not. */
	head = (size_t)snprintf(text, sizeof(text),
				"MESSAGE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
				"CSeq: 1 MESSAGE\r\nContent-Length: %5d\r\n\r\n",
				0);
	n = SC_SIP_MAX_MSG - head;
	snprintf(text, sizeof(text),
		 "MESSAGE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
		 "CSeq: 1 MESSAGE\r\nContent-Length: %5zu\r\n\r\n",
		 n);
	memset(text + head, 'x', n + 1);
	CHECK_EQ_INT(parse_n(text, SC_SIP_MAX_MSG), 0);
	CHECK_EQ_INT(msg.body.n, n);
	CHECK_EQ_INT(msg.len, SC_SIP_MAX_MSG);
	CHECK_EQ_INT(parse_n(text, SC_SIP_MAX_MSG + 1), -EMSGSIZE);
	/* Without Content-Length too. */
	head = (size_t)snprintf(text, sizeof(text),
				"MESSAGE sip:b@example.com SIP/2.0\r\n" VIA FROM TO CALLID
				"CSeq: 1 MESSAGE\r\n\r\n");
	memset(text + head, 'y', sizeof(text) - head);
	CHECK_EQ_INT(parse_n(text, SC_SIP_MAX_MSG), 0);
	CHECK_EQ_INT(msg.body.n, SC_SIP_MAX_MSG - head);
	CHECK_EQ_INT(parse_n(text, SC_SIP_MAX_MSG + 1), -EMSGSIZE);
	CHECK_EQ_INT(parse_n(text, sizeof(text)), -EMSGSIZE);
}

int main(void)
{
	RUN(test_request_basic);
	RUN(test_response_basic);
	RUN(test_bad_status_line);
	RUN(test_request_line);
	RUN(test_garbage_before_start_line);
	RUN(test_compact_and_case);
	RUN(test_hdr_lookup);
	RUN(test_colon_whitespace);
	RUN(test_folding);
	RUN(test_bare_lf);
	RUN(test_split);
	RUN(test_msg_next);
	RUN(test_mandatory);
	RUN(test_cseq);
	RUN(test_content_length);
	RUN(test_max_forwards);
	RUN(test_malformed_headers);
	RUN(test_control_chars);
	RUN(test_too_many_headers);
	RUN(test_too_big);
	return check_done("sip_msg");
}
