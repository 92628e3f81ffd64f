/* The relay core (sidecar/relay/core.c): every direction of a message,
 * decided without sockets, against a real configuration.
 *
 *   B1  which device a LAN source is (match and lan.allow)
 *   B3  a device's request as the provider gets it, and the response back
 *   B4  Contact rewriting, and the token restored on the way in
 *   B5  a provider's request mapped to a device (token, AOR, static address)
 *   B6  Alert-Info removed, the device's own added only when earned
 *   B9  retransmissions absorbed and answered, unknown responses dropped
 *   B10 a local 503 with a Warning, repeated for retransmissions
 *
 * Every output is parsed again with sc_sip_msg_parse and looked at header
 * by header.  Messages are in the style of tests/data/sip/.
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
#include "sidecar/relay/core.h"
#include "sidecar/relay/inbound.h"
#include "sidecar/relay/mtu.h"
#include "sidecar/relay/outbound.h"
#include "sidecar/sip/addr.h"
#include "sidecar/sip/via.h"
#include "tests/unit/check.h"

/* ---- the configuration ---- */

#define WAN "edge.example.net:5061"  /* our address as the provider sees it */
#define LAN "192.168.1.1:5060"       /* our address as the devices see it, over UDP */
#define LAN_TCP "192.168.1.1:5070"   /* and over TCP: a port of its own */

static const char yaml_fmt[] =
	"lan:\n"
	"  listen: [ \"udp:192.168.1.1:5060\", \"tcp:192.168.1.1:5070\" ]\n"
	"  advertise: 192.168.1.1\n"
	"%s"
	"upstreams:\n"
	"  provider:\n"
	"    uri: sips:sip.provider.example\n"
	"    trusted: true\n"
	"  carrier:\n"
	"    uri: sips:trunk.carrier.example:5061\n"
	"    connection: shared\n"
	"    trusted: false\n"
	"devices:\n"
	"  - name: kitchen-ata\n"
	"    match: 192.168.1.20\n"
	"    upstream: provider\n"
	"    alert_info: cisco-ata\n"
	"  - name: desk-yealink\n"
	"    match: 192.168.1.50:5062\n"
	"    upstream: provider\n"
	"  - name: lab-phones\n"
	"    match: 192.168.1.64/28\n"
	"    upstream: provider\n"
	"    alert_info: \"<http://192.168.1.1/trusted.wav>\"\n"
	"  - name: garage-ata\n"
	"    match: 192.168.2.40\n"
	"    upstream: provider\n"
	"  - name: office-pbx\n"
	"    match: 10.0.0.5\n"
	"    upstream: carrier\n"
	"    address: 10.0.0.5:5060\n"
	"    alert_info: cisco-7960\n"
	"  - name: office-fax\n"
	"    match: 10.0.0.9\n"
	"    upstream: carrier\n";

/* Device indices, in the order above. */
enum { KITCHEN, YEALINK, LAB, GARAGE, PBX, FAX };

static const char allow_line[] = "  allow: [ 192.168.1.0/24, 10.0.0.0/24 ]\n";

static struct sc_conf *conf;
static struct sc_core core;
static bool core_ready;
static uint64_t now = 5000000;

static struct sc_conf *load(const char *allow)
{
	static char yaml[4096];
	struct sc_diags dg;
	struct sc_conf *c = NULL;

	memset(&dg, 0, sizeof(dg));
	snprintf(yaml, sizeof(yaml), yaml_fmt, allow);
	if (sc_conf_load_buf("core.yaml", yaml, strlen(yaml), SC_CONF_NO_FILES, &c, &dg) != 0) {
		sc_diags_print(&dg, stderr);
		c = NULL;
	}
	sc_diags_free(&dg);
	return c;
}

/* The links the tests pretend are open: every id but CLOSED_LINK. */
#define CLOSED_LINK 4242
static const char *test_link_wan(void *arg, uint64_t id)
{
	(void)arg;
	return id == CLOSED_LINK ? NULL : WAN;
}

/* A new core: no device seen, no transaction. */
static void fresh(void)
{
	if (core_ready)
		sc_core_free(&core);
	core_ready = sc_core_init(&core, conf, LAN, LAN_TCP, test_link_wan, NULL) == 0;
	CHECK(core_ready);
}

/* The device at index i of the configuration, by its handle. */
static struct sc_dev *DEV(long i)
{
	return i >= 0 && (size_t)i < core.reg.ndev ? core.reg.dev[i] : NULL;
}

/* The configuration index of a device handle, -1 for NULL. */
static long idx(const struct sc_dev *d)
{
	size_t i;

	for (i = 0; d && i < core.reg.ndev; i++)
		if (core.reg.dev[i] == d)
			return (long)i;
	return -1;
}

/* ---- addresses ---- */

static struct sockaddr_storage addr(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ip, &in->sin_addr);
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

