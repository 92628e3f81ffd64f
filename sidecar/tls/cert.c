/* Certificate, key and CA file checks with wolfSSL (see cert.h).
 *
 * The files are loaded exactly the way the TLS contexts will load them, so
 * that `sipsidecar check` and a SIGHUP reload fail for the same reasons a
 * handshake would, only earlier and with a message that names the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/openssl/pem.h>

#include "cert.h"

int sc_tls_cert_init(void)
{
	static bool done;

	if (done)
		return 0;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		return -EIO;
	done = true;
	return 0;
}

const char *sc_tls_cert_reason(char *buf, size_t len)
{
	unsigned long e = wolfSSL_ERR_get_error();
	char r[128];

	wolfSSL_ERR_clear_error();
	buf[0] = '\0';
	if (e != 0) {
		wolfSSL_ERR_error_string_n(e, r, sizeof(r));
		snprintf(buf, len, " (%s)", r);
	}
	return buf;
}

int sc_tls_cert_check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = -1;
	int rc = 0;

	/* stat first so that a device node is never opened at all; then open
	 * for real, which is the only honest readability test (access(2)
	 * answers for the real uid, not the effective one). */
	if (stat(path, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		snprintf(err, errlen, "cannot read %s: it is a directory", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "cannot read %s: not a regular file", path);
		goto out;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
		goto out;
	}
	/* It may have been swapped between stat and open. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "cannot read %s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s is empty", path);
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* timegm(3) is not POSIX: seconds since the epoch from a civil date (Howard
 * Hinnant's days-from-civil), in 64 bits because certificates routinely
 * outlive a 32-bit time_t (armhf glibc), which ends in 2038. */
static long long tm_to_utc(const struct tm *tm)
{
	long long y = (long long)tm->tm_year + 1900 - (tm->tm_mon < 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long m = tm->tm_mon + 1;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm->tm_mday - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = era * 146097 + doe - 719468;

	return days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

/* The latest time a time_t can hold: "later than we can count" is what a
 * 2049 expiry means to a 32-bit system, and it is never near. */
static time_t clamp_time(long long t)
{
	long long max = sizeof(time_t) >= 8 ? (long long)INT64_MAX : (long long)INT32_MAX;

	return (time_t)(t > max ? max : t);
}

void sc_tls_cert_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
}

/* The time and its YYYY-MM-DD, taken from the broken-down time so that
 * neither depends on the width of time_t. */
static int asn1_time(const WOLFSSL_ASN1_TIME *a, long long *t, char *date, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!a || wolfSSL_ASN1_TIME_to_tm(a, &tm) != WOLFSSL_SUCCESS)
		return -EINVAL;
	*t = tm_to_utc(&tm);
	snprintf(date, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

/* wolfSSL_CTX_check_private_key in wolfSSL 5.5 accepts any EC key of the
 * right curve for an EC certificate, so prove possession the certain way:
 * sign with the key and verify with the certificate.  Only a failed
 * verification counts as a mismatch; a key type this path cannot sign with
 * is left to wolfSSL's own check. */
static bool key_mismatch(WOLFSSL_X509 *x, const char *key)
{
	static const unsigned char msg[] = "sipsidecar key check";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	WOLFSSL_BIO *bio = NULL;
	WOLFSSL_EVP_PKEY *priv = NULL, *pub = NULL;
	WOLFSSL_EVP_MD_CTX *md = NULL;
	bool mismatch = false;

	bio = wolfSSL_BIO_new_file(key, "r");
	if (bio)
		priv = wolfSSL_PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	pub = wolfSSL_X509_get_pubkey(x);
	md = wolfSSL_EVP_MD_CTX_new();
	if (!priv || !pub || !md)
		goto out;
	if (wolfSSL_EVP_DigestSignInit(md, NULL, wolfSSL_EVP_sha256(), NULL, priv) != 1 ||
	    wolfSSL_EVP_DigestSignUpdate(md, msg, sizeof(msg)) != 1 ||
	    wolfSSL_EVP_DigestSignFinal(md, sig, &siglen) != 1)
		goto out;
	wolfSSL_EVP_MD_CTX_free(md);
	md = wolfSSL_EVP_MD_CTX_new();
	if (!md || wolfSSL_EVP_DigestVerifyInit(md, NULL, wolfSSL_EVP_sha256(), NULL, pub) != 1 ||
	    wolfSSL_EVP_DigestVerifyUpdate(md, msg, sizeof(msg)) != 1)
		goto out;
	mismatch = wolfSSL_EVP_DigestVerifyFinal(md, sig, (unsigned int)siglen) != 1;
out:
	wolfSSL_EVP_MD_CTX_free(md);
	wolfSSL_EVP_PKEY_free(pub);
	wolfSSL_EVP_PKEY_free(priv); /* wolfSSL zeroes key material on free */
	if (bio)
		wolfSSL_BIO_free(bio);
	wolfSSL_ERR_clear_error();
	return mismatch;
}

/* A scratch client context to load files into, the way the TLS code will.
 * what names the check in the error ("cannot check WHAT: ..."). */
static int scratch_ctx(WOLFSSL_CTX **ctx, const char *what, char *err, size_t errlen)
{
	int rc = sc_tls_cert_init();

	if (rc != 0) {
		snprintf(err, errlen, "cannot initialise wolfSSL");
		return rc;
	}
	wolfSSL_ERR_clear_error();
	*ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!*ctx) {
		snprintf(err, errlen, "cannot check %s: out of memory", what);
		return -ENOMEM;
	}
	return 0;
}

int sc_tls_cert_check_pair(const char *cert, const char *key, char *err, size_t errlen,
			   time_t *not_after)
{
	WOLFSSL_CTX *ctx = NULL;
	WOLFSSL_X509 *x = NULL;
	char why[160], subject[256], nb_date[48], na_date[48];
	long long nb, na, now;
	int rc;

	rc = scratch_ctx(&ctx, cert, err, errlen);
	if (rc != 0)
		goto out;
	if (wolfSSL_CTX_use_certificate_chain_file(ctx, cert) != WOLFSSL_SUCCESS ||
	    !(x = wolfSSL_X509_load_certificate_file(cert, WOLFSSL_FILETYPE_PEM))) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s is not a PEM certificate chain%s", cert,
			 sc_tls_cert_reason(why, sizeof(why)));
		goto out;
	}
	if (asn1_time(wolfSSL_X509_get_notBefore(x), &nb, nb_date, sizeof(nb_date)) != 0 ||
	    asn1_time(wolfSSL_X509_get_notAfter(x), &na, na_date, sizeof(na_date)) != 0) {
		rc = -EINVAL;
		snprintf(err, errlen, "cannot read the validity dates of the certificate in %s",
			 cert);
		goto out;
	}
	if (not_after)
		*not_after = clamp_time(na);
	if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(x), subject,
				       (int)sizeof(subject)))
		snprintf(subject, sizeof(subject), "?");
	if (wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		rc = -EBADMSG;
		snprintf(err, errlen,
			 "%s is not a PEM private key%s (encrypted keys are not supported)", key,
			 sc_tls_cert_reason(why, sizeof(why)));
		goto out;
	}
	if (wolfSSL_CTX_check_private_key(ctx) != WOLFSSL_SUCCESS || key_mismatch(x, key)) {
		rc = -EBADMSG;
		snprintf(err, errlen, "private key %s does not belong to certificate %s (%s)", key,
			 cert, subject);
		goto out;
	}
	now = (long long)time(NULL);
	if (now < nb) {
		rc = -ERANGE;
		snprintf(err, errlen,
			 "certificate %s (%s) is not valid before %s (is the clock right?)", cert,
			 subject, nb_date);
		goto out;
	}
	if (now > na) {
		rc = -ERANGE;
		snprintf(err, errlen, "certificate %s (%s) expired on %s", cert, subject, na_date);
		goto out;
	}
