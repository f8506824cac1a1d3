/* listen.h: listening sockets, one per event loop and address, sharing the port (SO_REUSEPORT). */
#ifndef FWHUB_LISTEN_H
#define FWHUB_LISTEN_H

#include <sys/socket.h>

#include "core/error.h"

/* An address to listen on, resolved once. */
struct listen_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[80]; /* "127.0.0.1:8080", "[::1]:8080" after listen_open fixed the port */
};

/* Resolves "HOST:PORT" or "[V6]:PORT" into a. Returns 0 or -1 with err. */
int listen_resolve(const char *spec, struct listen_addr *a, struct fw_err *err) FW_NODISCARD;

/* Opens a non-blocking listening socket on a with SO_REUSEPORT. When a's port is 0, the
 * port the system chose is written back into a, so that later sockets for other loops
 * share it. Returns the descriptor, or -1 with err. */
int listen_open(struct listen_addr *a, struct fw_err *err) FW_NODISCARD;

#endif
