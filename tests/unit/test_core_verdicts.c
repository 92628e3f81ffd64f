/* The verdicts the I/O layer (relay.c) used to take itself and that now
 * live in the core (sidecar/relay/core.c), each tested without sockets
 * through the entry points relay.c calls:
 *
 *   sc_attrib_link         which upstream a connection to wan.listen is (B6, B15)
 *   sc_core_lan_input      400 / 403 / drop for what comes from the LAN (B1, B8),
 *                          a device's response back on its link or dropped,
 *                          a retransmission absorbed or sent again (B9)
 *   sc_core_plan           send now, queue, or refuse with a 503 (B10), and
 *                          our 100 Trying before or after an INVITE
 *   sc_core_forward/lost   the request as the provider gets it, the 503 when
 *                          its connection failed under it (B3, B10)
 *   sc_core_wan_input      malformed, 400, and Timer A/E repetition towards UDP
 *                          devices (B5, B8)
 *   sc_core_undeliverable  480 for a request whose device cannot be reached
 *   sc_timeout_retx/txn    what the timers owe (B13): repetitions and the 408
 *                          for the provider; Timer B/C/F, CANCEL and 408 for
 *                          the device; RFC 6026's further 2xx
 *
 * Messages are in the style of tests/unit/test_core.c (whose helpers are
 * copied here: every test file is its own program).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/conf/conf.h"
#include "sidecar/net/addr.h"
#include "sidecar/relay/attrib.h"
#include "sidecar/relay/core.h"
#include "sidecar/relay/inbound.h"
#include "sidecar/relay/outbound.h"
#include "sidecar/relay/replay.h"
#include "sidecar/relay/retx.h"
#include "sidecar/relay/timeout.h"
#include "sidecar/sip/via.h"
#include "tests/unit/check.h"

/* ---- the configuration ---- */

#define WAN "edge.example.net:5061"  /* our address as the provider sees it */
#define LAN "192.168.1.1:5060"       /* our address as the devices see it */

/* provider's certificate names tls.provider.example, not its uri host;
 * carrier has no server_name, so its uri host is the name (B15). */
static const char yaml[] =
	"lan:\n"
	"  listen: [ \"udp:192.168.1.1:5060\", \"tcp:192.168.1.1:5060\" ]\n"
	"  advertise: 192.168.1.1\n"
	"  allow: [ 192.168.1.0/24, 10.0.0.0/24 ]\n"
	"upstreams:\n"
	"  provider:\n"
	"    uri: sips:sip.provider.example\n"
	"    server_name: tls.provider.example\n"
	"    trusted: true\n"
	"  carrier:\n"
	"    uri: sips:trunk.carrier.example:5061\n"
	"    connection: shared\n"
	"devices:\n"
	"  - name: kitchen-ata\n"
	"    match: 192.168.1.20\n"
	"    upstream: provider\n"
	"    alert_info: cisco-ata\n"
	"  - name: lab-phones\n"
	"    match: 192.168.1.64/28\n"
	"    upstream: provider\n"
	"  - name: office-pbx\n"
	"    match: 10.0.0.5\n"
	"    upstream: carrier\n"
	"    address: 10.0.0.5:5060\n";

enum { KITCHEN, LAB, PBX };
enum { PROVIDER, CARRIER };

static struct sc_conf *conf;
static struct sc_core core;
static bool core_ready;
static uint64_t now = 7000000;

static struct sc_conf *load(void)
{
	struct sc_diags dg;
	struct sc_conf *c = NULL;

	memset(&dg, 0, sizeof(dg));
	if (sc_conf_load_buf("verdicts.yaml", yaml, strlen(yaml), SC_CONF_NO_FILES, &c, &dg) != 0) {
		sc_diags_print(&dg, stderr);
		c = NULL;
	}
	sc_diags_free(&dg);
	return c;
}

/* The TLS links the tests pretend are open: every id but those closed. */
static uint64_t closed[8];
static size_t nclosed;

static const char *test_link_wan(void *arg, uint64_t id)
{
	size_t i;

	(void)arg;
	for (i = 0; i < nclosed; i++)
		if (closed[i] == id)
			return NULL;
	return WAN;
}

static void close_link(uint64_t id)
{
	if (nclosed < sizeof(closed) / sizeof(closed[0]))
		closed[nclosed++] = id;
}

/* A new core: no device seen, no transaction, every link open. */
static void fresh(void)
{
	if (core_ready)
		sc_core_free(&core);
	nclosed = 0;
	core_ready = sc_core_init(&core, conf, LAN, LAN, test_link_wan, NULL) == 0;
	CHECK(core_ready);
}

static struct sc_dev *DEV(long i)
{
	return core_ready && i >= 0 && (size_t)i < core.reg.ndev ? core.reg.dev[i] : NULL;
}

static struct sc_up *UP(long i)
{
	return core_ready && i >= 0 && (size_t)i < core.reg.nup ? core.reg.up[i] : NULL;
}

/* ---- addresses ---- */

