/* Flows to upstreams: see flow.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_TAG "flow"
#include "../base/log.h"
#include "../tls/ctx.h"
#include "../tls/diag.h"
#include "attrib.h"
#include "flow.h"

static void flow_dial(struct sc_flow *f);

static uint64_t now_ms(const struct sc_flow *f)
{
	return uv_now(f->loop);
}

void sc_flow_init(struct sc_flow *f, uv_loop_t *loop, struct sc_links *links, struct sc_up *up,
		  const struct sc_flow_cbs *cbs, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->loop = loop;
	f->links = links;
	f->up = up;
	f->cbs = cbs;
	f->arg = arg;
	uv_timer_init(loop, &f->timer);
	f->timer.data = f;
	uv_timer_init(loop, &f->watch);
	f->watch.data = f;
	sc_alive_init(&f->alive);
}

int sc_flows_build(struct sc_flow **out, size_t *n, struct sc_devices *reg, uv_loop_t *loop,
		   struct sc_links *links, const struct sc_flow_cbs *cbs, void *arg)
{
	struct sc_flow *fl = calloc(reg->nup + reg->ndev + 1, sizeof(*fl));
	size_t i, k = 0;

	*out = fl;
	*n = 0;
	if (!fl)
		return -ENOMEM;
	for (i = 0; i < reg->nup; i++)
		if (reg->up[i]->conf->connection == SC_CONN_SHARED) {
			reg->up[i]->flow = &fl[k];
			sc_flow_init(&fl[k++], loop, links, reg->up[i], cbs, arg);
		}
	for (i = 0; i < reg->ndev; i++)
		if (reg->dev[i]->up->conf->connection != SC_CONN_SHARED) {
			reg->dev[i]->flow = &fl[k];
			sc_flow_init(&fl[k], loop, links, reg->dev[i]->up, cbs, arg);
			fl[k++].device = reg->dev[i]->name;
		}
	*n = k;
	return 0;
}

void sc_flow_view(const struct sc_flow *f, struct sc_core_flow *v)
{
	v->open = f->state == SC_FLOW_OPEN;
	v->refusing = f->state == SC_FLOW_DOWN && now_ms(f) < f->down_until;
	v->queue_full = f->qn >= SC_FLOW_QUEUE_MAX;
	v->warning = f->warning;
}

/* The oldest queued request, taken off the queue (the caller frees it). */
static struct sc_flow_pending *pop(struct sc_flow *f)
{
	struct sc_flow_pending *p = f->qhead;

	if (!p)
		return NULL;
	f->qhead = p->next;
	if (!f->qhead)
		f->qtail = NULL;
	f->qn--;
	return p;
}

static void on_watch(uv_timer_t *t);

/* Arms the watch for alive.h's deadline. */
static void watch_at(struct sc_flow *f, uint64_t deadline)
{
	uint64_t now = now_ms(f);

	if (deadline)
		uv_timer_start(&f->watch, on_watch, deadline > now ? deadline - now : 0, 0);
}

/* A CRLFCRLF ping; its pong is watched for (RFC 5626 §4.4.1). */
static void ping(struct sc_flow *f)
{
	if (f->state == SC_FLOW_OPEN && f->link && sc_link_send(f->link, "\r\n\r\n", 4) == 0) {
		log_debug("keep-alive to %s", sc_tls_conn_peer(f->link->conn));
		watch_at(f, sc_alive_sent(&f->alive, true, now_ms(f)));
	}
}

static void keepalive(uv_timer_t *t)
{
	ping(t->data);
}

/* The peer stopped answering: no close_notify to a peer that does not
 * answer; dialled again as soon as the link is gone (B14). */
static void dead(struct sc_flow *f, const char *why)
{
	log_warn("upstream %s%s%s: %s: closing the flow and dialling again", f->up->name,
		 f->device ? ", device " : " (shared flow)", f->device ? f->device : "", why);
	f->state = SC_FLOW_CLOSING;
	uv_timer_stop(&f->timer);
	sc_link_abort(f->link, why);
}

static void on_watch(uv_timer_t *t)
{
	struct sc_flow *f = t->data;
	uint64_t next;

	if (f->state != SC_FLOW_OPEN || !f->link)
		return;
	switch (sc_alive_due(&f->alive, now_ms(f), &next)) {
	case SC_ALIVE_PING:
		ping(f);
		break;
	case SC_ALIVE_DEAD:
		dead(f, "no answer from the upstream in 10 s (keep-alive pong timeout)");
		break;
	default:
		watch_at(f, next);
	}
}

