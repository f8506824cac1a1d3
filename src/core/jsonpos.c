/* jsonpos.c: a small scanner over well-formed JSON that finds the line and column of a
 * field. jansson reports positions only for syntax errors; validation findings need them
 * too, and they are rare, so the text is scanned again only when a finding is made. */
#include "jsonpos.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const char *s;
    size_t len;
    size_t i;
    int line;
    int col;
};

static void advance(struct scan *sc)
{
    if (sc->i >= sc->len)
        return;
    if (sc->s[sc->i] == '\n') {
        sc->line++;
        sc->col = 1;
    } else {
        sc->col++;
    }
    sc->i++;
}

static void skip_ws(struct scan *sc)
{
    while (sc->i < sc->len && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
        advance(sc);
}

static char peek(const struct scan *sc)
{
    return sc->i < sc->len ? sc->s[sc->i] : '\0';
}

/* Skips a string starting at its opening quote; returns the raw contents' span. */
static void skip_string(struct scan *sc, size_t *start, size_t *end)
{
    advance(sc);
    *start = sc->i;
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        if (sc->s[sc->i] == '\\')
            advance(sc);
        advance(sc);
    }
    *end = sc->i;
    advance(sc);
}

static void skip_value(struct scan *sc)
{
    size_t a, b;
    int depth = 0;

    skip_ws(sc);
    do {
        char ch = peek(sc);

        if (ch == '\0')
            return;
        if (ch == '"') {
            skip_string(sc, &a, &b);
        } else {
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']')
                depth--;
            else if (depth == 0 && (ch == ',' || ch == ':'))
                return;
            advance(sc);
        }
        if (depth == 0) {
            skip_ws(sc);
            ch = peek(sc);
            if (ch == ',' || ch == '}' || ch == ']' || ch == '\0')
                return;
        }
    } while (depth > 0 || sc->i < sc->len);
}

/* Reads the next path part: a key (".name" or leading "name") or an index ("[3]"). */
static bool next_part(const char **path, char *key, size_t keylen, long *index)
{
    const char *p = *path;
    size_t n = 0;

    if (*p == '\0')
        return false;
    if (*p == '[') {
        char *end;

        *index = strtol(p + 1, &end, 10);
        p = end;
        if (*p == ']')
            p++;
        key[0] = '\0';
    } else {
        if (*p == '.')
            p++;
        while (*p && *p != '.' && *p != '[') {
            if (n + 1 < keylen)
                key[n++] = *p;
            p++;
        }
        key[n] = '\0';
        *index = -1;
    }
    *path = p;
    return true;
}

static bool enter_member(struct scan *sc, const char *key)
{
    size_t a, b;

    if (peek(sc) != '{')
        return false;
    advance(sc);
    for (;;) {
        skip_ws(sc);
        if (peek(sc) != '"')
            return false;

        struct scan at = *sc;

        skip_string(sc, &a, &b);
        if (b - a == strlen(key) && memcmp(sc->s + a, key, b - a) == 0) {
            *sc = at;
            return true;
        }
        skip_ws(sc);
        advance(sc); /* ':' */
        skip_value(sc);
        if (peek(sc) != ',')
            return false;
        advance(sc);
    }
}

static bool enter_element(struct scan *sc, long index)
{
    if (peek(sc) != '[' || index < 0)
        return false;
    advance(sc);
    for (long k = 0;; k++) {
        skip_ws(sc);
        if (peek(sc) == ']' || peek(sc) == '\0')
            return false;
        if (k == index)
            return true;
        skip_value(sc);
        if (peek(sc) != ',')
            return false;
        advance(sc);
    }
}

void jsonpos_find(const char *text, size_t len, const char *path, int *line, int *col)
{
    struct scan sc = {text, len, 0, 1, 1};
    char key[256];
    long index;

    skip_ws(&sc);
    *line = sc.line;
    *col = sc.col;
    while (next_part(&path, key, sizeof(key), &index)) {
        if (index >= 0 ? !enter_element(&sc, index) : !enter_member(&sc, key))
            return;
        *line = sc.line;
        *col = sc.col;
        if (index < 0) {
            size_t a, b;

            skip_string(&sc, &a, &b);
            skip_ws(&sc);
            advance(&sc); /* ':' */
            skip_ws(&sc);
        }
    }
}
