/* What the probe's files share (see probe.h): the state of one run.
 * Private to sidecar/probe/. */
#ifndef SC_PROBE_INTERNAL_H
#define SC_PROBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include <uv.h>

#include "../dns/resolve.h"
#include "../sip/msg.h"
#include "../tls/conn.h"
#include "../tls/diag.h"

#define SC_PROBE_DEFAULT_PORT 5061
#define SC_PROBE_MAX_ADDRS 16

enum phase {
	PH_DNS,
	PH_CONNECT,
	PH_VERDICT,
	PH_SIP,
	PH_DONE,
};

struct probe {
	uv_loop_t loop;
	uv_timer_t timer; /* bounds the DNS lookup, the verdict wait and the SIP wait */
	struct sc_dns_query dns;
	enum phase phase;

	/* options */
	const char *ca;
	const char *sni;
	const char *cert;
	const char *key;
	const char *ciphers;
	int min_version;
	bool verify;
	bool options;

	/* the target */
	char host[256];
	unsigned port;
	bool port_given;
	struct sockaddr_storage addrs[SC_PROBE_MAX_ADDRS];
	size_t naddrs;
	size_t next;

	struct sc_tls_ctx *ctx;
	struct sc_tls_conn *conn; /* the current connection, NULL between them */
	bool opened; /* the current connection finished its handshake */

	/* how it ended */
	struct sc_tls_facts result;
	char result_msg[320];
	bool warn;   /* --no-verify, and verification would have failed */
	enum sc_tls_diag warn_class;
	char warn_msg[320];

	/* SIP */
	char *rbuf;
	size_t rlen;
	struct sc_sip_msg *msg;
	char call_id[64];
	bool sip_final;
	char sip_fail[160]; /* why OPTIONS got no usable answer; "" if it did */
};

/* ---- the command line (args.c) ---- */

void sc_probe_usage(FILE *f);

/* The options into p, the one non-option argument into *target.  Returns
 * 0, or -EINVAL after a sentence on stderr. */
int sc_probe_parse_args(struct probe *p, int argc, char **argv, const char **target);

/* host:port, [v6]:port, host, [v6] or a bare IPv6 address, each optionally
 * as a sip:/sips: URI (user part and parameters ignored), into p->host and
 * p->port (SC_PROBE_DEFAULT_PORT when absent).  Returns 0 or -EINVAL. */
int sc_probe_parse_target(struct probe *p, const char *t);

/* ---- what is printed (report.c) ---- */

/* The tls:, cert N: and verify: lines of a finished handshake. */
void sc_probe_print_tls(const struct probe *p, struct sc_tls_conn *c, int status);

/* With --no-verify a failed check does not stop the handshake: keeps what
 * the diagnosis would have been, for a warning. */
void sc_probe_note_unenforced(struct probe *p, struct sc_tls_conn *c);

/* The diagnosis:, fix: and result: lines; returns the exit status. */
int sc_probe_report(const struct probe *p);

#endif
