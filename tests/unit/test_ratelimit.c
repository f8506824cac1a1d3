/* test_ratelimit.c: per-client token buckets (src/server/ratelimit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/ratelimit.h"

#define SLOTS 64

static struct ratelimit_slot slots[SLOTS];
static struct ratelimit rl;

static void ten_a_minute(void)
{
    ratelimit_init(&rl, slots, SLOTS, 10, 10);
}

static void burst_passes_then_the_next_waits(void **state)
{
    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "192.0.2.1", 1000, NULL), 0);
    /* one request refills in 6 s */
    assert_int_equal(ratelimit_take(&rl, "192.0.2.1", 1000, NULL), 6);
    assert_int_equal(ratelimit_take(&rl, "192.0.2.1", 1000, NULL), 6);
}

static void refill_lets_one_more_through(void **state)
{
    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "a", 0, NULL), 0);
    assert_int_equal(ratelimit_take(&rl, "a", 3000, NULL), 3);
    assert_int_equal(ratelimit_take(&rl, "a", 5999, NULL), 1);
    assert_int_equal(ratelimit_take(&rl, "a", 6000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "a", 6000, NULL), 0);
    /* a minute later the whole burst is back, no more */
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "a", 3600000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "a", 3600000, NULL), 0);
}

static void wait_asks_without_taking(void **state)
{
    (void)state;
    ten_a_minute();
    /* an unknown client may go on, and asking takes nothing and keeps no slot */
    for (int i = 0; i < 100; i++)
        assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 0), 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal(ratelimit_take(&rl, "198.51.100.7", 0, NULL), 0);
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 0), 0);
    assert_int_equal(ratelimit_take(&rl, "198.51.100.7", 0, NULL), 0);
    /* the bucket is empty: wait says so, as take would, until it refilled */
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 0), 6);
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 5000), 1);
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 6000), 0);
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.8", 0), 0);
    ratelimit_init(&rl, slots, SLOTS, 10, 0);
    assert_int_equal(ratelimit_wait(&rl, "198.51.100.7", 0), 0);
}

static void first_refusal_is_told_once_per_episode(void **state)
{
    bool first = false;

    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ratelimit_take(&rl, "e", 0, &first), 0);
        assert_false(first);
    }
    assert_int_not_equal(ratelimit_take(&rl, "e", 0, &first), 0);
    assert_true(first);
    assert_int_not_equal(ratelimit_take(&rl, "e", 10, &first), 0);
    assert_false(first);
    assert_int_not_equal(ratelimit_take(&rl, "e", 20, &first), 0);
    assert_false(first);
    assert_int_equal(ratelimit_take(&rl, "e", 6020, &first), 0);
    assert_int_not_equal(ratelimit_take(&rl, "e", 6020, &first), 0);
    assert_true(first);
}

static void clients_are_counted_apart(void **state)
{
    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "198.51.100.7", 0, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "198.51.100.7", 0, NULL), 0);
    assert_int_equal(ratelimit_take(&rl, "198.51.100.8", 0, NULL), 0);
    assert_int_equal(ratelimit_take(&rl, "2001:db8::/64", 0, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "198.51.100.7", 0, NULL), 0);
}

static void clock_going_back_adds_nothing(void **state)
{
    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "c", 100000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "c", 50000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "c", 100000, NULL), 0);
}

static void zero_rate_is_no_limit(void **state)
{
    (void)state;
    ratelimit_init(&rl, slots, SLOTS, 10, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ratelimit_take(&rl, "d", 0, NULL), 0);
}

/* Many more clients than slots: memory stays the table, and a limited client that is
 * still in the table stays limited. */
static void table_is_bounded_and_keeps_busy_clients(void **state)
{
    char key[32];

    (void)state;
    ten_a_minute();
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "10.0.0.1", 0, NULL), 0);
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "172.16.%d.%d", i / 256, i % 256);
        (void)ratelimit_take(&rl, key, 0, NULL);
    }
    size_t used = 0;
    for (size_t i = 0; i < SLOTS; i++)
        used += slots[i].key[0] != 0;
    assert_int_equal(used, SLOTS);
    /* every client took one request: all buckets are below full, so taking a slot over
     * evicts the oldest and is counted */
    assert_true(ratelimit_evictions(&rl) > 0);
}

/* A client whose bucket refilled is replaced without loss before anyone is evicted. */
static void full_buckets_go_first(void **state)
{
    char key[32];

    (void)state;
    ratelimit_init(&rl, slots, RATELIMIT_PROBE, 10, 10);
    for (int i = 0; i < RATELIMIT_PROBE; i++) {
        snprintf(key, sizeof(key), "old%d", i);
        assert_int_equal(ratelimit_take(&rl, key, 0, NULL), 0);
    }
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, "busy", 600000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "busy", 600000, NULL), 0);
    assert_int_equal(ratelimit_evictions(&rl), 0);
    /* a new client while busy's bucket is empty: the refilled old ones give way */
    assert_int_equal(ratelimit_take(&rl, "new", 600000, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, "busy", 600000, NULL), 0);
    assert_int_equal(ratelimit_evictions(&rl), 0);
}

static void long_keys_are_cut_not_overrun(void **state)
{
    char key[200];

    (void)state;
    ten_a_minute();
    memset(key, 'x', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    for (int i = 0; i < 10; i++)
        assert_int_equal(ratelimit_take(&rl, key, 0, NULL), 0);
    assert_int_not_equal(ratelimit_take(&rl, key, 0, NULL), 0);
    assert_int_equal(ratelimit_take(&rl, "", 0, NULL), 0);
}

static void client_keys_group_an_ipv6_network(void **state)
{
    char k1[RATELIMIT_KEY_MAX], k2[RATELIMIT_KEY_MAX];

    (void)state;
    ratelimit_client_key("192.0.2.7", k1);
    assert_string_equal(k1, "192.0.2.7");
    ratelimit_client_key("2001:db8:1:2:aaaa::1", k1);
    ratelimit_client_key("2001:db8:1:2:bbbb:cccc:dddd:eeee", k2);
    assert_string_equal(k1, "2001:db8:1:2::/64");
    assert_string_equal(k2, k1);
    ratelimit_client_key("2001:db8:1:3::1", k2);
    assert_string_not_equal(k2, k1);
    ratelimit_client_key("::ffff:192.0.2.7", k1);
    assert_string_equal(k1, "::ffff:192.0.2.7");
    ratelimit_client_key("-", k1);
    assert_string_equal(k1, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_passes_then_the_next_waits),
        cmocka_unit_test(refill_lets_one_more_through),
        cmocka_unit_test(wait_asks_without_taking),
        cmocka_unit_test(first_refusal_is_told_once_per_episode),
        cmocka_unit_test(clients_are_counted_apart),
        cmocka_unit_test(clock_going_back_adds_nothing),
        cmocka_unit_test(zero_rate_is_no_limit),
        cmocka_unit_test(table_is_bounded_and_keeps_busy_clients),
        cmocka_unit_test(full_buckets_go_first),
        cmocka_unit_test(long_keys_are_cut_not_overrun),
        cmocka_unit_test(client_keys_group_an_ipv6_network),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
