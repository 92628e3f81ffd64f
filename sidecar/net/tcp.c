/* The LAN's TCP side: see tcp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

struct tcp_write {
	uv_write_t req;
	char buf[];
};

int sc_tcp_init(struct sc_tcp *t, uv_loop_t *loop, size_t cap, char *buf, size_t bufsz,
		const struct sc_tcp_cbs *cbs, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->cap = cap;
	t->cbs = *cbs;
	t->arg = arg;
	t->buf = buf;
	t->bufsz = bufsz;
	t->h = calloc(cap + 1, sizeof(*t->h));
	return t->h ? 0 : -ENOMEM;
}

static void conn_closed(uv_handle_t *h)
{
	struct sc_tcp_conn *c = h->data;

	sc_stream_rx_free(&c->rx);
	free(c->spare);
	free(c);
}

void sc_tcp_conn_close(struct sc_tcp_conn *c)
{
	struct sc_tcp_conn **pp;

	if (c->closing)
		return;
	c->closing = true;
	for (pp = &c->t->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void written(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

void sc_tcp_send(struct sc_tcp_conn *c, const char *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	struct tcp_write *w;
	int rc;

	if (c->closing)
		return;
	rc = uv_try_write((uv_stream_t *)&c->h, &b, 1);
	if (rc == (int)len)
		return;
	if (rc < 0 && rc != UV_EAGAIN) {
		sc_tcp_conn_close(c);
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
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, written) < 0) {
		free(w);
		sc_tcp_conn_close(c);
	}
}

static int frame(void *arg, int kind, const char *msg, size_t len)
{
	struct sc_tcp_conn *c = arg;

	if (kind == SC_FRAME_PING) {
		sc_tcp_send(c, "\r\n", 2);
		return 0;
	}
	c->t->cbs.on_message(c->t->arg, c, msg, len);
	return c->closing;
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct sc_tcp_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->t->buf, (unsigned)c->t->bufsz);
}

static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct sc_tcp_conn *c = s->data;
	int rc;

	if (nread < 0) {
		sc_tcp_conn_close(c);
		return;
	}
	rc = sc_stream_rx_feed(&c->rx, buf->base, (size_t)nread, frame, c);
	if (rc < 0) {
		c->t->cbs.on_broken(c->t->arg, c, rc);
		sc_tcp_conn_close(c);
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct sc_tcp *t = server->data;
	struct sc_tcp_conn *c;
	int len = sizeof(struct sockaddr_storage);

	if (status < 0 || !(c = calloc(1, sizeof(*c))))
		return;
	c->t = t;
	uv_tcp_init(t->loop, &c->h);
	c->h.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0 ||
	    uv_tcp_getpeername(&c->h, (struct sockaddr *)&c->peer.ss, &len) < 0) {
		uv_close((uv_handle_t *)&c->h, conn_closed);
		return;
	}
	c->peer.len = (socklen_t)len;
	uv_tcp_nodelay(&c->h, 1);
	c->next = t->conns;
	t->conns = c;
	t->cbs.on_accept(t->arg, c);
	uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read);
}

static void connected(uv_connect_t *req, int status)
{
	struct sc_tcp_conn *c = req->data;

	c->connecting = false;
	if (c->closing)
		return;
	if (status < 0) {
		c->t->cbs.on_broken(c->t->arg, c, status);
		sc_tcp_conn_close(c);
		return;
	}
	free(c->spare); /* up: what the owner kept for a refusal is not needed */
	c->spare = NULL;
	uv_tcp_nodelay(&c->h, 1);
	uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read);
}

struct sc_tcp_conn *sc_tcp_connect(struct sc_tcp *t, const struct sockaddr *sa, void *data)
{
	struct sc_tcp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->data = data;
	uv_tcp_init(t->loop, &c->h);
	c->h.data = c;
	c->connect.data = c;
	sc_net_addr_copy(&c->peer.ss, &c->peer.len, sa);
	if (uv_tcp_connect(&c->connect, &c->h, sa, connected) < 0) {
		uv_close((uv_handle_t *)&c->h, conn_closed);
		return NULL;
	}
	c->connecting = true;
	c->next = t->conns;
	t->conns = c;
	return c;
}

int sc_tcp_listen(struct sc_tcp *t, const struct sockaddr *sa)
{
	uv_tcp_t *h;
	int rc;

	if (t->n >= t->cap)
		return UV_ENOBUFS;
	h = &t->h[t->n++];
	uv_tcp_init(t->loop, h);
	h->data = t;
	rc = uv_tcp_bind(h, sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)h, 64, on_connection);
	return rc;
}

struct sc_tcp_conn *sc_tcp_find_data(const struct sc_tcp *t, const void *data)
{
	struct sc_tcp_conn *c;

	for (c = t->conns; c; c = c->next)
		if (!c->closing && c->data == data)
			return c;
	return NULL;
}

struct sc_tcp_conn *sc_tcp_find_peer(const struct sc_tcp *t, const struct sockaddr *peer)
{
	struct sc_tcp_conn *c;

	for (c = t->conns; c; c = c->next)
		if (!c->closing && sc_net_addr_eq((const struct sockaddr *)&c->peer.ss, peer))
			return c;
	return NULL;
}

void sc_tcp_close(struct sc_tcp *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!uv_is_closing((uv_handle_t *)&t->h[i]))
			uv_close((uv_handle_t *)&t->h[i], NULL);
	while (t->conns)
		sc_tcp_conn_close(t->conns);
}

void sc_tcp_free(struct sc_tcp *t)
{
	free(t->h);
	t->h = NULL;
	t->buf = NULL;
	t->n = 0;
}
