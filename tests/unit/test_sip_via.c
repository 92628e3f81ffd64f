/* Via tests (RFC 3261 §20.42, RFC 3581, RFC 4475 §3.1.1.1 whitespace). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/msg.h"
#include "../../sidecar/sip/via.h"

static struct sc_sip_via v;

static int parse(const char *z)
{
	size_t n = strlen(z), k;
	struct sc_sip_via tmp;

	for (k = 0; k < n; k++)
		(void)sc_sip_via_parse(&tmp, sc_str_make(guard_put(z, k), k));
	return sc_sip_via_parse(&v, sc_str_make(guard_put(z, n), n));
}

static void test_basic(void)
{
	CHECK_EQ_INT(parse("SIP/2.0/UDP pc33.atlanta.example;branch=z9hG4bK776asdhds"), 0);
	CHECK_STR(v.proto, "SIP");
	CHECK_STR(v.version, "2.0");
	CHECK_STR(v.transport, "UDP");
	CHECK_STR(v.host, "pc33.atlanta.example");
	CHECK(!sc_str_set(v.port));
	CHECK_EQ_INT(v.portnum, 0);
	CHECK_STR(v.params, "branch=z9hG4bK776asdhds");
	CHECK_STR(v.branch, "z9hG4bK776asdhds");
	CHECK(!sc_str_set(v.received));
	CHECK(!sc_str_set(v.rport));
	CHECK(!sc_str_set(v.maddr));
	CHECK(!sc_str_set(v.ttl));

	CHECK_EQ_INT(parse("SIP/2.0/TLS 192.0.2.4:5061"), 0);
	CHECK_STR(v.transport, "TLS");
	CHECK_STR(v.host, "192.0.2.4");
	CHECK_STR(v.port, "5061");
	CHECK_EQ_INT(v.portnum, 5061);
	CHECK(!sc_str_set(v.params));
	CHECK(!sc_str_set(v.branch));

	CHECK_EQ_INT(parse("sip/2.0/ws df7jal23ls0d.invalid;rport;branch=z9hG4bKx"), 0);
	CHECK_STR(v.transport, "ws");
	CHECK_STR(v.proto, "sip");
}

static void test_params(void)
{
	CHECK_EQ_INT(parse("SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKabc;received=192.0.2.1;"
			   "maddr=224.2.0.1;ttl=16;alias;x-foo=\"bar; baz\""),
		     0);
	CHECK_STR(v.host, "10.0.0.5");
	CHECK_EQ_INT(v.portnum, 5060);
	CHECK(sc_str_set(v.rport));
	CHECK_EQ_INT(v.rport.n, 0);
	CHECK_STR(v.branch, "z9hG4bKabc");
	CHECK_STR(v.received, "192.0.2.1");
	CHECK_STR(v.maddr, "224.2.0.1");
	CHECK_STR(v.ttl, "16");
	CHECK_STR(v.params, "rport;branch=z9hG4bKabc;received=192.0.2.1;maddr=224.2.0.1;ttl=16;"
			    "alias;x-foo=\"bar; baz\"");

	CHECK_EQ_INT(parse("SIP/2.0/UDP h.example;rport=40123;received=198.51.100.7"), 0);
	CHECK_STR(v.rport, "40123");
	CHECK_STR(v.received, "198.51.100.7");
	/* Names are case-insensitive; the first occurrence counts. */
	CHECK_EQ_INT(parse("SIP/2.0/UDP h.example;BRANCH=z9hG4bK1;branch=z9hG4bK2"), 0);
	CHECK_STR(v.branch, "z9hG4bK1");
	/* received may carry an IPv6 address with or without brackets. */
	CHECK_EQ_INT(parse("SIP/2.0/UDP h.example;received=2001:db8::9"), 0);
	CHECK_STR(v.received, "2001:db8::9");
	CHECK_EQ_INT(parse("SIP/2.0/UDP h.example;received=[2001:db8::9]"), 0);
	CHECK_STR(v.received, "[2001:db8::9]");
	CHECK_EQ_INT(parse("SIP/2.0/UDP h.example;maddr=mcast.example.com"), 0);
	CHECK_STR(v.maddr, "mcast.example.com");
}