/* Where the core sends something, as "a.b.c.d:port" (static). */
static const char *dst_text(const struct sc_core_out *o)
{
	static char buf[64];

	if (sc_net_addr_text((const struct sockaddr *)&o->dst.ss, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(none)");
	return buf;
}

/* ---- messages ---- */

/* A message from a header block (each line ending in CRLF) and a body,
 * with Content-Length added.  Returned in one of a ring of buffers, so a
 * few stay valid at a time. */
static const char *sip(const char *head, const char *body)
{
	static char ring[12][8192];
	static unsigned next;
	char *b = ring[next++ % 12];

	snprintf(b, sizeof(ring[0]), "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	return b;
}

/* The same with printf-style arguments in the header block. */
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

static const char sdp_ata[] = "v=0\r\n"
			      "o=- 1716 1716 IN IP4 192.168.1.20\r\n"
			      "s=-\r\n"
			      "c=IN IP4 192.168.1.20\r\n"
			      "t=0 0\r\n"
			      "m=audio 16434 RTP/AVP 0 8 101\r\n"
			      "a=rtpmap:0 PCMU/8000\r\n"
			      "a=rtpmap:8 PCMA/8000\r\n"
			      "a=rtpmap:101 telephone-event/8000\r\n"
			      "a=ptime:30\r\n"
			      "a=sendrecv\r\n";

static const char sdp_provider[] = "v=0\r\n"
				   "o=- 3848276298 3848276298 IN IP4 203.0.113.40\r\n"
				   "s=-\r\n"
				   "c=IN IP4 203.0.113.40\r\n"
				   "t=0 0\r\n"
				   "m=audio 30000 RTP/AVP 8 0 101\r\n"
				   "a=rtpmap:101 telephone-event/8000\r\n";

#define ATA_VIA "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-5ab1c3e7"
#define ATA_CONTACT_HEX "3139322e3136382e312e32303a35303630" /* 192.168.1.20:5060 */

/* Linksys SPA2102 REGISTER (tests/data/sip/ok-linksys-spa2102-register.sip). */
static const char *ata_register(const char *branch, unsigned cseq)
{
	return sipf("",
		    "REGISTER sip:sip.provider.example SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=%s\r\n"
		    "From: Kitchen <sip:4930123456@sip.provider.example>;tag=8f3a2b1c9d0e4f5ao0\r\n"
		    "To: Kitchen <sip:4930123456@sip.provider.example>\r\n"
		    "Call-ID: 2e8b9f41-7c3d5a60@192.168.1.20\r\n"
		    "CSeq: %u REGISTER\r\n"
		    "Max-Forwards: 70\r\n"
		    "Contact: Kitchen <sip:4930123456@192.168.1.20:5060>;expires=3600\r\n"
		    "User-Agent: Linksys/SPA2102-5.2.12\r\n"
		    "Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER\r\n"
		    "Supported: x-sipura\r\n",
		    branch, cseq);
}

/* Linksys SPA2102 INVITE with credentials and SDP; method lets the same
 * transaction's CANCEL and ACK be made. */
static const char *ata_invite(const char *method, const char *max_forwards)
{
	int invite = strcmp(method, "INVITE") == 0;

	return sipf(invite ? sdp_ata : "",
		    "%s sip:030987654@sip.provider.example SIP/2.0\r\n"
		    "Via: " ATA_VIA "\r\n"
		    "From: Kitchen <sip:4930123456@sip.provider.example>;tag=5e6f7a8b9c0d1e2fo0\r\n"
		    "To: <sip:030987654@sip.provider.example>\r\n"
		    "Call-ID: 7a1b2c3d-4e5f6a7b@192.168.1.20\r\n"
		    "CSeq: 102 %s\r\n"
		    "Max-Forwards: %s\r\n"
		    "%s"
		    "User-Agent: Linksys/SPA2102-5.2.12\r\n"
		    "%s",
		    method, method, max_forwards,
		    invite ? "Proxy-Authorization: Digest username=\"4930123456\",realm=\"sip.provider.example\","
			     "nonce=\"5f2c9a7e3b1d\",uri=\"sip:030987654@sip.provider.example\","
			     "response=\"0f3e2d1c4b5a69788796a5b4c3d2e1f0\",algorithm=MD5\r\n"
			     "Contact: Kitchen <sip:4930123456@192.168.1.20:5060>\r\n"
			   : "",
		    invite ? "Content-Type: application/sdp\r\n" : "");
}

/* Yealink T46S REGISTER with reg-id and +sip.instance
 * (tests/data/sip/ok-yealink-t46s-register.sip). */
static const char *yealink_register(void)
{
	return sip("REGISTER sip:sip.provider.example SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP 192.168.1.50:5062;branch=z9hG4bK1234567890\r\n"
		   "From: \"Yealink 1002\" <sip:1002@sip.provider.example>;tag=2061488341\r\n"
		   "To: \"Yealink 1002\" <sip:1002@sip.provider.example>\r\n"
		   "Call-ID: 0_2340513981@192.168.1.50\r\n"
		   "CSeq: 1 REGISTER\r\n"
		   "Contact: <sip:1002@192.168.1.50:5062>;reg-id=1;q=0.9;expires=600;"
		   "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-805EC0A1B2C3>\"\r\n"
		   "Max-Forwards: 70\r\n"
		   "User-Agent: Yealink SIP-T46S 66.86.0.15\r\n"
		   "Expires: 3600\r\n",
		   "");
}

/* snom 720 on TCP, in the lab range, with a transport parameter in its
 * Contact (tests/data/sip/ok-snom-720-invite-tcp.sip). */
static const char *snom_invite(void)
{
	return sip("INVITE sip:1004@sip.provider.example;user=phone SIP/2.0\r\n"
		   "Via: SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-a9n1qg6tbk3m;rport\r\n"
		   "From: \"Office\" <sip:1005@sip.provider.example>;tag=y3n9kd1jsm\r\n"
		   "To: <sip:1004@sip.provider.example;user=phone>\r\n"
		   "Call-ID: 2b6e31c8aa7c-w91y0gq2lq5h\r\n"
		   "CSeq: 1 INVITE\r\n"
		   "Max-Forwards: 70\r\n"
		   "Contact: <sip:1005@192.168.1.70:3052;transport=tcp;line=e1pnzt7a>;reg-id=1\r\n"
		   "User-Agent: snom720/8.9.3.80\r\n"
		   "Content-Type: application/sdp\r\n",
		   sdp_ata);
}

/* A request from the provider: method, Request-URI and extra headers. */
static const char *provider_request(const char *method, const char *ruri, const char *extra)
{
	return sipf(strcmp(method, "INVITE") == 0 ? sdp_provider : "",
		    "%s %s SIP/2.0\r\n"
		    "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-524287-1-8d8d0bd1;rport\r\n"
		    "Record-Route: <sip:203.0.113.5:5061;transport=tls;lr;r2=on>\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: \"Bob\" <sip:+4930987654@sip.provider.example>;tag=as58f4201b\r\n"
		    "To: <sip:4930123456@sip.provider.example>\r\n"
		    "Call-ID: 3848276298220188511@203.0.113.5\r\n"
		    "CSeq: 102 %s\r\n"
		    "Contact: <sip:+4930987654@203.0.113.5:5061;transport=tls>\r\n"
		    "%s"
		    "%s",
		    method, ruri, method, extra,
		    strcmp(method, "INVITE") == 0 ? "Content-Type: application/sdp\r\n" : "");
}

#define PROVIDER_VIA "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-524287-1-8d8d0bd1;rport"

/* ---- looking at an output ---- */

/* An output copied, NUL-terminated and parsed again. */
struct view {
	char text[SC_CORE_OUT_MAX + 1];
	size_t len;
	struct sc_sip_msg m;
};

static struct sc_core_out out;
static struct view fwd, resp, back;

static void view(struct view *v, const struct sc_core_out *o)
{
	CHECK(o->len > 0 && o->len < sizeof(v->text));
	v->len = o->len < sizeof(v->text) ? o->len : 0;
	memcpy(v->text, o->buf, v->len);
	v->text[v->len] = '\0';
	memset(&v->m, 0, sizeof(v->m));
	CHECK_EQ_INT(sc_sip_msg_parse(&v->m, v->text, v->len), 0);
}

/* The nth (0-based) header of a kind, or an unset slice. */
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

static bool starts(sc_str s, const char *prefix)
{
	return s.p && s.n >= strlen(prefix) && memcmp(s.p, prefix, strlen(prefix)) == 0;
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

/* The URI of the first Contact of v, without the angle brackets. */
static const char *contact_uri(const struct view *v)
{
	static char buf[512];
	struct sc_sip_addr a;

	buf[0] = '\0';
	if (sc_sip_addr_parse(&a, hdr(v, SC_HDR_CONTACT, 0)) == 0)
		snprintf(buf, sizeof(buf), "%.*s", (int)a.uri_str.n, a.uri_str.p);
	return buf;
}

/* Our Via on a request to the provider: TLS, our WAN sent-by, and the
 * branch of the device's transaction (the one sc_outbound_key gives). */
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

/* ---- the four directions ---- */

/* A request from the device at src: B1, then sc_core_lan_request and, when
 * it may go on, sc_core_outbound.  Returns the first verdict; the output
 * is in out. */
static int device_sends(const char *text, const struct sockaddr_storage *src,
			enum sc_transport tp)
{
	struct sc_sip_msg m;
	struct sc_dev *dev = sc_core_device(&core, SA(*src));
	int rc;

	CHECK(dev != NULL);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	if (!dev)
		return -999;
	out.len = 0;
	out.why = NULL;
	now += 100;
	rc = sc_core_lan_request(&core, &m, dev, SA(*src), tp, now, &out);
	CHECK(out.device == dev);
	if (rc == SC_CORE_FORWARD)
		CHECK_EQ_INT(sc_core_outbound(&core, &m, dev, SA(*src), tp, WAN, &out),
			     SC_CORE_FORWARD);
	return rc;
}

/* A response to request req (a view of what was sent): status line, every
 * Via in order, From, To (with a tag), Call-ID, CSeq, then extra headers. */
static const char *answer(const struct view *req, const char *status, const char *extra)
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
			      "From: %.*s\r\nTo: %.*s%s\r\nCall-ID: %.*s\r\nCSeq: %.*s\r\n%s"
			      "Content-Length: 0\r\n\r\n",
			      (int)hdr(req, SC_HDR_FROM, 0).n, hdr(req, SC_HDR_FROM, 0).p, (int)to.n,
			      to.p, contains(to, ";tag=") ? "" : ";tag=a3f9c1",
			      (int)req->m.call_id.n, req->m.call_id.p, (int)hdr(req, SC_HDR_CSEQ, 0).n,
			      hdr(req, SC_HDR_CSEQ, 0).p, extra);
	return buf;
}

/* The provider answers a request it got from us. */
static int provider_answers(const struct view *req, const char *status, const char *extra)
{
	struct sc_sip_msg m;
	const char *text = answer(req, status, extra);

	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	out.len = 0;
	out.why = NULL;
	now += 100;
	return sc_core_wan_response(&core, &m, now, &out);
}

/* A raw response from the provider. */
static int provider_responds(const char *text)
{
	struct sc_sip_msg m;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	out.len = 0;
	out.why = NULL;
	return sc_core_wan_response(&core, &m, now, &out);
}

/* A connection from the WAN side. */
static struct sc_core_link link_of(uint64_t id, const char *upstream, bool verified)
{
	struct sc_core_link lk;
	size_t i;

	memset(&lk, 0, sizeof(lk));
	lk.id = id;
	lk.verified = verified;
	lk.wan = WAN;
	lk.tls = true;
	for (i = 0; upstream && i < core.reg.nup; i++)
		if (strcmp(core.reg.up[i]->name, upstream) == 0)
			lk.upstream = core.reg.up[i];
	CHECK(!upstream || lk.upstream);
	return lk;
}

static int provider_sends(const char *text, const struct sc_core_link *lk)
{
	struct sc_sip_msg m;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	out.len = 0;
	out.why = NULL;
	out.device = NULL;
	now += 100;
	return sc_core_wan_request(&core, &m, lk, &out);
}

/* The device at src answers a request it got from us: the link its
 * response belongs to, then sc_core_lan_response. */
static int device_answers(const struct view *req, const struct sockaddr_storage *src,
			  const char *status, const char *extra, uint64_t *link)
{
	struct sc_sip_msg m;
	uint64_t key;
	const char *text = answer(req, status, extra);
	struct sc_dev *dev = sc_core_device(&core, SA(*src));

	CHECK(dev != NULL);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	*link = 0;
	CHECK_EQ_INT(sc_inbound_branch(&m, &key, link), 0);
	out.len = 0;
	out.link = 0;
	return sc_core_lan_response(&core, &m, dev ? dev : DEV(0), WAN, &out);
}

/* The device's first registered line (an empty one when none): B5 routes
 * a request by AOR to the line that registered it. */
static const struct sc_dev_line *first_line(const struct sc_dev *d)
{
	static const struct sc_dev_line none;
	size_t i;

	for (i = 0; d && i < SC_DEV_LINES; i++)
		if (d->lines[i].hostport[0])
			return &d->lines[i];
	return &none;
}

/* Registers the kitchen ATA through the core; fwd holds what the provider
 * got. */
static void register_ata(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);

	CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-5ab1c3e7", 61372), &ata, SC_TP_UDP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
}

/* ---- B1 ---- */

static void check_device(const struct sc_conf *c, const char *ip, unsigned port, long want)
{
	struct sockaddr_storage ss = addr(ip, port);
	struct sc_core other;
	long got = -2;

	/* A core of its own for c (the device order is the same). */
	if (sc_core_init(&other, c, LAN, LAN_TCP, NULL, NULL) == 0) {
		struct sc_dev *d = sc_core_device(&other, SA(ss));
		size_t i;

		for (i = 0, got = -1; d && i < other.reg.ndev; i++)
			if (other.reg.dev[i] == d)
				got = (long)i;
		sc_core_free(&other);
	}

	if (got != want)
		fprintf(stderr, "  source %s port %u\n", ip, port);
	CHECK_EQ_INT(got, want);
}

static void test_device_identity(void)
{
	struct sc_conf *open_lan = load("");

	fresh();
	check_device(conf, "192.168.1.20", 5060, KITCHEN);
	check_device(conf, "192.168.1.20", 40123, KITCHEN);     /* any port */
	check_device(conf, "192.168.1.50", 5062, YEALINK);
	check_device(conf, "192.168.1.50", 5060, -1);           /* its match names a port */
	check_device(conf, "192.168.1.64", 5060, LAB);          /* 192.168.1.64/28 */
	check_device(conf, "192.168.1.79", 3052, LAB);
	check_device(conf, "192.168.1.63", 5060, -1);
	check_device(conf, "192.168.1.80", 5060, -1);
	check_device(conf, "10.0.0.5", 5060, PBX);
	check_device(conf, "192.168.1.99", 5060, -1);           /* allowed, but no device */
	check_device(conf, "172.16.0.20", 5060, -1);
	check_device(conf, "2001:db8::20", 5060, -1);
	/* An IPv4 device reaching a dual-stack socket. */
	check_device(conf, "::ffff:192.168.1.20", 5060, KITCHEN);
	/* garage-ata matches, but its source is outside lan.allow: refused.
	 * Without lan.allow the same source is that device. */
	check_device(conf, "192.168.2.40", 5060, -1);
	CHECK(open_lan != NULL);
	if (open_lan) {
		check_device(open_lan, "192.168.2.40", 5060, GARAGE);
		check_device(open_lan, "172.16.0.20", 5060, -1);
		sc_conf_free(open_lan);
	}

	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT("office-pbx"))), PBX);
	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT("kitchen-ata"))), KITCHEN);
	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT("Kitchen-ATA"))), -1);
	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT("kitchen"))), -1);
	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT("kitchen-ata2"))), -1);
	CHECK_EQ_INT(idx(sc_core_device_named(&core, SC_STR_LIT(""))), -1);
}

/* ---- B3, B4: a device's requests on the way out ---- */

static void test_register_outbound(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	const char *reg = ata_register("z9hG4bK-5ab1c3e7", 61372);
	char want[4096];

	fresh();
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	/* Ours on top, the ATA's below exactly as it sent it. */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_VIA), 2);
	check_our_tls_via(&fwd, reg, "kitchen-ata", &ata);
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), ATA_VIA);
	CHECK_EQ_INT(fwd.m.max_forwards, 69);
	/* The Contact points at us over TLS, with the token; the user part,
	 * display name and expires stay. */
	CHECK_STR(hdr(&fwd, SC_HDR_CONTACT, 0),
		  "Kitchen <sip:4930123456@edge.example.net:5061;transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX
		  "~>;expires=3600");
	/* A REGISTER creates no dialog: no Record-Route. */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_RECORD_ROUTE), 0);
	/* Nothing else changed: the output is the input with our Via line
	 * inserted and those two values replaced. */
	snprintf(want, sizeof(want),
		 "REGISTER sip:sip.provider.example SIP/2.0\r\n"
		 "Via: %.*s\r\n"
		 "Via: " ATA_VIA "\r\n"
		 "From: Kitchen <sip:4930123456@sip.provider.example>;tag=8f3a2b1c9d0e4f5ao0\r\n"
		 "To: Kitchen <sip:4930123456@sip.provider.example>\r\n"
		 "Call-ID: 2e8b9f41-7c3d5a60@192.168.1.20\r\n"
		 "CSeq: 61372 REGISTER\r\n"
		 "Max-Forwards: 69\r\n"
		 "Contact: Kitchen <sip:4930123456@edge.example.net:5061;transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX
		 "~>;expires=3600\r\n"
		 "User-Agent: Linksys/SPA2102-5.2.12\r\n"
		 "Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER\r\n"
		 "Supported: x-sipura\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 (int)hdr(&fwd, SC_HDR_VIA, 0).n, hdr(&fwd, SC_HDR_VIA, 0).p);
	CHECK_STR(sc_str_make(fwd.text, fwd.len), want);
	/* Nothing counted. */
	CHECK_EQ_INT(core.st.retransmissions + core.st.unknown_txn + core.st.not_ours, 0);
}

