/* The relay's wiring: see relay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define LOG_TAG "relay"
#include "../base/log.h"
#include "../tls/ctx.h"
#include "attrib.h"
#include "relay.h"
#include "timeout.h"
#include "tlsconf.h"
#include "wiring.h"

/* Requests refused on a connection of no upstream before it is closed. */
#define SC_RELAY_REFUSALS 3

/* A copy of len bytes at buf kept on connection t (wiring.h): the UDP
 * form of a request too large for UDP (fallback), or the provider's
 * request m as it came. */
static void keep(struct sc_tcp_conn *t, const struct sc_core_out *o, const struct sc_sip_msg *m,
		 uint64_t link, bool fallback, const char *buf, size_t len)
{
	struct sc_relay_big *b = malloc(sizeof(*b) + len);

	if (!b)
		return;
	b->key = o->key;
	b->link = link;
	b->invite = sc_str_eqz(m->method, "INVITE");
	b->fallback = fallback;
	b->dst = o->dst;
	b->len = len;
	memcpy(b->buf, buf, len);
	free(t->spare);
	t->spare = b;
}

/* Sends the core's output to a device; link: the provider's connection a
 * request came on (0: a timer's output). */
static int to_device(struct sc_relay *r, const struct sc_core_out *o, uint64_t link)
{
	const struct sc_sip_msg *m = &r->core.msg;
	const char *cr = memchr(o->buf, '\r', o->len);
	char who[64];

	if (o->tp == SC_TP_TCP) {
		struct sc_tcp_conn *t = sc_tcp_find_data(&r->tcp, o->device);

		/* Too large for UDP (mtu.h): a connection of its own, keeping
		 * the UDP form in case the device does not take TCP (only a
		 * provider's request has one). */
		if (link && o->alt && (!t || t->connecting)) {
			t = sc_tcp_connect(&r->tcp, (const struct sockaddr *)&o->dst.ss, o->device);
			if (t)
				keep(t, o, m, link, true, o->alt, o->alt_len);
			log_debug("device %s: %zu bytes: over TCP to %s (RFC 3261 §18.1.1)",
				  o->device->name, o->len, sc_net_addr_str(&o->dst.ss, who, sizeof(who)));
		}
		/* Its own connection has closed: a new one to where it listens
		 * (RFC 3261 §18.2.2); what is sent waits until it is up, and a
		 * provider's request is kept for its 480 if it is refused. */
		if (!t) {
			t = sc_tcp_connect(&r->tcp, (const struct sockaddr *)&o->dst.ss, o->device);
			log_info("device %s: its TCP connection has closed: connecting to %s", o->device->name,
				 sc_net_addr_str(&o->dst.ss, who, sizeof(who)));
			if (t && link && m->is_request && !sc_str_eqz(m->method, "ACK"))
				keep(t, o, m, link, false, m->buf, m->len);
		}
		if (!t) {
			log_warn("device %s: cannot connect to it over TCP", o->device->name);
			return -ENOTCONN;
		}
		sc_tcp_send(t, o->buf, o->len);
	} else if (sc_udp_send(&r->udp, (const struct sockaddr *)&o->dst.ss, o->buf, o->len) < 0) {
		log_warn("device %s: cannot send to %s", o->device->name,
			 sc_net_addr_str(&o->dst.ss, who, sizeof(who)));
	}
	log_debug("to device %s at %s: %.*s", o->device->name,
		  sc_net_addr_str(&o->dst.ss, who, sizeof(who)), cr ? (int)(cr - o->buf) : 0, o->buf);
	return 0;
}

/* Carries out what a timer's verdict says (timeout.h): on a TLS link, to
 * a device, or a repetition over UDP. */
static void timer_out(struct sc_relay *r, const struct sc_core_out *o)
{
	struct sc_link *l;

	if (o->link) {
		l = sc_links_find(&r->links, o->link);
		if (l)
			(void)sc_link_send(l, o->buf, o->len);
	} else if (o->device) {
		(void)to_device(r, o, 0);
	} else {
		(void)sc_udp_send(&r->udp, (const struct sockaddr *)&o->dst.ss, o->buf, o->len);
		return;
	}
	if (o->device)
		log_info("device %s: %s", o->device->name, o->why ? o->why : "timeout");
	else
		log_info("%s", o->why ? o->why : "timeout");
}

static void on_retx(uv_timer_t *t)
{
	struct sc_relay *r = t->data;

	while (sc_timeout_retx(&r->core, sc_relay_now(r), &r->out) == SC_CORE_FORWARD)
		timer_out(r, &r->out);
	if (!r->core.retx.n)
		uv_timer_stop(t);
}

