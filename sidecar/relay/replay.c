/* Replaying a device's registration on its new flow (SPEC B7): see
 * replay.h. */
#include <errno.h>
#include <stdlib.h>

#include "register.h"
#include "replay.h"

int sc_replay_send(struct sc_core *c, struct sc_dev *dev, uint64_t link, const char *wan,
		   uint64_t now, struct sc_core_out *o)
{
	const struct sockaddr *src = (const struct sockaddr *)&dev->reg_src.ss;
	struct sc_sip_msg *m = &c->msg;
	size_t cap = dev->reg_len + 64;
	char *buf;
	const char *resp;
	uint64_t key = 0;
	size_t resp_len;
	int rc, n;

	o->why = NULL;
	if (!dev->reg)
		return SC_CORE_DROP;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	n = sc_register_replay(dev, ++dev->replays, buf, cap);
	rc = n < 0 ? n : sc_sip_msg_parse(m, buf, (size_t)n);
	if (rc == 0)
		rc = sc_core_request_key(m, dev, src, &key);
	if (rc == 0)
		rc = sc_txn_request(&c->txns, key, now, &resp, &resp_len);
	if (rc == SC_TXN_NEW) {
		/* Higher than the CSeq the provider saw last, and the device's
		 * own next REGISTER is raised as much (register.h). */
		dev->reg_shift++;
		rc = sc_core_outbound(c, m, dev, src, dev->reg_tp, wan, o);
	}
	if (rc == SC_CORE_FORWARD) {
		(void)sc_core_sent(c, m, dev, src, dev->reg_tp, link, o->buf, o->len, now);
		(void)sc_txn_mark_replay(&c->txns, key);
		o->why = "its registration replayed on the new flow (B7)";
	}
	free(buf);
	return rc == SC_CORE_FORWARD ? rc : rc < 0 ? rc : SC_CORE_DROP;
}

