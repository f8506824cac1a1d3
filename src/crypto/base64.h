/* base64.h: standard base64 (RFC 4648 section 4, with padding) of signatures in JSON. */
#ifndef FWHUB_BASE64_H
#define FWHUB_BASE64_H

#include <stddef.h>

/* Bytes base64_encode writes for n bytes of input, the NUL included. */
#define BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4 + 1)

/* Writes the base64 form of len bytes of data into out, which must hold
 * BASE64_ENCODED_LEN(len) bytes, and NUL-terminates it. */
void base64_encode(const void *data, size_t len, char *out);

/* Decodes the slen characters of s (no whitespace, padding required) into out (outmax
 * bytes). Returns the number of bytes written, or -1 when s is not canonical base64 (a
 * stray character, wrong padding, bits left over) or does not fit into out. */
long base64_decode(const char *s, size_t slen, unsigned char *out, size_t outmax);

#endif
