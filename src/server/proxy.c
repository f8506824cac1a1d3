/* proxy.c: trusted proxies and the client address behind them. */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads the numeric address in s (n bytes, no brackets, no port) as 16 bytes, IPv4 mapped
 * into IPv6. Returns 4 or 6, or 0 when it is not one. */
static int parse_addr(const char *s, size_t n, unsigned char out[16])
{
    char buf[PROXY_ADDR_MAX];
    unsigned char v4[4];

    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return 4;
    }
    return inet_pton(AF_INET6, buf, out) == 1 ? 6 : 0;
}

static bool is_v4_mapped(const unsigned char a[16])
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* a in canonical text: dotted IPv4 for a mapped address, else IPv6. */
static void format_addr(const unsigned char a[16], char out[PROXY_ADDR_MAX])
{
    if (!(is_v4_mapped(a) ? inet_ntop(AF_INET, a + 12, out, PROXY_ADDR_MAX)
                          : inet_ntop(AF_INET6, a, out, PROXY_ADDR_MAX)))
        snprintf(out, PROXY_ADDR_MAX, "-");
}

int proxy_add(struct proxy_set *set, const char *spec, struct fw_err *err)
{
    const char *slash = strchr(spec, '/');
    size_t n = slash ? (size_t)(slash - spec) : strlen(spec);
    struct proxy_net net;
    int family = parse_addr(spec, n, net.addr);
    unsigned max = family == 4 ? 32 : 128;

    if (set->n == PROXY_MAX)
        return fw_fail(err, "--trusted-proxy: at most %d networks", PROXY_MAX);
    if (!family)
        return fw_fail(err,
                       "--trusted-proxy: %s: expected a numeric IPv4 or IPv6 address, "
                       "optionally with /BITS",
                       spec);
    net.bits = max;
    if (slash) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);

        if (slash[1] < '0' || slash[1] > '9' || *end || bits < 0 || bits > (long)max)
            return fw_fail(err, "--trusted-proxy: %s: expected /0 to /%u after the address", spec,
                           max);
        net.bits = (unsigned)bits;
    }
    if (family == 4)
        net.bits += 96;
    for (unsigned i = net.bits; i < 128; i++) /* the host part is not compared */
        net.addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    set->v[set->n++] = net;
    return 0;
}

static bool in_set(const struct proxy_set *set, const unsigned char a[16])
{
    for (size_t k = 0; k < set->n; k++) {
        const struct proxy_net *net = &set->v[k];
        unsigned full = net->bits / 8, rest = net->bits % 8;

        if (memcmp(a, net->addr, full) != 0)
            continue;
        if (rest && ((a[full] ^ net->addr[full]) & (0xffu << (8 - rest)) & 0xffu))
            continue;
        return true;
    }
    return false;
}

bool proxy_trusted(const struct proxy_set *set, const char *addr)
{
    unsigned char a[16];

    return set->n && parse_addr(addr, strlen(addr), a) && in_set(set, a);
}

void proxy_client(const struct proxy_set *set, const char *peer, const char *xff, size_t xff_len,
                  char out[PROXY_ADDR_MAX])
{
    unsigned char hop[16], a[16];
    size_t end = xff_len;

    snprintf(out, PROXY_ADDR_MAX, "%s", peer);
    if (!xff || !parse_addr(peer, strlen(peer), hop) || !in_set(set, hop))
        return;
    /* hop: the nearest address known to be a proxy's, from the right */
    while (end > 0) {
        size_t start = end, b, e;

        while (start > 0 && xff[start - 1] != ',')
            start--;
        for (b = start; b < end && (xff[b] == ' ' || xff[b] == '\t'); b++)
            ;
        for (e = end; e > b && (xff[e - 1] == ' ' || xff[e - 1] == '\t'); e--)
            ;
        end = start > 0 ? start - 1 : 0;
        if (b == e && start == 0)
            break;
        if (b == e)
            continue; /* an empty element ("a,,b") */
        if (!parse_addr(xff + b, e - b, a))
            break;
        memcpy(hop, a, sizeof(hop));
        if (!in_set(set, a))
            break;
    }
    format_addr(hop, out);
}
