/* The registry of devices and upstreams (sidecar/relay/devices.c): records
 * are handles found by name, never positions in the configuration.
 *
 * Two configurations hold the same devices and upstreams in different
 * orders (every device at a different index, the upstreams swapped): each
 * record must carry its own device's settings and its own upstream, and
 * the core's lookups that use them (B1 sc_core_device, B5 the static
 * device path, a token, a response's Via) must reach the same device in
 * both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sidecar/base/str.h"
#include "sidecar/conf/conf.h"
#include "sidecar/net/addr.h"
#include "sidecar/relay/core.h"
#include "sidecar/relay/devices.h"
#include "tests/unit/check.h"

#define WAN "edge.example.net:5061"
#define LAN "192.168.1.1:5060"

#define HEAD                                                                 \
	"lan:\n"                                                             \
	"  listen: [ \"udp:192.168.1.1:5060\", \"tcp:192.168.1.1:5060\" ]\n" \
	"  advertise: 192.168.1.1\n"                                         \
	"  allow: [ 192.168.1.0/24, 10.0.0.0/24 ]\n"

#define UP_PROVIDER                                 \
	"  provider:\n"                             \
	"    uri: sips:sip.provider.example\n"      \
	"    trusted: true\n"
#define UP_CARRIER                                  \
	"  carrier:\n"                              \
	"    uri: sips:trunk.carrier.example:5061\n" \
	"    connection: shared\n"

#define DEV_KITCHEN                    \
	"  - name: kitchen-ata\n"      \
	"    match: 192.168.1.20\n"    \
	"    upstream: provider\n"     \
	"    alert_info: cisco-ata\n"
#define DEV_FRONT                               \
	"  - name: front-door\n"                \
	"    match: 192.168.1.30\n"             \
	"    upstream: provider\n"              \
	"    address: 192.168.1.30:5060\n"
#define DEV_PBX                               \
	"  - name: office-pbx\n"              \
	"    match: 10.0.0.5\n"               \
	"    upstream: carrier\n"             \
	"    address: 10.0.0.5:5060\n"
#define DEV_DESK                              \
	"  - name: desk-yealink\n"            \
	"    match: 192.168.1.50:5062\n"      \
	"    upstream: provider\n"
#define DEV_LAB                               \
	"  - name: lab-phones\n"              \
	"    match: 192.168.1.64/28\n"        \
	"    upstream: carrier\n"

/* A: provider first; B: carrier first, and every device elsewhere. */
static const char yaml_a[] = HEAD "upstreams:\n" UP_PROVIDER UP_CARRIER
				  "devices:\n" DEV_KITCHEN DEV_FRONT DEV_PBX DEV_DESK DEV_LAB;
static const char yaml_b[] = HEAD "upstreams:\n" UP_CARRIER UP_PROVIDER
				  "devices:\n" DEV_DESK DEV_LAB DEV_KITCHEN DEV_PBX DEV_FRONT;

/* Each device: where it sends from, and its upstream. */
static const struct device {
	const char *name;
	const char *ip;
	unsigned port;
	const char *upstream;
} devices[] = {
	{ "kitchen-ata", "192.168.1.20", 5060, "provider" },
	{ "front-door", "192.168.1.30", 5060, "provider" },
	{ "office-pbx", "10.0.0.5", 5060, "carrier" },
	{ "desk-yealink", "192.168.1.50", 5062, "provider" },
	{ "lab-phones", "192.168.1.70", 3052, "carrier" },
};
#define NDEV (sizeof(devices) / sizeof(devices[0]))

static struct sc_conf *conf_a, *conf_b;

static struct sc_conf *load(const char *name, const char *yaml)
{
	struct sc_diags dg;
	struct sc_conf *c = NULL;

	memset(&dg, 0, sizeof(dg));
	if (sc_conf_load_buf(name, yaml, strlen(yaml), SC_CONF_NO_FILES, &c, &dg) != 0) {
		sc_diags_print(&dg, stderr);
		c = NULL;
	}
	sc_diags_free(&dg);
	return c;
}

static struct sockaddr_storage addr(const char *ip, unsigned port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
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

static const struct sc_conf_device *conf_device(const struct sc_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		if (strcmp(c->devices[i].name, name) == 0)
			return &c->devices[i];
	return NULL;
}

static const struct sc_conf_upstream *conf_upstream(const struct sc_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nupstreams; i++)
		if (strcmp(c->upstreams[i].name, name) == 0)
			return &c->upstreams[i];
	return NULL;
}

