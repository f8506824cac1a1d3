/* proxy.h: the client address of a request that came through trusted reverse proxies
 * (nginx, a load balancer), from their X-Forwarded-For. Pure: no h2o, no globals. */
#ifndef FWHUB_PROXY_H
#define FWHUB_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define PROXY_MAX      16 /* networks trusted at most */
#define PROXY_ADDR_MAX 64 /* a numeric address and its NUL, as SERVER_PEER_MAX */

/* One trusted network: an IPv4 address is kept as IPv6 (::ffff:a.b.c.d, bits + 96). */
struct proxy_net {
    unsigned char addr[16];
    unsigned bits;
};

struct proxy_set {
    struct proxy_net v[PROXY_MAX];
    size_t n;
};

/* Adds "ADDR" or "ADDR/BITS" (IPv4 or IPv6, numeric) to set. Returns 0, or -1 with err
 * naming spec and what was expected. */
int proxy_add(struct proxy_set *set, const char *spec, struct fw_err *err) FW_NODISCARD;

/* Whether the numeric address addr lies in one of set's networks. */
bool proxy_trusted(const struct proxy_set *set, const char *addr);

/* The client of a request whose connection came from peer, with the X-Forwarded-For value
 * xff (xff_len bytes; NULL when the request has none; several headers joined by commas).
 * A peer that is not trusted is the client, whatever the header says. Otherwise the entries
 * are read from the right (the nearest proxy's first): the first that is not trusted is the
 * client, and when every entry is trusted, the leftmost. An entry that is not a numeric
 * address stops the walk at the last trusted hop before it: a proxy's own address, never
 * a string a client wrote. Written canonically (inet_ntop) into out. */
void proxy_client(const struct proxy_set *set, const char *peer, const char *xff, size_t xff_len,
                  char out[PROXY_ADDR_MAX]);

#endif
