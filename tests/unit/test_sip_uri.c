/* URI and parameter-list tests (RFC 3261 §19.1, §25.1, RFC 4475 §3.1.1). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/uri.h"

static struct sc_sip_uri u;

/* Parses z from guard memory, after trying every prefix of it (which must
 * not crash; the result does not matter, "sip:a@b" is a prefix of
 * "sip:a@bc"). */
static int parse(const char *z)
{
	size_t n = strlen(z), k;
	struct sc_sip_uri tmp;

	for (k = 0; k < n; k++)
		(void)sc_sip_uri_parse(&tmp, sc_str_make(guard_put(z, k), k));
	return sc_sip_uri_parse(&u, sc_str_make(guard_put(z, n), n));
}

static void test_simple(void)
{
	CHECK_EQ_INT(parse("sip:alice@atlanta.example"), 0);
	CHECK_STR(u.scheme, "sip");
	CHECK_EQ_INT(u.is_sip, 1);
	CHECK_STR(u.user, "alice");
	CHECK(!sc_str_set(u.password));
	CHECK_STR(u.host, "atlanta.example");
	CHECK(!sc_str_set(u.port));
	CHECK_EQ_INT(u.portnum, 0);
	CHECK(!sc_str_set(u.params));
	CHECK(!sc_str_set(u.headers));
	CHECK(!sc_str_set(u.opaque));
	CHECK_EQ_INT(u.is_ipv6, 0);

	CHECK_EQ_INT(parse("sip:registrar.example"), 0);
	CHECK(!sc_str_set(u.user));
	CHECK_STR(u.host, "registrar.example");

	CHECK_EQ_INT(parse("SIPS:Bob@Biloxi.Example:5061"), 0);
	CHECK_STR(u.scheme, "SIPS");
	CHECK_EQ_INT(u.is_sip, 1);
	CHECK_STR(u.port, "5061");
	CHECK_EQ_INT(u.portnum, 5061);
}

static void test_full(void)
{
	CHECK_EQ_INT(parse("sips:alice:secret@atlanta.example:5061;transport=tcp;lr;maddr=[::1]"
			   "?subject=project%20x&priority=urgent&empty="),
		     0);
	CHECK_STR(u.user, "alice");
	CHECK_STR(u.password, "secret");
	CHECK_STR(u.host, "atlanta.example");
	CHECK_EQ_INT(u.portnum, 5061);
	CHECK_STR(u.params, "transport=tcp;lr;maddr=[::1]");
	CHECK_STR(u.headers, "subject=project%20x&priority=urgent&empty=");

	CHECK_EQ_INT(parse("sip:alice:@atlanta.example"), 0);
	CHECK_STR(u.password, "");
	CHECK_EQ_INT(parse("sip:host.example;transport=udp"), 0);
	CHECK_STR(u.host, "host.example");
	CHECK_STR(u.params, "transport=udp");
	CHECK_EQ_INT(parse("sip:host.example?Replaces=abc%40h%3Bto-tag%3D1"), 0);
	CHECK(!sc_str_set(u.params));
	CHECK_STR(u.headers, "Replaces=abc%40h%3Bto-tag%3D1");
}

