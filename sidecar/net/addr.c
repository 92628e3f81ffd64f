/* Socket addresses: see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../base/str.h"
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

int sc_net_port_parse(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int sc_net_hostport_split(const char *s, size_t n, char *host, size_t hostsz, uint16_t *port,
			  bool *bracketed)
{
	const char *end = s + n, *h = s, *p = NULL, *e;
	size_t hl;

	*port = 0;
	*bracketed = false;
	if (n && *s == '[') {
		e = memchr(s, ']', n);
		if (!e)
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(e - h);
		if (e + 1 < end && e[1] == ':')
			p = e + 2;
		else if (e + 1 != end)
			return -EINVAL;
		*bracketed = true;
	} else {
		e = memchr(s, ':', n);
		if (e && memchr(e + 1, ':', (size_t)(end - e - 1))) {
			hl = n;
		} else if (e) {
			hl = (size_t)(e - s);
			p = e + 1;
		} else {
			hl = n;
		}
	}
	if (hl == 0 || hl >= hostsz || memchr(h, '\0', hl))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (p && sc_net_port_parse(p, (size_t)(end - p), port) != 0)
		return -EINVAL;
	return 0;
}

size_t sc_net_ip_parse(const char *s, unsigned char ip[16])
{
	char buf[64];
	size_t n = s ? strlen(s) : 0;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, ip) == 1 ? 16 : 0;
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	if (inet_pton(AF_INET, s, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, ip) == 1)
		return 16;
	return 0;
}

bool sc_net_is_ip(const char *s)
{
	unsigned char a[16];

	return s && s[0] != '[' && sc_net_ip_parse(s, a) != 0;
}

int sc_net_addr_parse(const char *s, uint16_t default_port, struct sc_net_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint16_t port;
	bool br;

	if (!s || sc_net_hostport_split(s, strlen(s), host, sizeof(host), &port, &br) != 0)
		return -EINVAL;
	if (port == 0)
		port = default_port;
	if (port == 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (!br && inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&out->ss, &sin, sizeof(sin));
		out->len = sizeof(sin);
	} else if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&out->ss, &sin6, sizeof(sin6));
		out->len = sizeof(sin6);
	} else {
		return -EINVAL;
	}
	return 0;
}

const char *sc_net_addr_str(const void *sa, char *buf, size_t cap)
{
	if (sc_net_addr_text(sa, buf, cap) < 0)
		snprintf(buf, cap, "?");
	return buf;
}
