/* The sidecar's Via on requests from a provider towards a device (SPEC B5,
 * sidecar/relay/inbound.c): "SIP/2.0/UDP|TCP LAN-SENT-BY" on top with a
 * branch derived from the provider's transaction and the connection (so a
 * CANCEL or a non-2xx ACK gets its INVITE's branch) and "sc-l=" naming the
 * connection; popped from the device's response, giving the connection
 * back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sidecar/relay/inbound.h"
#include "sidecar/sip/via.h"
#include "tests/unit/check.h"

#define LINK 0x00000000000004d2ULL   /* connection 1234 */
#define LAN "192.168.1.1:5060"
#define OURS_UDP "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci"
#define PROVIDER_VIA "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-524287-1-8d8d0bd1;rport"

/* An INVITE (or CANCEL, ACK) as the provider sends it over TLS, with a
 * given top Via value and CSeq number. */
static const char *provider_request(const char *method, const char *via, unsigned cseq,
				    const char *call_id)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "%s sip:4930123456@192.168.1.20:5060 SIP/2.0\r\n"
		 "Via: %s\r\n"
		 "Max-Forwards: 69\r\n"
		 "From: \"Bob\" <sip:+4930987654@sip.provider.example>;tag=as58f4201b\r\n"
		 "To: <sip:4930123456@sip.provider.example>\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u %s\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 method, via, call_id, cseq, method);
	return buf;
}

static const char *invite(void)
{
	return provider_request("INVITE", PROVIDER_VIA, 102, "3848276298220188511@203.0.113.5");
}

/* The branch key the last add() wrote. */
static uint64_t added_key;

/* Adds our Via to text; returns the output (static) or a "(...)" marker,
 * and the result code in *rc. */
