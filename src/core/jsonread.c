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
    snprintf(out, JPATH_LEN, "%s%s%s", parent, parent[0] ? "." : "", key);
}

const char *jr_type_name(json_type t)
{
    switch (t) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "true or false";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

json_t *jr_member(struct jreader *r, json_t *obj, const char *parent, const char *key,
                  json_type want, bool required)
{
    char path[JPATH_LEN];
    json_t *v = json_object_get(obj, key);
    json_type got;

    jr_join(path, parent, key);
    if (!v) {
        if (required)
            jr_error(r, path, "required field is missing; expected %s", jr_type_name(want));
        return NULL;
    }
    got = json_typeof(v);
    if (want == JSON_TRUE && (got == JSON_TRUE || got == JSON_FALSE))
        return v;
    if (got != want) {
        jr_error(r, path, "expected %s, found %s", jr_type_name(want), jr_type_name(got));
        return NULL;
    }
    return v;
}

const char *jr_copy(struct jreader *r, const char *s)
{
    char *p = arena_strdup(r->arena, s);

    if (s && !p)
        r->oom = true;
    return p;
}

const char *jr_str(struct jreader *r, json_t *obj, const char *parent, const char *key,
                   bool required)
{
    json_t *v = jr_member(r, obj, parent, key, JSON_STRING, required);
    char path[JPATH_LEN];

    if (!v)
        return NULL;
    if (required && json_string_length(v) == 0) {
        jr_join(path, parent, key);
        jr_error(r, path, "must not be empty");
    }
    return jr_copy(r, json_string_value(v));
}

bool jr_bool(struct jreader *r, json_t *obj, const char *parent, const char *key)
{
    json_t *v = jr_member(r, obj, parent, key, JSON_TRUE, false);

    return v && json_is_true(v);
}

const char **jr_str_array(struct jreader *r, json_t *obj, const char *parent, const char *key,
                          size_t *n)
{
    json_t *arr = jr_member(r, obj, parent, key, JSON_ARRAY, false);
    char path[JPATH_LEN], item[JPATH_LEN + 24];
    const char **v;
    json_t *e;
    size_t i;

    *n = 0;
    if (!arr || json_array_size(arr) == 0)
        return NULL;
    v = arena_alloc(r->arena, json_array_size(arr) * sizeof(*v));
    if (!v) {
        r->oom = true;
        return NULL;
    }
    jr_join(path, parent, key);
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e)) {
            snprintf(item, sizeof(item), "%s[%zu]", path, i);
            jr_error(r, item, "expected a string, found %s", jr_type_name(json_typeof(e)));
            continue;
        }
        v[(*n)++] = jr_copy(r, json_string_value(e));
    }
    return v;
}

void jr_unknown_keys(struct jreader *r, json_t *obj, const char *parent,
                     const char *const *known)
{
    char path[JPATH_LEN], expected[512];
    const char *key;
    json_t *v;
    size_t used = 0;

    expected[0] = '\0';
    for (const char *const *k = known; *k && used < sizeof(expected); k++) {
        int w = snprintf(expected + used, sizeof(expected) - used, "%s%s", k == known ? "" : ", ",
                         *k);

        used += w > 0 ? (size_t)w : 0;
    }

    json_object_foreach(obj, key, v) {
        bool found = false;

        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, key) == 0;
        if (!found) {
            jr_join(path, parent, key);
            jr_warn(r, path, "unknown key; expected one of: %s", expected);
        }
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
