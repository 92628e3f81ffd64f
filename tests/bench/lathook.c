/* lathook: an LD_PRELOAD library for `make bench` that timestamps every SIP
 * message at sipsidecar's own sockets, so that the time the relay adds per
 * hop can be measured without changing it.
 *
 * In the relay process it interposes (all calls from the executable, libuv
 * and wolfSSL go through the dynamic linker):
 *
 *   recvmsg/recvfrom on a UDP socket   a message in from the LAN; its time is
 *                                      the kernel's arrival stamp of the
 *                                      datagram (ioctl SIOCGSTAMPNS)
 *   read on a TCP socket               done as recvmsg with SO_TIMESTAMPNS:
 *                                      the kernel's arrival stamp of the
 *                                      bytes (kept for the next wolfSSL_read)
 *   wolfSSL_read                       the plaintext those bytes carried: a
 *                                      message in from the provider
 *   sendmsg/sendto/send on UDP         a message out to the LAN, stamped just
 *                                      before the system call
 *   wolfSSL_write, then write/writev   a message out to the provider, stamped
 *                                      just before the first TCP write that
 *                                      follows (the record leaves then)
 *
 * Each message is keyed by its Call-ID, CSeq and status code (or "R" for a
 * request), which the relay never changes, and written as one line
 *
 *   I|O U|T KERNEL_NS USER_NS KEY
 *
 * to $LATHOOK_LOG at exit (or whenever the buffer fills), after a first line
 * "B 0 BASE_NS 0 base": times are nanoseconds since BASE_NS (so that awk's
 * doubles hold them exactly).  KERNEL_NS is 0 when the kernel gave no stamp.
 * Clock: CLOCK_REALTIME, the clock of the kernel's socket stamps.  The cost per message is a clock read, one ioctl
 * on UDP input and a scan of the header block.
 *
 * Built by tests/bench/run.sh: cc -O2 -shared -fPIC -o lathook.so lathook.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef struct WOLFSSL WOLFSSL;

static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_send)(int, const void *, size_t, int);
static int (*real_close)(int);
static int (*real_wolfSSL_read)(WOLFSSL *, void *, int);
static int (*real_wolfSSL_write)(WOLFSSL *, const void *, int);

/* What each descriptor is: 0 unknown, 1 not a socket we watch, 2 UDP, 3 TCP. */
#define MAX_FD 65536
static unsigned char fdkind[MAX_FD];
static unsigned char fdstamp[MAX_FD]; /* timestamping switched on */

static char *logbuf;
static size_t loglen, logcap;
static int logfd = -1;
static int active;
static long long base_ns; /* every time is written relative to this */

/* Messages handed to wolfSSL_write whose record has not reached a write yet. */
#define MAX_PENDING 64
static char pending[MAX_PENDING][200];
static int npending;

/* Kernel stamp of the bytes the last TCP read returned. */
static long long tcp_rx_kernel, tcp_rx_user;

static void resolve(void)
{
	if (real_read)
		return;
	real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
	real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
	real_read = dlsym(RTLD_NEXT, "read");
	real_write = dlsym(RTLD_NEXT, "write");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
	real_sendto = dlsym(RTLD_NEXT, "sendto");
	real_send = dlsym(RTLD_NEXT, "send");
	real_close = dlsym(RTLD_NEXT, "close");
	real_wolfSSL_read = dlsym(RTLD_NEXT, "wolfSSL_read");
	real_wolfSSL_write = dlsym(RTLD_NEXT, "wolfSSL_write");
}

/* The next definition of f, resolved on first use (a hook can run before
 * this library's constructor). */
#define REAL(f) (resolve(), real_##f)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void flush_log(void)
{
	size_t off = 0;
	ssize_t n;

	while (logfd >= 0 && off < loglen) {
		n = REAL(write)(logfd, logbuf + off, loglen - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	loglen = 0;
}

static void emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!logbuf)
		return;
	if (logcap - loglen < 512)
		flush_log();
	va_start(ap, fmt);
	n = vsnprintf(logbuf + loglen, logcap - loglen, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < logcap - loglen)
		loglen += (size_t)n;
}

