/* fuzz_httpcond.c: libFuzzer target for the Range, If-None-Match and If-Range parsers. The
 * first two bytes give the representation's size (0..65535), the rest is the header value. */
#include "fuzz.h"
#include "server/httpcond.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ETAG "\"5f3e-1a2b3c\""
#define DATE "Wed, 25 Sep 2024 12:00:00 GMT"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct httpcond_range r[HTTPCOND_RANGES_MAX];
    enum httpcond_ranges_verdict verdict;
    uint64_t len;
    size_t n = 99;
    char *v;

    if (size < 2)
        return 0;
    len = (uint64_t)data[0] << 8 | data[1];
    v = fuzz_exact(data + 2, size - 2);
    verdict = httpcond_ranges(v, size - 2, len, r, &n);
    FUZZ_CHECK(n <= HTTPCOND_RANGES_MAX, "%zu ranges", n);
    FUZZ_CHECK((verdict == HTTPCOND_PARTIAL) == (n > 0), "verdict %d with %zu ranges", verdict, n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(r[i].first <= r[i].last && r[i].last < len, "range %zu: %llu-%llu of %llu", i,
                   (unsigned long long)r[i].first, (unsigned long long)r[i].last,
                   (unsigned long long)len);
    if (verdict == HTTPCOND_UNSATISFIABLE || verdict == HTTPCOND_PARTIAL)
        FUZZ_CHECK(size - 2 >= 7, "a verdict from %zu bytes", size - 2);
    if (httpcond_none_match_hits(v, size - 2, ETAG))
        FUZZ_CHECK(memmem(v, size - 2, ETAG, strlen(ETAG)) || memchr(v, '*', size - 2),
                   "If-None-Match hits without the tag or '*'");
    if (httpcond_if_range_holds(v, size - 2, ETAG, DATE))
        FUZZ_CHECK(memmem(v, size - 2, ETAG, strlen(ETAG)) ||
                       memmem(v, size - 2, DATE, strlen(DATE)),
                   "If-Range holds without the tag or the date");
    free(v);
    return 0;
}
