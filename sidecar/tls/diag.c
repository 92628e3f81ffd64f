/* TLS failure classes, their words and their fixes (see diag.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "diag.h"

/* TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2). */
enum {
	ALERT_HANDSHAKE_FAILURE = 40,
	ALERT_BAD_CERTIFICATE = 42,
	ALERT_UNSUPPORTED_CERTIFICATE = 43,
	ALERT_CERTIFICATE_REVOKED = 44,
	ALERT_CERTIFICATE_EXPIRED = 45,
	ALERT_CERTIFICATE_UNKNOWN = 46,
	ALERT_UNKNOWN_CA = 48,
	ALERT_ACCESS_DENIED = 49,
	ALERT_DECRYPT_ERROR = 51,
	ALERT_PROTOCOL_VERSION = 70,
	ALERT_INSUFFICIENT_SECURITY = 71,
	ALERT_CERTIFICATE_REQUIRED = 116,
};

static const struct {
	int code;
	const char *name;
} alerts[] = {
	{ 0, "close_notify" },
	{ 10, "unexpected_message" },
	{ 20, "bad_record_mac" },
	{ 22, "record_overflow" },
	{ 40, "handshake_failure" },
	{ 42, "bad_certificate" },
	{ 43, "unsupported_certificate" },
	{ 44, "certificate_revoked" },
	{ 45, "certificate_expired" },
	{ 46, "certificate_unknown" },
	{ 47, "illegal_parameter" },
	{ 48, "unknown_ca" },
	{ 49, "access_denied" },
	{ 50, "decode_error" },
	{ 51, "decrypt_error" },
	{ 70, "protocol_version" },
	{ 71, "insufficient_security" },
	{ 80, "internal_error" },
	{ 86, "inappropriate_fallback" },
	{ 90, "user_canceled" },
	{ 109, "missing_extension" },
	{ 110, "unsupported_extension" },
	{ 112, "unrecognized_name" },
	{ 113, "bad_certificate_status_response" },
	{ 115, "unknown_psk_identity" },
	{ 116, "certificate_required" },
	{ 120, "no_application_protocol" },
};

static const char *const names[SC_TLS_DIAG__COUNT] = {
	[SC_TLS_DIAG_OK] = "ok",
	[SC_TLS_DIAG_UNKNOWN_CA] = "unknown-ca",
	[SC_TLS_DIAG_MISSING_INTERMEDIATE] = "missing-intermediate",
	[SC_TLS_DIAG_EXPIRED] = "expired",
	[SC_TLS_DIAG_NOT_YET_VALID] = "not-yet-valid",
	[SC_TLS_DIAG_NAME_MISMATCH] = "name-mismatch",
	[SC_TLS_DIAG_PROTOCOL_MISMATCH] = "protocol-mismatch",
	[SC_TLS_DIAG_CLIENT_CERT_REQUIRED] = "client-cert-required",
	[SC_TLS_DIAG_CLIENT_CERT_REJECTED] = "client-cert-rejected",
	[SC_TLS_DIAG_TCP_REFUSED] = "tcp-refused",
	[SC_TLS_DIAG_TCP_UNREACHABLE] = "tcp-unreachable",
	[SC_TLS_DIAG_DNS] = "dns",
	[SC_TLS_DIAG_TIMEOUT] = "timeout",
	[SC_TLS_DIAG_OTHER] = "other",
};

/* The few words a SIP Warning header carries (SPEC B10): what a phone's
 * display or a PBX log can show about an upstream that cannot be used. */
static const char *const summaries[SC_TLS_DIAG__COUNT] = {
	[SC_TLS_DIAG_OK] = "ok",
	[SC_TLS_DIAG_UNKNOWN_CA] = "upstream certificate from an unknown CA",
	[SC_TLS_DIAG_MISSING_INTERMEDIATE] = "upstream certificate chain lacks its intermediate",
	[SC_TLS_DIAG_EXPIRED] = "upstream certificate expired",
	[SC_TLS_DIAG_NOT_YET_VALID] = "upstream certificate not yet valid",
	[SC_TLS_DIAG_NAME_MISMATCH] = "upstream certificate is for another name",
	[SC_TLS_DIAG_PROTOCOL_MISMATCH] = "no TLS version or cipher in common with upstream",
	[SC_TLS_DIAG_CLIENT_CERT_REQUIRED] = "upstream requires a client certificate",
	[SC_TLS_DIAG_CLIENT_CERT_REJECTED] = "upstream rejected our client certificate",
	[SC_TLS_DIAG_TCP_REFUSED] = "upstream refused the connection",
	[SC_TLS_DIAG_TCP_UNREACHABLE] = "upstream unreachable",
	[SC_TLS_DIAG_DNS] = "upstream name not found in DNS",
	[SC_TLS_DIAG_TIMEOUT] = "upstream TLS handshake timed out",
	[SC_TLS_DIAG_OTHER] = "upstream TLS connection failed",
};

