/* The configuration turned into TLS options; see tlsconf.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "alive.h"
#include "tlsconf.h"

static unsigned handshake_or_default(unsigned seconds)
{
	return seconds ? seconds : SC_CONF_HANDSHAKE_DEFAULT;
}

int sc_tlsconf_client_ctx(const struct sc_conf_upstream *up, struct sc_tls_ctx **out, char *err,
			  size_t errlen)
{
	struct sc_tls_client_opts o = {
		.ca_file = up->ca_file,
		.verify = up->verify,
		.min_version = up->min_version,
		.ciphers = up->ciphers,
		.certificate = up->certificate,
		.private_key = up->private_key,
		.handshake_timeout = handshake_or_default(up->handshake_timeout),
		.tcp_user_timeout = SC_ALIVE_TCP_USER_TIMEOUT_MS,
	};

	return sc_tls_ctx_client(&o, out, err, errlen);
}

int sc_tlsconf_server_ctx(const struct sc_conf *conf, struct sc_tls_ctx **out, char *err,
			  size_t errlen)
{
	struct sc_tls_server_opts o = {
		.certificate = conf->wan.certificate,
		.private_key = conf->wan.private_key,
		.ca_file = conf->wan.ca_file,
		.verify_client = conf->wan.verify_client,
		.require_client_certificate = conf->wan.require_client_certificate,
		.handshake_timeout = handshake_or_default(conf->wan.handshake_timeout),
		.nsni = conf->wan.nserver_names,
	};
	struct sc_tls_sni_opts *sni = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (o.nsni) {
		sni = calloc(o.nsni, sizeof(*sni));
		if (!sni) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	for (i = 0; i < o.nsni; i++) {
		sni[i].name = conf->wan.server_names[i].name;
		sni[i].certificate = conf->wan.server_names[i].certificate;
		sni[i].private_key = conf->wan.server_names[i].private_key;
	}
	o.sni = sni;
	rc = sc_tls_ctx_server(&o, out, err, errlen);
	free(sni);
	return rc;
}
