/* Route consumption and double Record-Route (SPEC B3). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sidecar/relay/route.h"
#include "tests/unit/check.h"

static char out[4096];

static const char *const self[] = { "192.168.1.1:5060", "192.168.1.1" };

/* Runs fn's edits on a BYE with the given Route/Record-Route lines and
 * returns the headers between CSeq and Content-Length. */
static const char *apply(const char *routes, int consume, int *result)
{
	static char mid[2048];
	char msg[2048], scratch[512];
	struct sc_sip_msg m;
	struct sc_edits ed;
	const char *a, *b;
	size_t n = 0;

	snprintf(msg, sizeof(msg),
		 "BYE sip:bob@203.0.113.7:5061;transport=tls SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKb1\r\n"
		 "From: <sip:alice@provider.example>;tag=a\r\n"
		 "To: <sip:bob@provider.example>;tag=b\r\n"
		 "Call-ID: call-1\r\n"
		 "CSeq: 2 BYE\r\n"
		 "%s"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 routes);
	mid[0] = '\0';
	if (sc_sip_msg_parse(&m, msg, strlen(msg)) != 0)
		return "(parse failed)";
	sc_edit_init(&ed);
	*result = consume ? sc_route_consume(&m, self, 2, &ed)
			  : sc_route_record(&m, "edge.example.net:5061;transport=tls",
					    "192.168.1.1:5060", scratch, sizeof(scratch), &ed);
	if (*result < 0)
		return "(edits failed)";
	if (sc_edit_apply(&m, &ed, out, sizeof(out) - 1, &n) != 0)
		return "(apply failed)";
	out[n] = '\0';
	a = strstr(out, "CSeq: 2 BYE\r\n");
	b = strstr(out, "Content-Length: 0\r\n");
	if (!a || !b)
		return "(lost a header)";
	a += strlen("CSeq: 2 BYE\r\n");
	snprintf(mid, sizeof(mid), "%.*s", (int)(b - a), a);
	return mid;
}

static void test_consume(void)
{
	int n = 0;

	/* Our two double-Record-Route entries come back as Route: both go. */
	CHECK(strcmp(apply("Route: <sip:192.168.1.1:5060;lr;sc-rr>, "
			   "<sip:edge.example.net:5061;transport=tls;lr;sc-rr>, "
			   "<sip:proxy.provider.example;lr>\r\n",
			   1, &n),
		     "Route: <sip:proxy.provider.example;lr>\r\n") == 0);
	CHECK_EQ_INT(n, 2);
	/* A preloaded outbound-proxy Route by address, on its own line. */
	CHECK(strcmp(apply("Route: <sip:192.168.1.1;lr>\r\n"
			   "Route: <sip:proxy.provider.example;lr>\r\n",
			   1, &n),
		     "Route: <sip:proxy.provider.example;lr>\r\n") == 0);
	CHECK_EQ_INT(n, 1);
	/* Only Routes at the top are ours to consume. */
	CHECK(strcmp(apply("Route: <sip:proxy.provider.example;lr>, <sip:192.168.1.1;lr>\r\n", 1,
			   &n),
		     "Route: <sip:proxy.provider.example;lr>, <sip:192.168.1.1;lr>\r\n") == 0);
	CHECK_EQ_INT(n, 0);
	/* Another port of the same address is not us. */
	CHECK(strcmp(apply("Route: <sip:192.168.1.1:5070;lr>\r\n", 1, &n),
		     "Route: <sip:192.168.1.1:5070;lr>\r\n") == 0);
	CHECK_EQ_INT(n, 0);
	/* All ours, on two lines: nothing remains. */
	CHECK(strcmp(apply("Route: <sip:192.168.1.1:5060;lr;sc-rr>\r\n"
			   "Route: <sip:edge.example.net:5061;transport=tls;lr;sc-rr>\r\n",
			   1, &n),
		     "") == 0);
	CHECK_EQ_INT(n, 2);
	CHECK(strcmp(apply("Route: <sip:bad uri>\r\n", 1, &n), "(edits failed)") == 0);
	CHECK_EQ_INT(n, -EBADMSG);
}

static void test_record(void)
{
	int n = 0;

	/* Without Record-Route headers, after the last header. */
	CHECK(strcmp(apply("", 0, &n), "") == 0);
	CHECK_EQ_INT(n, 0);
	CHECK(strstr(out, "Content-Length: 0\r\n"
			  "Record-Route: <sip:edge.example.net:5061;transport=tls;lr;sc-rr>, "
			  "<sip:192.168.1.1:5060;lr;sc-rr>\r\n\r\n") != NULL);
	/* Above what earlier proxies recorded. */
	CHECK(strcmp(apply("Record-Route: <sip:p1.example;lr>\r\n", 0, &n),
		     "Record-Route: <sip:edge.example.net:5061;transport=tls;lr;sc-rr>, "
		     "<sip:192.168.1.1:5060;lr;sc-rr>\r\n"
		     "Record-Route: <sip:p1.example;lr>\r\n") == 0);
}

int main(void)
{
	RUN(test_consume);
	RUN(test_record);
	return check_done("relay_route");
}