const char *sc_tls_diag_summary(enum sc_tls_diag d)
{
	return (unsigned)d < SC_TLS_DIAG__COUNT ? summaries[d] : summaries[SC_TLS_DIAG_OTHER];
}

/* Exit codes are part of the probe's contract (docs/probe.md): certificate
 * problems 10-14, negotiation 15-17, network 20-23, anything else 30. */
static const unsigned char exit_codes[SC_TLS_DIAG__COUNT] = {
	[SC_TLS_DIAG_OK] = 0,
	[SC_TLS_DIAG_UNKNOWN_CA] = 10,
	[SC_TLS_DIAG_MISSING_INTERMEDIATE] = 11,
	[SC_TLS_DIAG_EXPIRED] = 12,
	[SC_TLS_DIAG_NOT_YET_VALID] = 13,
	[SC_TLS_DIAG_NAME_MISMATCH] = 14,
	[SC_TLS_DIAG_PROTOCOL_MISMATCH] = 15,
	[SC_TLS_DIAG_CLIENT_CERT_REQUIRED] = 16,
	[SC_TLS_DIAG_CLIENT_CERT_REJECTED] = 17,
	[SC_TLS_DIAG_TCP_REFUSED] = 20,
	[SC_TLS_DIAG_TCP_UNREACHABLE] = 21,
	[SC_TLS_DIAG_DNS] = 22,
	[SC_TLS_DIAG_TIMEOUT] = 23,
	[SC_TLS_DIAG_OTHER] = 30,
};

void sc_tls_diag_facts_init(struct sc_tls_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->alert_rx = -1;
	f->alert_tx = -1;
}

const char *sc_tls_diag_name(enum sc_tls_diag d)
{
	return (unsigned)d < SC_TLS_DIAG__COUNT ? names[d] : "other";
}

int sc_tls_diag_exit_code(enum sc_tls_diag d)
{
	return (unsigned)d < SC_TLS_DIAG__COUNT ? exit_codes[d] : exit_codes[SC_TLS_DIAG_OTHER];
}

const char *sc_tls_diag_alert_name(int code, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		if (alerts[i].code == code)
			return alerts[i].name;
	snprintf(buf, len, "alert %d", code);
	return buf;
}

/* Certificate problems come in two numberings: OpenSSL's X509_V_ERR_* when
 * wolfSSL is built with WOLFSSL_ERROR_CODE_OPENSSL (Debian's is), its own
 * negative ASN errors otherwise (a smaller OpenWrt build).  wolfSSL 5.5
 * reports dates as the *_FIELD codes, later releases as the plain ones. */
static bool err_expired(int e)
{
	return e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD ||
	       e == ASN_AFTER_DATE_E;
}

static bool err_not_yet(int e)
{
	return e == X509_V_ERR_CERT_NOT_YET_VALID ||
	       e == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD || e == ASN_BEFORE_DATE_E;
}

static bool err_self_signed(int e)
{
	return e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
	       e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN || e == ASN_SELF_SIGNED_E;
}

static bool err_no_issuer(int e)
{
	return e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	       e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	       e == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE || e == X509_V_ERR_CERT_UNTRUSTED ||
	       e == ASN_NO_SIGNER_E;
}

const char *sc_tls_diag_verify_text(int e)
{
	if (e == 0)
		return "ok";
	if (err_expired(e))
		return "the certificate has expired";
	if (err_not_yet(e))
		return "the certificate is not valid yet";
	if (err_self_signed(e))
		return "self-signed certificate, not in the trusted CA list";
	if (err_no_issuer(e))
		return "issued by a CA that is not in the trusted CA list";
	if (e > 0)
		return wolfSSL_X509_verify_cert_error_string(e);
	return wolfSSL_ERR_reason_error_string((unsigned long)e);
}

