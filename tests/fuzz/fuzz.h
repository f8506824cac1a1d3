/* fuzz.h: what the libFuzzer targets share: NUL-terminated copies and checks on findings. */
#ifndef FWHUB_FUZZ_H
#define FWHUB_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/problems.h"

/* Stops the run with a message; libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);                                     \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A malloc'd, NUL-terminated copy of the input (which libFuzzer does not terminate). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A malloc'd copy of exactly size bytes, so that AddressSanitizer catches a read past the
 * end by a parser that takes (text, len). */
static inline char *fuzz_exact(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);

    if (!s)
        abort();
    memcpy(s, data, size);
    return s;
}

/* True when s[0..n) is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static inline bool fuzz_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp;
        size_t k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xC2 || c > 0xF4)
            return false;
        k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n - i < k)
            return false;
        cp = c & (0x7F >> k);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

/* Every finding names file (or one of the files under prefix when file is NULL), has a
 * sane position, and a message that is non-empty UTF-8: `fwhub validate --json` hands
 * messages to jansson, which refuses anything else. */
static inline void fuzz_check_problems(const struct problems *pr, const char *file,
                                       const char *prefix)
{
    FUZZ_CHECK(pr->n + pr->dropped == pr->errors + pr->warnings, "%zu kept, %zu dropped, %zu+%zu",
               pr->n, pr->dropped, pr->errors, pr->warnings);
    for (size_t i = 0; i < pr->n; i++) {
        const struct problem *p = &pr->v[i];

        FUZZ_CHECK(p->file && p->file[0], "finding %zu has no file: %s", i, p->msg);
        if (file)
            FUZZ_CHECK(strcmp(p->file, file) == 0, "finding in %s, expected %s", p->file, file);
        if (prefix)
            FUZZ_CHECK(strncmp(p->file, prefix, strlen(prefix)) == 0, "finding in %s", p->file);
        FUZZ_CHECK(p->line >= 0 && p->col >= 0, "%s:%d:%d", p->file, p->line, p->col);
        FUZZ_CHECK(p->line > 0 || p->col == 0, "%s:%d:%d", p->file, p->line, p->col);
        FUZZ_CHECK(p->msg && p->msg[0], "%s:%d:%d: empty message", p->file, p->line, p->col);
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)p->msg, strlen(p->msg)),
                   "%s:%d:%d: message is not UTF-8", p->file, p->line, p->col);
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)p->path, strlen(p->path)),
                   "%s:%d:%d: path is not UTF-8", p->file, p->line, p->col);
    }
}

#endif
