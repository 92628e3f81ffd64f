/* flowmem: the memory wolfSSL itself keeps for one TLS client connection,
 * for `make bench` (the floor under sipsidecar's memory per flow).
 *
 * It counts every byte wolfSSL allocates (wolfSSL_SetAllocators) while it
 * makes one connection the way the relay does (TLS 1.2 or 1.3, the peer's
 * chain verified against CA_FILE, SNI) to 127.0.0.1:PORT, and prints one
 * JSON object:
 *
 *   session_bytes     a bare WOLFSSL_SESSION (wolfSSL_new makes one per
 *                     connection)
 *   new_bytes         live after wolfSSL_new
 *   handshake_bytes   added by the handshake and kept once it is over (the
 *                     relay's wc_ecc_fp_free done, as after each of its
 *                     handshakes)
 *   total_bytes       new_bytes + handshake_bytes
 *   largest_in_new    the sizes of the largest allocations of wolfSSL_new
 *   cipher            the suite agreed
 *
 * usage: flowmem PORT CA_FILE SERVER_NAME
 * Built by tests/bench/run.sh: cc -O2 -o flowmem flowmem.c -lwolfssl
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/memory.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each block carries its size in front, so that a free knows it. */
#define HDR 16

static size_t live;
static size_t track_sizes[8]; /* the largest allocations while tracking */
static int tracking;

static void note_size(size_t n)
{
	size_t i, j;

	if (!tracking)
		return;
	for (i = 0; i < 8 && track_sizes[i] >= n; i++)
		;
	if (i == 8)
		return;
	for (j = 7; j > i; j--)
		track_sizes[j] = track_sizes[j - 1];
	track_sizes[i] = n;
}

static void *count_malloc(size_t n)
{
	unsigned char *p = malloc(n + HDR);

	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	live += n;
	note_size(n);
	return p + HDR;
}

static void count_free(void *q)
{
	unsigned char *p = q;
	size_t n;

	if (!p)
		return;
	p -= HDR;
	memcpy(&n, p, sizeof(n));
	live -= n;
	free(p);
}

static void *count_realloc(void *q, size_t n)
{
	unsigned char *p = q ? (unsigned char *)q - HDR : NULL;
	size_t old = 0;

	if (p)
		memcpy(&old, p, sizeof(old));
	p = realloc(p, n + HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	live = live - old + n;
	note_size(n);
	return p + HDR;
}

static int dial(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("flowmem: connect");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	WOLFSSL_CTX *ctx;
	WOLFSSL_SESSION *sess;
	WOLFSSL *ssl;
	size_t before, session, after_new, after_hs, i;
	char buf[1];
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: flowmem PORT CA_FILE SERVER_NAME\n");
		return 2;
	}
	if (wolfSSL_SetAllocators(count_malloc, count_free, count_realloc) != 0 ||
	    wolfSSL_Init() != WOLFSSL_SUCCESS)
		return 1;
	ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!ctx || wolfSSL_CTX_load_verify_locations(ctx, argv[2], NULL) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "flowmem: cannot load %s\n", argv[2]);
		return 1;
	}
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);

	before = live;
	sess = wolfSSL_SESSION_new();
	session = live - before;
	wolfSSL_SESSION_free(sess);

	fd = dial(atoi(argv[1]));
	before = live;
	tracking = 1;
	ssl = wolfSSL_new(ctx);
	tracking = 0;
	if (!ssl)
		return 1;
	after_new = live;
	wolfSSL_set_fd(ssl, fd);
	wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, argv[3], (unsigned short)strlen(argv[3]));
	if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "flowmem: handshake failed: %d\n", wolfSSL_get_error(ssl, 0));
		return 1;
	}
	/* Whatever the server sends after its Finished (TLS 1.3 tickets) is
	 * taken in, as on an idle flow; the socket no longer blocks, so the
	 * read ends when there is nothing more. */
	usleep(200000);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	(void)wolfSSL_peek(ssl, buf, (int)sizeof(buf));
	wc_ecc_fp_free();
	after_hs = live;

	printf("{\"session_bytes\": %zu, \"new_bytes\": %zu, \"handshake_bytes\": %zu, "
	       "\"total_bytes\": %zu, \"largest_in_new\": [",
	       session, after_new - before, after_hs - after_new, after_hs - before);
	for (i = 0; i < 8 && track_sizes[i]; i++)
		printf("%s%zu", i ? ", " : "", track_sizes[i]);
	printf("], \"cipher\": \"%s\", \"version\": \"%s\"}\n", wolfSSL_get_cipher(ssl),
	       wolfSSL_get_version(ssl));
	wolfSSL_shutdown(ssl);
	wolfSSL_free(ssl);
	close(fd);
	wolfSSL_CTX_free(ctx);
	wolfSSL_Cleanup();
	return 0;
}