static void test_register_contact_params_kept(void)
{
	struct sockaddr_storage yealink = addr("192.168.1.50", 5062);

	fresh();
	CHECK_EQ_INT(device_sends(yealink_register(), &yealink, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	check_our_tls_via(&fwd, yealink_register(), "desk-yealink", &yealink);
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), "SIP/2.0/UDP 192.168.1.50:5062;branch=z9hG4bK1234567890");
	CHECK_STR(hdr(&fwd, SC_HDR_CONTACT, 0),
		  "<sip:1002@edge.example.net:5061;transport=tls;"
		  "sc=desk-yealink~3139322e3136382e312e35303a35303632~>;reg-id=1;q=0.9;expires=600;"
		  "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-805EC0A1B2C3>\"");
	CHECK_STR(hdr(&fwd, SC_HDR_EXPIRES, 0), "3600");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_RECORD_ROUTE), 0);
}

static void test_invite_outbound(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	const char *inv = ata_invite("INVITE", "70");

	fresh();
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_VIA), 2);
	check_our_tls_via(&fwd, inv, "kitchen-ata", &ata);
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), ATA_VIA);
	CHECK_EQ_INT(fwd.m.max_forwards, 69);
	CHECK_STR(hdr(&fwd, SC_HDR_CONTACT, 0),
		  "Kitchen <sip:4930123456@edge.example.net:5061;transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX
		  "~>");
	/* An initial INVITE: we stay on the path, one entry facing each side. */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_RECORD_ROUTE), 1);
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" WAN ";transport=tls;lr;sc-rr>, <sip:" LAN ";lr;sc-rr>");
	/* The rest goes as it came: credentials, Request-URI, body. */
	CHECK_STR(fwd.m.ruri, "sip:030987654@sip.provider.example");
	CHECK(has(&fwd, "\r\nProxy-Authorization: Digest username=\"4930123456\",realm=\"sip.provider.example\","
			"nonce=\"5f2c9a7e3b1d\",uri=\"sip:030987654@sip.provider.example\","
			"response=\"0f3e2d1c4b5a69788796a5b4c3d2e1f0\",algorithm=MD5\r\n"));
	CHECK_STR(fwd.m.body, sdp_ata);
	CHECK_EQ_INT(fwd.m.content_length, strlen(sdp_ata));
}

static void test_invite_over_tcp(void)
{
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);

	fresh();
	CHECK_EQ_INT(device_sends(snom_invite(), &snom, SC_TP_TCP), SC_CORE_FORWARD);
	view(&fwd, &out);
	check_our_tls_via(&fwd, snom_invite(), "lab-phones", &snom);
	/* The snom asked for rport (RFC 3581): the provider sees where it
	 * came from on the LAN. */
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), "SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-a9n1qg6tbk3m"
					    ";rport=3052;received=192.168.1.70");
	/* Our Via says the device came over TCP; the LAN entry of the
	 * Record-Route says TCP too. */
	CHECK(contains(hdr(&fwd, SC_HDR_VIA, 0), "~t"));
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" WAN ";transport=tls;lr;sc-rr>, <sip:" LAN_TCP ";transport=tcp;lr;sc-rr>");
	/* transport=tcp becomes tls (the token remembers tcp), line= stays. */
	CHECK_STR(hdr(&fwd, SC_HDR_CONTACT, 0),
		  "<sip:1005@" WAN ";transport=tls;line=e1pnzt7a;"
		  "sc=lab-phones~3139322e3136382e312e37303a33303532~746370>;reg-id=1");
}

/* The ATA sends a request (in a dialog when to_tag is set) with its Contact
 * and extra headers; fwd holds what the provider gets. */
