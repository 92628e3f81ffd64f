/* TLS contexts: the wolfSSL side of an upstream (client) or of the wan
 * listener (server), built once from plain options.  The TLS code reads no
 * configuration: relay/tlsconf.c turns an upstream or the wan section into
 * these options.
 *
 * A context is reference-counted.  Every connection holds a reference for
 * its whole life, so a reload (SIGHUP, SPEC B11) can build new contexts,
 * swap them in and drop its own reference to the old ones: an old context
 * is freed when its last connection closes, and established connections
 * never notice.  wolfSSL wipes the private keys when it frees a context.
 */
#ifndef SC_TLS_CTX_H
#define SC_TLS_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

/* What a client context is built from.  Strings are only read during the
 * call; NULL means none. */
struct sc_tls_client_opts {
	const char *ca_file;     /* the trusted CA list; needed when verify is set */
	bool verify;             /* the server's certificate and identity must verify */
	int min_version;         /* 13 for TLS 1.3, anything else TLS 1.2 */
	const char *ciphers;     /* NULL: our default suites */
	const char *certificate; /* optional client certificate chain (mutual TLS) */
	const char *private_key; /* needed with certificate */
	unsigned handshake_timeout; /* seconds, more than 0 */
	unsigned tcp_user_timeout; /* ms: unacknowledged data this long ends the
				    * connection (TCP_USER_TIMEOUT, where the
				    * system has it); 0: the system's default */
};

/* One more certificate of a server context, chosen by the SNI a client
 * sends. */
struct sc_tls_sni_opts {
	const char *name;        /* a DNS name, possibly a wildcard */
	const char *certificate;
	const char *private_key;
};

/* What a server context is built from. */
struct sc_tls_server_opts {
	const char *certificate; /* the default certificate chain */
	const char *private_key;
	const char *ca_file;     /* CA list for client certificates; NULL: none */
	bool verify_client;      /* a client certificate, when sent, must verify */
	bool require_client_certificate; /* with verify_client: one must be sent */
	unsigned handshake_timeout; /* seconds, more than 0 */
	const struct sc_tls_sni_opts *sni;
	size_t nsni;
};

struct sc_tls_ctx_sni;

/* Read-only for everyone but ctx.c. */
struct sc_tls_ctx {
	WOLFSSL_CTX *wolf;
	unsigned refs;
	bool server;
	bool verify;      /* client: the server's certificate and identity must verify;
			   * server: a client certificate, when sent, must verify */
	bool has_cert;    /* we have a certificate of our own to present */
	int verify_mode;  /* WOLFSSL_VERIFY_* for each connection */
	unsigned handshake_timeout; /* seconds */
	unsigned tcp_user_timeout;  /* ms, client connections; 0: the system's */
	char *ca_file;    /* the trusted CA list, NULL if none (for messages) */
	struct sc_tls_ctx_sni *sni; /* server: other certificates chosen by SNI */
	size_t nsni;
};

/* Builds a client context (an upstream's): its CA list, verification,
 * minimum version, ciphers and optional client certificate.  Returns 0, or
 * a negative errno with one sentence in err (-EINVAL for a handshake
 * timeout of 0). */
int sc_tls_ctx_client(const struct sc_tls_client_opts *o, struct sc_tls_ctx **out, char *err,
		      size_t errlen);

/* Builds a server context (the wan listener's): certificate chain, key, CA
 * list, client verification, and one more context per SNI entry, chosen by
 * the name a client sends (an unknown or absent name gets the default
 * certificate).  Returns 0, or a negative errno with one sentence in err. */
int sc_tls_ctx_server(const struct sc_tls_server_opts *o, struct sc_tls_ctx **out, char *err,
		      size_t errlen);

/* Takes one more reference and returns x. */
struct sc_tls_ctx *sc_tls_ctx_ref(struct sc_tls_ctx *x);

/* Drops a reference; the last one frees the context.  NULL is ignored. */
void sc_tls_ctx_unref(struct sc_tls_ctx *x);

#endif
