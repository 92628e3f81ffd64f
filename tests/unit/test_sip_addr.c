/* name-addr / addr-spec tests (RFC 3261 §20.10, §25.1; RFC 4475 §3.1.1). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/addr.h"
#include "../../sidecar/sip/msg.h"

static struct sc_sip_addr a;

static int parse(const char *z)
{
	size_t n = strlen(z), k;
	struct sc_sip_addr tmp;

	for (k = 0; k < n; k++)
		(void)sc_sip_addr_parse(&tmp, sc_str_make(guard_put(z, k), k));
	return sc_sip_addr_parse(&a, sc_str_make(guard_put(z, n), n));
}

static void test_quoted_display(void)
{
	CHECK_EQ_INT(parse("\"Display \\\"quoted\\\" name\" <sip:alice@atlanta.example>;tag=x"), 0);
	CHECK_STR(a.display, "\"Display \\\"quoted\\\" name\"");
	CHECK_EQ_INT(a.angle, 1);
	CHECK_EQ_INT(a.star, 0);
	CHECK_STR(a.uri_str, "sip:alice@atlanta.example");
	CHECK_STR(a.uri.user, "alice");
	CHECK_STR(a.uri.host, "atlanta.example");
	CHECK_STR(a.params, "tag=x");

	CHECK_EQ_INT(parse("\"\" <sip:a@b.example>"), 0);
	CHECK_STR(a.display, "\"\"");
	CHECK(!sc_str_set(a.params));
	CHECK_EQ_INT(parse("\"Back\\\\slash, comma <and> ;semi\"<sip:a@b.example>"), 0);
	CHECK_STR(a.display, "\"Back\\\\slash, comma <and> ;semi\"");
	CHECK_STR(a.uri_str, "sip:a@b.example");
	CHECK_EQ_INT(parse("\"J\xc3\xbcrgen M\xc3\xbcller\" <sip:j@h.example>"), 0);
	CHECK_STR(a.display, "\"J\xc3\xbcrgen M\xc3\xbcller\"");
}

static void test_token_display(void)
{
	CHECK_EQ_INT(parse("Bob <sip:bob@b.example>"), 0);
	CHECK_STR(a.display, "Bob");
	CHECK_STR(a.uri.host, "b.example");
	CHECK_EQ_INT(parse("Anonymous  Caller\tTwo <sip:x@y.example>;tag=9"), 0);
	CHECK_STR(a.display, "Anonymous  Caller\tTwo");
	CHECK_STR(a.params, "tag=9");
	CHECK_EQ_INT(parse("J\xc3\xbcrgen <sip:j@h.example>"), 0);
	CHECK_STR(a.display, "J\xc3\xbcrgen");
	CHECK_EQ_INT(parse("Mr.+Smith-Jr!~ <sip:j@h.example>"), 0);
	CHECK_STR(a.display, "Mr.+Smith-Jr!~");
}

static void test_angle_only(void)
{
	CHECK_EQ_INT(parse("<sip:a@b.example>"), 0);
	CHECK(!sc_str_set(a.display));
	CHECK_EQ_INT(a.angle, 1);
	CHECK_STR(a.uri_str, "sip:a@b.example");
	CHECK(!sc_str_set(a.params));
	/* URI parameters stay with the URI inside brackets. */
	CHECK_EQ_INT(parse("<sip:p1.example.com;lr>"), 0);
	CHECK_STR(a.uri.params, "lr");
	CHECK(!sc_str_set(a.params));
	CHECK_EQ_INT(parse("  <sip:alice@192.0.2.4:5060;transport=udp?x=y>  ;  expires = 3600 ;"
			   "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\";"
			   "reg-id=1;q=0.7  "),
		     0);
	CHECK_STR(a.uri.params, "transport=udp");
	CHECK_STR(a.uri.headers, "x=y");
	CHECK_EQ_INT(a.uri.portnum, 5060);
	CHECK_STR(a.params, "expires = 3600 ;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
			    "AABBCCDDEEFF>\";reg-id=1;q=0.7");
	CHECK_EQ_INT(parse("<tel:+15551234567>;tag=abc"), 0);
	CHECK_STR(a.uri.scheme, "tel");
	CHECK_STR(a.uri.opaque, "+15551234567");
	CHECK_EQ_INT(parse("<sip:[2001:db8::1]:5060;transport=tls>"), 0);
	CHECK_EQ_INT(a.uri.is_ipv6, 1);
	CHECK_STR(a.uri.host, "[2001:db8::1]");
	CHECK_EQ_INT(parse("<sip:a@b.example>\r\n ;tag=1"), 0);
	CHECK_STR(a.params, "tag=1");
}

