/* Local responses (RFC 3261 §8.2.6). */
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

int main(void)
{
	RUN(test_reply);
	RUN(test_existing_tag);
	return check_done("sip_reply");
}
