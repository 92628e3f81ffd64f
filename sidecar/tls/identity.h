/* Peer identity: is a certificate for the name we meant to reach (SPEC B2,
 * DESIGN "Identity checks")?
 *
 * The rules are RFC 6125's, written out here rather than left to wolfSSL,
 * whose own domain check also accepts the subject CN when the certificate
 * has subjectAltNames:
 *   - a DNS name is compared with each SAN dNSName, ASCII case-insensitively,
 *     a trailing dot on either side ignored; a SAN may be a wildcard whose
 *     whole left-most label is "*", which stands for exactly one label and
 *     needs at least two labels after it ("*.example.net", never "*.net");
 *   - an IP literal (IPv4, or IPv6 with or without brackets) is compared
 *     with each SAN iPAddress, byte for byte, never with a DNS name;
 *   - the subject CN counts only when the certificate has no dNSName and no
 *     iPAddress SAN at all.
 */
#ifndef SC_TLS_IDENTITY_H
#define SC_TLS_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

/* Does the certificate name pattern (plen bytes, not NUL-terminated, as it
 * comes out of a certificate) match host?  host is a DNS name, not an IP
 * literal. */
bool sc_tls_identity_match_dns(const char *pattern, size_t plen, const char *host);

/* Is certificate x for expected?  Returns 0 when it is, -EPERM when it is
 * not, -EINVAL when expected is empty. */
int sc_tls_identity_check(WOLFSSL_X509 *x, const char *expected);

/* Lists the names x is for, the way messages show them:
 * "DNS:sip.example.net, IP:192.0.2.1", or "CN:sip.example.net" when the
 * certificate has no DNS or IP SAN, or "(no name)".  Truncated with "..."
 * when buf is too small. */
void sc_tls_identity_names(WOLFSSL_X509 *x, char *buf, size_t len);

#endif