static void test_user_chars(void)
{
	/* user-unreserved includes ; ? / , & = + $ */
	CHECK_EQ_INT(parse("sip:+1-212-555-1212;isub=1;phone-context=x@gw.example;user=phone"), 0);
	CHECK_STR(u.user, "+1-212-555-1212;isub=1;phone-context=x");
	CHECK_STR(u.host, "gw.example");
	CHECK_STR(u.params, "user=phone");
	CHECK_EQ_INT(parse("sip:a?b/c,d&e=f+g$h@h.example"), 0);
	CHECK_STR(u.user, "a?b/c,d&e=f+g$h");
	CHECK_EQ_INT(parse("sip:-_.!~*'()@h.example"), 0);
	/* RFC 4475 §3.1.1.1 (escaped user and password). */
	CHECK_EQ_INT(parse("sip:sips%3Auser%40example.com@example.net"), 0);
	CHECK_STR(u.user, "sips%3Auser%40example.com");
	CHECK_STR(u.host, "example.net");
	CHECK_EQ_INT(parse("sip:%61lice:pass%20word&=+$,@h.example"), 0);
	CHECK_STR(u.password, "pass%20word&=+$,");

	CHECK_EQ_INT(parse("sip:@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:al ice@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:al%2@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:al%zz@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:al%@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:a\"b@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:a#b@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:a:b;c@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:a:b:c@h.example"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:a@b@h.example"), -EBADMSG);
}

static void test_hosts(void)
{
	static const char *const good[] = {
		"sip:h",
		"sip:h.example.com.",
		"sip:a-b.c-d.example",
		"sip:1and1.example",
		"sip:192.0.2.1",
		"sip:0.0.0.0",
		"sip:255.255.255.255:65535",
		"sip:[2001:db8::1]",
		"sip:[2001:DB8:0:0:8:800:200C:417A]:5060",
		"sip:[::1]",
		"sip:[::]",
		"sip:[1::]",
		"sip:[1:2:3:4:5:6:7::]",
		"sip:[::2:3:4:5:6:7:8]",
		"sip:[::ffff:192.0.2.128]",
		"sip:[2001:db8:1:2:3:4:192.0.2.1]",
		"sip:[1:2:3:4:5:6:7:8]",
		"sip:user@[2001:db8::10]:5070;transport=tcp",
	};
	static const char *const bad[] = {
		"sip:",
		"sip:user@",
		"sip:-h.example",
		"sip:h-.example",
		"sip:h..example",
		"sip:.h.example",
		"sip:h_x.example",
		"sip:h.example..",
		"sip:h.1",
		"sip:x.1a", /* toplabel starts with ALPHA */
		"sip:256.0.0.1",
		"sip:1.2.3",
		"sip:1.2.3.4.5",
		"sip:1.2.3.4.",
		"sip:1234.1.1.1",
		"sip:[2001:db8::1",
		"sip:2001:db8::1",
		"sip:[]",
		"sip:[:1]",
		"sip:[1:]",
		"sip:[1::2::3]",
		"sip:[:::]",
		"sip:[12345::1]",
		"sip:[2001:db8::g]",
		"sip:[1:2:3:4:5:6:7:8:9]",
		"sip:[1:2:3:4:5:6:7]",
		"sip:[1:2:3:4:5:6:7:8::]",
		"sip:[::1.2.3]",
		"sip:[::1.2.3.4:5]",
		"sip:[1:2:3:4:5:6:7:1.2.3.4]",
		"sip:[2001:db8::1]x",
		"sip:[2001:db8::1%eth0]",
		"sip:h.example:",
		"sip:h.example:65536",
		"sip:h.example:5o60",
		"sip:h.example:-1",
		"sip:h.example:99999999999999999999",
		"sip:h example",
		"sip:h.example/path",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(good[i]) != 0)
			fprintf(stderr, "should parse: %s\n", good[i]);
		CHECK_EQ_INT(parse(good[i]), 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i]) != -EBADMSG)
			fprintf(stderr, "should not parse: %s\n", bad[i]);
		CHECK_EQ_INT(parse(bad[i]), -EBADMSG);
	}
	CHECK_EQ_INT(parse("sip:user@[2001:db8::10]:5070;transport=tcp"), 0);
	CHECK_STR(u.host, "[2001:db8::10]");
	CHECK_EQ_INT(u.is_ipv6, 1);
	CHECK_STR(u.port, "5070");
	CHECK_EQ_INT(u.portnum, 5070);
	CHECK_STR(u.params, "transport=tcp");
	CHECK_EQ_INT(parse("sip:192.0.2.1:0"), 0);
	CHECK_STR(u.port, "0");
	CHECK_EQ_INT(parse("sip:h:00005060"), 0);
	CHECK_EQ_INT(u.portnum, 5060);
}