static void ata_sends(const char *method, const char *to_tag, const char *extra)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	static unsigned n;
	char branch[32];

	snprintf(branch, sizeof(branch), "z9hG4bK-rr%u", ++n);
	CHECK_EQ_INT(device_sends(sipf("",
				       "%s sip:1002@sip.provider.example SIP/2.0\r\n"
				       "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=%s\r\n"
				       "From: Kitchen <sip:4930123456@sip.provider.example>;tag=77aa\r\n"
				       "To: <sip:1002@sip.provider.example>%s\r\n"
				       "Call-ID: rr-%u@192.168.1.20\r\n"
				       "CSeq: 1 %s\r\n"
				       "Max-Forwards: 70\r\n"
				       "Contact: <sip:4930123456@192.168.1.20:5060>\r\n"
				       "%s",
				       method, branch, to_tag, n, method, extra),
				  &ata, SC_TP_UDP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
}

/* Does the provider get our Record-Route on this request? */
static int record_routed(const char *method, const char *to_tag, const char *extra)
{
	ata_sends(method, to_tag, extra);
	return nhdr(&fwd, SC_HDR_RECORD_ROUTE);
}

#define ATA_CONTACT "<sip:4930123456@192.168.1.20:5060>"
#define ATA_CONTACT_OURS "<sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~>"

/* The Contact the provider gets on this request of the ATA. */
static sc_str contact_sent(const char *method, const char *to_tag)
{
	ata_sends(method, to_tag, "");
	return hdr(&fwd, SC_HDR_CONTACT, 0);
}

static void test_contact_rewritten_only_where_it_is_a_target(void)
{
	fresh();
	/* REGISTER is checked above; requests that set a dialog's target,
	 * initial or in a dialog. */
	CHECK_STR(contact_sent("INVITE", ""), ATA_CONTACT_OURS);
	CHECK_STR(contact_sent("INVITE", ";tag=as1f2e3d4c"), ATA_CONTACT_OURS);
	CHECK_STR(contact_sent("SUBSCRIBE", ""), ATA_CONTACT_OURS);
	CHECK_STR(contact_sent("REFER", ";tag=as1f2e3d4c"), ATA_CONTACT_OURS);
	CHECK_STR(contact_sent("NOTIFY", ";tag=as1f2e3d4c"), ATA_CONTACT_OURS);
	CHECK_STR(contact_sent("UPDATE", ";tag=as1f2e3d4c"), ATA_CONTACT_OURS);
	/* OPTIONS: a provider may use its Contact to reach the device. */
	CHECK_STR(contact_sent("OPTIONS", ""), ATA_CONTACT_OURS);
	/* Elsewhere the Contact names no target and goes as it came. */
	CHECK_STR(contact_sent("MESSAGE", ""), ATA_CONTACT);
	CHECK_STR(contact_sent("BYE", ";tag=as1f2e3d4c"), ATA_CONTACT);
	CHECK_STR(contact_sent("INFO", ";tag=as1f2e3d4c"), ATA_CONTACT);
}

static void test_record_route_only_on_dialog_creation(void)
{
	fresh();
	CHECK_EQ_INT(record_routed("INVITE", "", ""), 1);
	CHECK_EQ_INT(record_routed("SUBSCRIBE", "", "Event: message-summary\r\nExpires: 3600\r\n"), 1);
	CHECK_EQ_INT(record_routed("REFER", "", "Refer-To: <sip:1003@sip.provider.example>\r\n"), 1);
	CHECK_EQ_INT(record_routed("NOTIFY", "", "Event: dialog\r\nSubscription-State: active\r\n"), 1);
	/* Requests that create no dialog. */
	CHECK_EQ_INT(record_routed("OPTIONS", "", ""), 0);
	CHECK_EQ_INT(record_routed("MESSAGE", "", ""), 0);
	CHECK_EQ_INT(record_routed("PUBLISH", "", "Event: presence\r\n"), 0);
	/* In-dialog requests (To tag): the route set is already fixed. */
	CHECK_EQ_INT(record_routed("INVITE", ";tag=as1f2e3d4c", ""), 0);
	CHECK_EQ_INT(record_routed("BYE", ";tag=as1f2e3d4c", ""), 0);
	CHECK_EQ_INT(record_routed("SUBSCRIBE", ";tag=as1f2e3d4c", "Event: message-summary\r\n"), 0);
	CHECK_EQ_INT(record_routed("NOTIFY", ";tag=as1f2e3d4c", "Event: dialog\r\n"), 0);
}

static void test_routes_to_us_consumed(void)
{
	fresh();
	/* The route set of a dialog we record-routed: both our entries go,
	 * the provider's proxy stays as written. */
	record_routed("BYE", ";tag=as1f2e3d4c",
		      "Route: <sip:" LAN ";lr;sc-rr>, <sip:" WAN ";transport=tls;lr;sc-rr>, "
		      "<sip:203.0.113.5:5061;transport=tls;lr;r2=on>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 1);
	CHECK_STR(hdr(&fwd, SC_HDR_ROUTE, 0), "<sip:203.0.113.5:5061;transport=tls;lr;r2=on>");
	/* Our entries on lines of their own. */
	record_routed("BYE", ";tag=as1f2e3d4c",
		      "Route: <sip:" LAN ";lr;sc-rr>\r\n"
		      "Route: <sip:" WAN ";transport=tls;lr;sc-rr>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 0);
	/* An outbound proxy preloaded by the device: our LAN address. */
	record_routed("INVITE", "", "Route: <sip:" LAN ";lr>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 0);
	/* ... without a port (5060, ours): ours too. */
	record_routed("INVITE", "", "Route: <sip:192.168.1.1;lr>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 0);
	/* ... but another port, or 5061 by sips:, is someone else. */
	record_routed("INVITE", "", "Route: <sip:192.168.1.1:5080;lr>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 1);
	record_routed("INVITE", "", "Route: <sips:192.168.1.1;lr>\r\n");
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 1);
	/* Someone else's Route at the top is left alone, and so is ours
	 * after it. */
	record_routed("BYE", ";tag=as1f2e3d4c",
		      "Route: <sip:proxy.provider.example;lr>, <sip:" LAN ";lr;sc-rr>\r\n");
	CHECK_STR(hdr(&fwd, SC_HDR_ROUTE, 0), "<sip:proxy.provider.example;lr>, <sip:" LAN ";lr;sc-rr>");
}

/* An in-dialog BYE from the snom over TCP with the Route lines given, a new
 * transaction each time. */
static const char *snom_bye(const char *routes)
{
	static unsigned n;

	return sipf("",
		    "BYE sip:1004@203.0.113.5:5061;transport=tls SIP/2.0\r\n"
		    "Via: SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-a9n1qg6tbye%u;rport\r\n"
		    "%s"
		    "From: \"Office\" <sip:1005@sip.provider.example>;tag=y3n9kd1jsm\r\n"
		    "To: <sip:1004@sip.provider.example;user=phone>;tag=as1f2e3d4c\r\n"
		    "Call-ID: 2b6e31c8aa7c-w91y0gq2lq5h\r\n"
		    "CSeq: 2 BYE\r\n"
		    "Max-Forwards: 70\r\n",
		    ++n, routes);
}

/* Our LAN TCP address is ours as much as the UDP one: a Route naming it
 * (without our sc-rr mark, as a device's preloaded outbound proxy over
 * TCP) is consumed, from a device and from the provider alike. */
static void test_routes_to_our_tcp_address_consumed(void)
{
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);
	struct sc_core_link lk;

	fresh();
	CHECK_EQ_INT(device_sends(snom_bye("Route: <sip:" LAN_TCP ";transport=tcp;lr>\r\n"), &snom,
				  SC_TP_TCP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 0);
	/* Ours first on the line, the provider's proxy after it stays. */
	CHECK_EQ_INT(device_sends(snom_bye("Route: <sip:" LAN_TCP ";transport=tcp;lr>, "
					   "<sip:203.0.113.5:5061;transport=tls;lr;r2=on>\r\n"),
				  &snom, SC_TP_TCP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 1);
	CHECK_STR(hdr(&fwd, SC_HDR_ROUTE, 0), "<sip:203.0.113.5:5061;transport=tls;lr;r2=on>");
	/* Another port on our host is not us. */
	CHECK_EQ_INT(device_sends(snom_bye("Route: <sip:192.168.1.1:5071;transport=tcp;lr>\r\n"),
				  &snom, SC_TP_TCP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_STR(hdr(&fwd, SC_HDR_ROUTE, 0), "<sip:192.168.1.1:5071;transport=tcp;lr>");

	/* From the provider: a Route to our LAN TCP address goes too. */
	lk = link_of(0x5a, "provider", true);
	CHECK_EQ_INT(provider_sends(provider_request("OPTIONS",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     "Route: <sip:" LAN_TCP ";transport=tcp;lr>\r\n"),
				    &lk),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_ROUTE), 0);
}

static void test_max_forwards(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);

	fresh();
	/* 1 arrives, 0 leaves. */
	CHECK_EQ_INT(device_sends(ata_invite("INVITE", "1"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(fwd.m.max_forwards, 0);
	CHECK_STR(hdr(&fwd, SC_HDR_MAX_FORWARDS, 0), "0");
	/* 0 arrives: 483 to the device, nothing to the provider. */
	fresh();
	CHECK_EQ_INT(device_sends(ata_invite("INVITE", "0"), &ata, SC_TP_UDP), SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 483);
	CHECK_STR(resp.m.reason, "Too Many Hops");
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	CHECK_STR(resp.m.call_id, "7a1b2c3d-4e5f6a7b@192.168.1.20");
	CHECK_STR(resp.m.cseq_method, "INVITE");
}

/* ---- B9: transactions ---- */

static void test_retransmission_absorbed_then_answered(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	const char *reg = ata_register("z9hG4bK-5ab1c3e7", 61372);
	static struct sc_sip_msg sent;
	static char relayed[8192];
	size_t relayed_len;

	fresh();
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	/* UDP retransmission before any response: not sent again.  It has
	 * not gone out on any connection yet (o->link 0); once it has, a
	 * retransmission names that connection, so the relay can send it
	 * again if that connection is gone. */
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(out.len, 0);
	CHECK(out.link == 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&sent, reg, strlen(reg)), 0);
	CHECK_EQ_INT(sc_core_sent(&core, &sent, DEV(KITCHEN), SA(ata), SC_TP_UDP, 77, fwd.text, fwd.len, now),
		     0);
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_DROP);
	CHECK(out.link == 77);
	CHECK_EQ_INT(core.st.retransmissions, 2);
	/* The provider challenges; the ATA gets the 401 with its own Via. */
	CHECK_EQ_INT(provider_answers(&fwd, "401 Unauthorized",
				      "WWW-Authenticate: Digest realm=\"sip.provider.example\","
				      "nonce=\"1715677032/8d1c3b5f\",algorithm=MD5,qop=\"auth\"\r\n"),
		     SC_CORE_FORWARD);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 401);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	CHECK(has(&resp, "\r\nWWW-Authenticate: Digest realm=\"sip.provider.example\","));
	relayed_len = out.len;
	memcpy(relayed, out.buf, out.len);
	/* Retransmitted again: answered with exactly that 401, twice. */
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == relayed_len && memcmp(out.buf, relayed, relayed_len) == 0);
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == relayed_len && memcmp(out.buf, relayed, relayed_len) == 0);
	CHECK_EQ_INT(core.st.retransmissions, 4);
	/* The REGISTER with credentials is a new transaction. */
	CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-5ab1c3e8", 61373), &ata, SC_TP_UDP),
		     SC_CORE_FORWARD);
	/* The same branch from another source port is another transaction. */
	ata = addr("192.168.1.20", 5062);
	CHECK_EQ_INT(device_sends(reg, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(core.st.retransmissions, 4);
}

static void test_our_100_trying(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	const char *inv = ata_invite("INVITE", "70");
	static char trying[8192];
	size_t trying_len;
	struct sc_sip_msg m;

	fresh();
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	/* Ours at once, so the ATA stops retransmitting. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, inv, strlen(inv)), 0);
	CHECK_EQ_INT(sc_core_trying(&core, &m, DEV(KITCHEN), SA(ata), now, &out), SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 100);
	CHECK_STR(resp.m.reason, "Trying");
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	CHECK_STR(hdr(&resp, SC_HDR_TO, 0), "<sip:030987654@sip.provider.example>");
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_WARNING), 0);
	trying_len = out.len;
	memcpy(trying, out.buf, out.len);
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == trying_len && memcmp(out.buf, trying, trying_len) == 0);
	/* The provider's 100 is hop by hop: dropped, but not as unknown. */
	CHECK_EQ_INT(provider_answers(&fwd, "100 Trying", ""), SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(core.st.unknown_txn, 0);
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == trying_len && memcmp(out.buf, trying, trying_len) == 0);
	/* Its 180 goes on, and is what a retransmission gets from then on. */
	CHECK_EQ_INT(provider_answers(&fwd, "180 Ringing", ""), SC_CORE_FORWARD);
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 180);
}

static void test_ack_never_absorbed(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);

	fresh();
	/* An ACK has no response to wait for; each one goes on (2xx ACKs are
	 * repeated for every 2xx retransmission). */
	CHECK_EQ_INT(device_sends(ata_invite("ACK", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(device_sends(ata_invite("ACK", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(core.st.retransmissions, 0);
}

static void test_cancel_is_its_own_transaction(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	static struct view cancel;
	static char final[8192];
	size_t final_len;

	fresh();
	CHECK_EQ_INT(device_sends(ata_invite("INVITE", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(provider_answers(&fwd, "180 Ringing", ""), SC_CORE_FORWARD);
	/* The CANCEL shares the INVITE's branch but is forwarded, with our
	 * INVITE's branch (RFC 3261 §9.1). */
	CHECK_EQ_INT(device_sends(ata_invite("CANCEL", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&cancel, &out);
	CHECK(sc_str_eq(hdr(&cancel, SC_HDR_VIA, 0), hdr(&fwd, SC_HDR_VIA, 0)));
	CHECK_EQ_INT(core.st.retransmissions, 0);
	/* Its retransmission is absorbed like any other. */
	CHECK_EQ_INT(device_sends(ata_invite("CANCEL", "70"), &ata, SC_TP_UDP), SC_CORE_DROP);
	/* 200 for the CANCEL and 487 for the INVITE each find their own. */
	CHECK_EQ_INT(provider_answers(&cancel, "200 OK", ""), SC_CORE_FORWARD);
	view(&resp, &out);
	CHECK_STR(resp.m.cseq_method, "CANCEL");
	CHECK_EQ_INT(provider_answers(&fwd, "487 Request Terminated", ""), SC_CORE_FORWARD);
	view(&resp, &out);
	CHECK_STR(resp.m.cseq_method, "INVITE");
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	final_len = out.len;
	memcpy(final, out.buf, out.len);
	/* The INVITE retransmitted now gets the 487, the CANCEL its 200. */
	CHECK_EQ_INT(device_sends(ata_invite("INVITE", "70"), &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == final_len && memcmp(out.buf, final, final_len) == 0);
	CHECK_EQ_INT(device_sends(ata_invite("CANCEL", "70"), &ata, SC_TP_UDP), SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 200);
	CHECK_STR(resp.m.cseq_method, "CANCEL");
}

static void test_provider_response_back_to_device(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);
	char ours_received[512];

	fresh();
	CHECK_EQ_INT(device_sends(ata_invite("INVITE", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	/* The provider adds received= to our Via, as providers do. */
	snprintf(ours_received, sizeof(ours_received), "SIP/2.0 180 Ringing\r\nVia: %.*s;received=198.51.100.7\r\n",
		 (int)hdr(&fwd, SC_HDR_VIA, 0).n, hdr(&fwd, SC_HDR_VIA, 0).p);
	CHECK_EQ_INT(provider_responds(sipf("",
					    "%s"
					    "Via: " ATA_VIA "\r\n"
					    "From: Kitchen <sip:4930123456@sip.provider.example>;tag=5e6f7a8b9c0d1e2fo0\r\n"
					    "To: <sip:030987654@sip.provider.example>;tag=as1f2e3d4c\r\n"
					    "Call-ID: 7a1b2c3d-4e5f6a7b@192.168.1.20\r\n"
					    "CSeq: 102 INVITE\r\n"
					    "Contact: <sip:030987654@203.0.113.5:5061;transport=tls>\r\n"
					    "Record-Route: <sip:" WAN ";transport=tls;lr;sc-rr>, <sip:" LAN ";lr;sc-rr>\r\n",
					    ours_received)),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 180);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	/* The rest of the response is the provider's, untouched. */
	CHECK_STR(hdr(&resp, SC_HDR_CONTACT, 0), "<sip:030987654@203.0.113.5:5061;transport=tls>");
	CHECK_STR(hdr(&resp, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" WAN ";transport=tls;lr;sc-rr>, <sip:" LAN ";lr;sc-rr>");

	/* The response goes where its request came from, even when the
	 * device has sent from elsewhere since (the address is in our Via). */
	CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-5ab1c3e9", 61380), &ata, SC_TP_UDP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	ata = addr("192.168.1.20", 5070);
	CHECK_EQ_INT(device_sends(ata_invite("OPTIONS", "70"), &ata, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(provider_answers(&fwd, "200 OK", ""), SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");

	/* A TCP device gets its response over TCP, at its own port. */
	CHECK_EQ_INT(device_sends(snom_invite(), &snom, SC_TP_TCP), SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(provider_answers(&fwd, "183 Session Progress", ""), SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), LAB);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.70:3052");
	view(&resp, &out);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-a9n1qg6tbk3m"
					     ";rport=3052;received=192.168.1.70");
}

static void test_unknown_responses_dropped(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	char scratch[512];
	struct sc_sip_msg m;
	struct sc_edits ed;
	const char *inv = ata_invite("INVITE", "70");

	fresh();
	/* A top Via that is not ours. */
	CHECK_EQ_INT(provider_responds(sip("SIP/2.0 200 OK\r\n"
					   "Via: SIP/2.0/TLS 198.51.100.9:5061;branch=z9hG4bK-other\r\n"
					   "Via: " ATA_VIA "\r\n"
					   "From: <sip:4930123456@sip.provider.example>;tag=1\r\n"
					   "To: <sip:030987654@sip.provider.example>;tag=2\r\n"
					   "Call-ID: 7a1b2c3d-4e5f6a7b@192.168.1.20\r\n"
					   "CSeq: 102 INVITE\r\n",
					   "")),
		     SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(core.st.unknown_txn, 1);
	/* Our Via, but for a transaction that never went through the table
	 * (or has expired): dropped as well. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, inv, strlen(inv)), 0);
	CHECK_EQ_INT(sc_core_outbound(&core, &m, DEV(KITCHEN), SA(ata), SC_TP_UDP, WAN, &out),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(provider_answers(&fwd, "200 OK", ""), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.unknown_txn, 2);
	/* Our Via's shape, naming a device that is not configured. */
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_outbound_via_add(&m, "ghost", SA(ata), SC_TP_UDP, SC_STR_LIT(WAN), scratch,
					 sizeof(scratch), &ed),
		     0);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out.buf, sizeof(out.buf), &out.len), 0);
	view(&back, &out);
	CHECK_EQ_INT(provider_answers(&back, "200 OK", ""), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.unknown_txn, 3);
	/* A transaction that never went out is forgotten after 32 s: a
	 * response to it is dropped too. */
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_FORWARD);
	view(&fwd, &out);
	{
		size_t pos = 0, n = core.txns.n;

		CHECK(sc_txn_timeout(&core.txns, now + SC_TXN_TIMER_B_MS, &pos) == NULL);
		CHECK_EQ_INT(core.txns.n, n - 1);
	}
	CHECK_EQ_INT(provider_answers(&fwd, "200 OK", ""), SC_CORE_DROP);
	CHECK_EQ_INT(core.st.unknown_txn, 4);
}

/* ---- B5: requests from the provider ---- */

static void test_wan_request_by_token(void)
{
	struct sc_core_link lk;
	char ruri[512], rr[128];
	uint64_t invite_key;

	fresh();
	lk = link_of(0x51, "provider", true);
	register_ata();
	/* The provider calls the Contact it was given at REGISTER. */
	snprintf(ruri, sizeof(ruri), "%s", contact_uri(&fwd));
	CHECK_STR(sc_str_cstr(ruri),
		  "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~");
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", ruri, ""), &lk), SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	view(&fwd, &out);
	/* The Request-URI is the ATA's Contact again, exactly. */
	CHECK_STR(fwd.m.ruri, "sip:4930123456@192.168.1.20:5060");
	/* Our UDP Via on top naming the link; the provider's below as sent. */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_VIA), 2);
	CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci"));
	CHECK(contains(hdr(&fwd, SC_HDR_VIA, 0), ";rport;sc-l=0000000000000051"));
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), PROVIDER_VIA);
	CHECK_EQ_INT(fwd.m.max_forwards, 69);
	/* Double Record-Route above the provider's: LAN entry first (it
	 * faces the device), then ours on the WAN. */
	CHECK_EQ_INT(nhdr(&fwd, SC_HDR_RECORD_ROUTE), 2);
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" LAN ";lr;sc-rr>, <sip:" WAN ";transport=tls;lr;sc-rr>");
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 1), "<sip:203.0.113.5:5061;transport=tls;lr;r2=on>");
	CHECK_STR(fwd.m.body, sdp_provider);
	/* o->key names the request for repeating it over UDP: the key in our
	 * branch, mixed with the method, as the device's response gives it. */
	{
		sc_str v = hdr(&fwd, SC_HDR_VIA, 0);
		const char *b = strstr(v.p, "z9hG4bK-sci");
		uint64_t k = 0;

		CHECK(b != NULL && sc_str_hex64(sc_str_make(b + 11, 16), &k) == 0);
		CHECK(out.key == sc_txn_key(k, SC_STR_LIT("INVITE")));
		invite_key = out.key;
	}

	/* The provider's CANCEL reaches the ATA with the INVITE's branch, and
	 * is a request of its own to repeat. */
	snprintf(rr, sizeof(rr), "%.*s", (int)hdr(&fwd, SC_HDR_VIA, 0).n, hdr(&fwd, SC_HDR_VIA, 0).p);
	CHECK_EQ_INT(provider_sends(provider_request("CANCEL", ruri, ""), &lk), SC_CORE_FORWARD);
	CHECK(out.key != invite_key);
	view(&resp, &out);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), rr);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_RECORD_ROUTE), 1);
}

static void test_wan_request_token_restores_transport(void)
{
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);
	struct sc_core_link lk;
	char ruri[512];

	fresh();
	lk = link_of(0x52, "provider", true);
	CHECK_EQ_INT(device_sends(snom_invite(), &snom, SC_TP_TCP), SC_CORE_FORWARD);
	view(&fwd, &out);
	snprintf(ruri, sizeof(ruri), "%s", contact_uri(&fwd));
	/* An in-dialog BYE from the provider to the snom's Contact, with the
	 * route set our Record-Route gave it. */
	CHECK_EQ_INT(provider_sends(sipf("",
					 "BYE %s SIP/2.0\r\n"
					 "Via: " PROVIDER_VIA "\r\n"
					 "Route: <sip:" WAN ";transport=tls;lr;sc-rr>, <sip:" LAN_TCP ";transport=tcp;lr;sc-rr>\r\n"
					 "Max-Forwards: 70\r\n"
					 "From: <sip:1004@sip.provider.example;user=phone>;tag=as1f2e3d4c\r\n"
					 "To: \"Office\" <sip:1005@sip.provider.example>;tag=y3n9kd1jsm\r\n"
					 "Call-ID: 2b6e31c8aa7c-w91y0gq2lq5h\r\n"
					 "CSeq: 2 BYE\r\n",
					 ruri),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), LAB);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.70:3052");
	view(&resp, &out);
	CHECK_STR(resp.m.ruri, "sip:1005@192.168.1.70:3052;transport=tcp;line=e1pnzt7a");
	CHECK(starts(hdr(&resp, SC_HDR_VIA, 0), "SIP/2.0/TCP " LAN_TCP ";branch=z9hG4bK-sci"));
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_ROUTE), 0);
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_RECORD_ROUTE), 0);
}

static void test_wan_request_token_device_not_seen(void)
{
	struct sc_core_link lk;
	struct sc_core_link anyone, carrier;

	fresh();
	lk = link_of(0x53, "provider", true);
	anyone = link_of(0x54, NULL, false);
	carrier = link_of(0x55, "carrier", true);
	/* The token is stateless: after a restart it still finds the ATA, at
	 * the address it carries, because the ATA's match covers it. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     ""),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930123456@192.168.1.20:5060");
	/* A token claiming an address outside the device's match is not
	 * followed there. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~31302e392e392e393a35303630~",
						     ""),
				    &lk),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 480);
	/* A token for a device that does not exist: 404, even from an
	 * upstream a static device would take requests from. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=ghost~" ATA_CONTACT_HEX "~",
						     ""),
				    &carrier),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 404);
	/* B15: the ATA's own token from another upstream (the carrier's
	 * connection) reaches nobody: 403, counted. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     ""),
				    &carrier),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 403);
	CHECK_EQ_INT((int)core.st.other_upstream, 1);
	/* ... and from a connection of no upstream: 403, counted apart. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     ""),
				    &anyone),
		     SC_CORE_REPLY);
	CHECK(out.unattributed);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 403);
	CHECK_EQ_INT((int)core.st.unattributed, 1);
	/* A damaged token: a 400 for the caller to send. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~zz~", ""),
				    &lk),
		     -EBADMSG);
}

#define SNOM_HEX "3139322e3136382e312e37303a33303532" /* 192.168.1.70:3052 */

/* A request towards a device over TCP goes out with a TCP Via naming our
 * LAN TCP listener, and record-routes it; one over UDP names the UDP one. */
static void test_tcp_hop_via_names_tcp_listener(void)
{
	struct sockaddr_storage snom = addr("192.168.1.70", 3052);
	struct sc_core_link lk;
	char ruri[512];

	fresh();
	lk = link_of(0x5b, "provider", true);
	CHECK_EQ_INT(device_sends(snom_invite(), &snom, SC_TP_TCP), SC_CORE_FORWARD);
	view(&fwd, &out);
	snprintf(ruri, sizeof(ruri), "%s", contact_uri(&fwd));
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", ruri, ""), &lk), SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), LAB);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	view(&fwd, &out);
	CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/TCP " LAN_TCP ";branch=z9hG4bK-sci"));
	CHECK(contains(hdr(&fwd, SC_HDR_VIA, 0), ";rport;sc-l=000000000000005b"));
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" LAN_TCP ";transport=tcp;lr;sc-rr>, <sip:" WAN ";transport=tls;lr;sc-rr>");
	/* The same call to the ATA on UDP: the UDP listener. */
	register_ata();
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", contact_uri(&fwd), ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	view(&fwd, &out);
	CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci"));
	CHECK_STR(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0),
		  "<sip:" LAN ";lr;sc-rr>, <sip:" WAN ";transport=tls;lr;sc-rr>");
}

/* A token saying the device wrote transport=tcp reaches a device never
 * seen (after a restart) over TCP, at the address it carries. */
static void test_wan_request_tcp_token_device_not_seen(void)
{
	static const char *const transports[] = { "746370" /* tcp */, "544350" /* TCP */ };
	struct sc_core_link lk;
	char ruri[512];
	size_t i;

	for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		fresh();
		lk = link_of(0x5c, "provider", true);
		CHECK(!DEV(LAB)->seen);
		snprintf(ruri, sizeof(ruri),
			 "sip:1005@" WAN ";transport=tls;line=e1pnzt7a;sc=lab-phones~" SNOM_HEX "~%s",
			 transports[i]);
		CHECK_EQ_INT(provider_sends(provider_request("INVITE", ruri, ""), &lk), SC_CORE_FORWARD);
		CHECK_EQ_INT(idx(out.device), LAB);
		CHECK_EQ_INT(out.tp, SC_TP_TCP);
		CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.70:3052");
		view(&fwd, &out);
		CHECK_STR(fwd.m.ruri, i == 0 ? "sip:1005@192.168.1.70:3052;transport=tcp;line=e1pnzt7a"
					     : "sip:1005@192.168.1.70:3052;transport=TCP;line=e1pnzt7a");
		CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/TCP " LAN_TCP ";branch=z9hG4bK-sci"));
	}
	/* The same device with a token for UDP: UDP. */
	fresh();
	lk = link_of(0x5c, "provider", true);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:1005@" WAN ";transport=tls;sc=lab-phones~" SNOM_HEX "~756470",
						     ""),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
}

/* Where the provider's INVITE for the ATA's Contact (by its token) goes. */
static const char *ata_called_at(const struct sc_core_link *lk)
{
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     ""),
				    lk),
		     SC_CORE_FORWARD);
	return dst_text(&out);
}

