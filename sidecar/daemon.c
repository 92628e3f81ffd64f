/* The daemon: see daemon.h.
 *
 * Start: work out the LAN sent-by, build the relay (TLS contexts), bind
 * every listener, drop privileges (B12), run the loop.  Stop (SIGTERM,
 * SIGINT): close the listeners and send close_notify on every TLS
 * connection (pending writes get at most 2 s), then exit 0.  SIGHUP is
 * logged and ignored until reload (SPEC B11) is built.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#define LOG_TAG "daemon"
#include "base/log.h"
#include "../platform/platform.h"
#include "daemon.h"
#include "net/addr.h"
#include "relay/relay.h"

struct daemon {
	struct sc_relay *relay;
	uv_signal_t sig[3];
};

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	size_t i;

	if (signum == SIGHUP) {
		log_warn("SIGHUP: reloading is not supported by this version; restart to apply a "
			 "new configuration");
		return;
	}
	log_info("stopping on signal %d", signum);
	for (i = 0; i < 3; i++)
		if (!uv_is_closing((uv_handle_t *)&d->sig[i]))
			uv_close((uv_handle_t *)&d->sig[i], NULL);
	sc_relay_stop(d->relay);
}

/* The LAN sent-by for one transport: lan.advertise, else the listen
 * address, else (a wildcard listener) the first non-loopback IPv4 address
 * of the host. */
static void lan_sent_by(const struct sc_conf *conf, enum sc_transport tp, char *out, size_t cap)
{
	const struct sc_conf_listen *li = NULL;
	char host[64] = "";
	unsigned port;
	size_t i;

	for (i = 0; i < conf->lan.nlisten && !li; i++)
		if (conf->lan.listen[i].transport == tp)
			li = &conf->lan.listen[i];
	if (!li)
		li = &conf->lan.listen[0];
	port = sc_net_addr_port((const struct sockaddr *)&li->addr.ss);
	if (conf->lan.advertise) {
		sc_net_hostport(conf->lan.advertise, (uint16_t)port, out, cap);
		return;
	} else if (!sc_net_addr_any((const struct sockaddr *)&li->addr.ss)) {
		sc_net_host_text((const struct sockaddr *)&li->addr.ss, host, sizeof(host));
	} else {
		uv_interface_address_t *ifs;
		int n, k;

		if (uv_interface_addresses(&ifs, &n) == 0) {
			for (k = 0; k < n && !host[0]; k++)
				if (!ifs[k].is_internal && ifs[k].address.address4.sin_family == AF_INET)
					sc_net_host_text((const struct sockaddr *)&ifs[k].address.address4,
							 host, sizeof(host));
			uv_free_interface_addresses(ifs, n);
		}
		if (!host[0])
			snprintf(host, sizeof(host), "127.0.0.1");
		log_warn("lan.advertise is not set and lan.listen is a wildcard: devices are told "
			 "%s; set lan.advertise if that is not the address they reach",
			 host);
	}
	snprintf(out, cap, "%s:%u", host, port);
}

static void walk_close(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int sc_daemon_run(const struct sc_conf *conf)
{
	static const int signals[3] = { SIGTERM, SIGINT, SIGHUP };
	uv_loop_t *loop = uv_default_loop();
	char lan_udp[96], lan_tcp[96];
	const struct sc_core_stats *st;
	struct daemon d = { 0 };
	size_t i;
	int rc;

	lan_sent_by(conf, SC_TP_UDP, lan_udp, sizeof(lan_udp));
	lan_sent_by(conf, SC_TP_TCP, lan_tcp, sizeof(lan_tcp));
	rc = sc_relay_new(&d.relay, loop, conf, lan_udp, lan_tcp);
	if (rc == 0)
		rc = sc_relay_listen(d.relay);
	if (rc == 0 && conf->user) {
		char err[160];

		/* B12: the sockets are bound and the keys loaded; root is not
		 * needed again. */
		rc = sc_platform_drop_privileges(conf->user, err, sizeof(err));
		if (rc < 0)
			log_error("%s", err);
		else
			log_info("running as user %s", conf->user);
	}
	if (rc == 0 && conf->status.enabled)
		log_warn("status: the HTTP status endpoint is not built in this version; "
			 "the counters are logged when the relay stops");
	if (rc < 0)
		goto out;
	for (i = 0; i < 3; i++) {
		uv_signal_init(loop, &d.sig[i]);
		d.sig[i].data = &d;
		uv_signal_start(&d.sig[i], on_signal, signals[i]);
	}
	sc_platform_trim_memory();
	log_info("relaying %zu device%s to %zu upstream%s; devices reach us at %s (udp), %s (tcp)",
		 conf->ndevices, conf->ndevices == 1 ? "" : "s", conf->nupstreams,
		 conf->nupstreams == 1 ? "" : "s", lan_udp, lan_tcp);
	uv_run(loop, UV_RUN_DEFAULT);
	st = sc_relay_stats(d.relay);
	log_info("stopped: %lu from unknown sources, %lu malformed, %lu retransmissions absorbed, "
		 "%lu responses for unknown transactions, %lu device responses not for us, "
		 "%lu provider requests for no device, %lu late provider responses, "
		 "%lu requests timed out (408), %lu requests over 1300 bytes sent over UDP, "
		 "%lu messages on wan.listen connections of no upstream, %lu tokens from another "
		 "upstream",
		 st->unknown_source, st->malformed, st->retransmissions, st->unknown_txn,
		 st->not_ours, st->no_device, st->late, st->timeouts, st->oversize_udp,
		 st->unattributed, st->other_upstream);
out:
	/* Close whatever is still open (everything, after a failed start) and
	 * let the loop run the close callbacks. */
	uv_walk(loop, walk_close, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	sc_relay_free(d.relay);
	return rc;
}
