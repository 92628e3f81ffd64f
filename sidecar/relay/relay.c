/* The running relay: see relay.h. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#define LOG_TAG "relay"
#include "../base/log.h"
#include "../../platform/platform.h"
#include "../net/addr.h"
#include "../net/stream.h"
#include "../sip/msg.h"
#include "../sip/reply.h"
#include "../tls/conn.h"
#include "../tls/ctx.h"
#include "../tls/identity.h"
#include "core.h"
#include "inbound.h"
#include "relay.h"

/* How long a TLS 1.3 flow waits after a server asked for a client
 * certificate we do not have: the server's verdict comes after the
 * handshake, and a request sent into a connection about to be refused
 * would be lost without an answer. */
#define CERT_VERDICT_MS 500
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/* A device's requests waiting for its flow to open. */
#define QUEUE_MAX 64
/* RFC 3261 §17.1.1.2 and §17.1.2.2 timers for requests sent to a device
 * over UDP: T1, T2, and the 64*T1 after which we give up. */
#define RETX_T1_MS 500
#define RETX_T2_MS 4000
#define RETX_GIVE_UP_MS 32000
#define RETX_MAX 256

struct relay;
struct flow;

/* One TLS connection: a flow to an upstream, or one a provider opened to
 * wan.listen. */
struct link {
	struct link *next;
	struct relay *r;
	uint64_t id;
	struct sc_tls_conn *conn;
	struct flow *flow;   /* NULL for a connection accepted on wan.listen */
	long upstream;       /* index, -1 when not known */
	bool open;
	bool verified;
	bool got_data;
	char wan[96];        /* our host:port as this peer should see it */
	struct sc_stream_rx rx;
};

struct pending {
	struct pending *next;
	size_t dev;
	struct sc_net_addr src;
	enum sc_transport tp;
	size_t len;
	char buf[];
};

enum flow_state {
	FLOW_IDLE = 0,   /* no connection; dialled on demand */
	FLOW_DIALLING,   /* resolving, connecting or in the handshake */
	FLOW_WAITING,    /* TLS 1.3, waiting for the server's verdict on us */
	FLOW_OPEN,
	FLOW_DOWN,       /* failed: requests get 503 until down_until */
};

struct flow {
	struct relay *r;
	size_t upstream;
	enum flow_state state;
	struct link *link;
	struct pending *qhead, *qtail;
	size_t qn;
	uv_timer_t timer;     /* back-off, keep-alive, certificate verdict */
	uv_getaddrinfo_t gai;
	bool gai_busy;
	bool was_open;        /* it has been up: dial again after a drop */
	unsigned backoff;     /* ms */
	uint64_t down_until;
	char warning[200];    /* the Warning for requests that cannot go */
};

/* A request sent to a device over UDP, repeated until the device answers
 * (the provider sent it once, over TLS, and will not repeat it). */
struct retx {
	struct retx *next;
	uint64_t key;        /* our LAN branch key mixed with the CSeq method */
	bool invite;
	uint64_t due;        /* next send, ms */
	uint64_t give_up;
	unsigned interval;   /* ms */
	struct sc_net_addr dst;
	size_t len;
	char buf[];
};

/* A TCP connection from a device. */
struct lan_tcp {
	uv_tcp_t h;
	struct lan_tcp *next;
	struct relay *r;
	struct sc_net_addr peer;
	long dev;
	bool closing;
	struct sc_stream_rx rx;
};

struct relay {
	uv_loop_t *loop;
	const struct sc_conf *conf;
	struct sc_core core;
	struct sc_tls_ctx **client; /* per upstream */
	struct sc_tls_ctx *server;
	uv_udp_t *udp;
	int *udp_family;            /* AF_INET or AF_INET6 of each, from the config */
	size_t nudp;
	uv_tcp_t *tcp;              /* LAN listeners */
	size_t ntcp;
	uv_tcp_t *wan;              /* WAN listeners */
	size_t nwan;
	struct flow *flows;         /* per upstream (shared), then per device */
	struct link *links;
	struct lan_tcp *conns;
	uint64_t next_link;
	uv_timer_t tick;
	uv_timer_t retx_timer;
	struct retx *retx;
	size_t nretx;
	uv_signal_t sig[3];
	bool stopping;
	struct sc_sip_msg msg;
	struct sc_core_out out;
	char udp_buf[SC_SIP_MAX_MSG + 1];
};

static void flow_dial(struct flow *f);
static void lan_handle(struct relay *r, long dev, const struct sockaddr *src,
		       enum sc_transport tp, struct lan_tcp *via, const char *buf, size_t len);

static uint64_t now_ms(struct relay *r)
{
	return uv_now(r->loop);
}

