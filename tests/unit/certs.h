/* Test certificates for the unit tests: the directory named by
 * SC_TEST_CERTS (tests/check.sh makes it once, natively, so the qemu runs
 * can use it too), else build/test-certs, made here with
 * tests/data/certs/mkcerts.sh, which does nothing when the set is complete.
 */
#ifndef SC_TEST_CERTS_H
#define SC_TEST_CERTS_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char certs_dir[512];

/* DIR/name in one of eight rotating buffers, so a call can take several. */
static char *cert_path(const char *name)
{
	static char buf[8][768];
	static unsigned i;
	char *b = buf[i++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", certs_dir, name);
	return b;
}

/* Finds or makes the certificates; suite names the test in messages.
 * Returns 0, or -1 after saying why. */
static int certs_setup(const char *suite)
{
	const char *env = getenv("SC_TEST_CERTS");
	char cmd[1200];
	struct stat st;

	snprintf(certs_dir, sizeof(certs_dir), "%s", env && *env ? env : "build/test-certs");
	if (!env || !*env) {
		snprintf(cmd, sizeof(cmd), "tests/data/certs/mkcerts.sh '%s'", certs_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "%s: '%s' failed (needs the openssl command)\n", suite, cmd);
			return -1;
		}
	}
	if (stat(cert_path(".complete"), &st) != 0) {
		fprintf(stderr, "%s: no complete certificate set in %s\n", suite, certs_dir);
		return -1;
	}
	return 0;
}

#endif
