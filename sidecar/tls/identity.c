/* Peer identity checks against a configured name (see identity.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/x509v3.h>

#include "identity.h"
#include "../base/str.h"
#include "../net/addr.h"

/* A name without its trailing dot: "sip.example.net." is the same host as
 * "sip.example.net" (an absolute DNS name). */
static size_t strip_dot(const char *s, size_t n)
{
	return (n > 0 && s[n - 1] == '.') ? n - 1 : n;
}

bool sc_tls_identity_match_dns(const char *pattern, size_t plen, const char *host)
{
	size_t hlen = host ? strlen(host) : 0;
	const char *hrest;

	/* A NUL inside a certificate name is an old trick to make
	 * "good.example\0.evil.example" look like good.example to C code. */
	if (!pattern || !host || memchr(pattern, '\0', plen) || memchr(host, '*', hlen))
		return false;
	plen = strip_dot(pattern, plen);
	hlen = strip_dot(host, hlen);
	if (plen == 0 || hlen == 0)
		return false;
	if (plen > 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* The wildcard is one whole label: "*.example.net" matches
		 * "a.example.net", not "example.net" nor "a.b.example.net".  It
		 * needs two labels after it so that "*.net" matches nothing. */
		if (!memchr(pattern + 2, '.', plen - 2))
			return false;
		hrest = memchr(host, '.', hlen);
		if (!hrest || hrest == host)
			return false;
		hrest++;
		return sc_str_caseeq(sc_str_make(pattern + 2, plen - 2),
				     sc_str_make(hrest, hlen - (size_t)(hrest - host)));
	}
	return sc_str_caseeq(sc_str_make(pattern, plen), sc_str_make(host, hlen));
}

/* The subjectAltName extension as a stack of names, or NULL. */
static WOLF_STACK_OF(WOLFSSL_GENERAL_NAME) *get_sans(WOLFSSL_X509 *x)
{
	return wolfSSL_X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
}

static void free_sans(WOLF_STACK_OF(WOLFSSL_GENERAL_NAME) *sans)
{
	if (sans)
		wolfSSL_sk_GENERAL_NAME_pop_free(sans, wolfSSL_GENERAL_NAME_free);
}

static bool match_ip(WOLFSSL_ASN1_STRING *s, const unsigned char *ip, size_t iplen)
{
	int n = wolfSSL_ASN1_STRING_length(s);
	const unsigned char *d = wolfSSL_ASN1_STRING_data(s);

	return d && n > 0 && (size_t)n == iplen && memcmp(d, ip, iplen) == 0;
}

