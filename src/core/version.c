/* version.c: parsing firmware versions and ordering them as Semantic Versioning 2.0 does. */
#include "version.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FORM      "expected MAJOR.MINOR.PATCH[-PRE][+BUILD] like 10.2.1 or 10.2.1-custom"
#define NAME_FORM "expected a name like EVSE_10_2_0.bin"

/* Longest file name (with directories) version_from_filename looks at; PATH_MAX on Linux. */
#define PATH_SCAN_MAX 4096

/* How much of a refused input an error message repeats. */

/* What the parsing helpers share: the input, its quoted form for messages, the error. */
struct ctx {
    const char *s;
    char q[FW_QUOTE_LEN];
    struct fw_err *err;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(char c)
{
    return is_alnum(c) || c == '-';
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Shows c in a message; a control byte as '?' so that it cannot end the log line. */
static char shown(char c)
{
    return (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?';
}

/* Reads one of MAJOR, MINOR, PATCH at *p and moves *p past it. Leading zeros, which SemVer
 * forbids, are accepted: hand-written catalogs contain "10.02", and the value is unchanged. */
static int parse_number(struct ctx *c, const char **p, uint64_t *n, const char *what)
{
    const char *d = *p;
    uint64_t v = 0;

    if (!is_digit(*d))
        return fw_fail(c->err, "\"%s\" is not a version: %s at position %td must be digits; " FORM,
                       c->q, what, d - c->s + 1);
    for (; is_digit(*d); d++) {
        unsigned digit = (unsigned)(*d - '0');

        if (v > (UINT64_MAX - digit) / 10)
            return fw_fail(c->err, "\"%s\" is not a version: %s does not fit in 64 bits", c->q,
                           what);
        v = v * 10 + digit;
    }
    *n = v;
    *p = d;
    return 0;
}

/* Reads dot-separated identifiers at *p up to stop (or the end) and moves *p there. what
 * names the part ("pre-release", "build metadata") for messages. */
static int parse_idents(struct ctx *c, const char **p, char stop, const char *what)
{
    const char *i = *p;

    for (;;) {
        const char *start = i;

        while (is_ident_char(*i))
            i++;
        if (i == start && (*i == '\0' || *i == '.' || *i == stop))
            return fw_fail(c->err,
                           "\"%s\" is not a version: empty %s identifier at position %td; " FORM,
                           c->q, what, i - c->s + 1);
        if (i == start || *i != '.')
            break;
        i++;
    }
    if (*i != '\0' && *i != stop)
        return fw_fail(c->err,
                       "\"%s\" is not a version: character '%c' at position %td is not allowed in "
                       "%s (only 0-9, A-Z, a-z, '-' and '.')",
                       c->q, shown(*i), i - c->s + 1, what);
    *p = i;
    return 0;
}

/* MAJOR[.MINOR[.PATCH]]: catalogs written by hand say "10.2", meaning 10.2.0. */
static int parse_core(struct ctx *c, const char **p, struct version *v)
{
    static const char *const names[] = {"MAJOR", "MINOR", "PATCH"};
    uint64_t *fields[] = {&v->major, &v->minor, &v->patch};

    for (int i = 0; i < 3; i++) {
        if (i > 0 && **p != '.')
            break;
        if (i > 0)
            (*p)++;
        if (parse_number(c, p, fields[i], names[i]) < 0)
            return -1;
    }
    return 0;
}

int version_parse(const char *s, struct version *v, struct fw_err *err)
{
    struct ctx c = {.s = s, .err = err};
    struct version r = {0};
    const char *p = s;

    if (!s || !*s)
        return fw_fail(err, "empty version: " FORM);
    fw_quote(s, c.q);
    if (strnlen(s, VERSION_MAX_LEN + 1) > VERSION_MAX_LEN)
        return fw_fail(err, "\"%s\" is not a version: longer than %d characters", c.q,
                       VERSION_MAX_LEN);

    if (*p == 'v' || *p == 'V')
        p++;
    if (parse_core(&c, &p, &r) < 0)
        return -1;
    if (*p == '-') {
        r.pre = ++p;
        if (parse_idents(&c, &p, '+', "pre-release") < 0)
            return -1;
        r.pre_len = (size_t)(p - r.pre);
    }
    if (*p == '+') {
        r.build = ++p;
        if (parse_idents(&c, &p, '\0', "build metadata") < 0)
            return -1;
        r.build_len = (size_t)(p - r.build);
    }
    if (*p != '\0')
        return fw_fail(err, "\"%s\" is not a version: unexpected '%c' at position %td; " FORM, c.q,
                       shown(*p), p - s + 1);

    *v = r;
    return 0;
}

static int sign(long long x)
{
    return (x > 0) - (x < 0);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* Numeric identifiers have no size limit in SemVer, so they are compared as digit strings:
 * without leading zeros, the longer is the larger, and equal lengths compare like text.
 * Leading zeros are tolerated as in parse_number, so "rc.01" ranks with "rc.1". */
static int cmp_numeric(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 1 && *a == '0') {
        a++;
        an--;
    }
    while (bn > 1 && *b == '0') {
        b++;
        bn--;
    }
    if (an != bn)
        return an < bn ? -1 : 1;
    return sign(memcmp(a, b, an));
}

/* One identifier against another: numbers numerically, numbers below words, words in ASCII
 * order with a prefix below the longer word. */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
    bool a_num = all_digits(a, an);
    bool b_num = all_digits(b, bn);
    int r;

    if (a_num && b_num)
        return cmp_numeric(a, an, b, bn);
    if (a_num != b_num)
        return a_num ? -1 : 1;
    r = memcmp(a, b, an < bn ? an : bn);
    if (r)
        return sign(r);
    return cmp_u64(an, bn);
}

static size_t ident_end(const char *s, size_t len, size_t from)
{
    while (from < len && s[from] != '.')
        from++;
    return from;
}

/* Pre-release fields, identifier by identifier; when one runs out first it is the lower. */
static int cmp_pre(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;

    while (i < an && j < bn) {
        size_t ie = ident_end(a, an, i);
        size_t je = ident_end(b, bn, j);
        int r = cmp_ident(a + i, ie - i, b + j, je - j);

        if (r)
            return r;
        i = ie + 1;
        j = je + 1;
    }
    return (i < an) - (j < bn);
}

int version_compare(const struct version *a, const struct version *b)
{
    int r = cmp_u64(a->major, b->major);

    if (!r)
        r = cmp_u64(a->minor, b->minor);
    if (!r)
        r = cmp_u64(a->patch, b->patch);
    if (r)
        return r;

    /* A release outranks its own pre-releases: 10.2.1-custom < 10.2.1. */
    if (!a->pre || !b->pre)
        return (a->pre == NULL) - (b->pre == NULL);
    return cmp_pre(a->pre, a->pre_len, b->pre, b->pre_len);
}

int version_cmp_str(const char *a, const char *b)
{
    struct version va, vb;
    bool a_ok = version_parse(a, &va, NULL) == 0;
    bool b_ok = version_parse(b, &vb, NULL) == 0;

    if (a_ok && b_ok)
        return version_compare(&va, &vb);
    if (a_ok != b_ok)
        return a_ok ? 1 : -1;
    return sign(strcmp(a ? a : "", b ? b : ""));
}

/* The end of the name without its extension. Only a last part that looks like one (a
 * letter, then letters or digits: ".bin", ".img", ".gz") counts, so that "10.2.0" keeps its
 * ".0" and "EVSE_10.2.7_fancy" keeps ".7_fancy". */
static const char *stem_end(const char *base)
{
    const char *dot = strrchr(base, '.');
    const char *e;

    if (!dot || dot == base || !is_alnum(dot[1]) || is_digit(dot[1]))
        return base + strlen(base);
    for (e = dot + 1; *e; e++)
        if (!is_alnum(*e))
            return base + strlen(base);
    return dot;
}

static bool is_number_sep(char c)
{
    return c == '.' || c == '_';
}

/* How many numbers (at most three) follow each other at p, joined by '.' or '_'. */
static int count_numbers(const char *p, const char *end)
{
    int n = 0;

    while (n < 3 && p < end && is_digit(*p)) {
        n++;
        while (p < end && is_digit(*p))
            p++;
        if (p + 1 < end && is_number_sep(*p) && is_digit(p[1]))
            p++;
        else
            break;
    }
    return n;
}

/* Where the version starts in s..end, or NULL. Names carry other digits too
 * ("EVSEPARKER_V2_GEN2_10_2_0"), so each run of digits is scored: more numbers in a row
 * win, and between equals a run that starts a word beats one glued to letters ("GEN2");
 * the first of the best wins. */
static const char *find_version(const char *s, const char *end)
{
    const char *best = NULL;
    int best_score = 0;

    for (const char *p = s; p < end; p++) {
        int score;

        if (!is_digit(*p) || (p > s && is_digit(p[-1])))
            continue;
        score = 2 * count_numbers(p, end) + (p == s || !is_alnum(p[-1]));
        if (score > best_score) {
            best = p;
            best_score = score;
        }
    }
    return best;
}

static bool is_suffix_char(char c)
{
    return is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '+';
}

/* A suffix starts with a separator directly followed by a letter or digit: "_custom". */
static bool has_suffix(const char *p, const char *end)
{
    return p + 1 < end && (is_number_sep(*p) || *p == '-' || *p == '+') && is_alnum(p[1]);
}

static bool put(char *buf, size_t cap, size_t *n, char c)
{
    if (*n + 1 >= cap)
        return false;
    buf[(*n)++] = c;
    buf[*n] = '\0';
    return true;
}

/* Copies the version starting at p into raw as version_parse reads it: the numbers joined
 * by '.', then what follows them ("_custom" -> "-custom", "+b7" -> "+b7") with '_' read as
 * the identifier separator '.'. The suffix ends at the first character no version holds,
 * so "EVSE_10_2_0 (copy)" still yields 10.2.0. Returns -1 when raw is too small. */
static int copy_version(const char *p, const char *end, char *raw, size_t cap)
{
    int numbers = count_numbers(p, end);
    size_t n = 0;
    bool ok = true;

    raw[0] = '\0';
    for (int i = 0; i < numbers && ok; i++) {
        if (i > 0) {
            p++; /* the '.' or '_' between two numbers */
            ok = put(raw, cap, &n, '.');
        }
        while (ok && p < end && is_digit(*p))
            ok = put(raw, cap, &n, *p++);
    }
    if (ok && has_suffix(p, end)) {
        ok = put(raw, cap, &n, *p == '+' ? '+' : '-');
        for (p++; ok && p < end && is_suffix_char(*p); p++)
            ok = put(raw, cap, &n, *p == '_' ? '.' : *p);
    }
    while (n > 0 && raw[n - 1] == '.')
        raw[--n] = '\0';
    return ok ? 0 : -1;
}

/* Writes v in its canonical form, so that "EVSE_10_02_0" and "10.2" both read 10.2.0. */
static int write_version(const struct version *v, char *out, size_t outlen, const char *q,
                         struct fw_err *err)
{
    int n;

