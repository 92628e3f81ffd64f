/* Timer A/E repetition towards UDP devices: see retx.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "retx.h"

int sc_retx_add(struct sc_retx_table *t, uint64_t key, bool invite,
		const struct sc_net_addr *dst, const char *buf, size_t len, uint64_t now)
{
	struct sc_retx *x;

	if (t->n >= SC_RETX_MAX)
		return -ENOSPC;
	x = malloc(sizeof(*x) + len);
	if (!x)
		return -ENOMEM;
	x->key = key;
	x->invite = invite;
	x->gave_up = false;
	x->interval = SC_RETX_T1_MS;
	x->due = now + SC_RETX_T1_MS;
	x->give_up = now + SC_RETX_GIVE_UP_MS;
	x->dst = *dst;
	x->len = len;
	memcpy(x->buf, buf, len);
	x->next = t->head;
	t->head = x;
	t->n++;
	return 0;
}

int sc_retx_stop(struct sc_retx_table *t, uint64_t key)
{
	struct sc_retx **pp, *x;

	for (pp = &t->head; (x = *pp) != NULL; pp = &x->next)
		if (x->key == key) {
			*pp = x->next;
			t->n--;
			free(x);
			return 0;
		}
	return -ENOENT;
}

const struct sc_retx *sc_retx_due(struct sc_retx_table *t, const struct sc_retx *prev,
				  uint64_t now)
{
	struct sc_retx **pp = prev ? &((struct sc_retx *)prev)->next : &t->head, *x;

	while ((x = *pp) != NULL) {
		if (now >= x->give_up) {
			x->gave_up = true;
			return x;
		}
		if (now >= x->due) {
			x->interval *= 2;
			if (!x->invite && x->interval > SC_RETX_T2_MS)
				x->interval = SC_RETX_T2_MS;
			x->due = now + x->interval;
			return x;
		}
		pp = &x->next;
	}
	return NULL;
}

void sc_retx_free(struct sc_retx_table *t)
{
	while (t->head) {
		struct sc_retx *x = t->head;

		t->head = x->next;
		free(x);
	}
	t->n = 0;
}
