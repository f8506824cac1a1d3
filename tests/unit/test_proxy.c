/* test_proxy.c: trusted proxies and X-Forwarded-For (src/server/proxy.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/proxy.h"

static struct proxy_set set;

static void trust(const char *spec)
{
    struct fw_err err = {""};

    assert_int_equal(proxy_add(&set, spec, &err), 0);
}

static const char *client(const char *peer, const char *xff)
{
    static char out[PROXY_ADDR_MAX];

    proxy_client(&set, peer, xff, xff ? strlen(xff) : 0, out);
    return out;
}

static void setup_nginx(void)
{
    memset(&set, 0, sizeof(set));
    trust("127.0.0.1");
    trust("10.0.0.0/8");
    trust("2001:db8:f::/48");
}

static void networks_are_matched_by_prefix(void **state)
{
    (void)state;
    setup_nginx();
    assert_true(proxy_trusted(&set, "127.0.0.1"));
    assert_false(proxy_trusted(&set, "127.0.0.2"));
    assert_true(proxy_trusted(&set, "10.255.1.2"));
    assert_false(proxy_trusted(&set, "11.0.0.1"));
    assert_true(proxy_trusted(&set, "::ffff:10.1.2.3")); /* IPv4 through an IPv6 socket */
    assert_true(proxy_trusted(&set, "2001:db8:f:1::5"));
    assert_false(proxy_trusted(&set, "2001:db8:e::5"));
    assert_false(proxy_trusted(&set, "not-an-address"));
    assert_false(proxy_trusted(&set, ""));
}

static void bad_specs_are_refused_naming_them(void **state)
{
    struct fw_err err = {""};

    (void)state;
    memset(&set, 0, sizeof(set));
    assert_int_equal(proxy_add(&set, "nginx.local", &err), -1);
    assert_non_null(strstr(err.msg, "nginx.local: expected a numeric IPv4 or IPv6 address"));
    assert_int_equal(proxy_add(&set, "10.0.0.0/33", &err), -1);
    assert_non_null(strstr(err.msg, "10.0.0.0/33: expected /0 to /32"));
    assert_int_equal(proxy_add(&set, "::1/x", &err), -1);
    assert_int_equal(proxy_add(&set, "10.0.0.0/", &err), -1);
    assert_int_equal(proxy_add(&set, "10.0.0.0/-1", &err), -1);
    assert_int_equal(set.n, 0);
    for (int i = 0; i < PROXY_MAX; i++)
        trust("192.0.2.1");
    assert_int_equal(proxy_add(&set, "192.0.2.2", &err), -1);
    assert_non_null(strstr(err.msg, "at most 16"));
}

static void an_untrusted_peer_is_the_client(void **state)
{
    (void)state;
    setup_nginx();
    assert_string_equal(client("203.0.113.9", "198.51.100.1"), "203.0.113.9");
    assert_string_equal(client("127.0.0.1", NULL), "127.0.0.1");
}

static void the_first_untrusted_entry_from_the_right_is_the_client(void **state)
{
    (void)state;
    setup_nginx();
    assert_string_equal(client("127.0.0.1", "198.51.100.7"), "198.51.100.7");
    /* a client that writes its own X-Forwarded-For cannot choose its address */
    assert_string_equal(client("127.0.0.1", "1.2.3.4, 198.51.100.7"), "198.51.100.7");
    /* two proxies in a row */
    assert_string_equal(client("127.0.0.1", "198.51.100.7, 10.1.1.1"), "198.51.100.7");
    assert_string_equal(client("127.0.0.1", " 198.51.100.7 ,\t10.1.1.1 "), "198.51.100.7");
    assert_string_equal(client("127.0.0.1", "2001:db8:1::7"), "2001:db8:1::7");
    assert_string_equal(client("127.0.0.1", "2001:DB8:1:0::7"), "2001:db8:1::7");
    /* every entry a proxy: the leftmost */
    assert_string_equal(client("127.0.0.1", "10.0.0.5, 10.0.0.6"), "10.0.0.5");
    assert_string_equal(client("127.0.0.1", "198.51.100.7,,10.1.1.1"), "198.51.100.7");
}

static void a_bad_entry_stops_at_the_last_proxy(void **state)
{
    (void)state;
    setup_nginx();
    assert_string_equal(client("127.0.0.1", "unknown"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "198.51.100.7, evil"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "evil, 10.1.1.1"), "10.1.1.1");
    assert_string_equal(client("127.0.0.1", "[2001:db8::1]:443"), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", ""), "127.0.0.1");
    assert_string_equal(client("127.0.0.1", ","), "127.0.0.1");
    /* an entry longer than any address */
    assert_string_equal(
        client("127.0.0.1",
               "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff:0000"),
        "127.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(networks_are_matched_by_prefix),
        cmocka_unit_test(bad_specs_are_refused_naming_them),
        cmocka_unit_test(an_untrusted_peer_is_the_client),
        cmocka_unit_test(the_first_untrusted_entry_from_the_right_is_the_client),
        cmocka_unit_test(a_bad_entry_stops_at_the_last_proxy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
