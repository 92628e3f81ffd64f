/* Configuration loader: value syntax, address matching, and loading YAML
 * from memory with SC_CONF_NO_FILES (test_cert.c and tests/config/run.sh
 * cover the file checks). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../sidecar/conf/conf.h"
#include "../../sidecar/base/str.h"
#include "check.h"

/* ---- helpers ---- */

static struct sc_diags dg;

/* Loads yaml (NO_FILES) into *c; returns the loader's result.  Diagnostics
 * stay in dg until the next call. */
static int load(const char *yaml, struct sc_conf **c)
{
	sc_diags_free(&dg);
	return sc_conf_load_buf("t.yaml", yaml, strlen(yaml), SC_CONF_NO_FILES, c, &dg);
}

/* Loads yaml expecting failure, and frees nothing else. */
static int load_bad(const char *yaml)
{
	struct sc_conf *c = (struct sc_conf *)1;
	int rc = load(yaml, &c);

	CHECK(c == NULL || rc == 0);
	if (rc == 0)
		sc_conf_free(c);
	return rc;
}

/* Is there a diagnostic at line:col (col 0: any) of that severity whose
 * message contains text? */
static bool has(int line, int col, bool warning, const char *text)
{
	size_t i;

	for (i = 0; i < dg.n; i++)
		if (dg.d[i].line == line && (col == 0 || dg.d[i].col == col) &&
		    dg.d[i].warning == warning && strstr(dg.d[i].msg, text))
			return true;
	fprintf(stderr, "  no %s at %d:%d containing \"%s\"; have:\n", warning ? "warning" : "error",
		line, col, text);
	for (i = 0; i < dg.n; i++)
		fprintf(stderr, "    %d:%d %s: %s\n", dg.d[i].line, dg.d[i].col,
			dg.d[i].warning ? "warning" : "error", dg.d[i].msg);
	return false;
}

#define HAS_ERR(l, c, t) CHECK(has((l), (c), false, (t)))
#define HAS_WARN(l, c, t) CHECK(has((l), (c), true, (t)))

static const char *exact(const char *msg, int line, int col)
{
	size_t i;

	for (i = 0; i < dg.n; i++)
		if (dg.d[i].line == line && dg.d[i].col == col && !strcmp(dg.d[i].msg, msg))
			return dg.d[i].msg;
	return NULL;
}

static struct sockaddr_storage sa(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&ss, 0, sizeof(ss));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, ip, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&ss, &sin, sizeof(sin));
	} else if (inet_pton(AF_INET6, ip, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&ss, &sin6, sizeof(sin6));
	} else {
		fprintf(stderr, "bad test address %s\n", ip);
		abort();
	}
	return ss;
}

static bool m_ok(const char *match, const char *ip, uint16_t port)
{
	struct sc_net_match m;
	struct sockaddr_storage ss = sa(ip, port);

	if (sc_net_match_parse(match, &m, NULL) != 0) {
		fprintf(stderr, "  match %s does not parse\n", match);
		return false;
	}
	return sc_net_match_addr(&m, (const struct sockaddr *)&ss);
}

static bool addr_is(const struct sc_net_addr *a, const char *ip, uint16_t port)
{
	struct sockaddr_storage want = sa(ip, port);
	socklen_t len = want.ss_family == AF_INET ? sizeof(struct sockaddr_in)
						  : sizeof(struct sockaddr_in6);

	return a->len == len && !memcmp(&a->ss, &want, len);
}

/* ---- value syntax ---- */

static void test_duration(void)
{
	static const char *const bad[] = { "", "s", "-5", "+5", " 5", "5 ", "5 s", "5d", "5ms",
					   "5S", "0x10", "1.5m", "4294967296", "71582789m",
					   "1193047h", "99999999999999999999", "5s5" };
	unsigned v = 7;
	size_t i;

	CHECK_EQ_INT(sc_conf_parse_duration("30s", &v), 0);
	CHECK_EQ_INT(v, 30);
	CHECK_EQ_INT(sc_conf_parse_duration("5m", &v), 0);
	CHECK_EQ_INT(v, 300);
	CHECK_EQ_INT(sc_conf_parse_duration("1h", &v), 0);
	CHECK_EQ_INT(v, 3600);
	CHECK_EQ_INT(sc_conf_parse_duration("45", &v), 0);
	CHECK_EQ_INT(v, 45);
	CHECK_EQ_INT(sc_conf_parse_duration("0", &v), 0);
	CHECK_EQ_INT(v, 0);
	CHECK_EQ_INT(sc_conf_parse_duration("0s", &v), 0);
	CHECK_EQ_INT(v, 0);
	CHECK_EQ_INT(sc_conf_parse_duration("4294967295", &v), 0);
	CHECK_EQ_INT(v, 4294967295u);
	CHECK_EQ_INT(sc_conf_parse_duration("1193046h", &v), 0);
	CHECK_EQ_INT(v, 1193046u * 3600u);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		if (sc_conf_parse_duration(bad[i], &v) != -EINVAL || v != 7)
			fprintf(stderr, "  duration '%s' was accepted\n", bad[i]);
		CHECK_EQ_INT(sc_conf_parse_duration(bad[i], &v), -EINVAL);
		CHECK_EQ_INT(v, 7);
	}
	CHECK_EQ_INT(sc_conf_parse_duration(NULL, &v), -EINVAL);
}

static void test_addr(void)
{
	static const char *const bad[] = { "", ":5060", "192.0.2.1:0", "192.0.2.1:65536",
					   "192.0.2.1:", "192.0.2.256", "192.0.2", "[192.0.2.1]:5060",
					   "host.example:5060", "[2001:db8::1", "[2001:db8::1]x",
					   "[2001:db8::1]:", "192.0.2.1:50x", "192.0.2.1:-1",
					   "fe80::1%eth0", "[fe80::1%eth0]:5060", "192.0.2.1:123456" };
	struct sc_net_addr a;
	size_t i;

	CHECK_EQ_INT(sc_net_addr_parse("192.0.2.1:5080", 5060, &a), 0);
	CHECK(addr_is(&a, "192.0.2.1", 5080));
	CHECK_EQ_INT(sc_net_addr_parse("192.0.2.1", 5060, &a), 0);
	CHECK(addr_is(&a, "192.0.2.1", 5060));
	CHECK_EQ_INT(sc_net_addr_parse("192.0.2.1:65535", 0, &a), 0);
	CHECK(addr_is(&a, "192.0.2.1", 65535));
	CHECK_EQ_INT(sc_net_addr_parse("192.0.2.1:1", 0, &a), 0);
	CHECK(addr_is(&a, "192.0.2.1", 1));
	CHECK_EQ_INT(sc_net_addr_parse("[2001:db8::1]:5061", 5060, &a), 0);
	CHECK(addr_is(&a, "2001:db8::1", 5061));
	CHECK_EQ_INT(sc_net_addr_parse("2001:db8::1", 5060, &a), 0);
	CHECK(addr_is(&a, "2001:db8::1", 5060));
	CHECK_EQ_INT(sc_net_addr_parse("[::]", 5061, &a), 0);
	CHECK(addr_is(&a, "::", 5061));
	CHECK_EQ_INT(sc_net_addr_parse("::ffff:192.0.2.1", 5060, &a), 0);
	CHECK(addr_is(&a, "::ffff:192.0.2.1", 5060));
	/* default_port 0 makes the port mandatory */
	CHECK_EQ_INT(sc_net_addr_parse("192.0.2.1", 0, &a), -EINVAL);
	CHECK_EQ_INT(sc_net_addr_parse("2001:db8::1", 0, &a), -EINVAL);
	CHECK_EQ_INT(sc_net_addr_parse(NULL, 5060, &a), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sc_net_addr_parse(bad[i], 5060, &a) != -EINVAL)
			fprintf(stderr, "  address '%s' was accepted\n", bad[i]);
		CHECK_EQ_INT(sc_net_addr_parse(bad[i], 5060, &a), -EINVAL);
	}
}