static void test_wan_request_goes_to_last_source(void)
{
	struct sockaddr_storage moved = addr("192.168.1.20", 5070);
	struct sc_core_link lk;

	fresh();
	lk = link_of(0x55, "provider", true);
	/* Not registered: the ATA is reached where it last sent from. */
	CHECK_EQ_INT(device_sends(ata_invite("OPTIONS", "70"), &moved, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK(DEV(KITCHEN)->seen);
	CHECK_STR(sc_str_cstr(ata_called_at(&lk)), "192.168.1.20:5070");
	/* Registered: a request for its Contact goes where that Contact
	 * registered from, whatever the ATA sent from since ... */
	register_ata();
	CHECK_EQ_INT(device_sends(ata_invite("INFO", "70"), &moved, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(ata_called_at(&lk)), "192.168.1.20:5060");
	/* ... until it registers that Contact from elsewhere (its NAT binding
	 * moved). */
	CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-moved", 61373), &moved, SC_TP_UDP),
		     SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(ata_called_at(&lk)), "192.168.1.20:5070");
}

/* A two-line ATA on one address registers line 1 (Contact :5060) from port
 * 5060 and line 2 (Contact :5062) from port 5062: a call for line 1 rings
 * line 1 even when line 2 spoke last. */
static void test_wan_request_two_lines(void)
{
	struct sockaddr_storage line1 = addr("192.168.1.20", 5060);
	struct sockaddr_storage line2 = addr("192.168.1.20", 5062);
	struct sc_core_link lk;
	static char reg2[4096];
	const char *r;

	fresh();
	lk = link_of(0x56, "provider", true);
	CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-l1", 1), &line1, SC_TP_UDP), SC_CORE_FORWARD);
	r = ata_register("z9hG4bK-l2", 1);
	CHECK(strlen(r) < sizeof(reg2));
	snprintf(reg2, sizeof(reg2), "%s", r);
	/* Line 2: its own user and Contact port. */
	{
		char *p;

		while ((p = strstr(reg2, "192.168.1.20:5060")) != NULL)
			memcpy(p, "192.168.1.20:5062", 17);
		while ((p = strstr(reg2, "4930123456")) != NULL)
			memcpy(p, "4930123457", 10);
	}
	CHECK_EQ_INT(device_sends(reg2, &line2, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123456@" WAN ";transport=tls;sc=kitchen-ata~" ATA_CONTACT_HEX "~",
						     ""),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	CHECK_EQ_INT(provider_sends(provider_request("INVITE",
						     "sip:4930123457@" WAN ";transport=tls;sc=kitchen-ata~"
						     "3139322e3136382e312e32303a35303632~", /* 192.168.1.20:5062 */
						     ""),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5062");
	/* Addressed by AOR alone (no token): each line by the AOR it
	 * registered, at the Contact it registered. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930123456@" WAN, ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930123456@192.168.1.20:5060");
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930123457@" WAN, ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5062");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930123457@192.168.1.20:5062");
}

/* A REGISTER that removes the binding ("Contact: *" with Expires: 0, or
 * expires=0 on the Contact) forgets the AOR: calls to it get 404 again. */
static void test_deregister_forgets_aor(void)
{
	static const char *const removals[] = {
		"Contact: *\r\nExpires: 0\r\n",
		"Contact: <sip:1002@192.168.1.50:5062>;expires=0\r\nExpires: 3600\r\n",
		"Contact: <sip:1002@192.168.1.50:5062>\r\nExpires: 0\r\n",
	};
	struct sockaddr_storage yealink = addr("192.168.1.50", 5062);
	struct sc_core_link lk;
	char msg[1024];
	size_t i;

	for (i = 0; i < sizeof(removals) / sizeof(removals[0]); i++) {
		fresh();
		lk = link_of(0x57, "provider", true);
		CHECK_EQ_INT(device_sends(yealink_register(), &yealink, SC_TP_UDP), SC_CORE_FORWARD);
		CHECK_STR(sc_str_cstr(first_line(DEV(YEALINK))->aor), "1002");
		snprintf(msg, sizeof(msg),
			 "REGISTER sip:sip.provider.example SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.168.1.50:5062;branch=z9hG4bK12345678%zu\r\n"
			 "From: <sip:1002@sip.provider.example>;tag=2061488341\r\n"
			 "To: <sip:1002@sip.provider.example>\r\n"
			 "Call-ID: 0_2340513981@192.168.1.50\r\n"
			 "CSeq: %zu REGISTER\r\n"
			 "%s"
			 "Max-Forwards: 70\r\n"
			 "Content-Length: 0\r\n\r\n",
			 i, i + 2, removals[i]);
		CHECK_EQ_INT(device_sends(msg, &yealink, SC_TP_UDP), SC_CORE_FORWARD);
		CHECK_EQ_INT((int)strlen(first_line(DEV(YEALINK))->aor), 0);
		CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:1002@sip.provider.example", ""),
					    &lk),
			     SC_CORE_REPLY);
		view(&resp, &out);
		CHECK_EQ_INT(resp.m.status, 404);
	}
}

/* A Contact's own expires parameter wins over the Expires header, both
 * ways: expires=3600 with "Expires: 0" keeps the binding, expires=0 with
 * "Expires: 3600" removes it. */
static void test_contact_expires_overrides_header(void)
{
	struct sockaddr_storage yealink = addr("192.168.1.50", 5062);
	struct sc_core_link lk;
	char msg[1024];
	int step;

	fresh();
	lk = link_of(0x5d, "provider", true);
	for (step = 0; step < 3; step++) {
		/* 0: a registration that the header alone would call a removal;
		 * 1: a removal that the header alone would call a registration;
		 * 2: the first again, registering anew. */
		snprintf(msg, sizeof(msg),
			 "REGISTER sip:sip.provider.example SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.168.1.50:5062;branch=z9hG4bK-exp%d\r\n"
			 "From: <sip:1002@sip.provider.example>;tag=2061488341\r\n"
			 "To: <sip:1002@sip.provider.example>\r\n"
			 "Call-ID: 0_2340513981@192.168.1.50\r\n"
			 "CSeq: %d REGISTER\r\n"
			 "Contact: <sip:1002@192.168.1.50:5062>;expires=%s\r\n"
			 "Expires: %s\r\n"
			 "Max-Forwards: 70\r\n"
			 "Content-Length: 0\r\n\r\n",
			 step, step + 1, step == 1 ? "0" : "3600", step == 1 ? "3600" : "0");
		CHECK_EQ_INT(device_sends(msg, &yealink, SC_TP_UDP), SC_CORE_FORWARD);
		CHECK_STR(sc_str_cstr(first_line(DEV(YEALINK))->aor), step == 1 ? "" : "1002");
		CHECK_STR(sc_str_cstr(first_line(DEV(YEALINK))->contact),
			  step == 1 ? "" : "sip:1002@192.168.1.50:5062");
		CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:1002@sip.provider.example", ""),
					    &lk),
			     step == 1 ? SC_CORE_REPLY : SC_CORE_FORWARD);
		view(&fwd, &out);
		if (step == 1) {
			CHECK_EQ_INT(fwd.m.status, 404);
		} else {
			CHECK_EQ_INT(idx(out.device), YEALINK);
			CHECK_STR(fwd.m.ruri, "sip:1002@192.168.1.50:5062");
		}
	}
}

static void test_wan_request_by_aor(void)
{
	struct sockaddr_storage yealink = addr("192.168.1.50", 5062);
	struct sc_core_link lk;

	fresh();
	lk = link_of(0x56, "provider", true);
	/* Nobody registered 4930123456 yet, and the provider has no static
	 * device: 404. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930123456@sip.provider.example", ""),
				    &lk),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 404);
	CHECK_EQ_INT(core.st.no_device, 1);
	/* After the ATA's REGISTER its AOR reaches it, at its Contact. */
	register_ata();
	CHECK_STR(sc_str_cstr(first_line(DEV(KITCHEN))->aor), "4930123456");
	CHECK_STR(sc_str_cstr(first_line(DEV(KITCHEN))->contact), "sip:4930123456@192.168.1.20:5060");
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930123456@sip.provider.example", ""),
				    &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930123456@192.168.1.20:5060");
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), PROVIDER_VIA);
	/* Another device's AOR goes to that device. */
	CHECK_EQ_INT(device_sends(yealink_register(), &yealink, SC_TP_UDP), SC_CORE_FORWARD);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:1002@sip.provider.example", ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), YEALINK);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.50:5062");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:1002@192.168.1.50:5062");
	/* The whole user part must match. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:493012345@sip.provider.example", ""),
				    &lk),
		     SC_CORE_REPLY);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:49301234567@sip.provider.example", ""),
				    &lk),
		     SC_CORE_REPLY);
	CHECK_EQ_INT(core.st.no_device, 3);
}

static void test_wan_request_static_device(void)
{
	struct sc_core_link carrier;
	struct sc_core_link provider;
	struct sc_core_link anyone;
	const char *inv = provider_request("INVITE", "sip:+4930555123@trunk-edge.example.net:5061", "");

	fresh();
	carrier = link_of(0x57, "carrier", true);
	provider = link_of(0x58, "provider", true);
	anyone = link_of(0x59, NULL, false);
	/* Never heard from, but it has an address: the carrier's calls reach
	 * it there, the Request-URI as the carrier wrote it. */
	CHECK_EQ_INT(provider_sends(inv, &carrier), SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), PBX);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "10.0.0.5:5060");
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:+4930555123@trunk-edge.example.net:5061");
	CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci"));
	CHECK_STR(hdr(&fwd, SC_HDR_VIA, 1), PROVIDER_VIA);
	/* B15: a connection of no upstream (wan.listen) does not reach it:
	 * 403, and nothing goes to the PBX. */
	CHECK_EQ_INT(provider_sends(inv, &anyone), SC_CORE_REPLY);
	CHECK(out.unattributed);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 403);
	CHECK_EQ_INT((int)core.st.unattributed, 1);
	/* Another upstream's connection does not reach the carrier's PBX. */
	CHECK_EQ_INT(provider_sends(inv, &provider), SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 404);
	CHECK_STR(resp.m.reason, "Not Found");
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), PROVIDER_VIA);
	CHECK_STR(resp.m.call_id, "3848276298220188511@203.0.113.5");
	CHECK(contains(hdr(&resp, SC_HDR_TO, 0), ";tag="));
	CHECK_EQ_INT(core.st.no_device, 1);
	/* Max-Forwards 0 from the provider: 483, not forwarded. */
	CHECK_EQ_INT(provider_sends(sipf("",
					 "OPTIONS sip:+4930555123@trunk-edge.example.net:5061 SIP/2.0\r\n"
					 "Via: " PROVIDER_VIA "\r\n"
					 "Max-Forwards: 0\r\n"
					 "From: <sip:carrier.example>;tag=k1\r\n"
					 "To: <sip:+4930555123@trunk-edge.example.net>\r\n"
					 "Call-ID: mf0@203.0.113.5\r\n"
					 "CSeq: 1 OPTIONS\r\n"),
				    &carrier),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 483);
}