static void test_params_and_headers(void)
{
	CHECK_EQ_INT(parse("sip:h;a;b=c;[x]=/:&+$;%41=%42"), 0);
	CHECK_STR(u.params, "a;b=c;[x]=/:&+$;%41=%42");
	CHECK_EQ_INT(parse("sip:h;a=b?c=d?e"), 0);
	CHECK_STR(u.headers, "c=d?e");

	CHECK_EQ_INT(parse("sip:h;"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h;;lr"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h;=x"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h;x="), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h; lr"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h;a=\"b\""), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h;a=%4"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?a"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?=b"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?a=b&"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?a=b c"), -EBADMSG);
	CHECK_EQ_INT(parse("sip:h?a=<b>"), -EBADMSG);
}

static void test_other_schemes(void)
{
	CHECK_EQ_INT(parse("tel:+1-201-555-0123;phone-context=example.com"), 0);
	CHECK_STR(u.scheme, "tel");
	CHECK_EQ_INT(u.is_sip, 0);
	CHECK_STR(u.opaque, "+1-201-555-0123;phone-context=example.com");
	CHECK(!sc_str_set(u.host));
	CHECK(!sc_str_set(u.params));
	CHECK_EQ_INT(parse("urn:service:sos"), 0);
	CHECK_STR(u.scheme, "urn");
	CHECK_STR(u.opaque, "service:sos");
	CHECK_EQ_INT(parse("http://www.example.com/ring.wav?x=1"), 0);
	CHECK_STR(u.opaque, "//www.example.com/ring.wav?x=1");
	CHECK_EQ_INT(parse("mailto:a@b.example"), 0);
	CHECK_EQ_INT(parse("TEL:+49"), 0);
	CHECK_STR(u.scheme, "TEL");
	CHECK_EQ_INT(parse("x-weird+scheme.v1:%%anything"), 0);
	CHECK_STR(u.scheme, "x-weird+scheme.v1");
	/* "sipx" is not sip. */
	CHECK_EQ_INT(parse("sipx:a@b b"), -EBADMSG);
	CHECK_EQ_INT(parse("sipx:a@b"), 0);
	CHECK_EQ_INT(u.is_sip, 0);

	CHECK_EQ_INT(parse("tel:"), -EBADMSG);
	CHECK_EQ_INT(parse("tel:+1 555"), -EBADMSG);
	CHECK_EQ_INT(parse("tel:<+1>"), -EBADMSG);
	CHECK_EQ_INT(parse("1tel:+1"), -EBADMSG);
	CHECK_EQ_INT(parse("-tel:+1"), -EBADMSG);
	CHECK_EQ_INT(parse(":+1"), -EBADMSG);
	CHECK_EQ_INT(parse("te l:+1"), -EBADMSG);
	CHECK_EQ_INT(parse("alice@example.com"), -EBADMSG);
	CHECK_EQ_INT(parse(""), -EBADMSG);
	CHECK_EQ_INT(sc_sip_uri_parse(&u, SC_STR_NULL), -EBADMSG);
}

static void test_param_find(void)
{
	sc_str p = SC_STR_LIT("transport=TLS; LR ;maddr = 192.0.2.1;+sip.instance=\"<urn:a;b>\";"
			      "empty=;q=0.5");
	sc_str v;

	CHECK_EQ_INT(sc_sip_param_find(p, "transport", &v), 1);
	CHECK_STR(v, "TLS");
	CHECK_EQ_INT(sc_sip_param_find(p, "lr", &v), 1);
	CHECK(sc_str_set(v));
	CHECK_EQ_INT(v.n, 0);
	CHECK_EQ_INT(sc_sip_param_find(p, "MADDR", &v), 1);
	CHECK_STR(v, "192.0.2.1");
	CHECK_EQ_INT(sc_sip_param_find(p, "+sip.instance", &v), 1);
	CHECK_STR(v, "\"<urn:a;b>\"");
	CHECK_EQ_INT(sc_sip_param_find(p, "empty", &v), 1);
	CHECK_STR(v, "");
	CHECK_EQ_INT(sc_sip_param_find(p, "q", &v), 1);
	CHECK_STR(v, "0.5");
	CHECK_EQ_INT(sc_sip_param_find(p, "b", &v), 0);
	CHECK_EQ_INT(sc_sip_param_find(p, "tag", &v), 0);
	CHECK_EQ_INT(sc_sip_param_find(p, "l", &v), 0);
	CHECK_EQ_INT(sc_sip_param_find(SC_STR_NULL, "lr", &v), 0);
	CHECK_EQ_INT(sc_sip_param_find(SC_STR_LIT(""), "lr", &v), 0);
	/* The first occurrence wins. */
	CHECK_EQ_INT(sc_sip_param_find(SC_STR_LIT("tag=1;tag=2"), "tag", &v), 1);
	CHECK_STR(v, "1");
}

static void test_param_next(void)
{
	sc_str p = SC_STR_LIT(";;a ; b=1;c= \"x;y\" ;; d");
	sc_str n, v;
	size_t pos = 0;

	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 1);
	CHECK_STR(n, "a");
	CHECK(!sc_str_set(v));
	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 1);
	CHECK_STR(n, "b");
	CHECK_STR(v, "1");
	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 1);
	CHECK_STR(n, "c");
	CHECK_STR(v, "\"x;y\"");
	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 1);
	CHECK_STR(n, "d");
	CHECK(!sc_str_set(v));
	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 0);
	CHECK_EQ_INT(sc_sip_param_next(p, &pos, &n, &v), 0);
	/* An unterminated quote runs to the end instead of past it. */
	pos = 0;
	CHECK_EQ_INT(sc_sip_param_next(SC_STR_LIT("a=\"b;c"), &pos, &n, &v), 1);
	CHECK_STR(v, "\"b;c");
	CHECK_EQ_INT(sc_sip_param_next(SC_STR_LIT("a=\"b;c"), &pos, &n, &v), 0);
}