static const char *addr_str(const void *sa, char *buf, size_t len)
{
	if (sc_net_addr_text(sa, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- sending to devices ---- */

struct udp_send {
	uv_udp_send_t req;
	char buf[];
};

static void udp_sent(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req->data);
}

static void udp_send(struct relay *r, const struct sockaddr *dst, const char *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	struct udp_send *s;
	uv_udp_t *h = NULL;
	size_t i;
	char who[64];
	int rc;

	/* The family of each socket is known from the config: asking the
	 * kernel (getsockname) cost a system call per datagram. */
	for (i = 0; i < r->nudp && !h; i++)
		if (r->udp_family[i] == dst->sa_family)
			h = &r->udp[i];
	if (!h) {
		log_warn("no UDP socket on the LAN for %s", addr_str(dst, who, sizeof(who)));
		return;
	}
	rc = uv_udp_try_send(h, &b, 1, dst);
	if (rc == (int)len)
		return;
	if (rc != UV_EAGAIN && rc < 0) {
		log_warn("sending to %s: %s", addr_str(dst, who, sizeof(who)), uv_strerror(rc));
		return;
	}
	s = malloc(sizeof(*s) + len);
	if (!s)
		return;
	memcpy(s->buf, buf, len);
	s->req.data = s;
	b = uv_buf_init(s->buf, (unsigned)len);
	if (uv_udp_send(&s->req, h, &b, 1, dst, udp_sent) < 0)
		free(s);
}

/* ---- repeating requests to UDP devices (Timer A / E) ---- */

static void retx_tick(uv_timer_t *t)
{
	struct relay *r = t->data;
	struct retx **pp = &r->retx, *x;
	uint64_t now = now_ms(r);

	while ((x = *pp) != NULL) {
		if (now >= x->give_up) {
			*pp = x->next;
			r->nretx--;
			free(x);
			continue;
		}
		if (now >= x->due) {
			udp_send(r, (const struct sockaddr *)&x->dst.ss, x->buf, x->len);
			x->interval *= 2;
			if (!x->invite && x->interval > RETX_T2_MS)
				x->interval = RETX_T2_MS;
			x->due = now + x->interval;
		}
		pp = &x->next;
	}
	if (!r->retx)
		uv_timer_stop(&r->retx_timer);
}

static void retx_add(struct relay *r, uint64_t key, bool invite, const struct sc_net_addr *dst,
		     const char *buf, size_t len)
{
	struct retx *x;

	if (r->nretx >= RETX_MAX || !(x = malloc(sizeof(*x) + len)))
		return; /* the device's own answer, or the provider, has to do */
	x->key = key;
	x->invite = invite;
	x->interval = RETX_T1_MS;
	x->due = now_ms(r) + RETX_T1_MS;
	x->give_up = now_ms(r) + RETX_GIVE_UP_MS;
	x->dst = *dst;
	x->len = len;
	memcpy(x->buf, buf, len);
	x->next = r->retx;
	r->retx = x;
	if (!r->nretx++)
		uv_timer_start(&r->retx_timer, retx_tick, 100, 100);
}

/* Any response from the device ends the repeating (for a non-INVITE a
 * provisional one would only slow it down: it is simpler to stop). */
static void retx_stop(struct relay *r, uint64_t key)
{
	struct retx **pp, *x;

	for (pp = &r->retx; (x = *pp) != NULL; pp = &x->next)
		if (x->key == key) {
			*pp = x->next;
			r->nretx--;
			free(x);
			return;
		}
}

struct tcp_write {
	uv_write_t req;
	char buf[];
};

static void tcp_written(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

static void lan_tcp_close(struct lan_tcp *t);

static void tcp_send(struct lan_tcp *t, const char *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	struct tcp_write *w;
	int rc;

	if (t->closing)
		return;
	rc = uv_try_write((uv_stream_t *)&t->h, &b, 1);
	if (rc == (int)len)
		return;
	if (rc < 0 && rc != UV_EAGAIN) {
		lan_tcp_close(t);
		return;
	}
	if (rc < 0)
		rc = 0;
	w = malloc(sizeof(*w) + len - (size_t)rc);
	if (!w)
		return;
	memcpy(w->buf, buf + rc, len - (size_t)rc);
	w->req.data = w;
	b = uv_buf_init(w->buf, (unsigned)(len - (size_t)rc));
	if (uv_write(&w->req, (uv_stream_t *)&t->h, &b, 1, tcp_written) < 0) {
		free(w);
		lan_tcp_close(t);
	}
}

/* The newest TCP connection from device dev (a device's requests come on
 * the connection it opened; the sidecar never connects to devices). */
static struct lan_tcp *device_conn(struct relay *r, size_t dev)
{
	struct lan_tcp *t;

	for (t = r->conns; t; t = t->next)
		if (!t->closing && t->dev == (long)dev)
			return t;
	return NULL;
}

/* Sends the core's output to a device. */
static int to_device(struct relay *r, const struct sc_core_out *o)
{
	char who[64];

	if (o->tp == SC_TP_TCP) {
		struct lan_tcp *t = device_conn(r, o->device);

		if (!t) {
			log_warn("device %s: no TCP connection to send on",
				 r->conf->devices[o->device].name);
			return -ENOTCONN;
		}
		tcp_send(t, o->buf, o->len);
	} else {
		udp_send(r, (const struct sockaddr *)&o->dst.ss, o->buf, o->len);
	}
	log_debug("to device %s at %s: %.*s", r->conf->devices[o->device].name,
		  addr_str(&o->dst.ss, who, sizeof(who)),
		  (int)(memchr(o->buf, '\r', o->len) ? (char *)memchr(o->buf, '\r', o->len) - o->buf
						     : 0),
		  o->buf);
	return 0;
}

/* A reply to where a LAN message came from. */
static void lan_reply(struct relay *r, const struct sockaddr *src, struct lan_tcp *via,
		      const char *buf, size_t len)
{
	if (via)
		tcp_send(via, buf, len);
	else
		udp_send(r, src, buf, len);
}

/* ---- links (TLS connections) ---- */

static struct link *link_find(struct relay *r, uint64_t id)
{
	struct link *l;

	for (l = r->links; l; l = l->next)
		if (l->id == id)
			return l;
	return NULL;
}

static bool link_open(struct relay *r, uint64_t id)
{
	const struct link *l = link_find(r, id);

	return l && l->open;
}

static int link_send(struct link *l, const char *buf, size_t len)
{
	if (!l->open)
		return -ENOTCONN;
	return sc_tls_conn_write(l->conn, buf, len);
}

/* Our address as the peer of link l should write it: wan.advertise, else
 * the local address of the connection with the port of wan.listen (so a
 * provider that opens a new connection reaches the listener), else the
 * connection's own local address. */
static void link_wan(struct link *l)
{
	const struct sc_conf *conf = l->r->conf;
	struct sockaddr_storage ss;
	char host[64];

	if (conf->wan.advertise) {
		snprintf(l->wan, sizeof(l->wan), "%s", conf->wan.advertise);
		return;
	}
	if (sc_tls_conn_local(l->conn, &ss) < 0) {
		snprintf(l->wan, sizeof(l->wan), "invalid.invalid");
		return;
	}
	if (conf->wan.enabled && conf->wan.nlisten) {
		uint16_t port =
			sc_net_addr_port((const struct sockaddr *)&conf->wan.listen[0].addr.ss);

		if (sc_net_host_text((struct sockaddr *)&ss, host, sizeof(host)) > 0) {
			snprintf(l->wan, sizeof(l->wan), "%s:%u", host, (unsigned)port);
			return;
		}
	}
	if (sc_net_addr_text((struct sockaddr *)&ss, l->wan, sizeof(l->wan)) < 0)
		snprintf(l->wan, sizeof(l->wan), "invalid.invalid");
}

/* A message from the WAN side. */
static void wan_handle(struct link *l, const char *buf, size_t len)
{
	struct relay *r = l->r;
	struct sc_core_link lk;
	struct sc_core_out *o = &r->out;
	int rc;

	rc = sc_sip_msg_parse(&r->msg, buf, len);
	if (rc < 0) {
		r->core.st.malformed++;
		log_warn("from %s: dropped a malformed message (%s)", sc_tls_conn_peer(l->conn),
			 rc == -EMSGSIZE ? "too large" : "does not parse");
		return;
	}
	o->why = NULL;
	if (r->msg.is_request) {
		lk.id = l->id;
		lk.verified = l->verified;
		lk.upstream = l->upstream >= 0 ? &r->conf->upstreams[l->upstream] : NULL;
		lk.wan = l->wan;
		rc = sc_core_wan_request(&r->core, &r->msg, &lk, now_ms(r), o);
		if (rc == -EBADMSG)
			rc = sc_core_reply(&r->msg, 400, "Bad Request", NULL, o);
	} else {
		rc = sc_core_wan_response(&r->core, &r->msg, now_ms(r), o);
	}
	if (rc < 0) {
		log_warn("from %s: cannot relay %.*s: %s", sc_tls_conn_peer(l->conn),
			 (int)(r->msg.is_request ? r->msg.method.n : 8),
			 r->msg.is_request ? r->msg.method.p : "response", strerror(-rc));
		return;
	}
	if (rc == SC_CORE_DROP) {
		if (o->why)
			log_debug("from %s: dropped: %s", sc_tls_conn_peer(l->conn), o->why);
		return;
	}
	if (rc == SC_CORE_REPLY) {
		if (o->why)
			log_info("from %s: answered locally: %s", sc_tls_conn_peer(l->conn), o->why);
		(void)link_send(l, o->buf, o->len);
		return;
	}
	if (to_device(r, o) < 0) {
		if (r->msg.is_request &&
		    sc_core_reply(&r->msg, 480, "Temporarily Unavailable", NULL, o) == SC_CORE_REPLY)
			(void)link_send(l, o->buf, o->len);
		return;
	}
	if (r->msg.is_request && o->tp == SC_TP_UDP && !sc_str_eqz(r->msg.method, "ACK"))
		retx_add(r, o->key, sc_str_eqz(r->msg.method, "INVITE"), &o->dst, o->buf, o->len);
}

static int link_frame(void *arg, int kind, const char *msg, size_t len)
{
	struct link *l = arg;

	if (kind == SC_FRAME_PING)
		(void)link_send(l, "\r\n", 2);
	else
		wan_handle(l, msg, len);
	return 0;
}

static void flow_drain(struct flow *f);
static void flow_fail(struct flow *f, const char *summary);
static void flow_cert_verdict(uv_timer_t *t);

static void link_on_open(struct sc_tls_conn *c, int status)
{
	struct link *l = sc_tls_conn_data(c);
	struct relay *r = l->r;
	struct flow *f = l->flow;
	size_t i;

	if (status < 0) {
		if (f)
			flow_fail(f, sc_tls_diag_summary(sc_tls_diag_classify(sc_tls_conn_facts(c))));
		return;
	}
	l->open = true;
	l->verified = sc_tls_conn_verified(c);
	link_wan(l);
	if (!f && l->verified) {
		/* A provider's connection to wan.listen: its client certificate
		 * verified against wan.ca_file; it belongs to the upstream whose
		 * server_name it carries (trust marking needs to know). */
		WOLFSSL_X509 *x = sc_tls_conn_peer_cert(c, 0);

		l->verified = false;
		for (i = 0; x && i < r->conf->nupstreams && l->upstream < 0; i++) {
			const struct sc_conf_upstream *u = &r->conf->upstreams[i];

			if (sc_tls_identity_check(x, u->server_name ? u->server_name : u->host) == 0) {
				l->upstream = (long)i;
				l->verified = true;
			}
		}
		if (x)
			wolfSSL_X509_free(x);
		if (l->upstream >= 0)
			log_info("from %s: client certificate is for upstream %s",
				 sc_tls_conn_peer(c), r->conf->upstreams[l->upstream].name);
		else
			log_info("from %s: client certificate verified but is for no upstream's "
				 "server_name: its calls are not trust-marked",
				 sc_tls_conn_peer(c));
	}
	if (!f)
		return;
	if (sc_tls_conn_cert_requested(c) && !r->client[f->upstream]->has_cert &&
	    strcmp(sc_tls_conn_version(c), "TLSv1.3") == 0) {
		f->state = FLOW_WAITING;
		uv_timer_start(&f->timer, flow_cert_verdict, CERT_VERDICT_MS, 0);
		return; /* drained by the first data or by the timer */
	}
	flow_drain(f);
}

static void link_on_data(struct sc_tls_conn *c, const char *buf, size_t len)
{
	struct link *l = sc_tls_conn_data(c);
	int rc;

	l->got_data = true;
	if (l->flow && l->flow->state == FLOW_WAITING)
		flow_drain(l->flow);
	rc = sc_stream_rx_feed(&l->rx, buf, len, link_frame, l);
	if (rc < 0) {
		log_warn("from %s: %s; closing the connection", sc_tls_conn_peer(c),
			 rc == -EMSGSIZE ? "message over 64 KiB" : "stream cannot be framed");
		sc_tls_conn_close(c, rc == -EMSGSIZE ? "message too large" : "bad framing");
	}
}

static void flow_closed(struct flow *f, struct link *l);
static void link_unlist(struct relay *r, struct link *l);

static void link_on_close(struct sc_tls_conn *c, const char *reason)
{
	struct link *l = sc_tls_conn_data(c);

	(void)reason;
	link_unlist(l->r, l);
	if (l->flow)
		flow_closed(l->flow, l);
	sc_stream_rx_free(&l->rx);
	free(l);
}

static const struct sc_tls_conn_cbs link_cbs = {
	.on_open = link_on_open,
	.on_data = link_on_data,
	.on_close = link_on_close,
};

static struct link *link_new(struct relay *r, struct flow *f)
{
	struct link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->r = r;
	l->id = ++r->next_link;
	l->flow = f;
	l->upstream = f ? (long)f->upstream : -1;
	l->next = r->links;
	r->links = l;
	return l;
}

static void link_unlist(struct relay *r, struct link *l)
{
	struct link **pp;

	for (pp = &r->links; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			return;
		}
}

/* ---- flows (B2) ---- */

static struct flow *flow_of(struct relay *r, size_t dev)
{
	size_t u = r->conf->devices[dev].upstream;

	if (r->conf->upstreams[u].connection == SC_CONN_SHARED)
		return &r->flows[u];
	return &r->flows[r->conf->nupstreams + dev];
}

static void pending_free_all(struct flow *f)
{
	struct pending *p;

	while ((p = f->qhead) != NULL) {
		f->qhead = p->next;
		free(p);
	}
	f->qtail = NULL;
	f->qn = 0;
}

/* Sends one request from a device on an open flow.  Returns true when it
 * went out, false when the device was answered instead. */
static bool flow_forward(struct flow *f, const struct sc_sip_msg *m, size_t dev,
			 const struct sockaddr *src, enum sc_transport tp, struct lan_tcp *via)
{
	struct relay *r = f->r;
	struct sc_core_out *o = &r->out;
	int rc = sc_core_outbound(&r->core, m, dev, src, tp, f->link->wan, o);

	if (rc == SC_CORE_FORWARD && link_send(f->link, o->buf, o->len) == 0) {
		(void)sc_core_sent(&r->core, m, dev, src, f->link->id);
		log_debug("device %s -> %s: %.*s %.*s", r->conf->devices[dev].name,
			  sc_tls_conn_peer(f->link->conn), (int)m->method.n, m->method.p,
			  (int)m->ruri.n, m->ruri.p);
		return true;
	}
	if (rc < 0)
		log_warn("device %s: cannot relay %.*s: %s", r->conf->devices[dev].name,
			 (int)m->method.n, m->method.p, strerror(-rc));
	if (sc_core_fail(&r->core, m, dev, src, rc < 0 ? 400 : 503,
			 rc < 0 ? "Bad Request" : "Service Unavailable",
			 rc < 0 ? NULL : "399 sipsidecar \"upstream connection lost\"", now_ms(r),
			 o) == SC_CORE_REPLY)
		lan_reply(r, src, via, o->buf, o->len);
	return false;
}

/* The TCP connection a queued request came on, if it is still there. */
static struct lan_tcp *conn_from(struct relay *r, const struct pending *p)
{
	struct lan_tcp *t;

	if (p->tp != SC_TP_TCP)
		return NULL;
	for (t = r->conns; t; t = t->next)
		if (!t->closing && sc_net_addr_eq((const struct sockaddr *)&t->peer.ss,
						  (const struct sockaddr *)&p->src.ss))
			return t;
	return NULL;
}

static void flow_keepalive(uv_timer_t *t);

static void flow_drain(struct flow *f)
{
	struct relay *r = f->r;
	struct pending *p;
	unsigned ka = r->conf->upstreams[f->upstream].keepalive;

	f->state = FLOW_OPEN;
	f->was_open = true;
	f->backoff = 0;
	uv_timer_stop(&f->timer);
	if (ka)
		uv_timer_start(&f->timer, flow_keepalive, (uint64_t)ka * 1000, (uint64_t)ka * 1000);
	while ((p = f->qhead) != NULL && f->state == FLOW_OPEN) {
		f->qhead = p->next;
		if (!f->qhead)
			f->qtail = NULL;
		f->qn--;
		if (sc_sip_msg_parse(&r->msg, p->buf, p->len) == 0)
			(void)flow_forward(f, &r->msg, p->dev, (const struct sockaddr *)&p->src.ss, p->tp,
				     conn_from(r, p));
		free(p);
	}
}

/* Answers every queued request 503 with the cause, and refuses new ones
 * for the back-off time (B10: promptly, not after a transaction timeout). */
static void flow_fail(struct flow *f, const char *summary)
{
	struct relay *r = f->r;
	struct pending *p;

	f->state = FLOW_DOWN;
	f->backoff = f->backoff ? f->backoff * 2 : BACKOFF_MIN_MS;
	if (f->backoff > BACKOFF_MAX_MS)
		f->backoff = BACKOFF_MAX_MS;
	f->down_until = now_ms(r) + f->backoff;
	snprintf(f->warning, sizeof(f->warning), "399 sipsidecar \"%s\"", summary);
	while ((p = f->qhead) != NULL) {
		f->qhead = p->next;
		if (sc_sip_msg_parse(&r->msg, p->buf, p->len) == 0 &&
		    sc_core_fail(&r->core, &r->msg, p->dev, (const struct sockaddr *)&p->src.ss, 503,
				 "Service Unavailable", f->warning, now_ms(r),
				 &r->out) == SC_CORE_REPLY)
			lan_reply(r, (const struct sockaddr *)&p->src.ss, conn_from(r, p), r->out.buf,
				  r->out.len);
		free(p);
	}
	f->qtail = NULL;
	f->qn = 0;
}

static void flow_redial(uv_timer_t *t)
{
	struct flow *f = t->data;

	if (f->state == FLOW_DOWN || f->state == FLOW_IDLE)
		flow_dial(f);
}

static void flow_keepalive(uv_timer_t *t)
{
	struct flow *f = t->data;

	if (f->state == FLOW_OPEN && f->link && link_send(f->link, "\r\n\r\n", 4) == 0)
		log_debug("keep-alive to %s", sc_tls_conn_peer(f->link->conn));
}

static void flow_cert_verdict(uv_timer_t *t)
{
	struct flow *f = t->data;

	if (f->state == FLOW_WAITING)
		flow_drain(f);
}

static void flow_closed(struct flow *f, struct link *l)
{
	struct relay *r = f->r;
	uint64_t now = now_ms(r), wait = BACKOFF_MIN_MS;

	if (f->link != l)
		return;
	f->link = NULL;
	if (r->stopping)
		return;
	uv_timer_stop(&f->timer);
	if (f->state == FLOW_WAITING || (f->state == FLOW_OPEN && !l->got_data &&
					 sc_tls_conn_cert_requested(l->conn) &&
					 !r->client[f->upstream]->has_cert)) {
		/* TLS 1.3: the server refused us after the handshake. */
		log_warn("upstream %s requires a client certificate: configure certificate and "
			 "private_key for it",
			 r->conf->upstreams[f->upstream].name);
		flow_fail(f, sc_tls_diag_summary(SC_TLS_DIAG_CLIENT_CERT_REQUIRED));
	} else if (f->state == FLOW_DIALLING) {
		flow_fail(f, sc_tls_diag_summary(SC_TLS_DIAG_OTHER));
	} else if (f->state == FLOW_OPEN) {
		f->state = FLOW_IDLE;
	}
	/* A flow that was up is dialled again with back-off, so inbound calls
	 * can come over it again (B2). */
	if (!f->was_open)
		return;
	if (f->state == FLOW_DOWN && f->down_until > now)
		wait = f->down_until - now;
	uv_timer_start(&f->timer, flow_redial, wait, 0);
}

static void flow_connect(struct flow *f, const struct sockaddr *sa)
{
	struct relay *r = f->r;
	const struct sc_conf_upstream *u = &r->conf->upstreams[f->upstream];
	struct link *l = link_new(r, f);
	int rc;

	if (!l) {
		flow_fail(f, "out of memory");
		return;
	}
	f->link = l;
	rc = sc_tls_conn_client(r->loop, r->client[f->upstream],
				u->server_name ? u->server_name : u->host, sa, &link_cbs, l, &l->conn);
	if (rc < 0) {
		link_unlist(r, l);
		free(l);
		f->link = NULL;
		log_warn("upstream %s: cannot connect: %s", u->name, uv_strerror(rc));
		flow_fail(f, sc_tls_diag_summary(SC_TLS_DIAG_TCP_UNREACHABLE));
	}
}

static void flow_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct flow *f = req->data;
	const struct sc_conf_upstream *u = &f->r->conf->upstreams[f->upstream];

	f->gai_busy = false;
	if (f->r->stopping) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status < 0 || !res) {
		log_warn("upstream %s: cannot resolve %s: %s", u->name, u->host, uv_strerror(status));
		flow_fail(f, sc_tls_diag_summary(SC_TLS_DIAG_DNS));
	} else {
		flow_connect(f, res->ai_addr);
	}
	uv_freeaddrinfo(res);
}

static void flow_dial(struct flow *f)
{
	struct relay *r = f->r;
	const struct sc_conf_upstream *u = &r->conf->upstreams[f->upstream];
	struct sc_net_addr a;
	struct addrinfo hints;
	char port[8];
	int rc;

	if (f->state == FLOW_DIALLING || f->state == FLOW_OPEN || f->state == FLOW_WAITING)
		return;
	f->state = FLOW_DIALLING;
	uv_timer_stop(&f->timer);
	/* RFC 3263 NAPTR/SRV is not done: a name is looked up with A/AAAA on
	 * the uri's port, 5061 when it has none. */
	snprintf(port, sizeof(port), "%u", u->port ? (unsigned)u->port : 5061u);
	if (sc_net_addr_parse(u->host, u->port ? u->port : 5061, &a) == 0) {
		flow_connect(f, (const struct sockaddr *)&a.ss);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	f->gai.data = f;
	rc = uv_getaddrinfo(r->loop, &f->gai, flow_resolved, u->host, port, &hints);
	if (rc < 0) {
		log_warn("upstream %s: cannot resolve %s: %s", u->name, u->host, uv_strerror(rc));
		flow_fail(f, sc_tls_diag_summary(SC_TLS_DIAG_DNS));
		return;
	}
	f->gai_busy = true;
}

/* A request from a device for its flow: sent now, queued while the flow
 * opens, or answered 503 while the flow is down. */
static void flow_submit(struct relay *r, const struct sc_sip_msg *m, size_t dev,
			const struct sockaddr *src, enum sc_transport tp, struct lan_tcp *via)
{
	struct flow *f = flow_of(r, dev);
	struct pending *p;

	if (f->state == FLOW_OPEN) {
		(void)flow_forward(f, m, dev, src, tp, via);
		return;
	}
	if (f->state == FLOW_DOWN && now_ms(r) < f->down_until) {
		if (sc_core_fail(&r->core, m, dev, src, 503, "Service Unavailable", f->warning,
				 now_ms(r), &r->out) == SC_CORE_REPLY)
			lan_reply(r, src, via, r->out.buf, r->out.len);
		return;
	}
	if (f->qn >= QUEUE_MAX || !(p = malloc(sizeof(*p) + m->len))) {
		if (sc_core_fail(&r->core, m, dev, src, 503, "Service Unavailable",
				 "399 sipsidecar \"too many requests waiting for the upstream\"",
				 now_ms(r), &r->out) == SC_CORE_REPLY)
			lan_reply(r, src, via, r->out.buf, r->out.len);
		return;
	}
	p->next = NULL;
	p->dev = dev;
	sc_net_addr_copy(&p->src.ss, &p->src.len, src);
	p->tp = tp;
	p->len = m->len;
	memcpy(p->buf, m->buf, m->len);
	if (f->qtail)
		f->qtail->next = p;
	else
		f->qhead = p;
	f->qtail = p;
	f->qn++;
	/* Last: a dial that fails at once answers the queue from here. */
	flow_dial(f);
}

/* ---- the LAN side ---- */

static void send_trying(struct relay *r, const struct sc_sip_msg *m, size_t dev,
			const struct sockaddr *src, struct lan_tcp *via)
{
	if (sc_core_trying(&r->core, m, dev, src, now_ms(r), &r->out) == SC_CORE_REPLY)
		lan_reply(r, src, via, r->out.buf, r->out.len);
}

static void lan_handle(struct relay *r, long dev, const struct sockaddr *src,
		       enum sc_transport tp, struct lan_tcp *via, const char *buf, size_t len)
{
	struct sc_sip_msg *m = &r->msg;
	struct sc_core_out *o = &r->out;
	struct link *l;
	char who[64];
	uint64_t id;
	int rc;

	rc = sc_sip_msg_parse(m, buf, len);
	if (rc < 0) {
		int n = -1;

		r->core.st.malformed++;
		/* B8: a 400 where one can be built, to a device only (a
		 * stranger's junk gets nothing). */
		if (dev >= 0 && rc == -EBADMSG)
			n = sc_sip_reply_bad(buf, len, "399 sipsidecar \"malformed request\"", "sc400",
					     o->buf, sizeof(o->buf));
		log_warn("from %s: %s a malformed message (%s)", addr_str(src, who, sizeof(who)),
			 n > 0 ? "answered 400 to" : "dropped",
			 rc == -EMSGSIZE ? "too large" : "does not parse");
		if (n > 0)
			lan_reply(r, src, via, o->buf, (size_t)n);
		return;
	}
	if (dev < 0) {
		/* B1: never an open relay. */
		r->core.st.unknown_source++;
		log_debug("from %s: not a configured device (or outside lan.allow): %s",
			  addr_str(src, who, sizeof(who)), via ? "403" : "dropped");
		if (via && sc_core_reply(m, 403, "Forbidden",
					 "399 sipsidecar \"source is not a configured device\"",
					 o) == SC_CORE_REPLY)
			tcp_send(via, o->buf, o->len);
		return;
	}
	o->why = NULL;
	if (!m->is_request) {
		uint64_t key;

		if (sc_inbound_branch(m, &key, &id) < 0) {
			r->core.st.not_ours++;
			log_debug("from %s: dropped a response that is not for us",
				  addr_str(src, who, sizeof(who)));
			return;
		}
		if (r->retx)
			retx_stop(r, sc_txn_key(key, m->cseq_method));
		l = link_find(r, id);
		if (!l || !l->open) {
			log_info("device %s: the connection its response belongs to has closed",
				 r->conf->devices[dev].name);
			return;
		}
		rc = sc_core_lan_response(&r->core, m, (size_t)dev, l->wan, o);
		if (rc == SC_CORE_FORWARD)
			(void)link_send(l, o->buf, o->len);
		else if (rc < 0)
			log_warn("device %s: cannot relay a response: %s", r->conf->devices[dev].name,
				 strerror(-rc));
		return;
	}
	rc = sc_core_lan_request(&r->core, m, (size_t)dev, src, tp, now_ms(r), o);
	if (rc == -EBADMSG)
		rc = sc_core_reply(m, 400, "Bad Request", NULL, o);
	if (rc < 0) {
		log_warn("device %s: cannot relay %.*s: %s", r->conf->devices[dev].name,
			 (int)m->method.n, m->method.p, strerror(-rc));
		return;
	}
	if (rc == SC_CORE_REPLY) {
		lan_reply(r, src, via, o->buf, o->len);
	} else if (rc == SC_CORE_FORWARD) {
		struct flow *f = flow_of(r, (size_t)dev);

		/* Our 100 Trying goes after the INVITE when the flow is up, so
		 * it never delays the INVITE; before it when the INVITE has to
		 * wait for the flow (whose failure answers it at once). */
		if (!sc_str_eqz(m->method, "INVITE")) {
			flow_submit(r, m, (size_t)dev, src, tp, via);
		} else if (f->state == FLOW_OPEN) {
			if (flow_forward(f, m, (size_t)dev, src, tp, via))
				send_trying(r, m, (size_t)dev, src, via);
		} else {
			send_trying(r, m, (size_t)dev, src, via);
			flow_submit(r, m, (size_t)dev, src, tp, via);
		}
	} else if (o->link && !link_open(r, o->link)) {
		/* A retransmission of a request whose connection dropped
		 * before any answer: the first went nowhere, send this one. */
		log_info("device %s: %.*s lost with its connection, sending it again",
			 r->conf->devices[dev].name, (int)m->method.n, m->method.p);
		flow_submit(r, m, (size_t)dev, src, tp, via);
	} else if (o->why) {
		log_debug("device %s: %s", r->conf->devices[dev].name, o->why);
	}
}

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct relay *r = h->data;

	(void)suggested;
	*buf = uv_buf_init(r->udp_buf, sizeof(r->udp_buf));
}

/* A keep-alive datagram (CRLF, CRLFCRLF) some devices send is not a
 * message. */
static bool keepalive(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *src,
		     unsigned flags)
{
	struct relay *r = h->data;
	char who[64];

	if (nread <= 0 || !src)
		return;
	if ((flags & UV_UDP_PARTIAL) || (size_t)nread > SC_SIP_MAX_MSG) {
		r->core.st.malformed++;
		log_warn("from %s: dropped a datagram over 64 KiB", addr_str(src, who, sizeof(who)));
		return;
	}
	if (keepalive(buf->base, (size_t)nread))
		return;
	lan_handle(r, sc_core_device(r->conf, src), src, SC_TP_UDP, NULL, buf->base,
		   (size_t)nread);
}

static void lan_tcp_closed(uv_handle_t *h)
{
	struct lan_tcp *t = h->data;

	sc_stream_rx_free(&t->rx);
	free(t);
}

static void lan_tcp_close(struct lan_tcp *t)
{
	struct lan_tcp **pp;

	if (t->closing)
		return;
	t->closing = true;
	for (pp = &t->r->conns; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	uv_close((uv_handle_t *)&t->h, lan_tcp_closed);
}

static int lan_frame(void *arg, int kind, const char *msg, size_t len)
{
	struct lan_tcp *t = arg;

	if (kind == SC_FRAME_PING) {
		tcp_send(t, "\r\n", 2);
		return 0;
	}
	lan_handle(t->r, t->dev, (const struct sockaddr *)&t->peer.ss, SC_TP_TCP, t, msg, len);
	return t->closing;
}

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct lan_tcp *t = h->data;

	(void)suggested;
	*buf = uv_buf_init(t->r->udp_buf, sizeof(t->r->udp_buf));
}

static void tcp_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct lan_tcp *t = s->data;
	char who[64];
	int rc;

	if (nread < 0) {
		lan_tcp_close(t);
		return;
	}
	rc = sc_stream_rx_feed(&t->rx, buf->base, (size_t)nread, lan_frame, t);
	if (rc < 0) {
		t->r->core.st.malformed++;
		log_warn("from %s over TCP: %s; closing the connection",
			 addr_str(&t->peer.ss, who, sizeof(who)),
			 rc == -EMSGSIZE ? "message over 64 KiB" : "stream cannot be framed");
		lan_tcp_close(t);
	}
}