/* A message from the WAN side (B5, B6, B9). */
static void link_message(void *arg, struct sc_link *l, const char *buf, size_t len)
{
	struct sc_relay *r = arg;
	const struct sc_sip_msg *m = &r->core.msg;
	struct sc_core_out *o = &r->out;
	struct sc_core_link lk = { l->id, true, l->verified, l->up, l->wan };
	const char *peer = sc_tls_conn_peer(l->conn);
	int rc;

	rc = sc_core_wan_input(&r->core, buf, len, &lk, sc_relay_now(r), o);
	if (rc < 0) {
		log_warn("from %s: cannot relay %.*s: %s", peer, (int)(m->is_request ? m->method.n : 8),
			 m->is_request ? m->method.p : "response", strerror(-rc));
	} else if (rc == SC_CORE_DROP) {
		if (o->malformed)
			log_warn("from %s: dropped a malformed message (%s)", peer, o->why);
		else if (o->notice && o->device)
			log_info("device %s: %s", o->device->name, o->why);
		else if (o->why)
			log_debug("from %s: dropped: %s", peer, o->why);
	} else if (rc == SC_CORE_REPLY) {
		if (o->why && o->unattributed)
			log_debug("from %s: answered locally: %s", peer, o->why);
		else if (o->why)
			log_info("from %s: answered locally: %s", peer, o->why);
		(void)sc_link_send(l, o->buf, o->len);
		/* B15: a few refusals, then the connection goes (its 403s
		 * still flushed). */
		if (o->unattributed && ++l->refused == SC_RELAY_REFUSALS) {
			log_info("from %s: closing: %u requests refused, the connection belongs to no "
				 "upstream",
				 peer, l->refused);
			sc_tls_conn_close(l->conn, "refused: it belongs to no upstream");
		}
	} else if (to_device(r, o, l->id) < 0) {
		if (sc_core_undeliverable(&r->core, NULL, 0, o) == SC_CORE_REPLY)
			(void)sc_link_send(l, o->buf, o->len);
	} else {
		sc_relay_retx_arm(r);
	}
}

void sc_relay_retx_arm(struct sc_relay *r)
{
	if (r->core.retx.n && !uv_is_active((uv_handle_t *)&r->retx_timer))
		uv_timer_start(&r->retx_timer, on_retx, 100, 100);
}

static void link_open(void *arg, struct sc_link *l, int status)
{
	struct sc_relay *r = arg;
	const char *peer = sc_tls_conn_peer(l->conn);
	struct sockaddr_storage ss;
	enum sc_attrib_how how;
	bool chain = l->verified;

	if (l->flow) {
		sc_flow_link_open(l->flow, l, status);
		return;
	}
	if (status < 0)
		return;
	/* A connection to wan.listen: which upstream it belongs to (B15). */
	l->up = sc_attrib_link(&r->core.reg, chain, sc_link_has_identity, l,
			       sc_tls_conn_peer_addr(l->conn, &ss) == 0 ? (struct sockaddr *)&ss : NULL,
			       &how);
	l->verified = how == SC_ATTRIB_CERT;
	if (how == SC_ATTRIB_CERT) {
		log_info("from %s: client certificate is for upstream %s", peer, l->up->name);
		return;
	}
	if (chain)
		log_info("from %s: client certificate verified but is for no upstream's "
			 "server_name: its calls are not trust-marked",
			 peer);
	if (how == SC_ATTRIB_ADDRESS)
		log_info("from %s: upstream %s by its address (accept_from): relayed, never "
			 "trust-marked",
			 peer, l->up->name);
	else
		log_info("from %s: belongs to no upstream (no client certificate for one, an "
			 "address in no accept_from): its requests are refused",
			 peer);
}

static void link_bytes(void *arg, struct sc_link *l)
{
	(void)arg;
	if (l->flow)
		sc_flow_link_data(l->flow);
}

static void run_timeouts(struct sc_relay *r)
{
	while (sc_timeout_txn(&r->core, sc_relay_now(r), &r->out) == SC_CORE_FORWARD)
		timer_out(r, &r->out);
}

static void link_closed(void *arg, struct sc_link *l)
{
	struct sc_relay *r = arg;

	/* What was waiting on it is answered now (B14), before the flow
	 * dials again.  Device requests only ever go out on flows. */
	if (!l->flow)
		return;
	sc_core_link_lost(&r->core, l->id, sc_relay_now(r));
	run_timeouts(r);
	sc_flow_link_closed(l->flow, l);
}

static const struct sc_link_cbs link_cbs = { link_open, link_bytes, link_message, link_closed };

static void on_tick(uv_timer_t *t)
{
	run_timeouts(t->data);
}