static void test_param_check(void)
{
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("tag=1")), 0);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("lr")), 0);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a ; b = c ;\r\n d=\"q \\\" ;\"")), 0);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("received=[2001:db8::1];x=1.2.3.4")), 0);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_NULL), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a;")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a;;b")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("=b")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=b c")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=\"b")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=\"b\\")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=<b>")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a=\"b\"c")), -EBADMSG);
	CHECK_EQ_INT(sc_sip_param_check(SC_STR_LIT("a,b")), -EBADMSG);
}

static void test_unescape(void)
{
	char out[16];

	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("%41b%2c%2C%25"), out, sizeof(out)), 5);
	CHECK(memcmp(out, "Ab,,%", 5) == 0);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("a%00b"), out, sizeof(out)), 3);
	CHECK(memcmp(out, "a\0b", 3) == 0);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT(""), out, 0), 0);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("abc"), out, 3), 3);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("abcd"), out, 3), -ENOSPC);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("ab%41%42"), out, 3), -ENOSPC);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("ab%41"), out, 3), 3);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("%4"), out, sizeof(out)), -EBADMSG);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("%"), out, sizeof(out)), -EBADMSG);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("%g0"), out, sizeof(out)), -EBADMSG);
	CHECK_EQ_INT(sc_sip_unescape(SC_STR_LIT("%0g"), out, sizeof(out)), -EBADMSG);
}

static void test_host_port(void)
{
	int v6 = -1;
	uint16_t port = 1;

	CHECK_EQ_INT(sc_sip_host_check(SC_STR_LIT("2001:db8::1"), &v6), 0);
	CHECK_EQ_INT(v6, 1);
	CHECK_EQ_INT(sc_sip_host_check(SC_STR_LIT("[2001:db8::1]"), &v6), 0);
	CHECK_EQ_INT(v6, 1);
	CHECK_EQ_INT(sc_sip_host_check(SC_STR_LIT("192.0.2.1"), &v6), 0);
	CHECK_EQ_INT(v6, 0);
	CHECK_EQ_INT(sc_sip_host_check(SC_STR_LIT(""), &v6), -EBADMSG);
	CHECK_EQ_INT(sc_sip_host_check(SC_STR_LIT("2001:db8:::1"), &v6), -EBADMSG);
	CHECK_EQ_INT(sc_sip_port_parse(SC_STR_LIT("5060"), &port), 0);
	CHECK_EQ_INT(port, 5060);
	CHECK_EQ_INT(sc_sip_port_parse(SC_STR_LIT(""), &port), -EBADMSG);
	CHECK_EQ_INT(sc_sip_port_parse(SC_STR_LIT("65536"), &port), -EBADMSG);
	CHECK_EQ_INT(sc_sip_port_parse(SC_STR_LIT(" 1"), &port), -EBADMSG);
	CHECK_EQ_INT(port, 5060);
}

static void test_lexical_helpers(void)
{
	CHECK_STR(sc_sip_trim(SC_STR_LIT(" \t\r\n x y \r\n\t")), "x y");
	CHECK_STR(sc_sip_trim(SC_STR_LIT("   ")), "");
	CHECK(!sc_str_set(sc_sip_trim(SC_STR_NULL)));
	CHECK(sc_sip_tokenc('~') && sc_sip_tokenc('`') && sc_sip_tokenc('\''));
	CHECK(!sc_sip_tokenc(':') && !sc_sip_tokenc(0) && !sc_sip_tokenc('"') &&
	      !sc_sip_tokenc(0xc3));
}

int main(void)
{
	RUN(test_simple);
	RUN(test_full);
	RUN(test_user_chars);
	RUN(test_hosts);
	RUN(test_params_and_headers);
	RUN(test_other_schemes);
	RUN(test_param_find);
	RUN(test_param_next);
	RUN(test_param_check);
	RUN(test_unescape);
	RUN(test_host_port);
	RUN(test_lexical_helpers);
	return check_done("sip_uri");
}