static void tcp_accept(uv_stream_t *server, int status)
{
	struct relay *r = server->data;
	struct lan_tcp *t;
	int len = sizeof(struct sockaddr_storage);

	if (status < 0 || !(t = calloc(1, sizeof(*t))))
		return;
	t->r = r;
	uv_tcp_init(r->loop, &t->h);
	t->h.data = t;
	if (uv_accept(server, (uv_stream_t *)&t->h) < 0 ||
	    uv_tcp_getpeername(&t->h, (struct sockaddr *)&t->peer.ss, &len) < 0) {
		uv_close((uv_handle_t *)&t->h, lan_tcp_closed);
		return;
	}
	t->peer.len = (socklen_t)len;
	uv_tcp_nodelay(&t->h, 1);
	t->dev = sc_core_device(r->conf, (const struct sockaddr *)&t->peer.ss);
	t->next = r->conns;
	r->conns = t;
	uv_read_start((uv_stream_t *)&t->h, tcp_alloc, tcp_read);
}

/* ---- the WAN listener (B5) ---- */

static void wan_accept(uv_stream_t *server, int status)
{
	struct relay *r = server->data;
	struct link *l;

	if (status < 0 || !(l = link_new(r, NULL)))
		return;
	if (sc_tls_conn_server(r->loop, r->server, server, &link_cbs, l, &l->conn) < 0) {
		link_unlist(r, l);
		free(l);
	}
}

