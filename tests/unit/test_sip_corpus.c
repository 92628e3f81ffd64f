/* Runs every message of tests/data/sip through the parsers.
 *
 * The file name says what must happen: ok-*.sip must parse, and then every
 * Via, Contact, From, To, Route, Record-Route and Path value and the
 * Request-URI must parse too; bad-*.sip must be rejected.  Every prefix of
 * every file goes through guard memory as well.  Fewer than 30 files is a
 * failure, so that losing the corpus cannot make this pass.
 */

/* 32-bit readdir fails with EOVERFLOW on file systems that hand out 64-bit
 * directory offsets, which is what armhf under qemu-user on a 64-bit host
 * sees; ask for the 64-bit interface (musl always has it). */
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"
#include "../../sidecar/sip/addr.h"
#include "../../sidecar/sip/msg.h"
#include "../../sidecar/sip/uri.h"
#include "../../sidecar/sip/via.h"

#define CORPUS "tests/data/sip"
#define CORPUS_MIN 30

static struct sc_sip_msg msg, scratch;
static const char *current; /* file name, for messages */

static size_t load(const char *name, char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		CHECK(f != NULL);
		return 0;
	}
	n = fread(buf, 1, cap, f);
	CHECK(n < cap); /* the corpus holds no file this big */
	fclose(f);
	return n;
}

/* Every value of every header of kind id must parse with parse_el. */
static int each_value(enum sc_sip_hdr_id id, int (*parse_el)(sc_str))
{
	const struct sc_sip_hdr *h;
	int i = -1, count = 0, rc;
	size_t pos;
	sc_str el;

	while ((h = sc_sip_msg_next(&msg, id, &i)) != NULL) {
		pos = 0;
		while ((rc = sc_sip_split(h->value, &pos, &el)) == 1) {
			if (parse_el(el) != 0) {
				fprintf(stderr, "%s: cannot parse \"%.*s\"\n", current, (int)el.n,
					el.p);
				CHECK(0);
			}
			count++;
		}
		if (rc != 0)
			fprintf(stderr, "%s: cannot split \"%.*s\"\n", current, (int)h->value.n,
				h->value.p);
		CHECK_EQ_INT(rc, 0);
	}
	return count;
}

static int via_el(sc_str s)
{
	struct sc_sip_via v;

	return sc_sip_via_parse(&v, s);
}

static int addr_el(sc_str s)
{
	struct sc_sip_addr a;

	return sc_sip_addr_parse(&a, s);
}

static void check_ok(const char *text, size_t len)
{
	struct sc_sip_uri u;
	size_t fl = 0;
	int rc;

	rc = sc_sip_msg_parse(&msg, guard_put(text, len), len);
	if (rc != 0)
		fprintf(stderr, "%s: %d\n", current, rc);
	CHECK_EQ_INT(rc, 0);
	if (rc != 0)
		return;
	CHECK(each_value(SC_HDR_VIA, via_el) >= 1);
	CHECK_EQ_INT(each_value(SC_HDR_FROM, addr_el), 1);
	CHECK_EQ_INT(each_value(SC_HDR_TO, addr_el), 1);
	each_value(SC_HDR_CONTACT, addr_el);
	each_value(SC_HDR_ROUTE, addr_el);
	each_value(SC_HDR_RECORD_ROUTE, addr_el);
	each_value(SC_HDR_PATH, addr_el);
	if (msg.is_request) {
		if (sc_sip_uri_parse(&u, msg.ruri) != 0)
			fprintf(stderr, "%s: Request-URI\n", current);
		CHECK_EQ_INT(sc_sip_uri_parse(&u, msg.ruri), 0);
	}
	/* On a stream the same bytes frame as exactly this message, or are
	 * refused when they carry no Content-Length. */
	rc = sc_sip_frame(msg.buf, len, &fl);
	if (msg.content_length >= 0) {
		CHECK_EQ_INT(rc, SC_FRAME_MSG);
		CHECK_EQ_INT(fl, msg.len);
	} else {
		CHECK_EQ_INT(rc, -EBADMSG);
	}
}

/* No prefix may crash or be read past; prefixes that cut the header block
 * never parse; a stream message is -EAGAIN until it is complete. */
