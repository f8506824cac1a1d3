/* jsonread.c: typed JSON field readers shared by the targeted files and manifest.json. */
#include "jsonread.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isotime.h"
#include "jsonpos.h"
#include "../crypto/sha256.h"

static void vfinding(struct jreader *r, enum severity sev, const char *path, const char *fmt,
                     va_list ap)
{
    char msg[FW_ERRLEN];
    int line = 0, col = 0;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (r->text)
        jsonpos_find(r->text, r->len, path, &line, &col);
    problems_add(r->pr, sev, r->file, line, col, path, "%s", msg);
    if (sev == SEV_ERROR)
        r->errors = true;
}

void jr_error(struct jreader *r, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfinding(r, SEV_ERROR, path, fmt, ap);
    va_end(ap);
}

void jr_warn(struct jreader *r, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfinding(r, SEV_WARNING, path, fmt, ap);
    va_end(ap);
}

void jr_join(char *out, const char *parent, const char *key)
{
    size_t a = strnlen(parent, JPATH_LEN - 1), b = strlen(key), n = a;

    /* not snprintf: this runs several times for every file of a large catalog */
    memmove(out, parent, a);
    if (a && n < JPATH_LEN - 1)
        out[n++] = '.';
    if (b > JPATH_LEN - 1 - n)
        b = JPATH_LEN - 1 - n;
    memmove(out + n, key, b);
    out[n + b] = '\0';
}

const struct jv *jr_member(struct jreader *r, const struct jv *obj, const char *parent,
                           const char *key, enum jv_type want, bool required)
{
    const struct jv *v = jv_get(obj, key);
    char path[JPATH_LEN];

    if (v && (v->type == want || (want == JV_TRUE && v->type == JV_FALSE)))
        return v;

    /* the path is built only for a finding: this runs for every field of every file */
    jr_join(path, parent, key);
    if (!v) {
        if (required)
            jr_error(r, path, "required field is missing; expected %s", jv_type_name(want));
        return NULL;
    }
    jr_error(r, path, "expected %s, found %s", jv_type_name(want), jv_type_name(v->type));
    return NULL;
}

const char *jr_copy(struct jreader *r, const char *s)
{
    char *p = arena_strdup(r->arena, s);

    if (s && !p)
        r->oom = true;
    return p;
}

const char *jr_str(struct jreader *r, const struct jv *obj, const char *parent, const char *key,
                   bool required)
{
    const struct jv *v = jr_member(r, obj, parent, key, JV_STRING, required);
    char path[JPATH_LEN];

    if (!v)
        return NULL;
    if (required && v->u.str.len == 0) {
        jr_join(path, parent, key);
        jr_error(r, path, "must not be empty");
    }
    return jr_copy(r, v->u.str.s);
}

bool jr_bool(struct jreader *r, const struct jv *obj, const char *parent, const char *key)
{
    const struct jv *v = jr_member(r, obj, parent, key, JV_TRUE, false);

    return v && (v->type == JV_TRUE);
}

const char **jr_str_array(struct jreader *r, const struct jv *obj, const char *parent,
                          const char *key, size_t *n)
{
    const struct jv *arr = jr_member(r, obj, parent, key, JV_ARRAY, false);
    char path[JPATH_LEN], item[JPATH_LEN + 24];
    const char **v;
    const struct jv *e;
    size_t i;

    *n = 0;
    if (!arr || arr->u.arr.n == 0)
        return NULL;
    v = arena_alloc(r->arena, arr->u.arr.n * sizeof(*v));
    if (!v) {
        r->oom = true;
        return NULL;
    }
    jr_join(path, parent, key);
    for (i = 0; i < arr->u.arr.n && (e = arr->u.arr.items[i]); i++) {
        if (!jv_is(e, JV_STRING)) {
            snprintf(item, sizeof(item), "%s[%zu]", path, i);
            jr_error(r, item, "expected a string, found %s", jv_type_name(e->type));
            continue;
        }
        v[(*n)++] = jr_copy(r, e->u.str.s);
    }
    return v;
}

/* "a, b, c" from a NULL-terminated list, for the message about an unknown key. */
static void list_keys(const char *const *known, char *out, size_t len)
{
    size_t used = 0;

    out[0] = '\0';
    for (const char *const *k = known; *k && used < len; k++) {
        int w = snprintf(out + used, len - used, "%s%s", k == known ? "" : ", ", *k);

        used += w > 0 ? (size_t)w : 0;
    }
}

void jr_unknown_keys(struct jreader *r, const struct jv *obj, const char *parent,
                     const char *const *known)
{
    char path[JPATH_LEN], expected[512];

    for (size_t i = 0; i < obj->u.obj.n; i++) {
        const char *key = obj->u.obj.members[i].key;
        bool found = false;

        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, key) == 0;
        if (found)
            continue;
        jr_join(path, parent, key);
        list_keys(known, expected, sizeof(expected));
        jr_warn(r, path, "unknown key; expected one of: %s", expected);
    }
}

int64_t jr_date(struct jreader *r, const char *s, const char *parent, const char *key)
{
    char path[JPATH_LEN];
    struct fw_err err;
    int64_t t;

    if (!s || !s[0])
        return 0;
    if (isotime_parse(s, &t, &err) < 0) {
        jr_join(path, parent, key);
        jr_error(r, path, "%s", err.msg);
        return 0;
    }
    return t;
}

bool jr_sha256(struct jreader *r, const char *s, const char *path, bool prefixed, char hex[65])
{
    const char *digits = s;

    hex[0] = '\0';
    if (prefixed && strncmp(s, "sha256:", 7) == 0)
        digits = s + 7;
    else if (prefixed)
        digits = NULL;
    if (!digits || !sha256_is_hex(digits)) {
        jr_error(r, path, "expected %s64 hex digits, found \"%.80s\"",
                 prefixed ? "\"sha256:\" and " : "", s);
        return false;
    }
    for (int i = 0; i < 64; i++) {
        char ch = digits[i];

        hex[i] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
    }
    hex[64] = '\0';
    return true;
}
