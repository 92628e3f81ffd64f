/* libFuzzer target: one datagram through the message parser, and for
 * messages that parse, through every sub-parser the relay uses and through
 * the edit list (replace the top Via value, insert a header, grow the body).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *       -D_POSIX_C_SOURCE=200809L -I. sidecar/sip/{msg,uri,via,addr,edit}.c \
 *       tests/fuzz/fuzz_sip_msg.c
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sidecar/sip/addr.h"
#include "../../sidecar/sip/edit.h"
#include "../../sidecar/sip/msg.h"
#include "../../sidecar/sip/reply.h"
#include "../../sidecar/sip/uri.h"
#include "../../sidecar/sip/via.h"
#include "../../sidecar/relay/contact.h"
#include "../../sidecar/relay/outbound.h"
#include "../../sidecar/relay/route.h"
#include "../../sidecar/relay/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(x)                                                                 \
	do {                                                                           \
		if (!(x))                                                              \
			abort();                                                       \
	} while (0)

static struct sc_sip_msg msg, again;

static void fuzz_values(enum sc_sip_hdr_id id, int via)
{
	const struct sc_sip_hdr *h;
	struct sc_sip_via v;
	struct sc_sip_addr a;
	int i = -1, rc;
	size_t pos, last;
	sc_str el;

	while ((h = sc_sip_msg_next(&msg, id, &i)) != NULL) {
		FUZZ_ASSERT(h->id == id && h->start < h->end && h->end <= msg.body_off);
		pos = 0;
		last = 0;
		while ((rc = sc_sip_split(h->value, &pos, &el)) == 1) {
			FUZZ_ASSERT(pos > last && pos <= h->value.n && el.n > 0);
			last = pos;
			if (via) {
				if (sc_sip_via_parse(&v, el) == 0) {
					int v6;

					FUZZ_ASSERT(sc_sip_host_check(v.host, &v6) == 0);
				}
			} else if (sc_sip_addr_parse(&a, el) == 0 && !a.star) {
				struct sc_sip_uri u;

				FUZZ_ASSERT(sc_sip_uri_parse(&u, a.uri_str) == 0);
				if (sc_str_set(a.params)) {
					sc_str val;

					(void)sc_sip_param_find(a.params, "tag", &val);
				}
			}
		}
		FUZZ_ASSERT(rc == 0 || rc == -EBADMSG);
	}
}

static void fuzz_edits(void)
{
	static const char via[] = "SIP/2.0/TLS fuzz.invalid:5061;branch=z9hG4bKfuzz";
	static char out[2 * SC_SIP_MAX_MSG];
	const struct sc_sip_hdr *top = &msg.hdrs[msg.first[SC_HDR_VIA]];
	struct sc_edits ed;
	size_t need = 0, outlen = 0, nhdrs = msg.nhdrs, body = msg.body.n;
	int rc;

	sc_edit_init(&ed);
	FUZZ_ASSERT(sc_edit_replace(&ed, sc_str_off(top->value, msg.buf), top->value.n,
				    SC_STR_LIT(via)) == 0);
	FUZZ_ASSERT(sc_edit_insert(&ed, msg.hdrs[0].start, SC_STR_LIT("X-Fuzz: 1\r\n")) == 0);
	FUZZ_ASSERT(sc_edit_insert(&ed, msg.len, SC_STR_LIT("!")) == 0);
	FUZZ_ASSERT(sc_edit_size(&msg, &ed, &need) == 0);
	FUZZ_ASSERT(need <= sizeof(out));
	FUZZ_ASSERT(sc_edit_apply(&msg, &ed, out, need - 1, &outlen) == -ENOSPC);
	FUZZ_ASSERT(sc_edit_apply(&msg, &ed, out, need, &outlen) == 0);
	FUZZ_ASSERT(outlen == need);

	/* The result is still a message, with the new Via on top and a
	 * Content-Length that counts the longer body. */
	rc = sc_sip_msg_parse(&again, out, outlen);
	FUZZ_ASSERT(rc == 0 || rc == -EMSGSIZE);
	if (rc == 0) {
		FUZZ_ASSERT(again.nhdrs == nhdrs + 1 + (msg.content_length < 0));
		FUZZ_ASSERT(sc_str_eq(again.hdrs[again.first[SC_HDR_VIA]].value, SC_STR_LIT(via)));
		FUZZ_ASSERT(again.content_length >= 0 && (size_t)again.content_length == body + 1);
		FUZZ_ASSERT(again.body.n == body + 1 && again.body.p[body] == '!');
		FUZZ_ASSERT(sc_str_eq(again.call_id, msg.call_id) && again.cseq == msg.cseq);
	}
}

/* The relay's rewrites (Contact towards the provider, token restore and
 * trust marking towards a device) on whatever parsed: they must either
 * refuse cleanly or produce a message that parses again. */
