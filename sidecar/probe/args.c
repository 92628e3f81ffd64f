/* `sipsidecar probe`: the command line and the target (see internal.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../conf/conf.h"
#include "../net/addr.h"
#include "internal.h"

void sc_probe_usage(FILE *f)
{
	fputs("usage: sipsidecar probe TARGET [--ca FILE] [--sni NAME] [--cert FILE --key FILE]\n"
	      "                       [--min-version 1.2|1.3] [--ciphers LIST] [--no-verify]\n"
	      "                       [--options]\n"
	      "TARGET is host:port, [v6addr]:port, host (port 5061) or sips:host[:port].\n"
	      "Default CA list " SC_CONF_DEFAULT_CA "; default SNI and identity: the host.\n"
	      "Exit status: 0 ok, else the failure class's code (docs/probe.md).\n",
	      f);
}

int sc_probe_parse_target(struct probe *p, const char *t)
{
	const char *s = t, *end, *at;
	uint16_t port;
	bool bracketed;

	if (strncasecmp(s, "sips:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "sip:", 4) == 0)
		s += 4;
	end = s + strcspn(s, ";?");
	at = memchr(s, '@', (size_t)(end - s));
	if (at)
		s = at + 1;
	if (sc_net_hostport_split(s, (size_t)(end - s), p->host, sizeof(p->host), &port,
				  &bracketed) != 0)
		return -EINVAL;
	p->port = port ? port : SC_PROBE_DEFAULT_PORT;
	p->port_given = port != 0;
	return 0;
}

int sc_probe_parse_args(struct probe *p, int argc, char **argv, const char **target)
{
	const char **val;
	int i;

	*target = NULL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		val = NULL;
		if (strcmp(a, "--ca") == 0)
			val = &p->ca;
		else if (strcmp(a, "--sni") == 0)
			val = &p->sni;
		else if (strcmp(a, "--cert") == 0)
			val = &p->cert;
		else if (strcmp(a, "--key") == 0)
			val = &p->key;
		else if (strcmp(a, "--ciphers") == 0)
			val = &p->ciphers;
		if (val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sipsidecar probe: %s needs a value\n", a);
				return -EINVAL;
			}
			*val = argv[++i];
		} else if (strcmp(a, "--min-version") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "1.2") == 0) {
				p->min_version = 12;
			} else if (strcmp(argv[i], "1.3") == 0) {
				p->min_version = 13;
			} else {
				fprintf(stderr, "sipsidecar probe: --min-version is 1.2 or 1.3\n");
				return -EINVAL;
			}
		} else if (strcmp(a, "--no-verify") == 0) {
			p->verify = false;
		} else if (strcmp(a, "--options") == 0) {
			p->options = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "sipsidecar probe: unknown option '%s'\n", a);
			return -EINVAL;
		} else if (!*target) {
			*target = a;
		} else {
			fprintf(stderr, "sipsidecar probe: more than one target ('%s')\n", a);
			return -EINVAL;
		}
	}
	if (!*target) {
		fprintf(stderr, "sipsidecar probe: no target\n");
		return -EINVAL;
	}
	if (!p->cert != !p->key) {
		fprintf(stderr, "sipsidecar probe: --cert and --key go together\n");
		return -EINVAL;
	}
	return 0;
}