/* The subject CNs, used only for certificates without DNS/IP SANs. */
static bool match_cn(WOLFSSL_X509 *x, const char *expected, size_t iplen)
{
	WOLFSSL_X509_NAME *name = wolfSSL_X509_get_subject_name(x);
	WOLFSSL_X509_NAME_ENTRY *e;
	WOLFSSL_ASN1_STRING *s;
	const char *d;
	int i = -1;
	int n;

	while (name && (i = wolfSSL_X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
		e = wolfSSL_X509_NAME_get_entry(name, i);
		s = e ? wolfSSL_X509_NAME_ENTRY_get_data(e) : NULL;
		d = s ? (const char *)wolfSSL_ASN1_STRING_data(s) : NULL;
		n = s ? wolfSSL_ASN1_STRING_length(s) : 0;
		if (!d || n <= 0)
			continue;
		/* An IP in a CN is a legacy habit: accept only the exact text. */
		if (iplen ? (strlen(expected) == (size_t)n && memcmp(d, expected, (size_t)n) == 0)
			  : sc_tls_identity_match_dns(d, (size_t)n, expected))
			return true;
	}
	return false;
}

int sc_tls_identity_check(WOLFSSL_X509 *x, const char *expected)
{
	WOLF_STACK_OF(WOLFSSL_GENERAL_NAME) *sans;
	WOLFSSL_GENERAL_NAME *g;
	unsigned char ip[16];
	size_t iplen;
	bool have_san = false, match = false;
	int i, n;

	if (!x || !expected || !*expected)
		return -EINVAL;
	iplen = sc_net_ip_parse(expected, ip);
	sans = get_sans(x);
	n = sans ? wolfSSL_sk_GENERAL_NAME_num(sans) : 0;
	for (i = 0; i < n && !match; i++) {
		g = wolfSSL_sk_GENERAL_NAME_value(sans, i);
		if (!g)
			continue;
		if (g->type == GEN_DNS) {
			have_san = true;
			match = !iplen && sc_tls_identity_match_dns(
						  (const char *)wolfSSL_ASN1_STRING_data(g->d.dNSName),
						  (size_t)wolfSSL_ASN1_STRING_length(g->d.dNSName),
						  expected);
		} else if (g->type == GEN_IPADD) {
			have_san = true;
			match = iplen && match_ip(g->d.iPAddress, ip, iplen);
		}
	}
	free_sans(sans);
	if (!have_san)
		match = match_cn(x, expected, iplen);
	return match ? 0 : -EPERM;
}

/* Appends "sep text" to buf, ending in "..." when it does not fit. */
static void append(char *buf, size_t len, size_t *used, const char *text, size_t tlen)
{
	const char *sep = *used ? ", " : "";
	size_t need = strlen(sep) + tlen;

	if (*used >= len || len < 4)
		return;
	if (*used + need + 1 > len) {
		/* Leave room for "..." and mark the list as cut. */
		if (*used + 4 <= len) {
			memcpy(buf + *used, "...", 4);
			*used = len;
		}
		return;
	}
	*used += (size_t)snprintf(buf + *used, len - *used, "%s%.*s", sep, (int)tlen, text);
}

void sc_tls_identity_names(WOLFSSL_X509 *x, char *buf, size_t len)
{
	WOLF_STACK_OF(WOLFSSL_GENERAL_NAME) *sans;
	WOLFSSL_GENERAL_NAME *g;
	WOLFSSL_X509_NAME *name;
	WOLFSSL_ASN1_STRING *s;
	char text[300], addr[INET6_ADDRSTRLEN];
	const unsigned char *d;
	size_t used = 0;
	int i, n, dn, pass;

	if (len == 0)
		return;
	buf[0] = '\0';
	sans = x ? get_sans(x) : NULL;
	n = sans ? wolfSSL_sk_GENERAL_NAME_num(sans) : 0;
	/* DNS names first, then addresses, each in certificate order (wolfSSL
	 * 5.5 builds the stack back to front). */
	for (pass = 0; pass < 2; pass++) {
		for (i = n - 1; i >= 0; i--) {
			g = wolfSSL_sk_GENERAL_NAME_value(sans, i);
			if (!g)
				continue;
			if (pass == 0 && g->type == GEN_DNS) {
				d = wolfSSL_ASN1_STRING_data(g->d.dNSName);
				dn = wolfSSL_ASN1_STRING_length(g->d.dNSName);
				if (!d || dn <= 0)
					continue;
				snprintf(text, sizeof(text), "DNS:%.*s", dn, (const char *)d);
			} else if (pass == 1 && g->type == GEN_IPADD) {
				d = wolfSSL_ASN1_STRING_data(g->d.iPAddress);
				dn = wolfSSL_ASN1_STRING_length(g->d.iPAddress);
				if (!d || (dn != 4 && dn != 16) ||
				    !inet_ntop(dn == 4 ? AF_INET : AF_INET6, d, addr, sizeof(addr)))
					continue;
				snprintf(text, sizeof(text), "IP:%s", addr);
			} else {
				continue;
			}
			append(buf, len, &used, text, strlen(text));
		}
	}
	free_sans(sans);
	if (used == 0 && x) {
		name = wolfSSL_X509_get_subject_name(x);
		i = -1;
		while (name &&
		       (i = wolfSSL_X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
			s = wolfSSL_X509_NAME_ENTRY_get_data(wolfSSL_X509_NAME_get_entry(name, i));
			d = s ? wolfSSL_ASN1_STRING_data(s) : NULL;
			dn = s ? wolfSSL_ASN1_STRING_length(s) : 0;
			if (!d || dn <= 0)
				continue;
			snprintf(text, sizeof(text), "CN:%.*s", dn, (const char *)d);
			append(buf, len, &used, text, strlen(text));
		}
	}
	if (used == 0)
		snprintf(buf, len, "(no name)");
}
