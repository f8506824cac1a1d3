/* version.h: firmware versions, ordered as Semantic Versioning 2.0 orders them. */
#ifndef FWHUB_VERSION_H
#define FWHUB_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VERSION_MAX_LEN 128

/* A parsed version. pre and build point into the caller's string (not copied) and are
 * NULL when absent; pre_len/build_len give their lengths. */
struct version {
    uint64_t major, minor, patch;
    const char *pre;
    size_t pre_len;
    const char *build;
    size_t build_len;
};

/* Parses "MAJOR.MINOR.PATCH[-PRE][+BUILD]". Lenient where existing catalogs are:
 * a leading "v" or "V", leading zeros ("10.02") and missing MINOR or PATCH ("10.2" is
 * 10.2.0) are accepted. Refused: empty, longer than VERSION_MAX_LEN, non-digits in numeric
 * parts, numbers that do not fit 64 bits, empty identifiers, characters outside
 * [0-9A-Za-z-.]. The struct keeps pointers into s, so s must outlive it. Returns 0 or -1
 * with a message. */
int version_parse(const char *s, struct version *v, struct fw_err *err) FW_NODISCARD;

/* Precedence as SemVer 2.0 section 11: numbers numerically, a pre-release below its
 * release, identifiers compared numerically or in ASCII, build metadata ignored.
 * Returns <0, 0, >0. */
int version_compare(const struct version *a, const struct version *b);

/* Parses both strings and compares them; an unparseable string orders below any valid
 * one, and two unparseable strings compare with strcmp. */
int version_cmp_str(const char *a, const char *b);

/* Reads the version out of an image file name as existing sites name them:
 * "EVSE_10_2_0.bin" -> "10.2.0", "EVSE_10.2.7_fancy.bin" -> "10.2.7-fancy",
 * "EVSE_10_2_1_custom.bin" -> "10.2.1-custom". Directories in name are ignored, and so is
 * a last extension that starts with a letter (".bin", ".img"). Among several runs of
 * digits the one with most numbers wins ("EVSE_V2_10_2_0.bin" -> "10.2.0"). The result is
 * canonical ("fw-3.1.bin" -> "3.1.0") and what version_parse accepts. Writes it into out
 * (NUL-terminated). Returns 0, or -1 when the name holds no version or out is too small. */
int version_from_filename(const char *name, char *out, size_t outlen,
                          struct fw_err *err) FW_NODISCARD;

#endif
