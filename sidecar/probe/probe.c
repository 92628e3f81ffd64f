/* `sipsidecar probe` (see probe.h and docs/probe.md).
 *
 * One pass through what a TLS flow to a provider does, printed step by
 * step: resolve the name, connect to each address in turn until one
 * answers, run the handshake with the same TLS code the daemon uses, show
 * what the server sent and what the verification thinks of it, and
 * optionally send an OPTIONS over the connection.  Every line starts with
 * its step ("dns:", "tcp:", "tls:", "cert N:", "verify:", "sip:") so that
 * scripts can grep it; a failure ends with "diagnosis: CLASS: message"
 * and "fix: ...", and the exit status is the class's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#define LOG_TAG "probe"
#include "../base/log.h"
#include "../base/version.h"
#include "../conf/conf.h"
#include "../net/addr.h"
#include "../tls/ctx.h"
#include "internal.h"
#include "probe.h"

/* A probe gives the handshake as long as an upstream gets by default. */
#define HANDSHAKE_TIMEOUT SC_CONF_HANDSHAKE_DEFAULT
#define DNS_TIMEOUT_MS 10000
#define SIP_TIMEOUT_MS 5000
/* After a TLS 1.3 handshake with client certificates involved, the
 * server's verdict on ours comes after the handshake: wait this long for
 * it (without --options, which waits for the answer anyway). */
#define VERDICT_WAIT_MS 1000
/* An address as text: an IPv6 one in brackets. */
#define HOST_TEXT (INET6_ADDRSTRLEN + 2)

/* ---- the target ---- */

/* RFC 6761 §6.4: names under .invalid never resolve, and resolvers should
 * say so without asking anyone. */
static bool is_invalid_tld(const char *h)
{
	size_t n = strlen(h);

	if (n > 0 && h[n - 1] == '.')
		n--;
	return (n == 7 && strncasecmp(h, "invalid", 7) == 0) ||
	       (n > 8 && strncasecmp(h + n - 8, ".invalid", 8) == 0);
}

/* A new address to try (one already there is not added twice). */
static void add_addr(struct probe *p, const struct sc_net_addr *a)
{
	size_t i;

	if (p->naddrs == SC_PROBE_MAX_ADDRS)
		return;
	for (i = 0; i < p->naddrs; i++)
		if (sc_net_addr_eq((const struct sockaddr *)&p->addrs[i],
				   (const struct sockaddr *)&a->ss))
			return;
	p->addrs[p->naddrs++] = a->ss;
}

/* "a.b.c.d" or "[v6]", for the dns: and tcp: lines. */
static const char *host_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (sc_net_host_text((const struct sockaddr *)ss, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- the end ---- */

static void finish(struct probe *p)
{
	p->phase = PH_DONE;
	uv_timer_stop(&p->timer);
}

static void dns_failed(struct probe *p, const char *why)
{
	struct sc_tls_diag_where w = { p->host, p->sni, p->ca, HANDSHAKE_TIMEOUT };

	printf("dns: %s: %s\n", p->host, why);
	sc_tls_diag_facts_init(&p->result);
	p->result.stage = SC_TLS_STAGE_DNS;
	snprintf(p->result.detail, sizeof(p->result.detail), "%s", why);
	sc_tls_diag_message(&p->result, &w, p->result_msg, sizeof(p->result_msg));
	finish(p);
}

static void keep_result(struct probe *p, const struct sc_tls_conn *c)
{
	p->result = *sc_tls_conn_facts(c);
	sc_tls_conn_explain(c, &p->result, p->result_msg, sizeof(p->result_msg));
}

/* ---- TLS ---- */

static void on_open(struct sc_tls_conn *c, int status);
static void on_data(struct sc_tls_conn *c, const char *buf, size_t len);
static void on_close(struct sc_tls_conn *c, const char *reason);

static const struct sc_tls_conn_cbs conn_cbs = { on_open, on_data, on_close };

static void connect_next(struct probe *p)
{
	struct sc_tls_conn *c;
	char a[HOST_TEXT];
	int rc;

	while (p->next < p->naddrs) {
		rc = sc_tls_conn_client(&p->loop, p->ctx, p->sni,
					(const struct sockaddr *)&p->addrs[p->next], &conn_cbs, p,
					&c);
		host_text(&p->addrs[p->next++], a, sizeof(a));
		if (rc == 0) {
			p->conn = c;
			return;
		}
		printf("tcp: %s port %u: %s\n", a, p->port, uv_strerror(rc));
		sc_tls_diag_facts_init(&p->result);
		p->result.stage = SC_TLS_STAGE_TCP;
		p->result.sys_err = rc;
		snprintf(p->result_msg, sizeof(p->result_msg), "cannot connect to %s port %u: %s", a,
			 p->port, uv_strerror(rc));
	}
	finish(p);
}

static void rand_hex(char *buf, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];
	size_t i;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	if (wolfSSL_RAND_bytes(r, (int)nbytes) != WOLFSSL_SUCCESS)
		memset(r, 0x5a, nbytes);
	for (i = 0; i < nbytes; i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 15];
	}
	buf[2 * nbytes] = '\0';
}