enum sc_tls_diag sc_tls_diag_verify_class(int e, int depth, unsigned peer_certs,
					  bool leaf_self_issued)
{
	if (e == 0)
		return SC_TLS_DIAG_OK;
	if (err_expired(e))
		return SC_TLS_DIAG_EXPIRED;
	if (err_not_yet(e))
		return SC_TLS_DIAG_NOT_YET_VALID;
	if (err_self_signed(e))
		return SC_TLS_DIAG_UNKNOWN_CA;
	if (err_no_issuer(e)) {
		/* The peer sent its own certificate alone, and that certificate
		 * is not its own issuer: the intermediate that links it to a
		 * trusted root was left out of the server's chain file. */
		if (depth == 0 && peer_certs == 1 && !leaf_self_issued)
			return SC_TLS_DIAG_MISSING_INTERMEDIATE;
		return SC_TLS_DIAG_UNKNOWN_CA;
	}
	return SC_TLS_DIAG_OTHER;
}

/* Alerts that complain about a certificate. */
static bool cert_alert(int a)
{
	switch (a) {
	case ALERT_BAD_CERTIFICATE:
	case ALERT_UNSUPPORTED_CERTIFICATE:
	case ALERT_CERTIFICATE_REVOKED:
	case ALERT_CERTIFICATE_EXPIRED:
	case ALERT_CERTIFICATE_UNKNOWN:
	case ALERT_UNKNOWN_CA:
	case ALERT_ACCESS_DENIED:
	case ALERT_DECRYPT_ERROR:
		return true;
	default:
		return false;
	}
}

/* What an alert from the peer says about the handshake. */
static enum sc_tls_diag alert_class(const struct sc_tls_facts *f)
{
	switch (f->alert_rx) {
	case ALERT_CERTIFICATE_REQUIRED:
		return SC_TLS_DIAG_CLIENT_CERT_REQUIRED;
	case ALERT_PROTOCOL_VERSION:
	case ALERT_INSUFFICIENT_SECURITY:
		return SC_TLS_DIAG_PROTOCOL_MISMATCH;
	case ALERT_HANDSHAKE_FAILURE:
		/* TLS 1.2 servers answer a missing client certificate with
		 * handshake_failure; the same alert before the server even sent
		 * its certificate means no common version or suite. */
		if (f->cert_requested)
			return SC_TLS_DIAG_CLIENT_CERT_REQUIRED;
		if (f->sent_cert && f->peer_certs > 0)
			return SC_TLS_DIAG_CLIENT_CERT_REJECTED;
		if (f->peer_certs == 0)
			return SC_TLS_DIAG_PROTOCOL_MISMATCH;
		return SC_TLS_DIAG_OTHER;
	default:
		/* A certificate complaint from a server can only be about the
		 * client certificate: ours if we sent one, its absence if not.
		 * (From a client it is about our server certificate, which has
		 * no class of its own.) */
		if (!cert_alert(f->alert_rx) || f->server)
			return SC_TLS_DIAG_OTHER;
		if (f->sent_cert)
			return SC_TLS_DIAG_CLIENT_CERT_REJECTED;
		if (f->cert_requested)
			return SC_TLS_DIAG_CLIENT_CERT_REQUIRED;
		return SC_TLS_DIAG_OTHER;
	}
}

enum sc_tls_diag sc_tls_diag_classify(const struct sc_tls_facts *f)
{
	enum sc_tls_diag d;

	switch (f->stage) {
	case SC_TLS_STAGE_NONE:
		return SC_TLS_DIAG_OK;
	case SC_TLS_STAGE_DNS:
		return SC_TLS_DIAG_DNS;
	case SC_TLS_STAGE_TCP:
		return f->sys_err == -ECONNREFUSED ? SC_TLS_DIAG_TCP_REFUSED
						   : SC_TLS_DIAG_TCP_UNREACHABLE;
	case SC_TLS_STAGE_HANDSHAKE:
	case SC_TLS_STAGE_OPEN:
		break;
	}
	/* Our own verdict first: the alert we then sent is its consequence. */
	if (f->rejected) {
		d = sc_tls_diag_verify_class(f->verify_err, f->verify_depth, f->peer_certs,
					     f->leaf_self_issued);
		if (d != SC_TLS_DIAG_OK)
			return d;
		return f->name_mismatch ? SC_TLS_DIAG_NAME_MISMATCH : SC_TLS_DIAG_OTHER;
	}
	if (f->timeout)
		return SC_TLS_DIAG_TIMEOUT;
	if (f->alert_rx >= 0) {
		d = alert_class(f);
		if (d != SC_TLS_DIAG_OTHER)
			return d;
	}
	switch (f->tls_err) {
	case VERSION_ERROR:
	case MATCH_SUITE_ERROR:
	case UNSUPPORTED_SUITE:
		return SC_TLS_DIAG_PROTOCOL_MISMATCH;
	case NO_PEER_CERT:
		/* As a server that requires client certificates. */
		return SC_TLS_DIAG_CLIENT_CERT_REQUIRED;
	default:
		return SC_TLS_DIAG_OTHER;
	}
}

