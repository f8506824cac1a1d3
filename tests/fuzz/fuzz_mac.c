/* fuzz_mac.c: libFuzzer target for mac_parse; what parses must print and parse back to itself. */
#include "core/mac.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(uint64_t mac)
{
    char colon[MAC_STR_LEN], file[MAC_STR_LEN];
    struct fw_err err;
    uint64_t back = 0;

    mac_format(mac, colon);
    mac_format_file(mac, file);
    FUZZ_CHECK(strlen(colon) == 17 && strlen(file) == 17, "%s / %s", colon, file);
    FUZZ_CHECK(mac_parse(colon, &back, &err) == 0, "%s refused: %s", colon, err.msg);
    FUZZ_CHECK(back == mac, "%s gave %012llx", colon, (unsigned long long)back);
    FUZZ_CHECK(mac_parse(file, &back, &err) == 0, "%s refused: %s", file, err.msg);
    FUZZ_CHECK(back == mac, "%s gave %012llx", file, (unsigned long long)back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    struct fw_err err = {""};
    uint64_t mac = 0;

    if (mac_parse(s, &mac, &err) == 0) {
        FUZZ_CHECK(mac >> 48 == 0, "%s gave %llx", s, (unsigned long long)mac);
        FUZZ_CHECK(mac != 0 && mac != 0xFFFFFFFFFFFFULL, "%s is not a device address", s);
        round_trip(mac);
    } else {
        FUZZ_CHECK(err.msg[0], "refused without a message");
    }
    free(s);
    return 0;
}