static void on_timer(uv_timer_t *t);

static void send_options(struct probe *p, struct sc_tls_conn *c)
{
	struct sockaddr_storage local;
	char req[1536], via[80], target[300], branch[33], tag[17], cid[33];
	int n;

	memset(&local, 0, sizeof(local));
	if (sc_tls_conn_local(c, &local) != 0)
		local.ss_family = AF_INET;
	sc_net_addr_str(&local, via, sizeof(via));
	snprintf(target, sizeof(target), strchr(p->host, ':') ? "[%s]:%u" : "%s:%u", p->host,
		 p->port);
	rand_hex(branch, 16);
	rand_hex(tag, 8);
	rand_hex(cid, 16);
	snprintf(p->call_id, sizeof(p->call_id), "%s@sipsidecar-probe", cid);
	n = snprintf(req, sizeof(req),
		     "OPTIONS sip:%s;transport=tls SIP/2.0\r\n"
		     "Via: SIP/2.0/TLS %s;branch=z9hG4bK%s;rport\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:probe@%s>;tag=%s\r\n"
		     "To: <sip:%s>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: 1 OPTIONS\r\n"
		     "Contact: <sip:probe@%s;transport=tls>\r\n"
		     "Accept: application/sdp\r\n"
		     "User-Agent: sipsidecar/" SC_VERSION " probe\r\n"
		     "Content-Length: 0\r\n"
		     "\r\n",
		     target, via, branch, via, tag, target, p->call_id, via);
	printf("sip: sending OPTIONS sip:%s;transport=tls\n", target);
	p->phase = PH_SIP;
	if (n < 0 || (size_t)n >= sizeof(req) || sc_tls_conn_write(c, req, (size_t)n) != 0) {
		snprintf(p->sip_fail, sizeof(p->sip_fail), "cannot send the OPTIONS request");
		sc_tls_conn_close(c, "probe: write failed");
		return;
	}
	uv_timer_start(&p->timer, on_timer, SIP_TIMEOUT_MS, 0);
}

static void on_open(struct sc_tls_conn *c, int status)
{
	struct probe *p = sc_tls_conn_data(c);
	const struct sc_tls_facts *f = sc_tls_conn_facts(c);
	const char *v;

	if (status < 0 && f->stage == SC_TLS_STAGE_TCP) {
		printf("tcp: %s: %s\n", sc_tls_conn_peer(c), f->detail);
		keep_result(p, c);
		return; /* on_close tries the next address */
	}
	printf("tcp: %s: connected\n", sc_tls_conn_peer(c));
	sc_probe_print_tls(p, c, status);
	if (status < 0) {
		keep_result(p, c);
		return;
	}
	p->opened = true;
	sc_probe_note_unenforced(p, c);
	sc_tls_diag_facts_init(&p->result);
	if (p->options) {
		send_options(p, c);
		return;
	}
	v = sc_tls_conn_version(c);
	if (v && strcmp(v, "TLSv1.3") == 0 && (f->cert_requested || p->cert)) {
		printf("tls: waiting %d ms for the server's verdict on the client certificate "
		       "(TLS 1.3 gives it after the handshake)\n", VERDICT_WAIT_MS);
		p->phase = PH_VERDICT;
		uv_timer_start(&p->timer, on_timer, VERDICT_WAIT_MS, 0);
		return;
	}
	sc_tls_conn_close(c, "probe done");
}

/* Reads SIP from the stream: provisional answers are printed and waited
 * past, the final one ends the probe. */