    if (!out || outlen == 0)
        return fw_fail(err, "no room for the version of \"%s\"", q);
    n = snprintf(out, outlen, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%.*s%s%.*s", v->major, v->minor,
                 v->patch, v->pre ? "-" : "", (int)v->pre_len, v->pre ? v->pre : "",
                 v->build ? "+" : "", (int)v->build_len, v->build ? v->build : "");
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return fw_fail(err, "the version of \"%s\" does not fit in %zu bytes", q, outlen);
    }
    return 0;
}

int version_from_filename(const char *name, char *out, size_t outlen, struct fw_err *err)
{
    char raw[VERSION_MAX_LEN + 1];
    char q[FW_QUOTE_LEN];
    struct version v;
    const char *base;
    const char *end;
    const char *start;

    if (!name || !*name)
        return fw_fail(err, "empty file name: " NAME_FORM);
    if (strnlen(name, PATH_SCAN_MAX + 1) > PATH_SCAN_MAX)
        return fw_fail(err, "\"%s\" is longer than %d characters", fw_quote(name, q),
                       PATH_SCAN_MAX);

    /* Directories name models ("EVSEPARKER_V2_GEN2/"), not versions. */
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    fw_quote(base, q);
    end = stem_end(base);
    start = find_version(base, end);
    if (!start)
        return fw_fail(err, "\"%s\" holds no version: " NAME_FORM, q);

    if (copy_version(start, end, raw, sizeof(raw)) < 0)
        return fw_fail(err, "the version in \"%s\" is longer than %d characters", q,
                       VERSION_MAX_LEN);
    if (version_parse(raw, &v, err) < 0)
        return fw_context(err, "cannot read a version from file name \"%s\"", q);
    return write_version(&v, out, outlen, q, err);
}