/* B5's order: a registered AOR is found before a static address, both for
 * another device of the same upstream and for the static device itself
 * (whose registered Contact then becomes the Request-URI). */
/* A REGISTER of user from a carrier device at src, Contact at contact. */
static const char *carrier_register(const char *src, const char *user, const char *contact)
{
	static unsigned n;

	n++;
	return sipf("",
		    "REGISTER sip:trunk.carrier.example SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP %s;branch=z9hG4bK-aor%u\r\n"
		    "From: <sip:%s@trunk.carrier.example>;tag=f%u\r\n"
		    "To: <sip:%s@trunk.carrier.example>\r\n"
		    "Call-ID: aor-%u@carrier\r\n"
		    "CSeq: 1 REGISTER\r\n"
		    "Contact: <sip:%s@%s>\r\n"
		    "Expires: 600\r\n"
		    "Max-Forwards: 70\r\n",
		    src, n, user, n, user, n, user, contact);
}

static void test_wan_request_aor_before_static(void)
{
	struct sockaddr_storage fax = addr("10.0.0.9", 5060);
	struct sockaddr_storage pbx = addr("10.0.0.5", 5060);
	struct sc_core_link carrier;

	fresh();
	carrier = link_of(0x5e, "carrier", true);
	/* Before any REGISTER the static PBX takes the carrier's call. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930555999@trunk-edge.example.net:5061", ""),
				    &carrier),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), PBX);
	/* The fax registers 4930555999: that call is its now. */
	CHECK_EQ_INT(device_sends(carrier_register("10.0.0.9:5060", "4930555999", "10.0.0.9:5060"), &fax,
				  SC_TP_UDP),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930555999@trunk-edge.example.net:5061", ""),
				    &carrier),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), FAX);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "10.0.0.9:5060");
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930555999@10.0.0.9:5060");
	/* The PBX registers a binding of its own: its Contact is used. */
	CHECK_EQ_INT(device_sends(carrier_register("10.0.0.5:5060", "4930555123", "10.0.0.5:5080"), &pbx,
				  SC_TP_UDP),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930555123@trunk-edge.example.net:5061", ""),
				    &carrier),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), PBX);
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930555123@10.0.0.5:5080");
	/* Any other user still reaches the PBX, as the carrier wrote it. */
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", "sip:4930555000@trunk-edge.example.net:5061", ""),
				    &carrier),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(idx(out.device), PBX);
	view(&fwd, &out);
	CHECK_STR(fwd.m.ruri, "sip:4930555000@trunk-edge.example.net:5061");
}