out:
	wolfSSL_ERR_clear_error();
	if (x)
		wolfSSL_X509_free(x);
	if (ctx)
		wolfSSL_CTX_free(ctx);
	return rc;
}

int sc_tls_cert_check_ca(const char *ca_file, char *err, size_t errlen, size_t *count)
{
	WOLF_STACK_OF(WOLFSSL_X509_OBJECT) *objs;
	WOLFSSL_CTX *ctx = NULL;
	char why[160];
	int n = 0;
	int rc;

	if (count)
		*count = 0;
	rc = scratch_ctx(&ctx, ca_file, err, errlen);
	if (rc != 0)
		goto out;
	/* IGNORE_ERR: a bundle with a few certificates wolfSSL cannot parse
	 * (the system bundle, typically) still loads the others. */
	if (wolfSSL_CTX_load_verify_locations_ex(ctx, ca_file, NULL, WOLFSSL_LOAD_FLAG_IGNORE_ERR) !=
	    WOLFSSL_SUCCESS) {
		rc = -EINVAL;
		snprintf(err, errlen, "no CA certificate in %s could be loaded%s", ca_file,
			 sc_tls_cert_reason(why, sizeof(why)));
		goto out;
	}
	objs = wolfSSL_X509_STORE_get0_objects(wolfSSL_CTX_get_cert_store(ctx));
	n = objs ? wolfSSL_sk_X509_OBJECT_num(objs) : 0;
	if (n <= 0) {
		rc = -EINVAL;
		snprintf(err, errlen, "no CA certificate in %s could be loaded", ca_file);
		goto out;
	}
	if (count)
		*count = (size_t)n;
out:
	wolfSSL_ERR_clear_error();
	if (ctx)
		wolfSSL_CTX_free(ctx);
	return rc;
}

int sc_tls_cert_check_ciphers(const char *list, char *err, size_t errlen)
{
	WOLFSSL_CTX *ctx = NULL;
	int rc;

	rc = scratch_ctx(&ctx, "the cipher list", err, errlen);
	if (rc != 0)
		goto out;
	if (wolfSSL_CTX_set_cipher_list(ctx, list) != WOLFSSL_SUCCESS) {
		rc = -EINVAL;
		snprintf(err, errlen, "none of the ciphers in '%s' is known to wolfSSL %s", list,
			 wolfSSL_lib_version());
		goto out;
	}
out:
	wolfSSL_ERR_clear_error();
	if (ctx)
		wolfSSL_CTX_free(ctx);
	return rc;
}
