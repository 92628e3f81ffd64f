/* Certificate, key and CA checks (sidecar/tls/cert.c) and the loader's file
 * checks, on real certificates made by tests/data/certs/mkcerts.sh.
 *
 * The certificates come from the directory in SC_TEST_CERTS (the cross
 * runner generates them natively and passes them in, since openssl under
 * qemu would be slow); without it this program runs the script into a
 * temporary directory.  No certificates is a failure, never a skip.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../sidecar/conf/conf.h"
#include "../../sidecar/tls/cert.h"
#include "check.h"

static char dir[512];     /* the certificates */
static char scratch[256]; /* our own files */
static int generated;

static const char *path(const char *name)
{
	static char buf[4][768];
	static unsigned i;
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static const char *spath(const char *name)
{
	static char buf[4][768];
	static unsigned i;
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", scratch, name);
	return b;
}

static int write_file(const char *p, const char *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	int rc = 0;

	if (!f)
		return -1;
	if (len && fwrite(data, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Appends file src to dst. */
static int append_file(const char *dst, const char *src)
{
	char buf[4096];
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "ab");
	size_t n;
	int rc = in && out ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	return rc;
}

static int setup(void)
{
	const char *env = getenv("SC_TEST_CERTS");
	char cmd[1200];
	struct stat st;

	strcpy(scratch, "/tmp/sc-test-cert-XXXXXX");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return -1;
	}
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		snprintf(dir, sizeof(dir), "%s/certs", scratch);
		snprintf(cmd, sizeof(cmd), "tests/data/certs/mkcerts.sh '%s'", dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "cert: '%s' failed (needs the openssl command)\n", cmd);
			return -1;
		}
		generated = 1;
	}
	if (stat(path(".complete"), &st) != 0) {
		fprintf(stderr, "cert: no complete certificate set in %s (run "
				"tests/data/certs/mkcerts.sh DIR and set SC_TEST_CERTS=DIR)\n",
			dir);
		return -1;
	}
	return 0;
}

static void teardown(void)
{
	char cmd[1200];

	if (scratch[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "cert: could not remove %s\n", scratch);
	}
}

/* ---- sc_tls_cert_* ---- */

static void test_check_file(void)
{
	char err[700];

	CHECK_EQ_INT(sc_tls_cert_check_file(path("server.pem"), err, sizeof(err)), 0);
	CHECK_EQ_INT(sc_tls_cert_check_file(path("nope.pem"), err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "cannot read ") && strstr(err, "/nope.pem: No such file or directory"));
	CHECK_EQ_INT(sc_tls_cert_check_file(dir, err, sizeof(err)), -EISDIR);
	CHECK(strstr(err, ": it is a directory") != NULL);
	CHECK_EQ_INT(sc_tls_cert_check_file("/dev/null", err, sizeof(err)), -EINVAL);
	CHECK(!strcmp(err, "cannot read /dev/null: not a regular file"));
	/* a FIFO would block a plain open(2): refused without opening */
	CHECK_EQ_INT(mkfifo(spath("fifo"), 0600), 0);
	CHECK_EQ_INT(sc_tls_cert_check_file(spath("fifo"), err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK_EQ_INT(write_file(spath("empty.pem"), "", 0), 0);
	CHECK_EQ_INT(sc_tls_cert_check_file(spath("empty.pem"), err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "empty.pem is empty") != NULL);
	/* Permissions mean nothing to root. */
	if (geteuid() != 0) {
		CHECK_EQ_INT(write_file(spath("secret.pem"), "x", 1), 0);
		CHECK_EQ_INT(chmod(spath("secret.pem"), 0), 0);
		CHECK_EQ_INT(sc_tls_cert_check_file(spath("secret.pem"), err, sizeof(err)), -EACCES);
		CHECK(strstr(err, "secret.pem: Permission denied") != NULL);
	}
}

static void test_pair_good(void)
{
	char err[700] = "";
	time_t na = 0, now = time(NULL);

	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.pem"), path("server.key"), err,
					    sizeof(err), &na),
		     0);
	CHECK(na > now + 700 * 86400L);
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("other.pem"), path("other.key"), err,
					    sizeof(err), NULL),
		     0);
	/* RSA */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("client.pem"), path("client.key"), err,
					    sizeof(err), &na),
		     0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
}

