/* One TLS connection: wolfSSL over a libuv TCP handle.
 *
 * wolfSSL never touches the socket.  Its I/O callbacks read from the bytes
 * the last uv_read delivered (WANT_READ when they are used up) and hand what
 * it writes to uv_try_write, queueing the rest as uv_write requests.  The
 * rest of the daemon sees a stream of decrypted bytes and the verification
 * result.
 *
 * Life cycle.  sc_tls_conn_client / sc_tls_conn_server return 0 and a
 * connection that will call
 *   on_open(conn, status)  once: 0 after a handshake that passed (and, with
 *                          verification on, whose peer verified), or a
 *                          negative errno (-ECONNREFUSED, -ETIMEDOUT,
 *                          -EPROTO, ...; sc_tls_conn_facts says more); not
 *                          called if the owner closes the connection first;
 *   on_data(conn, buf, len) for decrypted bytes (buf is valid only during
 *                          the call);
 *   on_close(conn, reason) exactly once, last; the connection is freed when
 *                          it returns.
 * All callbacks may call sc_tls_conn_close.  The handshake timer (the
 * context's handshake_timeout) covers the TCP connect and the handshake and
 * fails the connection with "timeout".
 *
 * Identity (SPEC B2): a client connection checks the server's certificate
 * against server_name with the rules of identity.h, in wolfSSL's verify
 * callback, so that a mismatch fails the handshake with a proper alert.
 * "Verified" means chain AND identity.
 */
#ifndef SC_TLS_CONN_H
#define SC_TLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <uv.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "ctx.h"
#include "diag.h"

struct sc_tls_conn;

struct sc_tls_conn_cbs {
	void (*on_open)(struct sc_tls_conn *c, int status);
	void (*on_data)(struct sc_tls_conn *c, const char *buf, size_t len);
	void (*on_close)(struct sc_tls_conn *c, const char *reason);
};

/* Connects to addr and runs a client handshake with ctx.  server_name is
 * both the SNI sent (not sent for an IP literal, RFC 6066) and the identity
 * the certificate must carry.  cbs must outlive the connection; data is the
 * owner's pointer (sc_tls_conn_data).  Returns 0 (the result comes through
 * on_open, even for a connect that fails at once) or a negative errno with
 * nothing allocated. */
int sc_tls_conn_client(uv_loop_t *loop, struct sc_tls_ctx *ctx, const char *server_name,
		       const struct sockaddr *addr, const struct sc_tls_conn_cbs *cbs, void *data,
		       struct sc_tls_conn **out);

/* Accepts a connection from a listening TCP handle (call it from the
 * listener's connection callback) and runs a server handshake with ctx.
 * Returns 0 or a negative errno, as sc_tls_conn_client. */
int sc_tls_conn_server(uv_loop_t *loop, struct sc_tls_ctx *ctx, uv_stream_t *listener,
		       const struct sc_tls_conn_cbs *cbs, void *data, struct sc_tls_conn **out);

/* Encrypts and sends len bytes.  Returns 0, -ENOTCONN before on_open(0) or
 * after a close, or -EIO when the connection failed (it is then closing,
 * and on_close follows). */
int sc_tls_conn_write(struct sc_tls_conn *c, const char *buf, size_t len);

/* Closes: a close_notify after a finished handshake, pending writes
 * flushed (for at most 2 s), then on_close(reason).  Safe to call more than
 * once (the first reason wins) and from any callback. */
void sc_tls_conn_close(struct sc_tls_conn *c, const char *reason);
/* Closes at once, without close_notify and without waiting for pending
 * writes: for a peer that no longer answers (B14).  on_close(reason)
 * follows. */
void sc_tls_conn_abort(struct sc_tls_conn *c, const char *reason);

void *sc_tls_conn_data(const struct sc_tls_conn *c);

/* The peer's address for log lines: "192.0.2.1 port 5061", or
 * "[2001:db8::1] port 5061" for IPv6 (the address in brackets, as
 * net/addr.h writes it); "?" when it is not known. */
const char *sc_tls_conn_peer(const struct sc_tls_conn *c);

/* The peer's address (which upstream a connection to wan.listen is).
 * Returns 0 or a negative errno. */
int sc_tls_conn_peer_addr(const struct sc_tls_conn *c, struct sockaddr_storage *ss);

/* The local address of the TCP connection (for a Via sent-by).  Returns 0
 * or a negative errno. */
int sc_tls_conn_local(const struct sc_tls_conn *c, struct sockaddr_storage *ss);

/* After on_open(0): "TLSv1.3", "TLS13-AES128-GCM-SHA256" (NULL before). */
const char *sc_tls_conn_version(const struct sc_tls_conn *c);
const char *sc_tls_conn_cipher(const struct sc_tls_conn *c);

/* The peer's certificate subject and issuer, one line each ("/CN=..."),
 * "-" when it sent none. */
void sc_tls_conn_peer_names(const struct sc_tls_conn *c, char *subject, size_t slen,
			    char *issuer, size_t ilen);

/* Verification results.  chain_ok: the peer's chain leads to a trusted CA
 * and every certificate is valid now; identity_ok: the certificate is for
 * server_name (always false for a server connection, which has no name to
 * check); verified: chain_ok and, for a client, identity_ok; for a server,
 * it means the client sent a certificate that verified. */
bool sc_tls_conn_checked(const struct sc_tls_conn *c); /* the peer's certificate was examined */
bool sc_tls_conn_chain_ok(const struct sc_tls_conn *c);
bool sc_tls_conn_identity_ok(const struct sc_tls_conn *c);
bool sc_tls_conn_verified(const struct sc_tls_conn *c);

/* The chain the peer sent, leaf first, also after a failed handshake (as
 * far as the peer got).  sc_tls_conn_peer_cert returns a copy the caller
 * frees with wolfSSL_X509_free, or NULL. */
int sc_tls_conn_peer_count(const struct sc_tls_conn *c);
WOLFSSL_X509 *sc_tls_conn_peer_cert(const struct sc_tls_conn *c, int i);

/* What was seen, for sc_tls_diag_*: verification problems are recorded
 * even when verification is off (facts->rejected says whether they made
 * the connection fail). */
const struct sc_tls_facts *sc_tls_conn_facts(const struct sc_tls_conn *c);

/* The words for a diagnosis of this connection (sc_tls_diag_message with
 * the connection's peer, expected name, CA list and timeout). */
void sc_tls_conn_explain(const struct sc_tls_conn *c, const struct sc_tls_facts *f, char *buf,
			 size_t len);

/* Did the peer ask for a client certificate we do not have?  (In TLS 1.3
 * its verdict on that comes only after on_open.) */
bool sc_tls_conn_cert_requested(const struct sc_tls_conn *c);

#endif