static void test_match_parse(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const char *const bad[] = { "", "abc", "10.0.0.0/", "/8", "10.0.0.0/33",
					   "10.0.0.0/1234", "10.0.0.0/8:5060", "10.0.0.0/-1",
					   "10.0.0.0/a", "2001:db8::/129", "[2001:db8::]/32",
					   "192.0.2.1:0", "[192.0.2.1]", "10.0.0.0/8/8" };
	struct sc_net_match m;
	size_t i;

	CHECK_EQ_INT(sc_net_match_parse("192.168.1.20", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET);
	CHECK_EQ_INT(m.prefix, 32);
	CHECK_EQ_INT(m.port, 0);
	CHECK(!memcmp(m.addr, "\xc0\xa8\x01\x14", 4));
	CHECK_EQ_INT(sc_net_match_parse("192.168.1.5:5060", &m, NULL), 0);
	CHECK_EQ_INT(m.prefix, 32);
	CHECK_EQ_INT(m.port, 5060);
	CHECK_EQ_INT(sc_net_match_parse("10.0.0.0/8", &m, NULL), 0);
	CHECK_EQ_INT(m.prefix, 8);
	CHECK(!memcmp(m.addr, "\x0a\x00\x00\x00", 4));
	/* Host bits are accepted and cleared (the loader warns). */
	CHECK_EQ_INT(sc_net_match_parse("10.1.2.3/8", &m, NULL), 0);
	CHECK(!memcmp(m.addr, "\x0a\x00\x00\x00", 4));
	CHECK_EQ_INT(sc_net_match_parse("10.1.2.255/25", &m, NULL), 0);
	CHECK(!memcmp(m.addr, "\x0a\x01\x02\x80", 4));
	CHECK_EQ_INT(sc_net_match_parse("0.0.0.0/0", &m, NULL), 0);
	CHECK_EQ_INT(m.prefix, 0);
	CHECK_EQ_INT(sc_net_match_parse("2001:db8::/32", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET6);
	CHECK_EQ_INT(m.prefix, 32);
	CHECK(!memcmp(m.addr, v6, 16));
	CHECK_EQ_INT(sc_net_match_parse("2001:db8:ffff::1/32", &m, NULL), 0);
	CHECK(!memcmp(m.addr, v6, 16));
	CHECK_EQ_INT(sc_net_match_parse("[2001:db8::5]:5060", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET6);
	CHECK_EQ_INT(m.prefix, 128);
	CHECK_EQ_INT(m.port, 5060);
	CHECK_EQ_INT(sc_net_match_parse("2001:db8::5", &m, NULL), 0);
	CHECK_EQ_INT(m.port, 0);
	CHECK_EQ_INT(sc_net_match_parse("::/0", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET6);
	CHECK_EQ_INT(m.prefix, 0);
	/* A v4-mapped match is stored as the IPv4 match it means. */
	CHECK_EQ_INT(sc_net_match_parse("::ffff:192.0.2.7", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET);
	CHECK_EQ_INT(m.prefix, 32);
	CHECK(!memcmp(m.addr, "\xc0\x00\x02\x07", 4));
	CHECK_EQ_INT(sc_net_match_parse("::ffff:10.0.0.0/104", &m, NULL), 0);
	CHECK_EQ_INT(m.family, AF_INET);
	CHECK_EQ_INT(m.prefix, 8);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sc_net_match_parse(bad[i], &m, NULL) != -EINVAL)
			fprintf(stderr, "  match '%s' was accepted\n", bad[i]);
		CHECK_EQ_INT(sc_net_match_parse(bad[i], &m, NULL), -EINVAL);
	}
	CHECK_EQ_INT(sc_net_match_parse(NULL, &m, NULL), -EINVAL);
}

static void test_match_addr(void)
{
	struct sc_net_match m;
	struct sockaddr sa_unix;

	/* exact address, any port */
	CHECK(m_ok("192.168.1.20", "192.168.1.20", 5060));
	CHECK(m_ok("192.168.1.20", "192.168.1.20", 40000));
	CHECK(!m_ok("192.168.1.20", "192.168.1.21", 5060));
	/* with a port */
	CHECK(m_ok("192.168.1.5:5060", "192.168.1.5", 5060));
	CHECK(!m_ok("192.168.1.5:5060", "192.168.1.5", 5062));
	CHECK(m_ok("[2001:db8::5]:5060", "2001:db8::5", 5060));
	CHECK(!m_ok("[2001:db8::5]:5060", "2001:db8::5", 5061));
	/* CIDR edges */
	CHECK(m_ok("192.168.1.0/24", "192.168.1.0", 1));
	CHECK(m_ok("192.168.1.0/24", "192.168.1.255", 1));
	CHECK(!m_ok("192.168.1.0/24", "192.168.2.0", 1));
	CHECK(!m_ok("192.168.1.0/24", "192.168.0.255", 1));
	CHECK(m_ok("10.0.0.0/25", "10.0.0.127", 1));
	CHECK(!m_ok("10.0.0.0/25", "10.0.0.128", 1));
	CHECK(m_ok("10.0.0.2/31", "10.0.0.3", 1));
	CHECK(!m_ok("10.0.0.2/31", "10.0.0.4", 1));
	CHECK(m_ok("0.0.0.0/0", "255.255.255.255", 1));
	CHECK(m_ok("0.0.0.0/0", "0.0.0.0", 1));
	CHECK(!m_ok("0.0.0.0/0", "2001:db8::1", 1));
	CHECK(m_ok("192.0.2.9/32", "192.0.2.9", 1));
	CHECK(!m_ok("192.0.2.9/32", "192.0.2.8", 1));
	CHECK(m_ok("2001:db8::/32", "2001:db8::", 1));
	CHECK(m_ok("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1));
	CHECK(!m_ok("2001:db8::/32", "2001:db9::", 1));
	CHECK(!m_ok("2001:db8::/32", "2001:db7:ffff::", 1));
	CHECK(m_ok("2001:db8::1/128", "2001:db8::1", 1));
	CHECK(!m_ok("2001:db8::1/128", "2001:db8::2", 1));
	CHECK(m_ok("2001:db8::/33", "2001:db8:7fff::", 1));
	CHECK(!m_ok("2001:db8::/33", "2001:db8:8000::", 1));
	CHECK(m_ok("::/0", "2001:db8::1", 1));
	/* IPv4 clients on a dual-stack socket arrive v4-mapped */
	CHECK(m_ok("192.168.1.20", "::ffff:192.168.1.20", 5060));
	CHECK(m_ok("192.168.1.0/24", "::ffff:192.168.1.77", 5060));
	CHECK(!m_ok("192.168.1.0/24", "::ffff:192.168.2.77", 5060));
	CHECK(m_ok("192.168.1.5:5060", "::ffff:192.168.1.5", 5060));
	CHECK(!m_ok("192.168.1.5:5060", "::ffff:192.168.1.5", 5070));
	CHECK(!m_ok("::/0", "::ffff:192.168.1.5", 5060));
	CHECK(m_ok("::ffff:192.168.1.5", "192.168.1.5", 5060));
	/* families never mix otherwise */
	CHECK(!m_ok("192.168.1.20", "2001:db8::1", 5060));
	CHECK(!m_ok("2001:db8::/32", "192.168.1.20", 5060));
	CHECK_EQ_INT(sc_net_match_parse("10.0.0.0/8", &m, NULL), 0);
	CHECK(!sc_net_match_addr(&m, NULL));
	CHECK(!sc_net_match_addr(NULL, (const struct sockaddr *)&m));
	memset(&sa_unix, 0, sizeof(sa_unix));
	sa_unix.sa_family = AF_UNIX;
	CHECK(!sc_net_match_addr(&m, &sa_unix));
}

/* ---- loading ---- */

/* Every key of SPEC §3, plus user and snom_url.  Line numbers matter below. */
static const char full_yaml[] =
	"log:\n"                                                     /* 1 */
	"  level: debug\n"                                           /* 2 */
	"  target: syslog\n"                                         /* 3 */
	"user: sipsidecar\n"                                         /* 4 */
	"lan:\n"                                                     /* 5 */
	"  listen: [ \"udp:0.0.0.0:5060\", \"tcp:[::]:5070\", UDP:192.168.1.1 ]\n" /* 6 */
	"  advertise: 192.168.1.1\n"                                 /* 7 */
	"  allow: [ 192.168.1.0/24, \"2001:db8::/32\" ]\n"           /* 8 */
	"wan:\n"                                                     /* 9 */
	"  listen: [ \"tls:0.0.0.0:5061\", \"tls:[2001:db8::1]\" ]\n" /* 10 */
	"  advertise: sip-edge.example.net\n"                        /* 11 */
	"  certificate: /etc/sipsidecar/server.pem\n"                /* 12 */
	"  private_key: /etc/sipsidecar/server.key\n"                /* 13 */
	"  ca_file: /etc/ssl/certs/ca-certificates.crt\n"            /* 14 */
	"  verify_client: true\n"                                    /* 15 */
	"  require_client_certificate: false\n"                      /* 16 */
	"  server_names:\n"                                          /* 17 */
	"    - name: sip.other.example\n"                            /* 18 */
	"      certificate: /etc/sipsidecar/other.pem\n"             /* 19 */
	"      private_key: /etc/sipsidecar/other.key\n"             /* 20 */
	"upstreams:\n"                                               /* 21 */
	"  provider:\n"                                              /* 22 */
	"    uri: sips:sip.provider.example\n"                       /* 23 */
	"    server_name: sip.provider.example\n"                    /* 24 */
	"    ca_file: /etc/ssl/certs/ca-certificates.crt\n"          /* 25 */
	"    verify: yes\n"                                          /* 26 */
	"    certificate: /etc/sipsidecar/client.pem\n"              /* 27 */
	"    private_key: /etc/sipsidecar/client.key\n"              /* 28 */
	"    min_version: 1.3\n"                                     /* 29 */
	"    ciphers: \"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256\"\n" /* 30 */
	"    connection: shared\n"                                   /* 31 */
	"    keepalive: 5m\n"                                        /* 32 */
	"    handshake_timeout: \"7\"\n"                             /* 33 */
	"    trusted: On\n"                                          /* 34 */
	"  backup:\n"                                                /* 35 */
	"    uri: \"[2001:db8::10]:5062\"\n"                         /* 36 */
	"    server_name: backup.provider.example\n"                 /* 37 */
	"devices:\n"                                                 /* 38 */
	"  - name: kitchen-ata\n"                                    /* 39 */
	"    match: 192.168.1.20\n"                                  /* 40 */
	"    upstream: provider\n"                                   /* 41 */
	"    alert_info: cisco-ata\n"                                /* 42 */
	"  - name: office-pbx\n"                                     /* 43 */
	"    match: 192.168.1.5:5060\n"                              /* 44 */
	"    upstream: backup\n"                                     /* 45 */
	"    address: 192.168.1.5:5060\n"                            /* 46 */
	"    alert_info: \"<http://192.168.1.1/trusted.wav>\"\n"     /* 47 */
	"  - name: desk\n"                                           /* 48 */
	"    match: \"[2001:db8::7]:5060\"\n"                        /* 49 */
	"    upstream: provider\n"                                   /* 50 */
	"    alert_info: snom\n"                                     /* 51 */
	"    snom_url: http://192.168.1.1/ring.wav\n"                /* 52 */
	"status:\n"                                                  /* 53 */
	"  listen: 127.0.0.1:8061\n";                                /* 54 */

static void test_full(void)
{
	struct sc_conf *c = NULL;
	struct sc_conf_upstream *u;
	struct sc_conf_device *d;

	CHECK_EQ_INT(load(full_yaml, &c), 0);
	CHECK_EQ_INT(dg.nerrors, 0);
	CHECK_EQ_INT(dg.nwarnings, 0);
	if (!c)
		return;
	CHECK(!strcmp(c->path, "t.yaml"));
	CHECK_EQ_INT(c->log_level, SC_LOG_DEBUG);
	CHECK_EQ_INT(c->log_target, SC_LOG_SYSLOG);
	CHECK(c->user && !strcmp(c->user, "sipsidecar"));

	CHECK_EQ_INT(c->lan.nlisten, 3);
	if (c->lan.nlisten == 3) {
		CHECK_EQ_INT(c->lan.listen[0].transport, SC_TP_UDP);
		CHECK(addr_is(&c->lan.listen[0].addr, "0.0.0.0", 5060));
		CHECK_EQ_INT(c->lan.listen[0].pos.line, 6);
		CHECK_EQ_INT(c->lan.listen[0].pos.col, 13);
		CHECK_EQ_INT(c->lan.listen[1].transport, SC_TP_TCP);
		CHECK(addr_is(&c->lan.listen[1].addr, "::", 5070));
		CHECK_EQ_INT(c->lan.listen[2].transport, SC_TP_UDP);
		CHECK(addr_is(&c->lan.listen[2].addr, "192.168.1.1", 5060));
	}
	CHECK(c->lan.advertise && !strcmp(c->lan.advertise, "192.168.1.1"));
	CHECK_EQ_INT(c->lan.nallow, 2);
	if (c->lan.nallow == 2) {
		CHECK_EQ_INT(c->lan.allow[0].family, AF_INET);
		CHECK_EQ_INT(c->lan.allow[0].prefix, 24);
		CHECK_EQ_INT(c->lan.allow[1].family, AF_INET6);
		CHECK_EQ_INT(c->lan.allow[1].prefix, 32);
	}

	CHECK(c->wan.enabled);
	CHECK_EQ_INT(c->wan.nlisten, 2);
	if (c->wan.nlisten == 2) {
		CHECK_EQ_INT(c->wan.listen[0].transport, SC_TP_TLS);
		CHECK(addr_is(&c->wan.listen[0].addr, "0.0.0.0", 5061));
		CHECK(addr_is(&c->wan.listen[1].addr, "2001:db8::1", 5061));
	}
	CHECK(c->wan.advertise && !strcmp(c->wan.advertise, "sip-edge.example.net"));
	CHECK(c->wan.certificate && !strcmp(c->wan.certificate, "/etc/sipsidecar/server.pem"));
	CHECK(c->wan.private_key && !strcmp(c->wan.private_key, "/etc/sipsidecar/server.key"));
	CHECK(c->wan.ca_file && !strcmp(c->wan.ca_file, "/etc/ssl/certs/ca-certificates.crt"));
	CHECK(c->wan.verify_client);
	CHECK(!c->wan.require_client_certificate);
	CHECK_EQ_INT(c->wan.nserver_names, 1);
	if (c->wan.nserver_names == 1) {
		CHECK(!strcmp(c->wan.server_names[0].name, "sip.other.example"));
		CHECK(!strcmp(c->wan.server_names[0].certificate, "/etc/sipsidecar/other.pem"));
		CHECK(!strcmp(c->wan.server_names[0].private_key, "/etc/sipsidecar/other.key"));
		CHECK_EQ_INT(c->wan.server_names[0].pos.line, 18);
		CHECK_EQ_INT(c->wan.server_names[0].pos.col, 7);
	}

	CHECK_EQ_INT(c->nupstreams, 2);
	if (c->nupstreams == 2) {
		u = &c->upstreams[0];
		CHECK(!strcmp(u->name, "provider"));
		CHECK(!strcmp(u->uri, "sips:sip.provider.example"));
		CHECK(!strcmp(u->host, "sip.provider.example"));
		CHECK_EQ_INT(u->port, 0);
		CHECK(!strcmp(u->server_name, "sip.provider.example"));
		CHECK(!strcmp(u->ca_file, "/etc/ssl/certs/ca-certificates.crt"));
		CHECK(u->verify);
		CHECK(!strcmp(u->certificate, "/etc/sipsidecar/client.pem"));
		CHECK(!strcmp(u->private_key, "/etc/sipsidecar/client.key"));
		CHECK_EQ_INT(u->min_version, 13);
		CHECK(u->ciphers &&
		      !strcmp(u->ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"));
		CHECK_EQ_INT(u->connection, SC_CONN_SHARED);
		CHECK_EQ_INT(u->keepalive, 300);
		CHECK_EQ_INT(u->handshake_timeout, 7);
		CHECK(u->trusted);
		CHECK_EQ_INT(u->pos.line, 22);
		CHECK_EQ_INT(u->pos.col, 3);

		u = &c->upstreams[1];
		CHECK(!strcmp(u->name, "backup"));
		CHECK(!strcmp(u->host, "2001:db8::10"));
		CHECK_EQ_INT(u->port, 5062);
		CHECK(!strcmp(u->server_name, "backup.provider.example"));
		CHECK(!strcmp(u->ca_file, SC_CONF_DEFAULT_CA));
		CHECK(u->verify);
		CHECK(!u->certificate && !u->private_key && !u->ciphers);
		CHECK_EQ_INT(u->min_version, 12);
		CHECK_EQ_INT(u->connection, SC_CONN_PER_DEVICE);
		CHECK_EQ_INT(u->keepalive, 30);
		CHECK_EQ_INT(u->handshake_timeout, 10);
		CHECK(!u->trusted);
	}

	CHECK_EQ_INT(c->ndevices, 3);
	if (c->ndevices == 3) {
		d = &c->devices[0];
		CHECK(!strcmp(d->name, "kitchen-ata"));
		CHECK_EQ_INT(d->match.family, AF_INET);
		CHECK_EQ_INT(d->match.prefix, 32);
		CHECK(!strcmp(d->upstream_name, "provider"));
		CHECK(!strcmp(d->alert_info, "Bellcore-dr4"));
		CHECK(!d->has_address);
		CHECK_EQ_INT(d->pos.line, 39);
		CHECK_EQ_INT(d->pos.col, 5);

		d = &c->devices[1];
		CHECK(!strcmp(d->name, "office-pbx"));
		CHECK_EQ_INT(d->match.port, 5060);
		CHECK(!strcmp(d->upstream_name, "backup"));
		CHECK(d->has_address);
		CHECK(addr_is(&d->address, "192.168.1.5", 5060));
		CHECK(!strcmp(d->alert_info, "<http://192.168.1.1/trusted.wav>"));

		d = &c->devices[2];
		CHECK_EQ_INT(d->match.family, AF_INET6);
		CHECK_EQ_INT(d->match.port, 5060);
		CHECK(!strcmp(d->alert_info, "<http://192.168.1.1/ring.wav>"));
		CHECK(!strcmp(d->snom_url, "http://192.168.1.1/ring.wav"));
	}
	CHECK(c->status.enabled);
	sc_conf_free(c);
}

static void test_defaults(void)
{
	struct sc_conf *c = NULL;

	CHECK_EQ_INT(load("upstreams:\n"
			  "  p:\n"
			  "    uri: sip.example:5061\n"
			  "devices:\n"
			  "  - {name: a, match: 10.0.0.1, upstream: p}\n",
			  &c),
		     0);
	CHECK_EQ_INT(dg.n, 0);
	if (!c)
		return;
	CHECK_EQ_INT(c->log_level, SC_LOG_INFO);
	CHECK_EQ_INT(c->log_target, SC_LOG_STDERR);
	CHECK(c->user == NULL);
	CHECK_EQ_INT(c->lan.nlisten, 1);
	if (c->lan.nlisten == 1) {
		CHECK_EQ_INT(c->lan.listen[0].transport, SC_TP_UDP);
		CHECK(addr_is(&c->lan.listen[0].addr, "0.0.0.0", 5060));
	}
	CHECK(c->lan.advertise == NULL);
	CHECK_EQ_INT(c->lan.nallow, 0);
	CHECK(!c->wan.enabled);
	CHECK_EQ_INT(c->wan.nlisten, 0);
	CHECK(!c->status.enabled);
	CHECK_EQ_INT(c->nupstreams, 1);
	if (c->nupstreams == 1) {
		struct sc_conf_upstream *u = &c->upstreams[0];

		CHECK(!strcmp(u->host, "sip.example"));
		CHECK_EQ_INT(u->port, 5061);
		CHECK(!strcmp(u->server_name, "sip.example"));
		CHECK(!strcmp(u->ca_file, SC_CONF_DEFAULT_CA));
		CHECK(u->verify);
		CHECK(!u->trusted);
		CHECK_EQ_INT(u->min_version, 12);
		CHECK_EQ_INT(u->connection, SC_CONN_PER_DEVICE);
		CHECK_EQ_INT(u->keepalive, 30);
		CHECK_EQ_INT(u->handshake_timeout, 10);
		CHECK_EQ_INT(u->reregister_max, 120);
	}
	CHECK_EQ_INT(c->ndevices, 1);
	if (c->ndevices == 1)
		CHECK(c->devices[0].alert_info == NULL);
	sc_conf_free(c);

	/* verify off: no default CA; keepalive 0 disables */
	CHECK_EQ_INT(load("upstreams:\n"
			  "  p:\n"
			  "    uri: sips:sip.example\n"
			  "    verify: false\n"
			  "    keepalive: 0\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	if (c) {
		CHECK(c->upstreams[0].ca_file == NULL);
		CHECK(!c->upstreams[0].verify);
		CHECK_EQ_INT(c->upstreams[0].keepalive, 0);
	}
	HAS_WARN(4, 13, "verify is off for upstream 'p'");
	sc_conf_free(c);

	/* reregister_max (B7): a duration; 0 would remove registrations */
	CHECK_EQ_INT(load("upstreams:\n"
			  "  p:\n"
			  "    uri: sips:sip.example\n"
			  "    reregister_max: 5m\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	if (c)
		CHECK_EQ_INT(c->upstreams[0].reregister_max, 300);
	sc_conf_free(c);
	CHECK(load("upstreams:\n"
		   "  p:\n"
		   "    uri: sips:sip.example\n"
		   "    reregister_max: 0\n"
		   "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
		   &c) != 0);
	HAS_ERR(4, 21, "reregister_max must be more than 0");
	sc_conf_free(c);

	/* accept_from (B15): a list of matches; none by default (the uri's
	 * addresses then, relay/attrib.c); a bad entry at its position */
	CHECK_EQ_INT(load("upstreams:\n"
			  "  p:\n"
			  "    uri: sips:sip.example\n"
			  "    accept_from: [ 203.0.113.0/24, \"[2001:db8::5]\" ]\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	if (c) {
		CHECK_EQ_INT((int)c->upstreams[0].naccept_from, 2);
		CHECK_EQ_INT(c->upstreams[0].accept_from[0].prefix, 24);
		CHECK_EQ_INT(c->upstreams[0].accept_from[1].family, AF_INET6);
	}
	sc_conf_free(c);
	CHECK(load("upstreams:\n"
		   "  p:\n"
		   "    uri: sips:sip.example\n"
		   "    accept_from: [ 203.0.113.0/24, provider.example ]\n"
		   "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
		   &c) != 0);
	HAS_ERR(4, 36, "accept_from entry 'provider.example' is not an address");
	sc_conf_free(c);

	/* wan: verify_client defaults the CA bundle too */
	CHECK_EQ_INT(load("wan:\n"
			  "  listen: [ \"tls:0.0.0.0\" ]\n"
			  "  certificate: /c.pem\n"
			  "  private_key: /c.key\n"
			  "  verify_client: true\n"
			  "upstreams: {p: {uri: \"sips:x.example\"}}\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	if (c) {
		CHECK(c->wan.enabled);
		CHECK(c->wan.ca_file && !strcmp(c->wan.ca_file, SC_CONF_DEFAULT_CA));
		CHECK(!c->wan.require_client_certificate);
	}
	sc_conf_free(c);
}

static const char *alert(const char *value, const char *extra)
{
	static char out[128];
	char yaml[512];
	struct sc_conf *c = NULL;

	snprintf(yaml, sizeof(yaml),
		 "upstreams: {p: {uri: \"sips:x.example\"}}\n"
		 "devices:\n"
		 "  - name: a\n"
		 "    match: 10.0.0.1\n"
		 "    upstream: p\n"
		 "    alert_info: %s\n%s",
		 value, extra);
	if (load(yaml, &c) != 0 || !c || !c->devices[0].alert_info) {
		sc_conf_free(c);
		return NULL;
	}
	snprintf(out, sizeof(out), "%s", c->devices[0].alert_info);
	sc_conf_free(c);
	return out;
}

/* Every default of SPEC §3 comes from its key's table entry (schema.c):
 * present in a file that names nothing, kept by a section that is there but
 * does not set the key, replaced (not added to) by a value, and left in
 * place by a wrong value, so that the checks between keys see the default
 * rather than zero. */
static void test_defaults_in_table(void)
{
	struct sc_conf *c = NULL;

	CHECK_EQ_INT(SC_CONF_HANDSHAKE_DEFAULT, 10);
	CHECK_EQ_INT(load("upstreams: { p: { uri: sip.example } }\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	CHECK_EQ_INT(dg.n, 0);
	if (!c)
		return;
	CHECK_EQ_INT(c->log_level, SC_LOG_INFO);
	CHECK_EQ_INT(c->log_target, SC_LOG_STDERR);
	CHECK_EQ_INT(c->lan.nlisten, 1);
	if (c->lan.nlisten == 1) {
		CHECK_EQ_INT(c->lan.listen[0].transport, SC_TP_UDP);
		CHECK(addr_is(&c->lan.listen[0].addr, "0.0.0.0", 5060));
		/* A default was not written anywhere in the file. */
		CHECK_EQ_INT(c->lan.listen[0].pos.line, 0);
		CHECK_EQ_INT(c->lan.listen[0].pos.col, 0);
	}
	CHECK(!c->wan.verify_client);
	CHECK(!c->wan.require_client_certificate);
	CHECK(c->wan.ca_file == NULL);
	CHECK_EQ_INT(c->wan.handshake_timeout, SC_CONF_HANDSHAKE_DEFAULT);
	if (c->nupstreams == 1) {
		struct sc_conf_upstream *u = &c->upstreams[0];

		CHECK(u->verify);
		CHECK_EQ_INT(u->min_version, 12);
		CHECK_EQ_INT(u->connection, SC_CONN_PER_DEVICE);
		CHECK_EQ_INT(u->keepalive, 30);
		CHECK_EQ_INT(u->handshake_timeout, SC_CONF_HANDSHAKE_DEFAULT);
		CHECK(!u->trusted);
		CHECK(u->ciphers == NULL && u->certificate == NULL);
	}
	sc_conf_free(c);

	/* Sections that are there but silent on a key keep its default; each
	 * upstream starts from the defaults, whatever the one before set. */
	CHECK_EQ_INT(load("log: { target: syslog }\n"
			  "lan: { advertise: 192.168.1.1 }\n"
			  "wan: { verify_client: true }\n"
			  "upstreams:\n"
			  "  p: { uri: a.example, keepalive: 5m, verify: no, min_version: \"1.3\" }\n"
			  "  q: { uri: b.example }\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: q} ]\n",
			  &c),
		     0);
	if (!c)
		return;
	CHECK_EQ_INT(c->log_level, SC_LOG_INFO);
	CHECK_EQ_INT(c->log_target, SC_LOG_SYSLOG);
	CHECK_EQ_INT(c->lan.nlisten, 1);
	CHECK(c->wan.enabled && c->wan.verify_client && !c->wan.require_client_certificate);
	CHECK(c->wan.ca_file && !strcmp(c->wan.ca_file, SC_CONF_DEFAULT_CA));
	CHECK_EQ_INT(c->wan.handshake_timeout, SC_CONF_HANDSHAKE_DEFAULT);
	CHECK_EQ_INT(c->nupstreams, 2);
	if (c->nupstreams == 2) {
		CHECK_EQ_INT(c->upstreams[0].keepalive, 300);
		CHECK(!c->upstreams[0].verify);
		CHECK(c->upstreams[0].ca_file == NULL);
		CHECK_EQ_INT(c->upstreams[0].min_version, 13);
		CHECK_EQ_INT(c->upstreams[1].keepalive, 30);
		CHECK(c->upstreams[1].verify);
		CHECK_EQ_INT(c->upstreams[1].min_version, 12);
	}
	sc_conf_free(c);

	/* The file's list replaces the default one (ASan sees a leak if the
	 * default is dropped instead of freed). */
	CHECK_EQ_INT(load("lan: { listen: [ \"tcp:127.0.0.1:5070\", \"udp:127.0.0.1:5070\" ] }\n"
			  "upstreams: { p: { uri: sip.example } }\n"
			  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			  &c),
		     0);
	if (!c)
		return;
	CHECK_EQ_INT(c->lan.nlisten, 2);
	if (c->lan.nlisten == 2) {
		CHECK_EQ_INT(c->lan.listen[0].transport, SC_TP_TCP);
		CHECK(addr_is(&c->lan.listen[0].addr, "127.0.0.1", 5070));
		CHECK_EQ_INT(c->lan.listen[0].pos.line, 1);
	}
	sc_conf_free(c);

	/* A wrong value is one error, and the default stays for the checks
	 * between keys: no "verify is off" warning on top. */
	CHECK_EQ_INT(load_bad("upstreams: { p: { uri: sip.example, verify: maybe, trusted: true } }\n"
			      "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n"),
		     -EINVAL);
	CHECK_EQ_INT(dg.n, 1);
	CHECK(exact("verify must be true or false, not 'maybe'", 1, 45));

	/* The fourth "defined twice" check, of SNI names (without case). */
	CHECK_EQ_INT(load_bad("wan:\n"
			      "  listen: [ \"tls:0.0.0.0:5061\" ]\n"
			      "  certificate: /c\n"
			      "  private_key: /k\n"
			      "  server_names:\n"
			      "    - { name: a.example, certificate: /c, private_key: /k }\n"
			      "    - { name: A.Example, certificate: /c, private_key: /k }\n"),
		     -EINVAL);
	CHECK(exact("server name 'A.Example' is listed twice (first at line 6)", 7, 15));
}

static void test_presets(void)
{
	const char *v;

	v = alert("cisco-ata", "");
	CHECK(v && !strcmp(v, "Bellcore-dr4"));
	v = alert("Cisco-ATA", "");
	CHECK(v && !strcmp(v, "Bellcore-dr4"));
	v = alert("cisco-7960", "");
	CHECK(v && !strcmp(v, "1"));
	v = alert("snom", "    snom_url: http://10.0.0.2/r.wav\n");
	CHECK(v && !strcmp(v, "<http://10.0.0.2/r.wav>"));
	v = alert("\"<http://10.0.0.2/x.wav>;info=alert-internal\"", "");
	CHECK(v && !strcmp(v, "<http://10.0.0.2/x.wav>;info=alert-internal"));
	v = alert("Bellcore-dr2", "");
	CHECK(v && !strcmp(v, "Bellcore-dr2"));

	CHECK(alert("snom", "") == NULL);
	HAS_ERR(6, 17, "alert_info: snom needs snom_url");
	CHECK(alert("snom", "    snom_url: \"http://x/<y>\"\n") == NULL);
	HAS_ERR(7, 15, "snom_url 'http://x/<y>' is not a URL");
	CHECK(alert("snom", "    snom_url: ring.wav\n") == NULL);
	HAS_ERR(7, 15, "is not a URL");
	/* header injection: any control character is refused */
	CHECK(alert("\"Bellcore-dr4\\r\\nX-Evil: 1\"", "") == NULL);
	HAS_ERR(6, 17, "alert_info 'Bellcore-dr4\\x0d\\x0aX-Evil: 1' contains a control character");
	CHECK(alert("\"a\\tb\"", "") == NULL);
	CHECK(alert("\"a\\0b\"", "") == NULL);
	HAS_ERR(6, 17, "contains a control character");
	CHECK(alert("\"\"", "") == NULL);
	HAS_ERR(6, 17, "alert_info is empty");
	/* snom_url without the snom preset is only a warning */
	v = alert("cisco-ata", "    snom_url: http://10.0.0.2/r.wav\n");
	CHECK(v && !strcmp(v, "Bellcore-dr4"));
	HAS_WARN(7, 5, "snom_url is only used with alert_info: snom");
}

static void test_unknown_key_position(void)
{
	const char *yaml = "log:\n"
			   "  level: info\n"
			   "lan:\n"
			   "  listen: [ \"udp:0.0.0.0:5060\" ]\n"
			   "upstreams: {p: {uri: \"sips:x.example\"}}\n"
			   "lan2: 1\n"
			   "  \n";
	const char *yaml2 = "log:\n"
			    "  level: info\n"
			    "upstreams: {p: {uri: \"sips:x.example\"}}\n"
			    "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n"
			    "lan:\n"
			    "  listen: [ \"udp:0.0.0.0:5060\" ]\n"
			    "  lisen: x\n";

	CHECK_EQ_INT(load_bad(yaml2), -EINVAL);
	CHECK_EQ_INT(dg.nerrors, 1);
	CHECK(exact("unknown key 'lisen' in lan (expected one of: listen, advertise, allow)", 7,
		    3));
	CHECK_EQ_INT(load_bad(yaml), -EINVAL);
	CHECK(has(6, 1, false, "unknown key 'lan2' at the top level (expected one of: log, user, "
			      "lan, wan, upstreams, devices, status)"));
}

static void test_many_errors(void)
{
	const char *yaml = "log:\n"                                   /* 1 */
			   "  level: loud\n"                          /* 2 */
			   "lan:\n"                                   /* 3 */
			   "  listen: [ \"udp:0.0.0.0:5060\", \"sctp:1.2.3.4\" ]\n" /* 4 */
			   "upstreams:\n"                             /* 5 */
			   "  provider:\n"                            /* 6 */
			   "    uri: sips:sip.provider.example\n"     /* 7 */
			   "    keepalive: 90x\n"                     /* 8 */
			   "    verify: maybe\n"                      /* 9 */
			   "devices:\n"                               /* 10 */
			   "  - name: a\n"                            /* 11 */
			   "    match: 192.168.1.300\n"               /* 12 */
			   "    upstream: provder\n"                  /* 13 */
			   "    colour: red\n";                       /* 14 */

	CHECK_EQ_INT(load_bad(yaml), -EINVAL);
	CHECK_EQ_INT(dg.nerrors, 7);
	CHECK_EQ_INT(dg.nwarnings, 0);
	CHECK(exact("log level 'loud' is not one of: error, warn, info, debug", 2, 10));
	HAS_ERR(4, 33, "listen entry 'sctp:1.2.3.4' needs a transport");
	CHECK(exact("keepalive: '90x' is not a duration (use 30s, 5m, 1h or seconds)", 8, 16));
	CHECK(exact("verify must be true or false, not 'maybe'", 9, 13));
	HAS_ERR(12, 12, "match '192.168.1.300' is not an address, address:port or CIDR");
	CHECK(exact("upstream 'provder' is not defined (defined: provider)", 13, 15));
	HAS_ERR(14, 5, "unknown key 'colour' in device 'a' (expected one of: name, match, "
		       "upstream, alert_info, snom_url, address)");
	/* reported in file order */
	if (dg.n == 7) {
		CHECK_EQ_INT(dg.d[0].line, 2);
		CHECK_EQ_INT(dg.d[6].line, 14);
	}
}

static void test_syntax_error(void)
{
	struct sc_conf *c = NULL;

	CHECK_EQ_INT(load("log:\n  level: info\nlan:\n  listen: [ \"udp:0.0.0.0:5060\"\n"
			  "upstreams: {}\n",
			  &c),
		     -EINVAL);
	CHECK(c == NULL);
	CHECK_EQ_INT(dg.n, 1);
	CHECK(exact("invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence "
		    "at line 4, column 11)", 5, 1));
	CHECK_EQ_INT(load("a: b\nc\nd: e\n", &c), -EINVAL);
	HAS_ERR(3, 1, "invalid YAML: could not find expected ':' (while scanning a simple key at "
		      "line 2, column 1)");
	CHECK_EQ_INT(load("lan:\n  listen: []\n\tallow: []\n", &c), -EINVAL);
	HAS_ERR(3, 1, "a tab? YAML indents with spaces only");
	CHECK_EQ_INT(load("log: {level: info}\nxx: \xff\n", &c), -EINVAL);
	HAS_ERR(2, 5, "not UTF-8");
	/* a second document */
	CHECK_EQ_INT(load("log: {level: info}\n---\nlog: {level: debug}\n", &c), -EINVAL);
	HAS_ERR(3, 1, "a second YAML document");
	/* empty files and other roots */
	CHECK_EQ_INT(load("", &c), -EINVAL);
	CHECK(exact("the file is empty: it needs at least upstreams and devices (see the examples "
		    "in config/)", 1, 1));
	CHECK_EQ_INT(load("# only a comment\n", &c), -EINVAL);
	HAS_ERR(1, 1, "the file is empty");
	CHECK_EQ_INT(load("\n\n- a\n- b\n", &c), -EINVAL);
	HAS_ERR(3, 1, "the top level must be a mapping of sections");
	CHECK_EQ_INT(load("just words\n", &c), -EINVAL);
	HAS_ERR(1, 1, "not a value");
	sc_diags_free(&dg);
	CHECK_EQ_INT(sc_conf_load_buf(NULL, NULL, 0, SC_CONF_NO_FILES, &c, &dg), -EINVAL);
	CHECK(exact("the file is empty: it needs at least upstreams and devices (see the examples "
		    "in config/)", 1, 1));
	CHECK(!strcmp(dg.file, "<buffer>"));
}

static void test_wrong_types(void)
{
	const char *yaml = "lan:\n"                                   /* 1 */
			   "  listen: udp:0.0.0.0:5060\n"             /* 2 */
			   "  allow: {a: b}\n"                        /* 3 */
			   "  advertise: [ 1.2.3.4 ]\n"               /* 4 */
			   "wan: [ tls ]\n"                           /* 5 */
			   "upstreams:\n"                             /* 6 */
			   "  - p\n"                                  /* 7 */
			   "devices:\n"                               /* 8 */
			   "  name: a\n"                              /* 9 */
			   "status:\n"                                /* 10 */
			   "  listen: 127.0.0.1:8061\n"               /* 11 */
			   "  ? [complex]\n"                          /* 12 */
			   "  : key\n"                                /* 13 */
			   "log:\n"                                   /* 14 */
			   "  level: {debug: 1}\n"                    /* 15 */
			   "  target: ~\n";                           /* 16 */

	CHECK_EQ_INT(load_bad(yaml), -EINVAL);
	CHECK(exact("listen must be a list, even of one entry: write listen: [ "
		    "\"udp:0.0.0.0:5060\" ]", 2, 11));
	HAS_ERR(3, 10, "allow must be a list (e.g. [ 192.168.1.0/24 ]), not a mapping");
	CHECK(exact("advertise must be a single value, not a list", 4, 14));
	HAS_ERR(5, 6, "expected a mapping (key: value lines) in wan, not a list");
	HAS_ERR(7, 3, "upstreams must be a mapping of names to settings");
	HAS_ERR(9, 3, "devices must be a list");
	HAS_ERR(12, 5, "a key in status must be a plain word, not a list");
	CHECK(exact("log level must be a single value, not a mapping", 15, 10));
	CHECK(exact("log target needs a value", 16, 11));
	CHECK_EQ_INT(dg.nerrors, 9);

	/* booleans: YAML 1.1 spellings in any case, nothing else */
	CHECK_EQ_INT(load_bad("upstreams: {p: {uri: \"sips:x.example\", verify: 1}}\n"), -EINVAL);
	HAS_ERR(1, 48, "verify must be true or false, not '1'");
	CHECK_EQ_INT(load_bad("upstreams: {p: {uri: \"sips:x.example\", trusted: yess}}\n"),
		     -EINVAL);
	HAS_ERR(1, 49, "trusted must be true or false");
}

static void test_duplicates(void)
{
	CHECK_EQ_INT(load_bad("lan:\n"
			      "  advertise: 10.0.0.1\n"
			      "  advertise: 10.0.0.2\n"
			      "  listen: [ \"udp:0.0.0.0:5060\", \"udp:0.0.0.0\", \"tcp:0.0.0.0\" ]\n"
			      "lan: {}\n"
			      "upstreams:\n"
			      "  p: {uri: \"sips:x.example\"}\n"
			      "  p: {uri: \"sips:y.example\"}\n"
			      "devices:\n"
			      "  - {name: a, match: 10.0.0.1, upstream: p}\n"
			      "  - {name: a, match: 10.0.0.2, upstream: p}\n"),
		     -EINVAL);
	CHECK(exact("duplicate key 'advertise' in lan (first at line 2)", 3, 3));
	CHECK(exact("'udp:0.0.0.0' is listed twice (first at line 4)", 4, 33));
	CHECK(exact("duplicate key 'lan' at the top level (first at line 1)", 5, 1));
	CHECK(exact("upstream 'p' is defined twice (first at line 7)", 8, 3));
	CHECK(exact("device name 'a' is used twice (first at line 10)", 11, 12));
	CHECK_EQ_INT(dg.nerrors, 5);
	/* the same match twice is legal but suspicious */
	CHECK_EQ_INT(load_bad("upstreams: {p: {uri: \"sips:x.example\"}}\n"
			      "devices:\n"
			      "  - {name: a, match: 10.0.0.1, upstream: p}\n"
			      "  - {name: b, match: 10.0.0.1, upstream: p}\n"
			      "  - {name: a, match: 10.0.0.3, upstream: p}\n"),
		     -EINVAL);
	HAS_WARN(4, 22, "device 'b' has the same match 10.0.0.1 as device 'a' (line 3)");
}

static void test_cross_checks(void)
{
	const char *yaml = "lan:\n"                                   /* 1 */
			   "  allow: [ 192.168.1.0/24 ]\n"            /* 2 */
			   "wan:\n"                                   /* 3 */
			   "  listen: [ \"tls:0.0.0.0:5061\" ]\n"     /* 4 */
			   "  verify_client: false\n"                 /* 5 */
			   "  require_client_certificate: true\n"     /* 6 */
			   "  server_names:\n"                        /* 7 */
			   "    - name: a.example\n"                  /* 8 */
			   "      certificate: /a.pem\n"              /* 9 */
			   "upstreams:\n"                             /* 10 */
			   "  p:\n"                                   /* 11 */
			   "    uri: sips:x.example\n"                /* 12 */
			   "    certificate: /c.pem\n"                /* 13 */
			   "    handshake_timeout: 0s\n"              /* 14 */
			   "  q:\n"                                   /* 15 */
			   "    private_key: /k.pem\n"                /* 16 */
			   "devices:\n"                               /* 17 */
			   "  - name: far\n"                          /* 18 */
			   "    match: 10.1.0.0/16\n"                 /* 19 */
			   "    upstream: p\n"                        /* 20 */
			   "  - name: near\n"                         /* 21 */
			   "    match: 192.168.0.0/16\n"              /* 22 */
			   "    upstream: p\n"                        /* 23 */
			   "    address: 10.9.9.9\n"                  /* 24 */
			   "  - match: 192.168.1.9\n";                /* 25 */

	CHECK_EQ_INT(load_bad(yaml), -EINVAL);
	CHECK(exact("wan listen needs certificate and private_key (the server certificate "
		    "providers see)", 4, 11));
	CHECK(exact("require_client_certificate: true needs verify_client: true", 6, 31));
	CHECK(exact("server name 'a.example' needs both certificate and private_key", 8, 7));
	HAS_ERR(7, 3, "server_names needs a default certificate and private_key");
	CHECK(exact("certificate in upstream 'p' needs a private_key next to it", 13, 5));
	CHECK(exact("handshake_timeout must be more than 0", 14, 24));
	CHECK(exact("private_key in upstream 'q' needs a certificate next to it", 16, 5));
	CHECK(exact("upstream 'q' needs a uri (e.g. uri: sips:sip.provider.example)", 15, 3));
	HAS_WARN(19, 12, "device 'far' can never be accepted: its match 10.1.0.0/16 is outside "
			 "every lan.allow entry");
	HAS_WARN(24, 14, "device 'near': address is not covered by its match 192.168.0.0/16");
	HAS_ERR(25, 5, "a device needs a name");
	HAS_ERR(25, 5, "needs an upstream (defined: p, q)");
	CHECK_EQ_INT(dg.nerrors, 10);
	CHECK_EQ_INT(dg.nwarnings, 2);

	/* a device overlapping an allow entry only partly can be accepted */
	CHECK_EQ_INT(load_bad("lan: {allow: [ 192.168.1.0/24 ]}\n"
			      "upstreams: {p: {uri: \"sips:x.example\"}}\n"
			      "devices: [ {name: a, match: 192.168.0.0/16, upstream: p} ]\n"
			      "log: {target: journald}\n"),
		     -EINVAL);
	CHECK_EQ_INT(dg.nwarnings, 0);
	CHECK(exact("log target 'journald' is not one of: stderr, syslog", 4, 15));

	/* nothing defined: warnings only, still loads */
	{
		struct sc_conf *c = NULL;

		CHECK_EQ_INT(load("log: {level: warn}\n", &c), 0);
		CHECK(c != NULL);
		CHECK_EQ_INT(dg.nerrors, 0);
		CHECK(exact("no upstreams are defined, so nothing can be relayed", 0, 0));
		CHECK(exact("no devices are defined, so every request from the LAN is dropped", 0,
			    0));
		sc_conf_free(c);
		CHECK_EQ_INT(load("devices: []\nupstreams: {p: {uri: \"sips:x.example\"}}\n", &c),
			     0);
		HAS_WARN(1, 1, "no devices are defined");
		sc_conf_free(c);
	}
	/* host bits in an allow entry: a warning naming what it means */
	{
		struct sc_conf *c = NULL;

		CHECK_EQ_INT(load("lan: {allow: [ 192.168.1.7/24 ]}\n"
				  "upstreams: {p: {uri: \"sips:x.example\"}}\n"
				  "devices: [ {name: a, match: 192.168.1.7, upstream: p} ]\n",
				  &c),
			     0);
		CHECK(exact("allow entry '192.168.1.7/24' has bits set past its prefix; it is read "
			    "as 192.168.1.0/24", 1, 16));
		sc_conf_free(c);
	}
}

static void test_upstream_uri(void)
{
	static const struct {
		const char *uri;
		bool sips;
		const char *host;
		int port;
	} good[] = {
		{ "sips:sip.example", true, "sip.example", 0 },
		{ "sips:sip.example:5071", true, "sip.example", 5071 },
		{ "SIPS:Sip.Example", true, "Sip.Example", 0 },
		{ "sip:sip.example;transport=tls", false, "sip.example", 0 },
		{ "sip:sip.example:5061;transport=TLS;lr", false, "sip.example", 5061 },
		{ "sips:sip.example;transport=tcp", true, "sip.example", 0 },
		{ "sips:[2001:db8::1]:5061", true, "2001:db8::1", 5061 },
		{ "sips:192.0.2.1", true, "192.0.2.1", 0 },
		{ "sip.example:5061", false, "sip.example", 5061 },
		{ "sip.example", false, "sip.example", 0 },
		{ "[2001:db8::1]", false, "2001:db8::1", 0 },
	};
	static const char *const bad[] = {
		"sip:sip.example", "sip:sip.example;transport=tcp", "sips:alice@sip.example",
		"https://sip.example", "sips:", "sips:sip.example:99999", "sip.example;transport=tls",
		"sips:sip.example;maddr=1.2.3.4", "sips:sip..example", "sips:[1.2.3.4]",
		"sips:sip example", "sips:[2001:db8::1",
	};
	char yaml[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sc_conf *c = NULL;

		snprintf(yaml, sizeof(yaml),
			 "upstreams:\n  p:\n    uri: \"%s\"\n"
			 "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			 good[i].uri);
		if (load(yaml, &c) != 0)
			fprintf(stderr, "  uri %s was refused\n", good[i].uri);
		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK(!strcmp(c->upstreams[0].host, good[i].host));
		CHECK_EQ_INT(c->upstreams[0].port, good[i].port);
		CHECK(!strcmp(c->upstreams[0].uri, good[i].uri));
		sc_conf_free(c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "upstreams:\n  p:\n    uri: \"%s\"\n"
			 "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
			 bad[i]);
		if (load_bad(yaml) != -EINVAL)
			fprintf(stderr, "  uri %s was accepted\n", bad[i]);
		CHECK(has(3, 10, false, "uri '"));
	}
	CHECK_EQ_INT(load_bad("upstreams:\n  p:\n    uri: sip:x.example\n"), -EINVAL);
	CHECK(exact("uri 'sip:x.example' is plain SIP: write sips:HOST or "
		    "sip:HOST;transport=tls", 3, 10));
	/* an IP literal host: fine, with a warning about identity */
	{
		struct sc_conf *c = NULL;

		CHECK_EQ_INT(load("upstreams: {p: {uri: \"192.0.2.1:5061\"}}\n"
				  "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n",
				  &c),
			     0);
		HAS_WARN(1, 22, "upstream 'p' is an IP address");
		sc_conf_free(c);
	}
}

static void test_listen_entries(void)
{
	CHECK_EQ_INT(load_bad("lan:\n"
			      "  listen: [ \"tls:0.0.0.0\", \"udp:1.2.3.4:0\", \"udp:host:5060\" ]\n"
			      "wan:\n"
			      "  listen: [ \"udp:0.0.0.0\", \"0.0.0.0:5061\" ]\n"
			      "  certificate: /c\n"
			      "  private_key: /k\n"
			      "status: {listen: 127.0.0.1}\n"),
		     -EINVAL);
	CHECK(exact("lan listens with udp: and tcp: only ('tls:0.0.0.0'); TLS from providers goes "
		    "under wan.listen", 2, 13));
	CHECK(exact("'udp:1.2.3.4:0' is not an address to listen on (use udp:IP:PORT, e.g. "
		    "udp:0.0.0.0:5060 or udp:[::]:5060)", 2, 28));
	HAS_ERR(2, 45, "'udp:host:5060' is not an address to listen on");
	CHECK(exact("wan listens with tls: only ('udp:0.0.0.0'); plain SIP from devices goes under "
		    "lan.listen", 4, 13));
	CHECK(exact("listen entry '0.0.0.0:5061' needs a transport: write tls:0.0.0.0:5061", 4,
		    28));
	CHECK_EQ_INT(dg.nwarnings, 2); /* no upstreams, no devices */
	CHECK(exact("listen '127.0.0.1' is not an IP address and port (IPv6 in [brackets], e.g. "
		    "[::1]:8061)", 7, 18));
	CHECK_EQ_INT(load_bad("lan: {listen: []}\n"), -EINVAL);
	HAS_ERR(1, 15, "lan listen is empty");
	/* An empty wan list is a warning, like an absent one, not a certificate error. */
	CHECK_EQ_INT(load_bad("wan:\n  listen: []\n"), 0);
	HAS_WARN(2, 11, "wan has no listen address");
	CHECK_EQ_INT(dg.nerrors, 0);
	CHECK_EQ_INT(load_bad("status: {}\n"), -EINVAL);
	HAS_ERR(1, 9, "status needs listen");
}

/* A "billion laughs" document, and cycles: aliases must not make loading
 * slow or endless. */
static void test_alias_bomb(void)
{
	const char *bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
			   "lan: {allow: *i, listen: *i}\n"
			   "devices: *i\n";
	const char *cycle = "lan: &l {allow: *l}\n"
			    "devices: &d [*d, *d]\n"
			    "upstreams: &u {p: *u}\n";
	size_t n = 120000, i;
	char *big = malloc(16 + n * 8 + 4);
	clock_t t0 = clock();

	CHECK_EQ_INT(load_bad(bomb), -EINVAL);
	CHECK_EQ_INT(load_bad(cycle), -EINVAL);
	/* the cycle's nodes are reported where their anchors are */
	HAS_ERR(1, 6, "allow must be a list (e.g. [ 192.168.1.0/24 ]), not a mapping");
	HAS_ERR(2, 10, "expected a mapping (key: value lines) in device #1, not a list");
	HAS_ERR(3, 16, "unknown key 'p' in upstream 'p'");
	CHECK_EQ_INT(dg.nerrors, 5);
	/* generous: a real expansion would take minutes even natively */
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);

	/* The node budget itself, on a plain (if silly) long list. */
	if (!big)
		return;
	memcpy(big, "lan: {allow: [", 14);
	for (i = 0; i < n; i++)
		memcpy(big + 14 + i * 8, "1.2.3.4,", 8);
	memcpy(big + 14 + n * 8, "]}\n", 4);
	CHECK_EQ_INT(load_bad(big), -EINVAL);
	HAS_ERR(1, 0, "the file expands to more than 100000 YAML nodes");
	CHECK_EQ_INT(dg.nerrors, 1);
	free(big);
}

static void test_too_many_errors(void)
{
	char *yaml = malloc(400 * 16);
	size_t o = 0;
	int i;

	if (!yaml)
		return;
	for (i = 0; i < 400; i++)
		o += (size_t)sprintf(yaml + o, "k%d: 1\n", i);
	CHECK_EQ_INT(load_bad(yaml), -EINVAL);
	CHECK_EQ_INT(dg.n, 201);
	HAS_ERR(201, 1, "too many problems; fix these first");
	free(yaml);
}

static void test_names(void)
{
	CHECK_EQ_INT(load_bad("user: \"-x\"\n"
			      "upstreams: {\"a b\": {uri: \"sips:x.example\"}, ok: {uri: \"sips:x.example\"}}\n"
			      "devices:\n"
			      "  - {name: \"kitchen ata\", match: 10.0.0.1, upstream: ok}\n"
			      "  - {name: \"\", match: 10.0.0.2, upstream: ok}\n"),
		     -EINVAL);
	HAS_ERR(1, 7, "user '-x' is not a valid user name");
	HAS_ERR(2, 13, "upstream name 'a b' may only contain");
	HAS_ERR(4, 12, "name 'kitchen ata' may only contain letters, digits");
	HAS_ERR(5, 12, "name '' may only contain");
	CHECK_EQ_INT(load_bad("wan:\n  advertise: \"bad host\"\n"
			      "  server_names: [ {name: \"*.ok.example\", certificate: /c, private_key: /k},"
			      " {name: \"bad/name\", certificate: /c, private_key: /k} ]\n"),
		     -EINVAL);
	HAS_ERR(2, 14, "advertise 'bad host' is not a host name or address");
	HAS_ERR(3, 84, "name 'bad/name' is not a host name or address");
	CHECK_EQ_INT(dg.nerrors, 3); /* + server_names without a default certificate */
}

static void test_diags_print(void)
{
	static const char yaml[] = "upstreams: {p: {uri: \"sips:x.example\"}}\n"
				   "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n"
				   "lan:\n"
				   "  listen: [ \"udp:0.0.0.0\" ]\n"
				   "\n"
				   "\n"
				   "  bogus: 1\n";
	struct sc_conf *c = (struct sc_conf *)1;
	struct sc_diags d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&d, 0, sizeof(d));
	CHECK_EQ_INT(sc_conf_load_buf("f.yaml", yaml, strlen(yaml), SC_CONF_NO_FILES, &c, &d),
		     -EINVAL);
	CHECK(c == NULL);
	CHECK(!strcmp(d.file, "f.yaml"));
	f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	sc_diags_print(&d, f);
	sc_diags_free(&d);
	/* whole-file messages have no position */
	CHECK_EQ_INT(sc_conf_load_buf("g.yaml", "log: {}\n", 8, SC_CONF_NO_FILES, &c, &d), 0);
	sc_diags_print(&d, f);
	sc_conf_free(c);
	fclose(f);
	CHECK(buf && !strcmp(buf, "f.yaml:7:3: error: unknown key 'bogus' in lan (expected one "
				  "of: listen, advertise, allow)\n"
				  "g.yaml: warning: no upstreams are defined, so nothing can be "
				  "relayed\n"
				  "g.yaml: warning: no devices are defined, so every request from "
				  "the LAN is dropped\n"));
	if (buf && strncmp(buf, "f.yaml:7:3: ", 12))
		fprintf(stderr, "  printed: %s", buf);
	free(buf);
	sc_diags_free(&d);
	CHECK(d.n == 0 && d.d == NULL && d.file == NULL);
}

static void test_load_file(void)
{
	static const char *const examples[] = {
		"config/ata-behind-router.yaml", "config/pbx-trunk.yaml", "config/mutual-tls.yaml",
		"config/wan-sni.yaml", "config/sipsidecar.yaml",
	};
	struct sc_conf *c = (struct sc_conf *)1;
	size_t i;

	sc_diags_free(&dg);
	CHECK_EQ_INT(sc_conf_load_file("tests/no/such/file.yaml", 0, &c, &dg), -ENOENT);
	CHECK(c == NULL);
	CHECK(exact("cannot read tests/no/such/file.yaml: No such file or directory", 0, 0));
	sc_diags_free(&dg);
	CHECK_EQ_INT(sc_conf_load_file("tests", 0, &c, &dg), -EINVAL);
	CHECK(exact("cannot read tests: Is a directory", 0, 0));
	/* The examples are documentation: they must stay valid. */
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		sc_diags_free(&dg);
		c = NULL;
		if (sc_conf_load_file(examples[i], SC_CONF_NO_FILES, &c, &dg) != 0)
			sc_diags_print(&dg, stderr);
		CHECK(c != NULL);
		CHECK_EQ_INT(dg.n, 0);
		if (c) {
			CHECK(!strcmp(c->path, examples[i]));
			CHECK(!strcmp(dg.file, examples[i]));
			CHECK(c->ndevices >= 1);
		}
		sc_conf_free(c);
	}
	sc_diags_free(&dg);
}

int main(void)
{
	RUN(test_duration);
	RUN(test_addr);
	RUN(test_match_parse);
	RUN(test_match_addr);
	RUN(test_full);
	RUN(test_defaults);
	RUN(test_defaults_in_table);
	RUN(test_presets);
	RUN(test_unknown_key_position);
	RUN(test_many_errors);
	RUN(test_syntax_error);
	RUN(test_wrong_types);
	RUN(test_duplicates);
	RUN(test_cross_checks);
	RUN(test_upstream_uri);
	RUN(test_listen_entries);
	RUN(test_alias_bomb);
	RUN(test_too_many_errors);
	RUN(test_names);
	RUN(test_diags_print);
	RUN(test_load_file);
	sc_diags_free(&dg);
	return check_done("conf");
}
