/* wolfSSL over libuv: one TLS connection (see conn.h). */
#include <arpa/inet.h>
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
#include "conn.h"
#include "identity.h"

/* A TLS record carries at most 16 KiB of plaintext. */
#define IO_BUF 16384
/* How long a closing connection may take to flush its last bytes. */
#define CLOSE_LINGER_MS 2000

enum state {
	ST_CONNECTING,
	ST_HANDSHAKE,
	ST_OPEN,
	ST_CLOSING,
};

/* A uv_write of the bytes uv_try_write could not send at once. */
struct wreq {
	uv_write_t req;
	struct sc_tls_conn *c;
	size_t len;
	char data[];
};

struct sc_tls_conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* handshake timeout, then close linger */
	uv_connect_t connect;
	uv_shutdown_t shutdown;
	WOLFSSL *ssl;
	struct sc_tls_ctx *ctx;
	const struct sc_tls_conn_cbs *cbs;
	void *data;
	char *server_name; /* client: SNI and the identity to check */
	const char *in;    /* bytes of the current uv_read not yet given to wolfSSL */
	size_t in_len;
	size_t queued;     /* bytes in uv_write requests */
	int write_err;     /* a write error the send callback saw */
	int deferred;      /* a connect/accept error to report from the timer */
	enum state state;
	unsigned handles;  /* libuv handles not yet closed */
	bool server;
	bool tcp_up;       /* the TCP connection exists and its handle is not closing */
	bool closing_handles;
	bool open_told;    /* on_open was called */
	bool opened;       /* the handshake finished */
	bool got_eof;
	bool failed;       /* the reason is a diagnosis */
	bool leaf_seen;    /* the peer's own certificate was examined */
	bool chain_ok;
	bool identity_ok;
	struct sc_tls_facts facts;
	char peer[64];
	char reason[320];
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

/* ---- verification ---- */

static int chain_count(WOLFSSL *ssl)
{
	WOLFSSL_X509_CHAIN *ch = wolfSSL_get_peer_chain(ssl);

	return ch ? wolfSSL_get_chain_count(ch) : 0;
}

static void oneline(WOLFSSL_X509_NAME *n, char *buf, size_t len)
{
	if (!n || !wolfSSL_X509_NAME_oneline(n, buf, (int)len))
		snprintf(buf, len, "?");
}

/* Remembers which certificate the first problem is about, and its date
 * when the problem is a date. */
static void note_problem(struct sc_tls_conn *c, WOLFSSL_X509 *x, int err, int depth)
{
	struct sc_tls_facts *f = &c->facts;
	enum sc_tls_diag d;

	f->verify_err = err ? err : -1;
	f->verify_depth = depth;
	if (!x)
		return;
	oneline(wolfSSL_X509_get_subject_name(x), f->subject, sizeof(f->subject));
	oneline(wolfSSL_X509_get_issuer_name(x), f->issuer, sizeof(f->issuer));
	d = sc_tls_diag_verify_class(err, depth, 0, false);
	if (d == SC_TLS_DIAG_EXPIRED)
		sc_tls_diag_time(wolfSSL_X509_get_notAfter(x), f->date, sizeof(f->date));
	else if (d == SC_TLS_DIAG_NOT_YET_VALID)
		sc_tls_diag_time(wolfSSL_X509_get_notBefore(x), f->date, sizeof(f->date));
}

/* The checks on the peer's own certificate: chain result so far, identity. */
static void check_leaf(struct sc_tls_conn *c, WOLFSSL_X509 *x)
{
	struct sc_tls_facts *f = &c->facts;
	int n = chain_count(c->ssl);

	c->leaf_seen = true;
	if (n > 0)
		f->peer_certs = (unsigned char)(n > 255 ? 255 : n);
	/* wolfSSL reports an untrusted chain at the leaf, whatever its
	 * length; the useful certificate to name is the last one the peer
	 * sent, whose issuer is the CA that is missing here. */
	if (f->verify_err && f->verify_depth == 0 && n > 1 &&
	    sc_tls_diag_verify_class(f->verify_err, 0, (unsigned)n, false) ==
		    SC_TLS_DIAG_UNKNOWN_CA) {
		WOLFSSL_X509 *top = sc_tls_conn_peer_cert(c, n - 1);

		if (top) {
			note_problem(c, top, f->verify_err, n - 1);
			wolfSSL_X509_free(top);
		}
	}
	f->leaf_self_issued = x && wolfSSL_X509_NAME_cmp(wolfSSL_X509_get_subject_name(x),
							 wolfSSL_X509_get_issuer_name(x)) == 0;
	c->chain_ok = f->verify_err == 0;
	if (c->server)
		return;
	c->identity_ok = x && sc_tls_identity_check(x, c->server_name) == 0;
	f->name_mismatch = !c->identity_ok;
	if (x)
		sc_tls_identity_names(x, f->names, sizeof(f->names));
}