static long idx(const struct sc_devices *r, const struct sc_dev *d)
{
	size_t i;

	for (i = 0; d && i < r->ndev; i++)
		if (r->dev[i] == d)
			return (long)i;
	return -1;
}

/* ---- the registry ---- */

/* Every record of r found by name is that device's own. */
static void check_registry(const struct sc_conf *c, const struct sc_devices *r)
{
	size_t i, j;

	CHECK_EQ_INT(r->ndev, NDEV);
	CHECK_EQ_INT(r->nup, 2);
	for (i = 0; i < NDEV; i++) {
		const struct device *w = &devices[i];
		struct sc_dev *d = sc_devices_find(r, sc_str_cstr(w->name));
		struct sc_up *u = sc_devices_upstream(r, sc_str_cstr(w->upstream));

		CHECK(d != NULL);
		CHECK(u != NULL);
		if (!d || !u)
			continue;
		/* The same handle every time, one of the registry's. */
		CHECK(sc_devices_find(r, sc_str_cstr(w->name)) == d);
		CHECK(idx(r, d) >= 0);
		CHECK(strcmp(d->name, w->name) == 0);
		/* Its own settings: by name, and its match takes its own
		 * source and no other device's. */
		CHECK(d->conf == conf_device(c, w->name));
		CHECK(strcmp(d->conf->name, w->name) == 0);
		for (j = 0; j < NDEV; j++) {
			struct sockaddr_storage ss = addr(devices[j].ip, devices[j].port);

			if (sc_net_match_addr(&d->conf->match, SA(ss)) != (i == j))
				fprintf(stderr, "  %s's match and %s's source\n", w->name,
					devices[j].name);
			CHECK(sc_net_match_addr(&d->conf->match, SA(ss)) == (i == j));
		}
		/* Its own upstream, by name. */
		CHECK(d->up == u);
		CHECK(d->up && strcmp(d->up->name, w->upstream) == 0);
		CHECK(d->up && d->up->conf == conf_upstream(c, w->upstream));
		CHECK(u->conf == conf_upstream(c, w->upstream));
		CHECK(strcmp(u->name, u->conf->name) == 0);
		/* Nothing learnt yet. */
		CHECK(!d->seen);
		CHECK(d->lines[0].hostport[0] == '\0' && d->lines[0].aor[0] == '\0');
	}
}

static void test_found_by_name(void)
{
	struct sc_devices a, b;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	CHECK_EQ_INT(sc_devices_build(&a, conf_a), 0);
	CHECK_EQ_INT(sc_devices_build(&b, conf_b), 0);
	check_registry(conf_a, &a);
	check_registry(conf_b, &b);
	/* The test means something: every device and both upstreams sit at
	 * another index in B than in A. */
	for (i = 0; i < NDEV; i++) {
		sc_str name = sc_str_cstr(devices[i].name);

		CHECK(idx(&a, sc_devices_find(&a, name)) != idx(&b, sc_devices_find(&b, name)));
	}
	CHECK(a.up[0] == sc_devices_upstream(&a, SC_STR_LIT("provider")));
	CHECK(b.up[0] == sc_devices_upstream(&b, SC_STR_LIT("carrier")));
	sc_devices_free(&a);
	sc_devices_free(&b);
	CHECK_EQ_INT(a.ndev + a.nup, 0);
	CHECK(a.dev == NULL && a.up == NULL);
}

static void test_unknown_names(void)
{
	struct sc_devices r;
	char longer[] = "kitchen-ata-2";

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(sc_devices_build(&r, conf_b), 0);
	CHECK(sc_devices_find(&r, SC_STR_LIT("nowhere")) == NULL);
	CHECK(sc_devices_find(&r, SC_STR_LIT("Kitchen-ATA")) == NULL);
	CHECK(sc_devices_find(&r, SC_STR_LIT("kitchen")) == NULL);
	CHECK(sc_devices_find(&r, SC_STR_LIT("kitchen-ata2")) == NULL);
	CHECK(sc_devices_find(&r, SC_STR_LIT("")) == NULL);
	CHECK(sc_devices_find(&r, SC_STR_NULL) == NULL);
	/* An upstream's name is not a device's, nor the other way round. */
	CHECK(sc_devices_find(&r, SC_STR_LIT("provider")) == NULL);
	CHECK(sc_devices_upstream(&r, SC_STR_LIT("kitchen-ata")) == NULL);
	CHECK(sc_devices_upstream(&r, SC_STR_LIT("Provider")) == NULL);
	CHECK(sc_devices_upstream(&r, SC_STR_LIT("")) == NULL);
	/* A name is a slice: only its own bytes count. */
	CHECK(sc_devices_find(&r, sc_str_make(longer, 11)) ==
	      sc_devices_find(&r, SC_STR_LIT("kitchen-ata")));
	CHECK(sc_devices_find(&r, sc_str_make(longer, 11)) != NULL);
	CHECK(sc_devices_find(&r, sc_str_make(longer, 10)) == NULL);
	sc_devices_free(&r);
}

