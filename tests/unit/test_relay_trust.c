/* Trust marking (SPEC B6): Alert-Info from outside is always removed; only an
 * INVITE over a verified TLS connection from a trusted upstream is marked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sidecar/relay/trust.h"
#include "tests/unit/check.h"

static const char invite[] =
	"INVITE sip:alice@192.168.1.20:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-1\r\n"
	"Alert-Info: <http://evil.example/ring.wav>\r\n"
	"From: <sip:bob@provider.example>;tag=1\r\n"
	"To: <sip:alice@provider.example>\r\n"
	"alert-info: Bellcore-dr2\r\n"
	"Call-ID: c1@provider.example\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static struct sc_conf_upstream trusted_up = { .trusted = true, .verify = true };
static struct sc_conf_upstream untrusted_up = { .trusted = false, .verify = true };
/* trusted, but verification switched off: never marked. */
static struct sc_conf_upstream unverifying_up = { .trusted = true, .verify = false };
static struct sc_conf_device ata = { .name = "kitchen-ata", .alert_info = "Bellcore-dr4" };
static struct sc_conf_device plain = { .name = "no-mark" };
static struct sc_conf_device empty = { .name = "empty-mark", .alert_info = "" };

/* invite with both Alert-Info headers gone, and nothing else changed. */
static const char cleaned[] =
	"INVITE sip:alice@192.168.1.20:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-1\r\n"
	"From: <sip:bob@provider.example>;tag=1\r\n"
	"To: <sip:alice@provider.example>\r\n"
	"Call-ID: c1@provider.example\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n"
	"\r\n";
/* The same, marked for the ATA. */
static const char marked[] =
	"INVITE sip:alice@192.168.1.20:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-1\r\n"
	"From: <sip:bob@provider.example>;tag=1\r\n"
	"To: <sip:alice@provider.example>\r\n"
	"Call-ID: c1@provider.example\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n"
	"Alert-Info: Bellcore-dr4\r\n"
	"\r\n";

/* Applies the trust edits, with mark as given, to text and returns the
 * result (static buffer). */
