/* The relay's wiring: see relay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define LOG_TAG "relay"
#include "../base/log.h"
#include "../net/tcp.h"
#include "../net/udp.h"
#include "../tls/ctx.h"
#include "flow.h"
#include "link.h"
#include "relay.h"

struct sc_relay {
	uv_loop_t *loop;
	const struct sc_conf *conf;
	struct sc_core core;
	struct sc_udp udp;
	struct sc_tcp tcp;
	struct sc_links links;
	struct sc_tls_ctx *server;
	struct sc_flow *flows;      /* one per upstream (shared) or device (per-device) */
	size_t nflows;
	uv_timer_t tick;            /* transaction expiry */
	uv_timer_t retx_timer;      /* Timer A/E towards UDP devices */
	bool stopping;
	struct sc_sip_msg qmsg;     /* a queued request, parsed again */
	struct sc_core_out out;
};

static uint64_t now_ms(const struct sc_relay *r)
{
	return uv_now(r->loop);
}

static struct sc_flow *flow_of(const struct sc_dev *d)
{
	return d->up->conf->connection == SC_CONN_SHARED ? d->up->flow : d->flow;
}

/* Where a LAN message came from: its TCP connection, or a UDP source. */
struct from {
	const struct sockaddr *src;
	enum sc_transport tp;
	struct sc_tcp_conn *conn;
};

static void lan_reply(struct sc_relay *r, const struct from *fr, const struct sc_core_out *o)
{
	if (fr->conn)
		sc_tcp_send(fr->conn, o->buf, o->len);
	else
		(void)sc_udp_send(&r->udp, fr->src, o->buf, o->len);
}

/* The TCP connection a queued request came on, if it is still there. */
static void from_pending(struct sc_relay *r, const struct sc_flow_pending *p, struct from *fr)
{
	fr->src = (const struct sockaddr *)&p->src.ss;
	fr->tp = p->tp;
	fr->conn = p->tp == SC_TP_TCP ? sc_tcp_find_peer(&r->tcp, fr->src) : NULL;
}

/* Sends request m on the open flow f, as the core has it rewritten; our
 * 100 Trying after it when the plan says so. */
static void send_on_flow(struct sc_relay *r, struct sc_flow *f, const struct sc_sip_msg *m,
			 struct sc_dev *d, const struct from *fr, bool trying_after)
{
	struct sc_core_out *o = &r->out;
	uint64_t now = now_ms(r);
	int rc = sc_core_forward(&r->core, m, d, fr->src, fr->tp, f->link->id, f->link->wan, now, o);

	if (rc == SC_CORE_FORWARD && sc_link_send(f->link, o->buf, o->len) == 0) {
		log_debug("device %s -> %s: %.*s %.*s", d->name, sc_tls_conn_peer(f->link->conn),
			  (int)m->method.n, m->method.p, (int)m->ruri.n, m->ruri.p);
		if (trying_after && sc_core_trying(&r->core, m, d, fr->src, now, o) == SC_CORE_REPLY)
			lan_reply(r, fr, o);
		return;
	}
	if (rc == SC_CORE_FORWARD)
		rc = sc_core_lost(&r->core, m, d, fr->src, NULL, now, o);
	else
		log_warn("device %s: cannot relay %.*s: %s", d->name, (int)m->method.n, m->method.p,
			 o->why ? o->why : "error");
	if (rc == SC_CORE_REPLY)
		lan_reply(r, fr, o);
}

static void flow_send(void *arg, struct sc_flow *f, const struct sc_flow_pending *p)
{
	struct sc_relay *r = arg;
	struct from fr;

	from_pending(r, p, &fr);
	if (sc_sip_msg_parse(&r->qmsg, p->buf, p->len) == 0)
		send_on_flow(r, f, &r->qmsg, p->dev, &fr, false);
}

static void flow_refuse(void *arg, struct sc_flow *f, const struct sc_flow_pending *p,
			const char *warning)
{
	struct sc_relay *r = arg;
	struct from fr;

	(void)f;
	from_pending(r, p, &fr);
	if (sc_sip_msg_parse(&r->qmsg, p->buf, p->len) == 0 &&
	    sc_core_lost(&r->core, &r->qmsg, p->dev, fr.src, warning, now_ms(r), &r->out) ==
		    SC_CORE_REPLY)
		lan_reply(r, &fr, &r->out);
}

static const struct sc_flow_cbs flow_cbs = { .send = flow_send, .refuse = flow_refuse };

/* A device request the core let through: sent, queued or refused as the
 * core plans it with its flow's state. */