static const char *add(const char *text, uint64_t link, enum sc_transport tp, int *rc)
{
	static char out[4096];
	char scratch[256];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;

	*rc = -999;
	if (sc_sip_msg_parse(&m, text, strlen(text)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	*rc = sc_inbound_via_add(&m, link, tp, SC_STR_LIT(LAN), scratch, sizeof(scratch), &ed,
				 &added_key);
	if (*rc != 0)
		return "(add failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	return out;
}

static const char *add_ok(const char *text, uint64_t link, enum sc_transport tp)
{
	int rc;
	const char *out = add(text, link, tp, &rc);

	CHECK_EQ_INT(rc, 0);
	return out;
}

/* The first Via line of a message, without "Via: " and CRLF (static). */
static const char *top_via(const char *msg)
{
	static char v[512];
	const char *p = strstr(msg, "\r\nVia: ");

	v[0] = '\0';
	if (p)
		sscanf(p + 7, "%511[^\r]", v);
	return v;
}

/* The branch of our Via in an output (static). */
static const char *branch(const char *msg)
{
	static char b[128];
	const char *p = strstr(top_via(msg), "branch=");

	b[0] = '\0';
	if (p)
		sscanf(p + 7, "%127[^;]", b);
	return b;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_hex16(const char *s)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[16] == '\0' || s[16] == ';';
}

static void test_add(void)
{
	const char *out = add_ok(invite(), LINK, SC_TP_UDP);
	const char *via = top_via(out);
	char expect[256];

	/* Ours on top: UDP, our LAN sent-by, our branch, rport, the link. */
	CHECK(starts(via, OURS_UDP));
	CHECK(is_hex16(via + strlen(OURS_UDP)));
	CHECK_STR(sc_str_cstr(via + strlen(OURS_UDP) + 16), ";rport;sc-l=00000000000004d2");
	/* The provider's Via stays right below, byte for byte, and nothing
	 * else changes. */
	snprintf(expect, sizeof(expect), "\r\nVia: %s\r\nVia: " PROVIDER_VIA "\r\nMax-Forwards: 69\r\n",
		 via);
	CHECK(strstr(out, expect) != NULL);
	CHECK_EQ_INT(strlen(out), strlen(invite()) + strlen("Via: \r\n") + strlen(via));

	/* TCP towards a TCP device. */
	out = add_ok(invite(), LINK, SC_TP_TCP);
	CHECK(starts(top_via(out), "SIP/2.0/TCP " LAN ";branch=z9hG4bK-sci"));

	/* The whole 64-bit link id is written. */
	out = add_ok(invite(), 0xfedcba9876543210ULL, SC_TP_UDP);
	CHECK(strstr(top_via(out), ";sc-l=fedcba9876543210") != NULL);
}

/* The branch our Via gets for a request. */
static const char *branch_for(const char *text, uint64_t link)
{
	static char b[128];

	snprintf(b, sizeof(b), "%s", branch(add_ok(text, link, SC_TP_UDP)));
	return b;
}

static void test_branch_follows_the_transaction(void)
{
	char first[128];
	const char *call = "3848276298220188511@203.0.113.5";

	snprintf(first, sizeof(first), "%s", branch_for(invite(), LINK));
	CHECK_EQ_INT(strlen(first), strlen("z9hG4bK-sci") + 16);
	/* A retransmission, its CANCEL and the ACK to a non-2xx response carry
	 * the provider's INVITE branch: ours must be the INVITE's too. */
	CHECK_STR(sc_str_cstr(branch_for(invite(), LINK)), first);
	CHECK_STR(sc_str_cstr(branch_for(provider_request("CANCEL", PROVIDER_VIA, 102, call), LINK)),
		  first);
	CHECK_STR(sc_str_cstr(branch_for(provider_request("ACK", PROVIDER_VIA, 102, call), LINK)),
		  first);
	/* The transport towards the device does not change it. */
	CHECK_STR(sc_str_cstr(branch(add_ok(invite(), LINK, SC_TP_TCP))), first);

	/* Another provider transaction, or the same branch from another
	 * sent-by: another branch. */
	CHECK(strcmp(branch_for(provider_request("INVITE",
						 "SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-524287-1-8d8d0bd2;rport",
						 102, call),
				LINK),
		     first) != 0);
	CHECK(strcmp(branch_for(provider_request("INVITE",
						 "SIP/2.0/TLS 203.0.113.6:5061;branch=z9hG4bK-524287-1-8d8d0bd1;rport",
						 102, call),
				LINK),
		     first) != 0);
	CHECK(strcmp(branch_for(provider_request("INVITE",
						 "SIP/2.0/TLS 203.0.113.5:5062;branch=z9hG4bK-524287-1-8d8d0bd1;rport",
						 102, call),
				LINK),
		     first) != 0);
	/* The same transaction on another connection (a CANCEL or ACK on
	 * another flow than its INVITE): the same branch, another sc-l. */
	CHECK_STR(sc_str_cstr(branch_for(invite(), LINK + 1)), first);
	CHECK_STR(sc_str_cstr(branch_for(provider_request("CANCEL", PROVIDER_VIA, 102, call),
					 LINK + 7)),
		  first);
	CHECK(strstr(top_via(add_ok(invite(), LINK + 1, SC_TP_UDP)), ";sc-l=00000000000004d3") != NULL);
}

static void test_branch_rfc2543_provider(void)
{
	/* No magic cookie: Via, Call-ID and CSeq number identify the
	 * transaction (RFC 3261 §17.2.3). */
	static const char *via = "SIP/2.0/TLS 203.0.113.5:5061;branch=1a2b3c";
	char first[128];

	snprintf(first, sizeof(first), "%s", branch_for(provider_request("INVITE", via, 7, "old@x"), LINK));
	CHECK(strncmp(first, "z9hG4bK-sci", 11) == 0 && is_hex16(first + 11));
	CHECK_STR(sc_str_cstr(branch_for(provider_request("CANCEL", via, 7, "old@x"), LINK)), first);
	CHECK(strcmp(branch_for(provider_request("INVITE", via, 8, "old@x"), LINK), first) != 0);
	CHECK(strcmp(branch_for(provider_request("INVITE", via, 7, "older@x"), LINK), first) != 0);
	CHECK(strcmp(branch_for(provider_request("INVITE", "SIP/2.0/TLS 203.0.113.5:5061", 7,
						 "old@x"),
				LINK),
		     first) != 0);
	/* On another connection, the same transaction. */
	CHECK_STR(sc_str_cstr(branch_for(provider_request("CANCEL", via, 7, "old@x"), LINK + 1)),
		  first);
}

static void test_add_combined_and_errors(void)
{
	static const char combined[] =
		"INVITE sip:4930123456@192.168.1.20:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-top, SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK-a\r\n"
		"From: <sip:+4930987654@sip.provider.example>;tag=1\r\n"
		"To: <sip:4930123456@sip.provider.example>\r\n"
		"Call-ID: comb@203.0.113.5\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	char other[sizeof(combined)], first[128], scratch[256];
	struct sc_sip_msg m;
	struct sc_edits ed;
	const char *out;
	size_t need;
	int rc;

	/* Ours goes above the whole line; only its first value counts. */
	out = add_ok(combined, LINK, SC_TP_UDP);
	CHECK(strstr(out, "sc-l=00000000000004d2\r\nVia: SIP/2.0/TLS 203.0.113.5:5061;"
			  "branch=z9hG4bK-top, SIP/2.0/UDP 10.1.1.1;branch=z9hG4bK-a\r\n") != NULL);
	snprintf(first, sizeof(first), "%s", branch(out));
	memcpy(other, combined, sizeof(combined));
	*strstr(other, "bK-a\r\n") = 'X';
	CHECK_STR(sc_str_cstr(branch_for(other, LINK)), first);

	/* A top Via that does not parse. */
	add(provider_request("INVITE", "garbage", 1, "x@y"), LINK, SC_TP_UDP, &rc);
	CHECK_EQ_INT(rc, -EBADMSG);

	/* Scratch: exactly enough (the line and its NUL) or -ENOSPC. */
	out = add_ok(invite(), LINK, SC_TP_UDP);
	need = strlen("Via: \r\n") + strlen(top_via(out)) + 1;
	CHECK_EQ_INT(sc_sip_msg_parse(&m, invite(), strlen(invite())), 0);
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_inbound_via_add(&m, LINK, SC_TP_UDP, SC_STR_LIT(LAN), scratch, need, &ed, NULL),
		     0);
	CHECK_EQ_INT(ed.n, 1);
	sc_edit_init(&ed);
	CHECK_EQ_INT(sc_inbound_via_add(&m, LINK, SC_TP_UDP, SC_STR_LIT(LAN), scratch, need - 1, &ed, NULL),
		     -ENOSPC);
	CHECK_EQ_INT(ed.n, 0);
}

/* Pops our Via from a device response; the output (static) and the link. */
static int pop(const char *resp, uint64_t *link, const char **out_text)
{
	static char out[4096];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;
	int rc;

	out[0] = '\0';
	*out_text = out;
	if (sc_sip_msg_parse(&m, resp, strlen(resp)) != 0)
		return -999;
	sc_edit_init(&ed);
	rc = sc_inbound_via_pop(&m, link, &ed);
	if (rc == 0 && sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) == 0)
		out[n] = '\0';
	if (rc != 0)
		CHECK_EQ_INT(ed.n, 0);
	return rc;
}

