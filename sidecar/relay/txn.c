/* Transaction table (SPEC B9, B13).  See txn.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "txn.h"

#define TXN_MIN_CAP 64u

uint64_t sc_txn_key(uint64_t branch_key, sc_str method)
{
	uint64_t h = branch_key ^ 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < method.n; i++) {
		h ^= (unsigned char)method.p[i];
		h *= 0x100000001b3ULL;
	}
	/* 0 marks a free slot. */
	return h ? h : 1;
}

int sc_txn_init(struct sc_txn_table *t)
{
	t->slots = calloc(TXN_MIN_CAP, sizeof(*t->slots));
	t->cap = t->slots ? TXN_MIN_CAP : 0;
	t->n = 0;
	return t->slots ? 0 : -ENOMEM;
}

void sc_txn_free(struct sc_txn_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		free(t->slots[i].resp);
		free(t->slots[i].req);
	}
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

static size_t txn_home(const struct sc_txn_table *t, uint64_t key)
{
	/* The keys are FNV hashes already; fold the high bits in anyway. */
	return (size_t)(key ^ (key >> 32)) & (t->cap - 1);
}

/* The slot holding key, or the free slot where it would go. */
static struct sc_txn *txn_slot(const struct sc_txn_table *t, uint64_t key)
{
	size_t i = txn_home(t, key);

	while (t->slots[i].key && t->slots[i].key != key)
		i = (i + 1) & (t->cap - 1);
	return &t->slots[i];
}

static int txn_grow(struct sc_txn_table *t)
{
	struct sc_txn_table bigger = { calloc(t->cap * 2, sizeof(*t->slots)), t->cap * 2, t->n };
	size_t i;

	if (!bigger.slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i].key)
			*txn_slot(&bigger, t->slots[i].key) = t->slots[i];
	free(t->slots);
	*t = bigger;
	return 0;
}

/* *dst (*dlen bytes) becomes a copy of len bytes of src; on failure it
 * stays as it was. */
static int copy_into(char **dst, uint32_t *dlen, const char *src, size_t len)
{
	char *copy;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, src, len);
	free(*dst);
	*dst = copy;
	*dlen = (uint32_t)len;
	return 0;
}

int sc_txn_request(struct sc_txn_table *t, uint64_t key, uint64_t now, const char **resp,
		   size_t *resp_len)
{
	struct sc_txn *x;

	/* Three quarters full at most: linear probing still finds a key in
	 * a few steps, and the table stays half the size it would be at one
	 * half (its entries are most of the relay's memory under load). */
	if ((t->n + 1) * 4 > t->cap * 3 && txn_grow(t) < 0)
		return -ENOMEM;
	x = txn_slot(t, key);
	if (x->key) {
		/* A device repeating a request whose answer got lost keeps the
		 * answer there for it; the timers of a request still waiting
		 * for the provider run from the send, not from the device. */
		if (x->state == SC_TXN_COMPLETED)
			x->expires = now + SC_TXN_WAIT_MS;
		*resp = x->resp;
		*resp_len = x->resp_len;
		return SC_TXN_RETRANS;
	}
	memset(x, 0, sizeof(*x));
	x->key = key;
	x->expires = now + SC_TXN_TIMER_B_MS;
	x->state = SC_TXN_CALLING;
	t->n++;
	*resp = NULL;
	*resp_len = 0;
	return SC_TXN_NEW;
}

int sc_txn_sent(struct sc_txn_table *t, uint64_t key, uint64_t link, bool invite,
		bool repeats, const char *req, size_t len, uint64_t now)
{
	struct sc_txn *x = txn_slot(t, key);

	if (!x->key)
		return -ENOENT;
	x->link = link;
	x->invite = invite;
	x->repeats = repeats;
	x->lost = false;
	if (x->state == SC_TXN_CALLING)
		x->expires = now + SC_TXN_TIMER_B_MS;
	if (!req || x->state >= SC_TXN_COMPLETED)
		return 0;
	return copy_into(&x->req, &x->req_len, req, len);
}

uint64_t sc_txn_link(const struct sc_txn_table *t, uint64_t key)
{
	const struct sc_txn *x = txn_slot(t, key);

	return x->key ? x->link : 0;
}