__attribute__((constructor)) static void lathook_init(void)
{
	const char *path = getenv("LATHOOK_LOG");

	resolve();
	if (!path || !*path)
		return;
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return;
	logcap = 16u << 20;
	logbuf = malloc(logcap);
	active = logbuf != NULL;
	base_ns = now_ns();
	emit("B 0 %lld 0 base\n", base_ns);
}

__attribute__((destructor)) static void lathook_fini(void)
{
	if (!active)
		return;
	flush_log();
}

static int kind(int fd)
{
	int type, proto;
	socklen_t len;

	if (fd < 0 || fd >= MAX_FD)
		return 1;
	if (fdkind[fd])
		return fdkind[fd];
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		fdkind[fd] = 1;
		return 1;
	}
	len = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
		proto = 0;
	if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
		fdkind[fd] = 2;
	else if (type == SOCK_STREAM && proto == IPPROTO_TCP)
		fdkind[fd] = 3;
	else
		fdkind[fd] = 1;
	return fdkind[fd];
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FD) {
		fdkind[fd] = 0;
		fdstamp[fd] = 0;
	}
	return REAL(close)(fd);
}

/* ---- SIP keys ---- */

/* The value of header NAME (or its compact form C) in the header block
 * [p, end), trimmed, into out. */
static int header(const char *p, const char *end, const char *name, char c, char *out, size_t cap)
{
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v = NULL;
		size_t n;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
		    (p[nl] == ':' || p[nl] == ' ' || p[nl] == '\t'))
			v = p + nl;
		else if (eol - p > 1 && (p[0] == c || p[0] == (c ^ 0x20)) &&
			 (p[1] == ':' || p[1] == ' ' || p[1] == '\t'))
			v = p + 1;
		if (v) {
			while (v < eol && (*v == ' ' || *v == '\t' || *v == ':'))
				v++;
			n = (size_t)(eol - v);
			while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= cap)
				n = cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		p = eol + 1;
	}
	return -1;
}

/* The key of the message at [p, end) into key; its whole length (header
 * block and Content-Length body) as the return value, 0 when it is not a
 * whole SIP message. */
static size_t sip_key(const char *p, const char *end, char *key, size_t cap)
{
	const char *hdr_end = NULL, *q;
	char callid[128], cseq[48], clen[16], first[8];
	size_t hl, body;

	for (q = p; q + 3 < end; q++) {
		if (q[0] == '\r' && q[1] == '\n' && q[2] == '\r' && q[3] == '\n') {
			hdr_end = q + 4;
			break;
		}
	}
	if (!hdr_end)
		return 0;
	hl = (size_t)(hdr_end - p);
	if (header(p, hdr_end, "Call-ID", 'i', callid, sizeof(callid)) < 0 ||
	    header(p, hdr_end, "CSeq", '\0', cseq, sizeof(cseq)) < 0)
		return 0;
	body = 0;
	if (header(p, hdr_end, "Content-Length", 'l', clen, sizeof(clen)) == 0)
		body = (size_t)strtoul(clen, NULL, 10);
	if (end - p >= 12 && memcmp(p, "SIP/2.0 ", 8) == 0) {
		memcpy(first, p + 8, 3);
		first[3] = '\0';
	} else {
		strcpy(first, "R");
	}
	snprintf(key, cap, "%s|%s|%s", first, callid, cseq);
	for (char *k = key; *k; k++)
		if (*k == ' ')
			*k = '_';
	return hl + body;
}

/* Every SIP message in [p, p+n) as one record. */
static void record_all(char io, char tp, long long kern, long long user, const char *p, size_t n)
{
	const char *end = p + n;
	char key[200];

	while (p < end) {
		size_t len;

		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
		if (p >= end)
			break;
		len = sip_key(p, end, key, sizeof(key));
		if (!len)
			break;
		emit("%c %c %lld %lld %s\n", io, tp, kern ? kern - base_ns : 0, user - base_ns, key);
		p += len;
	}
}

/* ---- UDP in ---- */

