/* TLS contexts for upstreams (client) and the wan listener (server); see
 * ctx.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "cert.h"
#include "ctx.h"
#include "identity.h"

struct sc_tls_ctx_sni {
	char *name;
	WOLFSSL_CTX *wolf;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int load_ca(WOLFSSL_CTX *w, const char *ca_file, char *err, size_t errlen)
{
	char why[160];

	/* IGNORE_ERR, as in cert.c: a bundle with a few certificates wolfSSL
	 * cannot parse (the system bundle, typically) still loads the rest. */
	if (wolfSSL_CTX_load_verify_locations_ex(w, ca_file, NULL, WOLFSSL_LOAD_FLAG_IGNORE_ERR) !=
	    WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "no CA certificate in %s could be loaded%s", ca_file,
			 sc_tls_cert_reason(why, sizeof(why)));
		return -EINVAL;
	}
	return 0;
}

static int load_pair(WOLFSSL_CTX *w, const char *cert, const char *key, char *err,
		     size_t errlen)
{
	char why[160];

	if (wolfSSL_CTX_use_certificate_chain_file(w, cert) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "%s is not a PEM certificate chain%s", cert,
			 sc_tls_cert_reason(why, sizeof(why)));
		return -EINVAL;
	}
	if (wolfSSL_CTX_use_PrivateKey_file(w, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "%s is not a PEM private key%s", key,
			 sc_tls_cert_reason(why, sizeof(why)));
		return -EBADMSG;
	}
	if (wolfSSL_CTX_check_private_key(w) != WOLFSSL_SUCCESS) {
		wolfSSL_ERR_clear_error();
		snprintf(err, errlen, "private key %s does not belong to certificate %s", key,
			 cert);
		return -EBADMSG;
	}
	return 0;
}

/* A new context with one reference, wolfSSL initialised.  Returns 0, or
 * a negative errno with err filled. */