/* ---- B6: trust marking ---- */

/* How many Alert-Info headers the device gets for a request over lk. */
static int alert_infos(const char *method, const char *device_token, const struct sc_core_link *lk)
{
	char ruri[256];

	snprintf(ruri, sizeof(ruri), "sip:4930123456@" WAN ";transport=tls;sc=%s", device_token);
	CHECK_EQ_INT(provider_sends(provider_request(method, ruri,
						     "Alert-Info: <http://evil.example/ring.wav>\r\n"
						     "alert-info: Bellcore-dr2\r\n"),
				    lk),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK(!has(&fwd, "evil.example"));
	CHECK(!has(&fwd, "Bellcore-dr2"));
	return nhdr(&fwd, SC_HDR_ALERT_INFO);
}

#define ATA_TOKEN "kitchen-ata~" ATA_CONTACT_HEX "~"
#define PBX_TOKEN "office-pbx~31302e302e302e353a35303630~"

static void test_alert_info(void)
{
	struct sc_core_link trusted;
	struct sc_core_link unverified;
	struct sc_core_link untrusted;
	struct sc_core_link plain;

	fresh();
	trusted = link_of(0x61, "provider", true);
	unverified = link_of(0x62, "provider", false);
	untrusted = link_of(0x63, "carrier", true);
	plain = link_of(0x65, "provider", true);
	plain.tls = false;
	/* An INVITE over a verified connection from the trusted upstream:
	 * the outside marks are gone, the device's preset is the only one. */
	CHECK_EQ_INT(alert_infos("INVITE", ATA_TOKEN, &trusted), 1);
	CHECK_STR(hdr(&fwd, SC_HDR_ALERT_INFO, 0), "Bellcore-dr4");
	CHECK(has(&fwd, "\r\nAlert-Info: Bellcore-dr4\r\n"));
	/* Anything less: no Alert-Info at all (a connection of the trusted
	 * upstream by address only, accept_from; an untrusted upstream's
	 * device below).  A connection of no upstream, or another upstream's
	 * for this device, reaches it not at all (B15, test_wan_request_*). */
	CHECK_EQ_INT(alert_infos("INVITE", ATA_TOKEN, &unverified), 0);
	/* A verified peer of the trusted upstream, but not over TLS. */
	CHECK_EQ_INT(alert_infos("INVITE", ATA_TOKEN, &plain), 0);
	CHECK_EQ_INT(alert_infos("MESSAGE", ATA_TOKEN, &trusted), 0);
	CHECK_EQ_INT(alert_infos("OPTIONS", ATA_TOKEN, &trusted), 0);
	CHECK_EQ_INT(alert_infos("UPDATE", ATA_TOKEN, &trusted), 0);
	/* A device without alert_info is never marked. */
	CHECK_EQ_INT(alert_infos("INVITE", "desk-yealink~3139322e3136382e312e35303a35303632~", &trusted), 0);
	/* The PBX has a preset, but its calls come over the untrusted carrier. */
	CHECK_EQ_INT(alert_infos("INVITE", PBX_TOKEN, &untrusted), 0);
	/* A literal value is written as configured. */
	CHECK_EQ_INT(alert_infos("INVITE", "lab-phones~3139322e3136382e312e37303a35303630~", &trusted), 1);
	CHECK_STR(hdr(&fwd, SC_HDR_ALERT_INFO, 0), "<http://192.168.1.1/trusted.wav>");
}

/* ---- B5: the device's response back to the provider ---- */

static void test_device_response_to_wan_request(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	struct sc_core_link lk;
	uint64_t link = 0, key;
	static struct view invite;
	char rr[512], extra[1024];
	struct sc_sip_msg m;
	const char *stray;

	fresh();
	lk = link_of(0x7a11, "provider", true);
	register_ata();
	CHECK_EQ_INT(provider_sends(provider_request("INVITE", contact_uri(&fwd), ""), &lk),
		     SC_CORE_FORWARD);
	view(&invite, &out);
	/* The ATA answers 200 with its Contact and the Record-Route it got. */
	snprintf(rr, sizeof(rr), "%.*s, %.*s", (int)hdr(&invite, SC_HDR_RECORD_ROUTE, 0).n,
		 hdr(&invite, SC_HDR_RECORD_ROUTE, 0).p, (int)hdr(&invite, SC_HDR_RECORD_ROUTE, 1).n,
		 hdr(&invite, SC_HDR_RECORD_ROUTE, 1).p);
	snprintf(extra, sizeof(extra),
		 "Record-Route: %s\r\n"
		 "Contact: Kitchen <sip:4930123456@192.168.1.20:5060>\r\n"
		 "User-Agent: Linksys/SPA2102-5.2.12\r\n",
		 rr);
	CHECK_EQ_INT(device_answers(&invite, &ata, "200 OK", extra, &link), SC_CORE_FORWARD);
	/* On the connection the INVITE came in on. */
	CHECK(link == 0x7a11);
	CHECK(out.link == 0x7a11);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 200);
	/* Our LAN Via is gone: the provider sees its own Via on top. */
	CHECK_EQ_INT(nhdr(&resp, SC_HDR_VIA), 1);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), PROVIDER_VIA);
	CHECK(!has(&resp, "sc-l="));
	/* The Contact points at us, with the token; Record-Route as echoed. */
	CHECK_STR(hdr(&resp, SC_HDR_CONTACT, 0),
		  "Kitchen <sip:4930123456@" WAN ";transport=tls;sc=" ATA_TOKEN ">");
	CHECK_STR(hdr(&resp, SC_HDR_RECORD_ROUTE, 0), rr);

	/* A response that is not for one of our requests. */
	stray = answer(&fwd, "200 OK", "");
	CHECK_EQ_INT(sc_sip_msg_parse(&m, stray, strlen(stray)), 0);
	CHECK_EQ_INT(sc_inbound_branch(&m, &key, &link), -ENOENT);
	CHECK_EQ_INT(sc_core_lan_response(&core, &m, DEV(KITCHEN), WAN, &out), SC_CORE_DROP);
	CHECK(out.why != NULL);
	CHECK_EQ_INT(core.st.not_ours, 1);
}

/* The ATA answers a provider's request of method with status and its
 * Contact: the Contact the provider gets. */
static sc_str contact_answered(const char *method, const char *status, const char *contact)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	struct sc_core_link lk = link_of(0x7a12, "provider", true);
	static struct view req;
	char extra[256];
	uint64_t link;

	CHECK_EQ_INT(provider_sends(provider_request(method, "sip:4930123456@" WAN ";transport=tls;sc=" ATA_TOKEN, ""),
				    &lk),
		     SC_CORE_FORWARD);
	view(&req, &out);
	snprintf(extra, sizeof(extra), "Contact: %s\r\n", contact);
	CHECK_EQ_INT(device_answers(&req, &ata, status, extra, &link), SC_CORE_FORWARD);
	CHECK(link == 0x7a12);
	view(&resp, &out);
	return hdr(&resp, SC_HDR_CONTACT, 0);
}

static void test_device_response_contact_only_where_it_is_a_target(void)
{
	fresh();
	CHECK_STR(contact_answered("INVITE", "180 Ringing", ATA_CONTACT), ATA_CONTACT_OURS);
	CHECK_STR(contact_answered("INVITE", "183 Session Progress", ATA_CONTACT), ATA_CONTACT_OURS);
	CHECK_STR(contact_answered("UPDATE", "200 OK", ATA_CONTACT), ATA_CONTACT_OURS);
	/* A redirect names somewhere else entirely; an error names nothing. */
	CHECK_STR(contact_answered("INVITE", "302 Moved Temporarily", "<sip:+4930555123@sip.provider.example>"),
		  "<sip:+4930555123@sip.provider.example>");
	CHECK_STR(contact_answered("INVITE", "486 Busy Here", ATA_CONTACT), ATA_CONTACT);
	CHECK_STR(contact_answered("OPTIONS", "200 OK", ATA_CONTACT), ATA_CONTACT_OURS);
	/* A response to a request that sets no target. */
	CHECK_STR(contact_answered("MESSAGE", "200 OK", ATA_CONTACT), ATA_CONTACT);
	/* A GRUU routes through the provider already: kept (RFC 5627). */
	CHECK_STR(contact_answered("INVITE", "200 OK",
				   "<sip:4930123456@sip.provider.example;gr=urn:uuid:f81d4fae>"),
		  "<sip:4930123456@sip.provider.example;gr=urn:uuid:f81d4fae>");
}

/* ---- B10: local failures ---- */

static void test_fail_503_remembered(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	const char *inv = ata_invite("INVITE", "70");
	const char *warning = "399 sipsidecar \"upstream certificate expired\"";
	static char first[8192];
	size_t first_len;
	struct sc_sip_msg m;

	fresh();
	CHECK_EQ_INT(sc_sip_msg_parse(&m, inv, strlen(inv)), 0);
	CHECK_EQ_INT(sc_core_lan_request(&core, &m, DEV(KITCHEN), SA(ata), SC_TP_UDP, now, &out),
		     SC_CORE_FORWARD);
	/* The flow cannot come up: the ATA hears why, at once. */
	CHECK_EQ_INT(sc_core_fail(&core, &m, DEV(KITCHEN), SA(ata), 503, "Service Unavailable", warning, now,
				  &out),
		     SC_CORE_REPLY);
	CHECK_EQ_INT(idx(out.device), KITCHEN);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 503);
	CHECK_STR(resp.m.reason, "Service Unavailable");
	CHECK_STR(hdr(&resp, SC_HDR_WARNING, 0), warning);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), ATA_VIA);
	CHECK(contains(hdr(&resp, SC_HDR_TO, 0), ";tag="));
	CHECK(!has(&resp, "Proxy-Authorization"));
	first_len = out.len;
	memcpy(first, out.buf, out.len);
	/* Its retransmission gets the same 503, not a second attempt. */
	CHECK_EQ_INT(device_sends(inv, &ata, SC_TP_UDP), SC_CORE_REPLY);
	CHECK(out.len == first_len && memcmp(out.buf, first, first_len) == 0);
	/* An ACK is never answered. */
	inv = ata_invite("ACK", "70");
	CHECK_EQ_INT(sc_sip_msg_parse(&m, inv, strlen(inv)), 0);
	CHECK_EQ_INT(sc_core_fail(&core, &m, DEV(KITCHEN), SA(ata), 503, "Service Unavailable", warning, now,
				  &out),
		     SC_CORE_DROP);
}