/* " (alert NAME received)" or "" */
static const char *alert_words(const struct sc_tls_facts *f, char *buf, size_t len)
{
	char tmp[24];

	buf[0] = '\0';
	if (f->alert_rx >= 0)
		snprintf(buf, len, " (alert %s received)",
			 sc_tls_diag_alert_name(f->alert_rx, tmp, sizeof(tmp)));
	else if (f->alert_tx >= 0)
		snprintf(buf, len, " (alert %s sent)",
			 sc_tls_diag_alert_name(f->alert_tx, tmp, sizeof(tmp)));
	return buf;
}

static const char *or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

void sc_tls_diag_message(const struct sc_tls_facts *f, const struct sc_tls_diag_where *w,
			 char *buf, size_t len)
{
	const char *peer = or(w ? w->peer : NULL, "the peer");
	const char *expected = or(w ? w->expected : NULL, "?");
	const char *ca = or(w ? w->ca_file : NULL, "the trusted CA list");
	const char *detail = or(f->detail, "unknown error");
	const char *who = or(f->subject, "?");
	char al[64];

	switch (sc_tls_diag_classify(f)) {
	case SC_TLS_DIAG_OK:
		snprintf(buf, len, "no problem found");
		break;
	case SC_TLS_DIAG_DNS:
		snprintf(buf, len, "cannot resolve %s: %s", peer, detail);
		break;
	case SC_TLS_DIAG_TCP_REFUSED:
		snprintf(buf, len, "%s refused the TCP connection: nothing listens on that port, "
			 "or a firewall rejects it", peer);
		break;
	case SC_TLS_DIAG_TCP_UNREACHABLE:
		snprintf(buf, len, "cannot reach %s: %s", peer, detail);
		break;
	case SC_TLS_DIAG_TIMEOUT:
		snprintf(buf, len, "%s accepted the TCP connection but the TLS handshake did not "
			 "finish within %u s", peer, w ? w->timeout : 0);
		break;
	case SC_TLS_DIAG_UNKNOWN_CA:
		if (f->verify_depth == 0 && (err_self_signed(f->verify_err) || f->leaf_self_issued))
			snprintf(buf, len, "the certificate %s of %s is self-signed and is not in %s",
				 who, peer, ca);
		else if (f->verify_depth > 0 && strcmp(who, or(f->issuer, "")) == 0)
			snprintf(buf, len, "the chain sent by %s ends in the self-signed %s, which is "
				 "not in %s", peer, who, ca);
		else
			snprintf(buf, len, "the certificate %s of %s was issued by %s, a CA that is "
				 "not in %s", who, peer, or(f->issuer, "?"), ca);
		break;
	case SC_TLS_DIAG_MISSING_INTERMEDIATE:
		snprintf(buf, len, "%s sent only its own certificate (%s), without the intermediate "
			 "CA certificate that issued it (%s), which is not in %s either",
			 peer, who, or(f->issuer, "?"), ca);
		break;
	case SC_TLS_DIAG_EXPIRED:
		snprintf(buf, len, "the certificate %s of %s expired on %s", who, peer,
			 or(f->date, "?"));
		break;
	case SC_TLS_DIAG_NOT_YET_VALID:
		snprintf(buf, len, "the certificate %s of %s is not valid before %s", who, peer,
			 or(f->date, "?"));
		break;
	case SC_TLS_DIAG_NAME_MISMATCH:
		snprintf(buf, len, "certificate is for %s; expected %s", or(f->names, "(no name)"),
			 expected);
		break;
	case SC_TLS_DIAG_PROTOCOL_MISMATCH:
		snprintf(buf, len, "%s and sipsidecar have no TLS version or cipher suite in common%s",
			 peer, f->alert_rx >= 0 ? alert_words(f, al, sizeof(al)) : "");
		if (f->alert_rx < 0)
			snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", detail);
		break;
	case SC_TLS_DIAG_CLIENT_CERT_REQUIRED:
		if (f->server)
			snprintf(buf, len, "%s sent no client certificate, and one is required", peer);
		else
			snprintf(buf, len, "%s requires a client certificate (mutual TLS) and none is "
				 "configured%s", peer, alert_words(f, al, sizeof(al)));
		break;
	case SC_TLS_DIAG_CLIENT_CERT_REJECTED:
		snprintf(buf, len, "%s rejected our client certificate%s", peer,
			 alert_words(f, al, sizeof(al)));
		break;
	case SC_TLS_DIAG_OTHER:
	default:
		if (f->rejected && f->verify_err)
			snprintf(buf, len, "the certificate %s of %s failed verification: %s", who,
				 peer, sc_tls_diag_verify_text(f->verify_err));
		else if (f->server && cert_alert(f->alert_rx))
			snprintf(buf, len, "%s does not accept our server certificate%s", peer,
				 alert_words(f, al, sizeof(al)));
		else
			snprintf(buf, len, "TLS with %s failed: %s%s", peer, detail,
				 alert_words(f, al, sizeof(al)));
		break;
	}
}