/* wolfSSL calls this for every certificate of the peer's chain, the
 * peer's own (depth 0) last.  Problems are only recorded on the way, and
 * the verdict is given at depth 0, so that a log or the probe can say both
 * what is wrong with the chain and whether the name matches. */
static int on_verify(int ok, WOLFSSL_X509_STORE_CTX *st)
{
	WOLFSSL *ssl = wolfSSL_X509_STORE_CTX_get_ex_data(st, wolfSSL_get_ex_data_X509_STORE_CTX_idx());
	struct sc_tls_conn *c = ssl ? wolfSSL_get_app_data(ssl) : NULL;
	WOLFSSL_X509 *x = wolfSSL_X509_STORE_CTX_get_current_cert(st);
	int depth = wolfSSL_X509_STORE_CTX_get_error_depth(st);

	if (!c)
		return ok;
	if (!ok && c->facts.verify_err == 0)
		note_problem(c, x, wolfSSL_X509_STORE_CTX_get_error(st), depth);
	if (depth > 0)
		return 1;
	check_leaf(c, x);
	if (!c->ctx->verify || (c->chain_ok && (c->server || c->identity_ok)))
		return 1;
	c->facts.rejected = true;
	return 0;
}

/* Called by wolfSSL when a server asks for a client certificate and none
 * is loaded: remember it (the diagnosis needs it), and send none. */
static int on_cert_request(WOLFSSL *ssl, WOLFSSL_X509 **x509, WOLFSSL_EVP_PKEY **pkey)
{
	struct sc_tls_conn *c = wolfSSL_get_app_data(ssl);

	(void)x509;
	(void)pkey;
	if (c)
		c->facts.cert_requested = true;
	return 0;
}

/* Completes the results once the handshake is done (a wolfSSL built
 * without WOLFSSL_ALWAYS_VERIFY_CB calls on_verify only on errors).
 * Returns false when the peer must be refused. */
static bool settle_verify(struct sc_tls_conn *c)
{
	WOLFSSL_X509 *x;

	if (!c->leaf_seen && (x = sc_tls_conn_peer_cert(c, 0)) != NULL) {
		check_leaf(c, x);
		wolfSSL_X509_free(x);
	}
	if (!c->ctx->verify)
		return true;
	if (c->server)
		return !c->leaf_seen || c->chain_ok;
	return c->leaf_seen && c->chain_ok && c->identity_ok;
}

/* ---- life cycle ---- */

