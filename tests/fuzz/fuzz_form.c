/* fuzz_form.c: libFuzzer target for form_parse; what it accepts is bounded UTF-8 text. */
#include "core/form.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A value form_parse let through: within its buffer, no control characters but the
 * line breaks and tabs of a multiline field, no CR left from a CR LF. */
static void check_value(const struct form_field *f)
{
    size_t n = strnlen(f->out, f->cap);

    FUZZ_CHECK(n < f->cap, "%s: not terminated within its buffer", f->name);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f->out[i];

        FUZZ_CHECK(c >= 0x20 || (f->multiline && (c == '\n' || c == '\t' || c == '\r')),
                   "%s: control character %02x", f->name, c);
        FUZZ_CHECK(c != 0x7f, "%s: DEL", f->name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char a[16], b[64], c[8];
    struct form_field f[] = {{"mac", a, sizeof(a), false, false},
                             {"serial", b, sizeof(b), false, false},
                             {"comment", c, sizeof(c), true, false}};
    const char *bad = NULL;

    a[0] = b[0] = c[0] = '\0';
    if (form_parse((const char *)data, size, f, 3, &bad) == 0) {
        FUZZ_CHECK(bad == NULL, "accepted, yet named %s", bad);
        for (size_t i = 0; i < 3; i++)
            check_value(&f[i]);
    } else {
        FUZZ_CHECK(bad != NULL, "refused without naming a field");
    }
    return 0;
}
