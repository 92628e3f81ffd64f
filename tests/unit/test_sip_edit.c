/* Edit-list tests: ordering, overlaps, Content-Length fix-up, sizes. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "../../sidecar/sip/edit.h"

#define START "INVITE sip:bob@biloxi.example SIP/2.0\r\n"
#define VIA "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK1\r\n"
#define REST                                                                           \
	"From: <sip:alice@a.example>;tag=1\r\n"                                        \
	"To: <sip:bob@biloxi.example>\r\n"                                             \
	"Call-ID: e1@h\r\n"                                                            \
	"CSeq: 1 INVITE\r\n"

static const char base[] = START VIA REST "Content-Length: 5\r\n\r\nHello";
static const char nocl[] = START VIA REST "\r\nHello";

static struct sc_sip_msg m;
static struct sc_edits ed;
static char out[4096];
static size_t outlen;

static void load(const char *text)
{
	CHECK_EQ_INT(sc_sip_msg_parse(&m, text, strlen(text)), 0);
	sc_edit_init(&ed);
	outlen = 0;
}

/* Applies ed into a buffer of exactly the size sc_edit_size asked for, and
 * checks the result against want (and that it parses again). */
static void expect(const char *want)
{
	struct sc_sip_msg again;
	size_t need = 0;

	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), 0);
	CHECK_EQ_INT(need, strlen(want));
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, need, &outlen), 0);
	CHECK_EQ_INT(outlen, need);
	CHECK_STR(sc_str_make(out, outlen), want);
	CHECK_EQ_INT(sc_sip_msg_parse(&again, out, outlen), 0);
}

static size_t off_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	CHECK(p != NULL);
	return p ? (size_t)(p - text) : 0;
}

static void test_no_edits(void)
{
	load(base);
	expect(base);
	CHECK_EQ_INT(ed.n, 0);
}

static void test_replace_via_value(void)
{
	const struct sc_sip_hdr *via;

	load(base);
	via = &m.hdrs[m.first[SC_HDR_VIA]];
	CHECK_EQ_INT(sc_edit_replace(&ed, sc_str_off(via->value, m.buf), via->value.n,
				     SC_STR_LIT("SIP/2.0/TLS sc.example;branch=z9hG4bKx")),
		     0);
	CHECK_EQ_INT(ed.n, 1);
	CHECK_EQ_INT(ed.e[0].seq, 0);
	expect(START "Via: SIP/2.0/TLS sc.example;branch=z9hG4bKx\r\n" REST
		     "Content-Length: 5\r\n\r\nHello");
}

static void test_inserts_keep_order(void)
{
	size_t at;

	load(base);
	at = m.hdrs[0].start;
	CHECK_EQ_INT(sc_edit_insert(&ed, at, SC_STR_LIT("A: 1\r\n")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, at + 5, SC_STR_LIT("<mid>")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, at, SC_STR_LIT("B: 2\r\n")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, at, SC_STR_LIT("C: 3\r\n")), 0);
	expect(START "A: 1\r\nB: 2\r\nC: 3\r\nVia: <mid>SIP/2.0/UDP 192.168.1.20:5060;"
		     "branch=z9hG4bK1\r\n" REST "Content-Length: 5\r\n\r\nHello");
}

/* Inserting a header before one that is deleted works in either order of
 * addition: the insert comes first. */
static void test_insert_before_delete(void)
{
	const sc_str via2 = SC_STR_LIT("Via: SIP/2.0/TLS sc.example\r\n");
	static const char want[] = START "Via: SIP/2.0/TLS sc.example\r\n" REST
					 "Content-Length: 5\r\n\r\nHello";
	const struct sc_sip_hdr *via;

	load(base);
	via = &m.hdrs[0];
	CHECK_EQ_INT(sc_edit_delete(&ed, via->start, via->end - via->start), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, via->start, via2), 0);
	expect(want);
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, via->start, via2), 0);
	CHECK_EQ_INT(sc_edit_delete(&ed, via->start, via->end - via->start), 0);
	expect(want);
	/* An insert where the deleted range ends is fine too. */
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, via->end, SC_STR_LIT("v: SIP/2.0/TCP h\r\n")), 0);
	CHECK_EQ_INT(sc_edit_delete(&ed, via->start, via->end - via->start), 0);
	expect(START "v: SIP/2.0/TCP h\r\n" REST "Content-Length: 5\r\n\r\nHello");
}

