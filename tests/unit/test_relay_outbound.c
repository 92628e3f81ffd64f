/* The sidecar's Via on requests from devices (SPEC B3): added on top with
 * TLS and our sent-by, a branch stable across retransmissions and CANCEL,
 * and removed from responses so the device sees its own Via unchanged. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sidecar/relay/outbound.h"
#include "tests/unit/check.h"

static const char invite_fmt[] =
	"%s sip:bob@provider.example SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK%s;rport\r\n"
	"From: <sip:alice@provider.example>;tag=a\r\n"
	"To: <sip:bob@provider.example>\r\n"
	"Call-ID: call-1@192.168.1.20\r\n"
	"CSeq: 1 %s\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static struct sockaddr_in ata(void)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(5060);
	inet_pton(AF_INET, "192.168.1.20", &in.sin_addr);
	return in;
}

/* Adds our Via to a request and returns the output (static buffer). */
static const char *add(const char *method, const char *branch, const struct sockaddr *src,
		       enum sc_transport tp)
{
	static char out[4096];
	char msg[2048], scratch[512];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;

	snprintf(msg, sizeof(msg), invite_fmt, method, branch, method);
	if (sc_sip_msg_parse(&m, msg, strlen(msg)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	if (sc_outbound_via_add(&m, "kitchen-ata", src, tp, SC_STR_LIT("edge.example.net:5061"),
				scratch, sizeof(scratch), &ed) != 0)
		return "(add failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	return out;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The branch of the first Via line of a message. */
static const char *branch_of(const char *msg)
{
	static char b[128];
	const char *p = strstr(msg, "branch=");

	b[0] = '\0';
	if (p)
		sscanf(p + 7, "%127[^;\r]", b);
	return b;
}

static void test_add(void)
{
	struct sockaddr_in src = ata();
	const char *out = add("INVITE", "abc", (struct sockaddr *)&src, SC_TP_UDP);
	char first[128];

	/* Ours is on top, TLS with our sent-by; the device's stays as it was. */
	CHECK(starts(out, "INVITE sip:bob@provider.example SIP/2.0\r\n"
			   "Via: SIP/2.0/TLS edge.example.net:5061;branch=z9hG4bK-sc"));
	CHECK(strstr(out, ";sc=kitchen-ata~3139322e3136382e312e32303a35303630~u\r\n"
			  "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKabc;rport\r\n") != NULL);
	snprintf(first, sizeof(first), "%s", branch_of(out));
	CHECK_EQ_INT(strlen(first), strlen("z9hG4bK-sc") + 16);
	/* A retransmission and a CANCEL of it get the same branch (RFC 3261
	 * §9.1: CANCEL matches the INVITE's branch); another transaction of the
	 * device, or the same branch from another source, gets another one. */
	CHECK(strcmp(branch_of(add("INVITE", "abc", (struct sockaddr *)&src, SC_TP_UDP)), first) ==
	      0);
	CHECK(strcmp(branch_of(add("CANCEL", "abc", (struct sockaddr *)&src, SC_TP_UDP)), first) ==
	      0);
	CHECK(strcmp(branch_of(add("INVITE", "abd", (struct sockaddr *)&src, SC_TP_UDP)), first) !=
	      0);
	src.sin_port = htons(5062);
	CHECK(strcmp(branch_of(add("INVITE", "abc", (struct sockaddr *)&src, SC_TP_UDP)), first) !=
	      0);
}

/* Pops our Via from a response and returns the output. */
static int pop(const char *resp, struct sc_via_token *t, char *out, size_t cap)
{
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;
	int rc;

	out[0] = '\0';
	if (sc_sip_msg_parse(&m, resp, strlen(resp)) != 0)
		return -99;
	sc_edit_init(&ed);
	rc = sc_outbound_via_pop(&m, t, &ed);
	if (rc == 0 && sc_edit_apply(&m, &ed, out, cap - 1, &n) == 0)
		out[n] = '\0';
	return rc;
}

static void test_pop(void)
{
	struct sockaddr_in src = ata();
	struct sockaddr_in6 v6;
	struct sc_via_token t;
	char resp[4096], out[4096], ours[512];
	const char *req = add("INVITE", "abc", (struct sockaddr *)&src, SC_TP_TCP);
	const char *via = strstr(req, "Via: SIP/2.0/TLS");
	const struct sockaddr_in *got = (const struct sockaddr_in *)(const void *)&t.src.ss;

	CHECK(via != NULL);
	snprintf(ours, sizeof(ours), "%.*s", via ? (int)(strstr(via, "\r\n") - via) : 0, via);
	snprintf(resp, sizeof(resp),
		 "SIP/2.0 180 Ringing\r\n"
		 "%s;received=203.0.113.9\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKabc;rport\r\n"
		 "From: <sip:alice@provider.example>;tag=a\r\n"
		 "To: <sip:bob@provider.example>;tag=b\r\n"
		 "Call-ID: call-1@192.168.1.20\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 ours);
	CHECK_EQ_INT(pop(resp, &t, out, sizeof(out)), 0);
	CHECK(starts(out, "SIP/2.0 180 Ringing\r\n"
			   "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKabc;rport\r\nFrom:"));
	CHECK_STR(t.device, "kitchen-ata");
	CHECK_EQ_INT(t.transport, SC_TP_TCP);
	CHECK_EQ_INT(got->sin_family, AF_INET);
	CHECK_EQ_INT(ntohs(got->sin_port), 5060);
	CHECK_EQ_INT(got->sin_addr.s_addr, src.sin_addr.s_addr);

	/* Both Vias combined in one header line. */
	snprintf(resp, sizeof(resp),
		 "SIP/2.0 200 OK\r\n"
		 "%s , SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKabc;rport\r\n"
		 "From: <sip:alice@provider.example>;tag=a\r\n"
		 "To: <sip:bob@provider.example>;tag=b\r\n"
		 "Call-ID: call-1@192.168.1.20\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 ours);
	CHECK_EQ_INT(pop(resp, &t, out, sizeof(out)), 0);
	CHECK(starts(out, "SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKabc;rport\r\n"));

	/* A response whose top Via is not ours is for no transaction of ours. */
	CHECK_EQ_INT(pop("SIP/2.0 200 OK\r\n"
			 "Via: SIP/2.0/TLS 10.9.9.9;branch=z9hG4bKother\r\n"
			 "From: <sip:a@b>;tag=a\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
			 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
			 &t, out, sizeof(out)),
		     -ENOENT);
	/* Ours, but with a forged or damaged token. */
	CHECK_EQ_INT(pop("SIP/2.0 200 OK\r\n"
			 "Via: SIP/2.0/TLS edge;branch=z9hG4bK-sc0000000000000000;sc=d~3132~u\r\n"
			 "From: <sip:a@b>;tag=a\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
			 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
			 &t, out, sizeof(out)),
		     -EBADMSG);

	/* IPv6 sources round-trip too. */
	memset(&v6, 0, sizeof(v6));
	v6.sin6_family = AF_INET6;
	v6.sin6_port = htons(5070);
	inet_pton(AF_INET6, "2001:db8::20", &v6.sin6_addr);
	req = add("INVITE", "v6", (struct sockaddr *)&v6, SC_TP_UDP);
	via = strstr(req, "Via: SIP/2.0/TLS");
	snprintf(ours, sizeof(ours), "%.*s", via ? (int)(strstr(via, "\r\n") - via) : 0, via);
	snprintf(resp, sizeof(resp),
		 "SIP/2.0 100 Trying\r\n%s\r\n"
		 "Via: SIP/2.0/UDP [2001:db8::20]:5070;branch=z9hG4bKv6\r\n"
		 "From: <sip:a@b>;tag=a\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
		 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		 ours);
	CHECK_EQ_INT(pop(resp, &t, out, sizeof(out)), 0);
	CHECK_EQ_INT(((struct sockaddr_in6 *)(void *)&t.src.ss)->sin6_family, AF_INET6);
	CHECK(memcmp(&((struct sockaddr_in6 *)(void *)&t.src.ss)->sin6_addr, &v6.sin6_addr, 16) ==
	      0);
	CHECK_EQ_INT(t.transport, SC_TP_UDP);
}

static void test_key(void)
{
	struct sockaddr_in src = ata();
	char msg[2048];
	struct sc_sip_msg m;
	uint64_t key = 0, back = 1;
	const char *b;

	snprintf(msg, sizeof(msg), invite_fmt, "INVITE", "abc", "INVITE");
	CHECK_EQ_INT(sc_sip_msg_parse(&m, msg, strlen(msg)), 0);
	CHECK_EQ_INT(sc_outbound_key(&m, "kitchen-ata", (struct sockaddr *)&src, &key), 0);
	b = branch_of(add("INVITE", "abc", (struct sockaddr *)&src, SC_TP_UDP));
	CHECK_EQ_INT(sc_outbound_key_parse(sc_str_cstr(b), &back), 0);
	CHECK(key == back);
	CHECK_EQ_INT(sc_outbound_key_parse(SC_STR_LIT("z9hG4bKabc"), &back), -ENOENT);
	CHECK_EQ_INT(sc_outbound_key_parse(SC_STR_LIT("z9hG4bK-sc00000000000000zz"), &back), -ENOENT);
}

/* The device's top Via after sc_outbound_via_received, or an error in
 * parentheses (static buffer). */
static const char *received(const char *via, const struct sockaddr *src)
{
	static char out[4096];
	char msg[2048], scratch[96];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;
	const char *p, *e;

	snprintf(msg, sizeof(msg),
		 "OPTIONS sip:bob@provider.example SIP/2.0\r\n%s\r\n"
		 "From: <sip:a@b>;tag=a\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
		 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		 via);
	if (sc_sip_msg_parse(&m, msg, strlen(msg)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	if (sc_outbound_via_received(&m, src, scratch, sizeof(scratch), &ed) != 0)
		return "(received failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	p = strstr(out, "\r\n") + 2;
	e = strstr(p, "\r\n");
	memmove(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return out;
}

/* RFC 3581 §4 and RFC 3261 §18.2.1: the device's Via learns where its
 * request came from when it asks (rport) or when its sent-by is wrong; a
 * Via that asks for neither goes on exactly as the device wrote it (B3). */
static void test_received(void)
{
	struct sockaddr_in src = ata();
	struct sockaddr_in6 v6;
	const struct sockaddr *sa = (const struct sockaddr *)&src;

	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKa", sa)),
		  "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKa");
	src.sin_port = htons(5062);
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP 192.168.1.20:5060;rport;branch=z9hG4bKa",
				       sa)),
		  "Via: SIP/2.0/UDP 192.168.1.20:5060;rport=5062;branch=z9hG4bKa"
		  ";received=192.168.1.20");
	/* A NATed or misconfigured sent-by: received, rport untouched. */
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKa", sa)),
		  "Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bKa;received=192.168.1.20");
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/TCP ata.lan;branch=z9hG4bKa;RPORT", sa)),
		  "Via: SIP/2.0/TCP ata.lan;branch=z9hG4bKa;RPORT=5062;received=192.168.1.20");
	/* Only the top value of a combined header; a received already there
	 * stays the only one. */
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP ata.lan;branch=z9hG4bKa;rport, "
				       "SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKb;rport",
				       sa)),
		  "Via: SIP/2.0/UDP ata.lan;branch=z9hG4bKa;rport=5062;received=192.168.1.20, "
		  "SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKb;rport");
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP ata.lan;received=10.2.2.2;branch=z9hG4bKa",
				       sa)),
		  "Via: SIP/2.0/UDP ata.lan;received=10.2.2.2;branch=z9hG4bKa");
	/* IPv6: the address bare in received, however sent-by wrote it. */
	memset(&v6, 0, sizeof(v6));
	v6.sin6_family = AF_INET6;
	v6.sin6_port = htons(5070);
	inet_pton(AF_INET6, "2001:db8::20", &v6.sin6_addr);
	sa = (const struct sockaddr *)&v6;
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP [2001:DB8:0::20]:5070;branch=z9hG4bKa", sa)),
		  "Via: SIP/2.0/UDP [2001:DB8:0::20]:5070;branch=z9hG4bKa");
	CHECK_STR(sc_str_cstr(received("Via: SIP/2.0/UDP [2001:db8::21]:5070;branch=z9hG4bKa;rport",
				       sa)),
		  "Via: SIP/2.0/UDP [2001:db8::21]:5070;branch=z9hG4bKa;rport=5070"
		  ";received=2001:db8::20");
}

int main(void)
{
	RUN(test_received);
	RUN(test_key);
	RUN(test_add);
	RUN(test_pop);
	return check_done("relay_outbound");
}
