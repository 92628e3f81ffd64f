/* TLS failure diagnosis (SPEC §6): what went wrong, in plain words, and the
 * fix.
 *
 * The connection code records what it saw (struct sc_tls_facts: where it
 * failed, the wolfSSL error, the alerts, the first certificate problem, the
 * chain the peer sent); sc_tls_diag_classify turns that into one stable
 * class.  Classes have a short name used in logs and /status and an exit
 * code for `sipsidecar probe` (docs/probe.md has the table).  Classifying
 * is pure, so it is unit-tested without a network.
 */
#ifndef SC_TLS_DIAG_H
#define SC_TLS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

enum sc_tls_diag {
	SC_TLS_DIAG_OK = 0,
	SC_TLS_DIAG_UNKNOWN_CA,
	SC_TLS_DIAG_MISSING_INTERMEDIATE,
	SC_TLS_DIAG_EXPIRED,
	SC_TLS_DIAG_NOT_YET_VALID,
	SC_TLS_DIAG_NAME_MISMATCH,
	SC_TLS_DIAG_PROTOCOL_MISMATCH,
	SC_TLS_DIAG_CLIENT_CERT_REQUIRED,
	SC_TLS_DIAG_CLIENT_CERT_REJECTED,
	SC_TLS_DIAG_TCP_REFUSED,
	SC_TLS_DIAG_TCP_UNREACHABLE,
	SC_TLS_DIAG_DNS,
	SC_TLS_DIAG_TIMEOUT,
	SC_TLS_DIAG_OTHER,
	SC_TLS_DIAG__COUNT
};

/* Where a connection failed. */
enum sc_tls_stage {
	SC_TLS_STAGE_NONE = 0, /* it did not fail */
	SC_TLS_STAGE_DNS,
	SC_TLS_STAGE_TCP,
	SC_TLS_STAGE_HANDSHAKE,
	SC_TLS_STAGE_OPEN, /* after the handshake: in TLS 1.3 a server's verdict on
			    * our client certificate arrives only then */
};

/* What a connection saw.  sc_tls_diag_facts_init sets the "none" values. */
struct sc_tls_facts {
	enum sc_tls_stage stage;
	int sys_err;             /* DNS/TCP: negative errno; -ETIMEDOUT when our timer fired */
	int tls_err;             /* the wolfSSL error that ended it, 0 if none */
	int alert_rx;            /* last alert the peer sent, -1 if none */
	int alert_tx;            /* last alert we sent, -1 if none */
	bool timeout;            /* the handshake did not finish in time */
	bool server;             /* we were the TLS server */
	bool rejected;           /* our verification refused the peer's certificate */
	bool name_mismatch;      /* the peer's certificate is not for the expected name */
	bool cert_requested;     /* the peer asked for our certificate and we had none loaded */
	bool sent_cert;          /* we are a client with a certificate configured */
	bool leaf_self_issued;   /* the peer's own certificate names itself as issuer */
	unsigned char peer_certs; /* how many certificates the peer sent */
	int verify_err;          /* first certificate problem: X509_V_ERR_* or a wolfSSL
				  * ASN error (either numbering, depending on the build) */
	int verify_depth;        /* which certificate: 0 is the peer's own */
	char subject[96];        /* the certificate verify_err is about, one line */
	char issuer[96];         /* and its issuer */
	char date[32];           /* its notAfter (expired) or notBefore (not yet valid) */
	char names[128];         /* the names the peer's certificate is for */
	char detail[96];         /* the system's or wolfSSL's words for the error */
};

/* Context for the words: who we talked to and what we expected. */
struct sc_tls_diag_where {
	const char *peer;     /* "sip.example.net (192.0.2.1 port 5061)" */
	const char *expected; /* the identity the peer's certificate must carry */
	const char *ca_file;  /* the trusted CA list, NULL if none */
	unsigned timeout;     /* the handshake timeout, seconds */
};

void sc_tls_diag_facts_init(struct sc_tls_facts *f);

enum sc_tls_diag sc_tls_diag_classify(const struct sc_tls_facts *f);

/* The class of a certificate problem alone (X509_V_ERR_* or wolfSSL's ASN
 * errors), given what the chain looked like; SC_TLS_DIAG_OTHER for problems
 * without a class of their own (a bad signature, say). */
enum sc_tls_diag sc_tls_diag_verify_class(int verify_err, int depth, unsigned peer_certs,
					  bool leaf_self_issued);

/* "unknown-ca", "missing-intermediate", ... ("ok" for SC_TLS_DIAG_OK). */
const char *sc_tls_diag_name(enum sc_tls_diag d);

/* A few words for a SIP Warning header: "upstream certificate expired". */
const char *sc_tls_diag_summary(enum sc_tls_diag d);

/* The `sipsidecar probe` exit status of a class: 0 for ok, 10.. otherwise. */
int sc_tls_diag_exit_code(enum sc_tls_diag d);

/* One sentence in plain words for the failure in f (no trailing period). */
void sc_tls_diag_message(const struct sc_tls_facts *f, const struct sc_tls_diag_where *w,
			 char *buf, size_t len);

/* What to do about it: one sentence. */
const char *sc_tls_diag_fix(const struct sc_tls_facts *f);

/* The TLS name of an alert ("unknown_ca"), or "alert N" for unknown ones
 * (buf holds at least 24 bytes). */
const char *sc_tls_diag_alert_name(int code, char *buf, size_t len);

/* Plain words for a certificate problem ("the certificate has expired"). */
const char *sc_tls_diag_verify_text(int verify_err);

/* Formats a certificate time as "YYYY-MM-DD HH:MM:SS UTC" (from the broken
 * down time, so a 32-bit time_t does not matter); "?" when it cannot. */
void sc_tls_diag_time(const WOLFSSL_ASN1_TIME *t, char *buf, size_t len);

#endif
