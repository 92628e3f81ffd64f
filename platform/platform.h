/* What differs between the systems sipsidecar runs on (glibc Debian, musl
 * OpenWrt): the syslog side of logging, and later privilege drop and
 * readiness notification.  One implementation per file in platform/. */
#ifndef SC_PLATFORM_H
#define SC_PLATFORM_H

void sc_platform_syslog_open(const char *ident);
/* level: 0 error, 1 warn, 2 info, 3 debug (enum sc_log_level). */
void sc_platform_syslog(int level, const char *tag, const char *line);

#endif