static void on_data(struct sc_tls_conn *c, const char *buf, size_t len)
{
	struct probe *p = sc_tls_conn_data(c);
	size_t flen;
	int rc;

	if (p->phase != PH_SIP)
		return;
	if (len > SC_SIP_MAX_MSG + 1 - p->rlen) {
		snprintf(p->sip_fail, sizeof(p->sip_fail), "the answer is larger than %d bytes",
			 SC_SIP_MAX_MSG);
		goto done;
	}
	memcpy(p->rbuf + p->rlen, buf, len);
	p->rlen += len;
	for (;;) {
		rc = sc_sip_frame(p->rbuf, p->rlen, &flen);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			snprintf(p->sip_fail, sizeof(p->sip_fail), "the answer is not SIP (%s)",
				 strerror(-rc));
			goto done;
		}
		if (rc == SC_FRAME_MSG) {
			rc = sc_sip_msg_parse(p->msg, p->rbuf, flen);
			if (rc != 0) {
				snprintf(p->sip_fail, sizeof(p->sip_fail),
					 "cannot parse the answer (%s)", strerror(-rc));
				goto done;
			}
			if (!p->msg->is_request &&
			    sc_str_eq(p->msg->call_id, sc_str_cstr(p->call_id))) {
				printf("sip: response: %.*s %d %.*s\n", (int)p->msg->version.n,
				       p->msg->version.p, p->msg->status, (int)p->msg->reason.n,
				       p->msg->reason.p);
				if (p->msg->status >= 200) {
					p->sip_final = true;
					goto done;
				}
			}
		}
		memmove(p->rbuf, p->rbuf + flen, p->rlen - flen);
		p->rlen -= flen;
	}
done:
	uv_timer_stop(&p->timer);
	p->phase = PH_DONE;
	sc_tls_conn_close(c, "probe done");
}

static void on_close(struct sc_tls_conn *c, const char *reason)
{
	struct probe *p = sc_tls_conn_data(c);
	const struct sc_tls_facts *f = sc_tls_conn_facts(c);

	uv_timer_stop(&p->timer);
	p->conn = NULL;
	if (p->opened) {
		/* A failure after the handshake: a TLS 1.3 server refusing our
		 * client certificate, typically. */
		if (f->stage != SC_TLS_STAGE_NONE) {
			char al[24];

			printf("tls: connection ended after the handshake: %s\n",
			       f->alert_rx >= 0 ? sc_tls_diag_alert_name(f->alert_rx, al, sizeof(al))
						: f->detail);
			keep_result(p, c);
		} else if (p->options && !p->sip_final && !p->sip_fail[0]) {
			snprintf(p->sip_fail, sizeof(p->sip_fail),
				 "the connection closed before an answer to OPTIONS (%s)", reason);
		}
		finish(p);
		return;
	}
	if (p->result.stage == SC_TLS_STAGE_TCP)
		connect_next(p);
	else
		finish(p);
}

/* ---- DNS ---- */

static void on_resolved(struct sc_dns_query *q, int status, const struct sc_net_addr *targets,
			size_t ntargets, void *arg)
{
	struct probe *p = arg;
	char line[600], a[HOST_TEXT];
	size_t i, used;

	(void)q;
	uv_timer_stop(&p->timer);
	if (status < 0) {
		dns_failed(p, uv_strerror(status));
		return;
	}
	for (i = 0; i < ntargets; i++)
		add_addr(p, &targets[i]);
	used = (size_t)snprintf(line, sizeof(line), "dns: %s:", p->host);
	for (i = 0; i < p->naddrs && used < sizeof(line); i++) {
		host_text(&p->addrs[i], a, sizeof(a));
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %s", i ? "," : "", a);
	}
	printf("%s\n", line);
	p->phase = PH_CONNECT;
	connect_next(p);
}

static void on_timer(uv_timer_t *t)
{
	struct probe *p = t->data;

	switch (p->phase) {
	case PH_DNS:
		dns_failed(p, "no answer from the resolver in time");
		/* A lookup already running in libuv's thread cannot be
		 * stopped: leave the loop now rather than wait for it. */
		sc_dns_cancel(&p->dns);
		uv_stop(&p->loop);
		break;
	case PH_SIP:
		snprintf(p->sip_fail, sizeof(p->sip_fail), "no answer to OPTIONS within %d s",
			 SIP_TIMEOUT_MS / 1000);
		/* fall through */
	case PH_VERDICT:
		/* Closing the connection ends the loop. */
		p->phase = PH_DONE;
		if (p->conn)
			sc_tls_conn_close(p->conn, "probe done");
		break;
	case PH_CONNECT:
	case PH_DONE:
		break;
	}
}

