/* Local responses (RFC 3261 §8.2.6) and our CANCEL (§9.1). */
#include <errno.h>
#include <string.h>

#include "sidecar/sip/reply.h"
#include "tests/unit/check.h"

static const char invite[] = "INVITE sip:bob@provider.example SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK1;rport\r\n"
			     "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0\r\n"
			     "Max-Forwards: 70\r\n"
			     "f: \"Alice\" <sip:alice@provider.example>;tag=a1\r\n"
			     "t: <sip:bob@provider.example>\r\n"
			     "i: c1@192.168.1.20\r\n"
			     "CSeq: 7 INVITE\r\n"
			     "Authorization: Digest username=\"alice\", response=\"secret\"\r\n"
			     "l: 0\r\n"
			     "\r\n";

static void test_reply(void)
{
	struct sc_sip_msg m;
	char out[1024];
	int n;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite, strlen(invite)), 0);
	n = sc_sip_reply(&m, 503, "Service Unavailable",
			 "399 sipsidecar \"upstream certificate expired\"", "sc1", out, sizeof(out));
	CHECK(n > 0);
	out[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(out, "SIP/2.0 503 Service Unavailable\r\n"
			  "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK1;rport\r\n"
			  "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK0\r\n"
			  "From: \"Alice\" <sip:alice@provider.example>;tag=a1\r\n"
			  "To: <sip:bob@provider.example>;tag=sc1\r\n"
			  "Call-ID: c1@192.168.1.20\r\n"
			  "CSeq: 7 INVITE\r\n"
			  "Warning: 399 sipsidecar \"upstream certificate expired\"\r\n"
			  "Content-Length: 0\r\n"
			  "\r\n") == 0);
	/* The reply parses, and never carries the Authorization header. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, out, (size_t)n), 0);
	CHECK(strstr(out, "secret") == NULL);
	/* 100 Trying gets no To tag; an existing tag is kept, not doubled. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite, strlen(invite)), 0);
	n = sc_sip_reply(&m, 100, "Trying", NULL, "sc1", out, sizeof(out));
	CHECK(n > 0 && strstr(out, "To: <sip:bob@provider.example>\r\n") != NULL);
	/* Too small a buffer, an ACK, a response: refused. */
	CHECK_EQ_INT(sc_sip_reply(&m, 400, "Bad Request", NULL, "x", out, 60), -ENOSPC);
	m.method = SC_STR_LIT("ACK");
	CHECK_EQ_INT(sc_sip_reply(&m, 400, "Bad Request", NULL, "x", out, sizeof(out)), -EINVAL);
	m.is_request = 0;
	CHECK_EQ_INT(sc_sip_reply(&m, 400, "Bad Request", NULL, "x", out, sizeof(out)), -EINVAL);
}

static void test_existing_tag(void)
{
	static const char bye[] = "BYE sip:bob@192.168.1.21 SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.168.1.20;branch=z9hG4bK2\r\n"
				  "From: <sip:alice@provider.example>;tag=a1\r\n"
				  "To: <sip:bob@provider.example>;tag=b2\r\n"
				  "Call-ID: c1\r\n"
				  "CSeq: 8 BYE\r\n"
				  "\r\n";
	struct sc_sip_msg m;
	char out[1024];
	int n;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, bye, strlen(bye)), 0);
	n = sc_sip_reply(&m, 403, "Forbidden", NULL, "sc9", out, sizeof(out));
	CHECK(n > 0 && strstr(out, "To: <sip:bob@provider.example>;tag=b2\r\nCall-ID") != NULL);
	CHECK(strstr(out, "sc9") == NULL);
}

/* Requests that do not parse still get a 400 when the answer can be built
 * from their raw lines (SPEC B8); otherwise nothing. */
