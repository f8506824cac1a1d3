/* fuzz_version.c: libFuzzer target for version_parse, version_compare (antisymmetry and
 * transitivity over three versions cut from the input) and version_from_filename. */
#include "core/version.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

/* a <= b <= c gives a <= c, strictly when either step is strict. */
static void check_transitive(const struct version *v, char *const *s, int a, int b, int c)
{
    int ab = sign(version_compare(&v[a], &v[b]));
    int bc = sign(version_compare(&v[b], &v[c]));
    int ac = sign(version_compare(&v[a], &v[c]));

    if (ab > 0 || bc > 0)
        return;
    FUZZ_CHECK(ac == (ab < 0 || bc < 0 ? -1 : 0), "%s <= %s <= %s but %s <> %s is %d", s[a], s[b],
               s[c], s[a], s[c], ac);
}

static void check_order(const struct version *v, const bool *ok, char *const *s)
{
    for (int a = 0; a < 3; a++) {
        if (!ok[a])
            continue;
        FUZZ_CHECK(version_compare(&v[a], &v[a]) == 0, "%s != itself", s[a]);
        for (int b = 0; b < 3; b++) {
            if (!ok[b])
                continue;
            int ab = sign(version_compare(&v[a], &v[b]));

            FUZZ_CHECK(ab == -sign(version_compare(&v[b], &v[a])), "%s <> %s", s[a], s[b]);
            FUZZ_CHECK(ab == sign(version_cmp_str(s[a], s[b])), "%s <> %s as strings", s[a], s[b]);
            for (int c = 0; c < 3; c++)
                if (ok[c])
                    check_transitive(v, s, a, b, c);
        }
    }
}

static void check_filename(const char *name)
{
    char out[VERSION_MAX_LEN + 1], small[4];
    struct fw_err err = {""};
    struct version v;

    if (version_from_filename(name, out, sizeof(out), &err) == 0) {
        FUZZ_CHECK(version_parse(out, &v, &err) == 0, "%s gave %s, refused: %s", name, out,
                   err.msg);
        FUZZ_CHECK(out[0] >= '0' && out[0] <= '9', "%s gave %s, not canonical", name, out);
    } else {
        FUZZ_CHECK(err.msg[0], "%s refused without a message", name);
    }
    /* a buffer too small must be refused, never overrun */
    if (version_from_filename(name, small, sizeof(small), &err) == 0)
        FUZZ_CHECK(strlen(small) < sizeof(small), "%s", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_string(data, size), *s[3];
    struct version v[3];
    bool ok[3];
    struct fw_err err;

    /* up to three versions, separated by newlines */
    s[0] = buf;
    for (int k = 1; k < 3; k++) {
        char *nl = strchr(s[k - 1], '\n');

        s[k] = nl ? (*nl = '\0', nl + 1) : s[k - 1];
    }
    for (int k = 0; k < 3; k++) {
        ok[k] = version_parse(s[k], &v[k], &err) == 0;
        if (ok[k])
            FUZZ_CHECK(strlen(s[k]) <= VERSION_MAX_LEN, "%zu characters accepted", strlen(s[k]));
    }
    check_order(v, ok, s);
    check_filename(s[0]);
    free(buf);
    return 0;
}
