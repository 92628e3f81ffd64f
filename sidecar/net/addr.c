/* Socket addresses as text: see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../str.h"
#include "addr.h"

static int text(const struct sockaddr *sa, bool port, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int n;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		n = port ? snprintf(out, cap, "%s:%u", ip, (unsigned)ntohs(in->sin_port))
			 : snprintf(out, cap, "%s", ip);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		n = port ? snprintf(out, cap, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port))
			 : snprintf(out, cap, "[%s]", ip);
	} else {
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int sc_net_addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	return text(sa, true, out, cap);
}

int sc_net_host_text(const struct sockaddr *sa, char *out, size_t cap)
{
	return text(sa, false, out, cap);
}

bool sc_net_addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)(const void *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)(const void *)b;

		return x->sin_port == y->sin_port &&
		       memcmp(&x->sin_addr, &y->sin_addr, sizeof(x->sin_addr)) == 0;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)(const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

socklen_t sc_net_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6  ? sizeof(struct sockaddr_in6)
	       : sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					  : 0;
}

uint16_t sc_net_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return 0;
}

void sc_net_addr_copy(struct sockaddr_storage *ss, socklen_t *len, const struct sockaddr *sa)
{
	memset(ss, 0, sizeof(*ss));
	*len = sc_net_addr_len(sa);
	memcpy(ss, sa, *len);
}

uint64_t sc_net_addr_hash(uint64_t h, const struct sockaddr *sa)
{
	const void *ip = NULL;
	size_t n = 0;

	if (sa->sa_family == AF_INET) {
		ip = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	} else if (sa->sa_family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		n = 16;
	}
	h = sc_str_hash_u64(h, (uint64_t)sa->sa_family << 16 | sc_net_addr_port(sa));
	return n ? sc_str_hash(h, sc_str_make(ip, n)) : h;
}

bool sc_net_addr_any(const struct sockaddr *sa)
{
	static const unsigned char zero[16];

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr == 0;
	if (sa->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, zero,
			      16) == 0;
	return false;
}

int sc_net_hostport(const char *s, uint16_t default_port, char *out, size_t cap)
{
	const char *colon = strchr(s, ':');
	int n;

	if (s[0] == '[' ? strstr(s, "]:") != NULL : colon && !strchr(colon + 1, ':'))
		n = snprintf(out, cap, "%s", s);
	else if (colon && s[0] != '[')
		n = snprintf(out, cap, "[%s]:%u", s, (unsigned)default_port);
	else
		n = snprintf(out, cap, "%s:%u", s, (unsigned)default_port);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