static const char *edited(const char *text, bool mark, const struct sc_conf_device *dev)
{
	static char out[2048];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;

	out[0] = '\0';
	if (sc_sip_msg_parse(&m, text, strlen(text)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	if (sc_trust_edits(&m, mark, dev, &ed) != 0)
		return "(edits failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	return out;
}

/* The same with the mark decided for a request from src to dev. */
static const char *rewrite(const char *text, const struct sc_trust_src *src,
			   const struct sc_conf_device *dev)
{
	struct sc_sip_msg m;

	if (sc_sip_msg_parse(&m, text, strlen(text)) != 0)
		return "(parse failed)";
	return edited(text, sc_trust_should_mark(&m, src, dev), dev);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void test_marks_verified_trusted_invite(void)
{
	struct sc_trust_src src = { .tls = true, .verified = true, .upstream = &trusted_up };
	const char *out = rewrite(invite, &src, &ata);

	CHECK_EQ_INT(count(out, "Alert-Info: Bellcore-dr4\r\n"), 1);
	CHECK_EQ_INT(count(out, "evil.example"), 0);
	CHECK_EQ_INT(count(out, "Bellcore-dr2"), 0);
	CHECK_EQ_INT(count(out, "alert-info"), 0);
	/* The mark is the last header, right before the blank line. */
	CHECK(strstr(out, "Content-Length: 0\r\nAlert-Info: Bellcore-dr4\r\n\r\n") != NULL);
	/* Everything else is untouched. */
	CHECK(strstr(out, "To: <sip:alice@provider.example>\r\nCall-ID:") != NULL);
	CHECK(strcmp(out, marked) == 0);
}

static void test_no_mark_without_every_condition(void)
{
	struct sc_trust_src unverified = { .tls = true, .verified = false, .upstream = &trusted_up };
	struct sc_trust_src untrusted = { .tls = true, .verified = true, .upstream = &untrusted_up };
	struct sc_trust_src notls = { .tls = false, .verified = true, .upstream = &trusted_up };
	struct sc_trust_src nobody = { .tls = true, .verified = true, .upstream = NULL };
	struct sc_trust_src noverify = { .tls = true, .verified = true, .upstream = &unverifying_up };
	struct sc_trust_src good = { .tls = true, .verified = true, .upstream = &trusted_up };
	const struct sc_trust_src *bad[] = { &unverified, &untrusted, &notls, &nobody, &noverify };
	struct sc_sip_msg m;
	size_t i;

	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite, strlen(invite)), 0);
	/* The source that earns the mark gets it, so the cases below differ
	 * from it in their one missing condition only. */
	CHECK(sc_trust_should_mark(&m, &good, &ata));
	CHECK(strcmp(rewrite(invite, &good, &ata), marked) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *out = rewrite(invite, bad[i], &ata);

		CHECK(!sc_trust_should_mark(&m, bad[i], &ata));
		/* Cleaned of every Alert-Info, nothing added, nothing else
		 * changed: exactly the cleaned message. */
		CHECK(strcmp(out, cleaned) == 0);
		if (strcmp(out, cleaned) != 0)
			fprintf(stderr, "  source %zu gave:\n%s\n", i, out);
	}
	/* A device without alert_info (or an empty one) is never marked,
	 * but still cleaned; even told to mark, the edits add nothing. */
	CHECK(!sc_trust_should_mark(&m, &good, &plain));
	CHECK(!sc_trust_should_mark(&m, &good, &empty));
	CHECK(strcmp(rewrite(invite, &good, &plain), cleaned) == 0);
	CHECK(strcmp(rewrite(invite, &good, &empty), cleaned) == 0);
	CHECK(strcmp(edited(invite, true, &plain), cleaned) == 0);
	CHECK(strcmp(edited(invite, true, &empty), cleaned) == 0);
	CHECK(strcmp(edited(invite, false, &ata), cleaned) == 0);
	CHECK(strcmp(edited(invite, true, &ata), marked) == 0);
}

static void test_only_invite(void)
{
	static const char message[] = "MESSAGE sip:alice@192.168.1.20 SIP/2.0\r\n"
				      "Via: SIP/2.0/TLS 203.0.113.5;branch=z9hG4bK-2\r\n"
				      "From: <sip:bob@provider.example>;tag=1\r\n"
				      "To: <sip:alice@provider.example>\r\n"
				      "Call-ID: c2\r\n"
				      "CSeq: 2 MESSAGE\r\n"
				      "Alert-Info: Bellcore-dr4\r\n"
				      "Content-Length: 2\r\n"
				      "\r\n"
				      "hi";
	static const char ok[] = "SIP/2.0 180 Ringing\r\n"
				 "Via: SIP/2.0/TLS 203.0.113.5;branch=z9hG4bK-3\r\n"
				 "From: <sip:bob@provider.example>;tag=1\r\n"
				 "To: <sip:alice@provider.example>;tag=2\r\n"
				 "Call-ID: c3\r\n"
				 "CSeq: 1 INVITE\r\n"
				 "Content-Length: 0\r\n"
				 "\r\n";
	struct sc_trust_src good = { .tls = true, .verified = true, .upstream = &trusted_up };
	struct sc_sip_msg m;
	const char *out = rewrite(message, &good, &ata);

	/* A MESSAGE is cleaned but not marked, and its body survives. */
	CHECK_EQ_INT(count(out, "Alert-Info"), 0);
	CHECK(strstr(out, "Content-Length: 2\r\n\r\nhi") != NULL);
	/* A response is never marked, even one to an INVITE. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, ok, strlen(ok)), 0);
	CHECK(!sc_trust_should_mark(&m, &good, &ata));
	/* Methods are case-sensitive: "invite" is not an INVITE. */
	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite, strlen(invite)), 0);
	m.method = SC_STR_LIT("invite");
	CHECK(!sc_trust_should_mark(&m, &good, &ata));
}

int main(void)
{
	RUN(test_marks_verified_trusted_invite);
	RUN(test_no_mark_without_every_condition);
	RUN(test_only_invite);
	return check_done("relay_trust");
}