/* A device's 180 to a request: its Vias as given (one header line each, or
 * one combined line when combine is set). */
static const char *device_response(const char *ours, const char *below, int combine)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "SIP/2.0 180 Ringing\r\n"
		 "Via: %s%s%s\r\n"
		 "From: \"Bob\" <sip:+4930987654@sip.provider.example>;tag=as58f4201b\r\n"
		 "To: <sip:4930123456@sip.provider.example>;tag=8f3a2b1c\r\n"
		 "Call-ID: 3848276298220188511@203.0.113.5\r\n"
		 "CSeq: 102 INVITE\r\n"
		 "Contact: <sip:4930123456@192.168.1.20:5060>\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 ours, below ? (combine ? ", " : "\r\nVia: ") : "", below ? below : "");
	return buf;
}

static void test_pop_round_trip(void)
{
	char ours[512], with_received[600];
	uint64_t link = 0;
	const char *out;

	snprintf(ours, sizeof(ours), "%s", top_via(add_ok(invite(), LINK, SC_TP_UDP)));
	/* The device answers with our Via on top and the provider's below:
	 * ours goes, the provider's is on top again exactly as it sent it. */
	CHECK_EQ_INT(pop(device_response(ours, PROVIDER_VIA, 0), &link, &out), 0);
	CHECK(link == LINK);
	CHECK(starts(out, "SIP/2.0 180 Ringing\r\nVia: " PROVIDER_VIA "\r\nFrom: "));
	CHECK(strstr(out, "sc-l") == NULL);
	/* A device that fills in rport and received (RFC 3581) on our Via. */
	snprintf(with_received, sizeof(with_received), "%s", ours);
	*strstr(with_received, ";rport;") = '\0';
	strcat(with_received, ";rport=5060;sc-l=00000000000004d2;received=192.168.1.1");
	link = 0;
	CHECK_EQ_INT(pop(device_response(with_received, PROVIDER_VIA, 0), &link, &out), 0);
	CHECK(link == LINK);
	CHECK(strstr(out, "\r\nVia: " PROVIDER_VIA "\r\nFrom: ") != NULL);
	/* Both Vias on one line: ours and the comma go. */
	link = 0;
	CHECK_EQ_INT(pop(device_response(ours, PROVIDER_VIA, 1), &link, &out), 0);
	CHECK(link == LINK);
	CHECK(strstr(out, "\r\nVia: " PROVIDER_VIA "\r\nFrom: ") != NULL);
	/* Ours alone: the whole line goes. */
	CHECK_EQ_INT(pop(device_response(ours, NULL, 0), &link, &out), 0);
	CHECK(strstr(out, "Via") == NULL);
	CHECK(starts(out, "SIP/2.0 180 Ringing\r\nFrom: "));
	/* The largest link id survives the round trip. */
	snprintf(ours, sizeof(ours), "%s", top_via(add_ok(invite(), UINT64_MAX, SC_TP_TCP)));
	CHECK_EQ_INT(pop(device_response(ours, PROVIDER_VIA, 0), &link, &out), 0);
	CHECK(link == UINT64_MAX);
}