static void check_prefixes(const char *text, size_t len, size_t hdr_end, int stream_msg)
{
	size_t k, fl;
	int rc;

	for (k = 0; k < len; k++) {
		const char *p = guard_put(text, k);

		rc = sc_sip_msg_parse(&scratch, p, k);
		if (k < hdr_end && rc == 0) {
			fprintf(stderr, "%s: prefix of %zu bytes parsed\n", current, k);
			CHECK(rc != 0);
		}
		rc = sc_sip_frame(p, k, &fl);
		if (rc == SC_FRAME_MSG && fl > k) {
			fprintf(stderr, "%s: prefix of %zu framed as %zu\n", current, k, fl);
			CHECK(fl <= k);
		}
		if (stream_msg && rc != -EAGAIN) {
			fprintf(stderr, "%s: prefix of %zu bytes: %d\n", current, k, rc);
			CHECK_EQ_INT(rc, -EAGAIN);
		}
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void)
{
	static char buf[GUARD_MAX];
	char *names[512];
	size_t nnames = 0, i, nok = 0, nbad = 0;
	struct dirent *de = NULL;
	DIR *d = opendir(CORPUS);

	CHECK(d != NULL);
	if (!d) {
		perror(CORPUS);
		return;
	}
	while (nnames < 512) {
		size_t n;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		n = strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 4, ".sip") != 0)
			continue;
		names[nnames] = malloc(n + 1);
		CHECK(names[nnames] != NULL);
		if (names[nnames])
			memcpy(names[nnames++], de->d_name, n + 1);
	}
	if (!de && errno != 0) {
		perror("readdir " CORPUS);
		CHECK(errno == 0);
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), cmp_names);

	for (i = 0; i < nnames; i++) {
		size_t len = load(names[i], buf, sizeof(buf)), fl = 0;
		int ok = strncmp(names[i], "ok-", 3) == 0, rc;

		current = names[i];
		if (ok) {
			nok++;
			check_ok(buf, len);
			check_prefixes(buf, len, msg.body_off,
				       msg.content_length >= 0 && msg.len == len);
		} else if (strncmp(names[i], "bad-", 4) == 0) {
			nbad++;
			rc = sc_sip_msg_parse(&msg, guard_put(buf, len), len);
			if (rc != -EBADMSG && rc != -EMSGSIZE)
				fprintf(stderr, "%s: %d\n", current, rc);
			CHECK(rc == -EBADMSG || rc == -EMSGSIZE);
			rc = sc_sip_frame(guard_put(buf, len), len, &fl);
			CHECK(rc != SC_FRAME_MSG || fl <= len);
			check_prefixes(buf, len, len, 0);
		} else {
			fprintf(stderr, "%s: name must start with ok- or bad-\n", current);
			CHECK(0);
		}
		free(names[i]);
	}
	printf("corpus: %zu files, %zu ok, %zu bad\n", nnames, nok, nbad);
	if (nnames < CORPUS_MIN)
		fprintf(stderr, "only %zu corpus files in %s (want at least %d)\n", nnames, CORPUS,
			CORPUS_MIN);
	CHECK(nnames >= CORPUS_MIN);
	CHECK(nok >= 10 && nbad >= 10);
}

/* Generated here rather than stored: a message over 64 KiB. */
static void test_generated_too_big(void)
{
	static char text[SC_SIP_MAX_MSG + 1024];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
			     "MESSAGE sip:b@example.net SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKbig\r\n"
			     "From: <sip:a@example.net>;tag=big\r\nTo: <sip:b@example.net>\r\n"
			     "Call-ID: big@example.net\r\nCSeq: 1 MESSAGE\r\n"
			     "Content-Length: %d\r\n\r\n",
			     SC_SIP_MAX_MSG);
	memset(text + n, 'b', sizeof(text) - n);
	current = "generated-too-big";
	n += SC_SIP_MAX_MSG;
	CHECK_EQ_INT(sc_sip_msg_parse(&msg, guard_put(text, n), n), -EMSGSIZE);
	CHECK_EQ_INT(sc_sip_frame(guard_put(text, sizeof(text)), sizeof(text), &n), -EMSGSIZE);
}

int main(void)
{
	RUN(test_corpus);
	RUN(test_generated_too_big);
	return check_done("sip_corpus");
}