static int contexts(struct sc_relay *r)
{
	const struct sc_conf *conf = r->conf;
	char err[256];
	size_t i;

	for (i = 0; i < r->core.reg.nup; i++) {
		struct sc_up *u = r->core.reg.up[i];

		if (sc_tlsconf_client_ctx(u->conf, &u->ctx, err, sizeof(err)) < 0) {
			log_error("upstream %s: %s", u->name, err);
			return -EINVAL;
		}
	}
	if (conf->wan.enabled && conf->wan.nlisten &&
	    sc_tlsconf_server_ctx(conf, &r->server, err, sizeof(err)) < 0) {
		log_error("wan: %s", err);
		return -EINVAL;
	}
	return 0;
}

int sc_relay_new(struct sc_relay **out, uv_loop_t *loop, const struct sc_conf *conf,
		 const char *lan_udp, const char *lan_tcp)
{
	struct sc_relay *r = calloc(1, sizeof(*r));
	int rc;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->conf = conf;
	rc = sc_links_init(&r->links, loop, conf, &link_cbs, r);
	uv_timer_init(loop, &r->tick);
	r->tick.data = r;
	uv_timer_init(loop, &r->retx_timer);
	r->retx_timer.data = r;
	uv_timer_start(&r->tick, on_tick, 1000, 1000);
	if (rc == 0)
		rc = sc_core_init(&r->core, conf, lan_udp, lan_tcp, sc_links_wan, &r->links);
	if (rc == 0)
		rc = sc_udp_init(&r->udp, loop, conf->lan.nlisten, SC_SIP_MAX_MSG, sc_relay_lan_udp, r);
	if (rc == 0)
		rc = sc_tcp_init(&r->tcp, loop, conf->lan.nlisten, r->udp.buf, SC_SIP_MAX_MSG + 1,
				 &sc_relay_lan_tcp, r);
	if (rc == 0)
		rc = contexts(r);
	if (rc == 0)
		rc = sc_flows_build(&r->flows, &r->nflows, &r->core.reg, loop, &r->links, &sc_relay_lan_flow, r);
	/* Only connections to wan.listen are attributed (B15). */
	if (rc == 0 && conf->wan.enabled && conf->wan.nlisten && sc_relay_lookups_start(r) < 0)
		rc = -ENOMEM;
	return rc;
}

int sc_relay_listen(struct sc_relay *r)
{
	const struct sc_conf *conf = r->conf;
	char who[64];
	size_t i;
	int rc = 0;

	for (i = 0; i < conf->lan.nlisten && rc == 0; i++) {
		const struct sc_conf_listen *li = &conf->lan.listen[i];
		const struct sockaddr *sa = (const struct sockaddr *)&li->addr.ss;
		const char *tp = li->transport == SC_TP_UDP ? "udp" : "tcp";

		rc = li->transport == SC_TP_UDP ? sc_udp_bind(&r->udp, sa) : sc_tcp_listen(&r->tcp, sa);
		sc_net_addr_str(sa, who, sizeof(who));
		if (rc < 0)
			log_error("lan listen %s:%s: %s", tp, who, uv_strerror(rc));
		else
			log_info("listening for devices on %s:%s", tp, who);
	}
	for (i = 0; i < conf->wan.nlisten && rc == 0; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&conf->wan.listen[i].addr.ss;

		rc = sc_links_listen(&r->links, sa, r->server);
		sc_net_addr_str(sa, who, sizeof(who));
		if (rc < 0)
			log_error("wan listen tls:%s: %s", who, uv_strerror(rc));
		else
			log_info("listening for providers on tls:%s", who);
	}
	return rc;
}

void sc_relay_stop(struct sc_relay *r)
{
	size_t i;

	if (r->stopping)
		return;
	r->stopping = true;
	sc_udp_close(&r->udp);
	sc_tcp_close(&r->tcp);
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->retx_timer, NULL);
	for (i = 0; i < r->nflows; i++)
		sc_flow_stop(&r->flows[i]);
	sc_relay_lookups_stop(r);
	sc_links_close(&r->links, "shutting down");
}

void sc_relay_free(struct sc_relay *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->flows && i < r->nflows; i++)
		sc_flow_free(&r->flows[i]);
	for (i = 0; i < r->core.reg.nup; i++)
		sc_tls_ctx_unref(r->core.reg.up[i]->ctx);
	sc_tls_ctx_unref(r->server);
	sc_core_free(&r->core);
	sc_udp_free(&r->udp);
	sc_tcp_free(&r->tcp);
	sc_links_free(&r->links);
	free(r->flows);
	free(r->lookups);
	free(r);
}

const struct sc_core_stats *sc_relay_stats(const struct sc_relay *r)
{
	return &r->core.st;
}