/* ---- start and stop ---- */

static void on_tick(uv_timer_t *t)
{
	struct relay *r = t->data;

	sc_txn_expire(&r->core.txns, now_ms(r));
}

/* Closes everything; the loop ends when the last TLS connection has sent
 * its close_notify (conn.c gives that at most 2 s). */
static void relay_stop(struct relay *r)
{
	struct link *l;
	size_t i, nflows = r->conf->nupstreams + r->conf->ndevices;

	if (r->stopping)
		return;
	r->stopping = true;
	for (i = 0; i < r->nudp; i++)
		uv_close((uv_handle_t *)&r->udp[i], NULL);
	for (i = 0; i < r->ntcp; i++)
		uv_close((uv_handle_t *)&r->tcp[i], NULL);
	for (i = 0; i < r->nwan; i++)
		uv_close((uv_handle_t *)&r->wan[i], NULL);
	for (i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&r->sig[i], NULL);
	uv_close((uv_handle_t *)&r->tick, NULL);
	uv_close((uv_handle_t *)&r->retx_timer, NULL);
	for (i = 0; i < nflows; i++) {
		uv_close((uv_handle_t *)&r->flows[i].timer, NULL);
		if (r->flows[i].gai_busy)
			uv_cancel((uv_req_t *)&r->flows[i].gai);
	}
	while (r->conns)
		lan_tcp_close(r->conns);
	for (l = r->links; l; l = l->next)
		sc_tls_conn_close(l->conn, "shutting down");
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct relay *r = s->data;

	if (signum == SIGHUP) {
		log_warn("SIGHUP: reloading is not supported by this version; restart to apply a "
			 "new configuration");
		return;
	}
	log_info("stopping on signal %d", signum);
	relay_stop(r);
}