static void fuzz_relay(void)
{
	static const struct sc_conf_device dev = { .name = "fuzz", .alert_info = "Bellcore-dr4" };
	static char out[3 * SC_SIP_MAX_MSG];
	struct sc_contact_token tok;
	struct sc_edits ed;
	static const char *const self[] = { "192.0.2.1:5060" };
	char scratch[2048], via_text[512], rr_text[256];
	size_t need, outlen;
	int rc;

	sc_edit_init(&ed);
	if (msg.is_request) {
		struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = 0xc413 };

		rc = sc_outbound_via_add(&msg, "fuzz", (struct sockaddr *)&src, SC_TP_UDP,
					 SC_STR_LIT("edge.invalid:5061"), via_text, sizeof(via_text),
					 &ed);
		FUZZ_ASSERT(rc == 0 || rc == -EBADMSG);
		rc = sc_route_consume(&msg, self, 1, &ed);
		FUZZ_ASSERT(rc >= 0 || rc == -EBADMSG);
		rc = sc_route_record(&msg, "edge.invalid:5061;transport=tls", "192.0.2.1:5060",
				     rr_text, sizeof(rr_text), &ed);
		FUZZ_ASSERT(rc == 0);
	} else {
		struct sc_via_token vt;

		rc = sc_outbound_via_pop(&msg, &vt, &ed);
		FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EBADMSG);
	}
	rc = sc_contact_rewrite(&msg, "fuzz", SC_STR_LIT("edge.invalid:5061"), scratch,
				sizeof(scratch), &ed);
	FUZZ_ASSERT(rc >= 0 || rc == -EBADMSG || rc == -ENOSPC);
	if (rc >= 0 && sc_contact_restore(&msg, &tok, &ed) >= 0 &&
	    sc_trust_edits(&msg, true, &dev, &ed) == 0 && sc_edit_size(&msg, &ed, &need) == 0) {
		FUZZ_ASSERT(need <= sizeof(out));
		FUZZ_ASSERT(sc_edit_apply(&msg, &ed, out, need, &outlen) == 0 && outlen == need);
		rc = sc_sip_msg_parse(&again, out, outlen);
		FUZZ_ASSERT(rc == 0 || rc == -EMSGSIZE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sc_sip_uri u;
	size_t i;
	int rc;

	rc = sc_sip_msg_parse(&msg, buf, size);
	FUZZ_ASSERT(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE);
	if (rc != 0) {
		/* The 400 built from the raw lines of what did not parse must
		 * itself parse (it goes to a device that will parse it). */
		static char bad[8192];
		int n = sc_sip_reply_bad(buf, size, "399 sipsidecar \"malformed request\"", "sc400",
					 bad, sizeof(bad));

		FUZZ_ASSERT(n > 0 || n == -EBADMSG || n == -EINVAL || n == -ENOSPC);
		if (n > 0) {
			struct sc_sip_msg *r = &again;

			rc = sc_sip_msg_parse(r, bad, (size_t)n);
			FUZZ_ASSERT(rc == 0 && !r->is_request && r->status == 400);
		}
		return 0;
	}

	/* Structural invariants of a parsed message. */
	FUZZ_ASSERT(msg.len <= size && msg.body_off <= msg.len && msg.nhdrs >= 5);
	FUZZ_ASSERT(msg.body.p == buf + msg.body_off && msg.body_off + msg.body.n == msg.len);
	FUZZ_ASSERT(msg.hdrs[0].start == msg.start_line_end);
	for (i = 0; i < msg.nhdrs; i++) {
		const struct sc_sip_hdr *h = &msg.hdrs[i];

		FUZZ_ASSERT(h->end <= msg.body_off);
		FUZZ_ASSERT(i == 0 || h->start == msg.hdrs[i - 1].end);
		FUZZ_ASSERT(h->value.p >= buf + h->start && h->value.p + h->value.n <= buf + h->end);
		FUZZ_ASSERT(sc_sip_hdr_lookup(h->name) == h->id);
	}

	fuzz_values(SC_HDR_VIA, 1);
	fuzz_values(SC_HDR_FROM, 0);
	fuzz_values(SC_HDR_TO, 0);
	fuzz_values(SC_HDR_CONTACT, 0);
	fuzz_values(SC_HDR_ROUTE, 0);
	fuzz_values(SC_HDR_RECORD_ROUTE, 0);
	fuzz_values(SC_HDR_PATH, 0);
	if (msg.is_request && sc_sip_uri_parse(&u, msg.ruri) == 0 && u.is_sip) {
		char tmp[256];
		sc_str v;

		(void)sc_sip_param_find(u.params, "transport", &v);
		rc = sc_sip_unescape(u.user, tmp, sizeof(tmp));
		FUZZ_ASSERT(rc == -ENOSPC || (rc >= 0 && (size_t)rc <= u.user.n));
	}
	fuzz_edits();
	fuzz_relay();
	return 0;
}
