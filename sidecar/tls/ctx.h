/* TLS contexts: the wolfSSL side of an upstream (client) or of the wan
 * listener (server), built once from the configuration.
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

#include "../conf/conf.h"

/* The handshake timeout of a server context (the wan section has none). */
#define SC_TLS_CTX_HANDSHAKE_DEFAULT 10

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
	char *ca_file;    /* the trusted CA list, NULL if none (for messages) */
	struct sc_tls_ctx_sni *sni; /* server: other certificates chosen by SNI */
	size_t nsni;
};

/* Builds the client context of an upstream: its CA list, verification,
 * minimum version, ciphers and optional client certificate.  Returns 0, or
 * a negative errno with one sentence in err. */
int sc_tls_ctx_client(const struct sc_conf_upstream *up, struct sc_tls_ctx **out, char *err,
		      size_t errlen);

/* Builds the server context of the wan section: certificate chain, key, CA
 * list, verify_client / require_client_certificate, and one context per
 * server_names entry, chosen by the SNI a client sends (an unknown or absent
 * name gets the default certificate).  Returns 0 or a negative errno. */
int sc_tls_ctx_server(const struct sc_conf *conf, struct sc_tls_ctx **out, char *err,
		      size_t errlen);

/* Takes one more reference and returns x. */
struct sc_tls_ctx *sc_tls_ctx_ref(struct sc_tls_ctx *x);

/* Drops a reference; the last one frees the context.  NULL is ignored. */
void sc_tls_ctx_unref(struct sc_tls_ctx *x);

#endif