static struct sockaddr_storage addr(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
		return ss;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static const char *addr_text(const struct sc_net_addr *a)
{
	static char buf[64];

	if (sc_net_addr_text((const struct sockaddr *)&a->ss, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(none)");
	return buf;
}

/* ---- messages ---- */

/* A header block (lines ending in CRLF) and a body, with Content-Length,
 * in one of a ring of buffers. */
static const char *sip(const char *head, const char *body)
{
	static char ring[12][8192];
	static unsigned next;
	char *b = ring[next++ % 12];

	snprintf(b, sizeof(ring[0]), "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	return b;
}

static const char *sipf(const char *body, const char *fmt, ...) SC_PRINTF(2, 3);
static const char *sipf(const char *body, const char *fmt, ...)
{
	char head[6144];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	return sip(head, body);
}

static const char sdp[] = "v=0\r\n"
			  "o=- 1716 1716 IN IP4 192.168.1.20\r\n"
			  "s=-\r\n"
			  "c=IN IP4 192.168.1.20\r\n"
			  "t=0 0\r\n"
			  "m=audio 16434 RTP/AVP 0 8 101\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n";

#define ATA_IP "192.168.1.20"
#define ATA_CONTACT_HEX "3139322e3136382e312e32303a35303630" /* 192.168.1.20:5060 */
#define ATA_TOKEN "kitchen-ata~" ATA_CONTACT_HEX "~"
#define ATA_RURI "sip:4930123456@" WAN ";transport=tls;sc=" ATA_TOKEN
#define LAB_TOKEN "lab-phones~3139322e3136382e312e37303a33303532~" /* 192.168.1.70:3052 */
#define PROVIDER_VIA "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-524287-1-8d8d0bd1;rport"
#define LOST_WARNING "399 sipsidecar \"upstream connection lost\""
#define FULL_WARNING "399 sipsidecar \"too many requests waiting for the upstream\""
#define STRANGER_WARNING "399 sipsidecar \"source is not a configured device\""

/* A request of method from the kitchen ATA, its own transaction (branch). */
static const char *ata_request(const char *method, const char *branch)
{
	int invite = strcmp(method, "INVITE") == 0;

	return sipf(invite ? sdp : "",
		    "%s sip:030987654@sip.provider.example SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=%s\r\n"
		    "From: Kitchen <sip:4930123456@sip.provider.example>;tag=5e6f7a8b\r\n"
		    "To: <sip:030987654@sip.provider.example>\r\n"
		    "Call-ID: %s-7a1b2c3d@192.168.1.20\r\n"
		    "CSeq: 102 %s\r\n"
		    "Max-Forwards: 70\r\n"
		    "Contact: Kitchen <sip:4930123456@192.168.1.20:5060>\r\n"
		    "User-Agent: Linksys/SPA2102-5.2.12\r\n"
		    "%s",
		    method, branch, branch, method, invite ? "Content-Type: application/sdp\r\n" : "");
}

/* A request from the provider: method, Request-URI, branch of its Via. */
static const char *provider_request(const char *method, const char *ruri, const char *branch)
{
	return sipf(strcmp(method, "INVITE") == 0 ? sdp : "",
		    "%s %s SIP/2.0\r\n"
		    "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=%s;rport\r\n"
		    "Record-Route: <sip:203.0.113.5:5061;transport=tls;lr;r2=on>\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: \"Bob\" <sip:+4930987654@sip.provider.example>;tag=as58f4201b\r\n"
		    "To: <sip:4930123456@sip.provider.example>\r\n"
		    "Call-ID: %s@203.0.113.5\r\n"
		    "CSeq: 102 %s\r\n"
		    "Contact: <sip:+4930987654@203.0.113.5:5061;transport=tls>\r\n"
		    "%s",
		    method, ruri, branch, branch, method,
		    strcmp(method, "INVITE") == 0 ? "Content-Type: application/sdp\r\n" : "");
}

/* ---- looking at an output ---- */

struct view {
	char text[SC_CORE_OUT_MAX + 1];
	size_t len;
	struct sc_sip_msg m;
};

static struct sc_core_out out;
static struct view fwd, resp;

static void view(struct view *v, const struct sc_core_out *o)
{
	CHECK(o->len > 0 && o->len < sizeof(v->text));
	v->len = o->len < sizeof(v->text) ? o->len : 0;
	memcpy(v->text, o->buf, v->len);
	v->text[v->len] = '\0';
	memset(&v->m, 0, sizeof(v->m));
	CHECK_EQ_INT(sc_sip_msg_parse(&v->m, v->text, v->len), 0);
}

static sc_str hdr(const struct view *v, enum sc_sip_hdr_id id, int nth)
{
	const struct sc_sip_hdr *h;
	int i = -1;

	while ((h = sc_sip_msg_next(&v->m, id, &i)) != NULL)
		if (nth-- == 0)
			return h->value;
	return SC_STR_NULL;
}

static int nhdr(const struct view *v, enum sc_sip_hdr_id id)
{
	int i = -1, n = 0;

	while (sc_sip_msg_next(&v->m, id, &i))
		n++;
	return n;
}

static bool contains(sc_str s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; s.p && i + n <= s.n; i++)
		if (memcmp(s.p + i, needle, n) == 0)
			return true;
	return false;
}

static bool has(const struct view *v, const char *needle)
{
	return strstr(v->text, needle) != NULL;
}

/* A response to request req (a view of what was sent): every Via in
 * order, From, To with a tag, Call-ID, CSeq. */
static const char *answer(const struct view *req, const char *status)
{
	static char buf[8192];
	const struct sc_sip_hdr *h;
	sc_str to = hdr(req, SC_HDR_TO, 0);
	size_t n;
	int i = -1;

	n = (size_t)snprintf(buf, sizeof(buf), "SIP/2.0 %s\r\n", status);
	while ((h = sc_sip_msg_next(&req->m, SC_HDR_VIA, &i)) != NULL)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Via: %.*s\r\n", (int)h->value.n,
				      h->value.p);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "From: %.*s\r\nTo: %.*s%s\r\nCall-ID: %.*s\r\nCSeq: %.*s\r\n"
			      "Content-Length: 0\r\n\r\n",
			      (int)hdr(req, SC_HDR_FROM, 0).n, hdr(req, SC_HDR_FROM, 0).p, (int)to.n,
			      to.p, contains(to, ";tag=") ? "" : ";tag=a3f9c1",
			      (int)req->m.call_id.n, req->m.call_id.p, (int)hdr(req, SC_HDR_CSEQ, 0).n,
			      hdr(req, SC_HDR_CSEQ, 0).p);
	return buf;
}

/* Is o a local response with this status, reason and Warning (NULL: none)?
 * Leaves it in resp. */
static void check_reply(const struct sc_core_out *o, int status, const char *reason,
			const char *warning)
{
	view(&resp, o);
	CHECK(!resp.m.is_request);
	CHECK_EQ_INT(resp.m.status, status);
	CHECK_STR(resp.m.reason, reason);
	if (warning) {
		CHECK_EQ_INT(nhdr(&resp, SC_HDR_WARNING), 1);
		CHECK_STR(hdr(&resp, SC_HDR_WARNING, 0), warning);
	} else {
		CHECK_EQ_INT(nhdr(&resp, SC_HDR_WARNING), 0);
	}
}

static bool same_bytes(const struct sc_core_out *o, const char *buf, size_t len)
{
	return o->len == len && memcmp(o->buf, buf, len) == 0;
}

/* ---- the entry points, as relay.c calls them ---- */

/* len bytes from the LAN (src, tp), attributed to a device by B1 as the
 * relay does it (sc_core_device). */
static int lan_bytes(const char *text, size_t len, const struct sockaddr_storage *src,
		     enum sc_transport tp)
{
	memset(&out, 0, sizeof(out));
	out.trying = SC_CORE_TRYING_AFTER; /* whatever was there before */
	out.resend = true;
	out.malformed = true;
	now += 10;
	return sc_core_lan_input(&core, text, len, SA(*src), tp, sc_core_device(&core, SA(*src)),
				 now, &out);
}

static int lan(const char *text, const struct sockaddr_storage *src, enum sc_transport tp)
{
	return lan_bytes(text, strlen(text), src, tp);
}

/* A connection from the WAN side. */
static struct sc_core_link link_of(uint64_t id, long upstream)
{
	struct sc_core_link lk;

	memset(&lk, 0, sizeof(lk));
	lk.id = id;
	lk.tls = true;
	lk.verified = true;
	lk.upstream = UP(upstream);
	lk.wan = WAN;
	return lk;
}

static int wan_at(const char *text, const struct sc_core_link *lk, uint64_t t)
{
	memset(&out, 0, sizeof(out));
	out.malformed = true;
	return sc_core_wan_input(&core, text, strlen(text), lk, t, &out);
}

/* Our Via on top of a request to the provider: TLS, our WAN sent-by, and
 * the branch of the device's transaction. */
static void check_our_tls_via(const struct view *v, const char *request, const char *device,
			      const struct sockaddr_storage *src)
{
	struct sc_sip_msg m;
	struct sc_sip_via via;
	uint64_t want = 1, got = 2;

	CHECK_EQ_INT(sc_sip_via_parse(&via, hdr(v, SC_HDR_VIA, 0)), 0);
	CHECK_STR(via.transport, "TLS");
	CHECK_STR(via.host, "edge.example.net");
	CHECK_STR(via.port, "5061");
	CHECK_EQ_INT(sc_outbound_key_parse(via.branch, &got), 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, request, strlen(request)), 0);
	CHECK_EQ_INT(sc_outbound_key(&m, device, SA(*src), &want), 0);
	CHECK(got == want);
}

/* ---- 1. sc_attrib_link ---- */

/* The names a fake client certificate carries (NULL: none). */
struct cert {
	const char *names[2];
};

static bool cert_has(void *arg, const char *name)
{
	struct cert *c = arg;
	size_t i;

	for (i = 0; name && i < 2; i++)
		if (c->names[i] && strcmp(c->names[i], name) == 0)
			return true;
	return false;
}

/* By certificate: from an address that is in no accept_from. */
static struct sc_up *attribute(bool chain_verified, const char *a, const char *b)
{
	struct cert c = { { a, b } };
	struct sockaddr_storage stranger = addr("198.51.100.66", 40000);
	enum sc_attrib_how how = SC_ATTRIB_ADDRESS;
	struct sc_up *up = sc_attrib_link(&core.reg, chain_verified, cert_has, &c, SA(stranger), &how);

	CHECK_EQ_INT(how, up ? SC_ATTRIB_CERT : SC_ATTRIB_NONE);
	return up;
}

/* By address, without a certificate. */
static struct sc_up *from(const char *ip, enum sc_attrib_how *how)
{
	struct cert c = { { NULL, NULL } };
	struct sockaddr_storage peer = addr(ip, 40000);

	return sc_attrib_link(&core.reg, false, cert_has, &c, SA(peer), how);
}

static void test_attribute(void)
{
	struct sc_conf_upstream *cu;
	char *saved;

	fresh();
	/* The chain did not verify: nobody, whatever names it carries. */
	CHECK(attribute(false, "tls.provider.example", NULL) == NULL);
	CHECK(attribute(false, "trunk.carrier.example", NULL) == NULL);
	CHECK(attribute(false, "tls.provider.example", "trunk.carrier.example") == NULL);
	/* Verified, and it names provider's server_name: provider. */
	CHECK(attribute(true, "tls.provider.example", NULL) == UP(PROVIDER));
	CHECK(attribute(true, "other.example", "tls.provider.example") == UP(PROVIDER));
	/* provider's uri host is not its identity once server_name is set. */
	CHECK(attribute(true, "sip.provider.example", NULL) == NULL);
	/* Names of no upstream, or none at all. */
	CHECK(attribute(true, "evil.example", NULL) == NULL);
	CHECK(attribute(true, "provider", "carrier") == NULL);
	CHECK(attribute(true, NULL, NULL) == NULL);
	/* carrier has no server_name: its uri host is the name; the second
	 * upstream is found as well as the first. */
	CHECK(attribute(true, "trunk.carrier.example", NULL) == UP(CARRIER));
	CHECK(attribute(true, "evil.example", "trunk.carrier.example") == UP(CARRIER));
	/* The loader fills server_name from the host; the core's own fallback
	 * (no server_name at all) must do the same. */
	cu = (struct sc_conf_upstream *)UP(CARRIER)->conf;
	saved = cu->server_name;
	cu->server_name = NULL;
	CHECK(attribute(true, "trunk.carrier.example", NULL) == UP(CARRIER));
	CHECK(attribute(false, "trunk.carrier.example", NULL) == NULL);
	cu->server_name = saved;
}

/* B15 by address: accept_from when an upstream has one, else the addresses
 * its uri resolves to (an IP literal at once, a name once looked up). */
