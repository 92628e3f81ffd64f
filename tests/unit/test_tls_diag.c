/* Identity checks (sidecar/tls/identity.c) and the failure classes of
 * sidecar/tls/diag.c.
 *
 * Certificates come from SC_TEST_CERTS (made by tests/data/certs/mkcerts.sh;
 * without it this program runs the script into build/test-certs), plus two
 * certificates kept here because mkcerts.sh has no certificate whose CN
 * differs from its SANs.  They were made with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *     -keyout /dev/null -days 36500 -subj /CN=cn.example.test \
 *     -addext subjectAltName=DNS:*.wild.example.test,DNS:192.0.2.9,IP:192.0.2.7,IP:2001:db8::7
 *   (and -subj /CN=ipcn.example.test -addext subjectAltName=IP:192.0.2.8)
 * Only their names matter here: dates and signatures are not checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "../../sidecar/tls/cert.h"
#include "../../sidecar/tls/diag.h"
#include "../../sidecar/tls/identity.h"
#include "check.h"
#include "certs.h"

static const char wild_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB0TCCAXagAwIBAgIUXuC4AUk3lM+9+aS1OBInwh8G7UcwCgYIKoZIzj0EAwIw\n"
	"GjEYMBYGA1UEAwwPY24uZXhhbXBsZS50ZXN0MCAXDTI2MTEyMzAzMDc0NloYDzIx\n"
	"MjYxMDMwMDMwNzQ2WjAaMRgwFgYDVQQDDA9jbi5leGFtcGxlLnRlc3QwWTATBgcq\n"
	"hkjOPQIBBggqhkjOPQMBBwNCAARn0/mhcdNGPcMm+bc5n+WDEFS3QC0PwnO/0pjt\n"
	"7SoYWN/2JrmFpx1dLo4Jc9adezTc2yx0O8mwowFwAJHGAxnvo4GXMIGUMB0GA1Ud\n"
	"DgQWBBRozOT7EnI8aewpJc1Hz4iDDSX1WDAfBgNVHSMEGDAWgBRozOT7EnI8aewp\n"
	"Jc1Hz4iDDSX1WDAPBgNVHRMBAf8EBTADAQH/MEEGA1UdEQQ6MDiCEyoud2lsZC5l\n"
	"eGFtcGxlLnRlc3SCCTE5Mi4wLjIuOYcEwAACB4cQIAENuAAAAAAAAAAAAAAABzAK\n"
	"BggqhkjOPQQDAgNJADBGAiEA4PdQkOJ7Ips61NzSF8kdI6xkWdS+OSDx7XEw9QNS\n"
	"iokCIQDVcPH/hJVfQwqI8jEp6wzIZCpV4Z31h0mQ+8jGQKLOSA==\n"
	"-----END CERTIFICATE-----\n"
	;

static const char ipcn_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBnzCCAUagAwIBAgIUcaaVSC0qej4RyZXU2q5L8G7a2YkwCgYIKoZIzj0EAwIw\n"
	"HDEaMBgGA1UEAwwRaXBjbi5leGFtcGxlLnRlc3QwIBcNMjYxMTIzMDMwNzQ2WhgP\n"
	"MjEyNjEwMzAwMzA3NDZaMBwxGjAYBgNVBAMMEWlwY24uZXhhbXBsZS50ZXN0MFkw\n"
	"EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFHC6Bb94ue9T4vk/+yHxDJmg0eMytjx1\n"
	"4p0bG0or+o22p4zTfodFYRfpM+O07M2Pr93QEgewWNMr/FV0oeYQ+KNkMGIwHQYD\n"
	"VR0OBBYEFN7AWHWTUQVWhED5OGYbg06jmc3VMB8GA1UdIwQYMBaAFN7AWHWTUQVW\n"
	"hED5OGYbg06jmc3VMA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEwAACCDAK\n"
	"BggqhkjOPQQDAgNHADBEAiA+mP2Vpx1WXDYvvS9fCMUy7rVI81CFQVnNknBs1DSO\n"
	"wgIgCLrKm2aKmUHP1GZNInCh6QKt0qHHx0zRUhxnwjvZyXM=\n"
	"-----END CERTIFICATE-----\n"
	;

static int setup(void)
{
	if (certs_setup("tls_diag") != 0)
		return -1;
	return sc_tls_cert_init();
}

static WOLFSSL_X509 *load(const char *name)
{
	WOLFSSL_X509 *x = wolfSSL_X509_load_certificate_file(cert_path(name), WOLFSSL_FILETYPE_PEM);

	if (!x)
		fprintf(stderr, "tls_diag: cannot load %s\n", cert_path(name));
	return x;
}

static WOLFSSL_X509 *load_mem(const char *pem)
{
	return wolfSSL_X509_load_certificate_buffer((const unsigned char *)pem, (int)strlen(pem),
						    WOLFSSL_FILETYPE_PEM);
}

static bool dns(const char *pattern, const char *host)
{
	return sc_tls_identity_match_dns(pattern, strlen(pattern), host);
}

static void test_match_dns(void)
{
	CHECK(dns("sip.example.test", "sip.example.test"));
	CHECK(dns("SIP.Example.TEST", "sip.example.test"));
	CHECK(dns("sip.example.test", "SIP.EXAMPLE.test"));
	/* An absolute name (trailing dot) is the same host. */
	CHECK(dns("sip.example.test.", "sip.example.test"));
	CHECK(dns("sip.example.test", "sip.example.test."));
	CHECK(!dns("sip.example.test", "sip.example.test.."));
	CHECK(!dns("sip.example.test", "sip2.example.test"));
	CHECK(!dns("sip.example.test", "example.test"));
	CHECK(!dns("example.test", "sip.example.test"));
	CHECK(!dns("", "sip.example.test"));
	CHECK(!dns("sip.example.test", ""));
	CHECK(!sc_tls_identity_match_dns("sip.example.test", 16, NULL));
	/* A wildcard is one whole left-most label. */
	CHECK(dns("*.example.test", "sip.example.test"));
	CHECK(dns("*.Example.Test", "SIP.example.test"));
	CHECK(dns("*.example.test", "sip.example.test."));
	CHECK(!dns("*.example.test", "example.test"));
	CHECK(!dns("*.example.test", "a.sip.example.test"));
	CHECK(!dns("*.example.test", ".example.test"));
	CHECK(!dns("*.test", "example.test"));
	CHECK(!dns("*", "example"));
	CHECK(!dns("s*.example.test", "sip.example.test"));
	CHECK(!dns("sip.*.test", "sip.example.test"));
	CHECK(!dns("*.*.test", "a.b.test"));
	/* The host itself is never a pattern. */
	CHECK(!dns("*.example.test", "*.example.test"));
	/* A NUL inside a certificate name does not end it early. */
	CHECK(!sc_tls_identity_match_dns("sip.example.test\0.evil.test", 27, "sip.example.test"));
}

