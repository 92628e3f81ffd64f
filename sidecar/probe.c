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
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
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
#include "conf/conf.h"
#include "base/log.h"
#include "probe.h"
#include "relay/tlsconf.h"
#include "sip/msg.h"
#include "tls/cert.h"
#include "tls/conn.h"
#include "tls/ctx.h"
#include "tls/diag.h"
#include "tls/identity.h"
#include "base/version.h"

#define DEFAULT_PORT 5061
#define MAX_ADDRS 16
/* A probe gives the handshake as long as an upstream gets by default. */
#define HANDSHAKE_TIMEOUT SC_CONF_HANDSHAKE_DEFAULT
#define DNS_TIMEOUT_MS 10000
#define SIP_TIMEOUT_MS 5000
/* After a TLS 1.3 handshake with client certificates involved, the
 * server's verdict on ours comes after the handshake: wait this long for
 * it (without --options, which waits for the answer anyway). */
#define VERDICT_WAIT_MS 1000

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
	uv_getaddrinfo_t gai;
	bool gai_busy;
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
	struct sockaddr_storage addrs[MAX_ADDRS];
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

static void usage(FILE *f)
{
	fputs("usage: sipsidecar probe TARGET [--ca FILE] [--sni NAME] [--cert FILE --key FILE]\n"
	      "                       [--min-version 1.2|1.3] [--ciphers LIST] [--no-verify]\n"
	      "                       [--options]\n"
	      "TARGET is host:port, [v6addr]:port, host (port 5061) or sips:host[:port].\n"
	      "Default CA list " SC_CONF_DEFAULT_CA "; default SNI and identity: the host.\n"
	      "Exit status: 0 ok, else the failure class's code (docs/probe.md).\n",
	      f);
}

/* ---- the target ---- */

static int parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

/* host:port, [v6]:port, host, [v6], a bare IPv6 address, each optionally
 * as a sip:/sips: URI (user part and parameters ignored). */
