/* Registrations and their replay (sidecar/relay/register.c, SPEC B5, B7):
 * what counts as a removal, the copy kept until the provider accepts it,
 * the replay's new branch, the CSeq shift, and the capped expiries. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/conf/conf.h"
#include "sidecar/relay/register.h"
#include "sidecar/sip/edit.h"
#include "sidecar/sip/via.h"
#include "tests/unit/check.h"

static const char reg_head[] = "REGISTER sip:sip.provider.example SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-ata-%d;rport\r\n"
			       "From: <sip:4930123456@sip.provider.example>;tag=r1\r\n"
			       "To: <sip:4930123456@sip.provider.example>\r\n"
			       "Call-ID: %s\r\n"
			       "CSeq: %d REGISTER\r\n"
			       "Contact: <sip:4930123456@192.168.1.20:5060>%s\r\n"
			       "%s"
			       "Authorization: Digest username=\"4930123456\", nonce=\"n1\", "
			       "response=\"0123456789abcdef0123456789abcdef\"\r\n"
			       "Max-Forwards: 70\r\n"
			       "Content-Length: 0\r\n\r\n";

/* A REGISTER: branch n, Call-ID, CSeq, the Contact's parameters, an
 * extra header line. */
static const char *reg(int n, const char *callid, int cseq, const char *cparams,
		       const char *extra)
{
	static char ring[4][2048];
	static unsigned next;
	char *b = ring[next++ % 4];

	snprintf(b, sizeof(ring[0]), reg_head, n, callid, cseq, cparams, extra);
	return b;
}

static struct sc_sip_msg *parse(const char *text)
{
	static struct sc_sip_msg m[2];
	static unsigned next;
	struct sc_sip_msg *p = &m[next++ % 2];

	CHECK_EQ_INT(sc_sip_msg_parse(p, text, strlen(text)), 0);
	return p;
}

static struct sc_dev dev;
static struct sc_up up;
static struct sc_conf_upstream up_conf;

static void fresh(void)
{
	free(dev.reg);
	free(dev.pending);
	memset(&dev, 0, sizeof(dev));
	memset(&up, 0, sizeof(up));
	memset(&up_conf, 0, sizeof(up_conf));
	up_conf.reregister_max = 120;
	up.conf = &up_conf;
	up.name = "provider";
	dev.name = "kitchen-ata";
	dev.up = &up;
}

static struct sockaddr_storage ata(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(5060);
	inet_pton(AF_INET, "192.168.1.20", &in->sin_addr);
	return ss;
}

static struct sc_sip_addr first_contact(const struct sc_sip_msg *m)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_addr a;
	sc_str one;
	size_t pos = 0;
	int k = -1;

	memset(&a, 0, sizeof(a));
	h = sc_sip_msg_next(m, SC_HDR_CONTACT, &k);
	CHECK(h && sc_sip_split(h->value, &pos, &one) == 1 && sc_sip_addr_parse(&a, one) == 0);
	return a;
}

static void test_removes(void)
{
	static const struct {
		const char *cparams, *extra;
		bool removes;
	} cases[] = {
		{ "", "", false },
		{ "", "Expires: 0\r\n", true },
		{ ";expires=0", "", true },
		{ ";expires=3600", "Expires: 0\r\n", false }, /* the Contact's own wins */
		{ ";expires=0", "Expires: 3600\r\n", true },
		{ ";Expires=0", "", true },                   /* parameter names in any case */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sc_sip_msg *m = parse(reg(1, "c1", 1, cases[i].cparams, cases[i].extra));
		struct sc_sip_addr a = first_contact(m);

		if (sc_register_removes(m, &a) != cases[i].removes)
			fprintf(stderr, "case %zu\n", i);
		CHECK(sc_register_removes(m, &a) == cases[i].removes);
	}
	{
		const char *star = "REGISTER sip:p SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\n"
				   "From: <sip:a@p>;tag=1\r\nTo: <sip:a@p>\r\nCall-ID: s\r\n"
				   "CSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0\r\n"
				   "Content-Length: 0\r\n\r\n";
		struct sc_sip_msg *m = parse(star);
		struct sc_sip_addr a = first_contact(m);

		CHECK(sc_register_removes(m, &a));
	}
}

/* Kept while it waits; the provider's 2xx makes it the registration; a
 * 2xx for another transaction changes nothing; a removal forgets it. */