/* server.pem: CN sip.example.test, SAN DNS:sip.example.test, IP:127.0.0.1,
 * IP:::1. */
static void test_identity_server(void)
{
	WOLFSSL_X509 *x = load("server.pem");

	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_INT(sc_tls_identity_check(x, "sip.example.test"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "Sip.Example.Test."), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "127.0.0.1"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "::1"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "[::1]"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "0:0:0:0:0:0:0:1"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "127.0.0.2"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "::2"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "other.example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, ""), -EINVAL);
	CHECK_EQ_INT(sc_tls_identity_check(NULL, "sip.example.test"), -EINVAL);
	wolfSSL_X509_free(x);
}

/* client.pem has no SAN at all: its CN counts. */
static void test_identity_cn_only(void)
{
	WOLFSSL_X509 *x = load("client.pem");

	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_INT(sc_tls_identity_check(x, "kitchen-ata.client.test"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "KITCHEN-ATA.client.test."), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "client.test"), -EPERM);
	wolfSSL_X509_free(x);
}

/* CN cn.example.test, SAN DNS:*.wild.example.test, DNS:192.0.2.9,
 * IP:192.0.2.7, IP:2001:db8::7. */
static void test_identity_san_beats_cn(void)
{
	WOLFSSL_X509 *x = load_mem(wild_pem);

	CHECK(x != NULL);
	if (!x)
		return;
	/* The CN is not looked at when there are SANs. */
	CHECK_EQ_INT(sc_tls_identity_check(x, "cn.example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "a.wild.example.test"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "A.WILD.example.test"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "wild.example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "a.b.wild.example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "192.0.2.7"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "2001:db8::7"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "2001:DB8:0:0::7"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "[2001:db8::7]"), 0);
	CHECK_EQ_INT(sc_tls_identity_check(x, "2001:db8::8"), -EPERM);
	/* An address matches iPAddress SANs only, never a dNSName that
	 * happens to spell it. */
	CHECK_EQ_INT(sc_tls_identity_check(x, "192.0.2.9"), -EPERM);
	wolfSSL_X509_free(x);

	/* An IP SAN alone also turns the CN off. */
	x = load_mem(ipcn_pem);
	CHECK(x != NULL);
	if (!x)
		return;
	CHECK_EQ_INT(sc_tls_identity_check(x, "ipcn.example.test"), -EPERM);
	CHECK_EQ_INT(sc_tls_identity_check(x, "192.0.2.8"), 0);
	wolfSSL_X509_free(x);
}

static void test_identity_names(void)
{
	WOLFSSL_X509 *x;
	char buf[200], small[24];

	x = load("server.pem");
	CHECK(x != NULL);
	if (x) {
		sc_tls_identity_names(x, buf, sizeof(buf));
		CHECK(strcmp(buf, "DNS:sip.example.test, IP:127.0.0.1, IP:::1") == 0);
		sc_tls_identity_names(x, small, sizeof(small));
		CHECK(strcmp(small, "DNS:sip.example.test...") == 0);
		wolfSSL_X509_free(x);
	}
	x = load("client.pem");
	CHECK(x != NULL);
	if (x) {
		sc_tls_identity_names(x, buf, sizeof(buf));
		CHECK(strcmp(buf, "CN:kitchen-ata.client.test") == 0);
		wolfSSL_X509_free(x);
	}
	x = load_mem(wild_pem);
	CHECK(x != NULL);
	if (x) {
		sc_tls_identity_names(x, buf, sizeof(buf));
		CHECK(strcmp(buf, "DNS:*.wild.example.test, DNS:192.0.2.9, IP:192.0.2.7, "
				  "IP:2001:db8::7") == 0);
		wolfSSL_X509_free(x);
	}
	sc_tls_identity_names(NULL, buf, sizeof(buf));
	CHECK(strcmp(buf, "(no name)") == 0);
}

static void test_time(void)
{
	WOLFSSL_X509 *x = load("expired.pem");
	char buf[40];

	CHECK(x != NULL);
	if (!x)
		return;
	sc_tls_diag_time(wolfSSL_X509_get_notAfter(x), buf, sizeof(buf));
	CHECK(strcmp(buf, "2021-01-01 00:00:00 UTC") == 0);
	sc_tls_diag_time(wolfSSL_X509_get_notBefore(x), buf, sizeof(buf));
	CHECK(strcmp(buf, "2020-01-01 00:00:00 UTC") == 0);
	sc_tls_diag_time(NULL, buf, sizeof(buf));
	CHECK(strcmp(buf, "?") == 0);
	wolfSSL_X509_free(x);
	/* notyet.pem starts in 2049: past a 32-bit time_t, still printed. */
	x = load("notyet.pem");
	CHECK(x != NULL);
	if (!x)
		return;
	sc_tls_diag_time(wolfSSL_X509_get_notBefore(x), buf, sizeof(buf));
	CHECK(strcmp(buf, "2049-01-01 00:00:00 UTC") == 0);
	wolfSSL_X509_free(x);
}

/* A handshake that failed on our own verification of the peer. */
static struct sc_tls_facts rejected(int verify_err, int depth, unsigned certs, bool self)
{
	struct sc_tls_facts f;

	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.rejected = true;
	f.verify_err = verify_err;
	f.verify_depth = depth;
	f.peer_certs = (unsigned char)certs;
	f.leaf_self_issued = self;
	f.alert_tx = 42; /* our bad_certificate: a consequence, not the cause */
	return f;
}

static enum sc_tls_diag classify_rejected(int verify_err, int depth, unsigned certs, bool self)
{
	struct sc_tls_facts f = rejected(verify_err, depth, certs, self);

	return sc_tls_diag_classify(&f);
}

static void test_classify_certificates(void)
{
	/* OpenSSL numbering (Debian's wolfSSL) and wolfSSL's own. */
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, 1, true),
		     SC_TLS_DIAG_UNKNOWN_CA);
	CHECK_EQ_INT(classify_rejected(ASN_SELF_SIGNED_E, 0, 1, true), SC_TLS_DIAG_UNKNOWN_CA);
	/* A self-signed certificate reported as "no issuer" (older wolfSSL). */
	CHECK_EQ_INT(classify_rejected(ASN_NO_SIGNER_E, 0, 1, true), SC_TLS_DIAG_UNKNOWN_CA);
	/* The leaf alone, issued by someone else: the intermediate is missing. */
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, 1, false),
		     SC_TLS_DIAG_MISSING_INTERMEDIATE);
	CHECK_EQ_INT(classify_rejected(ASN_NO_SIGNER_E, 0, 1, false),
		     SC_TLS_DIAG_MISSING_INTERMEDIATE);
	/* The whole chain was sent but leads nowhere we trust. */
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1, 2, false),
		     SC_TLS_DIAG_UNKNOWN_CA);
	CHECK_EQ_INT(classify_rejected(ASN_NO_SIGNER_E, 0, 2, false), SC_TLS_DIAG_UNKNOWN_CA);
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2, 3, false),
		     SC_TLS_DIAG_UNKNOWN_CA);
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_CERT_HAS_EXPIRED, 0, 2, false),
		     SC_TLS_DIAG_EXPIRED);
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, 1, 2, false),
		     SC_TLS_DIAG_EXPIRED);
	CHECK_EQ_INT(classify_rejected(ASN_AFTER_DATE_E, 0, 2, false), SC_TLS_DIAG_EXPIRED);
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_CERT_NOT_YET_VALID, 0, 2, false),
		     SC_TLS_DIAG_NOT_YET_VALID);
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, 0, 2, false),
		     SC_TLS_DIAG_NOT_YET_VALID);
	CHECK_EQ_INT(classify_rejected(ASN_BEFORE_DATE_E, 0, 2, false), SC_TLS_DIAG_NOT_YET_VALID);
	/* A bad signature has no class of its own. */
	CHECK_EQ_INT(classify_rejected(X509_V_ERR_CERT_SIGNATURE_FAILURE, 0, 2, false),
		     SC_TLS_DIAG_OTHER);
	/* A good chain refused for its name. */
	{
		struct sc_tls_facts f = rejected(0, 0, 2, false);

		f.name_mismatch = true;
		CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_NAME_MISMATCH);
		/* A chain problem is named before the name. */
		f.verify_err = X509_V_ERR_CERT_HAS_EXPIRED;
		CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_EXPIRED);
	}
}

