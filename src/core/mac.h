/* mac.h: device MAC addresses in every spelling the field uses, as one 48-bit key. */
#ifndef FWHUB_MAC_H
#define FWHUB_MAC_H

#include <stdint.h>
#include <stddef.h>

#include "error.h"

/* Buffer sizes for the two printed forms, NUL included. */
#define MAC_STR_LEN 18

/* Parses s into a 48-bit key (first octet in the high bits). Accepted spellings, in
 * either letter case: "AB:CD:EF:12:34:56", "ab-cd-ef-12-34-56", "AB_CD_EF_12_34_56",
 * "abcdef123456", "ABCD.EF12.3456". Refused: other lengths, mixed separators, stray
 * characters, 00:00:00:00:00:00 and FF:FF:FF:FF:FF:FF (not device addresses). The
 * multicast bit is accepted. Returns 0, or -1 with a message naming what is wrong. */
int mac_parse(const char *s, uint64_t *out, struct fw_err *err) FW_NODISCARD;

/* Writes "AB:CD:EF:12:34:56" (upper case) into buf[MAC_STR_LEN]. */
void mac_format(uint64_t mac, char buf[MAC_STR_LEN]);

/* Writes the file-name form "AB_CD_EF_12_34_56" into buf[MAC_STR_LEN]. */
void mac_format_file(uint64_t mac, char buf[MAC_STR_LEN]);

#endif