static void start(struct probe *p)
{
	struct sc_net_addr a;
	int rc;

	if (sc_net_is_ip(p->host) && sc_net_addr_parse(p->host, (uint16_t)p->port, &a) == 0) {
		add_addr(p, &a);
		printf("dns: %s is an address: no lookup\n", p->host);
		p->phase = PH_CONNECT;
		connect_next(p);
		return;
	}
	if (!p->port_given)
		printf("dns: NAPTR/SRV lookup (RFC 3263) is not implemented yet: using port %d\n",
		       SC_PROBE_DEFAULT_PORT);
	if (is_invalid_tld(p->host)) {
		dns_failed(p, "names under .invalid never resolve (RFC 6761): not looked up");
		return;
	}
	p->phase = PH_DNS;
	rc = sc_dns_resolve(&p->loop, &p->dns, p->host, (uint16_t)p->port, SOCK_STREAM,
			    on_resolved, p);
	if (rc < 0) {
		dns_failed(p, uv_strerror(rc));
		return;
	}
	uv_timer_start(&p->timer, on_timer, DNS_TIMEOUT_MS, 0);
}

int sc_probe_main(int argc, char **argv)
{
	struct probe *p;
	struct sc_tls_client_opts opts;
	const char *target;
	char err[512];
	int code = SC_PROBE_EXIT_RUNTIME;
	bool loop_up = false;

	p = calloc(1, sizeof(*p));
	if (!p)
		return SC_PROBE_EXIT_RUNTIME;
	p->verify = true;
	p->min_version = 12;
	if (argc > 0 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)) {
		sc_probe_usage(stdout);
		code = 0;
		goto out;
	}
	if (sc_probe_parse_args(p, argc, argv, &target) != 0) {
		sc_probe_usage(stderr);
		code = SC_PROBE_EXIT_USAGE;
		goto out;
	}
	if (sc_probe_parse_target(p, target) != 0) {
		fprintf(stderr, "sipsidecar probe: cannot read target '%s'\n", target);
		sc_probe_usage(stderr);
		code = SC_PROBE_EXIT_USAGE;
		goto out;
	}
	if (!p->sni)
		p->sni = p->host;
	/* The default CA list is needed only to verify; without --ca and
	 * with --no-verify, use it only if it is there (to still report). */
	if (!p->ca && (p->verify || access(SC_CONF_DEFAULT_CA, R_OK) == 0))
		p->ca = SC_CONF_DEFAULT_CA;
	/* The TLS code logs each connection (SPEC B10); here the printed
	 * steps say it all. */
	sc_log_setup(SC_LOG_ERROR, SC_LOG_STDERR);

	memset(&opts, 0, sizeof(opts));
	opts.ca_file = p->ca;
	opts.verify = p->verify;
	opts.certificate = p->cert;
	opts.private_key = p->key;
	opts.min_version = p->min_version;
	opts.ciphers = p->ciphers;
	opts.handshake_timeout = HANDSHAKE_TIMEOUT;
	if (sc_tls_ctx_client(&opts, &p->ctx, err, sizeof(err)) != 0) {
		fprintf(stderr, "sipsidecar probe: %s\n", err);
		code = SC_PROBE_EXIT_USAGE;
		goto out;
	}
	p->rbuf = malloc(SC_SIP_MAX_MSG + 1);
	p->msg = malloc(sizeof(*p->msg));
	if (!p->rbuf || !p->msg || uv_loop_init(&p->loop) != 0)
		goto out;
	loop_up = true;
	uv_timer_init(&p->loop, &p->timer);
	p->timer.data = p;

	printf("probe: %s port %u, server name %s, TLS %s or later, verification %s\n", p->host,
	       p->port, p->sni, p->min_version == 13 ? "1.3" : "1.2", p->verify ? "on" : "off");
	start(p);
	uv_run(&p->loop, UV_RUN_DEFAULT);
	code = sc_probe_report(p);
	fflush(stdout);
	/* A lookup stuck in libuv's thread still writes into p when it ends:
	 * leave everything to the exit that follows. */
	if (sc_dns_busy(&p->dns))
		return code;
out:
	if (loop_up) {
		uv_close((uv_handle_t *)&p->timer, NULL);
		uv_run(&p->loop, UV_RUN_NOWAIT);
		uv_loop_close(&p->loop);
	}
	sc_tls_ctx_unref(p->ctx);
	free(p->rbuf);
	free(p->msg);
	free(p);
	fflush(stdout);
	return code;
}
