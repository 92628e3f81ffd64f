/* Command line: run, check, probe, version (SPEC §2). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/version.h>
#include <yaml.h>

#define LOG_TAG "main"
#include "conf/conf.h"
#include "base/log.h"
#include "probe/probe.h"
#include "daemon.h"
#include "base/version.h"
#include "../platform/platform.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG 2

static void usage(FILE *f)
{
	fputs("usage: sipsidecar [run] [-c FILE]\n"
	      "       sipsidecar check [-c FILE]\n"
	      "       sipsidecar probe TARGET [--ca FILE] [--sni NAME] [--cert FILE --key FILE]\n"
	      "                       [--min-version 1.2|1.3] [--ciphers LIST] [--no-verify]\n"
	      "                       [--options]\n"
	      "       sipsidecar version\n"
	      "       sipsidecar help\n"
	      "-c FILE  configuration file (default " SC_CONF_DEFAULT_PATH "; - reads stdin)\n",
	      f);
}

static int cmd_version(void)
{
	printf("sipsidecar %s\n", SC_VERSION);
	printf("wolfSSL %s\n", wolfSSL_lib_version());
	printf("libuv %s\n", uv_version_string());
	printf("libyaml %s\n", yaml_get_version_string());
	printf("TLS features:");
#ifdef WOLFSSL_TLS13
	printf(" TLS1.3");
#endif
#ifndef WOLFSSL_NO_TLS12
	printf(" TLS1.2");
#endif
#ifdef HAVE_SNI
	printf(" SNI");
#endif
#ifdef HAVE_ECC
	printf(" ECC");
#endif
#ifdef HAVE_CURVE25519
	printf(" X25519");
#endif
#ifdef OPENSSL_EXTRA
	printf(" X509-inspection");
#endif
	printf("\n");
	return 0;
}

/* Tells a first-time user where we looked and what to do instead of just
 * failing to open a file. */
static void no_config(const char *path)
{
	fprintf(stderr,
		"sipsidecar: no configuration at %s\n"
		"  Start from one of the examples in config/ of the source tree (copy it to %s\n"
		"  or pass it with -c FILE), or run 'make demo' there: it generates a complete\n"
		"  configuration and shows a call relayed to a TLS provider on this machine.\n",
		path, SC_CONF_DEFAULT_PATH);
}

static int load(const char *path, struct sc_conf **out)
{
	struct sc_diags dg;
	int rc;

	memset(&dg, 0, sizeof(dg));
	if (strcmp(path, "-") != 0 && access(path, F_OK) != 0 && errno == ENOENT) {
		no_config(path);
		return -ENOENT;
	}
	rc = sc_conf_load_file(path, 0, out, &dg);
	sc_diags_print(&dg, stderr);
	sc_diags_free(&dg);
	return rc;
}

static int cmd_check(const char *path)
{
	struct sc_conf *c = NULL;

	if (load(path, &c) != 0)
		return EXIT_CONFIG;
	printf("%s: ok (%zu upstream%s, %zu device%s)\n", strcmp(path, "-") ? path : "<stdin>",
	       c->nupstreams, c->nupstreams == 1 ? "" : "s", c->ndevices,
	       c->ndevices == 1 ? "" : "s");
	sc_conf_free(c);
	return 0;
}

static int cmd_run(const char *path)
{
	struct sc_conf *c = NULL;
	int rc;

	if (load(path, &c) != 0)
		return EXIT_CONFIG;
	sc_log_setup(c->log_level, c->log_target);
	rc = sc_daemon_run(c);
	sc_conf_free(c);
	return rc < 0 ? EXIT_RUNTIME : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = "run";
	const char *path = SC_CONF_DEFAULT_PATH;
	int i = 1;

	/* Before any connection: a peer that closes while we write to it
	 * (a provider dropping its flow, a device hanging up on TCP) must
	 * never end the process. */
	if (sc_platform_ignore_sigpipe() < 0) {
		fprintf(stderr, "sipsidecar: cannot ignore SIGPIPE: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (i < argc && argv[i][0] != '-')
		cmd = argv[i++];
	/* probe has options of its own. */
	if (strcmp(cmd, "probe") == 0)
		return sc_probe_main(argc - i, argv + i);
	for (; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "sipsidecar: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}

	if (strcmp(cmd, "version") == 0)
		return cmd_version();
	if (strcmp(cmd, "check") == 0)
		return cmd_check(path);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(path);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "sipsidecar: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_CONFIG;
}