/* The LAN sent-by for one transport: lan.advertise, else the listen
 * address, else (a wildcard listener) the first non-loopback IPv4 address
 * of the host. */
static void lan_sent_by(const struct sc_conf *conf, enum sc_transport tp, char *out, size_t cap)
{
	const struct sc_conf_listen *li = NULL;
	char host[64] = "";
	unsigned port;
	size_t i;

	for (i = 0; i < conf->lan.nlisten && !li; i++)
		if (conf->lan.listen[i].transport == tp)
			li = &conf->lan.listen[i];
	if (!li)
		li = &conf->lan.listen[0];
	port = sc_net_addr_port((const struct sockaddr *)&li->addr.ss);
	if (conf->lan.advertise) {
		sc_net_hostport(conf->lan.advertise, (uint16_t)port, out, cap);
		return;
	} else if (!sc_net_addr_any((const struct sockaddr *)&li->addr.ss)) {
		sc_net_host_text((const struct sockaddr *)&li->addr.ss, host, sizeof(host));
	} else {
		uv_interface_address_t *ifs;
		int n, k;

		if (uv_interface_addresses(&ifs, &n) == 0) {
			for (k = 0; k < n && !host[0]; k++)
				if (!ifs[k].is_internal && ifs[k].address.address4.sin_family == AF_INET)
					sc_net_host_text((const struct sockaddr *)&ifs[k].address.address4,
							 host, sizeof(host));
			uv_free_interface_addresses(ifs, n);
		}
		if (!host[0])
			snprintf(host, sizeof(host), "127.0.0.1");
		log_warn("lan.advertise is not set and lan.listen is a wildcard: devices are told "
			 "%s; set lan.advertise if that is not the address they reach",
			 host);
	}
	snprintf(out, cap, "%s:%u", host, port);
}

