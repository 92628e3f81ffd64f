/* Which upstream a connection to wan.listen belongs to: see attrib.h. */
#include <string.h>

#include "../net/match.h"
#include "attrib.h"

static bool by_address(const struct sc_up *up, const struct sockaddr *peer)
{
	const struct sc_conf_upstream *u = up->conf;
	size_t i;

	if (u->naccept_from) {
		for (i = 0; i < u->naccept_from; i++)
			if (sc_net_match_addr(&u->accept_from[i], peer))
				return true;
		return false;
	}
	for (i = 0; i < up->naddrs; i++)
		if (sc_net_match_addr(&up->addrs[i], peer))
			return true;
	return false;
}

struct sc_up *sc_attrib_link(const struct sc_devices *reg, bool chain_verified,
			     bool (*has_identity)(void *arg, const char *name), void *arg,
			     const struct sockaddr *peer, enum sc_attrib_how *how)
{
	size_t i;

	*how = SC_ATTRIB_NONE;
	for (i = 0; chain_verified && i < reg->nup; i++) {
		const struct sc_conf_upstream *u = reg->up[i]->conf;

		if (has_identity(arg, u->server_name ? u->server_name : u->host)) {
			*how = SC_ATTRIB_CERT;
			return reg->up[i];
		}
	}
	for (i = 0; peer && i < reg->nup; i++)
		if (by_address(reg->up[i], peer)) {
			*how = SC_ATTRIB_ADDRESS;
			return reg->up[i];
		}
	return NULL;
}

void sc_attrib_resolved(struct sc_up *up, const struct sc_net_addr *addrs, size_t n)
{
	char host[64];
	size_t i;

	up->naddrs = 0;
	for (i = 0; i < n && up->naddrs < SC_UP_ADDRS; i++)
		if (sc_net_host_text((const struct sockaddr *)&addrs[i].ss, host, sizeof(host)) > 0 &&
		    sc_net_match_parse(host, &up->addrs[up->naddrs], NULL) == 0)
			up->naddrs++;
}

void sc_attrib_init(struct sc_up *up)
{
	up->naddrs = 0;
	if (up->conf->host && sc_net_is_ip(up->conf->host) &&
	    sc_net_match_parse(up->conf->host, &up->addrs[0], NULL) == 0)
		up->naddrs = 1;
}
