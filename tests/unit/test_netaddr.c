/* Socket addresses as SIP writes them (sidecar/net/addr.c): "a.b.c.d:port",
 * "[v6]:port", the host alone, equality of family+address+port, and the
 * wildcard test used to pick an advertised address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sidecar/net/addr.h"
#include "sidecar/base/str.h"
#include "tests/unit/check.h"

/* An IPv4 or IPv6 socket address from text (the family follows from ':'). */
static struct sockaddr_storage sa(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		CHECK_EQ_INT(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		CHECK_EQ_INT(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

/* Checks both text forms of one address, and that the return value is the
 * length of what was written. */
static void check_text(const char *ip, unsigned port, const char *addr_z, const char *host_z)
{
	struct sockaddr_storage ss = sa(ip, port);
	char out[64];
	int n;

	memset(out, 'x', sizeof(out));
	n = sc_net_addr_text(SA(ss), out, sizeof(out));
	CHECK_EQ_INT(n, strlen(addr_z));
	CHECK_STR(sc_str_cstr(out), addr_z);
	memset(out, 'x', sizeof(out));
	n = sc_net_host_text(SA(ss), out, sizeof(out));
	CHECK_EQ_INT(n, strlen(host_z));
	CHECK_STR(sc_str_cstr(out), host_z);
}

static void test_text(void)
{
	check_text("192.168.1.20", 5060, "192.168.1.20:5060", "192.168.1.20");
	check_text("0.0.0.0", 0, "0.0.0.0:0", "0.0.0.0");
	check_text("255.255.255.255", 65535, "255.255.255.255:65535", "255.255.255.255");
	/* IPv6 in brackets, in the shortest form inet_ntop gives. */
	check_text("2001:db8:0:0:0:0:0:20", 5070, "[2001:db8::20]:5070", "[2001:db8::20]");
	check_text("::1", 5061, "[::1]:5061", "[::1]");
	check_text("::", 5060, "[::]:5060", "[::]");
	/* A v4-mapped source on a dual-stack socket stays an IPv6 text. */
	check_text("::ffff:192.168.1.20", 5060, "[::ffff:192.168.1.20]:5060",
		   "[::ffff:192.168.1.20]");
	/* The longest IPv6 text still fits the 64 bytes callers use. */
	check_text("2001:db8:1234:5678:9abc:def0:1234:5678", 65535,
		   "[2001:db8:1234:5678:9abc:def0:1234:5678]:65535",
		   "[2001:db8:1234:5678:9abc:def0:1234:5678]");
}

static void test_no_space(void)
{
	struct sockaddr_storage v4 = sa("192.168.1.20", 5060);
	struct sockaddr_storage v6 = sa("2001:db8::20", 5070);
	char out[32];

	/* Exactly enough room (text plus NUL) works; one byte less does not,
	 * and neither does no room at all. */
	CHECK_EQ_INT(sc_net_addr_text(SA(v4), out, sizeof("192.168.1.20:5060")), 17);
	CHECK_STR(sc_str_cstr(out), "192.168.1.20:5060");
	CHECK_EQ_INT(sc_net_addr_text(SA(v4), out, sizeof("192.168.1.20:5060") - 1), -ENOSPC);
	CHECK_EQ_INT(sc_net_addr_text(SA(v4), out, 0), -ENOSPC);
	CHECK_EQ_INT(sc_net_host_text(SA(v4), out, sizeof("192.168.1.20")), 12);
	CHECK_EQ_INT(sc_net_host_text(SA(v4), out, sizeof("192.168.1.20") - 1), -ENOSPC);
	CHECK_EQ_INT(sc_net_addr_text(SA(v6), out, sizeof("[2001:db8::20]:5070")), 19);
	CHECK_EQ_INT(sc_net_addr_text(SA(v6), out, sizeof("[2001:db8::20]:5070") - 1), -ENOSPC);
	CHECK_EQ_INT(sc_net_host_text(SA(v6), out, sizeof("[2001:db8::20]") - 1), -ENOSPC);
}

static void test_other_family(void)
{
	struct sockaddr_un un;
	struct sockaddr_storage unspec;
	char out[64] = "untouched";

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	memset(&unspec, 0, sizeof(unspec));
	CHECK_EQ_INT(sc_net_addr_text((const struct sockaddr *)&un, out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(sc_net_host_text((const struct sockaddr *)&un, out, sizeof(out)), -EINVAL);
	CHECK_EQ_INT(sc_net_addr_text(SA(unspec), out, sizeof(out)), -EINVAL);
	CHECK(!sc_net_addr_any(SA(unspec)));
	CHECK(!sc_net_addr_eq(SA(unspec), SA(unspec)));
	CHECK(!sc_net_addr_eq((const struct sockaddr *)&un, (const struct sockaddr *)&un));
}

static void test_eq(void)
{
	struct sockaddr_storage a = sa("192.168.1.20", 5060);
	struct sockaddr_storage same = sa("192.168.1.20", 5060);
	struct sockaddr_storage port = sa("192.168.1.20", 5062);
	struct sockaddr_storage host = sa("192.168.1.21", 5060);
	struct sockaddr_storage v6 = sa("2001:db8::20", 5060);
	struct sockaddr_storage v6same = sa("2001:db8::20", 5060);
	struct sockaddr_storage v6port = sa("2001:db8::20", 5061);
	struct sockaddr_storage v6host = sa("2001:db8::21", 5060);
	struct sockaddr_storage mapped = sa("::ffff:192.168.1.20", 5060);

	CHECK(sc_net_addr_eq(SA(a), SA(a)));
	CHECK(sc_net_addr_eq(SA(a), SA(same)));
	CHECK(!sc_net_addr_eq(SA(a), SA(port)));
	CHECK(!sc_net_addr_eq(SA(a), SA(host)));
	CHECK(sc_net_addr_eq(SA(v6), SA(v6same)));
	CHECK(!sc_net_addr_eq(SA(v6), SA(v6port)));
	CHECK(!sc_net_addr_eq(SA(v6), SA(v6host)));
	/* Families differ: never equal, whichever side is first. */
	CHECK(!sc_net_addr_eq(SA(a), SA(v6)));
	CHECK(!sc_net_addr_eq(SA(v6), SA(a)));
	CHECK(!sc_net_addr_eq(SA(a), SA(mapped)));
	/* Only family, address and port count: the padding of sockaddr_in and
	 * the flow label of sockaddr_in6 do not. */
	((struct sockaddr_in *)(void *)&same)->sin_zero[3] = 7;
	CHECK(sc_net_addr_eq(SA(a), SA(same)));
	((struct sockaddr_in6 *)(void *)&v6same)->sin6_flowinfo = htonl(12345);
	CHECK(sc_net_addr_eq(SA(v6), SA(v6same)));
}

static void test_any(void)
{
	struct sockaddr_storage v4any = sa("0.0.0.0", 5060);
	struct sockaddr_storage v6any = sa("::", 5060);
	struct sockaddr_storage v4 = sa("192.168.1.1", 0);
	struct sockaddr_storage loop6 = sa("::1", 0);
	struct sockaddr_storage mapped_any = sa("::ffff:0.0.0.0", 5060);
	struct sockaddr_storage high = sa("0.0.0.1", 0);

	CHECK(sc_net_addr_any(SA(v4any)));
	CHECK(sc_net_addr_any(SA(v6any)));
	CHECK(!sc_net_addr_any(SA(v4)));
	CHECK(!sc_net_addr_any(SA(loop6)));
	CHECK(!sc_net_addr_any(SA(high)));
	/* ::ffff:0.0.0.0 is not the IPv6 wildcard. */
	CHECK(!sc_net_addr_any(SA(mapped_any)));
}

/* Length, port and copy of a socket address, for the relay's tables. */
static void test_len_port_copy(void)
{
	struct sockaddr_storage v4 = sa("192.168.1.20", 5062), v6 = sa("2001:db8::1", 5070), copy;
	struct sockaddr_un un;
	socklen_t len = 0;

	CHECK_EQ_INT((int)sc_net_addr_len((struct sockaddr *)&v4), (int)sizeof(struct sockaddr_in));
	CHECK_EQ_INT((int)sc_net_addr_len((struct sockaddr *)&v6), (int)sizeof(struct sockaddr_in6));
	CHECK_EQ_INT(sc_net_addr_port((struct sockaddr *)&v4), 5062);
	CHECK_EQ_INT(sc_net_addr_port((struct sockaddr *)&v6), 5070);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	CHECK_EQ_INT((int)sc_net_addr_len((struct sockaddr *)&un), 0);
	CHECK_EQ_INT(sc_net_addr_port((struct sockaddr *)&un), 0);
	memset(&copy, 0xa5, sizeof(copy));
	sc_net_addr_copy(&copy, &len, (struct sockaddr *)&v6);
	CHECK_EQ_INT((int)len, (int)sizeof(struct sockaddr_in6));
	CHECK(sc_net_addr_eq((struct sockaddr *)&copy, (struct sockaddr *)&v6));
	/* The rest of the storage is zeroed, not left as it was. */
	CHECK(((unsigned char *)&copy)[sizeof(copy) - 1] == 0);
}

/* The hash behind our transaction keys: the same source gives the same
 * value whatever else is in the storage, and a different port, address or
 * family a different one (a device's two transactions from two ports must
 * not share a key). */
static void test_hash(void)
{
	struct sockaddr_storage a = sa("192.168.1.20", 5062), b = sa("192.168.1.20", 5062);
	struct sockaddr_storage port = sa("192.168.1.20", 5064), ip = sa("192.168.1.21", 5062);
	struct sockaddr_storage v6 = sa("::ffff:192.168.1.20", 5062);
	struct sockaddr_un un;
	uint64_t h = sc_net_addr_hash(SC_STR_HASH_INIT, SA(a));

	/* Padding and the bytes past the address do not count. */
	memset((char *)&b + sizeof(struct sockaddr_in), 0x5a, sizeof(b) - sizeof(struct sockaddr_in));
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT, SA(b)) == h);
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT, SA(port)) != h);
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT, SA(ip)) != h);
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT, SA(v6)) != h);
	/* It mixes into the hash it is given. */
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT + 1, SA(a)) != h);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	CHECK(sc_net_addr_hash(SC_STR_HASH_INIT, (struct sockaddr *)&un) != h);
	/* Numbers hash as their eight bytes, lowest first. */
	CHECK(sc_str_hash_u64(SC_STR_HASH_INIT, 0x0102030405060708ULL) ==
	      sc_str_hash(SC_STR_HASH_INIT, SC_STR_LIT("\x08\x07\x06\x05\x04\x03\x02\x01")));
}

