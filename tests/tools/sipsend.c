/* sipsend: sends raw bytes to a SIP listener and prints what comes back,
 * for the interop tests' malformed, oversized and foreign-source cases,
 * which no well-behaved SIP tool will send.
 *
 * usage: sipsend [-t] [-b ADDR[:PORT]] [-w MS] HOST:PORT FILE
 *   -t       TCP (default UDP)
 *   -b       bind to this source address (and port) first
 *   -w MS    wait this long for an answer (default 2000); 0: do not wait
 * FILE is sent as it is ("-" reads stdin).  The answer, if any, goes to
 * stdout.  Exit status: 0 an answer came, 3 none came in time (or the peer
 * closed a TCP connection without one), 1 usage or system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse(const char *s, struct sockaddr_in *sa, int need_port)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n >= sizeof(host) || (need_port && !colon))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(colon ? (unsigned short)atoi(colon + 1) : 0);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0, k;
	char *buf = malloc(cap);

	if (!f || !buf)
		return NULL;
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				return NULL;
			buf = nb;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst, src;
	struct pollfd pfd;
	int tcp = 0, wait_ms = 2000, have_src = 0, fd, opt, one = 1;
	char answer[65536];
	size_t len, off = 0;
	ssize_t n;
	char *buf;

	while ((opt = getopt(argc, argv, "tb:w:")) != -1) {
		if (opt == 't')
			tcp = 1;
		else if (opt == 'b' && parse(optarg, &src, 0) == 0)
			have_src = 1;
		else if (opt == 'w')
			wait_ms = atoi(optarg);
		else
			goto usage;
	}
	if (argc - optind != 2 || parse(argv[optind], &dst, 1) < 0)
		goto usage;
	buf = slurp(argv[optind + 1], &len);
	if (!buf) {
		perror(argv[optind + 1]);
		return 1;
	}
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("socket"), 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (have_src && bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		return perror("bind"), 1;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return perror("connect"), 1;
	while (off < len) {
		n = send(fd, buf + off, len - off, 0);
		if (n < 0)
			return perror("send"), 1;
		off += (size_t)n;
	}
	if (!wait_ms)
		return 0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return 3;
	n = recv(fd, answer, sizeof(answer), 0);
	if (n <= 0)
		return 3;
	fwrite(answer, 1, (size_t)n, stdout);
	return 0;
usage:
	fputs("usage: sipsend [-t] [-b ADDR[:PORT]] [-w MS] HOST:PORT FILE\n", stderr);
	return 1;
}