/* A handshake that ended on an alert from the peer. */
static enum sc_tls_diag classify_alert(int alert, unsigned certs, bool requested, bool sent)
{
	struct sc_tls_facts f;

	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.tls_err = FATAL_ERROR;
	f.alert_rx = alert;
	f.peer_certs = (unsigned char)certs;
	f.cert_requested = requested;
	f.sent_cert = sent;
	return sc_tls_diag_classify(&f);
}

static void test_classify_alerts(void)
{
	/* No shared version or suite: the alert comes before any certificate. */
	CHECK_EQ_INT(classify_alert(70, 0, false, false), SC_TLS_DIAG_PROTOCOL_MISMATCH);
	CHECK_EQ_INT(classify_alert(71, 0, false, false), SC_TLS_DIAG_PROTOCOL_MISMATCH);
	CHECK_EQ_INT(classify_alert(40, 0, false, false), SC_TLS_DIAG_PROTOCOL_MISMATCH);
	/* TLS 1.3 says so; TLS 1.2 servers send handshake_failure after their
	 * CertificateRequest. */
	CHECK_EQ_INT(classify_alert(116, 2, true, false), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	CHECK_EQ_INT(classify_alert(116, 2, false, false), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	CHECK_EQ_INT(classify_alert(40, 2, true, false), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	CHECK_EQ_INT(classify_alert(42, 2, true, false), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	/* With a certificate sent, a certificate complaint is about it. */
	CHECK_EQ_INT(classify_alert(48, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	CHECK_EQ_INT(classify_alert(42, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	CHECK_EQ_INT(classify_alert(46, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	CHECK_EQ_INT(classify_alert(51, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	CHECK_EQ_INT(classify_alert(45, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	CHECK_EQ_INT(classify_alert(40, 2, false, true), SC_TLS_DIAG_CLIENT_CERT_REJECTED);
	/* Without one, and not asked for one: nothing to say. */
	CHECK_EQ_INT(classify_alert(48, 2, false, false), SC_TLS_DIAG_OTHER);
	CHECK_EQ_INT(classify_alert(40, 2, false, false), SC_TLS_DIAG_OTHER);
	CHECK_EQ_INT(classify_alert(80, 2, false, false), SC_TLS_DIAG_OTHER);
	CHECK_EQ_INT(classify_alert(112, 0, false, false), SC_TLS_DIAG_OTHER);
	/* The same after the handshake (TLS 1.3 client certificate verdicts). */
	{
		struct sc_tls_facts f;

		sc_tls_diag_facts_init(&f);
		f.stage = SC_TLS_STAGE_OPEN;
		f.alert_rx = 116;
		CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
		/* As a server, a client's complaint about our certificate is not
		 * about client certificates. */
		f.stage = SC_TLS_STAGE_HANDSHAKE;
		f.server = true;
		f.alert_rx = 48;
		CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_OTHER);
	}
}

static void test_classify_other(void)
{
	struct sc_tls_facts f;

	sc_tls_diag_facts_init(&f);
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_OK);
	f.stage = SC_TLS_STAGE_DNS;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_DNS);
	f.stage = SC_TLS_STAGE_TCP;
	f.sys_err = -ECONNREFUSED;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_TCP_REFUSED);
	f.sys_err = -ETIMEDOUT;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_TCP_UNREACHABLE);
	f.sys_err = -EHOSTUNREACH;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_TCP_UNREACHABLE);
	f.sys_err = -ENETUNREACH;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_TCP_UNREACHABLE);

	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.timeout = true;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_TIMEOUT);
	f.timeout = false;
	f.tls_err = VERSION_ERROR;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_PROTOCOL_MISMATCH);
	f.tls_err = MATCH_SUITE_ERROR;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_PROTOCOL_MISMATCH);
	f.tls_err = SOCKET_PEER_CLOSED_E;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_OTHER);
	/* As a server requiring client certificates. */
	f.server = true;
	f.tls_err = NO_PEER_CERT;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	/* With verification off nothing is "rejected": a later failure is
	 * classified on its own even though the chain had a problem. */
	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_OPEN;
	f.verify_err = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
	f.alert_rx = 116;
	CHECK_EQ_INT(sc_tls_diag_classify(&f), SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
}

/* Names and exit codes are a contract (logs, /status, docs/probe.md):
 * each one distinct. */
static void test_names_and_codes(void)
{
	static const char *const want[SC_TLS_DIAG__COUNT] = {
		"ok", "unknown-ca", "missing-intermediate", "expired", "not-yet-valid",
		"name-mismatch", "protocol-mismatch", "client-cert-required",
		"client-cert-rejected", "tcp-refused", "tcp-unreachable", "dns", "timeout", "other",
	};
	static const int codes[SC_TLS_DIAG__COUNT] = { 0,  10, 11, 12, 13, 14, 15,
						       16, 17, 20, 21, 22, 23, 30 };
	int i, j;

	for (i = 0; i < SC_TLS_DIAG__COUNT; i++) {
		CHECK(strcmp(sc_tls_diag_name((enum sc_tls_diag)i), want[i]) == 0);
		CHECK_EQ_INT(sc_tls_diag_exit_code((enum sc_tls_diag)i), codes[i]);
		for (j = 0; j < i; j++)
			CHECK(sc_tls_diag_exit_code((enum sc_tls_diag)i) !=
			      sc_tls_diag_exit_code((enum sc_tls_diag)j));
	}
	CHECK(strcmp(sc_tls_diag_name((enum sc_tls_diag)99), "other") == 0);
	CHECK_EQ_INT(sc_tls_diag_exit_code((enum sc_tls_diag)99), 30);
}

static bool contains(const char *s, const char *part)
{
	if (!strstr(s, part)) {
		fprintf(stderr, "  '%s' does not contain '%s'\n", s, part);
		return false;
	}
	return true;
}

static void test_messages(void)
{
	struct sc_tls_diag_where w = { "sip.example.test (192.0.2.1 port 5061)", "sip.example.test",
				       "/etc/ca.pem", 10 };
	struct sc_tls_facts f;
	char msg[400], tmp[24];

	f = rejected(X509_V_ERR_CERT_HAS_EXPIRED, 0, 2, false);
	snprintf(f.subject, sizeof(f.subject), "/CN=sip.example.test");
	snprintf(f.date, sizeof(f.date), "2021-01-01 00:00:00 UTC");
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "expired on 2021-01-01 00:00:00 UTC"));
	CHECK(contains(msg, "/CN=sip.example.test"));
	CHECK(contains(sc_tls_diag_fix(&f), "renew"));

	f = rejected(0, 0, 2, false);
	f.name_mismatch = true;
	snprintf(f.names, sizeof(f.names), "DNS:other.example.test, IP:192.0.2.1");
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(strcmp(msg, "certificate is for DNS:other.example.test, IP:192.0.2.1; expected "
			  "sip.example.test") == 0);

	f = rejected(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, 1, false);
	snprintf(f.issuer, sizeof(f.issuer), "/CN=Some Intermediate");
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "sent only its own certificate"));
	CHECK(contains(msg, "/CN=Some Intermediate"));
	CHECK(contains(sc_tls_diag_fix(&f), "full chain"));

	f = rejected(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, 1, true);
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "self-signed"));
	CHECK(contains(msg, "/etc/ca.pem"));

	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.timeout = true;
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "within 10 s"));

	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.alert_rx = 70;
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "alert protocol_version received"));

	/* As a server: the client does not trust our certificate. */
	sc_tls_diag_facts_init(&f);
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.server = true;
	f.alert_rx = 48;
	sc_tls_diag_message(&f, &w, msg, sizeof(msg));
	CHECK(contains(msg, "does not accept our server certificate (alert unknown_ca received)"));
	CHECK(contains(sc_tls_diag_fix(&f), "wan certificate"));
	f.alert_rx = 70;

	/* A tiny buffer is cut, never overrun. */
	sc_tls_diag_message(&f, &w, msg, 8);
	CHECK_EQ_INT(strlen(msg), 7);

	CHECK(strcmp(sc_tls_diag_alert_name(116, tmp, sizeof(tmp)), "certificate_required") == 0);
	CHECK(strcmp(sc_tls_diag_alert_name(200, tmp, sizeof(tmp)), "alert 200") == 0);
	CHECK(strcmp(sc_tls_diag_verify_text(0), "ok") == 0);
	CHECK(contains(sc_tls_diag_verify_text(ASN_AFTER_DATE_E), "expired"));
}

int main(void)
{
	if (setup() != 0) {
		printf("tls_diag: 0 passed, 1 failed\n");
		return 1;
	}
	RUN(test_match_dns);
	RUN(test_identity_server);
	RUN(test_identity_cn_only);
	RUN(test_identity_san_beats_cn);
	RUN(test_identity_names);
	RUN(test_time);
	RUN(test_classify_certificates);
	RUN(test_classify_alerts);
	RUN(test_classify_other);
	RUN(test_names_and_codes);
	RUN(test_messages);
	wolfSSL_Cleanup();
	return check_done("tls_diag");
}
