/* fuzz_proxy.c: libFuzzer target for the client behind trusted proxies (src/server/proxy.c).
 * The input is the peer's address up to a newline, then an X-Forwarded-For value. The
 * client found is an address, and the peer itself when the peer is not trusted. */
#include <arpa/inet.h>

#include "fuzz.h"
#include "server/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_addr(const char *s)
{
    unsigned char a[16];

    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct proxy_set set;
    char *in = fuzz_exact(data, size), peer[PROXY_ADDR_MAX], out[PROXY_ADDR_MAX];
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : size;
    const char *xff = nl ? nl + 1 : NULL;
    size_t xlen = nl ? size - plen - 1 : 0;
    struct fw_err err;

    if (!set.n &&
        (proxy_add(&set, "127.0.0.1", &err) < 0 || proxy_add(&set, "10.0.0.0/8", &err) < 0 ||
         proxy_add(&set, "2001:db8:f::/48", &err) < 0))
        abort();
    if (plen >= sizeof(peer) || memchr(in, '\0', plen)) {
        free(in);
        return 0;
    }
    memcpy(peer, in, plen);
    peer[plen] = '\0';
    proxy_client(&set, peer, xff, xlen, out);
    FUZZ_CHECK(strnlen(out, sizeof(out)) < sizeof(out), "not terminated");
    if (!proxy_trusted(&set, peer))
        FUZZ_CHECK(strcmp(out, peer) == 0, "untrusted peer %s, client %s", peer, out);
    else
        FUZZ_CHECK(is_addr(out), "client %s is not an address", out);
    free(in);
    return 0;
}
