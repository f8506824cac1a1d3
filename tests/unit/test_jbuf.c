/* test_jbuf.c: the answer buffer's appends (src/server/jbuf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/jbuf.h"

static void printf_appends_the_whole_text(void **state)
{
    struct jbuf b;
    char big[3000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    jbuf_init(&b, 1 << 20);
    jbuf_cstr(&b, "a=");
    jbuf_printf(&b, "%d %s|", 42, "ok");
    jbuf_printf(&b, "%s", big); /* longer than any stack buffer a caller would use */
    assert_false(b.overflow);
    assert_int_equal(b.len, strlen("a=42 ok|") + sizeof(big) - 1);
    assert_memory_equal(b.p, "a=42 ok|xxx", 11);
    assert_int_equal(b.p[b.len - 1], 'x');
    jbuf_printf(&b, "%s", "");
    assert_int_equal(b.len, strlen("a=42 ok|") + sizeof(big) - 1);
    jbuf_free(&b);
}

static void printf_past_max_overflows_and_keeps_what_was_there(void **state)
{
    struct jbuf b;

    (void)state;
    jbuf_init(&b, 16);
    jbuf_printf(&b, "%s", "0123456789");
    jbuf_printf(&b, "%s", "0123456789");
    assert_true(b.overflow);
    assert_int_equal(b.len, 10);
    jbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printf_appends_the_whole_text),
        cmocka_unit_test(printf_past_max_overflows_and_keeps_what_was_there),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