static void submit(struct sc_relay *r, struct sc_dev *d, const struct from *fr)
{
	const struct sc_sip_msg *m = &r->core.msg;
	struct sc_core_out *o = &r->out;
	struct sc_flow *f = flow_of(d);
	struct sc_core_flow view;
	int rc;

	sc_flow_view(f, &view);
	rc = sc_core_plan(&r->core, m, d, fr->src, &view, now_ms(r), o);
	if (o->trying == SC_CORE_TRYING_BEFORE &&
	    sc_core_trying(&r->core, m, d, fr->src, now_ms(r), o) == SC_CORE_REPLY)
		lan_reply(r, fr, o);
	if (rc == SC_CORE_SEND) {
		send_on_flow(r, f, m, d, fr, o->trying == SC_CORE_TRYING_AFTER);
	} else if (rc == SC_CORE_QUEUE) {
		if (sc_flow_queue(f, m, d, fr->src, fr->tp) < 0 &&
		    sc_core_lost(&r->core, m, d, fr->src,
				 "399 sipsidecar \"too many requests waiting for the upstream\"",
				 now_ms(r), o) == SC_CORE_REPLY)
			lan_reply(r, fr, o);
	} else if (rc == SC_CORE_REPLY) {
		lan_reply(r, fr, o);
	}
}

/* A message from the LAN (B1, B3, B8, B9). */
static void lan_handle(struct sc_relay *r, struct sc_dev *d, const struct from *fr,
		       const char *buf, size_t len)
{
	const struct sc_sip_msg *m = &r->core.msg;
	struct sc_core_out *o = &r->out;
	struct sc_link *l;
	char who[64];
	int rc;

	rc = sc_core_lan_input(&r->core, buf, len, fr->src, fr->tp, d, now_ms(r), o);
	sc_net_addr_str(fr->src, who, sizeof(who));
	if (o->malformed)
		log_warn("from %s: %s a malformed message (%s)", who,
			 rc == SC_CORE_REPLY ? "answered 400 to" : "dropped", o->why);
	else if (!d)
		log_debug("from %s: %s: %s", who, o->why, rc == SC_CORE_REPLY ? "403" : "dropped");
	if (rc < 0) {
		log_warn("device %s: cannot relay %.*s: %s", d ? d->name : who,
			 (int)(m->is_request ? m->method.n : 8),
			 m->is_request ? m->method.p : "response", strerror(-rc));
	} else if (rc == SC_CORE_REPLY) {
		lan_reply(r, fr, o);
	} else if (rc == SC_CORE_FORWARD) {
		l = sc_links_find(&r->links, o->link);
		if (l)
			(void)sc_link_send(l, o->buf, o->len);
	} else if (rc == SC_CORE_SUBMIT) {
		if (o->resend)
			log_info("device %s: %.*s %s", d->name, (int)m->method.n, m->method.p, o->why);
		submit(r, d, fr);
	} else if (o->why && d && !o->malformed) {
		log_debug("device %s: %s", d->name, o->why);
	}
}

static void udp_recv(void *arg, const struct sockaddr *src, const char *buf, size_t len,
		     bool truncated)
{
	struct sc_relay *r = arg;
	struct from fr = { src, SC_TP_UDP, NULL };
	char who[64];

	if (truncated) {
		sc_core_malformed(&r->core);
		log_warn("from %s: dropped a datagram over 64 KiB",
			 sc_net_addr_str(src, who, sizeof(who)));
		return;
	}
	lan_handle(r, sc_core_device(&r->core, src), &fr, buf, len);
}

static void tcp_accept(void *arg, struct sc_tcp_conn *c)
{
	struct sc_relay *r = arg;

	c->data = sc_core_device(&r->core, (const struct sockaddr *)&c->peer.ss);
}

static void tcp_message(void *arg, struct sc_tcp_conn *c, const char *buf, size_t len)
{
	struct from fr = { (const struct sockaddr *)&c->peer.ss, SC_TP_TCP, c };

	lan_handle(arg, c->data, &fr, buf, len);
}

static void tcp_broken(void *arg, struct sc_tcp_conn *c, int err)
{
	struct sc_relay *r = arg;
	char who[64];

	sc_core_malformed(&r->core);
	log_warn("from %s over TCP: %s; closing the connection",
		 sc_net_addr_str(&c->peer.ss, who, sizeof(who)),
		 err == -EMSGSIZE ? "message over 64 KiB" : "stream cannot be framed");
}

static const struct sc_tcp_cbs tcp_cbs = { tcp_accept, tcp_message, tcp_broken };

