/* Contact rewriting (SPEC B4): towards the provider every device Contact
 * names the sidecar's WAN address with transport=tls and a token; inbound
 * requests carrying the token are restored to what the device wrote. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sidecar/relay/contact.h"
#include "tests/unit/check.h"

static char out[4096];

/* A REGISTER with the given Contact header lines (static). */
static const char *reg(const char *contacts)
{
	static char msg[4096];

	snprintf(msg, sizeof(msg),
		 "REGISTER sip:provider.example SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-r1\r\n"
		 "From: <sip:alice@provider.example>;tag=a\r\n"
		 "To: <sip:alice@provider.example>\r\n"
		 "Call-ID: reg1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "%s"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 contacts);
	return msg;
}

/* Builds a REGISTER with the given Contact header lines and rewrites it for
 * device "kitchen-ata" at WAN address edge.example.net:5061. */
static const char *rewrite(const char *contacts, int *count)
{
	static char msg[4096];
	char scratch[1024];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;

	snprintf(msg, sizeof(msg), "%s", reg(contacts));
	out[0] = '\0';
	if (sc_sip_msg_parse(&m, msg, strlen(msg)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	*count = sc_contact_rewrite(&m, "kitchen-ata", SC_STR_LIT("edge.example.net:5061"), scratch,
				    sizeof(scratch), &ed);
	if (*count < 0)
		return "(rewrite failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	return out;
}

/* The Contact line of a rewritten message. */
static const char *contact_line(const char *msg)
{
	static char line[1024];
	const char *p = strstr(msg, "\r\nContact: "), *e;

	line[0] = '\0';
	if (p && (e = strstr(p + 2, "\r\n")) != NULL)
		snprintf(line, sizeof(line), "%.*s", (int)(e - p - 2), p + 2);
	return line;
}

static void test_token(void)
{
	struct sc_contact_token t;
	char buf[SC_CONTACT_TOKEN_MAX];
	int n = sc_contact_token_make("kitchen-ata", SC_STR_LIT("192.168.1.20:5060"),
				      SC_STR_LIT("udp"), buf, sizeof(buf));

	CHECK_EQ_INT(n, (int)strlen("kitchen-ata~3139322e3136382e312e32303a35303630~756470"));
	CHECK(n > 0 && memcmp(buf, "kitchen-ata~3139322e3136382e312e32303a35303630~756470",
			      (size_t)n) == 0);
	CHECK_EQ_INT(sc_contact_token_parse(sc_str_make(buf, (size_t)n), &t), 0);
	CHECK_STR(t.device, "kitchen-ata");
	CHECK(strcmp(t.hostport, "192.168.1.20:5060") == 0);
	CHECK(strcmp(t.transport, "udp") == 0);
	CHECK_EQ_INT(sc_contact_token_make("d", SC_STR_LIT("192.168.1.20:5060"), SC_STR_LIT(""), buf,
					   10),
		     -ENOSPC);
	/* Damaged tokens: no separators, odd or non-hex digits, an empty
	 * address, an encoded control character, no device name. */
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("kitchen-ata"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("d~313~"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("d~31zz~"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("d~~"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("d~310a~"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("~3131~"), &t), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_LIT("d~3131~"), &t), 0);
}

static void test_rewrite_keeps_user_and_params(void)
{
	int n = 0;
	const char *m = rewrite("Contact: \"Kitchen\" <sip:alice@192.168.1.20:5060;line=x7>"
				";expires=3600;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
				"000e0c0a0b0c>\";reg-id=1;q=0.8\r\n",
				&n);

	CHECK_EQ_INT(n, 1);
	CHECK(strcmp(contact_line(m),
		     "Contact: \"Kitchen\" <sip:alice@edge.example.net:5061;line=x7;transport=tls"
		     ";sc=kitchen-ata~3139322e3136382e312e32303a35303630~>;expires=3600"
		     ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000e0c0a0b0c>\""
		     ";reg-id=1;q=0.8") == 0);
	/* The rest of the message is untouched: the whole of it, byte for
	 * byte, is the REGISTER with that Contact line. */
	CHECK(strcmp(m, reg("Contact: \"Kitchen\" <sip:alice@edge.example.net:5061;line=x7;transport=tls"
			    ";sc=kitchen-ata~3139322e3136382e312e32303a35303630~>;expires=3600"
			    ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000e0c0a0b0c>\""
			    ";reg-id=1;q=0.8\r\n")) == 0);
}

static void test_rewrite_forms(void)
{
	int n = 0;
	const char *m;

	/* addr-spec: parameters after it are the header's, so brackets are
	 * added to give the URI its own. */
	m = rewrite("Contact: sip:bob@10.0.0.5;expires=60\r\n", &n);
	CHECK_EQ_INT(n, 1);
	CHECK(strcmp(contact_line(m), "Contact: <sip:bob@edge.example.net:5061;transport=tls"
				      ";sc=kitchen-ata~31302e302e302e35~>;expires=60") == 0);
	/* An existing transport parameter is replaced; IPv6 hosts; ?headers. */
	m = rewrite("m: <sip:a@[2001:db8::1]:5070;transport=UDP?X-Line=1>, <tel:+15551234>,"
		    " <sip:b@192.168.1.21>\r\n",
		    &n);
	CHECK_EQ_INT(n, 2);
	CHECK(strstr(m, "m: <sip:a@edge.example.net:5061;transport=tls;sc=kitchen-ata~"
			"5b323030313a6462383a3a315d3a35303730~554450?X-Line=1>, <tel:+15551234>, "
			"<sip:b@edge.example.net:5061;transport=tls;sc=kitchen-ata~"
			"3139322e3136382e312e3231~>\r\n") != NULL);
	/* "*" (REGISTER removing all bindings) is left alone, and so is a
	 * message without a Contact: the output is the input, byte for byte. */
	m = rewrite("Contact: *\r\n", &n);
	CHECK_EQ_INT(n, 0);
	CHECK(strcmp(m, reg("Contact: *\r\n")) == 0);
	m = rewrite("", &n);
	CHECK_EQ_INT(n, 0);
	CHECK(strcmp(m, reg("")) == 0);
	/* A Contact list that does not parse is an error, not skipped. */
	CHECK(strcmp(rewrite("Contact: <sip:a@192.168.1.20>, <sip:b@192.168.1.21\r\n", &n),
		     "(rewrite failed)") == 0);
	CHECK_EQ_INT(n, -EBADMSG);
	CHECK(strcmp(rewrite("Contact: \"Kitchen <sip:a@192.168.1.20>\r\n", &n), "(rewrite failed)") == 0);
	CHECK_EQ_INT(n, -EBADMSG);
}

/* Parameter names are case-insensitive (RFC 3261 §7.3.1): a transport
 * parameter in any case is the one replaced, never kept beside ours. */
static void test_rewrite_param_names_any_case(void)
{
	static const struct {
		const char *contact, *want;
	} cases[] = {
		{ "Contact: <sip:alice@192.168.1.20:5060;Transport=TCP>\r\n",
		  "Contact: <sip:alice@edge.example.net:5061;transport=tls"
		  ";sc=kitchen-ata~3139322e3136382e312e32303a35303630~544350>" },
		{ "Contact: <sip:alice@192.168.1.20:5060;TRANSPORT=tcp;line=x7>;expires=60\r\n",
		  "Contact: <sip:alice@edge.example.net:5061;transport=tls;line=x7"
		  ";sc=kitchen-ata~3139322e3136382e312e32303a35303630~746370>;expires=60" },
	};
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *line = contact_line(rewrite(cases[i].contact, &n));
		const char *p;
		int ntransport = 0;

		CHECK_EQ_INT(n, 1);
		CHECK(strcmp(line, cases[i].want) == 0);
		if (strcmp(line, cases[i].want) != 0)
			fprintf(stderr, "  got  %s\n  want %s\n", line, cases[i].want);
		for (p = line; *p; p++)
			if (strncasecmp(p, ";transport=", 11) == 0)
				ntransport++;
		CHECK_EQ_INT(ntransport, 1);
	}
}

/* Restores the Request-URI of an inbound INVITE whose R-URI is ruri. */
static int restore(const char *ruri, struct sc_contact_token *t, char *res, size_t cap)
{
	char msg[2048];
	struct sc_sip_msg m;
	struct sc_edits ed;
	size_t n = 0;
	int rc;

	snprintf(msg, sizeof(msg),
		 "INVITE %s SIP/2.0\r\n"
		 "Via: SIP/2.0/TLS 203.0.113.5:5061;branch=z9hG4bK-i1\r\n"
		 "From: <sip:bob@provider.example>;tag=b\r\n"
		 "To: <sip:alice@provider.example>\r\n"
		 "Call-ID: inv1\r\n"
		 "CSeq: 1 INVITE\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 ruri);
	res[0] = '\0';
	if (sc_sip_msg_parse(&m, msg, strlen(msg)) != 0)
		return -99;
	sc_edit_init(&ed);
	rc = sc_contact_restore(&m, t, &ed);
	if (rc < 0)
		return rc;
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return -98;
	out[n] = '\0';
	snprintf(res, cap, "%.*s", (int)(strstr(out, " SIP/2.0\r\n") - out - 7), out + 7);
	return rc;
}

static void test_restore(void)
{
	struct sc_contact_token t;
	char res[512];

	CHECK_EQ_INT(restore("sip:alice@edge.example.net:5061;line=x7;transport=tls;sc=kitchen-ata~"
			     "3139322e3136382e312e32303a35303630~",
			     &t, res, sizeof(res)),
		     1);
	CHECK(strcmp(res, "sip:alice@192.168.1.20:5060;line=x7") == 0);
	CHECK_STR(t.device, "kitchen-ata");
	CHECK(strcmp(t.hostport, "192.168.1.20:5060") == 0);
	CHECK(strcmp(t.transport, "") == 0);
	/* The original transport parameter comes back. */
	CHECK_EQ_INT(restore("sip:a@edge.example.net:5061;transport=tls;sc=kitchen-ata~"
			     "5b323030313a6462383a3a315d3a35303730~554450",
			     &t, res, sizeof(res)),
		     1);
	CHECK(strcmp(res, "sip:a@[2001:db8::1]:5070;transport=UDP") == 0);
	CHECK(strcmp(t.hostport, "[2001:db8::1]:5070") == 0);
	CHECK(strcmp(t.transport, "UDP") == 0);
	/* Whatever the case of the parameter names the provider sends back. */
	CHECK_EQ_INT(restore("sip:a@edge.example.net:5061;Transport=TLS;SC=kitchen-ata~"
			     "3139322e3136382e312e32303a35303630~746370",
			     &t, res, sizeof(res)),
		     1);
	CHECK(strcmp(res, "sip:a@192.168.1.20:5060;Transport=tcp") == 0);
	/* No token: nothing to restore, the Request-URI stays as it is; a
	 * damaged one is an error. */
	CHECK_EQ_INT(restore("sip:alice@192.168.1.20;transport=tls", &t, res, sizeof(res)), 0);
	CHECK(strcmp(res, "sip:alice@192.168.1.20;transport=tls") == 0);
	CHECK_EQ_INT(restore("sip:a@edge.example.net;sc=kitchen-ata~zz~", &t, res, sizeof(res)),
		     -EBADMSG);
	/* A bare ";sc" without a value (found by the fuzzer). */
	CHECK_EQ_INT(restore("sip:a@edge.example.net;sc", &t, res, sizeof(res)), -EBADMSG);
	CHECK_EQ_INT(sc_contact_token_parse(SC_STR_NULL, &t), -EBADMSG);
}

int main(void)
{
	RUN(test_token);
	RUN(test_rewrite_keeps_user_and_params);
	RUN(test_rewrite_forms);
	RUN(test_rewrite_param_names_any_case);
	RUN(test_restore);
	return check_done("relay_contact");
}
