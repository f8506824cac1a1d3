/* base64.c: base64 encoding and strict decoding, so that one signature has one spelling. */
#include "base64.h"

#include <stdbool.h>
#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *data, size_t len, char *out)
{
    const unsigned char *p = data;
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t left = len - i;

        if (left > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (left > 2)
            v |= p[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

static int value_of(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes one group of four characters into up to three bytes; returns how many, or -1.
 * last says whether padding may appear here. */
static int decode_group(const char *s, bool last, unsigned char out[3])
{
    int pad = s[3] == '=' ? (s[2] == '=' ? 2 : 1) : 0;
    uint32_t v = 0;

    if (pad && !last)
        return -1;
    for (int k = 0; k < 4 - pad; k++) {
        int x = value_of(s[k]);

        if (x < 0)
            return -1;
        v = v << 6 | (uint32_t)x;
    }
    v <<= 6 * pad;
    /* bits below the last byte must be zero, or two spellings would decode alike */
    if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
        return -1;
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return 3 - pad;
}

long base64_decode(const char *s, size_t slen, unsigned char *out, size_t outmax)
{
    size_t o = 0;

    if (slen % 4 != 0)
        return -1;
    for (size_t i = 0; i < slen; i += 4) {
        unsigned char b[3];
        int n = decode_group(s + i, i + 4 == slen, b);

        if (n < 0 || o + (size_t)n > outmax)
            return -1;
        for (int k = 0; k < n; k++)
            out[o++] = b[k];
    }
    return (long)o;
}