void sc_flow_sent(struct sc_flow *f)
{
	bool waiting = f->alive.since != 0;
	uint64_t deadline = sc_alive_sent(&f->alive, false, now_ms(f));

	/* Already watching: the deadline has not moved (no timer call per
	 * request under load). */
	if (!waiting)
		watch_at(f, deadline);
}

/* The flow is up: send what waited, in order. */
static void drain(struct sc_flow *f)
{
	struct sc_flow_pending *p;
	unsigned ka = f->up->conf->keepalive;
	bool again = f->was_open;

	f->state = SC_FLOW_OPEN;
	f->was_open = true;
	f->backoff = 0;
	uv_timer_stop(&f->timer);
	sc_alive_init(&f->alive);
	if (ka)
		uv_timer_start(&f->timer, keepalive, (uint64_t)ka * 1000, (uint64_t)ka * 1000);
	while (f->state == SC_FLOW_OPEN && (p = pop(f)) != NULL) {
		f->cbs->send(f->arg, f, p);
		free(p);
	}
	if (again && f->state == SC_FLOW_OPEN && f->cbs->reopened)
		f->cbs->reopened(f->arg, f);
}

/* Refuses every queued request with the cause, and new ones for the
 * back-off time (B10: promptly, not after a transaction timeout). */
static void fail(struct sc_flow *f, const char *summary)
{
	struct sc_flow_pending *p;

	f->state = SC_FLOW_DOWN;
	f->backoff = f->backoff ? f->backoff * 2 : SC_FLOW_BACKOFF_MIN_MS;
	if (f->backoff > SC_FLOW_BACKOFF_MAX_MS)
		f->backoff = SC_FLOW_BACKOFF_MAX_MS;
	f->down_until = now_ms(f) + f->backoff;
	snprintf(f->warning, sizeof(f->warning), "399 sipsidecar \"%s\"", summary);
	while ((p = pop(f)) != NULL) {
		f->cbs->refuse(f->arg, f, p, f->warning);
		free(p);
	}
}

static void redial(uv_timer_t *t)
{
	struct sc_flow *f = t->data;

	if (f->state == SC_FLOW_DOWN || f->state == SC_FLOW_IDLE)
		flow_dial(f);
}

void sc_flow_nudge(struct sc_flow *f)
{
	if (f->stopping || !f->was_open || (f->state != SC_FLOW_DOWN && f->state != SC_FLOW_IDLE))
		return;
	f->down_until = now_ms(f);
	uv_timer_start(&f->timer, redial, 0, 0);
}

static void cert_verdict(uv_timer_t *t)
{
	struct sc_flow *f = t->data;

	if (f->state == SC_FLOW_WAITING)
		drain(f);
}

static bool lacks_client_cert(const struct sc_flow *f, const struct sc_link *l)
{
	return sc_tls_conn_cert_requested(l->conn) && !f->up->ctx->has_cert;
}

void sc_flow_link_open(struct sc_flow *f, struct sc_link *l, int status)
{
	if (status < 0) {
		fail(f, sc_tls_diag_summary(sc_tls_diag_classify(sc_tls_conn_facts(l->conn))));
		return;
	}
	if (lacks_client_cert(f, l) && strcmp(sc_tls_conn_version(l->conn), "TLSv1.3") == 0) {
		f->state = SC_FLOW_WAITING;
		uv_timer_start(&f->timer, cert_verdict, SC_FLOW_CERT_VERDICT_MS, 0);
		return; /* drained by the first data or by the timer */
	}
	drain(f);
}

void sc_flow_link_data(struct sc_flow *f)
{
	/* Anything from the peer answers whatever was waiting. */
	if (f->alive.since) {
		sc_alive_rx(&f->alive);
		uv_timer_stop(&f->watch);
	}
	if (f->state == SC_FLOW_WAITING)
		drain(f);
}