/* lan.advertise as the host:port of our LAN Via and Record-Route: a port
 * given is kept, an IPv6 address gets its brackets, and nothing else is
 * mistaken for IPv6 (a "192.168.1.1:5070" once became
 * "[192.168.1.1:5070]:5060"). */
static void hostport_is(const char *in, const char *want)
{
	char out[64];
	int n = sc_net_hostport(in, 5060, out, sizeof(out));

	CHECK_EQ_INT(n, (int)strlen(want));
	CHECK_STR(sc_str_cstr(out), want);
}

static void test_hostport(void)
{
	char small[8];

	hostport_is("192.168.1.1", "192.168.1.1:5060");
	hostport_is("192.168.1.1:5070", "192.168.1.1:5070");
	hostport_is("pbx.example.net", "pbx.example.net:5060");
	hostport_is("pbx.example.net:5070", "pbx.example.net:5070");
	hostport_is("2001:db8::1", "[2001:db8::1]:5060");
	hostport_is("[2001:db8::1]", "[2001:db8::1]:5060");
	hostport_is("[2001:db8::1]:5070", "[2001:db8::1]:5070");
	CHECK_EQ_INT(sc_net_hostport("192.168.1.1", 5060, small, sizeof(small)), -ENOSPC);
}

static void test_ip_parse(void)
{
	unsigned char ip[16];

	CHECK_EQ_INT(sc_net_ip_parse("192.0.2.7", ip), 4);
	CHECK(ip[0] == 192 && ip[3] == 7);
	CHECK_EQ_INT(sc_net_ip_parse("2001:db8::7", ip), 16);
	CHECK(ip[0] == 0x20 && ip[1] == 0x01 && ip[15] == 7);
	CHECK_EQ_INT(sc_net_ip_parse("[::1]", ip), 16);
	CHECK(ip[15] == 1);
	CHECK_EQ_INT(sc_net_ip_parse("sip.example.test", ip), 0);
	CHECK_EQ_INT(sc_net_ip_parse("192.0.2", ip), 0);
	CHECK_EQ_INT(sc_net_ip_parse("[192.0.2.7]", ip), 0);
	CHECK_EQ_INT(sc_net_ip_parse("[sip]", ip), 0);
	CHECK_EQ_INT(sc_net_ip_parse("", ip), 0);
	CHECK_EQ_INT(sc_net_ip_parse(NULL, ip), 0);
	/* sc_net_is_ip takes no brackets. */
	CHECK(sc_net_is_ip("192.0.2.7"));
	CHECK(sc_net_is_ip("::1"));
	CHECK(!sc_net_is_ip("[::1]"));
	CHECK(!sc_net_is_ip("sip.example.test"));
}

int main(void)
{
	RUN(test_text);
	RUN(test_no_space);
	RUN(test_other_family);
	RUN(test_eq);
	RUN(test_any);
	RUN(test_hostport);
	RUN(test_len_port_copy);
	RUN(test_hash);
	RUN(test_ip_parse);
	return check_done("net_addr");
}