static int bad(const char *text, char *out, size_t cap)
{
	int n = sc_sip_reply_bad(text, strlen(text), "399 sipsidecar \"malformed request\"", "sc9",
				 out, cap);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

static void test_reply_bad(void)
{
	char out[1024];

	/* Content-Length past the end of the datagram (RFC 3261 §18.3: 400),
	 * compact headers, a header line without a colon, two Vias. */
	CHECK(bad("REGISTER sip:provider.example SIP/2.0\r\n"
		  "v: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK7\r\n"
		  "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK6\r\n"
		  "this line is broken\r\n"
		  "f: <sip:alice@provider.example>;tag=a1\r\n"
		  "t: <sip:alice@provider.example>\r\n"
		  "i: r1@192.168.1.20\r\n"
		  "CSeq: 3 REGISTER\r\n"
		  "Content-Length: 900\r\n"
		  "\r\n",
		  out, sizeof(out)) > 0);
	CHECK(strcmp(out, "SIP/2.0 400 Bad Request\r\n"
			  "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK7\r\n"
			  "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK6\r\n"
			  "From: <sip:alice@provider.example>;tag=a1\r\n"
			  "To: <sip:alice@provider.example>;tag=sc9\r\n"
			  "Call-ID: r1@192.168.1.20\r\n"
			  "CSeq: 3 REGISTER\r\n"
			  "Warning: 399 sipsidecar \"malformed request\"\r\n"
			  "Content-Length: 0\r\n"
			  "\r\n") == 0);
	/* Nothing to copy, nothing to answer: no Call-ID; a response; junk; an
	 * ACK; a control character in a copied line; a folded line. */
	CHECK_EQ_INT(bad("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\n\r\n",
			 out, sizeof(out)),
		     -EBADMSG);
	CHECK_EQ_INT(bad("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", out,
			 sizeof(out)),
		     -EBADMSG);
	CHECK_EQ_INT(bad("GARBAGE\r\n\r\n", out, sizeof(out)), -EBADMSG);
	CHECK_EQ_INT(bad("", out, sizeof(out)), -EBADMSG);
	CHECK_EQ_INT(bad("ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
			 "CSeq: 1 ACK\r\nContent-Length: 5\r\n\r\n",
			 out, sizeof(out)),
		     -EINVAL);
	CHECK_EQ_INT(bad("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\x01\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
			 "CSeq: 1 OPTIONS\r\n\r\n",
			 out, sizeof(out)),
		     -EBADMSG);
	CHECK_EQ_INT(bad("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\r\n folded\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
			 "CSeq: 1 OPTIONS\r\n\r\n",
			 out, sizeof(out)),
		     -EBADMSG);
	/* A CSeq without a method: copied, the 400 would not parse either. */
	CHECK_EQ_INT(bad("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			 "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n"
			 "CSeq: 1\r\n\r\n",
			 out, sizeof(out)),
		     -EBADMSG);
	/* Too small a buffer. */
	CHECK_EQ_INT(sc_sip_reply_bad(invite, strlen(invite), NULL, "t", out, 40), -ENOSPC);
}

/* The CANCEL of an INVITE as we forwarded it: its Request-URI, only its
 * top Via, its Routes, From, To (no tag added), Call-ID, the CSeq number
 * with CANCEL; nothing else (no body, no Authorization, no Contact). */
static void test_cancel(void)
{
	static const char fwd[] =
		"INVITE sip:030987654@sip.provider.example SIP/2.0\r\n"
		"Via: SIP/2.0/TLS edge.example.net:5061;branch=z9hG4bK-sc0123456789abcdef;sc=x, "
		"SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKmid\r\n"
		"Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK1;rport\r\n"
		"Route: <sip:203.0.113.5:5061;transport=tls;lr>\r\n"
		"Route: <sip:core.provider.example;lr>, <sip:as.provider.example;lr>\r\n"
		"Max-Forwards: 69\r\n"
		"f: \"Alice\" <sip:alice@provider.example>;tag=a1\r\n"
		"t: <sip:030987654@sip.provider.example>\r\n"
		"i: c1@192.168.1.20\r\n"
		"CSeq: 4711 INVITE\r\n"
		"Contact: <sip:alice@edge.example.net:5061;transport=tls>\r\n"
		"Authorization: Digest username=\"alice\", response=\"secret\"\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 4\r\n"
		"\r\n"
		"v=0\n";
	struct sc_sip_msg m;
	char out[2048];
	int n;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, fwd, strlen(fwd)), 0);
	n = sc_sip_cancel(&m, out, sizeof(out));
	CHECK(n > 0);
	out[n > 0 ? n : 0] = '\0';
	CHECK_STR(sc_str_cstr(out),
		  "CANCEL sip:030987654@sip.provider.example SIP/2.0\r\n"
		  "Via: SIP/2.0/TLS edge.example.net:5061;branch=z9hG4bK-sc0123456789abcdef;sc=x\r\n"
		  "Route: <sip:203.0.113.5:5061;transport=tls;lr>\r\n"
		  "Route: <sip:core.provider.example;lr>, <sip:as.provider.example;lr>\r\n"
		  "Max-Forwards: 70\r\n"
		  "From: \"Alice\" <sip:alice@provider.example>;tag=a1\r\n"
		  "To: <sip:030987654@sip.provider.example>\r\n"
		  "Call-ID: c1@192.168.1.20\r\n"
		  "CSeq: 4711 CANCEL\r\n"
		  "Content-Length: 0\r\n"
		  "\r\n");
	CHECK_EQ_INT(sc_sip_msg_parse(&m, out, (size_t)n), 0);
	CHECK_STR(m.method, "CANCEL");
	CHECK_STR(m.cseq_method, "CANCEL");
	/* Too small: refused at every size short of the whole. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, fwd, strlen(fwd)), 0);
	for (size_t cap = 0; cap <= (size_t)n; cap++)
		CHECK_EQ_INT(sc_sip_cancel(&m, out, cap), -ENOSPC);
	CHECK_EQ_INT(sc_sip_cancel(&m, out, (size_t)n + 1), n);
	/* Only an INVITE is cancelled. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite, strlen(invite)), 0);
	m.method = SC_STR_LIT("BYE");
	CHECK_EQ_INT(sc_sip_cancel(&m, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	RUN(test_reply_bad);
	RUN(test_reply);
	RUN(test_cancel);
	RUN(test_existing_tag);
	return check_done("sip_reply");
}
