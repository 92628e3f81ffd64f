/* The configuration turned into TLS options (tls/ctx.h): an upstream into a
 * client context, the wan section into the server context.  The TLS code
 * reads no configuration; this is the one place that knows both.
 */
#ifndef SC_RELAY_TLSCONF_H
#define SC_RELAY_TLSCONF_H

#include <stddef.h>

#include "../conf/conf.h"
#include "../tls/ctx.h"

/* Builds the client context of an upstream: its CA list, verification,
 * minimum version, ciphers, optional client certificate and handshake
 * timeout (SC_CONF_HANDSHAKE_DEFAULT when it has none).  Returns 0, or a
 * negative errno with one sentence in err. */
int sc_tlsconf_client_ctx(const struct sc_conf_upstream *up, struct sc_tls_ctx **out, char *err,
			  size_t errlen);

/* Builds the server context of the wan section: certificate, key, CA list,
 * verify_client / require_client_certificate, server_names (one more
 * certificate each, chosen by SNI) and the handshake timeout
 * (SC_CONF_HANDSHAKE_DEFAULT when none).  Returns 0, or a negative errno
 * with one sentence in err. */
int sc_tlsconf_server_ctx(const struct sc_conf *conf, struct sc_tls_ctx **out, char *err,
			  size_t errlen);

#endif