static long long udp_stamp(int fd)
{
	struct timespec ts;

	if (ioctl(fd, SIOCGSTAMPNS, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = REAL(recvmsg)(fd, msg, flags);

	if (active && n > 0 && kind(fd) == 2 && msg->msg_iovlen >= 1) {
		long long u = now_ns();
		long long k = udp_stamp(fd);
		size_t len = (size_t)n < msg->msg_iov[0].iov_len ? (size_t)n : msg->msg_iov[0].iov_len;

		record_all('I', 'U', k, u, msg->msg_iov[0].iov_base, len);
	}
	return n;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa, socklen_t *sl)
{
	ssize_t n = REAL(recvfrom)(fd, buf, len, flags, sa, sl);

	if (active && n > 0 && kind(fd) == 2) {
		long long u = now_ns();

		record_all('I', 'U', udp_stamp(fd), u, buf, (size_t)n);
	}
	return n;
}

/* ---- TCP in (the TLS bytes) and wolfSSL_read (their plaintext) ---- */

ssize_t read(int fd, void *buf, size_t len)
{
	struct msghdr m;
	struct iovec iov;
	union {
		char b[CMSG_SPACE(sizeof(struct timespec)) + 64];
		struct cmsghdr align;
	} ctl;
	struct cmsghdr *c;
	ssize_t n;
	int on = 1;

	if (!active || kind(fd) != 3)
		return REAL(read)(fd, buf, len);
	if (!fdstamp[fd]) {
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
		fdstamp[fd] = 1;
	}
	memset(&m, 0, sizeof(m));
	iov.iov_base = buf;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	n = REAL(recvmsg)(fd, &m, 0);
	if (n > 0) {
		tcp_rx_user = now_ns();
		tcp_rx_kernel = 0;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				tcp_rx_kernel = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
			}
		}
	}
	return n;
}

int wolfSSL_read(WOLFSSL *ssl, void *data, int sz)
{
	int n = REAL(wolfSSL_read)(ssl, data, sz);

	if (active && n > 0)
		record_all('I', 'T', tcp_rx_kernel, tcp_rx_user, data, (size_t)n);
	return n;
}

/* ---- wolfSSL_write (plaintext out) and the TCP write that carries it ---- */

int wolfSSL_write(WOLFSSL *ssl, const void *data, int sz)
{
	if (active && sz > 0) {
		const char *p = data, *end = p + sz;
		char key[200];

		while (p < end && npending < MAX_PENDING) {
			size_t len;

			while (p < end && (*p == '\r' || *p == '\n'))
				p++;
			if (p >= end)
				break;
			len = sip_key(p, end, key, sizeof(key));
			if (!len)
				break;
			snprintf(pending[npending++], sizeof(pending[0]), "%s", key);
			p += len;
		}
	}
	return REAL(wolfSSL_write)(ssl, data, sz);
}

static void tcp_out(int fd)
{
	long long u;
	int i;

	if (!active || !npending || kind(fd) != 3)
		return;
	u = now_ns();
	for (i = 0; i < npending; i++)
		emit("O T 0 %lld %s\n", u - base_ns, pending[i]);
	npending = 0;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (active && fd != logfd)
		tcp_out(fd);
	return REAL(write)(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (active)
		tcp_out(fd);
	return REAL(writev)(fd, iov, cnt);
}

/* ---- UDP out ---- */

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (active) {
		int k = kind(fd);

		if (k == 2 && msg->msg_iovlen >= 1)
			record_all('O', 'U', 0, now_ns(), msg->msg_iov[0].iov_base,
				   msg->msg_iov[0].iov_len);
		else if (k == 3)
			tcp_out(fd);
	}
	return REAL(sendmsg)(fd, msg, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
	       socklen_t sl)
{
	if (active) {
		int k = kind(fd);

		if (k == 2)
			record_all('O', 'U', 0, now_ns(), buf, len);
		else if (k == 3)
			tcp_out(fd);
	}
	return REAL(sendto)(fd, buf, len, flags, sa, sl);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (active) {
		int k = kind(fd);

		if (k == 2)
			record_all('O', 'U', 0, now_ns(), buf, len);
		else if (k == 3)
			tcp_out(fd);
	}
	return REAL(send)(fd, buf, len, flags);
}