static void test_pair_bad(void)
{
	char err[700];
	time_t na;

	/* same curve, wrong key: wolfSSL's own check lets this through */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.pem"), path("mismatch.key"), err,
					    sizeof(err), NULL),
		     -EBADMSG);
	CHECK(strstr(err, "mismatch.key does not belong to certificate ") &&
	      strstr(err, "server.pem (/CN=sip.example.test)"));
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.pem"), path("other.key"), err,
					    sizeof(err), NULL),
		     -EBADMSG);
	/* EC certificate, RSA key and the reverse */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.pem"), path("client.key"), err,
					    sizeof(err), NULL),
		     -EBADMSG);
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("client.pem"), path("server.key"), err,
					    sizeof(err), NULL),
		     -EBADMSG);
	CHECK(strstr(err, "does not belong") != NULL);
	/* not a certificate */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("garbage.pem"), path("server.key"), err,
					    sizeof(err), NULL),
		     -EINVAL);
	CHECK(strstr(err, "garbage.pem is not a PEM certificate chain") != NULL);
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.key"), path("server.key"), err,
					    sizeof(err), NULL),
		     -EINVAL);
	CHECK(strstr(err, "server.key is not a PEM certificate chain") != NULL);
	/* not a key: never quote the key file's contents, only its name */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("server.pem"), path("server.pem"), err,
					    sizeof(err), NULL),
		     -EBADMSG);
	CHECK(strstr(err, "server.pem is not a PEM private key") != NULL);
	CHECK(strstr(err, "BEGIN") == NULL);
	/* dates */
	na = 0;
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("expired.pem"), path("expired.key"), err,
					    sizeof(err), &na),
		     -ERANGE);
	CHECK(strstr(err, "expired.pem (/CN=expired.example.test) expired on 2021-01-01") != NULL);
	CHECK_EQ_INT(na, 1609459200); /* 2021-01-01T00:00:00Z */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("notyet.pem"), path("notyet.key"), err,
					    sizeof(err), &na),
		     -ERANGE);
	CHECK(strstr(err, "is not valid before 2049-01-01 (is the clock right?)") != NULL);
	/* 2049-12-31T00:00:00Z, or the end of a 32-bit time_t (armhf) */
	if (sizeof(time_t) >= 8)
		CHECK_EQ_INT(na, 2524521600);
	else
		CHECK_EQ_INT(na, INT32_MAX);
}

static void test_pair_soon(void)
{
	char err[700] = "";
	time_t na = 0, now = time(NULL);

	/* Still valid: the near-expiry warning is the loader's business. */
	CHECK_EQ_INT(sc_tls_cert_check_pair(path("soon.pem"), path("soon.key"), err, sizeof(err),
					    &na),
		     0);
	/* made 10 days ahead, possibly a while ago when SC_TEST_CERTS is reused */
	CHECK(na > now && na <= now + 10 * 86400L + 60);
}