static void test_order_of_addition_irrelevant(void)
{
	static const char want[] = "INVITE sip:carol@c.example SIP/2.0\r\n" VIA
				   "From: <sip:alice@a.example>;tag=1\r\n"
				   "To: <sip:bob@biloxi.example>\r\n"
				   "Call-ID: e1@h\r\nCSeq: 1 INVITE\r\n"
				   "Content-Length: 5\r\n\r\nHello";
	size_t r = off_of(base, "sip:bob"), t = off_of(base, "tag=1");

	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, r, 22, SC_STR_LIT("sip:carol@c.example")), 0);
	CHECK_EQ_INT(sc_edit_replace(&ed, t, 5, SC_STR_LIT("tag=1")), 0);
	expect(want);
	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, t, 5, SC_STR_LIT("tag=1")), 0);
	CHECK_EQ_INT(sc_edit_replace(&ed, r, 22, SC_STR_LIT("sip:carol@c.example")), 0);
	expect(want);
}

static void test_overlaps(void)
{
	size_t need;

	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, 10, 10, SC_STR_LIT("x")), 0);
	CHECK_EQ_INT(sc_edit_replace(&ed, 15, 10, SC_STR_LIT("y")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, sizeof(out), &outlen), -EINVAL);

	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, 10, 10, SC_STR_LIT("x")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, 15, SC_STR_LIT("y")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);

	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, 10, 3), 0);
	CHECK_EQ_INT(sc_edit_delete(&ed, 10, 3), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);

	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, 10, 20), 0);
	CHECK_EQ_INT(sc_edit_delete(&ed, 12, 2), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);

	/* Touching is not overlapping. */
	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, 0, 6, SC_STR_LIT("OPTIONS")), 0);
	CHECK_EQ_INT(sc_edit_replace(&ed, 6, 1, SC_STR_LIT("_")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), 0);
	CHECK_EQ_INT(need, strlen(base) + 1);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, sizeof(out), &outlen), 0);
	CHECK(memcmp(out, "OPTIONS_sip:bob", 15) == 0);
}

static void test_out_of_range(void)
{
	size_t need, len = strlen(base);

	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, len + 1, SC_STR_LIT("x")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, len - 2, 3), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, 1, (size_t)-1), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, 1, 1, sc_str_make(NULL, 3)), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	/* An edit reaching from the header block into the body. */
	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, m.body_off - 2, 3), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), -EINVAL);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, sizeof(out), &outlen), -EINVAL);
	/* Appending at the very end is inside. */
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, len, SC_STR_LIT("!")), 0);
	expect(START VIA REST "Content-Length: 6\r\n\r\nHello!");
}

static void test_content_length_grow_shrink(void)
{
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off + 5, SC_STR_LIT(", world")), 0);
	expect(START VIA REST "Content-Length: 12\r\n\r\nHello, world");

	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, m.body_off + 1, 3), 0);
	expect(START VIA REST "Content-Length: 2\r\n\r\nHo");

	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, m.body_off, 5), 0);
	expect(START VIA REST "Content-Length: 0\r\n\r\n");

	/* Inserting at body_off is a body edit; at the blank line it is not. */
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT(">")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off - 2, SC_STR_LIT("X: 1\r\n")), 0);
	expect(START VIA REST "Content-Length: 6\r\nX: 1\r\n\r\n>Hello");

	/* Equal-length body edits leave Content-Length alone. */
	load(base);
	CHECK_EQ_INT(sc_edit_replace(&ed, m.body_off, 5, SC_STR_LIT("World")), 0);
	expect(START VIA REST "Content-Length: 5\r\n\r\nWorld");
}

static void test_content_length_odd_spelling(void)
{
	static const char text[] = START VIA REST "l:   5   \r\n\r\nHello";

	load(text);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT("Oh, ")), 0);
	expect(START VIA REST "l:   9   \r\n\r\nOh, Hello");
}

