/* Socket addresses as text, the way SIP writes them. */
#ifndef SC_NET_ADDR_H
#define SC_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "a.b.c.d:port" or "[v6]:port" into out.  Returns the length, -ENOSPC, or
 * -EINVAL for a family other than IPv4/IPv6. */
int sc_net_addr_text(const struct sockaddr *sa, char *out, size_t cap);

/* The address alone: "a.b.c.d" or "[v6]".  Same results. */
int sc_net_host_text(const struct sockaddr *sa, char *out, size_t cap);

/* Same family, address and port? */
bool sc_net_addr_eq(const struct sockaddr *a, const struct sockaddr *b);

/* The length of an IPv4 or IPv6 socket address, and its port (host
 * order); 0 for another family. */
socklen_t sc_net_addr_len(const struct sockaddr *sa);
uint16_t sc_net_addr_port(const struct sockaddr *sa);

/* Copies sa into ss (zeroed first) and its length into *len. */
void sc_net_addr_copy(struct sockaddr_storage *ss, socklen_t *len, const struct sockaddr *sa);

/* Mixes family, address and port into FNV-1a hash h (str.h): the same
 * source gives the same value, without formatting it as text. */
uint64_t sc_net_addr_hash(uint64_t h, const struct sockaddr *sa);

/* Is this the wildcard address (0.0.0.0 or ::)? */
bool sc_net_addr_any(const struct sockaddr *sa);

/* A configured "host", "host:port", "[v6]", "[v6]:port" or bare IPv6
 * address as "host:port" for a Via or Record-Route, with default_port
 * when it has none.  Returns the length or -ENOSPC. */
int sc_net_hostport(const char *s, uint16_t default_port, char *out, size_t cap);

#endif
