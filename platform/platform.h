/* What differs between the systems sipsidecar runs on (glibc Debian, musl
 * OpenWrt): the syslog side of logging and the privilege drop.  One implementation per file in platform/. */
#ifndef SC_PLATFORM_H
#define SC_PLATFORM_H

void sc_platform_syslog_open(const char *ident);
/* level: 0 error, 1 warn, 2 info, 3 debug (enum sc_log_level). */
void sc_platform_syslog(int level, const char *tag, const char *line);

#include <stddef.h>

/* Becomes user (and its primary group, with no supplementary groups) for
 * good.  Returns 0 (also when already that user) or a negative errno with
 * the reason in err. */
int sc_platform_drop_privileges(const char *user, char *err, size_t errlen);

/* Gives freed heap memory back to the system (after start-up, when the
 * parsing of certificates has left much of it free). */
void sc_platform_trim_memory(void);

/* A write to a connection the peer has closed is an error (EPIPE) handled
 * like any other close, never a SIGPIPE that ends the process: libuv writes
 * to streams with write(2), which has no MSG_NOSIGNAL.  Returns 0 or a
 * negative errno. */
int sc_platform_ignore_sigpipe(void);

/* Data on TCP socket fd left unacknowledged for ms ends the connection
 * (TCP_USER_TIMEOUT, RFC 5482), so a peer that vanished is noticed even
 * while writes are pending.  Returns 0, -ENOTSUP where the system has no
 * such option, or a negative errno. */
int sc_platform_tcp_user_timeout(int fd, unsigned ms);

#endif
