/* The relay's LAN side: what devices send, to the core and on to their
 * flows (relay.h, wiring.h). */
#include <errno.h>
#include <string.h>

#define LOG_TAG "relay"
#include "../base/log.h"
#include "mtu.h"
#include "replay.h"
#include "wiring.h"

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
	uint64_t now = sc_relay_now(r);
	int rc = sc_core_forward(&r->core, m, d, fr->src, fr->tp, f->link->id, f->link->wan, now, o);

	if (rc == SC_CORE_FORWARD && sc_link_send(f->link, o->buf, o->len) == 0) {
		sc_flow_sent(f);
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
	    sc_core_lost(&r->core, &r->qmsg, p->dev, fr.src, warning, sc_relay_now(r), &r->out) ==
		    SC_CORE_REPLY)
		lan_reply(r, &fr, &r->out);
}

/* A flow is back: each of its devices' registrations goes out again on
 * it (B7), as the core builds them, and the other flows to its upstream
 * dial now. */
static void flow_reopened(void *arg, struct sc_flow *f)
{
	struct sc_relay *r = arg;
	struct sc_core_out *o = &r->out;
	size_t i;

	/* Its siblings to the same upstream need not wait out their back-off
	 * (flow.h). */
	for (i = 0; i < r->nflows; i++)
		if (&r->flows[i] != f && r->flows[i].up == f->up)
			sc_flow_nudge(&r->flows[i]);
	for (i = 0; i < r->core.reg.ndev && f->state == SC_FLOW_OPEN; i++) {
		struct sc_dev *d = r->core.reg.dev[i];

		if (flow_of(d) != f || !d->reg)
			continue;
		if (sc_replay_send(&r->core, d, f->link->id, f->link->wan, sc_relay_now(r), o) ==
			    SC_CORE_FORWARD &&
		    sc_link_send(f->link, o->buf, o->len) == 0) {
			sc_flow_sent(f);
			log_info("device %s: %s", d->name, o->why);
		}
	}
}

const struct sc_flow_cbs sc_relay_lan_flow = { .send = flow_send,
					       .refuse = flow_refuse,
					       .reopened = flow_reopened };

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
	rc = sc_core_plan(&r->core, m, d, fr->src, &view, sc_relay_now(r), o);
	if (o->trying == SC_CORE_TRYING_BEFORE &&
	    sc_core_trying(&r->core, m, d, fr->src, sc_relay_now(r), o) == SC_CORE_REPLY)
		lan_reply(r, fr, o);
	if (rc == SC_CORE_SEND) {
		send_on_flow(r, f, m, d, fr, o->trying == SC_CORE_TRYING_AFTER);
	} else if (rc == SC_CORE_QUEUE) {
		if (sc_flow_queue(f, m, d, fr->src, fr->tp) < 0 &&
		    sc_core_lost(&r->core, m, d, fr->src,
				 "399 sipsidecar \"too many requests waiting for the upstream\"",
				 sc_relay_now(r), o) == SC_CORE_REPLY)
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

	rc = sc_core_lan_input(&r->core, buf, len, fr->src, fr->tp, d, sc_relay_now(r), o);
	/* The source as text only for a line that is logged: formatting it
	 * for every message costs more than relaying a retransmission. */
	if (o->malformed)
		log_warn("from %s: %s a malformed message (%s)",
			 sc_net_addr_str(fr->src, who, sizeof(who)),
			 rc == SC_CORE_REPLY ? "answered 400 to" : "dropped", o->why);
	else if (!d)
		log_debug("from %s: %s: %s", sc_net_addr_str(fr->src, who, sizeof(who)), o->why,
			  rc == SC_CORE_REPLY ? "403" : "dropped");
	if (rc < 0) {
		log_warn("device %s: cannot relay %.*s: %s",
			 d ? d->name : sc_net_addr_str(fr->src, who, sizeof(who)),
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

void sc_relay_lan_udp(void *arg, const struct sockaddr *src, const char *buf, size_t len,
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

	if (err != -EMSGSIZE && err != -EBADMSG) {
		const struct sc_relay_big *b = c->spare;
		const char *name = c->data ? ((struct sc_dev *)c->data)->name : "?";

		sc_net_addr_str(&c->peer.ss, who, sizeof(who));
		/* A provider's request that waited for this connection: its
		 * 480 at once, not after the provider's own timer. */
		if (b && !b->fallback) {
			struct sc_link *l = sc_links_find(&r->links, b->link);

			log_info("device %s: cannot connect to it over TCP at %s: %s", name, who,
				 uv_strerror(err));
			if (l && sc_core_undeliverable(&r->core, b->buf, b->len, &r->out) == SC_CORE_REPLY)
				(void)sc_link_send(l, r->out.buf, r->out.len);
			return;
		}
		/* Sent over TCP for its size, and the device takes no TCP: over
		 * UDP after all (RFC 3261 §18.1.1), repeated as any UDP request. */
		if (b) {
			log_info("device %s: no TCP at %s (%s): %zu bytes over UDP", name, who,
				 uv_strerror(err), b->len);
			(void)sc_udp_send(&r->udp, (const struct sockaddr *)&b->dst.ss, b->buf, b->len);
			(void)sc_mtu_fallback(&r->core, b->key, b->invite, &b->dst, b->buf, b->len,
					      sc_relay_now(r));
			sc_relay_retx_arm(r);
			return;
		}
		/* Nothing kept (an ACK, a timer's output, no memory): nothing
		 * to answer from here. */
		log_warn("device %s: cannot connect to it over TCP at %s: %s", name, who,
			 uv_strerror(err));
		return;
	}
	sc_core_malformed(&r->core);
	log_warn("from %s over TCP: %s; closing the connection",
		 sc_net_addr_str(&c->peer.ss, who, sizeof(who)),
		 err == -EMSGSIZE ? "message over 64 KiB" : "stream cannot be framed");
}

const struct sc_tcp_cbs sc_relay_lan_tcp = { tcp_accept, tcp_message, tcp_broken };
