/* fuzz_multipart.c: libFuzzer target for the admin upload parser (src/server/multipart.c):
 * parts lie inside the body, every part has a name, a refusal has a message. */
#include "fuzz.h"
#include "server/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct multipart_part parts[16];
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    char *body = fuzz_exact(data, size);
    const char *nl = memchr(body, '\n', size);
    struct fw_err err = {""};
    size_t n = 0, head = nl ? (size_t)(nl - body) + 1 : 0;

    /* the first line is the Content-Type, the rest the body */
    if (nl && multipart_boundary(body, (size_t)(nl - body), boundary, &err) == 0) {
        FUZZ_CHECK(boundary[0] && strlen(boundary) <= MULTIPART_BOUNDARY_MAX, "%s", boundary);
        if (multipart_parse(body + head, size - head, boundary, parts, 16, &n, &err) == 0) {
            FUZZ_CHECK(n <= 16, "%zu parts", n);
            for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(parts[i].name[0], "part %zu without a name", i);
                FUZZ_CHECK(parts[i].data >= body + head &&
                               parts[i].data + parts[i].len <= body + size,
                           "part %zu outside the body", i);
            }
        } else {
            FUZZ_CHECK(err.msg[0], "refused without a message");
        }
    } else if (nl) {
        FUZZ_CHECK(err.msg[0], "boundary refused without a message");
    }
    free(body);
    return 0;
}