static void test_sent_accepted(void)
{
	struct sockaddr_storage src = ata();
	const char *r1 = reg(1, "c1@ata", 5, "", "Expires: 3600\r\n");

	fresh();
	sc_register_sent(&dev, parse(r1), 0x11, (const struct sockaddr *)&src, SC_TP_UDP);
	CHECK(dev.pending && dev.pending_len == strlen(r1));
	CHECK(dev.reg == NULL);
	CHECK_STR(sc_str_cstr(dev.lines[0].aor), "4930123456");
	CHECK_STR(sc_str_cstr(dev.lines[0].contact), "sip:4930123456@192.168.1.20:5060");
	sc_register_accepted(&dev, 0x12);
	CHECK(dev.reg == NULL);
	sc_register_accepted(&dev, 0x11);
	CHECK(dev.reg && dev.reg_len == strlen(r1) && memcmp(dev.reg, r1, dev.reg_len) == 0);
	CHECK(dev.pending == NULL);
	CHECK_STR(sc_str_cstr(dev.reg_callid), "c1@ata");
	CHECK_EQ_INT(dev.reg_tp, SC_TP_UDP);
	/* A refresh in the same Call-ID keeps the shift; a new Call-ID (the
	 * device rebooted) starts again. */
	dev.reg_shift = 2;
	sc_register_sent(&dev, parse(reg(2, "c1@ata", 6, "", "")), 0x13,
			 (const struct sockaddr *)&src, SC_TP_UDP);
	sc_register_accepted(&dev, 0x13);
	CHECK_EQ_INT(dev.reg_shift, 2);
	sc_register_sent(&dev, parse(reg(3, "c2@ata", 1, "", "")), 0x14,
			 (const struct sockaddr *)&src, SC_TP_UDP);
	sc_register_accepted(&dev, 0x14);
	CHECK_EQ_INT(dev.reg_shift, 0);
	CHECK_STR(sc_str_cstr(dev.reg_callid), "c2@ata");
	/* A query (no Contact) asks and changes nothing: the registration
	 * stays to be replayed, and no copy waits for its answer. */
	{
		static const char query[] = "REGISTER sip:sip.provider.example SIP/2.0\r\n"
					    "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-q\r\n"
					    "From: <sip:4930123456@sip.provider.example>;tag=q1\r\n"
					    "To: <sip:4930123456@sip.provider.example>\r\n"
					    "Call-ID: c2@ata\r\n"
					    "CSeq: 2 REGISTER\r\n"
					    "Content-Length: 0\r\n\r\n";
		char *before = dev.reg;

		sc_register_sent(&dev, parse(query), 0x16, (const struct sockaddr *)&src, SC_TP_UDP);
		CHECK(dev.pending == NULL && dev.pending_key == 0);
		sc_register_accepted(&dev, 0x16);
		CHECK(dev.reg == before && dev.reg != NULL);
		CHECK_STR(sc_str_cstr(dev.lines[0].aor), "4930123456");
	}
	/* The removal: nothing left to replay, nor to route by AOR. */
	sc_register_sent(&dev, parse(reg(4, "c2@ata", 3, ";expires=0", "")), 0x15,
			 (const struct sockaddr *)&src, SC_TP_UDP);
	CHECK(dev.lines[0].aor[0] == '\0' && dev.lines[0].hostport[0] == '\0');
	CHECK(dev.pending == NULL && dev.pending_key == 0x15);
	sc_register_accepted(&dev, 0x15);
	CHECK(dev.reg == NULL && dev.pending == NULL);
	fresh();
}

/* The replay: the same bytes, credentials and all, but for the top Via's
 * branch. */
static void test_replay_bytes(void)
{
	struct sockaddr_storage src = ata();
	const char *r1 = reg(7, "c1@ata", 5, "", "");
	char out[4096];
	struct sc_sip_msg *m;
	struct sc_sip_via v;
	const struct sc_sip_hdr *h;
	sc_str top;
	size_t pos;
	int n;

	fresh();
	CHECK_EQ_INT(sc_register_replay(&dev, 1, out, sizeof(out)), -ENOENT);
	sc_register_sent(&dev, parse(r1), 0x21, (const struct sockaddr *)&src, SC_TP_UDP);
	sc_register_accepted(&dev, 0x21);
	n = sc_register_replay(&dev, 0x2a, out, sizeof(out));
	CHECK(n > 0);
	out[n > 0 ? n : 0] = '\0';
	m = parse(out);
	CHECK_EQ_INT(sc_sip_via_top(m, &h, &pos, &top, &v), 0);
	CHECK_STR(v.branch, "z9hG4bK-screplay2a");
	CHECK(strstr(out, "response=\"0123456789abcdef0123456789abcdef\"") != NULL);
	CHECK(strstr(out, ";branch=z9hG4bK-screplay2a;rport\r\n") != NULL);
	CHECK_EQ_INT((size_t)n, strlen(r1) - strlen("z9hG4bK-ata-7") + strlen("z9hG4bK-screplay2a"));
	/* Without room: refused. */
	CHECK_EQ_INT(sc_register_replay(&dev, 0x2a, out, (size_t)n), -ENOSPC);
	fresh();
}

