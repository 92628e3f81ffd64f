/* What differs between systems (platform/posix.c): the TCP user timeout a
 * flow's socket gets (B14) is really set on the socket. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/platform.h"
#include "tests/unit/check.h"

static void test_tcp_user_timeout(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	rc = sc_platform_tcp_user_timeout(fd, 15000);
#ifdef TCP_USER_TIMEOUT
	/* qemu-user (the ARM test runs) may not pass the option through. */
	CHECK(rc == 0 || rc == -ENOPROTOOPT);
	if (rc == 0) {
		unsigned v = 0;
		socklen_t n = sizeof(v);

		CHECK_EQ_INT(getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, &n), 0);
		CHECK_EQ_INT(v, 15000);
	}
#else
	CHECK_EQ_INT(rc, -ENOTSUP);
#endif
	/* Not a socket: an error, not a crash. */
	CHECK(sc_platform_tcp_user_timeout(-1, 15000) < 0);
	close(fd);
}

int main(void)
{
	RUN(test_tcp_user_timeout);
	return check_done("platform");
}
