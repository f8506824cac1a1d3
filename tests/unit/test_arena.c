/* test_arena.c: unit tests of src/core/arena.c: alignment, zeroing, reset and adoption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"

static void test_arena_alloc_aligns_every_allocation_for_any_type(void **state)
{
    struct arena a = {0};

    (void)state;
    for (size_t size = 1; size < 200; size++) {
        void *p = arena_alloc(&a, size);
        void *q = arena_alloc_raw(&a, size);

        assert_non_null(p);
        assert_non_null(q);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        assert_int_equal((uintptr_t)q % _Alignof(max_align_t), 0);
    }
    arena_free(&a);
}

static void test_arena_alloc_returns_zeroed_memory_also_after_reset(void **state)
{
    struct arena a = {0};
    unsigned char *p;

    (void)state;
    p = arena_alloc_raw(&a, 4096);
    memset(p, 0xAB, 4096);
    arena_reset(&a);
    p = arena_alloc(&a, 4096);
    for (size_t k = 0; k < 4096; k++)
        assert_int_equal(p[k], 0);
    arena_free(&a);
}

static void test_arena_alloc_keeps_earlier_allocations_apart(void **state)
{
    struct arena a = {0};
    char *p[1000];

    (void)state;
    /* enough to need several blocks, with one larger than a block on the way */
    for (int k = 0; k < 1000; k++) {
        size_t n = k == 500 ? 200000 : 100;

        p[k] = arena_alloc_raw(&a, n);
        assert_non_null(p[k]);
        memset(p[k], k & 0xFF, n);
    }
    for (int k = 0; k < 1000; k++)
        assert_int_equal((unsigned char)p[k][99], k & 0xFF);
    assert_true(a.used_bytes >= 999 * 100 + 200000);
    assert_true(a.reserved_bytes >= a.used_bytes);
    arena_free(&a);
}

static void test_arena_alloc_refuses_absurd_sizes(void **state)
{
    struct arena a = {0};

    (void)state;
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc_raw(&a, SIZE_MAX / 2 + 1));
    assert_null(a.head);
}

static void test_arena_alloc_of_zero_bytes_gives_a_pointer(void **state)
{
    struct arena a = {0};

    (void)state;
    assert_non_null(arena_alloc(&a, 0));
    arena_free(&a);
}

static void test_arena_strndup_copies_and_terminates(void **state)
{
    struct arena a = {0};
    char *s;

    (void)state;
    s = arena_strndup(&a, "firmware.bin", 8);
    assert_string_equal(s, "firmware");
    assert_string_equal(arena_strdup(&a, "EVSE"), "EVSE");
    assert_string_equal(arena_strdup(&a, ""), "");
    assert_null(arena_strdup(&a, NULL));
    assert_null(arena_strndup(&a, NULL, 3));
    arena_free(&a);
}

static void test_arena_reset_keeps_one_block_and_forgets_the_rest(void **state)
{
    struct arena a = {0};

    (void)state;
    arena_reset(&a); /* an empty arena stays empty */
    assert_null(a.head);
    for (int k = 0; k < 10; k++)
        assert_non_null(arena_alloc(&a, 60000));
    assert_true(a.reserved_bytes > 10 * 60000);
    arena_reset(&a);
    assert_non_null(a.head);
    assert_int_equal(a.used_bytes, 0);
    assert_true(a.reserved_bytes < 2 * 64 * 1024 + 1024);
    assert_non_null(arena_alloc(&a, 100));
    assert_int_equal(a.used_bytes, 112); /* rounded up to the alignment */
    arena_free(&a);
}

static void test_arena_free_leaves_a_usable_arena(void **state)
{
    struct arena a = {0};

    (void)state;
    assert_non_null(arena_alloc(&a, 10));
    arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.used_bytes, 0);
    assert_int_equal(a.reserved_bytes, 0);
    assert_non_null(arena_alloc(&a, 10));
    arena_free(&a);
}

static void test_arena_adopt_moves_every_block_and_the_counts(void **state)
{
    struct arena dst = {0}, src = {0};
    char *kept, *moved[3];
    size_t used, reserved;

    (void)state;
    kept = arena_strdup(&dst, "kept");
    for (int k = 0; k < 3; k++)
        moved[k] = arena_alloc(&src, 50000); /* three blocks in src */
    memcpy(moved[2], "moved", 6);
    used = dst.used_bytes + src.used_bytes;
    reserved = dst.reserved_bytes + src.reserved_bytes;

    arena_adopt(&dst, &src);
    assert_null(src.head);
    assert_int_equal(src.used_bytes, 0);
    assert_int_equal(src.reserved_bytes, 0);
    assert_int_equal(dst.used_bytes, used);
    assert_int_equal(dst.reserved_bytes, reserved);
    assert_string_equal(kept, "kept");
    assert_string_equal(moved[2], "moved");

    /* src can be used again and adopted again; an empty src changes nothing */
    assert_non_null(arena_alloc(&src, 10));
    arena_adopt(&dst, &src);
    arena_adopt(&dst, &src);
    assert_int_equal(dst.used_bytes, used + 16);
    arena_free(&dst); /* AddressSanitizer reports any block lost on the way */
}

static void test_arena_adopt_into_an_empty_arena(void **state)
{
    struct arena dst = {0}, src = {0};

    (void)state;
    assert_non_null(arena_strdup(&src, "x"));
    arena_adopt(&dst, &src);
    assert_non_null(dst.head);
    assert_null(src.head);
    arena_free(&dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc_aligns_every_allocation_for_any_type),
        cmocka_unit_test(test_arena_alloc_returns_zeroed_memory_also_after_reset),
        cmocka_unit_test(test_arena_alloc_keeps_earlier_allocations_apart),
        cmocka_unit_test(test_arena_alloc_refuses_absurd_sizes),
        cmocka_unit_test(test_arena_alloc_of_zero_bytes_gives_a_pointer),
        cmocka_unit_test(test_arena_strndup_copies_and_terminates),
        cmocka_unit_test(test_arena_reset_keeps_one_block_and_forgets_the_rest),
        cmocka_unit_test(test_arena_free_leaves_a_usable_arena),
        cmocka_unit_test(test_arena_adopt_moves_every_block_and_the_counts),
        cmocka_unit_test(test_arena_adopt_into_an_empty_arena),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
