/* TLS connections (sidecar/tls/conn.c, ctx.c) end to end on loopback: a
 * server and a client of our own in one libuv loop.
 *
 * Covers the I/O path (a write far larger than the socket buffers, echoed
 * back byte for byte), SNI certificate selection, verification and
 * identity, required client certificates on both sides, the handshake
 * timeout, and a context released while its connection lives (reload).
 * Certificates as in test_tls_diag.c: SC_TEST_CERTS or build/test-certs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "../../sidecar/base/log.h"
#include "../../sidecar/tls/cert.h"
#include "../../sidecar/tls/conn.h"
#include "../../sidecar/tls/ctx.h"
#include "../../sidecar/tls/diag.h"
#include "check.h"
#include "certs.h"

#define BIG (1024 * 1024 + 123)

static char scratch[64];
static char chain_file[128]; /* client.pem followed by intermediate.pem */


/* dst = a then b (no shell: this also runs under qemu-user). */
static int concat(const char *dst, const char *a, const char *b)
{
	const char *src[2] = { a, b };
	char buf[4096];
	FILE *in, *out = fopen(dst, "wb");
	size_t n;
	int i, rc = 0;

	if (!out)
		return -1;
	for (i = 0; i < 2; i++) {
		in = fopen(src[i], "rb");
		if (!in) {
			rc = -1;
			continue;
		}
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				rc = -1;
		fclose(in);
	}
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

static int setup(void)
{
	if (certs_setup("tls_conn") != 0)
		return -1;
	sc_log_setup(SC_LOG_ERROR, SC_LOG_STDERR);
	snprintf(scratch, sizeof(scratch), "/tmp/sc-test-tls-conn-XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	snprintf(chain_file, sizeof(chain_file), "%s/client-chain.pem", scratch);
	if (concat(chain_file, cert_path("client.pem"), cert_path("intermediate.pem")) != 0)
		return -1;
	return sc_tls_cert_init();
}

/* One side's view of a connection. */
struct side {
	struct sc_tls_conn *c;
	int opened;      /* on_open calls */
	int status;
	int closed;      /* on_close calls */
	char reason[400];
	enum sc_tls_diag diag;
	bool verified, chain_ok, identity_ok;
	char subject[128];
	char version[16];
	char *got;       /* bytes received */
	size_t ngot;
	bool echo;       /* send back what arrives */
	size_t close_after; /* close once this much arrived (0: never) */
};

struct pair {
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_tcp_t raw;     /* a silent peer, for the timeout test */
	bool silent;      /* accept into raw and never answer */
	bool no_server;   /* nothing accepts at all */
	struct sc_tls_ctx *sctx;
	struct sc_tls_ctx *cctx;
	struct side srv, cli;
	const char *payload;
	size_t npayload;
};

static void side_open(struct sc_tls_conn *c, int status)
{
	struct pair *p = sc_tls_conn_data(c);
	struct side *s = c == p->srv.c ? &p->srv : &p->cli;

	s->opened++;
	s->status = status;
	s->verified = sc_tls_conn_verified(c);
	s->chain_ok = sc_tls_conn_chain_ok(c);
	s->identity_ok = sc_tls_conn_identity_ok(c);
	{
		char issuer[128];

		sc_tls_conn_peer_names(c, s->subject, sizeof(s->subject), issuer, sizeof(issuer));
	}
	if (status == 0) {
		snprintf(s->version, sizeof(s->version), "%s", sc_tls_conn_version(c));
		if (s == &p->cli && p->payload)
			CHECK_EQ_INT(sc_tls_conn_write(c, p->payload, p->npayload), 0);
	} else {
		CHECK_EQ_INT(sc_tls_conn_write(c, "x", 1), -ENOTCONN);
	}
}

static void side_data(struct sc_tls_conn *c, const char *buf, size_t len)
{
	struct pair *p = sc_tls_conn_data(c);
	struct side *s = c == p->srv.c ? &p->srv : &p->cli;
	char *n = realloc(s->got, s->ngot + len);

	CHECK(n != NULL);
	if (!n)
		return;
	s->got = n;
	memcpy(s->got + s->ngot, buf, len);
	s->ngot += len;
	if (s->echo)
		CHECK_EQ_INT(sc_tls_conn_write(c, buf, len), 0);
	if (s->close_after && s->ngot >= s->close_after)
		sc_tls_conn_close(c, "test done");
}

static void side_close(struct sc_tls_conn *c, const char *reason)
{
	struct pair *p = sc_tls_conn_data(c);
	struct side *s = c == p->srv.c ? &p->srv : &p->cli;

	s->closed++;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->diag = sc_tls_diag_classify(sc_tls_conn_facts(c));
	s->c = NULL;
	if (p->srv.c || p->cli.c)
		return;
	/* Both sides are done (or there is no TLS server side): stop
	 * listening so that the loop ends. */
	if (p->silent)
		uv_close((uv_handle_t *)&p->raw, NULL);
	if (p->silent || p->no_server || p->srv.closed)
		uv_close((uv_handle_t *)&p->listener, NULL);
}

static const struct sc_tls_conn_cbs cbs = { side_open, side_data, side_close };

static void on_connection(uv_stream_t *l, int status)
{
	struct pair *p = l->data;

	CHECK_EQ_INT(status, 0);
	if (p->silent) {
		uv_tcp_init(&p->loop, &p->raw);
		CHECK_EQ_INT(uv_accept(l, (uv_stream_t *)&p->raw), 0);
		return;
	}
	CHECK_EQ_INT(sc_tls_conn_server(&p->loop, p->sctx, l, &cbs, p, &p->srv.c), 0);
}

/* Runs one client connection against the listener until everything is
 * closed. */
static void run(struct pair *p, const char *server_name)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	uv_tcp_init(&p->loop, &p->listener);
	p->listener.data = p;
	{
		struct sockaddr_in a;

		uv_ip4_addr("127.0.0.1", 0, &a);
		CHECK_EQ_INT(uv_tcp_bind(&p->listener, (struct sockaddr *)&a, 0), 0);
	}
	CHECK_EQ_INT(uv_listen((uv_stream_t *)&p->listener, 8, on_connection), 0);
	CHECK_EQ_INT(uv_tcp_getsockname(&p->listener, (struct sockaddr *)&ss, &len), 0);
	CHECK_EQ_INT(sc_tls_conn_client(&p->loop, p->cctx, server_name, (struct sockaddr *)&ss,
					&cbs, p, &p->cli.c),
		     0);
	uv_run(&p->loop, UV_RUN_DEFAULT);
}

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	uv_loop_init(&p->loop);
}

