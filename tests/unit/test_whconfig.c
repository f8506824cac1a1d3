/* test_whconfig.c: the webhook configuration of `fwhub serve --webhooks` (src/server/whconfig.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/whconfig.h"

static char dir[] = "/tmp/test_whconfig.XXXXXX";
static char cfg[4200];
static struct whconfig c;
static struct fw_err err;

static void put(const char *name, const char *text)
{
    char path[4200];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Loads text as hooks.json; returns whconfig_load's result. */
static int load(const char *text)
{
    put("hooks.json", text);
    return whconfig_load(cfg, &c, &err);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(cfg, sizeof(cfg), "%s/hooks.json", dir);
    put("secret", "0123456789abcdef0123\n");
    put("short", "tooshort\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[4200];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void a_valid_file_gives_every_hook(void **state)
{
    (void)state;
    assert_int_equal(load("[{\"url\": \"https://a.example/x\", \"events\": [\"target.created\", "
                          "\"fix.confirmed\"], \"secret_file\": \"secret\"},\n"
                          " {\"url\": \"http://127.0.0.1:9/y\", \"events\": [\"*\"], "
                          "\"secret_file\": \"secret\"}]"),
                     0);
    assert_int_equal(c.n_hooks, 2);
    assert_string_equal(c.hooks[0].url, "https://a.example/x");
    assert_int_equal(c.hooks[0].events, (1u << WHC_CREATED) | (1u << WHC_CONFIRMED));
    assert_int_equal(c.hooks[1].events, (1u << WHC_COUNT) - 1);
    assert_int_equal(c.wanted, (1u << WHC_COUNT) - 1);
    /* the secret without its newline, read relative to the config's folder */
    assert_int_equal(c.hooks[0].secret_len, 20);
    assert_memory_equal(c.hooks[0].secret, "0123456789abcdef0123", 20);
    assert_ptr_equal(whconfig_find(&c, "http://127.0.0.1:9/y"), &c.hooks[1]);
    assert_null(whconfig_find(&c, "http://127.0.0.1:9/z"));
    whconfig_free(&c);
}

/* Expects load(text) to fail with a message holding want. */
static void refused(const char *text, const char *want)
{
    assert_int_equal(load(text), -1);
    if (!strstr(err.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_int_equal(c.n_hooks, 0);
    assert_null(c.hooks);
}

static void errors_name_the_place_and_what_was_expected(void **state)
{
    (void)state;
    refused("{}", "hooks.json:1:1: (top): expected a non-empty list of hooks");
    refused("[]", "expected a non-empty list of hooks");
    refused("[{\"url\": \"ftp://x/\", \"events\": [\"*\"], \"secret_file\": \"secret\"}]",
            "hooks.json:1:3: [0].url: expected a URL starting with http:// or https://");
    refused("[{\"url\": \"http:///x\", \"events\": [\"*\"], \"secret_file\": \"secret\"}]",
            "[0].url: expected a host after http://");
    refused("[{\"url\": \"http://a b/\", \"events\": [\"*\"], \"secret_file\": \"secret\"}]",
            "[0].url: a URL may not hold spaces");
    refused("[{\"events\": [\"*\"], \"secret_file\": \"secret\"}]", "[0]: expected url");
    refused("[{\"url\": \"http://a/\", \"events\": [], \"secret_file\": \"secret\"}]",
            "[0].events: expected a non-empty list of event names");
    refused("[{\"url\": \"http://a/\",\n \"events\": [\"target.created\", \"target.made\"], "
            "\"secret_file\": \"secret\"}]",
            "hooks.json:2:31: [0].events[1]: \"target.made\" is not an event");
    refused("[{\"url\": \"http://a/\", \"events\": [\"*\"], \"secret_file\": \"nope\"}]",
            "[0].secret_file: cannot read");
    refused("[{\"url\": \"http://a/\", \"events\": [\"*\"], \"secret_file\": \"short\"}]",
            "the secret has 8 bytes; at least 16 are needed");
    refused("[{\"url\": \"http://a/\", \"events\": [\"*\"], \"secret_file\": \"secret\", "
            "\"retries\": 3}]",
            "[0].retries: unknown key");
    refused("[{\"url\": \"http://a/\", \"events\": [\"*\"], \"secret_file\": \"secret\"},"
            " {\"url\": \"http://a/\", \"events\": [\"*\"], \"secret_file\": \"secret\"}]",
            "[1].url: a second hook with this URL");
    refused("[{\"url\": \"http://a/\", \"url\": \"http://b/\"}]", "hooks.json:1:");
    refused("[1]", "[0]: expected an object");
}

static void a_missing_file_is_named(void **state)
{
    (void)state;
    assert_int_equal(whconfig_load("/nonexistent/hooks.json", &c, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/hooks.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_valid_file_gives_every_hook),
        cmocka_unit_test(errors_name_the_place_and_what_was_expected),
        cmocka_unit_test(a_missing_file_is_named),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