static void test_ipv6(void)
{
	CHECK_EQ_INT(parse("SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111"), 0);
	CHECK_STR(v.host, "[2001:db8::9:1]");
	CHECK_STR(v.port, "5070");
	CHECK_EQ_INT(v.portnum, 5070);
	CHECK_STR(v.branch, "z9hG4bKas3-111");
	CHECK_EQ_INT(parse("SIP/2.0/TCP [::ffff:192.0.2.1]"), 0);
	CHECK_STR(v.host, "[::ffff:192.0.2.1]");

	CHECK_EQ_INT(parse("SIP/2.0/UDP [2001:db8::9:1:5070"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0/UDP 2001:db8::9:1"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0/UDP [2001:db8:::1]"), -EBADMSG);
	CHECK_EQ_INT(parse("SIP/2.0/UDP [2001:db8::1]x"), -EBADMSG);
}

static void test_whitespace(void)
{
	/* RFC 4475 §3.1.1.1 style: LWS around '/', ':' and ';', folded. */
	CHECK_EQ_INT(parse("  SIP  /  2.0 /\tUDP   h.example  :  5060  ;  branch = z9hG4bKws ;"
			   "\r\n rport  "),
		     0);
	CHECK_STR(v.proto, "SIP");
	CHECK_STR(v.version, "2.0");
	CHECK_STR(v.transport, "UDP");
	CHECK_STR(v.host, "h.example");
	CHECK_EQ_INT(v.portnum, 5060);
	CHECK_STR(v.branch, "z9hG4bKws");
	CHECK_STR(v.rport, "");
	CHECK_STR(v.params, "branch = z9hG4bKws ;\r\n rport");

	CHECK_EQ_INT(parse("SIP/2.0/\r\n UDP\r\n\th.example"), 0);
	CHECK_STR(v.transport, "UDP");
	CHECK_STR(v.host, "h.example");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		"SIP/2.0",
		"SIP/2.0/",
		"SIP/2.0/UDP",
		"SIP/2.0/UDP ",
		"SIP/2.0/UDPh.example",
		"SIP/2.0 UDP h.example",
		"SIP//UDP h.example",
		"SIP/2.0/UDP h.example extra",
		"SIP/2.0/UDP h_x.example",
		"SIP/2.0/UDP h.example:",
		"SIP/2.0/UDP h.example:70000",
		"SIP/2.0/UDP h.example:50a",
		"SIP/2.0/UDP h.example;",
		"SIP/2.0/UDP h.example;;branch=z9hG4bK1",
		"SIP/2.0/UDP h.example;branch",
		"SIP/2.0/UDP h.example;branch=",
		"SIP/2.0/UDP h.example;branch=\"z9hG4bK1\"",
		"SIP/2.0/UDP h.example;branch=a:b",
		"SIP/2.0/UDP h.example;received",
		"SIP/2.0/UDP h.example;received=not_a_host",
		"SIP/2.0/UDP h.example;received=256.1.1.1",
		"SIP/2.0/UDP h.example;rport=abc",
		"SIP/2.0/UDP h.example;rport=65536",
		"SIP/2.0/UDP h.example;ttl=256",
		"SIP/2.0/UDP h.example;ttl",
		"SIP/2.0/UDP h.example;maddr",
		"SIP/2.0/UDP h.example;x=\"unterminated",
		"SIP/2.0/UDP h.example, SIP/2.0/UDP i.example",
		"SIP/2.0/UDP <h.example>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != -EBADMSG)
			fprintf(stderr, "should not parse: %s\n", bad[i]);
		CHECK_EQ_INT(parse(bad[i]), -EBADMSG);
	}
	CHECK_EQ_INT(sc_sip_via_parse(&v, SC_STR_NULL), -EBADMSG);
}