static const char *apply(const struct sc_sip_msg *m, const struct sc_edits *ed)
{
	static char out[4096];
	size_t len = 0;

	CHECK_EQ_INT(sc_edit_apply(m, ed, out, sizeof(out) - 1, &len), 0);
	out[len] = '\0';
	return out;
}

/* The CSeq shift, both ways, never below 1; only in the registration's
 * Call-ID. */
static void test_cseq(void)
{
	struct sc_sip_msg *m = parse(reg(1, "c1@ata", 5, "", ""));
	struct sc_edits ed;
	char scratch[48];

	fresh();
	CHECK(!sc_register_shifted(&dev, m));
	snprintf(dev.reg_callid, sizeof(dev.reg_callid), "c1@ata");
	CHECK(!sc_register_shifted(&dev, m));
	dev.reg_shift = 2;
	CHECK(sc_register_shifted(&dev, m));
	CHECK(!sc_register_shifted(&dev, parse(reg(1, "c9@ata", 5, "", ""))));
	m = parse(reg(1, "c1@ata", 5, "", ""));
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_register_cseq(m, 2, scratch, sizeof(scratch), &ed), 0);
	CHECK(strstr(apply(m, &ed), "\r\nCSeq: 7 REGISTER\r\n") != NULL);
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_register_cseq(m, -9, scratch, sizeof(scratch), &ed), 0);
	CHECK(strstr(apply(m, &ed), "\r\nCSeq: 1 REGISTER\r\n") != NULL);
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_register_cseq(m, 2, scratch, 8, &ed), -ENOSPC);
}

/* After a challenged replay, a 2xx's expiries are capped: each Contact's
 * expires above the cap, the Expires header; or one is added. */
static void test_cap(void)
{
	static const char ok[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-ata-1;rport\r\n"
		"From: <sip:4930123456@sip.provider.example>;tag=r1\r\n"
		"To: <sip:4930123456@sip.provider.example>;tag=k1\r\n"
		"Call-ID: c1@ata\r\n"
		"CSeq: 5 REGISTER\r\n"
		"Contact: <sip:4930123456@192.168.1.20:5060>;expires=3600, "
		"<sip:4930123456@192.168.1.21:5060>;expires=60;q=0.5\r\n"
		"Contact: <sip:other@192.168.1.22>;EXPIRES=99999999999\r\n"
		"Expires: 1800\r\n"
		"Content-Length: 0\r\n\r\n";
	static const char bare[] = "SIP/2.0 200 OK\r\n"
				   "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-ata-1\r\n"
				   "From: <sip:a@p>;tag=r1\r\nTo: <sip:a@p>;tag=k1\r\n"
				   "Call-ID: c1@ata\r\nCSeq: 5 REGISTER\r\n"
				   "Contact: <sip:a@192.168.1.20>\r\n"
				   "Content-Length: 0\r\n\r\n";
	struct sc_sip_msg *m = parse(ok);
	struct sc_edits ed;
	char scratch[64];
	const char *out;

	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_register_cap(m, 120, scratch, sizeof(scratch), &ed), 0);
	out = apply(m, &ed);
	CHECK(strstr(out, "<sip:4930123456@192.168.1.20:5060>;expires=120, ") != NULL);
	CHECK(strstr(out, "<sip:4930123456@192.168.1.21:5060>;expires=60;q=0.5\r\n") != NULL);
	CHECK(strstr(out, "<sip:other@192.168.1.22>;EXPIRES=120\r\n") != NULL);
	CHECK(strstr(out, "\r\nExpires: 120\r\n") != NULL);
	m = parse(bare);
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_register_cap(m, 120, scratch, sizeof(scratch), &ed), 0);
	out = apply(m, &ed);
	CHECK(strstr(out, "\r\nContent-Length: 0\r\nExpires: 120\r\n\r\n") != NULL);
	CHECK_EQ_INT(sc_register_cap(m, 120, scratch, 8, &ed), -ENOSPC);
}

/* What a replay's outcome does: a challenge marks the upstream. */
static void test_replayed(void)
{
	fresh();
	CHECK(strstr(sc_register_replayed(&dev, 200), "accepted") != NULL);
	CHECK(!up.replay_challenged);
	CHECK(strstr(sc_register_replayed(&dev, 403), "refused") != NULL);
	CHECK(!up.replay_challenged);
	CHECK(strstr(sc_register_replayed(&dev, 401), "challenged") != NULL);
	CHECK(up.replay_challenged);
	up.replay_challenged = false;
	CHECK(strstr(sc_register_replayed(&dev, 407), "challenged") != NULL);
	CHECK(up.replay_challenged);
}

int main(void)
{
	RUN(test_removes);
	RUN(test_sent_accepted);
	RUN(test_replay_bytes);
	RUN(test_cseq);
	RUN(test_cap);
	RUN(test_replayed);
	free(dev.reg);
	free(dev.pending);
	return check_done("relay_register");
}