/* Keeps a copy of the response the device got, for its retransmissions. */
static int keep(struct sc_txn *x, int status, const char *buf, size_t len)
{
	int rc = copy_into(&x->resp, &x->resp_len, buf, len);

	if (rc == 0)
		x->status = (int16_t)status;
	return rc;
}

/* A final answer: the request is no longer needed; 5 s for the device's
 * retransmissions. */
static void complete(struct sc_txn *x, uint64_t now)
{
	free(x->req);
	x->req = NULL;
	x->req_len = 0;
	x->state = SC_TXN_COMPLETED;
	x->expires = now + SC_TXN_WAIT_MS;
}

int sc_txn_response(struct sc_txn_table *t, uint64_t key, int status, const char *buf,
		    size_t len, uint64_t now)
{
	struct sc_txn *x = txn_slot(t, key);

	if (!x->key)
		return -ENOENT;
	if (x->invite && status >= 200 && status < 300) {
		/* RFC 6026: every 2xx to an INVITE goes to the device, for
		 * 64*T1 after the first; the device's own retransmissions of
		 * the INVITE are absorbed (the callee repeats its 2xx until
		 * the ACK), and no copy is kept. */
		if (x->state != SC_TXN_ACCEPTED) {
			free(x->req);
			free(x->resp);
			x->req = x->resp = NULL;
			x->req_len = x->resp_len = 0;
			x->state = SC_TXN_ACCEPTED;
			x->status = (int16_t)status;
			x->link = 0;
			x->expires = now + SC_TXN_ACCEPTED_MS;
		}
		return 0;
	}
	if (x->state >= SC_TXN_COMPLETED)
		return SC_TXN_LATE;
	if (status < 200) {
		x->state = SC_TXN_PROCEEDING;
		if (x->invite)
			x->expires = now + SC_TXN_TIMER_C_MS;
		/* The provider's 100 is not relayed: the device had ours. */
		return status == 100 ? 0 : keep(x, status, buf, len);
	}
	complete(x, now);
	return keep(x, status, buf, len);
}

int sc_txn_answer(struct sc_txn_table *t, uint64_t key, int status, const char *buf,
		  size_t len, uint64_t now)
{
	struct sc_txn *x = txn_slot(t, key);

	if (!x->key)
		return -ENOENT;
	if (status >= 200)
		complete(x, now);
	return keep(x, status, buf, len);
}

size_t sc_txn_link_lost(struct sc_txn_table *t, uint64_t link, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; link && i < t->cap; i++) {
		struct sc_txn *x = &t->slots[i];

		if (!x->key || x->link != link || x->state > SC_TXN_PROCEEDING)
			continue;
		if (x->repeats && x->state == SC_TXN_CALLING)
			continue;
		x->lost = true;
		x->expires = now;
		n++;
	}
	return n;
}

int sc_txn_mark_replay(struct sc_txn_table *t, uint64_t key)
{
	struct sc_txn *x = txn_slot(t, key);

	if (!x->key)
		return -ENOENT;
	x->replay = true;
	x->repeats = false;
	return 0;
}

bool sc_txn_replay(const struct sc_txn_table *t, uint64_t key)
{
	const struct sc_txn *x = txn_slot(t, key);

	return x->key && x->replay;
}

void sc_txn_end(struct sc_txn_table *t, struct sc_txn *x, uint64_t now)
{
	(void)t;
	complete(x, now);
}

/* Removes slot i and closes the gap, so that no lookup that passed through
 * it stops early (backward-shift deletion; no tombstones to clean up). */
static void txn_remove(struct sc_txn_table *t, size_t i)
{
	size_t j = i, mask = t->cap - 1;

	free(t->slots[i].resp);
	free(t->slots[i].req);
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->slots[j].key)
			break;
		home = txn_home(t, t->slots[j].key);
		/* Move j back into the gap at i unless its home lies
		 * cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->n--;
}

struct sc_txn *sc_txn_timeout(struct sc_txn_table *t, uint64_t now, size_t *pos)
{
	size_t i = *pos;

	while (i < t->cap) {
		struct sc_txn *x = &t->slots[i];

		if (!x->key || x->expires > now) {
			i++;
			continue;
		}
		if (x->state <= SC_TXN_PROCEEDING && x->req) {
			*pos = i;
			return x;
		}
		/* A later entry may shift into i: look at i again. */
		txn_remove(t, i);
	}
	*pos = i;
	return NULL;
}