static void pair_done(struct pair *p)
{
	CHECK_EQ_INT(uv_loop_close(&p->loop), 0);
	sc_tls_ctx_unref(p->sctx);
	sc_tls_ctx_unref(p->cctx);
	free(p->srv.got);
	free(p->cli.got);
}

static struct sc_tls_ctx *client_ctx(const char *cert, const char *key, unsigned timeout)
{
	struct sc_tls_client_opts o;
	struct sc_tls_ctx *x = NULL;
	char err[300];

	memset(&o, 0, sizeof(o));
	o.ca_file = cert_path("ca.pem");
	o.verify = true;
	o.min_version = 12;
	o.certificate = cert;
	o.private_key = key;
	o.handshake_timeout = timeout;
	if (sc_tls_ctx_client(&o, &x, err, sizeof(err)) != 0)
		fprintf(stderr, "tls_conn: client context: %s\n", err);
	CHECK(x != NULL);
	return x;
}

static struct sc_tls_ctx *server_ctx(bool verify_client, bool require, bool sni)
{
	struct sc_tls_server_opts o;
	struct sc_tls_sni_opts sn;
	struct sc_tls_ctx *x = NULL;
	char err[300];

	memset(&o, 0, sizeof(o));
	memset(&sn, 0, sizeof(sn));
	o.certificate = cert_path("server.pem");
	o.private_key = cert_path("server.key");
	o.ca_file = cert_path("ca.pem");
	o.verify_client = verify_client;
	o.require_client_certificate = require;
	o.handshake_timeout = 10;
	if (sni) {
		sn.name = "sip.other.test";
		sn.certificate = cert_path("other.pem");
		sn.private_key = cert_path("other.key");
		o.sni = &sn;
		o.nsni = 1;
	}
	if (sc_tls_ctx_server(&o, &x, err, sizeof(err)) != 0)
		fprintf(stderr, "tls_conn: server context: %s\n", err);
	CHECK(x != NULL);
	return x;
}