static void test_attribute_by_address(void)
{
	struct sc_net_addr found[2];
	enum sc_attrib_how how;

	fresh();
	/* Names only in this configuration, nothing looked up yet: nobody. */
	CHECK(from("203.0.113.5", &how) == NULL);
	CHECK_EQ_INT(how, SC_ATTRIB_NONE);
	/* The provider's name resolved to two addresses: either is the
	 * provider, by address; a neighbour is not. */
	CHECK_EQ_INT(sc_net_addr_parse("203.0.113.5:5061", 0, &found[0]), 0);
	CHECK_EQ_INT(sc_net_addr_parse("[2001:db8::5]:5061", 0, &found[1]), 0);
	sc_attrib_resolved(UP(PROVIDER), found, 2);
	CHECK(from("203.0.113.5", &how) == UP(PROVIDER));
	CHECK_EQ_INT(how, SC_ATTRIB_ADDRESS);
	CHECK(from("2001:db8::5", &how) == UP(PROVIDER));
	CHECK(from("203.0.113.6", &how) == NULL);
	/* A new lookup replaces the old addresses. */
	sc_attrib_resolved(UP(PROVIDER), &found[1], 1);
	CHECK(from("203.0.113.5", &how) == NULL);
	CHECK(from("2001:db8::5", &how) == UP(PROVIDER));
	/* A certificate for an upstream wins over the address of another. */
	{
		struct cert c = { { "trunk.carrier.example", NULL } };
		struct sockaddr_storage peer = addr("2001:db8::5", 40000);

		CHECK(sc_attrib_link(&core.reg, true, cert_has, &c, SA(peer), &how) == UP(CARRIER));
		CHECK_EQ_INT(how, SC_ATTRIB_CERT);
	}
	/* accept_from, when set, is the list: the resolved addresses no
	 * longer count. */
	{
		struct sc_conf_upstream *cu = (struct sc_conf_upstream *)UP(PROVIDER)->conf;
		struct sc_net_match m;

		CHECK_EQ_INT(sc_net_match_parse("192.0.2.0/24", &m, NULL), 0);
		cu->accept_from = &m;
		cu->naccept_from = 1;
		CHECK(from("192.0.2.77", &how) == UP(PROVIDER));
		CHECK_EQ_INT(how, SC_ATTRIB_ADDRESS);
		CHECK(from("2001:db8::5", &how) == NULL);
		cu->accept_from = NULL;
		cu->naccept_from = 0;
	}
	/* An IP literal uri is its own default (sc_attrib_init). */
	{
		struct sc_conf_upstream *cu = (struct sc_conf_upstream *)UP(CARRIER)->conf;
		char *saved = cu->host;

		cu->host = (char *)"198.51.100.9";
		sc_attrib_init(UP(CARRIER));
		CHECK(from("198.51.100.9", &how) == UP(CARRIER));
		cu->host = saved;
		sc_attrib_init(UP(CARRIER));
		CHECK(from("198.51.100.9", &how) == NULL);
	}
}

/* ---- 2. sc_core_lan_input ---- */

/* Max-Forwards over 255: it does not parse, but a 400 can be built. */
static const char bad_request[] = "INVITE sip:030987654@sip.provider.example SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-bad1\r\n"
				  "From: <sip:4930123456@sip.provider.example>;tag=b1\r\n"
				  "To: <sip:030987654@sip.provider.example>\r\n"
				  "Call-ID: bad1@192.168.1.20\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Max-Forwards: 300\r\n"
				  "Content-Length: 0\r\n"
				  "\r\n";