static void test_reply(void)
{
	const char *inv = ata_invite("INVITE", "70");
	const char *ack = ata_invite("ACK", "70");
	static char first[8192];
	size_t first_len;
	struct sc_sip_msg m;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, inv, strlen(inv)), 0);
	CHECK_EQ_INT(sc_core_reply(&m, 403, "Forbidden", "399 sipsidecar \"source is not a configured device\"",
				   &out),
		     SC_CORE_REPLY);
	view(&resp, &out);
	CHECK_EQ_INT(resp.m.status, 403);
	CHECK_STR(hdr(&resp, SC_HDR_WARNING, 0), "399 sipsidecar \"source is not a configured device\"");
	first_len = out.len;
	memcpy(first, out.buf, out.len);
	/* The same request gets the same To tag, so the answer to a
	 * retransmission matches. */
	CHECK_EQ_INT(sc_core_reply(&m, 403, "Forbidden", "399 sipsidecar \"source is not a configured device\"",
				   &out),
		     SC_CORE_REPLY);
	CHECK(out.len == first_len && memcmp(out.buf, first, first_len) == 0);
	CHECK_EQ_INT(sc_core_reply(&m, 400, "Bad Request", NULL, &out), SC_CORE_REPLY);
	view(&back, &out);
	CHECK_EQ_INT(nhdr(&back, SC_HDR_WARNING), 0);
	/* No answer to an ACK or to a response. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, ack, strlen(ack)), 0);
	CHECK_EQ_INT(sc_core_reply(&m, 400, "Bad Request", NULL, &out), SC_CORE_DROP);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp.text, resp.len), 0);
	CHECK_EQ_INT(sc_core_reply(&m, 400, "Bad Request", NULL, &out), SC_CORE_DROP);
}

/* A request without Max-Forwards leaves with one, in both directions:
 * RFC 3261 §16.6 step 3 says a proxy MUST add it, and it SHOULD be 70. */
static void test_max_forwards_added_when_absent(void)
{
	struct sockaddr_storage ata = addr("192.168.1.20", 5060);
	struct sc_core_link carrier;

	fresh();
	carrier = link_of(0x91, "carrier", true);
	CHECK_EQ_INT(device_sends(sip("OPTIONS sip:sip.provider.example SIP/2.0\r\n"
				      "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-nomf\r\n"
				      "From: <sip:4930123456@sip.provider.example>;tag=1\r\n"
				      "To: <sip:sip.provider.example>\r\n"
				      "Call-ID: nomf@192.168.1.20\r\n"
				      "CSeq: 1 OPTIONS\r\n",
				      ""),
				  &ata, SC_TP_UDP),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(fwd.m.max_forwards, 70);
	CHECK_EQ_INT(provider_sends(sip("OPTIONS sip:+4930555123@trunk-edge.example.net:5061 SIP/2.0\r\n"
					"Via: " PROVIDER_VIA "\r\n"
					"From: <sip:carrier.example>;tag=k1\r\n"
					"To: <sip:+4930555123@trunk-edge.example.net>\r\n"
					"Call-ID: nomf@203.0.113.5\r\n"
					"CSeq: 1 OPTIONS\r\n",
					""),
				    &carrier),
		     SC_CORE_FORWARD);
	view(&fwd, &out);
	CHECK_EQ_INT(fwd.m.max_forwards, 70);
}

/* RFC 3261 §18.1.1: a provider request over 1300 bytes for a UDP device
 * goes over TCP to where the device listens (mtu.h), with its UDP form
 * kept for a device that refuses TCP; its CANCEL follows it. */
static int provider_sends_sized(const char *text, const struct sc_core_link *lk)
{
	struct sc_sip_msg m;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	out.len = 0;
	out.device = NULL;
	return sc_mtu_wan_request(&core, &m, lk, &out);
}

static void test_wan_request_too_large_for_udp(void)
{
	struct sc_core_link lk;
	char ruri[512], pad[1400], tcp_via[800];
	struct sc_net_addr dst;
	uint64_t key;

	fresh();
	lk = link_of(0x52, "provider", true);
	register_ata();
	snprintf(ruri, sizeof(ruri), "%s", contact_uri(&fwd));
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(tcp_via, sizeof(tcp_via), "X-Pad: %.700s\r\n", pad);
	/* A small one goes over UDP, as the device sent. */
	CHECK_EQ_INT(provider_sends_sized(provider_request("INVITE", ruri, ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	CHECK(out.alt == NULL);
	CHECK(out.len <= SC_MTU_UDP_MAX);
	/* 700 bytes more: over TCP to the address it uses for UDP. */
	CHECK_EQ_INT(provider_sends_sized(provider_request("INVITE", ruri, tcp_via), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	CHECK(out.len > SC_MTU_UDP_MAX);
	view(&fwd, &out);
	CHECK(starts(hdr(&fwd, SC_HDR_VIA, 0), "SIP/2.0/TCP " LAN_TCP ";branch=z9hG4bK-sci"));
	CHECK(starts(hdr(&fwd, SC_HDR_RECORD_ROUTE, 0), "<sip:" LAN_TCP ";transport=tcp;lr;sc-rr>"));
	key = out.key;
	dst = out.dst;
	/* Its UDP form, for a device that refuses TCP: the same branch. */
	CHECK(out.alt != NULL && out.alt_len > SC_MTU_UDP_MAX);
	if (out.alt) {
		memcpy(back.text, out.alt, out.alt_len);
		back.text[out.alt_len] = '\0';
		CHECK_EQ_INT(sc_sip_msg_parse(&back.m, back.text, out.alt_len), 0);
		CHECK(starts(hdr(&back, SC_HDR_VIA, 0), "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci"));
		CHECK(strncmp(hdr(&back, SC_HDR_VIA, 0).p + strlen("SIP/2.0/UDP " LAN),
			      hdr(&fwd, SC_HDR_VIA, 0).p + strlen("SIP/2.0/TCP " LAN_TCP),
			      strlen(";branch=z9hG4bK-sci") + 16) == 0);
		CHECK(starts(hdr(&back, SC_HDR_RECORD_ROUTE, 0), "<sip:" LAN ";lr;sc-rr>"));
	}
	CHECK_EQ_INT((int)core.st.oversize_udp, 0);
	/* That UDP form belongs to this output alone: whatever the WAN side
	 * brings next (a response, garbage) has none. */
	{
		static struct sc_core_out next;

		next.alt = "stale";
		CHECK_EQ_INT(sc_core_wan_input(&core, "garbage", 7, &lk, now, &next), SC_CORE_DROP);
		CHECK(next.alt == NULL);
	}
	snprintf(tcp_via, sizeof(tcp_via), "%.*s", (int)hdr(&fwd, SC_HDR_VIA, 0).n,
		 hdr(&fwd, SC_HDR_VIA, 0).p);
	/* Its CANCEL is small, and follows it onto TCP with its branch. */
	CHECK_EQ_INT(provider_sends_sized(provider_request("CANCEL", ruri, ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK(out.alt == NULL);
	view(&resp, &out);
	CHECK_STR(hdr(&resp, SC_HDR_VIA, 0), tcp_via);
	/* The device took no TCP: the INVITE went over UDP after all,
	 * counted and repeated; its CANCEL goes the same way now. */
	CHECK_EQ_INT(sc_mtu_fallback(&core, key, true, &dst, back.text, strlen(back.text), now), 0);
	CHECK_EQ_INT((int)core.st.oversize_udp, 1);
	CHECK_EQ_INT((int)core.retx.n, 1);
	CHECK_EQ_INT(provider_sends_sized(provider_request("CANCEL", ruri, ""), &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	/* A dialog's Contact at the same address that says TCP (the device
	 * answered over TCP): its in-dialog requests go over TCP. */
	CHECK_EQ_INT(provider_sends_sized(provider_request("BYE",
							   "sip:4930123456@" WAN ";transport=tls;sc="
							   "kitchen-ata~" ATA_CONTACT_HEX "~746370",
							   ""),
					  &lk),
		     SC_CORE_FORWARD);
	CHECK_EQ_INT(out.tp, SC_TP_TCP);
	CHECK_STR(sc_str_cstr(dst_text(&out)), "192.168.1.20:5060");
	/* No LAN TCP listener: over UDP, counted. */
	conf->lan.nlisten = 1;
	snprintf(tcp_via, sizeof(tcp_via), "X-Pad: %.700s\r\n", pad);
	CHECK_EQ_INT(provider_sends_sized(provider_request("INVITE", ruri, tcp_via), &lk),
		     SC_CORE_FORWARD);
	conf->lan.nlisten = 2;
	CHECK_EQ_INT(out.tp, SC_TP_UDP);
	CHECK(out.alt == NULL);
	CHECK_EQ_INT((int)core.st.oversize_udp, 2);
	/* A device matched by address and port: its own requests over TCP
	 * would come from another port, so UDP, counted. */
	{
		struct sockaddr_storage yealink = addr("192.168.1.50", 5062);

		CHECK_EQ_INT(device_sends(ata_register("z9hG4bK-ylk1", 61373), &yealink, SC_TP_UDP),
			     SC_CORE_FORWARD);
		view(&fwd, &out);
		snprintf(ruri, sizeof(ruri), "%s", contact_uri(&fwd));
		CHECK(strstr(ruri, "desk-yealink") != NULL);
		CHECK_EQ_INT(provider_sends_sized(provider_request("INVITE", ruri, tcp_via), &lk),
			     SC_CORE_FORWARD);
		CHECK_EQ_INT(idx(out.device), YEALINK);
		CHECK_EQ_INT(out.tp, SC_TP_UDP);
		CHECK(out.len > SC_MTU_UDP_MAX);
		CHECK_EQ_INT((int)core.st.oversize_udp, 3);
	}
}

int main(void)
{
	conf = load(allow_line);
	if (!conf) {
		fprintf(stderr, "test_core: the configuration does not load\n");
		return 1;
	}
	RUN(test_device_identity);
	RUN(test_register_outbound);
	RUN(test_register_contact_params_kept);
	RUN(test_invite_outbound);
	RUN(test_invite_over_tcp);
	RUN(test_contact_rewritten_only_where_it_is_a_target);
	RUN(test_record_route_only_on_dialog_creation);
	RUN(test_routes_to_us_consumed);
	RUN(test_routes_to_our_tcp_address_consumed);
	RUN(test_max_forwards);
	RUN(test_retransmission_absorbed_then_answered);
	RUN(test_our_100_trying);
	RUN(test_ack_never_absorbed);
	RUN(test_cancel_is_its_own_transaction);
	RUN(test_provider_response_back_to_device);
	RUN(test_unknown_responses_dropped);
	RUN(test_wan_request_by_token);
	RUN(test_wan_request_token_restores_transport);
	RUN(test_wan_request_token_device_not_seen);
	RUN(test_tcp_hop_via_names_tcp_listener);
	RUN(test_wan_request_tcp_token_device_not_seen);
	RUN(test_wan_request_goes_to_last_source);
	RUN(test_wan_request_two_lines);
	RUN(test_wan_request_too_large_for_udp);
	RUN(test_wan_request_by_aor);
	RUN(test_deregister_forgets_aor);
	RUN(test_contact_expires_overrides_header);
	RUN(test_wan_request_static_device);
	RUN(test_wan_request_aor_before_static);
	RUN(test_alert_info);
	RUN(test_device_response_to_wan_request);
	RUN(test_device_response_contact_only_where_it_is_a_target);
	RUN(test_fail_503_remembered);
	RUN(test_reply);
	RUN(test_max_forwards_added_when_absent);
	if (core_ready)
		sc_core_free(&core);
	sc_conf_free(conf);
	return check_done("relay_core");
}
