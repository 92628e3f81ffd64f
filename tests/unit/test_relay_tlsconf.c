/* The configuration turned into TLS options (sidecar/relay/tlsconf.c), and
 * what sidecar/tls/ctx.c refuses in those options.
 *
 * Certificates as in test_tls_conn.c: SC_TEST_CERTS or build/test-certs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "../../sidecar/base/log.h"
#include "../../sidecar/conf/conf.h"
#include "../../sidecar/relay/tlsconf.h"
#include "../../sidecar/tls/ctx.h"
#include "check.h"
#include "certs.h"

static void upstream_init(struct sc_conf_upstream *up)
{
	memset(up, 0, sizeof(*up));
	up->name = (char *)"provider";
	up->ca_file = cert_path("ca.pem");
	up->verify = true;
	up->min_version = 12;
}

static void wan_init(struct sc_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->wan.enabled = true;
	conf->wan.certificate = cert_path("server.pem");
	conf->wan.private_key = cert_path("server.key");
	conf->wan.ca_file = cert_path("ca.pem");
}

/* An upstream without a handshake_timeout gets SC_CONF_HANDSHAKE_DEFAULT. */
static void test_client_default_timeout(void)
{
	struct sc_conf_upstream up;
	struct sc_tls_ctx *x = NULL;
	char err[300] = "";

	upstream_init(&up);
	CHECK_EQ_INT(sc_tlsconf_client_ctx(&up, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_INT(x->handshake_timeout, SC_CONF_HANDSHAKE_DEFAULT);
	CHECK(!x->server);
	CHECK(x->verify);
	CHECK(!x->has_cert);
	CHECK_EQ_INT(x->verify_mode, WOLFSSL_VERIFY_PEER);
	CHECK(x->ca_file && strcmp(x->ca_file, up.ca_file) == 0);
	sc_tls_ctx_unref(x);
}

/* Every upstream field reaches the context: timeout, verification off,
 * the client certificate. */
static void test_client_fields(void)
{
	struct sc_conf_upstream up;
	struct sc_tls_ctx *x = NULL;
	char err[300] = "";

	upstream_init(&up);
	up.handshake_timeout = 7;
	up.verify = false;
	up.min_version = 13;
	up.certificate = cert_path("client.pem");
	up.private_key = cert_path("client.key");
	CHECK_EQ_INT(sc_tlsconf_client_ctx(&up, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_INT(x->handshake_timeout, 7);
	CHECK(!x->verify);
	CHECK(x->has_cert);
	sc_tls_ctx_unref(x);
}

/* The tls code's own messages come through unchanged. */
static void test_client_errors(void)
{
	struct sc_conf_upstream up;
	struct sc_tls_ctx *x = (struct sc_tls_ctx *)&up;
	char err[300] = "";

	upstream_init(&up);
	up.ca_file = NULL;
	CHECK_EQ_INT(sc_tlsconf_client_ctx(&up, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strcmp(err, "verifying the server needs a CA list (ca_file)") == 0);

	upstream_init(&up);
	up.certificate = cert_path("client.pem");
	x = (struct sc_tls_ctx *)&up;
	CHECK_EQ_INT(sc_tlsconf_client_ctx(&up, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strstr(err, "needs a private_key") != NULL);
}

/* verify_client with require_client_certificate: the server verifies and
 * fails a client without a certificate; the wan timeout, 0 meaning the
 * default. */
static void test_server_verify_require(void)
{
	struct sc_conf conf;
	struct sc_tls_ctx *x = NULL;
	char err[300] = "";

	wan_init(&conf);
	conf.wan.verify_client = true;
	conf.wan.require_client_certificate = true;
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK(x->server);
	CHECK(x->verify);
	CHECK(x->has_cert);
	CHECK_EQ_INT(x->verify_mode, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT);
	CHECK_EQ_INT(x->handshake_timeout, SC_CONF_HANDSHAKE_DEFAULT);
	CHECK(x->ca_file && strcmp(x->ca_file, conf.wan.ca_file) == 0);
	CHECK_EQ_INT(x->nsni, 0);
	sc_tls_ctx_unref(x);
}

/* verify_client alone asks for a certificate without demanding one; no
 * verify_client asks for none (require_client_certificate alone means
 * nothing); wan.handshake_timeout is used when set. */
static void test_server_modes(void)
{
	struct sc_conf conf;
	struct sc_tls_ctx *x = NULL;
	char err[300] = "";

	wan_init(&conf);
	conf.wan.verify_client = true;
	conf.wan.handshake_timeout = 4;
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (x) {
		CHECK(x->verify);
		CHECK_EQ_INT(x->verify_mode, WOLFSSL_VERIFY_PEER);
		CHECK_EQ_INT(x->handshake_timeout, 4);
		sc_tls_ctx_unref(x);
	}

	wan_init(&conf);
	conf.wan.require_client_certificate = true;
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (x) {
		CHECK(!x->verify);
		CHECK_EQ_INT(x->verify_mode, WOLFSSL_VERIFY_NONE);
		sc_tls_ctx_unref(x);
	}

	wan_init(&conf);
	conf.wan.verify_client = true;
	conf.wan.ca_file = NULL;
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strcmp(err, "verify_client needs a CA list (ca_file)") == 0);
}

/* server_names become SNI entries, in order; a bad one is named. */
static void test_server_names(void)
{
	struct sc_conf conf;
	struct sc_conf_server_name sn[2];
	struct sc_tls_ctx *x = NULL;
	char err[300] = "";

	wan_init(&conf);
	memset(sn, 0, sizeof(sn));
	sn[0].name = (char *)"sip.other.test";
	sn[0].certificate = cert_path("other.pem");
	sn[0].private_key = cert_path("other.key");
	sn[1].name = (char *)"*.example.test";
	sn[1].certificate = cert_path("server.pem");
	sn[1].private_key = cert_path("server.key");
	conf.wan.server_names = sn;
	conf.wan.nserver_names = 2;
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (x) {
		CHECK_EQ_INT(x->nsni, 2);
		sc_tls_ctx_unref(x);
	}

	sn[1].certificate = cert_path("garbage.pem");
	CHECK_EQ_INT(sc_tlsconf_server_ctx(&conf, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strncmp(err, "server name *.example.test: ", 28) == 0);
	CHECK(strstr(err, "garbage.pem is not a PEM certificate chain") != NULL);
	sc_tls_ctx_unref(x);
}

/* The tls code takes no default: a handshake timeout of 0 is refused, with
 * a sentence, before anything is built. */
static void test_ctx_zero_timeout(void)
{
	struct sc_tls_client_opts co;
	struct sc_tls_server_opts so;
	struct sc_tls_ctx *x = (struct sc_tls_ctx *)&co;
	char err[300] = "";

	memset(&co, 0, sizeof(co));
	co.ca_file = cert_path("ca.pem");
	co.verify = true;
	CHECK_EQ_INT(sc_tls_ctx_client(&co, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strcmp(err, "the TLS handshake timeout must be more than 0 seconds") == 0);

	memset(&so, 0, sizeof(so));
	so.certificate = cert_path("server.pem");
	so.private_key = cert_path("server.key");
	err[0] = '\0';
	x = (struct sc_tls_ctx *)&so;
	CHECK_EQ_INT(sc_tls_ctx_server(&so, &x, err, sizeof(err)), -EINVAL);
	CHECK(x == NULL);
	CHECK(strcmp(err, "the TLS handshake timeout must be more than 0 seconds") == 0);

	/* The same options with a timeout are fine. */
	co.handshake_timeout = 1;
	CHECK_EQ_INT(sc_tls_ctx_client(&co, &x, err, sizeof(err)), 0);
	CHECK(x != NULL);
	if (x)
		CHECK_EQ_INT(x->handshake_timeout, 1);
	sc_tls_ctx_unref(x);
}

int main(void)
{
	if (certs_setup("relay_tlsconf") != 0) {
		printf("relay_tlsconf: 0 passed, 1 failed\n");
		return 1;
	}
	sc_log_setup(SC_LOG_ERROR, SC_LOG_STDERR);
	RUN(test_client_default_timeout);
	RUN(test_client_fields);
	RUN(test_client_errors);
	RUN(test_server_verify_require);
	RUN(test_server_modes);
	RUN(test_server_names);
	RUN(test_ctx_zero_timeout);
	wolfSSL_Cleanup();
	return check_done("relay_tlsconf");
}
