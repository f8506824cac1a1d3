/* listen.c: resolving listen addresses and opening shared-port listening sockets. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BACKLOG 1024

static void describe(struct listen_addr *a)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (a->sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->sa;

        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
        port = ntohs(s6->sin6_port);
        snprintf(a->text, sizeof(a->text), "[%s]:%u", host, port);
        return;
    }
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->sa;

    inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
    port = ntohs(s4->sin_port);
    snprintf(a->text, sizeof(a->text), "%s:%u", host, port);
}

int listen_resolve(const char *spec, struct listen_addr *a, struct fw_err *err)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    const char *h = spec;
    size_t hlen = colon ? (size_t)(colon - spec) : 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc;

    if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return fw_fail(err, "--listen %s: expected HOST:PORT", spec);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof(host))
        return fw_fail(err, "--listen %s: host name too long", spec);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    rc = getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0)
        return fw_fail(err, "--listen %s: %s", spec, gai_strerror(rc));
    memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
    a->len = res->ai_addrlen;
    freeaddrinfo(res);
    describe(a);
    return 0;
}

static int set_options(int fd, int family)
{
    int on = 1;

    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
        return -1;
    if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
        return -1;
    return 0;
}

int listen_open(struct listen_addr *a, struct fw_err *err)
{
    int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return fw_fail(err, "%s: socket: %s", a->text, strerror(errno));
    if (set_options(fd, a->sa.ss_family) < 0 ||
        bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0 || listen(fd, BACKLOG) < 0)
        goto fail;
    /* port 0: the other loops must share the port the first socket got */
    a->len = sizeof(a->sa);
    if (getsockname(fd, (struct sockaddr *)&a->sa, &a->len) < 0)
        goto fail;
    describe(a);
    return fd;

fail:
    fw_fail(err, "cannot listen on %s: %s", a->text, strerror(errno));
    close(fd);
    return -1;
}