static void test_unknown_upstream_refused(void)
{
	struct sc_conf_device *cd = (struct sc_conf_device *)conf_device(conf_b, "kitchen-ata");
	struct sc_devices r;
	char *saved, other[] = "nowhere";

	CHECK(cd != NULL);
	if (!cd)
		return;
	/* The loader refuses this; the registry must too, not take another
	 * upstream. */
	saved = cd->upstream_name;
	cd->upstream_name = other;
	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(sc_devices_build(&r, conf_b), -ENOENT);
	CHECK_EQ_INT(r.ndev + r.nup, 0);
	CHECK(r.dev == NULL && r.up == NULL);
	cd->upstream_name = saved;
	CHECK_EQ_INT(sc_devices_build(&r, conf_b), 0);
	sc_devices_free(&r);
}

/* ---- the core's lookups ---- */

static const char *sipf(const char *fmt, ...) SC_PRINTF(1, 2);
static const char *sipf(const char *fmt, ...)
{
	static char ring[4][4096];
	static unsigned next;
	char *b = ring[next++ % 4];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	n = (size_t)vsnprintf(b, sizeof(ring[0]) - 32, fmt, ap);
	va_end(ap);
	snprintf(b + n, sizeof(ring[0]) - n, "Content-Length: 0\r\n\r\n");
	return b;
}

/* A request from a provider over a connection of upstream (NULL: none). */
static int provider_sends(struct sc_core *c, const char *ruri, const char *upstream,
			  struct sc_core_out *o)
{
	struct sc_core_link lk;
	const char *text = sipf("OPTIONS %s SIP/2.0\r\n"
				"Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-dv1;rport\r\n"
				"Max-Forwards: 70\r\n"
				"From: <sip:+4930987654@trunk.carrier.example>;tag=dv1\r\n"
				"To: <sip:+4930555123@trunk-edge.example.net>\r\n"
				"Call-ID: dv1@203.0.113.5\r\n"
				"CSeq: 1 OPTIONS\r\n",
				ruri);

	memset(&lk, 0, sizeof(lk));
	lk.id = 0x44;
	lk.tls = true;
	lk.verified = true;
	lk.upstream = upstream ? sc_devices_upstream(&c->reg, sc_str_cstr(upstream)) : NULL;
	lk.wan = WAN;
	CHECK(!upstream || lk.upstream);
	CHECK_EQ_INT(sc_sip_msg_parse(&c->msg, text, strlen(text)), 0);
	memset(o, 0, sizeof(*o));
	return sc_core_wan_request(c, &c->msg, &lk, o);
}

/* What a device teaches goes on its own record; a provider's response
 * finds that record again by the device's name in our Via. */
