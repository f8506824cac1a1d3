/* fuzz_isotime.c: libFuzzer target for isotime_parse; a parsed time formats and parses back. */
#include "core/isotime.h"
#include "fuzz.h"

#define YEAR_0_START  (-62167219200LL)
#define YEAR_9999_END 253402300799LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size), buf[ISOTIME_STR_LEN];
    struct fw_err err = {""};
    int64_t t = 0, back = 0;

    if (isotime_parse(s, &t, &err) != 0) {
        FUZZ_CHECK(err.msg[0], "refused without a message");
        free(s);
        return 0;
    }
    isotime_format(t, buf);
    FUZZ_CHECK(strlen(buf) == ISOTIME_STR_LEN - 1, "%s formats as %s", s, buf);
    FUZZ_CHECK(isotime_parse(buf, &back, &err) == 0, "%s formats as %s, refused: %s", s, buf,
               err.msg);
    /* an offset can move a time just outside 0000-9999; format clamps those */
    if (t >= YEAR_0_START && t <= YEAR_9999_END)
        FUZZ_CHECK(back == t, "%s is %lld, formats as %s, reads back as %lld", s, (long long)t, buf,
                   (long long)back);
    else
        FUZZ_CHECK(back == YEAR_0_START || back == YEAR_9999_END, "%s: %lld", s, (long long)t);
    free(s);
    return 0;
}