/* A megabyte through the TLS layer and back: uv_try_write cannot take it
 * all, so the queued-write path and the read path both run many times. */
static void test_echo_big(void)
{
	struct pair p;
	char *data = malloc(BIG);
	size_t i;

	CHECK(data != NULL);
	if (!data)
		return;
	for (i = 0; i < BIG; i++)
		data[i] = (char)(i * 7 + i / 251);
	pair_init(&p);
	p.sctx = server_ctx(false, false, false);
	p.cctx = client_ctx(NULL, NULL, 5);
	if (!p.sctx || !p.cctx)
		goto out;
	p.payload = data;
	p.npayload = BIG;
	p.srv.echo = true;
	p.cli.close_after = BIG;
	run(&p, "sip.example.test");
	CHECK_EQ_INT(p.cli.opened, 1);
	CHECK_EQ_INT(p.cli.status, 0);
	CHECK_EQ_INT(p.srv.opened, 1);
	CHECK_EQ_INT(p.srv.status, 0);
	CHECK(p.cli.verified && p.cli.chain_ok && p.cli.identity_ok);
	CHECK(strcmp(p.cli.subject, "/CN=sip.example.test") == 0);
	/* The server asked for no client certificate: nothing to verify. */
	CHECK(!p.srv.verified);
	CHECK(strcmp(p.srv.subject, "-") == 0);
	CHECK(strcmp(p.cli.version, "TLSv1.3") == 0);
	CHECK_EQ_INT(p.srv.ngot, BIG);
	CHECK_EQ_INT(p.cli.ngot, BIG);
	CHECK(p.cli.got && memcmp(p.cli.got, data, BIG) == 0);
	CHECK_EQ_INT(p.cli.closed, 1);
	CHECK_EQ_INT(p.srv.closed, 1);
	CHECK(strcmp(p.cli.reason, "test done") == 0);
	CHECK(strcmp(p.srv.reason, "closed by peer") == 0);
	CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_OK);
out:
	pair_done(&p);
	free(data);
}

/* The server picks its certificate by the name the client sends. */
static void test_sni(void)
{
	struct pair p;

	pair_init(&p);
	p.sctx = server_ctx(false, false, true);
	p.cctx = client_ctx(NULL, NULL, 5);
	if (p.sctx && p.cctx) {
		p.payload = "ping";
		p.npayload = 4;
		p.srv.close_after = 4;
		run(&p, "SIP.Other.Test");
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK(p.cli.verified);
		CHECK(strcmp(p.cli.subject, "/CN=sip.other.test") == 0);
		CHECK_EQ_INT(p.srv.ngot, 4);
		CHECK(strcmp(p.cli.reason, "closed by peer") == 0);
	}
	pair_done(&p);

	/* Another name gets the default certificate. */
	pair_init(&p);
	p.sctx = server_ctx(false, false, true);
	p.cctx = client_ctx(NULL, NULL, 5);
	if (p.sctx && p.cctx) {
		p.payload = "ping";
		p.npayload = 4;
		p.srv.close_after = 4;
		run(&p, "sip.example.test");
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK(strcmp(p.cli.subject, "/CN=sip.example.test") == 0);
	}
	pair_done(&p);
}

/* The right chain for the wrong name: refused, with the names in the
 * reason; the server hears about it as an alert. */