/* Sends the core's output to a device. */
static int to_device(struct sc_relay *r, const struct sc_core_out *o)
{
	const char *cr = memchr(o->buf, '\r', o->len);
	char who[64];

	if (o->tp == SC_TP_TCP) {
		struct sc_tcp_conn *t = sc_tcp_find_data(&r->tcp, o->device);

		if (!t) {
			log_warn("device %s: no TCP connection to send on", o->device->name);
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

static void on_retx(uv_timer_t *t)
{
	struct sc_relay *r = t->data;
	const struct sc_retx *x = NULL;

	while ((x = sc_core_retx_due(&r->core, x, now_ms(r))) != NULL)
		(void)sc_udp_send(&r->udp, (const struct sockaddr *)&x->dst.ss, x->buf, x->len);
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

	rc = sc_core_wan_input(&r->core, buf, len, &lk, now_ms(r), o);
	if (rc < 0) {
		log_warn("from %s: cannot relay %.*s: %s", peer, (int)(m->is_request ? m->method.n : 8),
			 m->is_request ? m->method.p : "response", strerror(-rc));
	} else if (rc == SC_CORE_DROP) {
		if (o->malformed)
			log_warn("from %s: dropped a malformed message (%s)", peer, o->why);
		else if (o->why)
			log_debug("from %s: dropped: %s", peer, o->why);
	} else if (rc == SC_CORE_REPLY) {
		if (o->why)
			log_info("from %s: answered locally: %s", peer, o->why);
		(void)sc_link_send(l, o->buf, o->len);
	} else if (to_device(r, o) < 0) {
		if (sc_core_undeliverable(&r->core, o) == SC_CORE_REPLY)
			(void)sc_link_send(l, o->buf, o->len);
	} else if (r->core.retx.n && !uv_is_active((uv_handle_t *)&r->retx_timer)) {
		uv_timer_start(&r->retx_timer, on_retx, 100, 100);
	}
}

static void link_open(void *arg, struct sc_link *l, int status)
{
	struct sc_relay *r = arg;
	const char *peer = sc_tls_conn_peer(l->conn);

	if (l->flow) {
		sc_flow_link_open(l->flow, l, status);
		return;
	}
	if (status < 0 || !l->verified)
		return;
	/* A provider's connection to wan.listen: the core says which upstream
	 * its verified client certificate belongs to. */
	l->up = sc_core_attribute(&r->core, true, sc_link_has_identity, l);
	l->verified = l->up != NULL;
	if (l->up)
		log_info("from %s: client certificate is for upstream %s", peer, l->up->name);
	else
		log_info("from %s: client certificate verified but is for no upstream's "
			 "server_name: its calls are not trust-marked",
			 peer);
}

static void link_bytes(void *arg, struct sc_link *l)
{
	(void)arg;
	if (l->flow)
		sc_flow_link_data(l->flow);
}

static void link_closed(void *arg, struct sc_link *l)
{
	(void)arg;
	if (l->flow)
		sc_flow_link_closed(l->flow, l);
}

static const struct sc_link_cbs link_cbs = { link_open, link_bytes, link_message, link_closed };

static void on_tick(uv_timer_t *t)
{
	struct sc_relay *r = t->data;

	sc_core_expire(&r->core, now_ms(r));
}



static int contexts(struct sc_relay *r)
{
	const struct sc_conf *conf = r->conf;
	char err[256];
	size_t i;

	for (i = 0; i < r->core.reg.nup; i++) {
		struct sc_up *u = r->core.reg.up[i];

		if (sc_tls_ctx_client(u->conf, &u->ctx, err, sizeof(err)) < 0) {
			log_error("upstream %s: %s", u->name, err);
			return -EINVAL;
		}
	}
	if (conf->wan.enabled && conf->wan.nlisten &&
	    sc_tls_ctx_server(conf, &r->server, err, sizeof(err)) < 0) {
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
		rc = sc_udp_init(&r->udp, loop, conf->lan.nlisten, SC_SIP_MAX_MSG, udp_recv, r);
	if (rc == 0)
		rc = sc_tcp_init(&r->tcp, loop, conf->lan.nlisten, SC_SIP_MAX_MSG + 1, &tcp_cbs, r);
	if (rc == 0)
		rc = contexts(r);
	if (rc == 0)
		rc = sc_flows_build(&r->flows, &r->nflows, &r->core.reg, loop, &r->links, &flow_cbs, r);
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
	free(r);
}

const struct sc_core_stats *sc_relay_stats(const struct sc_relay *r)
{
	return &r->core.st;
}