static int listen_all(struct relay *r)
{
	const struct sc_conf *conf = r->conf;
	char who[64];
	size_t i;
	int rc = 0;

	r->udp = calloc(conf->lan.nlisten + 1, sizeof(*r->udp));
	r->udp_family = calloc(conf->lan.nlisten + 1, sizeof(*r->udp_family));
	r->tcp = calloc(conf->lan.nlisten + 1, sizeof(*r->tcp));
	r->wan = calloc(conf->wan.nlisten + 1, sizeof(*r->wan));
	if (!r->udp || !r->udp_family || !r->tcp || !r->wan)
		return -ENOMEM;
	for (i = 0; i < conf->lan.nlisten && rc == 0; i++) {
		const struct sc_conf_listen *li = &conf->lan.listen[i];
		const struct sockaddr *sa = (const struct sockaddr *)&li->addr.ss;

		if (li->transport == SC_TP_UDP) {
			uv_udp_t *h = &r->udp[r->nudp];

			uv_udp_init(r->loop, h);
			h->data = r;
			r->udp_family[r->nudp] = sa->sa_family;
			r->nudp++;
			rc = uv_udp_bind(h, sa, 0);
			if (rc == 0)
				rc = uv_udp_recv_start(h, udp_alloc, udp_recv);
		} else {
			uv_tcp_t *h = &r->tcp[r->ntcp];

			uv_tcp_init(r->loop, h);
			h->data = r;
			r->ntcp++;
			rc = uv_tcp_bind(h, sa, 0);
			if (rc == 0)
				rc = uv_listen((uv_stream_t *)h, 64, tcp_accept);
		}
		if (rc < 0)
			log_error("lan listen %s:%s: %s", li->transport == SC_TP_UDP ? "udp" : "tcp",
				  addr_str(sa, who, sizeof(who)), uv_strerror(rc));
		else
			log_info("listening for devices on %s:%s",
				 li->transport == SC_TP_UDP ? "udp" : "tcp",
				 addr_str(sa, who, sizeof(who)));
	}
	for (i = 0; i < conf->wan.nlisten && rc == 0; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&conf->wan.listen[i].addr.ss;
		uv_tcp_t *h = &r->wan[r->nwan];

		uv_tcp_init(r->loop, h);
		h->data = r;
		r->nwan++;
		rc = uv_tcp_bind(h, sa, 0);
		if (rc == 0)
			rc = uv_listen((uv_stream_t *)h, 64, wan_accept);
		if (rc < 0)
			log_error("wan listen tls:%s: %s", addr_str(sa, who, sizeof(who)),
				  uv_strerror(rc));
		else
			log_info("listening for providers on tls:%s", addr_str(sa, who, sizeof(who)));
	}
	return rc;
}

