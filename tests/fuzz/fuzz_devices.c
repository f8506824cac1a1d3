/* fuzz_devices.c: libFuzzer target for devices_parse: the kept rows are sorted, unique and
 * well-formed, and every finding names devices.csv. */
#include "core/devices.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static void check_list(const struct device_list *l)
{
    FUZZ_CHECK((l->n == 0) == (l->v == NULL), "%zu rows, v %p", l->n, (void *)l->v);
    for (size_t i = 0; i < l->n; i++) {
        const struct device *d = &l->v[i];

        FUZZ_CHECK(d->mac && d->mac >> 48 == 0 && d->mac != 0xFFFFFFFFFFFFULL, "mac %llx",
                   (unsigned long long)d->mac);
        FUZZ_CHECK(i == 0 || l->v[i - 1].mac < d->mac, "row %zu out of order", i);
        FUZZ_CHECK(d->serial && d->serial[0], "row %zu without serial", i);
        FUZZ_CHECK(d->model && d->customer, "row %zu: NULL model or customer", i);
        FUZZ_CHECK(!has_control(d->serial) && !has_control(d->model), "row %zu: control", i);
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)d->serial, strlen(d->serial)) &&
                       fuzz_utf8((const unsigned char *)d->model, strlen(d->model)) &&
                       fuzz_utf8((const unsigned char *)d->customer, strlen(d->customer)),
                   "row %zu: not UTF-8", i);
        FUZZ_CHECK(devices_find(l, d->mac) == d, "row %zu not found", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    struct arena a = {0};
    struct problems pr = {0};
    struct device_list l = {NULL, 0};

    FUZZ_CHECK(devices_parse("devices.csv", s, size, &a, &l, &pr) == 0, "out of memory");
    fuzz_check_problems(&pr, "devices.csv", NULL);
    check_list(&l);
    problems_free(&pr);
    arena_free(&a);
    free(s);
    return 0;
}