static int ctx_alloc(bool server, unsigned handshake_timeout, struct sc_tls_ctx **out, char *err,
		     size_t errlen)
{
	struct sc_tls_ctx *x;
	int rc;

	if (handshake_timeout == 0) {
		snprintf(err, errlen, "the TLS handshake timeout must be more than 0 seconds");
		return -EINVAL;
	}
	rc = sc_tls_cert_init();
	if (rc != 0) {
		snprintf(err, errlen, "cannot initialise wolfSSL");
		return rc;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	x->refs = 1;
	x->server = server;
	x->handshake_timeout = handshake_timeout;
	*out = x;
	return 0;
}

/* The suites offered when the options name none: AEAD with
 * forward secrecy only, ChaCha20-Poly1305 first.  Without AES instructions
 * (most routers; Debian's wolfSSL is built without AES-NI too) it costs
 * less than half of AES-GCM per message: 3.4 us against 7.5-8 us for
 * 800 bytes here.  A peer that prefers AES still gets it. */
static const char default_ciphers[] =
	"TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

/* A wolfSSL without ChaCha20 keeps its own defaults. */
static void prefer_chacha(WOLFSSL_CTX *w)
{
	if (wolfSSL_CTX_set_cipher_list(w, default_ciphers) != WOLFSSL_SUCCESS)
		wolfSSL_ERR_clear_error();
}

int sc_tls_ctx_client(const struct sc_tls_client_opts *o, struct sc_tls_ctx **out, char *err,
		      size_t errlen)
{
	struct sc_tls_ctx *x = NULL;
	int rc;

	*out = NULL;
	rc = ctx_alloc(false, o->handshake_timeout, &x, err, errlen);
	if (rc != 0)
		goto out;
	x->tcp_user_timeout = o->tcp_user_timeout;
	if (!(x->wolf = wolfSSL_CTX_new(wolfSSLv23_client_method()))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	x->verify = o->verify;
	if (wolfSSL_CTX_SetMinVersion(x->wolf, o->min_version == 13 ? WOLFSSL_TLSV1_3
								     : WOLFSSL_TLSV1_2) !=
	    WOLFSSL_SUCCESS) {
		rc = -EINVAL;
		snprintf(err, errlen, "this wolfSSL cannot use TLS %s",
			 o->min_version == 13 ? "1.3" : "1.2");
		goto out;
	}
	if (o->ca_file) {
		x->ca_file = strdup(o->ca_file);
		if (!x->ca_file) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		rc = load_ca(x->wolf, o->ca_file, err, errlen);
		if (rc != 0)
			goto out;
	} else if (o->verify) {
		rc = -EINVAL;
		snprintf(err, errlen, "verifying the server needs a CA list (ca_file)");
		goto out;
	}
	if (o->ciphers && wolfSSL_CTX_set_cipher_list(x->wolf, o->ciphers) != WOLFSSL_SUCCESS) {
		wolfSSL_ERR_clear_error();
		rc = -EINVAL;
		snprintf(err, errlen, "none of the ciphers in '%s' is known to wolfSSL", o->ciphers);
		goto out;
	}
	if (!o->ciphers)
		prefer_chacha(x->wolf);
	if (o->certificate) {
		if (!o->private_key) {
			rc = -EINVAL;
			snprintf(err, errlen, "client certificate %s needs a private_key",
				 o->certificate);
			goto out;
		}
		rc = load_pair(x->wolf, o->certificate, o->private_key, err, errlen);
		if (rc != 0)
			goto out;
		x->has_cert = true;
	}
	/* Always VERIFY_PEER: the connection's verify callback sees every
	 * certificate and records what is wrong even when verification is
	 * off, so that logs and `probe --no-verify` can still say it; it
	 * refuses the peer only when x->verify is set. */
	x->verify_mode = WOLFSSL_VERIFY_PEER;
	wolfSSL_CTX_set_verify(x->wolf, x->verify_mode, NULL);
	rc = 0;
out:
	wolfSSL_ERR_clear_error();
	if (rc != 0) {
		sc_tls_ctx_unref(x);
		x = NULL;
	}
	*out = x;
	return rc;
}

/* One server WOLFSSL_CTX: the default one or one server_names entry.  Every
 * one gets the same CA list and verification, because a connection that
 * switches context on SNI verifies its client with the new one. */
static WOLFSSL_CTX *server_wolf(const char *ca_file, const char *cert, const char *key, int mode,
				char *err, size_t errlen, int *rc)
{
	WOLFSSL_CTX *w = wolfSSL_CTX_new(wolfSSLv23_server_method());

	if (!w) {
		*rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*rc = -EINVAL;
	if (wolfSSL_CTX_SetMinVersion(w, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "this wolfSSL cannot use TLS 1.2");
		goto fail;
	}
	if (!cert || !key) {
		snprintf(err, errlen, "the wan section needs certificate and private_key");
		goto fail;
	}
	*rc = load_pair(w, cert, key, err, errlen);
	if (*rc != 0)
		goto fail;
	if (ca_file) {
		*rc = load_ca(w, ca_file, err, errlen);
		if (*rc != 0)
			goto fail;
	}
	wolfSSL_CTX_set_verify(w, mode, NULL);
	prefer_chacha(w);
	*rc = 0;
	return w;
fail:
	wolfSSL_CTX_free(w);
	return NULL;
}

/* Chooses the certificate by the name the client asked for.  An unknown
 * name, or none, keeps the default certificate rather than failing: the
 * client may still accept it (it may not check names at all). */
static int on_servername(WOLFSSL *ssl, int *alert, void *arg)
{
	struct sc_tls_ctx *x = arg;
	const char *name = wolfSSL_get_servername(ssl, WOLFSSL_SNI_HOST_NAME);
	VerifyCallback cb;
	size_t i;

	(void)alert;
	if (!name)
		return 0;
	for (i = 0; i < x->nsni; i++) {
		if (!sc_tls_identity_match_dns(x->sni[i].name, strlen(x->sni[i].name), name))
			continue;
		/* Keep the connection's own verify callback across the switch. */
		cb = wolfSSL_get_verify_callback(ssl);
		if (wolfSSL_set_SSL_CTX(ssl, x->sni[i].wolf) != NULL)
			wolfSSL_set_verify(ssl, x->verify_mode, cb);
		break;
	}
	return 0;
}

int sc_tls_ctx_server(const struct sc_tls_server_opts *o, struct sc_tls_ctx **out, char *err,
		      size_t errlen)
{
	struct sc_tls_ctx *x = NULL;
	const struct sc_tls_sni_opts *sn;
	char sub[256];
	size_t i;
	int rc;

	*out = NULL;
	rc = ctx_alloc(true, o->handshake_timeout, &x, err, errlen);
	if (rc != 0)
		goto out;
	x->verify = o->verify_client;
	x->has_cert = true;
	x->verify_mode = WOLFSSL_VERIFY_NONE;
	if (o->verify_client) {
		x->verify_mode = WOLFSSL_VERIFY_PEER;
		if (o->require_client_certificate)
			x->verify_mode |= WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		if (!o->ca_file) {
			rc = -EINVAL;
			snprintf(err, errlen, "verify_client needs a CA list (ca_file)");
			goto out;
		}
	}
	if (o->ca_file && !(x->ca_file = strdup(o->ca_file))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	x->wolf = server_wolf(o->ca_file, o->certificate, o->private_key, x->verify_mode, err,
			      errlen, &rc);
	if (!x->wolf)
		goto out;
	if (o->nsni) {
		x->sni = calloc(o->nsni, sizeof(*x->sni));
		if (!x->sni) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < o->nsni; i++) {
		sn = &o->sni[i];
		x->sni[i].wolf = server_wolf(o->ca_file, sn->certificate, sn->private_key,
					     x->verify_mode, sub, sizeof(sub), &rc);
		if (!x->sni[i].wolf) {
			snprintf(err, errlen, "server name %s: %s", sn->name, sub);
			goto out;
		}
		x->nsni = i + 1;
		x->sni[i].name = dup_or_null(sn->name);
		if (!x->sni[i].name) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (x->nsni) {
		wolfSSL_CTX_set_servername_callback(x->wolf, on_servername);
		wolfSSL_CTX_set_servername_arg(x->wolf, x);
	}
	rc = 0;
out:
	wolfSSL_ERR_clear_error();
	if (rc != 0) {
		sc_tls_ctx_unref(x);
		x = NULL;
	}
	*out = x;
	return rc;
}

struct sc_tls_ctx *sc_tls_ctx_ref(struct sc_tls_ctx *x)
{
	x->refs++;
	return x;
}

void sc_tls_ctx_unref(struct sc_tls_ctx *x)
{
	size_t i;

	if (!x || --x->refs > 0)
		return;
	/* wolfSSL zeroes the private key buffers when it frees a context; a
	 * WOLFSSL_CTX still used by a live connection (after an SNI switch)
	 * is kept by wolfSSL's own count until that connection is freed. */
	for (i = 0; i < x->nsni; i++) {
		wolfSSL_CTX_free(x->sni[i].wolf);
		free(x->sni[i].name);
	}
	free(x->sni);
	if (x->wolf)
		wolfSSL_CTX_free(x->wolf);
	free(x->ca_file);
	free(x);
}
