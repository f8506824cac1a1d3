/* fuzz_jv.c: libFuzzer target for jv_parse, checked against jansson: both accept or both
 * refuse (apart from the documented differences) and, when both accept, read the same value. */
#include <jansson.h>

#include "core/jv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *to_jansson(const struct jv *v)
{
    json_t *o;

    switch (v->type) {
    case JV_NULL:
        return json_null();
    case JV_TRUE:
        return json_true();
    case JV_FALSE:
        return json_false();
    case JV_INT:
        return json_integer(v->u.i);
    case JV_REAL:
        return json_real(v->u.d);
    case JV_STRING:
        FUZZ_CHECK(strlen(v->u.str.s) == v->u.str.len, "string with a NUL byte");
        FUZZ_CHECK(fuzz_utf8((const unsigned char *)v->u.str.s, v->u.str.len), "not UTF-8");
        return json_stringn(v->u.str.s, v->u.str.len);
    case JV_ARRAY:
        o = json_array();
        for (size_t k = 0; k < v->u.arr.n; k++)
            json_array_append_new(o, to_jansson(v->u.arr.items[k]));
        return o;
    case JV_OBJECT:
        o = json_object();
        for (size_t k = 0; k < v->u.obj.n; k++) {
            FUZZ_CHECK(jv_get(v, v->u.obj.members[k].key) == v->u.obj.members[k].val, "key %s",
                       v->u.obj.members[k].key);
            json_object_set_new(o, v->u.obj.members[k].key, to_jansson(v->u.obj.members[k].val));
        }
        return o;
    }
    abort();
}

/* The error points into the text: a line that exists and a column at most one past its end. */
static void check_position(const char *s, size_t size, const struct jv_error *e)
{
    size_t line = 1, start = 0;

    FUZZ_CHECK(e->msg[0], "refused without a message");
    FUZZ_CHECK(fuzz_utf8((const unsigned char *)e->msg, strlen(e->msg)), "message not UTF-8");
    for (size_t i = 0; i < size && line < (size_t)e->line; i++)
        if (s[i] == '\n') {
            line++;
            start = i + 1;
        }
    FUZZ_CHECK(e->line >= 1 && (size_t)e->line == line, "line %d of %zu", e->line, line);
    FUZZ_CHECK(e->col >= 1 && start + (size_t)e->col - 1 <= size, "column %d", e->col);
}

/* Differences by design: jv refuses every NUL byte (jansson stops reading at one after a
 * value), nesting past 64 levels (jansson: 2048) and numbers of 64 characters or more. */
static bool deliberate(const char *s, size_t size, const struct jv_error *e)
{
    return memchr(s, '\0', size) || strstr(e->msg, "nested deeper than") ||
           strstr(e->msg, "longer than 64 characters");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_exact(data, size);
    struct arena a = {0};
    struct jv_error e;
    struct jv *v = NULL;
    json_error_t je;
    json_t *j, *mine;
    int rc = jv_parse(s, size, &a, &v, &e);

    if (rc != 0)
        check_position(s, size, &e);
    FUZZ_CHECK(rc != 0 || !memchr(s, '\0', size), "a NUL byte accepted");
    if (rc != 0 && deliberate(s, size, &e))
        goto out;
    j = json_loadb(s, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    FUZZ_CHECK((rc == 0) == (j != NULL), "jv %s (%d:%d %s), jansson %s (%d:%d %s)",
               rc == 0 ? "accepts" : "refuses", e.line, e.col, rc == 0 ? "" : e.msg,
               j ? "accepts" : "refuses", je.line, je.column, j ? "" : je.text);
    if (j) {
        mine = to_jansson(v);
        FUZZ_CHECK(json_equal(mine, j), "jv and jansson read different values");
        json_decref(mine);
        json_decref(j);
    }
out:
    arena_free(&a);
    free(s);
    return 0;
}
