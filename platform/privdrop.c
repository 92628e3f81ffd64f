/* Privilege drop (SPEC B12): after the sockets are bound, become an
 * unprivileged user for good.  setgroups() is not in POSIX but glibc and
 * musl both have it (it needs _DEFAULT_SOURCE), and dropping root without
 * clearing the supplementary groups would keep root's groups. */
#define _DEFAULT_SOURCE 1
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

int sc_platform_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "user %s: %s", user, errno ? strerror(errno) : "no such user");
		return -ENOENT;
	}
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return 0;
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot become user %s: %s", user, strerror(e));
		return -e;
	}
	/* Root must be gone for good: a process that can get it back has not
	 * dropped anything. */
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "cannot become user %s: root could be regained", user);
		return -EPERM;
	}
	return 0;
}