static void test_ca(void)
{
	char err[700];
	size_t n = 0;

	CHECK_EQ_INT(sc_tls_cert_check_ca(path("ca.pem"), err, sizeof(err), &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(sc_tls_cert_check_ca(path("provider-ca.pem"), err, sizeof(err), NULL), 0);
	/* two CAs in one file */
	CHECK_EQ_INT(append_file(spath("two.pem"), path("ca.pem")), 0);
	CHECK_EQ_INT(append_file(spath("two.pem"), path("intermediate.pem")), 0);
	CHECK_EQ_INT(sc_tls_cert_check_ca(spath("two.pem"), err, sizeof(err), &n), 0);
	CHECK_EQ_INT(n, 2);
	/* one bad certificate does not spoil a bundle */
	CHECK_EQ_INT(append_file(spath("mixed.pem"), path("garbage.pem")), 0);
	CHECK_EQ_INT(append_file(spath("mixed.pem"), path("ca.pem")), 0);
	CHECK_EQ_INT(sc_tls_cert_check_ca(spath("mixed.pem"), err, sizeof(err), &n), 0);
	CHECK_EQ_INT(n, 1);
	/* but a file with no CA at all fails */
	CHECK_EQ_INT(sc_tls_cert_check_ca(path("garbage.pem"), err, sizeof(err), &n), -EINVAL);
	CHECK(strstr(err, "no CA certificate in ") && strstr(err, "garbage.pem could be loaded"));
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(sc_tls_cert_check_ca(path("server.key"), err, sizeof(err), NULL), -EINVAL);
	/* the system bundle, where there is one */
	if (access(SC_CONF_DEFAULT_CA, R_OK) == 0) {
		CHECK_EQ_INT(sc_tls_cert_check_ca(SC_CONF_DEFAULT_CA, err, sizeof(err), &n), 0);
		CHECK(n >= 10);
		printf("cert: %s holds %zu CAs wolfSSL can load\n", SC_CONF_DEFAULT_CA, n);
	} else {
		printf("cert: no %s here; system bundle not checked\n", SC_CONF_DEFAULT_CA);
	}
}

static void test_ciphers_and_dates(void)
{
	char err[300], date[16];

	CHECK_EQ_INT(sc_tls_cert_check_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-"
					       "SHA256",
					       err, sizeof(err)),
		     0);
	CHECK_EQ_INT(sc_tls_cert_check_ciphers("NO-SUCH-CIPHER", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "none of the ciphers in 'NO-SUCH-CIPHER' is known") != NULL);
	sc_tls_cert_date(0, date, sizeof(date));
	CHECK(!strcmp(date, "1970-01-01"));
	sc_tls_cert_date(1609459200, date, sizeof(date));
	CHECK(!strcmp(date, "2021-01-01"));
	sc_tls_cert_date(951782400, date, sizeof(date)); /* leap day */
	CHECK(!strcmp(date, "2000-02-29"));
}

/* ---- the loader's file checks, with positions ---- */

static struct sc_diags dg;

/* Loads tmpl with $1..$4 replaced by a..d (a template, because
 * -Wformat-nonliteral rules out building formats at run time). */
static int load_files(const char *tmpl, const char *a, const char *b, const char *c,
		      const char *d, unsigned flags, struct sc_conf **out)
{
	const char *args[4] = { a, b, c, d };
	char yaml[4096];
	size_t o = 0;

	for (; *tmpl && o + 1 < sizeof(yaml); tmpl++) {
		if (tmpl[0] == '$' && tmpl[1] >= '1' && tmpl[1] <= '4') {
			o += (size_t)snprintf(yaml + o, sizeof(yaml) - o, "%s", args[tmpl[1] - '1']);
			tmpl++;
		} else {
			yaml[o++] = *tmpl;
		}
	}
	yaml[o < sizeof(yaml) ? o : sizeof(yaml) - 1] = '\0';
	sc_diags_free(&dg);
	*out = NULL;
	return sc_conf_load_buf("f.yaml", yaml, strlen(yaml), flags, out, &dg);
}

static bool has(int line, int col, bool warning, const char *text)
{
	size_t i;

	for (i = 0; i < dg.n; i++)
		if (dg.d[i].line == line && dg.d[i].col == col && dg.d[i].warning == warning &&
		    strstr(dg.d[i].msg, text))
			return true;
	fprintf(stderr, "  no %s at %d:%d containing \"%s\"; have:\n", warning ? "warning" : "error",
		line, col, text);
	sc_diags_print(&dg, stderr);
	return false;
}

static const char conf_tmpl[] = "wan:\n"                                /* 1 */
				"  listen: [ \"tls:0.0.0.0:5061\" ]\n"  /* 2 */
				"  certificate: $1\n"                   /* 3 */
				"  private_key: $2\n"                   /* 4 */
				"upstreams:\n"                          /* 5 */
				"  p:\n"                                /* 6 */
				"    uri: sips:sip.example.test\n"      /* 7 */
				"    ca_file: $3\n"                     /* 8 */
				"    certificate: $4.pem\n"             /* 9 */
				"    private_key: $4.key\n"             /* 10 */
				"devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n";

/* The same without the upstream's client certificate. */
static const char conf_tmpl_short[] = "wan:\n"
				      "  listen: [ \"tls:0.0.0.0:5061\" ]\n"
				      "  certificate: $1\n"
				      "  private_key: $2\n"
				      "upstreams:\n"
				      "  p:\n"
				      "    uri: sips:sip.example.test\n"
				      "    ca_file: $3\n"
				      "devices: [ {name: a, match: 10.0.0.1, upstream: p} ]\n";

static void test_loader_files(void)
{
	struct sc_conf *c;

	/* all good, mutual TLS included */
	CHECK_EQ_INT(load_files(conf_tmpl, path("server.pem"), path("server.key"),
				path("provider-ca.pem"), path("client"), 0, &c),
		     0);
	CHECK(c && c->upstreams[0].private_key &&
	      strstr(c->upstreams[0].private_key, "/client.key"));
	CHECK_EQ_INT(dg.n, 0);
	if (dg.n)
		sc_diags_print(&dg, stderr);
	sc_conf_free(c);

	/* every file problem, each at its value */
	CHECK_EQ_INT(load_files(conf_tmpl, path("expired.pem"), path("expired.key"),
				path("garbage.pem"), path("missing"), 0, &c),
		     -EINVAL);
	CHECK(c == NULL);
	CHECK(has(3, 16, false, "(/CN=expired.example.test) expired on 2021-01-01"));
	CHECK(has(8, 14, false, "garbage.pem could be loaded"));
	CHECK(has(9, 18, false, "missing.pem: No such file or directory"));
	CHECK(has(10, 18, false, "missing.key: No such file or directory"));
	CHECK_EQ_INT(dg.nerrors, 4);

	/* mismatched key: reported at the key */
	CHECK_EQ_INT(load_files(conf_tmpl, path("server.pem"), path("mismatch.key"),
				path("ca.pem"), "/dev/null/client", 0, &c),
		     -EINVAL);
	CHECK(has(4, 16, false, "mismatch.key does not belong to certificate"));
	CHECK(has(9, 18, false, "cannot read /dev/null/client.pem: Not a directory"));
	CHECK(has(10, 18, false, "cannot read /dev/null/client.key: Not a directory"));
	CHECK_EQ_INT(dg.nerrors, 3);

	/* near expiry: a warning, and it loads */
	CHECK_EQ_INT(load_files(conf_tmpl_short, path("soon.pem"), path("soon.key"), path("ca.pem"),
				"", 0, &c),
		     0);
	CHECK(has(3, 16, true, "soon.pem expires on "));
	CHECK(has(3, 16, true, "renew it"));
	CHECK_EQ_INT(dg.nerrors, 0);
	CHECK_EQ_INT(dg.nwarnings, 1);
	sc_conf_free(c);

	/* a FIFO as certificate must not hang the check */
	CHECK_EQ_INT(load_files(conf_tmpl_short, spath("fifo"), path("server.key"), path("ca.pem"),
				"", 0, &c),
		     -EINVAL);
	CHECK(has(3, 16, false, "fifo: not a regular file"));
	/* world-readable key: a warning */
	CHECK_EQ_INT(append_file(spath("open.key"), path("server.key")), 0);
	CHECK_EQ_INT(chmod(spath("open.key"), 0644), 0);
	CHECK_EQ_INT(load_files(conf_tmpl_short, path("server.pem"), spath("open.key"),
				path("ca.pem"), "", 0, &c),
		     0);
	CHECK(has(4, 16, true, "open.key is readable by every user"));
	sc_conf_free(c);
	/* SC_CONF_NO_FILES skips all of it */
	CHECK_EQ_INT(load_files(conf_tmpl, "/nope/a", "/nope/b", "/nope/c", "/nope/d",
				SC_CONF_NO_FILES, &c),
		     0);
	CHECK_EQ_INT(dg.n, 0);
	sc_conf_free(c);
	sc_diags_free(&dg);
}

int main(void)
{
	if (setup() != 0) {
		teardown();
		printf("cert: 0 passed, 1 failed\n");
		return 1;
	}
	RUN(test_check_file);
	RUN(test_pair_good);
	RUN(test_pair_bad);
	RUN(test_pair_soon);
	RUN(test_ca);
	RUN(test_ciphers_and_dates);
	RUN(test_loader_files);
	teardown();
	if (generated)
		printf("cert: used certificates generated by tests/data/certs/mkcerts.sh\n");
	return check_done("cert");
}
