/* POSIX implementation of platform.h: syslog(3), which glibc and musl both
 * provide and OpenWrt's logd receives. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <string.h>
#include <syslog.h>

#include "platform.h"

void sc_platform_syslog_open(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void sc_platform_syslog(int level, const char *tag, const char *line)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	syslog(prio[level < 0 ? 0 : level > 3 ? 3 : level], "[%s] %s", tag, line);
}

#ifdef __GLIBC__
#include <malloc.h>
#endif

void sc_platform_trim_memory(void)
{
#ifdef __GLIBC__
	/* Loading a CA bundle parses every certificate with many small
	 * temporary allocations; glibc keeps the freed heap mapped unless
	 * asked.  musl returns memory on its own. */
	malloc_trim(0);
#endif
}

int sc_platform_ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGPIPE, &sa, NULL) == 0 ? 0 : -errno;
}

int sc_platform_tcp_user_timeout(int fd, unsigned ms)
{
#ifdef TCP_USER_TIMEOUT
	return setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms)) == 0 ? 0 : -errno;
#else
	(void)fd;
	(void)ms;
	return -ENOTSUP;
#endif
}
