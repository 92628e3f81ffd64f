/* The daemon: the loop, signals, start and stop around the relay. */
#ifndef SC_DAEMON_H
#define SC_DAEMON_H

#include "conf/conf.h"

/* Runs the relay on conf until SIGTERM or SIGINT.  Returns 0 after a clean
 * stop, or a negative errno when it could not start (a socket that cannot
 * be bound, a certificate that cannot be loaded); the reason is logged. */
int sc_daemon_run(const struct sc_conf *conf);

#endif