static void test_content_length_absent(void)
{
	/* A message without Content-Length always gets one. */
	load(nocl);
	expect(START VIA REST "Content-Length: 5\r\n\r\nHello");
	load(nocl);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off + 5, SC_STR_LIT(" there")), 0);
	expect(START VIA REST "Content-Length: 11\r\n\r\nHello there");
	/* A header the caller appends stays before it. */
	load(nocl);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off - 2, SC_STR_LIT("X-A: 1\r\n")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off - 2, SC_STR_LIT("X-B: 2\r\n")), 0);
	expect(START VIA REST "X-A: 1\r\nX-B: 2\r\nContent-Length: 5\r\n\r\nHello");
	/* A bare LF message with an empty body. */
	load("OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>;tag=1\nTo: <sip:h>\n"
	     "Call-ID: 1\nCSeq: 1 OPTIONS\n\n");
	expect("OPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>;tag=1\nTo: <sip:h>\n"
	       "Call-ID: 1\nCSeq: 1 OPTIONS\nContent-Length: 0\r\n\n");
}

/* When the caller edits Content-Length itself, nothing is added. */
static void test_content_length_caller(void)
{
	const struct sc_sip_hdr *cl;

	load(base);
	cl = &m.hdrs[m.first[SC_HDR_CONTENT_LENGTH]];
	CHECK_EQ_INT(sc_edit_replace(&ed, sc_str_off(cl->value, m.buf), cl->value.n,
				     SC_STR_LIT("7")),
		     0);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off + 5, SC_STR_LIT(" world")), 0);
	expect(START VIA REST "Content-Length: 7\r\n\r\nHello world");
	/* Deleting the header line counts as taking charge as well. */
	load(base);
	CHECK_EQ_INT(sc_edit_delete(&ed, cl->start, cl->end - cl->start), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT("Well, ")), 0);
	expect(START VIA REST "\r\nWell, Hello");
	/* An insert right before the header is not an edit of it. */
	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, cl->start, SC_STR_LIT("X: 1\r\n")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT("Well, ")), 0);
	expect(START VIA REST "X: 1\r\nContent-Length: 11\r\n\r\nWell, Hello");
}

static void test_too_small(void)
{
	size_t need = 0;

	load(base);
	CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT("0123456789")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), 0);
	CHECK_EQ_INT(need, strlen(base) + 10 + 1);
	memset(out, '#', sizeof(out));
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, need - 1, &outlen), -ENOSPC);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, 0, &outlen), -ENOSPC);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, need, &outlen), 0);
	CHECK_EQ_INT(outlen, need);
	CHECK_EQ_INT(out[need], '#');
}

static void test_list_full(void)
{
	size_t i, need;

	load(base);
	for (i = 0; i < SC_EDIT_MAX; i++)
		CHECK_EQ_INT(sc_edit_insert(&ed, m.hdrs[1].start, SC_STR_LIT("x")), 0);
	CHECK_EQ_INT(sc_edit_insert(&ed, 0, SC_STR_LIT("y")), -ENOSPC);
	CHECK_EQ_INT(sc_edit_replace(&ed, 0, 1, SC_STR_LIT("y")), -ENOSPC);
	CHECK_EQ_INT(sc_edit_delete(&ed, 0, 1), -ENOSPC);
	CHECK_EQ_INT(ed.n, SC_EDIT_MAX);
	CHECK_EQ_INT(ed.e[SC_EDIT_MAX - 1].seq, SC_EDIT_MAX - 1);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), 0);
	CHECK_EQ_INT(need, strlen(base) + SC_EDIT_MAX);
	/* A full list of body edits still gets its Content-Length. */
	load(base);
	for (i = 0; i < SC_EDIT_MAX; i++)
		CHECK_EQ_INT(sc_edit_insert(&ed, m.body_off, SC_STR_LIT("ab")), 0);
	CHECK_EQ_INT(sc_edit_size(&m, &ed, &need), 0);
	CHECK_EQ_INT(need, strlen(base) + 2 * SC_EDIT_MAX + 2);
	CHECK_EQ_INT(sc_edit_apply(&m, &ed, out, need, &outlen), 0);
	CHECK(strstr(out, "Content-Length: 133\r\n") != NULL);
}

int main(void)
{
	RUN(test_no_edits);
	RUN(test_replace_via_value);
	RUN(test_inserts_keep_order);
	RUN(test_insert_before_delete);
	RUN(test_order_of_addition_irrelevant);
	RUN(test_overlaps);
	RUN(test_out_of_range);
	RUN(test_content_length_grow_shrink);
	RUN(test_content_length_odd_spelling);
	RUN(test_content_length_absent);
	RUN(test_content_length_caller);
	RUN(test_too_small);
	RUN(test_list_full);
	return check_done("sip_edit");
}