void sc_flow_link_closed(struct sc_flow *f, struct sc_link *l)
{
	uint64_t now = now_ms(f), wait = SC_FLOW_BACKOFF_MIN_MS;

	if (f->link != l)
		return;
	f->link = NULL;
	if (f->stopping)
		return;
	uv_timer_stop(&f->timer);
	uv_timer_stop(&f->watch);
	sc_alive_init(&f->alive);
	if (f->state == SC_FLOW_CLOSING) {
		/* It was found dead: the new one now, not after a back-off. */
		f->state = SC_FLOW_IDLE;
		flow_dial(f);
		return;
	}
	if (f->state == SC_FLOW_WAITING ||
	    (f->state == SC_FLOW_OPEN && !l->got_data && lacks_client_cert(f, l))) {
		/* TLS 1.3: the server refused us after the handshake. */
		log_warn("upstream %s requires a client certificate: configure certificate and "
			 "private_key for it",
			 f->up->name);
		fail(f, sc_tls_diag_summary(SC_TLS_DIAG_CLIENT_CERT_REQUIRED));
	} else if (f->state == SC_FLOW_DIALLING) {
		fail(f, sc_tls_diag_summary(SC_TLS_DIAG_OTHER));
	} else if (f->state == SC_FLOW_OPEN) {
		f->state = SC_FLOW_IDLE;
	}
	/* A flow that was up is dialled again with back-off, so inbound calls
	 * can come over it again (B2). */
	if (!f->was_open)
		return;
	if (f->state == SC_FLOW_DOWN && f->down_until > now)
		wait = f->down_until - now;
	uv_timer_start(&f->timer, redial, wait, 0);
}

static void connect_to(struct sc_flow *f, const struct sockaddr *sa)
{
	const struct sc_conf_upstream *u = f->up->conf;
	int rc;

	rc = sc_links_dial(f->links, f, f->up, f->up->ctx, u->server_name ? u->server_name : u->host,
			   sa, &f->link);
	if (rc < 0) {
		log_warn("upstream %s: cannot connect: %s", u->name, uv_strerror(rc));
		fail(f, sc_tls_diag_summary(SC_TLS_DIAG_TCP_UNREACHABLE));
	}
}

static void resolved(struct sc_dns_query *q, int status, const struct sc_net_addr *targets,
		     size_t ntargets, void *arg)
{
	struct sc_flow *f = arg;
	const struct sc_conf_upstream *u = f->up->conf;

	(void)q;
	/* A stopping flow has cancelled its lookup (sc_flow_stop): no answer
	 * comes here after that. */
	if (status < 0 || ntargets == 0) {
		log_warn("upstream %s: cannot resolve %s: %s", u->name, u->host, uv_strerror(status));
		fail(f, sc_tls_diag_summary(SC_TLS_DIAG_DNS));
	} else {
		/* What it resolves to is where its own connections to
		 * wan.listen may come from (B15, attrib.h). */
		sc_attrib_resolved(f->up, targets, ntargets);
		/* The first target only, as before: trying the next ones on
		 * failure comes with RFC 3263. */
		connect_to(f, (const struct sockaddr *)&targets[0].ss);
	}
}

static void flow_dial(struct sc_flow *f)
{
	const struct sc_conf_upstream *u = f->up->conf;
	uint16_t port = u->port ? u->port : 5061;
	struct sc_net_addr a;
	int rc;

	if (f->state == SC_FLOW_DIALLING || f->state == SC_FLOW_OPEN ||
	    f->state == SC_FLOW_WAITING || f->state == SC_FLOW_CLOSING)
		return;
	f->state = SC_FLOW_DIALLING;
	uv_timer_stop(&f->timer);
	/* RFC 3263 NAPTR/SRV is not done yet: dns/resolve.c looks a name up
	 * with A/AAAA on the uri's port, 5061 when it has none. */
	if (sc_net_addr_parse(u->host, port, &a) == 0) {
		connect_to(f, (const struct sockaddr *)&a.ss);
		return;
	}
	rc = sc_dns_resolve(f->loop, &f->dns, u->host, port, SOCK_STREAM, resolved, f);
	if (rc < 0) {
		log_warn("upstream %s: cannot resolve %s: %s", u->name, u->host, uv_strerror(rc));
		fail(f, sc_tls_diag_summary(SC_TLS_DIAG_DNS));
	}
}

int sc_flow_queue(struct sc_flow *f, const struct sc_sip_msg *m, struct sc_dev *dev,
		  const struct sockaddr *src, enum sc_transport tp)
{
	struct sc_flow_pending *p = malloc(sizeof(*p) + m->len);

	if (!p)
		return -ENOMEM;
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
	return 0;
}

void sc_flow_stop(struct sc_flow *f)
{
	f->stopping = true;
	if (!uv_is_closing((uv_handle_t *)&f->timer))
		uv_close((uv_handle_t *)&f->timer, NULL);
	if (!uv_is_closing((uv_handle_t *)&f->watch))
		uv_close((uv_handle_t *)&f->watch, NULL);
	sc_dns_cancel(&f->dns);
}

void sc_flow_free(struct sc_flow *f)
{
	struct sc_flow_pending *p;

	while ((p = pop(f)) != NULL)
		free(p);
}
