/* The inside of one TLS connection, shared by conn.c (its life: I/O,
 * handshake, reads, writes, close) and peer.c (what it learnt of the peer:
 * verification, certificates, the facts behind a diagnosis).  Private to
 * sidecar/tls/: nothing outside includes it. */
#ifndef SC_TLS_CONN_IMPL_H
#define SC_TLS_CONN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "conn.h"
#include "ctx.h"
#include "diag.h"

/* A TLS record carries at most 16 KiB of plaintext. */
#define IO_BUF 16384
enum state {
	ST_CONNECTING,
	ST_HANDSHAKE,
	ST_OPEN,
	ST_CLOSING,
};

/* Read-only outside conn.c, but for the verification results peer.c keeps. */
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

/* ---- peer.c ---- */

/* wolfSSL's verify callback: records the chain's first problem on the way,
 * and gives the verdict (chain and identity) at the peer's own certificate. */
int sc_tls_peer_on_verify(int ok, WOLFSSL_X509_STORE_CTX *st);

/* wolfSSL's callback when a server asks for a client certificate and we
 * have none: noted for the diagnosis, none sent. */
int sc_tls_peer_on_cert_request(WOLFSSL *ssl, WOLFSSL_X509 **x509, WOLFSSL_EVP_PKEY **pkey);

/* Completes the verification results after the handshake; false when the
 * peer must be refused. */
bool sc_tls_peer_settle(struct sc_tls_conn *c);

/* "name (peer)" or "peer", for log lines and diagnoses. */
const char *sc_tls_peer_label(const struct sc_tls_conn *c, char *buf, size_t len);

#endif