/* A whole Via header with several values, split and parsed. */
static void test_split_header(void)
{
	sc_str value = SC_STR_LIT("SIP/2.0/UDP first.example.com:4000;ttl=16;maddr=224.2.0.1;"
				  "branch=z9hG4bKa7c6a8dlze.1 ,\r\n SIP/2.0/TLS [2001:db8::1];"
				  "branch=z9hG4bKb,SIP/2.0/TCP 192.0.2.2;x=\"a,b\"");
	static const char *const hosts[] = { "first.example.com", "[2001:db8::1]", "192.0.2.2" };
	size_t pos = 0, n = 0;
	sc_str el;

	while (sc_sip_split(value, &pos, &el) == 1) {
		CHECK_EQ_INT(sc_sip_via_parse(&v, el), 0);
		if (n < 3)
			CHECK_STR(v.host, hosts[n]);
		n++;
	}
	CHECK_EQ_INT(n, 3);
	CHECK_STR(v.params, "x=\"a,b\"");
}

/* The top Via of a request, and the transaction it names. */
static struct sc_sip_msg msg;

static uint64_t txn_of(const char *method, const char *via, const char *cseq)
{
	static char text[512];
	const struct sc_sip_hdr *h;
	struct sc_sip_via top;
	sc_str slice;
	size_t pos;
	int n = snprintf(text, sizeof(text),
			 "%s sip:bob@example.com SIP/2.0\r\nVia: %s\r\n"
			 "Via: SIP/2.0/UDP second.example.com;branch=z9hG4bKsecond\r\n"
			 "From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n"
			 "Call-ID: call-1\r\nCSeq: %s %s\r\nContent-Length: 0\r\n\r\n",
			 method, via, cseq, method);

	CHECK(n > 0 && (size_t)n < sizeof(text));
	CHECK_EQ_INT(sc_sip_msg_parse(&msg, text, (size_t)n), 0);
	CHECK_EQ_INT(sc_sip_via_top(&msg, &h, &pos, &slice, &top), 0);
	CHECK_STR(top.transport, "UDP");
	return sc_sip_via_txn_hash(SC_STR_HASH_INIT, &msg, &top, slice);
}

static void test_top_and_txn_hash(void)
{
	const char *rfc3261 = "SIP/2.0/UDP phone.example.com:5062;branch=z9hG4bKabc";
	const char *rfc2543 = "SIP/2.0/UDP phone.example.com:5062";
	uint64_t invite = txn_of("INVITE", rfc3261, "1");
	const struct sc_sip_hdr *h;
	struct sc_sip_via top;
	sc_str slice;
	size_t pos;

	/* The first value of a combined header is the top one. */
	(void)txn_of("INVITE", "SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/TCP b", "1");
	CHECK_EQ_INT(sc_sip_via_top(&msg, &h, &pos, &slice, &top), 0);
	CHECK_STR(top.host, "a.example.com");
	CHECK_STR(slice, "SIP/2.0/UDP a.example.com;branch=z9hG4bKa");
	/* RFC 3261: branch and sent-by name it; the CANCEL of the INVITE
	 * is in the same one (the method is mixed in by the caller). */
	CHECK(txn_of("CANCEL", rfc3261, "1") == invite);
	CHECK(txn_of("INVITE", rfc3261, "2") == invite);
	CHECK(txn_of("INVITE", "SIP/2.0/UDP phone.example.com:5062;branch=z9hG4bKabd", "1") != invite);
	CHECK(txn_of("INVITE", "SIP/2.0/UDP phone.example.com:5064;branch=z9hG4bKabc", "1") != invite);
	/* RFC 2543: the whole Via, Call-ID and CSeq number. */
	CHECK(txn_of("CANCEL", rfc2543, "1") == txn_of("INVITE", rfc2543, "1"));
	CHECK(txn_of("INVITE", rfc2543, "2") != txn_of("INVITE", rfc2543, "1"));
}

int main(void)
{
	RUN(test_basic);
	RUN(test_params);
	RUN(test_ipv6);
	RUN(test_whitespace);
	RUN(test_bad);
	RUN(test_split_header);
	RUN(test_top_and_txn_hash);
	return check_done("sip_via");
}