static int parse_target(struct probe *p, const char *t)
{
	const char *s = t, *end, *hend, *colon, *at;
	size_t hlen;

	if (strncasecmp(s, "sips:", 5) == 0)
		s += 5;
	else if (strncasecmp(s, "sip:", 4) == 0)
		s += 4;
	end = s + strcspn(s, ";?");
	at = memchr(s, '@', (size_t)(end - s));
	if (at)
		s = at + 1;
	if (*s == '[') {
		hend = memchr(s, ']', (size_t)(end - s));
		if (!hend)
			return -EINVAL;
		s++;
		colon = hend + 1 < end ? hend + 1 : NULL;
		if (colon && *colon != ':')
			return -EINVAL;
	} else {
		colon = memchr(s, ':', (size_t)(end - s));
		/* Two colons: an IPv6 address without brackets, so no port. */
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			colon = NULL;
		hend = colon ? colon : end;
	}
	hlen = (size_t)(hend - s);
	if (hlen == 0 || hlen >= sizeof(p->host))
		return -EINVAL;
	memcpy(p->host, s, hlen);
	p->host[hlen] = '\0';
	p->port = DEFAULT_PORT;
	if (colon) {
		if (parse_port(colon + 1, (size_t)(end - colon - 1), &p->port) != 0)
			return -EINVAL;
		p->port_given = true;
	}
	return 0;
}

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

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static bool add_addr(struct probe *p, const struct sockaddr *sa)
{
	struct sockaddr_storage ss;
	size_t i, n;

	if (p->naddrs == MAX_ADDRS || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return false;
	memset(&ss, 0, sizeof(ss));
	n = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	memcpy(&ss, sa, n);
	set_port(&ss, p->port);
	for (i = 0; i < p->naddrs; i++)
		if (memcmp(&p->addrs[i], &ss, sizeof(ss)) == 0)
			return false;
	p->addrs[p->naddrs++] = ss;
	return true;
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
	char a[INET6_ADDRSTRLEN];
	int rc;

	while (p->next < p->naddrs) {
		rc = sc_tls_conn_client(&p->loop, p->ctx, p->sni,
					(const struct sockaddr *)&p->addrs[p->next], &conn_cbs, p,
					&c);
		addr_text(&p->addrs[p->next++], a, sizeof(a));
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

static void print_cert(int i, WOLFSSL_X509 *x)
{
	char s[256], names[512], nb[40], na[40];

	if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_subject_name(x), s, (int)sizeof(s)))
		snprintf(s, sizeof(s), "?");
	printf("cert %d: subject: %s\n", i, s);
	if (!wolfSSL_X509_NAME_oneline(wolfSSL_X509_get_issuer_name(x), s, (int)sizeof(s)))
		snprintf(s, sizeof(s), "?");
	printf("cert %d: issuer: %s\n", i, s);
	sc_tls_identity_names(x, names, sizeof(names));
	printf("cert %d: names: %s\n", i, names);
	sc_tls_diag_time(wolfSSL_X509_get_notBefore(x), nb, sizeof(nb));
	sc_tls_diag_time(wolfSSL_X509_get_notAfter(x), na, sizeof(na));
	printf("cert %d: valid: %s to %s\n", i, nb, na);
}

static void print_tls(struct probe *p, struct sc_tls_conn *c, int status)
{
	const struct sc_tls_facts *f = sc_tls_conn_facts(c);
	WOLFSSL_X509 *x;
	int i, n;

	if (status == 0) {
		printf("tls: handshake: ok\n");
		printf("tls: protocol: %s\n", sc_tls_conn_version(c));
		printf("tls: cipher: %s\n", sc_tls_conn_cipher(c));
	} else {
		printf("tls: handshake: failed\n");
	}
	if (f->cert_requested)
		printf("tls: the server asked for a client certificate; none was given "
		       "(--cert/--key)\n");
	n = sc_tls_conn_peer_count(c);
	if (n == 0)
		printf("tls: the server sent no certificate\n");
	for (i = 0; i < n; i++) {
		x = sc_tls_conn_peer_cert(c, i);
		if (!x)
			continue;
		print_cert(i, x);
		wolfSSL_X509_free(x);
	}
	if (!sc_tls_conn_checked(c)) {
		printf("verify: not reached\n");
		return;
	}
	if (sc_tls_conn_chain_ok(c))
		printf("verify: chain: ok\n");
	else
		printf("verify: chain: failed: %s (cert %d: %s)\n",
		       sc_tls_diag_verify_text(f->verify_err), f->verify_depth, f->subject);
	if (sc_tls_conn_identity_ok(c))
		printf("verify: identity: ok: %s (certificate is for %s)\n", p->sni, f->names);
	else
		printf("verify: identity: failed: certificate is for %s; expected %s\n", f->names,
		       p->sni);
	printf("verified: %s%s\n", sc_tls_conn_verified(c) ? "yes" : "no",
	       p->verify ? "" : " (not enforced: --no-verify)");
}

/* With --no-verify a failed check does not stop the handshake; still say
 * what the diagnosis would have been. */
static void note_unenforced(struct probe *p, struct sc_tls_conn *c)
{
	struct sc_tls_facts f = *sc_tls_conn_facts(c);

	if (p->verify || sc_tls_conn_verified(c) || !sc_tls_conn_checked(c))
		return;
	f.stage = SC_TLS_STAGE_HANDSHAKE;
	f.rejected = true;
	p->warn = true;
	p->warn_class = sc_tls_diag_classify(&f);
	sc_tls_conn_explain(c, &f, p->warn_msg, sizeof(p->warn_msg));
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

/* "addr:port", "[v6]:port" */
static void hostport(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned port = ss->ss_family == AF_INET
				? ntohs(((const struct sockaddr_in *)ss)->sin_port)
				: ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);

	addr_text(ss, a, sizeof(a));
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
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
	hostport(&local, via, sizeof(via));
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
	print_tls(p, c, status);
	if (status < 0) {
		keep_result(p, c);
		return;
	}
	p->opened = true;
	note_unenforced(p, c);
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

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct probe *p = req->data;
	struct addrinfo *ai;
	char line[600], a[INET6_ADDRSTRLEN];
	size_t i, used;

	p->gai_busy = false;
	if (p->phase != PH_DNS) {
		uv_freeaddrinfo(res); /* the timer gave up on it */
		return;
	}
	uv_timer_stop(&p->timer);
	if (status < 0) {
		dns_failed(p, uv_strerror(status));
		uv_freeaddrinfo(res);
		return;
	}
	for (ai = res; ai; ai = ai->ai_next)
		add_addr(p, ai->ai_addr);
	uv_freeaddrinfo(res);
	if (p->naddrs == 0) {
		dns_failed(p, "no IPv4 or IPv6 address");
		return;
	}
	used = (size_t)snprintf(line, sizeof(line), "dns: %s:", p->host);
	for (i = 0; i < p->naddrs && used < sizeof(line); i++) {
		addr_text(&p->addrs[i], a, sizeof(a));
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
		if (p->gai_busy && uv_cancel((uv_req_t *)&p->gai) != 0)
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
	struct addrinfo hints;
	unsigned char ip[16];
	struct sockaddr_storage ss;
	size_t iplen;
	int rc;

	iplen = sc_tls_identity_parse_ip(p->host, ip);
	if (iplen) {
		memset(&ss, 0, sizeof(ss));
		if (iplen == 4) {
			ss.ss_family = AF_INET;
			memcpy(&((struct sockaddr_in *)&ss)->sin_addr, ip, 4);
		} else {
			ss.ss_family = AF_INET6;
			memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, ip, 16);
		}
		add_addr(p, (struct sockaddr *)&ss);
		printf("dns: %s is an address: no lookup\n", p->host);
		p->phase = PH_CONNECT;
		connect_next(p);
		return;
	}
	if (!p->port_given)
		printf("dns: NAPTR/SRV lookup (RFC 3263) is not implemented yet: using port %d\n",
		       DEFAULT_PORT);
	if (is_invalid_tld(p->host)) {
		dns_failed(p, "names under .invalid never resolve (RFC 6761): not looked up");
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	p->gai.data = p;
	p->phase = PH_DNS;
	rc = uv_getaddrinfo(&p->loop, &p->gai, on_resolved, p->host, NULL, &hints);
	if (rc < 0) {
		dns_failed(p, uv_strerror(rc));
		return;
	}
	p->gai_busy = true;
	uv_timer_start(&p->timer, on_timer, DNS_TIMEOUT_MS, 0);
}

/* ---- command line ---- */

static int parse_args(struct probe *p, int argc, char **argv, const char **target)
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

static int report(struct probe *p)
{
	enum sc_tls_diag d = sc_tls_diag_classify(&p->result);
	int code;

	if (d != SC_TLS_DIAG_OK) {
		code = sc_tls_diag_exit_code(d);
		printf("diagnosis: %s: %s\n", sc_tls_diag_name(d), p->result_msg);
		printf("fix: %s\n", sc_tls_diag_fix(&p->result));
		printf("result: %s (exit %d)\n", sc_tls_diag_name(d), code);
		return code;
	}
	if (p->warn)
		printf("warning: %s: %s (ignored because of --no-verify)\n",
		       sc_tls_diag_name(p->warn_class), p->warn_msg);
	if (p->options && !p->sip_final) {
		printf("diagnosis: sip: %s\n", p->sip_fail[0] ? p->sip_fail : "no answer to OPTIONS");
		printf("fix: TLS works; check that the server speaks SIP on this port and accepts "
		       "OPTIONS from this address\n");
		printf("result: sip (exit %d)\n", SC_PROBE_EXIT_SIP);
		return SC_PROBE_EXIT_SIP;
	}
	printf("result: ok\n");
	return 0;
}

int sc_probe_main(int argc, char **argv)
{
	struct probe *p;
	struct sc_conf_upstream up;
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
		usage(stdout);
		code = 0;
		goto out;
	}
	if (parse_args(p, argc, argv, &target) != 0) {
		usage(stderr);
		code = SC_PROBE_EXIT_USAGE;
		goto out;
	}
	if (parse_target(p, target) != 0) {
		fprintf(stderr, "sipsidecar probe: cannot read target '%s'\n", target);
		usage(stderr);
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

	memset(&up, 0, sizeof(up));
	up.host = p->host;
	up.port = (uint16_t)p->port;
	up.server_name = (char *)p->sni;
	up.ca_file = (char *)p->ca;
	up.verify = p->verify;
	up.certificate = (char *)p->cert;
	up.private_key = (char *)p->key;
	up.min_version = p->min_version;
	up.ciphers = (char *)p->ciphers;
	up.handshake_timeout = HANDSHAKE_TIMEOUT;
	if (sc_tlsconf_client_ctx(&up, &p->ctx, err, sizeof(err)) != 0) {
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
	code = report(p);
	fflush(stdout);
	/* A lookup stuck in libuv's thread still writes into p when it ends:
	 * leave everything to the exit that follows. */
	if (p->gai_busy)
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
