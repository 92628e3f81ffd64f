/* wolfSSL over libuv: one TLS connection (see conn.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#define LOG_TAG "tls"
#include "../base/log.h"
#include "../../platform/platform.h"
#include "../net/addr.h"
#include "conn_impl.h"
#include "identity.h"

/* How long a closing connection may take to flush its last bytes. */
#define CLOSE_LINGER_MS 2000

/* A uv_write of the bytes uv_try_write could not send at once. */
struct wreq {
	uv_write_t req;
	struct sc_tls_conn *c;
	size_t len;
	char data[];
};

/* One receive buffer and one plaintext buffer for every connection: the
 * loop runs in one thread, and each uv_read is consumed completely before
 * its callback returns, so nothing stays in them between callbacks.  That
 * keeps a connection's own memory to this struct and wolfSSL's state. */
static char rx_buf[IO_BUF];
static char pt_buf[IO_BUF];

static void start_close(struct sc_tls_conn *c, const char *reason);
static void tls_failed(struct sc_tls_conn *c, enum sc_tls_stage stage, int err);

/* ---- wolfSSL I/O callbacks ---- */

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct sc_tls_conn *c = arg;
	size_t n;

	(void)ssl;
	if (c->in_len == 0)
		return c->got_eof ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_WANT_READ;
	n = c->in_len < (size_t)sz ? c->in_len : (size_t)sz;
	memcpy(buf, c->in, n);
	c->in += n;
	c->in_len -= n;
	return (int)n;
}

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct sc_tls_conn *c = w->c;

	c->queued -= w->len;
	free(w);
	if (status < 0 && status != UV_ECANCELED && c->state != ST_CLOSING) {
		c->write_err = status;
		if (c->state == ST_OPEN) {
			char why[96];

			snprintf(why, sizeof(why), "connection lost: %s", uv_strerror(status));
			start_close(c, why);
		} else if (c->state == ST_HANDSHAKE) {
			tls_failed(c, SC_TLS_STAGE_HANDSHAKE, 0);
		}
	}
}

/* Hands wolfSSL's bytes to the socket: at once when nothing is queued and
 * the kernel takes them, else as a uv_write of a copy.  Never WANT_WRITE, so
 * wolfSSL never has to retry a half-written record. */
static int io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct sc_tls_conn *c = arg;
	struct wreq *w;
	uv_buf_t b;
	int n = 0;
	int rc;

	(void)ssl;
	if (!c->tcp_up || c->write_err || sz < 0)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	if (c->queued == 0) {
		b = uv_buf_init(buf, (unsigned)sz);
		n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (n == UV_EAGAIN || n == UV_ENOSYS) {
			n = 0;
		} else if (n < 0) {
			c->write_err = n;
			return WOLFSSL_CBIO_ERR_CONN_CLOSE;
		}
		if (n == sz)
			return sz;
	}
	w = malloc(sizeof(*w) + (size_t)(sz - n));
	if (!w) {
		c->write_err = UV_ENOMEM;
		return WOLFSSL_CBIO_ERR_GENERAL;
	}
	w->c = c;
	w->len = (size_t)(sz - n);
	memcpy(w->data, buf + n, w->len);
	b = uv_buf_init(w->data, (unsigned)w->len);
	rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
	if (rc < 0) {
		free(w);
		c->write_err = rc;
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	}
	c->queued += w->len;
	return sz;
}

/* ---- life cycle ---- */

static void on_handle_closed(uv_handle_t *h)
{
	struct sc_tls_conn *c = h->data;

	if (--c->handles > 0)
		return;
	c->cbs->on_close(c, c->reason[0] ? c->reason : "closed");
	wolfSSL_free(c->ssl); /* wolfSSL wipes the session keys */
	sc_tls_ctx_unref(c->ctx);
	free(c->server_name);
	free(c);
}

static void close_handles(struct sc_tls_conn *c)
{
	if (c->closing_handles)
		return;
	c->closing_handles = true;
	c->tcp_up = false;
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	close_handles(req->data);
}

