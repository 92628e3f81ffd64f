/* The LAN's UDP sockets: see udp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/str.h"
#include "udp.h"

struct udp_send {
	uv_udp_send_t req;
	char buf[];
};

int sc_udp_init(struct sc_udp *u, uv_loop_t *loop, size_t cap, size_t max, sc_udp_recv_fn *recv,
		void *arg)
{
	memset(u, 0, sizeof(*u));
	u->loop = loop;
	u->cap = cap;
	u->max = max;
	u->recv = recv;
	u->arg = arg;
	u->h = calloc(cap + 1, sizeof(*u->h));
	u->family = calloc(cap + 1, sizeof(*u->family));
	u->buf = malloc(max + 1);
	if (!u->h || !u->family || !u->buf) {
		sc_udp_free(u);
		return -ENOMEM;
	}
	return 0;
}

static void udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct sc_udp *u = h->data;

	(void)suggested;
	*buf = uv_buf_init(u->buf, (unsigned)(u->max + 1));
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

/* The slot of the source whose address hash is h. */
static struct sc_udp_seen *seen_slot(const struct sc_udp *u, uint64_t h)
{
	return &u->seen[h % SC_UDP_SEEN];
}

static void udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *src,
		     unsigned flags)
{
	struct sc_udp *u = h->data;

	if (nread <= 0 || !src || keepalive(buf->base, (size_t)nread))
		return;
	if (u->seen) {
		uint64_t k = sc_net_addr_hash(SC_STR_HASH_INIT, src);
		struct sc_udp_seen *s = seen_slot(u, k);

		s->src = k;
		s->sock = (size_t)(h - u->h);
	}
	u->recv(u->arg, src, buf->base, (size_t)nread,
		(flags & UV_UDP_PARTIAL) || (size_t)nread > u->max);
}

int sc_udp_bind(struct sc_udp *u, const struct sockaddr *sa)
{
	uv_udp_t *h;
	int rc;

	if (u->n >= u->cap)
		return UV_ENOBUFS;
	/* A second socket: answers must leave from the one asked. */
	if (u->n == 1 && !u->seen && !(u->seen = calloc(SC_UDP_SEEN, sizeof(*u->seen))))
		return UV_ENOMEM;
	h = &u->h[u->n];
	uv_udp_init(u->loop, h);
	h->data = u;
	u->family[u->n] = sa->sa_family;
	u->n++;
	rc = uv_udp_bind(h, sa, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(h, udp_alloc, udp_recv);
	return rc;
}

static void udp_sent(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req->data);
}

int sc_udp_send(struct sc_udp *u, const struct sockaddr *dst, const char *buf, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	struct udp_send *s;
	uv_udp_t *h = NULL;
	size_t i;
	int rc;

	if (u->seen) {
		uint64_t k = sc_net_addr_hash(SC_STR_HASH_INIT, dst);
		const struct sc_udp_seen *seen = seen_slot(u, k);

		if (seen->src == k && seen->sock < u->n)
			h = &u->h[seen->sock];
	}
	/* The family of each socket is known from the config: asking the
	 * kernel (getsockname) cost a system call per datagram. */
	for (i = 0; i < u->n && !h; i++)
		if (u->family[i] == dst->sa_family)
			h = &u->h[i];
	if (!h)
		return -EAFNOSUPPORT;
	rc = uv_udp_try_send(h, &b, 1, dst);
	if (rc == (int)len)
		return 0;
	if (rc != UV_EAGAIN && rc < 0)
		return rc;
	s = malloc(sizeof(*s) + len);
	if (!s)
		return -ENOMEM;
	memcpy(s->buf, buf, len);
	s->req.data = s;
	b = uv_buf_init(s->buf, (unsigned)len);
	rc = uv_udp_send(&s->req, h, &b, 1, dst, udp_sent);
	if (rc < 0)
		free(s);
	return rc;
}

void sc_udp_close(struct sc_udp *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (!uv_is_closing((uv_handle_t *)&u->h[i]))
			uv_close((uv_handle_t *)&u->h[i], NULL);
}

void sc_udp_free(struct sc_udp *u)
{
	free(u->h);
	free(u->family);
	free(u->buf);
	free(u->seen);
	u->seen = NULL;
	u->h = NULL;
	u->family = NULL;
	u->buf = NULL;
	u->n = 0;
}