/* The key of the branch is what the relay matches a device's response
 * with, to stop repeating a request it sent over UDP: sc_inbound_via_add
 * gives the one it writes, sc_inbound_branch reads it and the link back
 * from the response, and nothing else yields a key. */
static void test_key_matches_response(void)
{
	char ours[512], want[32];
	const char *text = invite(), *resp;
	struct sc_sip_msg m;
	uint64_t key, got = 0, link = 0;

	snprintf(ours, sizeof(ours), "%s", top_via(add_ok(text, LINK + 1, SC_TP_UDP)));
	key = added_key;
	snprintf(ours, sizeof(ours), "%s", top_via(add_ok(text, LINK, SC_TP_UDP)));
	CHECK(key == added_key); /* another link, the same transaction */
	key = added_key;
	snprintf(want, sizeof(want), "z9hG4bK-sci%016llx", (unsigned long long)key);
	CHECK_STR(sc_str_cstr(branch(add_ok(text, LINK, SC_TP_UDP))), want);
	resp = device_response(ours, PROVIDER_VIA, 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp, strlen(resp)), 0);
	CHECK_EQ_INT(sc_inbound_branch(&m, &got, &link), 0);
	CHECK(got == key);
	CHECK(link == LINK);
	/* The provider's own Via on top is not ours. */
	resp = device_response(PROVIDER_VIA, NULL, 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp, strlen(resp)), 0);
	CHECK_EQ_INT(sc_inbound_branch(&m, &got, &link), -ENOENT);
	/* Nor is a branch of ours with a damaged key, or without its link. */
	resp = device_response("SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci0123456789abcdeg;sc-l=1",
			       NULL, 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp, strlen(resp)), 0);
	CHECK_EQ_INT(sc_inbound_branch(&m, &got, &link), -ENOENT);
	resp = device_response("SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci0123456789abcdef", NULL, 0);
	CHECK_EQ_INT(sc_sip_msg_parse(&m, resp, strlen(resp)), 0);
	CHECK_EQ_INT(sc_inbound_branch(&m, &got, &link), -ENOENT);
}

/* Our Via with its branch suffix and link parameter replaced. */
static const char *forged(const char *branch_tail, const char *params)
{
	static char v[256];

	snprintf(v, sizeof(v), "SIP/2.0/UDP " LAN ";branch=z9hG4bK-sci%s;rport%s", branch_tail,
		 params);
	return v;
}

static void test_pop_not_ours(void)
{
	uint64_t link = 77;
	const char *out;
	char ours[512];

	/* Sanity: the forged shape with good values is accepted. */
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=00000000000004d2"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     0);
	CHECK(link == LINK);
	link = 77;
	/* A provider's or another proxy's Via on top. */
	CHECK_EQ_INT(pop(device_response(PROVIDER_VIA, NULL, 0), &link, &out), -ENOENT);
	/* The branch our outbound Via uses (towards the provider) is not this. */
	CHECK_EQ_INT(pop(device_response("SIP/2.0/TLS edge.example.net:5061;branch=z9hG4bK-sc0123456789abcdef;sc=kitchen-ata~31~u",
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	/* Our prefix with a branch one digit short or long. */
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcde", ";sc-l=00000000000004d2"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef0", ";sc-l=00000000000004d2"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	/* No link, an empty one, a short or long one, upper case, zero. */
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ""), PROVIDER_VIA, 0), &link,
			 &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l"), PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=4d2"), PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=000000000000004d20"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=00000000000004D2"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=000000000000g4d2"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	CHECK_EQ_INT(pop(device_response(forged("0123456789abcdef", ";sc-l=0000000000000000"),
					 PROVIDER_VIA, 0),
			 &link, &out),
		     -ENOENT);
	/* Ours, but not on top: the response is not for us. */
	snprintf(ours, sizeof(ours), "%s", top_via(add_ok(invite(), LINK, SC_TP_UDP)));
	CHECK_EQ_INT(pop(device_response(PROVIDER_VIA, ours, 0), &link, &out), -ENOENT);
	CHECK_EQ_INT(pop(device_response(PROVIDER_VIA, ours, 1), &link, &out), -ENOENT);
	/* A top Via that does not parse. */
	CHECK_EQ_INT(pop(device_response("garbage", ours, 0), &link, &out), -ENOENT);
}

int main(void)
{
	RUN(test_key_matches_response);
	RUN(test_add);
	RUN(test_branch_follows_the_transaction);
	RUN(test_branch_rfc2543_provider);
	RUN(test_add_combined_and_errors);
	RUN(test_pop_round_trip);
	RUN(test_pop_not_ours);
	return check_done("relay_inbound");
}
