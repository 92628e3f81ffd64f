/* The wiring of B15's default accept_from: what each upstream's uri
 * resolves to, looked up at start and every 5 minutes for every upstream
 * named by a host name and without an accept_from of its own (its flows'
 * own lookups refresh it too, flow.c).  attrib.c decides with it. */
#include <stdlib.h>
#include <sys/socket.h>

#define LOG_TAG "relay"
#include "../base/log.h"
#include "attrib.h"
#include "wiring.h"

#define LOOKUP_EVERY_MS (5 * 60 * 1000)

static void looked_up(struct sc_dns_query *q, int status, const struct sc_net_addr *targets,
		      size_t ntargets, void *arg)
{
	struct sc_up *up = arg;

	(void)q;
	if (status == 0)
		sc_attrib_resolved(up, targets, ntargets);
	else
		log_debug("upstream %s: cannot resolve %s: %s (its connections to wan.listen are "
			  "attributed by certificate only until it resolves)",
			  up->name, up->conf->host, uv_strerror(status));
}

static void look_up(uv_timer_t *t)
{
	struct sc_relay *r = t->data;
	size_t i;

	for (i = 0; i < r->core.reg.nup; i++) {
		struct sc_up *up = r->core.reg.up[i];
		const struct sc_conf_upstream *u = up->conf;

		if (u->naccept_from || !u->host || sc_net_is_ip(u->host) ||
		    sc_dns_busy(&r->lookups[i]))
			continue;
		(void)sc_dns_resolve(r->loop, &r->lookups[i], u->host, u->port ? u->port : 5061,
				     SOCK_STREAM, looked_up, up);
	}
}

int sc_relay_lookups_start(struct sc_relay *r)
{
	r->lookups = calloc(r->core.reg.nup + 1, sizeof(*r->lookups));
	if (!r->lookups)
		return -1;
	uv_timer_init(r->loop, &r->lookup_timer);
	r->lookup_timer.data = r;
	uv_timer_start(&r->lookup_timer, look_up, 0, LOOKUP_EVERY_MS);
	return 0;
}

void sc_relay_lookups_stop(struct sc_relay *r)
{
	size_t i;

	if (!r->lookups)
		return;
	uv_close((uv_handle_t *)&r->lookup_timer, NULL);
	for (i = 0; i < r->core.reg.nup; i++)
		sc_dns_cancel(&r->lookups[i]);
}
