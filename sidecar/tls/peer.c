/* What a TLS connection learnt of its peer (see conn.h, conn_impl.h): the
 * verification of its chain and identity, the certificates it sent, and
 * the facts a diagnosis is made of. */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "../net/addr.h"
#include "conn_impl.h"
#include "identity.h"

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
int sc_tls_peer_on_verify(int ok, WOLFSSL_X509_STORE_CTX *st)
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
int sc_tls_peer_on_cert_request(WOLFSSL *ssl, WOLFSSL_X509 **x509, WOLFSSL_EVP_PKEY **pkey)
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
bool sc_tls_peer_settle(struct sc_tls_conn *c)
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

const char *sc_tls_peer_label(const struct sc_tls_conn *c, char *buf, size_t len)
{
	if (c->server_name && !sc_net_ip_parse(c->server_name, (unsigned char[16]){ 0 }))
		snprintf(buf, len, "%s (%s)", c->server_name, c->peer);
	else
		snprintf(buf, len, "%s", c->peer);
	return buf;
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

	w.peer = sc_tls_peer_label(c, who, sizeof(who));
	w.expected = c->server_name;
	w.ca_file = c->ctx->ca_file;
	w.timeout = c->ctx->handshake_timeout;
	sc_tls_diag_message(f, &w, buf, len);
}

bool sc_tls_conn_cert_requested(const struct sc_tls_conn *c)
{
	return c->facts.cert_requested;
}
