/* The TLS link table: see link.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_TAG "link"
#include "../base/log.h"
#include "../tls/identity.h"
#include "link.h"

static void unlist(struct sc_links *t, struct sc_link *l)
{
	struct sc_link **pp;

	for (pp = &t->head; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			return;
		}
}

/* Our address as the peer of link l should write it: wan.advertise, else
 * the local address of the connection with the port of wan.listen (so a
 * provider that opens a new connection reaches the listener), else the
 * connection's own local address. */
static void set_wan(struct sc_link *l)
{
	const struct sc_conf *conf = l->tab->conf;
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

static int frame(void *arg, int kind, const char *msg, size_t len)
{
	struct sc_link *l = arg;

	if (kind == SC_FRAME_PING)
		(void)sc_link_send(l, "\r\n", 2);
	else
		l->tab->cbs.on_message(l->tab->arg, l, msg, len);
	return 0;
}

static void on_open(struct sc_tls_conn *c, int status)
{
	struct sc_link *l = sc_tls_conn_data(c);

	if (status == 0) {
		l->open = true;
		l->verified = sc_tls_conn_verified(c);
		set_wan(l);
	}
	l->tab->cbs.on_open(l->tab->arg, l, status);
}

static void on_data(struct sc_tls_conn *c, const char *buf, size_t len)
{
	struct sc_link *l = sc_tls_conn_data(c);
	int rc;

	l->got_data = true;
	l->tab->cbs.on_bytes(l->tab->arg, l);
	rc = sc_stream_rx_feed(&l->rx, buf, len, frame, l);
	if (rc < 0) {
		log_warn("from %s: %s; closing the connection", sc_tls_conn_peer(c),
			 rc == -EMSGSIZE ? "message over 64 KiB" : "stream cannot be framed");
		sc_tls_conn_close(c, rc == -EMSGSIZE ? "message too large" : "bad framing");
	}
}

static void on_close(struct sc_tls_conn *c, const char *reason)
{
	struct sc_link *l = sc_tls_conn_data(c);

	(void)reason;
	unlist(l->tab, l);
	l->open = false;
	l->tab->cbs.on_close(l->tab->arg, l);
	sc_stream_rx_free(&l->rx);
	free(l);
}

static const struct sc_tls_conn_cbs conn_cbs = {
	.on_open = on_open,
	.on_data = on_data,
	.on_close = on_close,
};

int sc_links_init(struct sc_links *t, uv_loop_t *loop, const struct sc_conf *conf,
		  const struct sc_link_cbs *cbs, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->conf = conf;
	t->cbs = *cbs;
	t->arg = arg;
	t->cap = conf->wan.nlisten;
	t->listeners = calloc(t->cap + 1, sizeof(*t->listeners));
	return t->listeners ? 0 : -ENOMEM;
}

static struct sc_link *link_new(struct sc_links *t, struct sc_flow *f, struct sc_up *up)
{
	struct sc_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->tab = t;
	l->id = ++t->next_id;
	l->flow = f;
	l->up = up;
	l->next = t->head;
	t->head = l;
	return l;
}

int sc_links_dial(struct sc_links *t, struct sc_flow *f, struct sc_up *up,
		  struct sc_tls_ctx *ctx, const char *server_name, const struct sockaddr *sa,
		  struct sc_link **out)
{
	struct sc_link *l = link_new(t, f, up);
	int rc;

	*out = NULL;
	if (!l)
		return UV_ENOMEM;
	rc = sc_tls_conn_client(t->loop, ctx, server_name, sa, &conn_cbs, l, &l->conn);
	if (rc < 0) {
		unlist(t, l);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct sc_links *t = server->data;
	struct sc_link *l;

	if (status < 0 || !(l = link_new(t, NULL, NULL)))
		return;
	if (sc_tls_conn_server(t->loop, t->server, server, &conn_cbs, l, &l->conn) < 0) {
		unlist(t, l);
		free(l);
	}
}

int sc_links_listen(struct sc_links *t, const struct sockaddr *sa, struct sc_tls_ctx *ctx)
{
	uv_tcp_t *h;
	int rc;

	if (t->nlisteners >= t->cap)
		return UV_ENOBUFS;
	t->server = ctx;
	h = &t->listeners[t->nlisteners++];
	uv_tcp_init(t->loop, h);
	h->data = t;
	rc = uv_tcp_bind(h, sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)h, 64, on_connection);
	return rc;
}

struct sc_link *sc_links_find(const struct sc_links *t, uint64_t id)
{
	struct sc_link *l;

	for (l = t->head; l; l = l->next)
		if (l->id == id)
			return l;
	return NULL;
}

const char *sc_links_wan(void *arg, uint64_t id)
{
	const struct sc_link *l = sc_links_find(arg, id);

	return l && l->open ? l->wan : NULL;
}

bool sc_link_has_identity(void *arg, const char *name)
{
	const struct sc_link *l = arg;
	WOLFSSL_X509 *x = sc_tls_conn_peer_cert(l->conn, 0);
	bool ok;

	if (!x)
		return false;
	ok = sc_tls_identity_check(x, name) == 0;
	wolfSSL_X509_free(x);
	return ok;
}

int sc_link_send(struct sc_link *l, const char *buf, size_t len)
{
	if (!l->open)
		return -ENOTCONN;
	return sc_tls_conn_write(l->conn, buf, len);
}

void sc_link_abort(struct sc_link *l, const char *reason)
{
	l->open = false;
	sc_tls_conn_abort(l->conn, reason);
}

void sc_links_close(struct sc_links *t, const char *reason)
{
	struct sc_link *l;
	size_t i;

	for (i = 0; i < t->nlisteners; i++)
		if (!uv_is_closing((uv_handle_t *)&t->listeners[i]))
			uv_close((uv_handle_t *)&t->listeners[i], NULL);
	for (l = t->head; l; l = l->next)
		sc_tls_conn_close(l->conn, reason);
}

void sc_links_free(struct sc_links *t)
{
	free(t->listeners);
	t->listeners = NULL;
	t->nlisteners = 0;
}
