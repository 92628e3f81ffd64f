/* Guard memory for parser tests (the picohttpparser trick): the input is
 * copied so that its last byte is immediately followed by a PROT_NONE page,
 * so reading even one byte past the end crashes the test instead of passing
 * by luck.
 *
 *     const char *p = guard_put(text, len);   // valid until the next call
 *
 * One mapping is made on first use and reused; inputs may be up to
 * GUARD_MAX bytes.  Anonymous memory comes from /dev/zero because
 * MAP_ANONYMOUS is not in POSIX.1-2008.
 */
#ifndef SC_TEST_GUARD_H
#define SC_TEST_GUARD_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARD_MAX (160 * 1024)

static char *guard_fence; /* first byte of the PROT_NONE page */

static inline char *guard_put(const void *data, size_t len)
{
	if (!guard_fence) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t body = (GUARD_MAX + pg - 1) / pg * pg;
		int fd = open("/dev/zero", O_RDWR);
		char *map;

		if (fd < 0) {
			perror("guard: /dev/zero");
			abort();
		}
		map = mmap(NULL, body + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		close(fd);
		if (map == MAP_FAILED || mprotect(map + body, pg, PROT_NONE) != 0) {
			perror("guard: mmap/mprotect");
			abort();
		}
		guard_fence = map + body;
	}
	if (len > GUARD_MAX) {
		fprintf(stderr, "guard: input of %zu bytes is over GUARD_MAX\n", len);
		abort();
	}
	if (len)
		memcpy(guard_fence - len, data, len);
	return guard_fence - len;
}

#endif