static const char *label(const struct sc_tls_conn *c, char *buf, size_t len)
{
	if (c->server_name && !sc_tls_identity_parse_ip(c->server_name, (unsigned char[16]){ 0 }))
		snprintf(buf, len, "%s (%s)", c->server_name, c->peer);
	else
		snprintf(buf, len, "%s", c->peer);
	return buf;
}

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
		log_info("%s %s closed: %s", c->server ? "from" : "to", label(c, who, sizeof(who)),
			 c->reason[0] ? c->reason : "closed");
	else
		log_warn("%s %s failed: %s", c->server ? "from" : "to", label(c, who, sizeof(who)),
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
	int n = chain_count(c->ssl);

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
	if (!settle_verify(c)) {
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
			 c->server ? "from" : "to", label(c, who, sizeof(who)),
			 sc_tls_conn_version(c), sc_tls_conn_cipher(c), sub, iss,
			 sc_tls_conn_verified(c) ? "yes" : "no");
	else
		log_info("%s %s: %s %s, no peer certificate, verified no",
			 c->server ? "from" : "to", label(c, who, sizeof(who)),
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

static void format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s port %u", a, port);
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
	wolfSSL_set_verify(c->ssl, ctx->verify_mode, on_verify);
	*rc = 0;
	return c;
fail:
	if (c->ssl)
		wolfSSL_free(c->ssl);
	free(c);
	return NULL;
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
	format_addr(addr, c->peer, sizeof(c->peer));
	/* Our hook for "the server asked for a certificate we do not have". */
	if (!ctx->has_cert)
		wolfSSL_CTX_set_client_cert_cb(ctx->wolf, on_cert_request);
	/* RFC 6066: SNI carries host names only, never an address; and
	 * without its trailing dot. */
	n = strlen(server_name);
	if (n > 1 && server_name[n - 1] == '.')
		n--;
	if (!c->server_name ||
	    (!sc_tls_identity_parse_ip(server_name, ip) &&
	     wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, server_name, (unsigned short)n) !=
		     WOLFSSL_SUCCESS)) {
		c->deferred = -ENOMEM;
	} else {
		c->connect.data = c;
		rc = uv_tcp_connect(&c->connect, &c->tcp, addr, on_connect);
		if (rc < 0)
			c->deferred = rc;
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
			format_addr((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
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

size_t sc_tls_conn_queued(const struct sc_tls_conn *c)
{
	return c->queued;
}

void sc_tls_conn_close(struct sc_tls_conn *c, const char *reason)
{
	start_close(c, reason ? reason : "closed");
}

void *sc_tls_conn_data(const struct sc_tls_conn *c)
{
	return c->data;
}

const char *sc_tls_conn_peer(const struct sc_tls_conn *c)
{
	return c->peer;
}

int sc_tls_conn_local(const struct sc_tls_conn *c, struct sockaddr_storage *ss)
{
	int len = sizeof(*ss);

	if (!c->tcp_up)
		return -ENOTCONN;
	return uv_tcp_getsockname(&c->tcp, (struct sockaddr *)ss, &len);
}

const char *sc_tls_conn_version(const struct sc_tls_conn *c)
{
	return c->opened ? wolfSSL_get_version(c->ssl) : NULL;
}

const char *sc_tls_conn_cipher(const struct sc_tls_conn *c)
{
	return c->opened ? wolfSSL_get_cipher_name(c->ssl) : NULL;
}

void sc_tls_conn_peer_names(const struct sc_tls_conn *c, char *subject, size_t slen,
			    char *issuer, size_t ilen)
{
	WOLFSSL_X509 *x = sc_tls_conn_peer_cert(c, 0);

	snprintf(subject, slen, "-");
	snprintf(issuer, ilen, "-");
	if (!x)
		return;
	oneline(wolfSSL_X509_get_subject_name(x), subject, slen);
	oneline(wolfSSL_X509_get_issuer_name(x), issuer, ilen);
	wolfSSL_X509_free(x);
}

bool sc_tls_conn_checked(const struct sc_tls_conn *c)
{
	return c->leaf_seen;
}

bool sc_tls_conn_chain_ok(const struct sc_tls_conn *c)
{
	return c->leaf_seen && c->chain_ok;
}

bool sc_tls_conn_identity_ok(const struct sc_tls_conn *c)
{
	return !c->server && c->leaf_seen && c->identity_ok;
}

bool sc_tls_conn_verified(const struct sc_tls_conn *c)
{
	return sc_tls_conn_chain_ok(c) && (c->server || c->identity_ok);
}

int sc_tls_conn_peer_count(const struct sc_tls_conn *c)
{
	return chain_count(c->ssl);
}

WOLFSSL_X509 *sc_tls_conn_peer_cert(const struct sc_tls_conn *c, int i)
{
	WOLFSSL_X509_CHAIN *ch = wolfSSL_get_peer_chain(c->ssl);

	if (!ch || i < 0 || i >= wolfSSL_get_chain_count(ch))
		return NULL;
	return wolfSSL_get_chain_X509(ch, i);
}

const struct sc_tls_facts *sc_tls_conn_facts(const struct sc_tls_conn *c)
{
	return &c->facts;
}

void sc_tls_conn_explain(const struct sc_tls_conn *c, const struct sc_tls_facts *f, char *buf,
			 size_t len)
{
	struct sc_tls_diag_where w;
	char who[160];

	w.peer = label(c, who, sizeof(who));
	w.expected = c->server_name;
	w.ca_file = c->ctx->ca_file;
	w.timeout = c->ctx->handshake_timeout;
	sc_tls_diag_message(f, &w, buf, len);
}

bool sc_tls_conn_cert_requested(const struct sc_tls_conn *c)
{
	return c->facts.cert_requested;
}