static void test_lan_malformed(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	struct sockaddr_storage stranger = addr("192.168.1.99", 5060);
	static char big[SC_SIP_MAX_MSG + 2048];
	const char *head;
	size_t n, body;

	fresh();
	/* From a device: a 400 it can match with its request (B8). */
	CHECK_EQ_INT(lan(bad_request, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.malformed);
	CHECK(out.why != NULL);
	CHECK(out.device == DEV(KITCHEN));
	check_reply(&out, 400, "Bad Request", "399 sipsidecar \"malformed request\"");
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-bad1");
	CHECK_STR(resp.m.call_id, "bad1@192.168.1.20");
	CHECK_EQ_INT(core.st.malformed, 1);
	/* Over TCP the same. */
	CHECK_EQ_INT(lan(bad_request, &ata, SC_TP_TCP), SC_CORE_REPLY);
	CHECK_EQ_INT(core.st.malformed, 2);
	/* From no device: nothing, but counted. */
	CHECK_EQ_INT(lan(bad_request, &stranger, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK_EQ_INT(core.st.malformed, 3);
	CHECK_EQ_INT(lan(bad_request, &stranger, SC_TP_TCP), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.malformed, 4);
	/* Nothing that parses is counted as a stranger's. */
	CHECK_EQ_INT(core.st.unknown_source, 0);
	/* Junk a 400 cannot be built for: dropped, counted. */
	CHECK_EQ_INT(lan("HELLO\r\n\r\n", &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK_EQ_INT(core.st.malformed, 5);

	/* Over 64 KiB from a device: dropped, no 400 (B8). */
	head = "MESSAGE sip:030987654@sip.provider.example SIP/2.0\r\n"
	       "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-big1\r\n"
	       "From: <sip:4930123456@sip.provider.example>;tag=g1\r\n"
	       "To: <sip:030987654@sip.provider.example>\r\n"
	       "Call-ID: big1@192.168.1.20\r\n"
	       "CSeq: 1 MESSAGE\r\n"
	       "Max-Forwards: 70\r\n"
	       "Content-Type: text/plain\r\n";
	body = SC_SIP_MAX_MSG;
	n = (size_t)snprintf(big, sizeof(big), "%sContent-Length: %zu\r\n\r\n", head, body);
	memset(big + n, 'x', body);
	n += body;
	CHECK(n > SC_SIP_MAX_MSG && n <= sizeof(big));
	CHECK_EQ_INT(lan_bytes(big, n, &ata, SC_TP_TCP), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(core.st.malformed, 6);
	CHECK_EQ_INT(lan_bytes(big, n, &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(core.st.malformed, 7);
	/* sc_core_malformed (a stream that cannot be framed) counts too. */
	sc_core_malformed(&core);
	CHECK_EQ_INT(core.st.malformed, 8);
	CHECK_EQ_INT(core.st.unknown_source, 0);
}

static void test_lan_stranger(void)
{
	struct sockaddr_storage stranger = addr("192.168.1.99", 5060);
	struct sockaddr_storage outside = addr("172.16.0.20", 5060);
	const char *req = ata_request("REGISTER", "z9hG4bK-str1");

	fresh();
	/* UDP: dropped, counted (B1: never an open relay). */
	CHECK_EQ_INT(lan(req, &stranger, SC_TP_UDP), SC_CORE_DROP);
	CHECK(!out.malformed);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(core.st.unknown_source, 1);
	CHECK_EQ_INT(lan(req, &outside, SC_TP_UDP), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.unknown_source, 2);
	/* TCP: a 403 saying why. */
	CHECK_EQ_INT(lan(req, &stranger, SC_TP_TCP), SC_CORE_REPLY);
	CHECK(!out.malformed);
	check_reply(&out, 403, "Forbidden", STRANGER_WARNING);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-str1");
	CHECK_EQ_INT(core.st.unknown_source, 3);
	/* A stranger's ACK over TCP gets nothing, but is counted. */
	CHECK_EQ_INT(lan(ata_request("ACK", "z9hG4bK-str1"), &stranger, SC_TP_TCP), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.unknown_source, 4);
	CHECK_EQ_INT(core.st.malformed, 0);
	CHECK_EQ_INT(core.st.retransmissions, 0);
}

/* The provider sends the ATA a request over link id; fwd holds what the
 * ATA gets. */
static void provider_calls_ata(const char *method, const char *branch, uint64_t id)
{
	struct sc_core_link lk = link_of(id, PROVIDER);

	now += 10;
	CHECK_EQ_INT(wan_at(provider_request(method, ATA_RURI, branch), &lk, now), SC_CORE_FORWARD);
	CHECK(out.device == DEV(KITCHEN));
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	view(&fwd, &out);
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_VIA), 2);
}

static void test_lan_device_response(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	static struct view own;

	fresh();
	/* A response without our Via (here: to the ATA's own request). */
	snprintf(own.text, sizeof(own.text), "%s", ata_request("OPTIONS", "z9hG4bK-own1"));
	own.len = strlen(own.text);
	CHECK_EQ_INT(sc_sip_msg_parse(&own.m, own.text, own.len), 0);
	CHECK_EQ_INT(lan(answer(&own, "200 OK"), &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(core.st.not_ours, 1);

	/* A response to a provider's request on a link that is open: back on
	 * that link, our LAN Via gone. */
	provider_calls_ata("INVITE", "z9hG4bK-open1", 0x5101);
	CHECK(contains(hdr(&fwd, SC_HDR_VIA, 0), "sc-l="));
	CHECK_EQ_INT(lan(answer(&fwd, "180 Ringing"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK(out.link == 0x5101);
	CHECK(out.device == DEV(KITCHEN));
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 180);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-open1;rport");
	CHECK(!has(&resp, "sc-l="));
	CHECK(!has(&resp, LAN));
	CHECK_EQ_INT(lan(answer(&fwd, "200 OK"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK(out.link == 0x5101);

	/* The same once that link has closed: nowhere to send it. */
	provider_calls_ata("INVITE", "z9hG4bK-gone1", 0x5102);
	close_link(0x5102);
	CHECK_EQ_INT(lan(answer(&fwd, "200 OK"), &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(out.len, 0);
	/* The other link still takes its responses. */
	provider_calls_ata("OPTIONS", "z9hG4bK-open2", 0x5101);
	CHECK_EQ_INT(lan(answer(&fwd, "200 OK"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK(out.link == 0x5101);
	CHECK_EQ_INT(core.st.not_ours, 1);
	CHECK_EQ_INT(core.st.malformed, 0);
}

/* What the first copy of the ATA's request (text, kept in a buffer of
 * its own so c->msg stays valid) gives. */
static char first_copy[8192];

static int ata_submits(const char *text, enum sc_transport tp)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);

	snprintf(first_copy, sizeof(first_copy), "%s", text);
	return lan(first_copy, &ata, tp);
}

static void test_lan_request_and_retransmissions(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	static char req[8192];
	struct sc_core_flow up = { true, false, false, NULL };

	fresh();
	snprintf(req, sizeof(req), "%s", ata_request("INVITE", "z9hG4bK-rt1"));
	/* A device request goes to its flow. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(!out.resend);
	CHECK(!out.malformed);
	CHECK(out.device == DEV(KITCHEN));
	CHECK_STR(core.msg.method, "INVITE");
	/* Retransmitted before it went anywhere: absorbed. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(!out.resend);
	CHECK_EQ_INT(core.st.retransmissions, 1);
	/* It goes out on link 0x6101. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.retransmissions, 2);
	CHECK_EQ_INT(sc_core_plan(&core, &core.msg, DEV(KITCHEN), SA(ata), &up, now, &out),
		     SC_CORE_SEND);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x6101, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	/* While that link is open, a retransmission is absorbed (B9). */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(!out.resend);
	CHECK(out.link == 0x6101);
	CHECK_EQ_INT(core.st.retransmissions, 3);
	/* The link closes before any answer: the next copy goes out again. */
	close_link(0x6101);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(out.resend);
	CHECK(out.why != NULL);
	CHECK_STR(core.msg.method, "INVITE");
	/* It goes out on 0x6102, which stays open: absorbed again. */
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x6102, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(!out.resend);
	CHECK(out.link == 0x6102);

	/* A REGISTER and an OPTIONS are submitted like the INVITE. */
	CHECK_EQ_INT(ata_submits(ata_request("REGISTER", "z9hG4bK-rt2"), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(!out.resend);
	CHECK_EQ_INT(ata_submits(ata_request("OPTIONS", "z9hG4bK-rt3"), SC_TP_TCP), SC_CORE_SUBMIT);
	CHECK(!out.resend);
	/* A request that cannot be relayed (the device's top Via does not
	 * parse): 400. */
	CHECK_EQ_INT(ata_submits(sip("OPTIONS sip:sip.provider.example SIP/2.0\r\n"
				     "Via: nonsense\r\n"
				     "From: <sip:4930123456@sip.provider.example>;tag=v1\r\n"
				     "To: <sip:sip.provider.example>\r\n"
				     "Call-ID: badvia@192.168.1.20\r\n"
				     "CSeq: 1 OPTIONS\r\n",
				     ""),
				 SC_TP_UDP),
		     SC_CORE_REPLY);
	check_reply(&out, 400, "Bad Request", NULL);
}

/* A request sent again after its link closed is sent again once: while
 * that copy waits for its flow, further retransmissions are absorbed like
 * those of a first copy, not queued again (B9: not multiplied on the TLS
 * side). */
static void test_lan_resend_once(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	struct sc_core_flow up = { true, false, false, NULL };
	struct sc_core_flow opening = { false, false, false, NULL };
	static char req[8192];

	fresh();
	snprintf(req, sizeof(req), "%s", ata_request("REGISTER", "z9hG4bK-once1"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_plan(&core, &core.msg, DEV(KITCHEN), SA(ata), &up, now, &out),
		     SC_CORE_SEND);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x6201, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	close_link(0x6201);
	/* Lost with its link: this copy goes (its flow is re-dialling). */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(out.resend);
	CHECK_EQ_INT(sc_core_plan(&core, &core.msg, DEV(KITCHEN), SA(ata), &opening, now, &out),
		     SC_CORE_QUEUE);
	/* The device repeats it meanwhile: absorbed, not queued again. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(!out.resend);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	/* The queued copy goes out on the new link: still absorbed. */
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x6202, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.link == 0x6202);
	/* And if that link goes too, once more. */
	close_link(0x6202);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(out.resend);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
}

/* ---- 3. sc_core_plan ---- */

/* A fresh request of method from the ATA, submitted: core.msg holds it. */
static void submitted(const char *method, const char *branch)
{
	CHECK_EQ_INT(ata_submits(ata_request(method, branch), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_STR(core.msg.method, method);
}

static int plan(const struct sc_core_flow *f)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);

	memset(&out, 0, sizeof(out));
	out.trying = SC_CORE_TRYING_AFTER; /* whatever was there before */
	return sc_core_plan(&core, &core.msg, DEV(KITCHEN), SA(ata), f, now, &out);
}

static void test_plan(void)
{
	static const char *const methods[] = { "INVITE", "REGISTER", "OPTIONS", "MESSAGE", "BYE" };
	const char *warning = "399 sipsidecar \"upstream certificate expired\"";
	struct sc_core_flow open = { true, false, false, NULL };
	struct sc_core_flow opening = { false, false, false, NULL };
	struct sc_core_flow refusing = { false, true, false, warning };
	struct sc_core_flow full = { false, false, true, "399 sipsidecar \"not this one\"" };
	char branch[64];
	size_t i;

	fresh();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		bool invite = i == 0;

		/* Up: send now; our 100 only after an INVITE went out. */
		snprintf(branch, sizeof(branch), "z9hG4bK-open-%s", methods[i]);
		submitted(methods[i], branch);
		CHECK_EQ_INT(plan(&open), SC_CORE_SEND);
		CHECK_EQ_INT(out.trying, invite ? SC_CORE_TRYING_AFTER : SC_CORE_TRYING_NONE);
		CHECK_EQ_INT(out.len, 0);
		/* Opening: queue it; our 100 first for an INVITE. */
		snprintf(branch, sizeof(branch), "z9hG4bK-opening-%s", methods[i]);
		submitted(methods[i], branch);
		CHECK_EQ_INT(plan(&opening), SC_CORE_QUEUE);
		CHECK_EQ_INT(out.trying, invite ? SC_CORE_TRYING_BEFORE : SC_CORE_TRYING_NONE);
		CHECK_EQ_INT(out.len, 0);
		/* Refused (inside its back-off): a 503 at once with the flow's
		 * own Warning (B10). */
		snprintf(branch, sizeof(branch), "z9hG4bK-refused-%s", methods[i]);
		submitted(methods[i], branch);
		CHECK_EQ_INT(plan(&refusing), SC_CORE_REPLY);
		CHECK_EQ_INT(out.trying, SC_CORE_TRYING_NONE);
		CHECK(out.device == DEV(KITCHEN));
		check_reply(&out, 503, "Service Unavailable", warning);
		CHECK(contains(hdr(&resp, SC_HDR_VIA, 0), branch));
		/* Queue full: a 503 of its own. */
		snprintf(branch, sizeof(branch), "z9hG4bK-full-%s", methods[i]);
		submitted(methods[i], branch);
		CHECK_EQ_INT(plan(&full), SC_CORE_REPLY);
		CHECK_EQ_INT(out.trying, SC_CORE_TRYING_NONE);
		check_reply(&out, 503, "Service Unavailable", FULL_WARNING);
	}
}

static void test_plan_refusal_remembered(void)
{
	const char *warning = "399 sipsidecar \"upstream certificate expired\"";
	struct sc_core_flow refusing = { false, true, false, warning };
	struct sc_core_flow full = { false, false, true, NULL };
	static char req[8192], first[SC_CORE_OUT_MAX];
	size_t first_len;

	fresh();
	snprintf(req, sizeof(req), "%s", ata_request("INVITE", "z9hG4bK-ref1"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(plan(&refusing), SC_CORE_REPLY);
	check_reply(&out, 503, "Service Unavailable", warning);
	first_len = out.len;
	memcpy(first, out.buf, out.len);
	/* Its retransmissions get the same 503 (B9), not a second attempt. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(same_bytes(&out, first, first_len));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(same_bytes(&out, first, first_len));
	CHECK_EQ_INT(core.st.retransmissions, 2);
	/* The same for a full queue. */
	snprintf(req, sizeof(req), "%s", ata_request("MESSAGE", "z9hG4bK-ref2"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(plan(&full), SC_CORE_REPLY);
	first_len = out.len;
	memcpy(first, out.buf, out.len);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(same_bytes(&out, first, first_len));
	check_reply(&out, 503, "Service Unavailable", FULL_WARNING);
}

/* ---- 4. sc_core_forward, sc_core_lost ---- */

static void test_forward(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	static char req[8192];

	fresh();
	snprintf(req, sizeof(req), "%s", ata_request("INVITE", "z9hG4bK-fw1"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x7101, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	CHECK(out.device == DEV(KITCHEN));
	view(&fwd, &out);
	CHECK(fwd.m.is_request);
	CHECK_STR(fwd.m.method, "INVITE");
	/* Ours on top, the ATA's below as it sent it (B3). */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_VIA), 2);
	check_our_tls_via(&fwd, req, "kitchen-ata", &ata);
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-fw1");
	CHECK_EQ_INT(fwd.m.max_forwards, 69);
	CHECK(contains(hdr(&fwd, SC_HDR_CONTACT, 0), "sc=" ATA_TOKEN));
	/* The link is remembered: a retransmission is absorbed while it is
	 * open. */
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.link == 0x7101);

	/* A request that cannot be rewritten (a Route that does not split):
	 * 400, remembered for its retransmissions. */
	snprintf(req, sizeof(req), "%s",
		 sip("OPTIONS sip:sip.provider.example SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-fw2\r\n"
		     "Route: <sip:192.168.1.1:5060;lr\r\n"
		     "From: <sip:4930123456@sip.provider.example>;tag=r1\r\n"
		     "To: <sip:sip.provider.example>\r\n"
		     "Call-ID: badroute@192.168.1.20\r\n"
		     "CSeq: 1 OPTIONS\r\n"
		     "Max-Forwards: 70\r\n",
		     ""));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x7101, WAN,
				     now, &out),
		     SC_CORE_REPLY);
	check_reply(&out, 400, "Bad Request", NULL);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	check_reply(&out, 400, "Bad Request", NULL);
}

static void test_lost(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	const char *warning = "399 sipsidecar \"upstream certificate revoked\"";
	static char req[8192], first[SC_CORE_OUT_MAX];
	size_t first_len;

	fresh();
	/* Its connection failed under it: 503, upstream connection lost. */
	snprintf(req, sizeof(req), "%s", ata_request("INVITE", "z9hG4bK-lost1"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x7201, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(sc_core_lost(&core, &core.msg, DEV(KITCHEN), SA(ata), NULL, now, &out),
		     SC_CORE_REPLY);
	CHECK(out.device == DEV(KITCHEN));
	check_reply(&out, 503, "Service Unavailable", LOST_WARNING);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-lost1");
	CHECK(contains(hdr(&resp, SC_HDR_TO, 0), ";tag="));
	first_len = out.len;
	memcpy(first, out.buf, out.len);
	/* Its retransmission gets that 503 (even with the link closed). */
	close_link(0x7201);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(same_bytes(&out, first, first_len));
	/* A queued request refused with the flow's own cause. */
	snprintf(req, sizeof(req), "%s", ata_request("REGISTER", "z9hG4bK-lost2"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_lost(&core, &core.msg, DEV(KITCHEN), SA(ata), warning, now, &out),
		     SC_CORE_REPLY);
	check_reply(&out, 503, "Service Unavailable", warning);
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_REPLY);
	check_reply(&out, 503, "Service Unavailable", warning);
	/* An ACK is never answered. */
	snprintf(req, sizeof(req), "%s", ata_request("ACK", "z9hG4bK-lost1"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_lost(&core, &core.msg, DEV(KITCHEN), SA(ata), NULL, now, &out),
		     SC_CORE_DROP);
}

/* ---- 5. sc_core_wan_input ---- */

static void test_wan_malformed(void)
{
	struct sc_core_link lk;
	const char *ok = provider_request("OPTIONS", ATA_RURI, "z9hG4bK-wm1");
	char bad[8192];

	fresh();
	lk = link_of(0x8101, PROVIDER);
	CHECK_EQ_INT(wan_at("HELLO\r\n\r\n", &lk, now), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(core.st.malformed, 1);
	/* A request missing its Call-ID: dropped, no 400 towards the WAN. */
	snprintf(bad, sizeof(bad), "%s", ok);
	memcpy(strstr(bad, "Call-ID:"), "X-Call:", 7);
	CHECK_EQ_INT(wan_at(bad, &lk, now), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(core.st.malformed, 2);
	/* A response that does not parse either. */
	CHECK_EQ_INT(wan_at("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", &lk, now), SC_CORE_DROP);
	CHECK(out.malformed);
	CHECK_EQ_INT(core.st.malformed, 3);
	CHECK_EQ_INT(core.retx.n, 0);
	/* Well formed: not malformed. */
	CHECK_EQ_INT(wan_at(ok, &lk, now), SC_CORE_FORWARD);
	CHECK(!out.malformed);
	CHECK_EQ_INT(core.st.malformed, 3);
}

static void test_wan_cannot_relay(void)
{
	struct sc_core_link lk;
	struct sc_core_link carrier;

	fresh();
	lk = link_of(0x8201, PROVIDER);
	carrier = link_of(0x8202, CARRIER);
	/* It parses, and names a device, but its top Via does not: the core
	 * cannot add its own (sc_inbound_via_add: -EBADMSG), so 400. */
	CHECK_EQ_INT(wan_at(sipf("",
				 "INVITE " ATA_RURI " SIP/2.0\r\n"
				 "Via: SIP/2.0/TLS\r\n"
				 "Max-Forwards: 70\r\n"
				 "From: <sip:+4930987654@sip.provider.example>;tag=bv1\r\n"
				 "To: <sip:4930123456@sip.provider.example>\r\n"
				 "Call-ID: badvia@203.0.113.5\r\n"
				 "CSeq: 1 INVITE\r\n"),
			    &lk, now),
		     SC_CORE_REPLY);
	CHECK(!out.malformed);
	check_reply(&out, 400, "Bad Request", NULL);
	CHECK_STR(resp.m.call_id, "badvia@203.0.113.5");
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_EQ_INT(core.st.malformed, 0);
	CHECK_EQ_INT(core.retx.n, 0);
	/* The same for a static device. */
	CHECK_EQ_INT(wan_at(sipf("",
				 "OPTIONS sip:+4930555123@trunk-edge.example.net:5061 SIP/2.0\r\n"
				 "Via: nonsense\r\n"
				 "Max-Forwards: 70\r\n"
				 "From: <sip:carrier.example>;tag=bv2\r\n"
				 "To: <sip:+4930555123@trunk-edge.example.net>\r\n"
				 "Call-ID: badvia2@203.0.113.5\r\n"
				 "CSeq: 1 OPTIONS\r\n"),
			    &carrier, now),
		     SC_CORE_REPLY);
	check_reply(&out, 400, "Bad Request", NULL);
	CHECK_EQ_INT(core.retx.n, 0);
}

/* What the repetition timer hands out at t, called as the relay calls it
 * (until SC_CORE_DROP): the number of repetitions, each checked to be the
 * forwarded bytes to the ATA; the 408s for the provider are counted in
 * *gone (may be NULL) and the last is left in rout. */
static struct sc_core_out rout;

static size_t retx_at(uint64_t t, size_t *gone)
{
	size_t n = 0, guard = 0;

	while (guard++ < 64 && sc_timeout_retx(&core, t, &rout) == SC_CORE_FORWARD) {
		if (rout.link) {
			if (gone)
				++*gone;
			continue;
		}
		CHECK(rout.device == NULL);
		CHECK_EQ_INT(rout.tp, SC_TP_UDP);
		CHECK(rout.len == fwd.len && memcmp(rout.buf, fwd.text, fwd.len) == 0);
		CHECK_STR(sc_str_cstr(addr_text(&rout.dst)), ATA_IP ":5060");
		n++;
	}
	CHECK(guard < 64);
	return n;
}

/* The times (ms after t0) at which the one request forwarded at t0 is
 * sent again, probing every ms from t0 to t0 + limit; *gone counts the
 * 408s for the provider once it is given up. */
static size_t repetitions(uint64_t t0, uint64_t limit, uint64_t *at, size_t cap, size_t *gone)
{
	uint64_t t;
	size_t n = 0, k;

	for (t = t0; t <= t0 + limit; t++) {
		k = retx_at(t, gone);
		/* Only the one entry. */
		CHECK(k <= 1);
		if (!k)
			continue;
		if (n < cap)
			at[n] = t - t0;
		n++;
	}
	return n;
}

static void test_wan_invite_repeated(void)
{
	static const uint64_t want[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	uint64_t at[16], t0;
	size_t n, i, gone = 0;

	fresh();
	provider_calls_ata("INVITE", "z9hG4bK-rx1", 0x8301);
	t0 = now;
	CHECK_EQ_INT(core.retx.n, 1);
	/* Timer A: T1, then doubling, beyond T2 for an INVITE. */
	CHECK_EQ_INT(retx_at(t0 + 499, NULL), 0);
	n = repetitions(t0, 40000, at, 16, &gone);
	CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_INT(at[i], want[i]);
	/* Given up after 32 s: gone, and the provider told (RFC 3261 §16.8):
	 * a 408 with its own Via only, on the link the INVITE came in on. */
	CHECK_EQ_INT(core.retx.n, 0);
	CHECK_EQ_INT(gone, 1);
	CHECK(rout.link == 0x8301);
	check_reply(&rout, 408, "Request Timeout", "399 sipsidecar \"no response from the device\"");
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-rx1;rport");
	CHECK_STR(resp.m.call_id, "z9hG4bK-rx1@203.0.113.5");
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_EQ_INT(core.st.timeouts, 1);
	/* Its link closed meanwhile: nobody to tell. */
	provider_calls_ata("MESSAGE", "z9hG4bK-rx1b", 0x8302);
	close_link(0x8302);
	gone = 0;
	CHECK_EQ_INT(repetitions(now, 40000, at, 16, &gone), 10);
	CHECK_EQ_INT(gone, 0);
	CHECK_EQ_INT(core.retx.n, 0);
}

static void test_wan_repetition_stops_on_response(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	static struct view req, other;
	uint64_t t0;
	size_t gone = 0;

	fresh();
	provider_calls_ata("INVITE", "z9hG4bK-rx2", 0x8401);
	req = fwd;
	CHECK_EQ_INT(sc_sip_msg_parse(&req.m, req.text, req.len), 0);
	t0 = now;
	CHECK_EQ_INT(retx_at(t0 + 499, NULL), 0);
	CHECK_EQ_INT(retx_at(t0 + 500, NULL), 1);
	CHECK_EQ_INT(retx_at(t0 + 1499, NULL), 0);
	CHECK_EQ_INT(retx_at(t0 + 1500, NULL), 1);
	/* The device answers: no more repetitions, and no 408. */
	now = t0 + 1600;
	CHECK_EQ_INT(lan(answer(&req, "180 Ringing"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(core.retx.n, 0);
	CHECK_EQ_INT(retx_at(t0 + 3500, &gone), 0);
	CHECK_EQ_INT(retx_at(t0 + 40000, &gone), 0);
	CHECK_EQ_INT(gone, 0);

	/* Two requests at once: the answer to one stops that one only; the
	 * answer stops it even when its link has closed meanwhile. */
	provider_calls_ata("MESSAGE", "z9hG4bK-rx3", 0x8402);
	t0 = now;
	req = fwd;
	CHECK_EQ_INT(sc_sip_msg_parse(&req.m, req.text, req.len), 0);
	provider_calls_ata("OPTIONS", "z9hG4bK-rx4", 0x8402);
	other = fwd;
	CHECK_EQ_INT(core.retx.n, 2);
	close_link(0x8402);
	CHECK_EQ_INT(lan(answer(&req, "200 OK"), &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK_EQ_INT(core.retx.n, 1);
	fwd = other;
	CHECK_EQ_INT(retx_at(t0 + 600, NULL), 1);
	CHECK_EQ_INT(retx_at(t0 + 600, NULL), 0);
}

static void test_wan_non_invite_capped(void)
{
	static const uint64_t want[] = { 500,   1500,  3500,  7500,  11500,
					 15500, 19500, 23500, 27500, 31500 };
	static const char *const methods[] = { "MESSAGE", "OPTIONS" };
	uint64_t at[16], t0;
	size_t n, i, k;

	for (k = 0; k < 2; k++) {
		fresh();
		provider_calls_ata(methods[k], "z9hG4bK-rx5", 0x8501);
		t0 = now;
		/* Timer E: T1, doubling up to T2 = 4 s, then every T2. */
		n = repetitions(t0, 40000, at, 16, NULL);
		CHECK_EQ_INT(n, sizeof(want) / sizeof(want[0]));
		for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
			CHECK_EQ_INT(at[i], want[i]);
		CHECK_EQ_INT(core.retx.n, 0);
	}
}

static void test_wan_ack_and_tcp_not_repeated(void)
{
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);
	struct sc_core_link lk;

	fresh();
	lk = link_of(0x8601, PROVIDER);
	/* An ACK is never repeated (it has no response to stop it). */
	provider_calls_ata("ACK", "z9hG4bK-rx6", 0x8601);
	CHECK_EQ_INT(core.retx.n, 0);
	CHECK_EQ_INT(retx_at(now + 500, NULL), 0);
	CHECK_EQ_INT(retx_at(now + 4000, NULL), 0);

	/* A device last seen over TCP: TCP is reliable, nothing repeated. */
	CHECK_EQ_INT(lan(sip("REGISTER sip:sip.provider.example SIP/2.0\r\n"
			     "Via: SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-snomreg\r\n"
			     "From: <sip:1005@sip.provider.example>;tag=s1\r\n"
			     "To: <sip:1005@sip.provider.example>\r\n"
			     "Call-ID: snomreg@192.168.1.70\r\n"
			     "CSeq: 1 REGISTER\r\n"
			     "Max-Forwards: 70\r\n"
			     "Contact: <sip:1005@192.168.1.70:3052;transport=tcp>\r\n",
			     ""),
			 &snom, SC_TP_TCP),
		     SC_CORE_SUBMIT);
	CHECK(out.device == DEV(LAB));
	CHECK_EQ_INT(wan_at(provider_request("INVITE", "sip:1005@" WAN ";transport=tls;sc=" LAB_TOKEN,
					     "z9hG4bK-rx7"),
			    &lk, now),
		     SC_CORE_FORWARD);
	CHECK(out.device == DEV(LAB));
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK_EQ_INT(core.retx.n, 0);
	CHECK_EQ_INT(retx_at(now + 500, NULL), 0);
	/* The same Contact registered over UDP: repeated. */
	snom = addr("192.168.1.70", 5060);
	CHECK_EQ_INT(lan(sip("REGISTER sip:sip.provider.example SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.168.1.70:5060;branch=z9hG4bK-snomreg2\r\n"
			     "From: <sip:1005@sip.provider.example>;tag=s2\r\n"
			     "To: <sip:1005@sip.provider.example>\r\n"
			     "Call-ID: snomreg@192.168.1.70\r\n"
			     "CSeq: 2 REGISTER\r\n"
			     "Max-Forwards: 70\r\n"
			     "Contact: <sip:1005@192.168.1.70:3052>\r\n",
			     ""),
			 &snom, SC_TP_UDP),
		     SC_CORE_SUBMIT);
	CHECK_EQ_INT(wan_at(provider_request("INVITE", "sip:1005@" WAN ";transport=tls;sc=" LAB_TOKEN,
					     "z9hG4bK-rx8"),
			    &lk, now),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	CHECK_EQ_INT(core.retx.n, 1);
	/* A local answer (404: no such device) is not repeated either. */
	CHECK_EQ_INT(wan_at(provider_request("INVITE", "sip:nobody@" WAN, "z9hG4bK-rx9"), &lk, now),
		     SC_CORE_REPLY);
	CHECK_EQ_INT(core.retx.n, 1);
}

/* ---- 6. sc_core_undeliverable ---- */

static void test_undeliverable(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	struct sc_core_link lk;
	static char req[8192];

	fresh();
	lk = link_of(0x9101, PROVIDER);
	/* A provider's request the device cannot be given: 480 for the
	 * provider, on its own transaction. */
	provider_calls_ata("INVITE", "z9hG4bK-und1", 0x9101);
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(sc_core_undeliverable(&core, NULL, 0, &out), SC_CORE_REPLY);
	CHECK(out.why != NULL);
	check_reply(&out, 480, "Temporarily Unavailable", NULL);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-und1;rport");
	CHECK_STR(resp.m.call_id, "z9hG4bK-und1@203.0.113.5");
	CHECK_STR(resp.m.cseq_method, "INVITE");
	/* The same from a copy of the request (it waited for a connection
	 * the device refused), whatever c->msg holds by then. */
	{
		static char other[8192];

		snprintf(req, sizeof(req), "%s", provider_request("INVITE", ATA_RURI, "z9hG4bK-und3"));
		snprintf(other, sizeof(other), "%s", ata_request("OPTIONS", "z9hG4bK-und4"));
		CHECK_EQ_INT(sc_sip_msg_parse(&core.msg, other, strlen(other)), 0);
	}
	CHECK_EQ_INT(sc_core_undeliverable(&core, req, strlen(req), &out), SC_CORE_REPLY);
	check_reply(&out, 480, "Temporarily Unavailable", NULL);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-und3;rport");
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_EQ_INT(sc_core_undeliverable(&core, "not SIP", 7, &out), SC_CORE_DROP);
	/* An ACK gets nothing. */
	CHECK_EQ_INT(wan_at(provider_request("ACK", ATA_RURI, "z9hG4bK-und1"), &lk, now),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(sc_core_undeliverable(&core, NULL, 0, &out), SC_CORE_DROP);

	/* A provider's response the device cannot be given: nothing to say. */
	snprintf(req, sizeof(req), "%s", ata_request("INVITE", "z9hG4bK-und2"));
	CHECK_EQ_INT(ata_submits(req, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, 0x9101, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(wan_at(answer(&fwd, "180 Ringing"), &lk, now), SC_CORE_FORWARD);
	CHECK(out.device == DEV(KITCHEN));
	CHECK_STR(sc_str_cstr(addr_text(&out.dst)), ATA_IP ":5060");
	CHECK_EQ_INT(sc_core_undeliverable(&core, NULL, 0, &out), SC_CORE_DROP);
	/* Only the provider's INVITE is being repeated to the ATA: not its
	 * ACK, not a response. */
	CHECK_EQ_INT(core.retx.n, 1);
}

/* ---- 7. sc_timeout_txn: B13 ---- */

/* The kitchen ATA's INVITE (or method), sent on link at now; fwd is what
 * the provider got. */
static void ata_calls_out(const char *method, const char *branch, uint64_t link)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);

	CHECK_EQ_INT(ata_submits(ata_request(method, branch), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP, link, WAN,
				     now, &out),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
}

/* Everything the transaction timers hand out at t, as the relay's tick
 * calls it (until SC_CORE_DROP), into outs (at most cap); how many. */
static size_t tick(uint64_t t, struct sc_core_out *outs, size_t cap)
{
	static struct sc_core_out scratch;
	size_t n = 0;

	while (n < 8) {
		struct sc_core_out *o = n < cap ? &outs[n] : &scratch;

		if (sc_timeout_txn(&core, t, o) != SC_CORE_FORWARD)
			break;
		CHECK(o->why != NULL);
		n++;
	}
	CHECK(n < 8);
	return n;
}

/* The ATA's 408 (or other status): its own Via only, to its address, the
 * Warning saying why. */
static void check_408_to_ata_status(const struct sc_core_out *o, int status, const char *reason,
				    const char *branch, const char *warning)
{
	char via[128];

	CHECK(o->link == 0);
	CHECK(o->device == DEV(KITCHEN));
	CHECK_EQ_INT(o->tp, SC_TP_UDP);
	CHECK_STR(sc_str_cstr(addr_text(&o->dst)), ATA_IP ":5060");
	check_reply(o, status, reason, warning);
	snprintf(via, sizeof(via), "SIP/2.0/UDP 192.168.1.20:5060;branch=%s", branch);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), via);
}

static void check_408_to_ata(const struct sc_core_out *o, const char *branch, const char *warning)
{
	check_408_to_ata_status(o, 408, "Request Timeout", branch, warning);
}

#define WARN_NO_RESPONSE "399 sipsidecar \"no response from the upstream\""
#define WARN_TIMER_C "399 sipsidecar \"no final response from the upstream in 3 minutes\""

/* A phone that rings 40 s: the answer still reaches the caller (it was
 * lost when the transaction lived 32 s after the 180); a second phone of a
 * fork answering later is relayed too (RFC 6026), until 32 s after the
 * first 2xx. */
static void test_timeout_long_ring(void)
{
	struct sc_core_link lk;
	struct sc_core_out outs[2];
	static char ok_b[8192];
	uint64_t t0;

	fresh();
	lk = link_of(0x9201, PROVIDER);
	ata_calls_out("INVITE", "z9hG4bK-ring1", 0x9201);
	t0 = now;
	CHECK_EQ_INT(wan_at(answer(&fwd, "100 Trying"), &lk, t0 + 20), SC_CORE_DROP);
	CHECK_EQ_INT(wan_at(answer(&fwd, "180 Ringing"), &lk, t0 + 1000), SC_CORE_FORWARD);
	CHECK_EQ_INT(tick(t0 + 1000 + 40000, outs, 2), 0);
	CHECK_EQ_INT(tick(t0 + 1000 + SC_TXN_TIMER_C_MS - 1, outs, 2), 0);
	CHECK_EQ_INT(wan_at(answer(&fwd, "200 OK"), &lk, t0 + 41000), SC_CORE_FORWARD);
	CHECK(out.device == DEV(KITCHEN));
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 200);
	/* The same 200 again, and a fork's 200 (another To tag). */
	CHECK_EQ_INT(wan_at(answer(&fwd, "200 OK"), &lk, t0 + 42000), SC_CORE_FORWARD);
	snprintf(ok_b, sizeof(ok_b), "%s", answer(&fwd, "200 OK"));
	{
		char *tag = strstr(ok_b, ";tag=a3f9c1");

		CHECK(tag != NULL);
		if (tag)
			memcpy(tag, ";tag=b7e2d0", 11);
	}
	CHECK_EQ_INT(wan_at(ok_b, &lk, t0 + 60000), SC_CORE_FORWARD);
	CHECK(out.device == DEV(KITCHEN));
	CHECK(strstr(out.buf, "tag=b7e2d0") != NULL);
	/* A late 486 from the fork's other branch: not relayed, counted. */
	CHECK_EQ_INT(wan_at(answer(&fwd, "486 Busy Here"), &lk, t0 + 61000), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.late, 1);
	/* Nothing timed out, and 32 s after the first 200 it is forgotten. */
	CHECK_EQ_INT(tick(t0 + 41000 + SC_TXN_ACCEPTED_MS, outs, 2), 0);
	CHECK_EQ_INT(wan_at(ok_b, &lk, t0 + 41000 + SC_TXN_ACCEPTED_MS), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.timeouts, 0);
}

/* Timer C: 3 minutes after the last provisional, a CANCEL goes upstream on
 * the INVITE's link and the ATA gets a 408; the 487 that follows is late. */
static void test_timeout_timer_c(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	struct sc_core_link lk;
	static struct sc_core_out outs[3];
	static struct view cancel, inv;
	uint64_t t1;

	fresh();
	lk = link_of(0x9301, PROVIDER);
	ata_calls_out("INVITE", "z9hG4bK-ring2", 0x9301);
	inv = fwd;
	CHECK_EQ_INT(sc_sip_msg_parse(&inv.m, inv.text, inv.len), 0);
	CHECK_EQ_INT(wan_at(answer(&fwd, "180 Ringing"), &lk, now + 100), SC_CORE_FORWARD);
	t1 = now + 100;
	CHECK_EQ_INT(wan_at(answer(&fwd, "183 Session Progress"), &lk, t1 + 60000), SC_CORE_FORWARD);
	t1 += 60000;
	CHECK_EQ_INT(tick(t1 + SC_TXN_TIMER_C_MS - 1, outs, 3), 0);
	CHECK_EQ_INT(tick(t1 + SC_TXN_TIMER_C_MS, outs, 3), 2);
	/* First the CANCEL, on the INVITE's link, matching it. */
	CHECK(outs[0].link == 0x9301);
	view(&cancel, &outs[0]);
	CHECK(cancel.m.is_request);
	CHECK_STR(cancel.m.method, "CANCEL");
	CHECK(cancel.m.ruri.n == inv.m.ruri.n && memcmp(cancel.m.ruri.p, inv.m.ruri.p, inv.m.ruri.n) == 0);
	CHECK_EQ_INT(nhdr(&cancel, SC_HDR_VIA), 1);
	CHECK(hdr(&cancel, SC_HDR_VIA, 0).n == hdr(&inv, SC_HDR_VIA, 0).n &&
	      memcmp(hdr(&cancel, SC_HDR_VIA, 0).p, hdr(&inv, SC_HDR_VIA, 0).p,
		     hdr(&inv, SC_HDR_VIA, 0).n) == 0);
	CHECK_STR(hdr(&cancel, SC_HDR_CSEQ, 0), "102 CANCEL");
	CHECK_STR(cancel.m.call_id, "z9hG4bK-ring2-7a1b2c3d@192.168.1.20");
	CHECK_STR(hdr(&cancel, SC_HDR_TO, 0), "<sip:030987654@sip.provider.example>");
	/* Then the ATA's 408. */
	check_408_to_ata(&outs[1], "z9hG4bK-ring2", WARN_TIMER_C);
	CHECK_EQ_INT(core.st.timeouts, 1);
	/* The callee's 487 to our CANCEL is late; the ATA's ACK to our 408
	 * goes on (the provider's INVITE transaction takes it). */
	CHECK_EQ_INT(wan_at(answer(&fwd, "487 Request Terminated"), &lk, t1 + SC_TXN_TIMER_C_MS + 50),
		     SC_CORE_DROP);
	CHECK_EQ_INT(core.st.late, 1);
	/* The ATA repeating its INVITE gets the 408 again. */
	now = t1 + SC_TXN_TIMER_C_MS + 100;
	CHECK_EQ_INT(lan(ata_request("INVITE", "z9hG4bK-ring2"), &ata, SC_TP_UDP), SC_CORE_REPLY);
	check_reply(&out, 408, "Request Timeout", WARN_TIMER_C);
	CHECK_EQ_INT(tick(now + 1000, outs, 3), 0);
}

/* Timer B and F: no response at all in 32 s after the send: a 408 to the
 * ATA, no CANCEL (nothing rings).  Timer C on a link that closed: the 408
 * only. */
static void test_timeout_timer_b_f(void)
{
	struct sc_core_link lk;
	static struct sc_core_out outs[3];
	uint64_t t0, t1;

	fresh();
	lk = link_of(0x9401, PROVIDER);
	ata_calls_out("INVITE", "z9hG4bK-tb1", 0x9401);
	t0 = now;
	ata_calls_out("MESSAGE", "z9hG4bK-tf1", 0x9401);
	t1 = now;
	CHECK(t1 > t0);
	/* A non-INVITE's provisional does not extend Timer F. */
	CHECK_EQ_INT(wan_at(answer(&fwd, "182 Queued"), &lk, t1 + 10), SC_CORE_FORWARD);
	CHECK_EQ_INT(tick(t0 + SC_TXN_TIMER_B_MS - 1, outs, 3), 0);
	CHECK_EQ_INT(tick(t0 + SC_TXN_TIMER_B_MS, outs, 3), 1);
	check_408_to_ata(&outs[0], "z9hG4bK-tb1", WARN_NO_RESPONSE);
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_EQ_INT(tick(t1 + SC_TXN_TIMER_B_MS - 1, outs, 3), 0);
	CHECK_EQ_INT(tick(t1 + SC_TXN_TIMER_B_MS, outs, 3), 1);
	check_408_to_ata(&outs[0], "z9hG4bK-tf1", WARN_NO_RESPONSE);
	CHECK_STR(resp.m.cseq_method, "MESSAGE");
	CHECK_EQ_INT(core.st.timeouts, 2);
	CHECK_EQ_INT(tick(t1 + SC_TXN_TIMER_B_MS + 1000, outs, 3), 0);

	/* Ringing, then its flow dropped: Timer C sends no CANCEL (no link
	 * to send it on), the ATA still gets its 408. */
	ata_calls_out("INVITE", "z9hG4bK-tc2", 0x9402);
	lk = link_of(0x9402, PROVIDER);
	CHECK_EQ_INT(wan_at(answer(&fwd, "180 Ringing"), &lk, now), SC_CORE_FORWARD);
	close_link(0x9402);
	CHECK_EQ_INT(tick(now + SC_TXN_TIMER_C_MS, outs, 3), 1);
	check_408_to_ata(&outs[0], "z9hG4bK-tc2", WARN_TIMER_C);
}

/* B14: a flow found dead (or closed) under requests: the ATA's INVITE
 * gets a 503 with a Warning at once, not Timer B's 408 32 s later; its
 * MESSAGE over UDP, not answered yet, goes out again on its repetition. */
static void test_timeout_link_lost(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	static struct sc_core_out outs[3];

	fresh();
	ata_calls_out("INVITE", "z9hG4bK-lost1", 0x9501);
	ata_calls_out("MESSAGE", "z9hG4bK-lost2", 0x9501);
	ata_calls_out("OPTIONS", "z9hG4bK-lost3", 0x9502);
	close_link(0x9501);
	sc_core_link_lost(&core, 0x9501, now);
	CHECK_EQ_INT(tick(now, outs, 3), 1);
	check_408_to_ata_status(&outs[0], 503, "Service Unavailable", "z9hG4bK-lost1",
				"399 sipsidecar \"upstream connection lost\"");
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_EQ_INT(core.st.timeouts, 0);
	/* The MESSAGE's repetition: sent again (B9). */
	now += 500;
	CHECK_EQ_INT(lan(ata_request("MESSAGE", "z9hG4bK-lost2"), &ata, SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK(out.resend);
	/* The INVITE's repetition gets the 503 again. */
	CHECK_EQ_INT(lan(ata_request("INVITE", "z9hG4bK-lost1"), &ata, SC_TP_UDP), SC_CORE_REPLY);
	check_reply(&out, 503, "Service Unavailable", "399 sipsidecar \"upstream connection lost\"");
	/* Another link's request is not touched. */
	CHECK_EQ_INT(tick(now + 1000, outs, 3), 0);
}

/* Issue item: the provider's CANCEL (or the ACK of a non-2xx) comes on
 * another flow than its INVITE: the ATA still gets the INVITE's branch, so
 * its transaction matches; the response goes back on the CANCEL's own
 * connection. */
static void test_cancel_on_another_flow(void)
{
	static struct view inv;
	struct sc_sip_via a, b;

	fresh();
	provider_calls_ata("INVITE", "z9hG4bK-xflow", 0x9701);
	inv = fwd;
	CHECK_EQ_INT(sc_sip_msg_parse(&inv.m, inv.text, inv.len), 0);
	provider_calls_ata("CANCEL", "z9hG4bK-xflow", 0x9702);
	CHECK_EQ_INT(sc_sip_via_parse(&a, hdr(&inv, SC_HDR_VIA, 0)), 0);
	CHECK_EQ_INT(sc_sip_via_parse(&b, hdr(&fwd, SC_HDR_VIA, 0)), 0);
	CHECK(sc_str_eq(a.branch, b.branch));
	CHECK(contains(hdr(&inv, SC_HDR_VIA, 0), ";sc-l=0000000000009701"));
	CHECK(contains(hdr(&fwd, SC_HDR_VIA, 0), ";sc-l=0000000000009702"));
	provider_calls_ata("ACK", "z9hG4bK-xflow", 0x9703);
	CHECK_EQ_INT(sc_sip_via_parse(&b, hdr(&fwd, SC_HDR_VIA, 0)), 0);
	CHECK(sc_str_eq(a.branch, b.branch));
}

/* ---- 8. sc_replay_send: B7 ---- */

/* The ATA's REGISTER in Call-ID reg-1@ata: branch, CSeq. */
static const char *ata_register(const char *branch, int cseq)
{
	return sipf("",
		    "REGISTER sip:sip.provider.example SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=%s;rport\r\n"
		    "From: <sip:4930123456@sip.provider.example>;tag=rg1\r\n"
		    "To: <sip:4930123456@sip.provider.example>\r\n"
		    "Call-ID: reg-1@ata\r\n"
		    "CSeq: %d REGISTER\r\n"
		    "Contact: <sip:4930123456@192.168.1.20:5060>\r\n"
		    "Authorization: Digest username=\"4930123456\", nonce=\"n1\", "
		    "response=\"00112233445566778899aabbccddeeff\"\r\n"
		    "Expires: 3600\r\n"
		    "Max-Forwards: 70\r\n",
		    branch, cseq);
}

/* The provider's 200 to REGISTER req (a view): its Contact for 3600 s. */
static const char *register_ok(const struct view *req)
{
	static char buf[8192];
	const char *ok = answer(req, "200 OK");
	const char *end = strstr(ok, "Content-Length:");

	snprintf(buf, sizeof(buf), "%.*sContact: %.*s;expires=3600\r\n%s", (int)(end - ok), ok,
		 (int)hdr(req, SC_HDR_CONTACT, 0).n, hdr(req, SC_HDR_CONTACT, 0).p, end);
	return buf;
}

/* A flow comes back: the ATA's accepted REGISTER goes out again, as a new
 * transaction with a higher CSeq and its credentials; the answer is ours.
 * Its next REGISTER is raised above the replay, and lowered again for it.
 * A challenged replay caps the expiries its devices get. */
static void test_replay(void)
{
	struct sockaddr_storage ata = addr(ATA_IP, 5060);
	struct sc_core_link lk1, lk2;
	static struct view first, replay, next;

	fresh();
	lk1 = link_of(0x9601, PROVIDER);
	lk2 = link_of(0x9602, PROVIDER);
	CHECK_EQ_INT(sc_replay_send(&core, DEV(KITCHEN), 0x9602, WAN, now, &out), SC_CORE_DROP);
	/* Registered through flow 1. */
	CHECK_EQ_INT(ata_submits(ata_register("z9hG4bK-rg1", 102), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP,
				     0x9601, WAN, now, &out),
		     SC_CORE_FORWARD);
	view(&first, &out);
	CHECK_STR(hdr(&first, SC_HDR_CSEQ, 0), "102 REGISTER");
	CHECK_EQ_INT(wan_at(register_ok(&first), &lk1, now), SC_CORE_FORWARD);
	CHECK(DEV(KITCHEN)->reg != NULL);
	/* Flow 2: the replay. */
	CHECK_EQ_INT(sc_replay_send(&core, DEV(KITCHEN), 0x9602, WAN, now, &out), SC_CORE_FORWARD);
	view(&replay, &out);
	CHECK_STR(replay.m.method, "REGISTER");
	CHECK_STR(hdr(&replay, SC_HDR_CSEQ, 0), "103 REGISTER");
	CHECK_STR(replay.m.call_id, "reg-1@ata");
	CHECK(has(&replay, "response=\"00112233445566778899aabbccddeeff\""));
	CHECK(!sc_str_eq(hdr(&replay, SC_HDR_VIA, 0), hdr(&first, SC_HDR_VIA, 0)));
	/* The same Contact, token and all, on the new flow's address. */
	CHECK(sc_str_eq(hdr(&replay, SC_HDR_CONTACT, 0), hdr(&first, SC_HDR_CONTACT, 0)));
	CHECK(contains(hdr(&replay, SC_HDR_CONTACT, 0), ";sc=kitchen-ata~"));
	/* Its 200 is the sidecar's: nothing for the ATA. */
	CHECK_EQ_INT(wan_at(register_ok(&replay), &lk2, now), SC_CORE_DROP);
	CHECK(out.notice);
	CHECK(out.why && strstr(out.why, "accepted"));
	/* The ATA's own refresh, CSeq 103 in the same Call-ID, goes out as
	 * 104, and its 200 comes back to it as 103. */
	CHECK_EQ_INT(ata_submits(ata_register("z9hG4bK-rg2", 103), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP,
				     0x9602, WAN, now, &out),
		     SC_CORE_FORWARD);
	view(&next, &out);
	CHECK_STR(hdr(&next, SC_HDR_CSEQ, 0), "104 REGISTER");
	CHECK_EQ_INT(wan_at(register_ok(&next), &lk2, now), SC_CORE_FORWARD);
	view(&resp, &out);
	CHECK_STR(hdr(&resp, SC_HDR_CSEQ, 0), "103 REGISTER");
	CHECK(has(&resp, ";expires=3600\r\n"));
	/* A challenged replay: from then on, at most reregister_max. */
	CHECK_EQ_INT(sc_replay_send(&core, DEV(KITCHEN), 0x9602, WAN, now, &out), SC_CORE_FORWARD);
	view(&replay, &out);
	CHECK_STR(hdr(&replay, SC_HDR_CSEQ, 0), "105 REGISTER");
	CHECK_EQ_INT(wan_at(answer(&replay, "401 Unauthorized"), &lk2, now), SC_CORE_DROP);
	CHECK(out.notice && strstr(out.why, "challenged"));
	CHECK(UP(PROVIDER)->replay_challenged);
	CHECK_EQ_INT(ata_submits(ata_register("z9hG4bK-rg3", 104), SC_TP_UDP), SC_CORE_SUBMIT);
	CHECK_EQ_INT(sc_core_forward(&core, &core.msg, DEV(KITCHEN), SA(ata), SC_TP_UDP,
				     0x9602, WAN, now, &out),
		     SC_CORE_FORWARD);
	view(&next, &out);
	CHECK_STR(hdr(&next, SC_HDR_CSEQ, 0), "106 REGISTER");
	CHECK_EQ_INT(wan_at(register_ok(&next), &lk2, now), SC_CORE_FORWARD);
	view(&resp, &out);
	CHECK_STR(hdr(&resp, SC_HDR_CSEQ, 0), "104 REGISTER");
	CHECK(has(&resp, ";expires=120\r\n"));
	/* A replay whose link is lost or unanswered gets no 503/408 to the
	 * ATA: it is the sidecar's. */
	CHECK_EQ_INT(sc_replay_send(&core, DEV(KITCHEN), 0x9603, WAN, now, &out), SC_CORE_FORWARD);
	close_link(0x9603);
	sc_core_link_lost(&core, 0x9603, now);
	{
		static struct sc_core_out outs[2];

		CHECK_EQ_INT(tick(now, outs, 2), 0);
		CHECK_EQ_INT(tick(now + SC_TXN_TIMER_B_MS, outs, 2), 0);
	}
}

int main(void)
{
	conf = load();
	if (!conf) {
		fprintf(stderr, "test_core_verdicts: the configuration does not load\n");
		return 1;
	}
	RUN(test_attribute);
	RUN(test_attribute_by_address);
	RUN(test_lan_malformed);
	RUN(test_lan_stranger);
	RUN(test_lan_device_response);
	RUN(test_lan_request_and_retransmissions);
	RUN(test_lan_resend_once);
	RUN(test_plan);
	RUN(test_plan_refusal_remembered);
	RUN(test_forward);
	RUN(test_lost);
	RUN(test_wan_malformed);
	RUN(test_wan_cannot_relay);
	RUN(test_wan_invite_repeated);
	RUN(test_wan_repetition_stops_on_response);
	RUN(test_wan_non_invite_capped);
	RUN(test_wan_ack_and_tcp_not_repeated);
	RUN(test_undeliverable);
	RUN(test_timeout_long_ring);
	RUN(test_timeout_timer_c);
	RUN(test_timeout_timer_b_f);
	RUN(test_timeout_link_lost);
	RUN(test_replay);
	RUN(test_cancel_on_another_flow);
	if (core_ready)
		sc_core_free(&core);
	sc_conf_free(conf);
	return check_done("core_verdicts");
}
