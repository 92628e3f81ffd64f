/* `sipsidecar probe`: what the handshake showed, and the verdict (see
 * internal.h and docs/probe.md). */
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "../tls/identity.h"
#include "internal.h"
#include "probe.h"

static void print_cert(int i, WOLFSSL_X509 *x)
{
	char s[256], names[512], nb[40], na[40];

	if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(x), s, (int)sizeof(s)))
		snprintf(s, sizeof(s), "?");
	printf("cert %d: subject: %s\n", i, s);
	if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(x), s, (int)sizeof(s)))
		snprintf(s, sizeof(s), "?");
	printf("cert %d: issuer: %s\n", i, s);
	sc_tls_identity_names(x, names, sizeof(names));
	printf("cert %d: names: %s\n", i, names);
	sc_tls_diag_time(wolfSSL_X509_get_notBefore(x), nb, sizeof(nb));
	sc_tls_diag_time(wolfSSL_X509_get_notAfter(x), na, sizeof(na));
	printf("cert %d: valid: %s to %s\n", i, nb, na);
}

void sc_probe_print_tls(const struct probe *p, struct sc_tls_conn *c, int status)
{
	const struct sc_tls_facts *f = sc_tls_conn_facts(c);
	WOLFSSL_X509 *x;
	int i, n;

	if (status == 0) {
		printf("tls: handshake: ok\n");
		printf("tls: protocol: %s\n", sc_tls_conn_version(c));
		printf("tls: cipher: %s\n", sc_tls_conn_cipher(c));
	} else {
		printf("tls: handshake: failed\n");
	}
	if (f->cert_requested)
		printf("tls: the server asked for a client certificate; none was given "
		       "(--cert/--key)\n");
	n = sc_tls_conn_peer_count(c);
	if (n == 0)
		printf("tls: the server sent no certificate\n");
	for (i = 0; i < n; i++) {
		x = sc_tls_conn_peer_cert(c, i);
		if (!x)
			continue;
		print_cert(i, x);
		wolfSSL_X509_free(x);
	}
	if (!sc_tls_conn_checked(c)) {
		printf("verify: not reached\n");
		return;
	}
	if (sc_tls_conn_chain_ok(c))
		printf("verify: chain: ok\n");
	else
		printf("verify: chain: failed: %s (cert %d: %s)\n",
		       sc_tls_diag_verify_text(f->verify_err), f->verify_depth, f->subject);
	if (sc_tls_conn_identity_ok(c))
		printf("verify: identity: ok: %s (certificate is for %s)\n", p->sni, f->names);
	else
		printf("verify: identity: failed: certificate is for %s; expected %s\n", f->names,
		       p->sni);
	printf("verified: %s%s\n", sc_tls_conn_verified(c) ? "yes" : "no",
	       p->verify ? "" : " (not enforced: --no-verify)");
}

void sc_probe_note_unenforced(struct probe *p, struct sc_tls_conn *c)
{
	struct sc_tls_facts f = *sc_tls_conn_facts(c);

	if (p->verify || sc_tls_conn_verified(c) || !sc_tls_conn_checked(c))
		return;
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.rejected = true;
	p->warn = true;
	p->warn_class = sc_tls_diag_classify(&f);
	sc_tls_conn_explain(c, &f, p->warn_msg, sizeof(p->warn_msg));
}

int sc_probe_report(const struct probe *p)
{
	enum sc_tls_diag d = sc_tls_diag_classify(&p->result);
	int code;

	if (d != SC_TLS_DIAG_OK) {
		code = sc_tls_diag_exit_code(d);
		printf("diagnosis: %s: %s\n", sc_tls_diag_name(d), p->result_msg);
		printf("fix: %s\n", sc_tls_diag_fix(&p->result));
		printf("result: %s (exit %d)\n", sc_tls_diag_name(d), code);
		return code;
	}
	if (p->warn)
		printf("warning: %s: %s (ignored because of --no-verify)\n",
		       sc_tls_diag_name(p->warn_class), p->warn_msg);
	if (p->options && !p->sip_final) {
		printf("diagnosis: sip: %s\n", p->sip_fail[0] ? p->sip_fail : "no answer to OPTIONS");
		printf("fix: TLS works; check that the server speaks SIP on this port and accepts "
		       "OPTIONS from this address\n");
		printf("result: sip (exit %d)\n", SC_PROBE_EXIT_SIP);
		return SC_PROBE_EXIT_SIP;
	}
	printf("result: ok\n");
	return 0;
}