static void test_name_mismatch(void)
{
	struct pair p;

	pair_init(&p);
	p.sctx = server_ctx(false, false, false);
	p.cctx = client_ctx(NULL, NULL, 5);
	if (p.sctx && p.cctx) {
		run(&p, "another.name");
		CHECK_EQ_INT(p.cli.opened, 1);
		CHECK_EQ_INT(p.cli.status, -EPROTO);
		CHECK(p.cli.chain_ok);
		CHECK(!p.cli.identity_ok && !p.cli.verified);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_NAME_MISMATCH);
		CHECK(strstr(p.cli.reason, "name-mismatch: certificate is for DNS:sip.example.test, "
					   "IP:127.0.0.1, IP:::1; expected another.name") != NULL);
		CHECK_EQ_INT(p.srv.opened, 1);
		CHECK(p.srv.status < 0);
		CHECK_EQ_INT(p.srv.closed, 1);
		CHECK(strstr(p.srv.reason, "does not accept our server certificate (alert "
					   "bad_certificate received)") != NULL);
	}
	pair_done(&p);
}

/* require_client_certificate, without and with one. */
static void test_client_cert(void)
{
	struct pair p;

	pair_init(&p);
	p.sctx = server_ctx(true, true, false);
	p.cctx = client_ctx(NULL, NULL, 5);
	if (p.sctx && p.cctx) {
		run(&p, "sip.example.test");
		/* TLS 1.3: the client finishes first and hears the verdict
		 * afterwards. */
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
		CHECK(strstr(p.cli.reason, "client-cert-required") == p.cli.reason);
		CHECK(p.srv.status < 0);
		CHECK_EQ_INT(p.srv.diag, SC_TLS_DIAG_CLIENT_CERT_REQUIRED);
	}
	pair_done(&p);

	/* client.pem alone lacks the intermediate that issued it: the server
	 * refuses it, and the client learns why from the alert. */
	pair_init(&p);
	p.sctx = server_ctx(true, true, false);
	p.cctx = client_ctx(cert_path("client.pem"), cert_path("client.key"), 5);
	if (p.sctx && p.cctx) {
		run(&p, "sip.example.test");
		CHECK(p.srv.status < 0);
		CHECK_EQ_INT(p.srv.diag, SC_TLS_DIAG_MISSING_INTERMEDIATE);
		CHECK(!p.srv.verified);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_CLIENT_CERT_REJECTED);
		CHECK(strstr(p.cli.reason, "alert unknown_ca received") != NULL);
	}
	pair_done(&p);

	/* With its chain it passes. */
	pair_init(&p);
	p.sctx = server_ctx(true, true, false);
	p.cctx = client_ctx(chain_file, cert_path("client.key"), 5);
	if (p.sctx && p.cctx) {
		p.payload = "hello";
		p.npayload = 5;
		p.srv.close_after = 5;
		run(&p, "sip.example.test");
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK_EQ_INT(p.srv.status, 0);
		CHECK(p.srv.verified && p.srv.chain_ok && !p.srv.identity_ok);
		CHECK(strcmp(p.srv.subject, "/CN=kitchen-ata.client.test") == 0);
		CHECK_EQ_INT(p.srv.ngot, 5);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_OK);
	}
	pair_done(&p);

	/* The same through an SNI switch: the other context verifies the
	 * client with the same CA list and our verify callback. */
	pair_init(&p);
	p.sctx = server_ctx(true, true, true);
	p.cctx = client_ctx(chain_file, cert_path("client.key"), 5);
	if (p.sctx && p.cctx) {
		p.payload = "hello";
		p.npayload = 5;
		p.srv.close_after = 5;
		run(&p, "sip.other.test");
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK(strcmp(p.cli.subject, "/CN=sip.other.test") == 0);
		CHECK_EQ_INT(p.srv.status, 0);
		CHECK(p.srv.verified);
		CHECK(strcmp(p.srv.subject, "/CN=kitchen-ata.client.test") == 0);
	}
	pair_done(&p);
	pair_init(&p);
	p.sctx = server_ctx(true, true, true);
	p.cctx = client_ctx(cert_path("client.pem"), cert_path("client.key"), 5);
	if (p.sctx && p.cctx) {
		run(&p, "sip.other.test");
		CHECK_EQ_INT(p.srv.diag, SC_TLS_DIAG_MISSING_INTERMEDIATE);
		CHECK(!p.srv.verified);
	}
	pair_done(&p);
}

