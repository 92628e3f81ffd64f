/* The running relay: sockets, TLS flows and the event loop around the pure
 * core (core.h).
 *
 *   LAN udp/tcp listeners ──> relay core ──> TLS flow per device (or shared
 *   WAN tls listener      ──>            <──  per upstream), opened on demand
 *
 * Everything here is I/O: receive, frame, parse, ask the core, send.  A
 * flow that is not up yet queues a device's requests and opens; if it
 * cannot, each queued request is answered 503 with a Warning that names the
 * cause (B10), and new requests get the same answer at once until the
 * back-off has passed.  A flow that drops is dialled again with back-off
 * (B2).  Nothing one device or one peer sends can stop another device's
 * traffic: a malformed message is counted and dropped (or answered 400), a
 * stream that cannot be framed is closed.
 */
#ifndef SC_RELAY_RELAY_H
#define SC_RELAY_RELAY_H

#include "../conf/conf.h"

/* Runs the relay on conf until SIGTERM or SIGINT.  Returns 0 after a clean
 * stop, or a negative errno when it could not start (a socket that cannot
 * be bound, a certificate that cannot be loaded); the reason is logged. */
int sc_relay_run(const struct sc_conf *conf);

#endif