const char *sc_tls_diag_fix(const struct sc_tls_facts *f)
{
	switch (sc_tls_diag_classify(f)) {
	case SC_TLS_DIAG_OK:
		return "nothing to fix";
	case SC_TLS_DIAG_DNS:
		return "check the spelling of the host name and this machine's DNS settings "
		       "(/etc/resolv.conf); or connect to an IP address and give the certificate "
		       "name with --sni (server_name)";
	case SC_TLS_DIAG_TCP_REFUSED:
		return "check the port (SIP over TLS is usually 5061, plain SIP 5060) and that the "
		       "server listens for TLS on it; check firewalls on the way";
	case SC_TLS_DIAG_TCP_UNREACHABLE:
		return "check the address, this machine's routes and any firewall between here and "
		       "the server";
	case SC_TLS_DIAG_TIMEOUT:
		return "make sure that port speaks TLS (not plain SIP or another service) and that "
		       "nothing drops packets after the TCP handshake; a slow server may need a "
		       "longer handshake_timeout";
	case SC_TLS_DIAG_UNKNOWN_CA:
		if (err_self_signed(f->verify_err) || f->leaf_self_issued)
			return "add the server's certificate (or the CA that issued it) to ca_file "
			       "(--ca FILE), or give the server a certificate from a CA already there";
		return "add the CA that issued the server's certificate to ca_file (--ca FILE); for "
		       "a public CA, update the system CA bundle (ca-certificates)";
	case SC_TLS_DIAG_MISSING_INTERMEDIATE:
		return "make the server send its full chain (its certificate first, then the "
		       "intermediates: the 'fullchain' file); as a workaround, add the intermediate "
		       "to ca_file (--ca FILE)";
	case SC_TLS_DIAG_EXPIRED:
		return "renew the certificate on the server; if the date looks wrong, check this "
		       "machine's clock (NTP)";
	case SC_TLS_DIAG_NOT_YET_VALID:
		return "check this machine's clock first (date -u; a router without a battery-backed "
		       "clock needs NTP); otherwise the server installed its certificate too early";
	case SC_TLS_DIAG_NAME_MISMATCH:
		return "set server_name (--sni NAME) to a name the certificate is for, or have the "
		       "certificate reissued with the expected name (an IP address needs an IP SAN)";
	case SC_TLS_DIAG_PROTOCOL_MISMATCH:
		return "allow TLS 1.2 (min_version: \"1.2\", --min-version 1.2) and widen or remove "
		       "the cipher list (ciphers, --ciphers); ask the provider which TLS versions and "
		       "suites it accepts";
	case SC_TLS_DIAG_CLIENT_CERT_REQUIRED:
		if (f->server)
			return "give the client a certificate, or set require_client_certificate: "
			       "false";
		return "configure the client certificate the provider expects: certificate and "
		       "private_key in the upstream (--cert FILE --key FILE)";
	case SC_TLS_DIAG_CLIENT_CERT_REJECTED:
		return "make sure the provider trusts the CA that issued the client certificate, "
		       "that the certificate file holds the full chain and has not expired, and "
		       "that the key belongs to it (sipsidecar check)";
	case SC_TLS_DIAG_OTHER:
	default:
		if (f->server && cert_alert(f->alert_rx))
			return "make the wan certificate a full chain (leaf, then intermediates) from a "
			       "CA the client trusts, for the name the client connects to";
		return "compare with 'openssl s_client -connect HOST:PORT -showcerts'; see "
		       "docs/probe.md";
	}
}

void sc_tls_diag_time(const WOLFSSL_ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || wolfSSL_ASN1_TIME_to_tm(t, &tm) != WOLFSSL_SUCCESS) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
