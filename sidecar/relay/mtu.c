/* Requests too large for UDP: see mtu.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mtu.h"
#include "retx.h"

static bool lan_tcp(const struct sc_core *c)
{
	size_t i;

	for (i = 0; i < c->conf->lan.nlisten; i++)
		if (c->conf->lan.listen[i].transport == SC_TP_TCP)
			return true;
	return false;
}

/* Was the INVITE of this branch sent over TCP for its size? */
static bool went_tcp(const struct sc_core *c, uint64_t branch)
{
	size_t i;

	for (i = 0; i < SC_CORE_BIG; i++)
		if (branch && c->big[i] == branch)
			return true;
	return false;
}

static int again_over_tcp(struct sc_core *c, const struct sc_sip_msg *m,
			  const struct sc_core_link *lk, struct sc_core_out *o)
{
	int rc;

	c->force_tcp = true;
	rc = sc_core_wan_request(c, m, lk, o);
	c->force_tcp = false;
	return rc;
}

int sc_mtu_wan_request(struct sc_core *c, const struct sc_sip_msg *m,
		       const struct sc_core_link *lk, struct sc_core_out *o)
{
	bool invite = sc_str_eqz(m->method, "INVITE");
	int rc = sc_core_wan_request(c, m, lk, o);

	o->alt = NULL;
	o->alt_len = 0;
	if (rc != SC_CORE_FORWARD || o->tp != SC_TP_UDP)
		return rc;
	/* Only a CANCEL or an ACK shares its INVITE's branch. */
	if ((sc_str_eqz(m->method, "CANCEL") || sc_str_eqz(m->method, "ACK")) &&
	    went_tcp(c, o->branch_key))
		return again_over_tcp(c, m, lk, o);
	if (o->len <= SC_MTU_UDP_MAX)
		return rc;
	/* Without a LAN TCP listener there is nowhere to answer to; a device
	 * matched by address and port would answer over a connection from
	 * another port, and be refused as no device (B1). */
	if (!lan_tcp(c) || o->device->conf->match.port) {
		c->st.oversize_udp++;
		return rc;
	}
	if (o->len > c->alt_cap) {
		char *p = realloc(c->alt, o->len);

		if (!p) { /* over UDP then: it still goes */
			c->st.oversize_udp++;
			return rc;
		}
		c->alt = p;
		c->alt_cap = o->len;
	}
	memcpy(c->alt, o->buf, o->len);
	o->alt_len = o->len;
	rc = again_over_tcp(c, m, lk, o);
	if (rc != SC_CORE_FORWARD) {
		o->alt_len = 0;
		return rc;
	}
	o->alt = c->alt;
	if (invite) {
		c->big[c->big_next] = o->branch_key;
		c->big_next = (c->big_next + 1) % SC_CORE_BIG;
	}
	return rc;
}

int sc_mtu_fallback(struct sc_core *c, uint64_t key, bool invite, const struct sc_net_addr *dst,
		    const char *buf, size_t len, uint64_t now)
{
	size_t i;

	c->st.oversize_udp++;
	for (i = 0; i < SC_CORE_BIG; i++)
		if (c->big[i] && sc_txn_key(c->big[i], SC_STR_LIT("INVITE")) == key)
			c->big[i] = 0;
	return sc_retx_add(&c->retx, key, invite, dst, buf, len, now);
}
