/* File checks: the certificates, private keys and CA lists a configuration
 * names, opened and parsed the way the TLS contexts will open them.
 *
 * This is the only place where conf/ uses tls/ (tls/cert.h), so that
 * `check` fails on a file the daemon could not load rather than the daemon
 * failing at start.  SC_CONF_NO_FILES skips all of it.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"
#include "../tls/cert.h"

/* A certificate expiring sooner than this is a warning in `check`. */
#define EXPIRY_WARN_DAYS 30

static bool file_ok(struct ld *ld, const yaml_node_t *n, const char *path)
{
	char e[600];

	if (sc_tls_cert_check_file(path, e, sizeof(e)) == 0)
		return true;
	ERR(ld, n, "%s", e);
	return false;
}

void files_check_pair(struct ld *ld, const yaml_node_t *cn, const yaml_node_t *kn,
		      const char *cert, const char *key)
{
	char e[700], date[16];
	time_t na = 0, now;
	bool cert_ok, key_ok;
	struct stat st;
	int rc;

	if (!cert || !key || (ld->flags & SC_CONF_NO_FILES))
		return;
	/* Both, so that both missing files are reported. */
	cert_ok = file_ok(ld, cn, cert);
	key_ok = file_ok(ld, kn, key);
	if (!cert_ok || !key_ok)
		return;
	if (stat(key, &st) == 0 && (st.st_mode & S_IROTH))
		WARN(ld, kn, "private key %s is readable by every user: chmod o-r it", key);
	rc = sc_tls_cert_check_pair(cert, key, e, sizeof(e), &na);
	if (rc == -EBADMSG) {
		ERR(ld, kn, "%s", e);
	} else if (rc != 0) {
		ERR(ld, cn, "%s", e);
	} else {
		now = time(NULL);
		if (na - now < (time_t)EXPIRY_WARN_DAYS * 86400) {
			sc_tls_cert_date(na, date, sizeof(date));
			WARN(ld, cn, "certificate %s expires on %s, in %lld days: renew it", cert,
			     date, (long long)((na - now) / 86400));
		}
	}
}

void files_check_ca(struct ld *ld, const yaml_node_t *n, const struct sc_conf_pos *pos,
		    const char *ca, bool is_default)
{
	const char *hint = is_default ? " (the default ca_file: install the system CA bundle "
					"or set ca_file)" : "";
	char e[600];

	if (!ca || (ld->flags & SC_CONF_NO_FILES))
		return;
	if (sc_tls_cert_check_file(ca, e, sizeof(e)) != 0 ||
	    sc_tls_cert_check_ca(ca, e, sizeof(e), NULL) != 0)
		ld_msg(ld, false, n, pos, "%s%s", e, hint);
}

/* Not a file, but the same question: will wolfSSL take it? */
void files_check_ciphers(struct ld *ld, const yaml_node_t *n, const char *ciphers)
{
	char e[300];

	if (sc_tls_cert_check_ciphers(ciphers, e, sizeof(e)) != 0)
		ERR(ld, n, "%s", e);
}