/* A wolfSSL built with FP_ECC (Debian's is) caches precomputed tables for
 * the points it multiplies: one handshake left 2.5 MB of them, for the
 * next handshake's benefit.  Handshakes are rare here (one per flow, and
 * per provider connection) and memory is not: the cache is dropped once a
 * handshake is done, and the freed heap given back. */
static void release_handshake_memory(void)
{
#ifdef FP_ECC
	wc_ecc_fp_free();
#endif
	sc_platform_trim_memory();
}

static void on_timer(uv_timer_t *t);

static void start_close(struct sc_tls_conn *c, const char *reason)
{
	char who[160];
	bool was_open = c->state == ST_OPEN;

	if (c->state == ST_CLOSING)
		return;
	if (reason && !c->reason[0])
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->state = ST_CLOSING;
	if (!c->failed && was_open)
		log_info("%s %s closed: %s", c->server ? "from" : "to", sc_tls_peer_label(c, who, sizeof(who)),
			 c->reason[0] ? c->reason : "closed");
	else
		log_warn("%s %s failed: %s", c->server ? "from" : "to", sc_tls_peer_label(c, who, sizeof(who)),
			 c->reason[0] ? c->reason : "closed");
	if (!c->tcp_up) {
		close_handles(c);
		return;
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (was_open && !c->write_err)
		wolfSSL_shutdown(c->ssl); /* close_notify, through io_send */
	/* Let queued bytes (the close_notify, or the alert of a failed
	 * handshake, which tells the peer why) reach the peer first, for a
	 * bounded time. */
	c->shutdown.data = c;
	if (c->write_err || uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
		close_handles(c);
		return;
	}
	uv_timer_start(&c->timer, on_timer, CLOSE_LINGER_MS, 0);
}

/* Ends a connection that did not make it: the reason is the diagnosis. */
static void fail(struct sc_tls_conn *c, int status)
{
	char msg[256];

	if (c->state == ST_CLOSING)
		return;
	sc_tls_conn_explain(c, &c->facts, msg, sizeof(msg));
	snprintf(c->reason, sizeof(c->reason), "%s: %s",
		 sc_tls_diag_name(sc_tls_diag_classify(&c->facts)), msg);
	c->failed = true;
	if (!c->open_told) {
		c->open_told = true;
		c->cbs->on_open(c, status);
	}
	start_close(c, NULL);
}

static void note_alerts(struct sc_tls_conn *c)
{
	WOLFSSL_ALERT_HISTORY h;

	memset(&h, 0, sizeof(h));
	if (wolfSSL_get_alert_history(c->ssl, &h) != WOLFSSL_SUCCESS)
		return;
	if (h.last_rx.code >= 0)
		c->facts.alert_rx = h.last_rx.code;
	if (h.last_tx.code >= 0)
		c->facts.alert_tx = h.last_tx.code;
}

static void tls_failed(struct sc_tls_conn *c, enum sc_tls_stage stage, int err)
{
	struct sc_tls_facts *f = &c->facts;
	int n = sc_tls_conn_peer_count(c);

	f->stage = stage;
	f->tls_err = err;
	if (n > 0 && f->peer_certs == 0)
		f->peer_certs = (unsigned char)(n > 255 ? 255 : n);
	note_alerts(c);
	if (c->write_err)
		snprintf(f->detail, sizeof(f->detail), "%s", uv_strerror(c->write_err));
	else if (c->got_eof && f->alert_rx < 0)
		snprintf(f->detail, sizeof(f->detail), "the peer closed the connection");
	else
		wolfSSL_ERR_error_string_n((unsigned long)err, f->detail, sizeof(f->detail));
	fail(c, -EPROTO);
}

static void tcp_failed(struct sc_tls_conn *c, int err)
{
	c->facts.stage = SC_TLS_STAGE_TCP;
	c->facts.sys_err = err;
	snprintf(c->facts.detail, sizeof(c->facts.detail), "%s", uv_strerror(err));
	fail(c, err);
}

static void handshake(struct sc_tls_conn *c)
{
	char who[160], sub[128], iss[128];
	int rc, err;

	rc = c->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
	if (rc != WOLFSSL_SUCCESS) {
		err = wolfSSL_get_error(c->ssl, rc);
		if ((err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) &&
		    !c->write_err)
			return;
		tls_failed(c, SC_TLS_STAGE_HANDSHAKE, err);
		return;
	}
	if (!sc_tls_peer_settle(c)) {
		c->facts.rejected = true;
		c->facts.stage = SC_TLS_STAGE_HANDSHAKE;
		fail(c, -EPROTO);
		return;
	}
	c->opened = true;
	c->state = ST_OPEN;
	uv_timer_stop(&c->timer);
	release_handshake_memory();
	sc_tls_conn_peer_names(c, sub, sizeof(sub), iss, sizeof(iss));
	if (sc_tls_conn_peer_count(c) > 0)
		log_info("%s %s: %s %s, peer %s issued by %s, verified %s",
			 c->server ? "from" : "to", sc_tls_peer_label(c, who, sizeof(who)),
			 sc_tls_conn_version(c), sc_tls_conn_cipher(c), sub, iss,
			 sc_tls_conn_verified(c) ? "yes" : "no");
	else
		log_info("%s %s: %s %s, no peer certificate, verified no",
			 c->server ? "from" : "to", sc_tls_peer_label(c, who, sizeof(who)),
			 sc_tls_conn_version(c), sc_tls_conn_cipher(c));
	c->open_told = true;
	c->cbs->on_open(c, 0);
}

static void read_app(struct sc_tls_conn *c)
{
	int n, err;

	while (c->state == ST_OPEN) {
		n = wolfSSL_read(c->ssl, pt_buf, (int)sizeof(pt_buf));
		if (n > 0) {
			c->cbs->on_data(c, pt_buf, (size_t)n);
			/* wolfSSL reads a record at a time (no read-ahead), so
			 * with nothing left of ours and nothing decrypted it
			 * could only answer "want read": a call that Debian's
			 * build pays for with an error-queue entry (a
			 * formatted string and an allocation) per read. */
			if (c->in_len == 0 && !c->got_eof && wolfSSL_pending(c->ssl) <= 0)
				return;
			continue;
		}
		err = wolfSSL_get_error(c->ssl, n);
		if ((err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) &&
		    !c->got_eof && !c->write_err)
			return;
		if (err == WOLFSSL_ERROR_ZERO_RETURN) {
			start_close(c, "closed by peer");
			return;
		}
		if (c->got_eof && c->facts.alert_rx < 0) {
			note_alerts(c);
			if (c->facts.alert_rx < 0) {
				start_close(c, "closed by peer (without close_notify)");
				return;
			}
		}
		tls_failed(c, SC_TLS_STAGE_OPEN, err);
		return;
	}
}

/* Feeds what is in c->in to wolfSSL until it wants more. */
static void pump(struct sc_tls_conn *c)
{
	if (c->state == ST_HANDSHAKE)
		handshake(c);
	if (c->state == ST_OPEN)
		read_app(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = rx_buf;
	buf->len = sizeof(rx_buf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct sc_tls_conn *c = s->data;

	if (c->state == ST_CLOSING || n == 0)
		return;
	if (n < 0) {
		/* End of stream or a reset: let wolfSSL see it (its read
		 * callback now says "closed"), so that an alert it already has
		 * is reported and a cut-off handshake fails as one. */
		c->got_eof = true;
		uv_read_stop(s);
		if (n != UV_EOF && !c->write_err)
			c->write_err = (int)n;
		pump(c);
		if (c->state == ST_HANDSHAKE)
			tls_failed(c, SC_TLS_STAGE_HANDSHAKE, 0);
		else if (c->state == ST_OPEN)
			start_close(c, "closed by peer");
		return;
	}
	c->in = buf->base;
	c->in_len = (size_t)n;
	pump(c);
	c->in = NULL;
	c->in_len = 0;
}

static void begin(struct sc_tls_conn *c)
{
	int rc;

	c->state = ST_HANDSHAKE;
	rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc < 0) {
		tcp_failed(c, rc);
		return;
	}
	if (!c->server)
		handshake(c); /* sends the ClientHello */
}

static void on_connect(uv_connect_t *req, int status)
{
	struct sc_tls_conn *c = req->data;

	if (status == UV_ECANCELED || c->state == ST_CLOSING)
		return;
	if (status < 0) {
		tcp_failed(c, status);
		return;
	}
	c->tcp_up = true;
	begin(c);
}

static void on_timer(uv_timer_t *t)
{
	struct sc_tls_conn *c = t->data;

	switch (c->state) {
	case ST_CLOSING:
		close_handles(c); /* the peer did not take our last bytes in time */
		break;
	case ST_CONNECTING:
		if (c->deferred) {
			tcp_failed(c, c->deferred);
			break;
		}
		c->facts.stage = SC_TLS_STAGE_TCP;
		c->facts.sys_err = -ETIMEDOUT;
		snprintf(c->facts.detail, sizeof(c->facts.detail), "no answer within %u s",
			 c->ctx->handshake_timeout);
		fail(c, -ETIMEDOUT);
		break;
	case ST_HANDSHAKE:
		c->facts.stage = SC_TLS_STAGE_HANDSHAKE;
		c->facts.timeout = true;
		note_alerts(c);
		snprintf(c->facts.detail, sizeof(c->facts.detail), "handshake timeout");
		fail(c, -ETIMEDOUT);
		break;
	case ST_OPEN:
		break;
	}
}

/* "192.0.2.1 port 5061", "[2001:db8::1] port 5061" (conn.h). */
static void peer_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 2];

	if (sc_net_host_text(sa, a, sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s port %u", a, (unsigned)sc_net_addr_port(sa));
}

static struct sc_tls_conn *conn_new(uv_loop_t *loop, struct sc_tls_ctx *ctx, bool server,
				    const struct sc_tls_conn_cbs *cbs, void *data, int *rc)
{
	struct sc_tls_conn *c = calloc(1, sizeof(*c));

	*rc = -ENOMEM;
	if (!c)
		return NULL;
	c->ssl = wolfSSL_new(ctx->wolf);
	if (!c->ssl)
		goto fail;
	*rc = uv_tcp_init(loop, &c->tcp);
	if (*rc < 0)
		goto fail;
	/* SIP messages are small and each one is a unit: Nagle's algorithm
	 * would hold a 180 behind the peer's delayed ACK of a 100. */
	uv_tcp_nodelay(&c->tcp, 1);
	uv_timer_init(loop, &c->timer);
	c->handles = 2;
	c->tcp.data = c;
	c->timer.data = c;
	c->ctx = sc_tls_ctx_ref(ctx);
	c->cbs = cbs;
	c->data = data;
	c->server = server;
	c->state = ST_CONNECTING;
	snprintf(c->peer, sizeof(c->peer), "?");
	sc_tls_diag_facts_init(&c->facts);
	c->facts.server = server;
	wolfSSL_SSLSetIORecv(c->ssl, io_recv);
	wolfSSL_SSLSetIOSend(c->ssl, io_send);
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	wolfSSL_set_app_data(c->ssl, c);
	wolfSSL_set_verify(c->ssl, ctx->verify_mode, sc_tls_peer_on_verify);
	*rc = 0;
	return c;
fail:
	if (c->ssl)
		wolfSSL_free(c->ssl);
	free(c);
	return NULL;
}

/* Data unacknowledged for ms ends the connection (B14): the socket exists
 * once uv_tcp_connect has been called. */
static int user_timeout(struct sc_tls_conn *c, unsigned ms)
{
	uv_os_fd_t fd;
	int rc = uv_fileno((const uv_handle_t *)&c->tcp, &fd);

	return rc < 0 ? rc : sc_platform_tcp_user_timeout(fd, ms);
}

int sc_tls_conn_client(uv_loop_t *loop, struct sc_tls_ctx *ctx, const char *server_name,
		       const struct sockaddr *addr, const struct sc_tls_conn_cbs *cbs, void *data,
		       struct sc_tls_conn **out)
{
	struct sc_tls_conn *c;
	unsigned char ip[16];
	size_t n;
	int rc;

	*out = NULL;
	if (!server_name || !*server_name || ctx->server)
		return -EINVAL;
	c = conn_new(loop, ctx, false, cbs, data, &rc);
	if (!c)
		return rc;
	c->server_name = strdup(server_name);
	c->facts.sent_cert = ctx->has_cert;
	peer_text(addr, c->peer, sizeof(c->peer));
	/* Our hook for "the server asked for a certificate we do not have". */
	if (!ctx->has_cert)
		wolfSSL_CTX_set_client_cert_cb(ctx->wolf, sc_tls_peer_on_cert_request);
	/* RFC 6066: SNI carries host names only, never an address; and
	 * without its trailing dot. */
	n = strlen(server_name);
	if (n > 1 && server_name[n - 1] == '.')
		n--;
	if (!c->server_name ||
	    (!sc_net_ip_parse(server_name, ip) &&
	     wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, server_name, (unsigned short)n) !=
		     WOLFSSL_SUCCESS)) {
		c->deferred = -ENOMEM;
	} else {
		c->connect.data = c;
		rc = uv_tcp_connect(&c->connect, &c->tcp, addr, on_connect);
		if (rc < 0)
			c->deferred = rc;
		else if (ctx->tcp_user_timeout)
			(void)user_timeout(c, ctx->tcp_user_timeout);
	}
	/* A connect that fails at once is reported from the timer like any
	 * other, so that no callback runs before the caller has *out. */
	uv_timer_start(&c->timer, on_timer,
		       c->deferred ? 0 : (uint64_t)ctx->handshake_timeout * 1000, 0);
	*out = c;
	return 0;
}

int sc_tls_conn_server(uv_loop_t *loop, struct sc_tls_ctx *ctx, uv_stream_t *listener,
		       const struct sc_tls_conn_cbs *cbs, void *data, struct sc_tls_conn **out)
{
	struct sc_tls_conn *c;
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	int rc;

	*out = NULL;
	if (!ctx->server)
		return -EINVAL;
	c = conn_new(loop, ctx, true, cbs, data, &rc);
	if (!c)
		return rc;
	rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
	if (rc == 0)
		uv_tcp_nodelay(&c->tcp, 1);
	if (rc < 0) {
		c->deferred = rc;
		uv_timer_start(&c->timer, on_timer, 0, 0);
	} else {
		c->tcp_up = true;
		if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
			peer_text((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		uv_timer_start(&c->timer, on_timer, (uint64_t)ctx->handshake_timeout * 1000, 0);
		begin(c);
	}
	*out = c;
	return 0;
}

int sc_tls_conn_write(struct sc_tls_conn *c, const char *buf, size_t len)
{
	int n;

	if (c->state != ST_OPEN)
		return -ENOTCONN;
	while (len > 0) {
		n = wolfSSL_write(c->ssl, buf, len > IO_BUF ? IO_BUF : (int)len);
		if (n <= 0 || c->write_err) {
			tls_failed(c, SC_TLS_STAGE_OPEN, wolfSSL_get_error(c->ssl, n));
			return -EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

void sc_tls_conn_close(struct sc_tls_conn *c, const char *reason)
{
	start_close(c, reason ? reason : "closed");
}

void sc_tls_conn_abort(struct sc_tls_conn *c, const char *reason)
{
	/* As after a failed write: no close_notify, no lingering for a peer
	 * that does not answer. */
	if (!c->write_err)
		c->write_err = UV_ETIMEDOUT;
	start_close(c, reason ? reason : "aborted");
}

void *sc_tls_conn_data(const struct sc_tls_conn *c)
{
	return c->data;
}

const char *sc_tls_conn_peer(const struct sc_tls_conn *c)
{
	return c->peer;
}

int sc_tls_conn_peer_addr(const struct sc_tls_conn *c, struct sockaddr_storage *ss)
{
	int len = sizeof(*ss);

	return c->tcp_up ? uv_tcp_getpeername(&c->tcp, (struct sockaddr *)ss, &len) : UV_ENOTCONN;
}

int sc_tls_conn_local(const struct sc_tls_conn *c, struct sockaddr_storage *ss)
{
	int len = sizeof(*ss);

	if (!c->tcp_up)
		return -ENOTCONN;
	return uv_tcp_getsockname(&c->tcp, (struct sockaddr *)ss, &len);
}