static int contexts(struct relay *r)
{
	const struct sc_conf *conf = r->conf;
	char err[256];
	size_t i;

	r->client = calloc(conf->nupstreams + 1, sizeof(*r->client));
	if (!r->client)
		return -ENOMEM;
	for (i = 0; i < conf->nupstreams; i++)
		if (sc_tls_ctx_client(&conf->upstreams[i], &r->client[i], err, sizeof(err)) < 0) {
			log_error("upstream %s: %s", conf->upstreams[i].name, err);
			return -EINVAL;
		}
	if (conf->wan.enabled && conf->wan.nlisten &&
	    sc_tls_ctx_server(conf, &r->server, err, sizeof(err)) < 0) {
		log_error("wan: %s", err);
		return -EINVAL;
	}
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int sc_relay_run(const struct sc_conf *conf)
{
	static const int signals[3] = { SIGTERM, SIGINT, SIGHUP };
	char lan_udp[96], lan_tcp[96];
	struct relay *r;
	size_t i, nflows;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->conf = conf;
	r->loop = uv_default_loop();
	lan_sent_by(conf, SC_TP_UDP, lan_udp, sizeof(lan_udp));
	lan_sent_by(conf, SC_TP_TCP, lan_tcp, sizeof(lan_tcp));
	nflows = conf->nupstreams + conf->ndevices;
	r->flows = calloc(nflows + 1, sizeof(*r->flows));
	rc = r->flows ? sc_core_init(&r->core, conf, lan_udp, lan_tcp) : -ENOMEM;
	if (rc == 0)
		rc = contexts(r);
	if (rc == 0)
		rc = listen_all(r);
	if (rc == 0 && conf->user) {
		char err[160];

		/* B12: the sockets are bound and the keys loaded; root is not
		 * needed again. */
		rc = sc_platform_drop_privileges(conf->user, err, sizeof(err));
		if (rc < 0)
			log_error("%s", err);
		else
			log_info("running as user %s", conf->user);
	}
	if (rc == 0 && conf->status.enabled)
		log_warn("status: the HTTP status endpoint is not built in this version; "
			 "the counters are logged when the relay stops");
	if (rc < 0)
		goto out;
	for (i = 0; i < nflows; i++) {
		struct flow *f = &r->flows[i];

		f->r = r;
		f->upstream = i < conf->nupstreams ? i : conf->devices[i - conf->nupstreams].upstream;
		uv_timer_init(r->loop, &f->timer);
		f->timer.data = f;
	}
	uv_timer_init(r->loop, &r->tick);
	r->tick.data = r;
	uv_timer_init(r->loop, &r->retx_timer);
	r->retx_timer.data = r;
	uv_timer_start(&r->tick, on_tick, 1000, 1000);
	for (i = 0; i < 3; i++) {
		uv_signal_init(r->loop, &r->sig[i]);
		r->sig[i].data = r;
		uv_signal_start(&r->sig[i], on_signal, signals[i]);
	}
	sc_platform_trim_memory();
	log_info("relaying %zu device%s to %zu upstream%s; devices reach us at %s (udp), %s (tcp)",
		 conf->ndevices, conf->ndevices == 1 ? "" : "s", conf->nupstreams,
		 conf->nupstreams == 1 ? "" : "s", lan_udp, lan_tcp);
	uv_run(r->loop, UV_RUN_DEFAULT);
	log_info("stopped: %lu from unknown sources, %lu malformed, %lu retransmissions absorbed, "
		 "%lu responses for unknown transactions",
		 r->core.st.unknown_source, r->core.st.malformed, r->core.st.retransmissions,
		 r->core.st.unknown_txn);
out:
	/* Close whatever is still open (everything, after a failed start) and
	 * let the loop run the close callbacks. */
	uv_walk(r->loop, walk_close, NULL);
	uv_run(r->loop, UV_RUN_DEFAULT);
	if (r->flows)
		for (i = 0; i < nflows; i++)
			pending_free_all(&r->flows[i]);
	while (r->retx) {
		struct retx *x = r->retx;

		r->retx = x->next;
		free(x);
	}
	if (r->client)
		for (i = 0; i < conf->nupstreams; i++)
			sc_tls_ctx_unref(r->client[i]);
	sc_tls_ctx_unref(r->server);
	sc_core_free(&r->core);
	free(r->client);
	free(r->udp);
	free(r->udp_family);
	free(r->tcp);
	free(r->wan);
	free(r->flows);
	free(r);
	return rc;
}