static void test_addr_spec(void)
{
	/* Without brackets the parameters belong to the header. */
	CHECK_EQ_INT(parse("sip:a@b.example;tag=1"), 0);
	CHECK_EQ_INT(a.angle, 0);
	CHECK(!sc_str_set(a.display));
	CHECK_STR(a.uri_str, "sip:a@b.example");
	CHECK(!sc_str_set(a.uri.params));
	CHECK_STR(a.params, "tag=1");
	CHECK_EQ_INT(parse("sip:a@b.example ; tag=1;lr"), 0);
	CHECK_STR(a.uri_str, "sip:a@b.example");
	CHECK_STR(a.params, "tag=1;lr");
	CHECK_EQ_INT(parse("sip:+12125551212@gw.example:5060"), 0);
	CHECK_STR(a.uri.user, "+12125551212");
	CHECK_EQ_INT(a.uri.portnum, 5060);
	CHECK_EQ_INT(parse("tel:+1-201-555-0123;tag=2"), 0);
	CHECK_STR(a.uri.opaque, "+1-201-555-0123");
	CHECK_STR(a.params, "tag=2");
}

static void test_star(void)
{
	CHECK_EQ_INT(parse("*"), 0);
	CHECK_EQ_INT(a.star, 1);
	CHECK_EQ_INT(parse("  *  "), 0);
	CHECK_EQ_INT(a.star, 1);
	CHECK_EQ_INT(parse("*;expires=0"), -EBADMSG);
	CHECK_EQ_INT(parse("**"), -EBADMSG);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",
		"   ",
		"\"unterminated <sip:a@b.example>",
		"\"escape at end\\",
		"\"quoted\" sip:a@b.example",
		"\"quoted\"",
		"<sip:a@b.example",
		"<>",
		"<sip:a@b.example> garbage",
		"<sip:a@b.example>;",
		"<sip:a@b.example>;=x",
		"<sip:a@b.example>;tag=",
		"<sip:a@b.example>;tag=a b",
		"<sip:a@b.example>x",
		"Bob sip:a@b.example",
		"Bob",
		"sip:a@b.example garbage",
		"sip:a@b.example;",
		"sip:a@b_x.example",
		"<sip:a@b_x.example>",
		"Bob (Office) <sip:a@b.example>",
		"Bob, Jr <sip:a@b.example>",
		"<sip:a@b.example>>",
		"<<sip:a@b.example>",
		"<sip:a b@c.example>",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != -EBADMSG)
			fprintf(stderr, "should not parse: %s\n", bad[i]);
		CHECK_EQ_INT(parse(bad[i]), -EBADMSG);
	}
	CHECK_EQ_INT(sc_sip_addr_parse(&a, SC_STR_NULL), -EBADMSG);
}

/* A Contact header with several values, as sc_sip_split hands them out. */
static void test_split_contacts(void)
{
	sc_str value = SC_STR_LIT("\"Doe, John\" <sip:j@h.example>;q=0.5 , <sip:a,b@h.example>,"
				  "sip:x@y.example;expires=0, "
				  "Bob <sips:bob@b.example;transport=tcp>");
	static const char *const uris[] = { "sip:j@h.example", "sip:a,b@h.example",
					    "sip:x@y.example", "sips:bob@b.example;transport=tcp" };
	size_t pos = 0, n = 0;
	sc_str el;

	while (sc_sip_split(value, &pos, &el) == 1) {
		CHECK_EQ_INT(sc_sip_addr_parse(&a, el), 0);
		if (n < 4)
			CHECK_STR(a.uri_str, uris[n]);
		n++;
	}
	CHECK_EQ_INT(n, 4);
	CHECK_STR(a.display, "Bob");
}

int main(void)
{
	RUN(test_quoted_display);
	RUN(test_token_display);
	RUN(test_angle_only);
	RUN(test_addr_spec);
	RUN(test_star);
	RUN(test_bad);
	RUN(test_split_contacts);
	return check_done("sip_addr");
}