static void check_learnt(struct sc_core *core, struct sc_core_out *out)
{
	struct sockaddr_storage lab = addr("192.168.1.70", 3052);
	struct sc_dev *d = sc_core_device(core, SA(lab));
	static char req[4096], resp[4096];
	struct sc_sip_msg m;
	const char *via, *eol;
	size_t i;

	CHECK(d != NULL);
	if (!d)
		return;
	snprintf(req, sizeof(req), "%s",
		 sipf("REGISTER sip:trunk.carrier.example SIP/2.0\r\n"
		      "Via: SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-lab1\r\n"
		      "From: <sip:1005@trunk.carrier.example>;tag=l1\r\n"
		      "To: <sip:1005@trunk.carrier.example>\r\n"
		      "Call-ID: lab1@192.168.1.70\r\n"
		      "CSeq: 1 REGISTER\r\n"
		      "Max-Forwards: 70\r\n"
		      "Contact: <sip:1005@192.168.1.70:3052;transport=tcp>\r\n"));
	CHECK_EQ_INT(sc_sip_msg_parse(&m, req, strlen(req)), 0);
	CHECK_EQ_INT(sc_core_lan_request(core, &m, d, SA(lab), SC_TP_TCP, 1000, out),
		     SC_CORE_FORWARD);
	for (i = 0; i < core->reg.ndev; i++)
		CHECK(core->reg.dev[i]->seen == (core->reg.dev[i] == d));
	CHECK(strcmp(d->lines[0].aor, "1005") == 0);
	CHECK_EQ_INT(sc_core_outbound(core, &m, d, SA(lab), SC_TP_TCP, WAN, out), SC_CORE_FORWARD);
	/* Our Via is the first line after the request line. */
	out->buf[out->len < sizeof(out->buf) ? out->len : sizeof(out->buf) - 1] = '\0';
	via = strstr(out->buf, "\r\nVia: ");
	eol = via ? strstr(via + 2, "\r\n") : NULL;
	CHECK(via && eol);
	if (!via || !eol)
		return;
	snprintf(resp, sizeof(resp),
		 "SIP/2.0 200 OK%.*s\r\n"
		 "Via: SIP/2.0/TCP 192.168.1.70:3052;branch=z9hG4bK-lab1\r\n"
		 "From: <sip:1005@trunk.carrier.example>;tag=l1\r\n"
		 "To: <sip:1005@trunk.carrier.example>;tag=c1\r\n"
		 "Call-ID: lab1@192.168.1.70\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "Content-Length: 0\r\n\r\n",
		 (int)(eol - via), via);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp, strlen(resp)), 0);
	CHECK_EQ_INT(sc_core_wan_response(core, &m, 1100, out), SC_CORE_FORWARD);
	CHECK(out->device == d);
	CHECK_STR(sc_str_cstr(addr_text(&out->dst)), "192.168.1.70:3052");
	CHECK_EQ_INT(out->tp, SC_TP_TCP);
}

static void check_core(const struct sc_conf *conf)
{
	static struct sc_core_out out;
	struct sc_core core;
	size_t i;

	CHECK_EQ_INT(sc_core_init(&core, conf, LAN, LAN, NULL, NULL), 0);
	/* B1: each device's source is that device. */
	for (i = 0; i < NDEV; i++) {
		struct sockaddr_storage ss = addr(devices[i].ip, devices[i].port);
		struct sc_dev *d = sc_core_device(&core, SA(ss));

		CHECK(d != NULL);
		CHECK(d && strcmp(d->name, devices[i].name) == 0);
		CHECK(d == sc_core_device_named(&core, sc_str_cstr(devices[i].name)));
		CHECK(d && d->conf == conf_device(conf, devices[i].name));
	}
	/* B5: a static device takes its own upstream's requests, whichever
	 * index either has. */
	CHECK_EQ_INT(provider_sends(&core, "sip:+4930555123@trunk-edge.example.net:5061", "carrier",
				    &out),
		     SC_CORE_FORWARD);
	CHECK(out.device && strcmp(out.device->name, "office-pbx") == 0);
	CHECK_STR(sc_str_cstr(addr_text(&out.dst)), "10.0.0.5:5060");
	CHECK_EQ_INT(provider_sends(&core, "sip:+4930555124@trunk-edge.example.net:5061", "provider",
				    &out),
		     SC_CORE_FORWARD);
	CHECK(out.device && strcmp(out.device->name, "front-door") == 0);
	CHECK_STR(sc_str_cstr(addr_text(&out.dst)), "192.168.1.30:5060");
	/* A token names its device. */
	CHECK_EQ_INT(provider_sends(&core,
				    "sip:4930123456@" WAN ";transport=tls;sc=desk-yealink~"
				    "3139322e3136382e312e35303a35303632~",
				    "provider", &out),
		     SC_CORE_FORWARD);
	CHECK(out.device && strcmp(out.device->name, "desk-yealink") == 0);
	CHECK_STR(sc_str_cstr(addr_text(&out.dst)), "192.168.1.50:5062");
	check_learnt(&core, &out);
	sc_core_free(&core);
}

static void test_core_uses_handles(void)
{
	check_core(conf_a);
	check_core(conf_b);
}

int main(void)
{
	conf_a = load("a.yaml", yaml_a);
	conf_b = load("b.yaml", yaml_b);
	if (!conf_a || !conf_b) {
		fprintf(stderr, "test_relay_devices: a configuration does not load\n");
		return 1;
	}
	RUN(test_found_by_name);
	RUN(test_unknown_names);
	RUN(test_unknown_upstream_refused);
	RUN(test_core_uses_handles);
	sc_conf_free(conf_a);
	sc_conf_free(conf_b);
	return check_done("relay_devices");
}