/* A peer that accepts TCP and never speaks TLS. */
static void test_timeout(void)
{
	struct pair p;
	uint64_t t0;

	pair_init(&p);
	p.silent = true;
	p.cctx = client_ctx(NULL, NULL, 1);
	if (p.cctx) {
		t0 = uv_hrtime();
		run(&p, "sip.example.test");
		CHECK_EQ_INT(p.cli.status, -ETIMEDOUT);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_TIMEOUT);
		CHECK((uv_hrtime() - t0) / 1000000 >= 900);
		CHECK((uv_hrtime() - t0) / 1000000 < 4000);
		CHECK(strstr(p.cli.reason, "timeout: ") == p.cli.reason);
	}
	pair_done(&p);
}

/* A reload drops its reference while a connection still uses the
 * context: the connection goes on, the context goes when it closes
 * (AddressSanitizer would see a use after free or a leak otherwise). */
static void test_ctx_outlives_reload(void)
{
	struct pair p;
	struct sc_tls_ctx *c;

	pair_init(&p);
	p.sctx = server_ctx(false, false, false);
	c = client_ctx(NULL, NULL, 5);
	if (p.sctx && c) {
		p.payload = "after reload";
		p.npayload = 12;
		p.srv.close_after = 12;
		p.cctx = c;
		{
			struct sockaddr_storage ss;
			int len = sizeof(ss);
			struct sockaddr_in a;

			uv_tcp_init(&p.loop, &p.listener);
			p.listener.data = &p;
			uv_ip4_addr("127.0.0.1", 0, &a);
			uv_tcp_bind(&p.listener, (struct sockaddr *)&a, 0);
			uv_listen((uv_stream_t *)&p.listener, 8, on_connection);
			uv_tcp_getsockname(&p.listener, (struct sockaddr *)&ss, &len);
			CHECK_EQ_INT(c->refs, 1);
			CHECK_EQ_INT(sc_tls_conn_client(&p.loop, c, "sip.example.test",
							(struct sockaddr *)&ss, &cbs, &p, &p.cli.c),
				     0);
			CHECK_EQ_INT(c->refs, 2);
			/* The reload: the owner lets go. */
			sc_tls_ctx_unref(c);
			p.cctx = NULL;
			uv_run(&p.loop, UV_RUN_DEFAULT);
		}
		CHECK_EQ_INT(p.cli.status, 0);
		CHECK_EQ_INT(p.srv.ngot, 12);
	}
	pair_done(&p);
}

/* Connecting to a port nothing listens on. */
static void test_refused(void)
{
	struct pair p;
	struct sockaddr_in a;
	uv_tcp_t t;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	pair_init(&p);
	p.cctx = client_ctx(NULL, NULL, 5);
	/* A port that was just free: bind, note it, close. */
	uv_tcp_init(&p.loop, &t);
	uv_ip4_addr("127.0.0.1", 0, &a);
	uv_tcp_bind(&t, (struct sockaddr *)&a, 0);
	uv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&p.loop, UV_RUN_DEFAULT);
	if (p.cctx) {
		p.no_server = true;
		uv_tcp_init(&p.loop, &p.listener);
		CHECK_EQ_INT(sc_tls_conn_client(&p.loop, p.cctx, "sip.example.test",
						(struct sockaddr *)&ss, &cbs, &p, &p.cli.c),
			     0);
		/* Nothing may be called back before the caller has the pointer. */
		CHECK_EQ_INT(p.cli.opened, 0);
		uv_run(&p.loop, UV_RUN_DEFAULT);
		CHECK_EQ_INT(p.cli.opened, 1);
		CHECK_EQ_INT(p.cli.status, -ECONNREFUSED);
		CHECK_EQ_INT(p.cli.diag, SC_TLS_DIAG_TCP_REFUSED);
		CHECK_EQ_INT(p.cli.closed, 1);
	}
	pair_done(&p);
}

int main(void)
{
	if (setup() != 0) {
		printf("tls_conn: 0 passed, 1 failed\n");
		return 1;
	}
	RUN(test_echo_big);
	RUN(test_sni);
	RUN(test_name_mismatch);
	RUN(test_client_cert);
	RUN(test_timeout);
	RUN(test_ctx_outlives_reload);
	RUN(test_refused);
	unlink(chain_file);
	rmdir(scratch);
	wolfSSL_Cleanup();
	return check_done("tls_conn");
}
