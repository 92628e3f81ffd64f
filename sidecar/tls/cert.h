/* Checks of certificate, key and CA files with wolfSSL, shared by the
 * configuration loader (`sipsidecar check`) and the TLS code.
 *
 * Every function fills err with one sentence in plain words that names the
 * file (never the contents of a private key) and returns 0 or a negative
 * errno.  They call wolfSSL_Init themselves the first time.
 */
#ifndef SC_TLS_CERT_H
#define SC_TLS_CERT_H

#include <stddef.h>
#include <time.h>

/* Initialises wolfSSL once per process; returns 0 or -EIO. */
int sc_tls_cert_init(void);

/* Is path an existing, readable regular file?  Opening it is the test (with
 * O_NONBLOCK, so a FIFO such as /dev/stdin cannot block).  Returns 0, or the
 * negative errno with err "cannot read PATH: REASON". */
int sc_tls_cert_check_file(const char *path, char *err, size_t errlen);

/* Loads a PEM certificate chain (leaf first, then intermediates) and its
 * private key the way the TLS code will, and checks that the key belongs to
 * the leaf and that the leaf is valid now.  *not_after (may be NULL) gets
 * the leaf's expiry whenever the leaf could be parsed, so the caller can
 * warn ahead of it (capped at the largest time_t: a 32-bit time_t ends in
 * 2038, many certificates later).  Returns
 *   0          all good
 *   -EINVAL    the certificate file is not a usable PEM chain
 *   -EBADMSG   the key file is not a usable private key, or does not match
 *   -ERANGE    the leaf has expired or is not valid yet
 */
int sc_tls_cert_check_pair(const char *cert, const char *key, char *err, size_t errlen,
			   time_t *not_after);

/* Loads a PEM CA list.  Certificates wolfSSL cannot parse are skipped (the
 * system bundle usually holds a few), so this fails only when not a single
 * CA loads.  *count (may be NULL) gets the number of CAs loaded.  Returns 0
 * or -EINVAL. */
int sc_tls_cert_check_ca(const char *ca_file, char *err, size_t errlen, size_t *count);

/* Does wolfSSL know at least one suite of an OpenSSL-style cipher list?
 * Returns 0 or -EINVAL. */
int sc_tls_cert_check_ciphers(const char *list, char *err, size_t errlen);

/* wolfSSL's reason for its last failure, when it recorded one, as
 * " (reason)" in buf, else ""; the error queue is emptied so the next
 * operation starts clean.  Returns buf. */
const char *sc_tls_cert_reason(char *buf, size_t len);

/* Formats t as YYYY-MM-DD (UTC) into buf, which holds at least 11 bytes. */
void sc_tls_cert_date(time_t t, char *buf, size_t len);

#endif
