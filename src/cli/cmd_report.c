/* cmd_report.c: `fwhub report`: targets, releases, follow-ups and patterns of the fleet. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "core/isotime.h"
#include "store/report.h"
#include "store/store.h"

static const char usage[] =
    "Usage: fwhub report [--json] [--db URL] [--repo DIR]\n"
    "\n"
    "What the fleet did with its updates, from the event store and the repository:\n"
    "  targets     state, update answers, downloads started/completed, the device's last\n"
    "              status, whether the fix is confirmed (Installed, then running it), and\n"
    "              the customers' feedback from the portal (solved / not solved)\n"
    "  releases    devices offered, downloads, installs, failures, success rate\n"
    "  follow-ups  confirmed fixes to integrate, fixes a customer says did not help,\n"
    "              targets expiring or expired, failures\n"
    "  patterns    several targets on one model within 30 days, the same fix for\n"
    "              several devices: likely a broader issue\n"
    "\n"
    "  --json       the report as JSON\n"
    "  --db URL     the event store (default: $FWHUB_DB, else REPO/.fwhub/fwhub.db)\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n";

enum { OPT_JSON = OPT_FIRST_OWN, OPT_DB };

static const struct option options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"db", required_argument, NULL, OPT_DB},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Text of member key of o: a string, a number, "-" for null. */
static const char *cell(json_t *o, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(o, key);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.0f%%", json_real_value(v) * 100.0);
    else if (json_is_true(v))
        return "yes";
    else if (json_is_false(v))
        return "no";
    else
        return "-";
    return buf;
}

static int target_row(struct cli_table *tab, json_t *t)
{
    char b[6][32], dl[64], fb[64];
    json_t *st = json_object_get(t, "last_status"), *f = json_object_get(t, "feedback");
    const char *row[9];

    snprintf(dl, sizeof(dl), "%s/%s", cell(t, "downloads_started", b[0], sizeof(b[0])),
             cell(t, "downloads_completed", b[1], sizeof(b[1])));
    row[0] = cell(t, "mac", b[2], sizeof(b[2]));
    row[1] = cell(t, "model", b[3], sizeof(b[3]));
    row[2] = cell(t, "version", b[4], sizeof(b[4]));
    row[3] = cell(t, "state", b[5], sizeof(b[5]));
    row[4] = cell(t, "answers", b[0], sizeof(b[0]));
    row[5] = dl;
    row[6] = json_is_object(st) ? json_string_value(json_object_get(st, "status")) : "-";
    row[7] = json_is_true(json_object_get(t, "fix_confirmed")) ? "yes" : "no";
    snprintf(fb, sizeof(fb), "%lld/%lld",
             (long long)json_integer_value(json_object_get(f, "solved")),
             (long long)json_integer_value(json_object_get(f, "not_solved")));
    row[8] = fb;
    return cli_table_add(tab, row);
}

static int release_row(struct cli_table *tab, json_t *r)
{
    static const char *const keys[] = {"model",    "version",  "offered",     "downloads_started",
                                       "installs", "failures", "success_rate"};
    char b[7][32];
    const char *row[7];

    for (size_t i = 0; i < 7; i++)
        row[i] = cell(r, keys[i], b[i], sizeof(b[i]));
    return cli_table_add(tab, row);
}

static int print_section(const char *title, json_t *arr, const char *const *head, size_t ncols,
                         int (*row)(struct cli_table *, json_t *))
{
    struct cli_table tab = {ncols, 0, 0, NULL};
    size_t i;
    json_t *v;
    int rc = cli_table_add(&tab, head);

    printf("%s\n", title);
    json_array_foreach(arr, i, v)
    {
        if (rc == 0)
            rc = row(&tab, v);
    }
    if (rc == 0 && tab.nrows > 1)
        cli_table_print(&tab, stdout);
    else if (rc == 0)
        printf("  none\n");
    cli_table_free(&tab);
    printf("\n");
    return rc;
}

static void print_list(const char *title, json_t *arr, const char *a, const char *b, const char *c)
{
    char x[32], y[32], z[32];
    size_t i;
    json_t *v;

    printf("%s\n", title);
    if (json_array_size(arr) == 0)
        printf("  none\n");
    json_array_foreach(arr, i, v)
    {
        printf("  %-14s %s  %s\n", cell(v, a, x, sizeof(x)), cell(v, b, y, sizeof(y)),
               cell(v, c, z, sizeof(z)));
    }
}

static void print_patterns(json_t *arr)
{
    char buf[32];
    size_t i, k;
    json_t *v, *m;

    printf("\npatterns (likely broader issues)\n");
    if (json_array_size(arr) == 0)
        printf("  none\n");
    json_array_foreach(arr, i, v)
    {
        if (strcmp(cell(v, "kind", buf, sizeof(buf)), "same_fix") == 0)
            printf("  same fix \"%s\" for", json_string_value(json_object_get(v, "fix")));
        else
            printf("  %s targets on %s within %d days (%s to %s):",
                   cell(v, "targets", buf, sizeof(buf)),
                   json_string_value(json_object_get(v, "model")), REPORT_PATTERN_DAYS,
                   json_string_value(json_object_get(v, "first")),
                   json_string_value(json_object_get(v, "last")));
        json_array_foreach(json_object_get(v, "macs"), k, m)
        {
            printf(" %s", json_string_value(m));
        }
        printf("\n");
    }
}

static int print_text(json_t *doc)
{
    static const char *const thead[] = {"MAC",       "MODEL",  "VERSION",   "STATE",     "ANSWERS",
                                        "DOWNLOADS", "STATUS", "CONFIRMED", "SOLVED/NOT"};
    static const char *const rhead[] = {"MODEL",    "VERSION",  "OFFERED", "DOWNLOADS",
                                        "INSTALLS", "FAILURES", "SUCCESS"};

    if (print_section("targeted fixes", json_object_get(doc, "targets"), thead, 9, target_row) <
            0 ||
        print_section("general releases", json_object_get(doc, "releases"), rhead, 7, release_row) <
            0)
        return cli_fail("out of memory");
    print_list("follow-ups", json_object_get(doc, "follow_ups"), "kind", "mac", "detail");
    print_patterns(json_object_get(doc, "patterns"));
    return CLI_OK;
}

/* The store for reading, or NULL (and CLI_OK) when nothing was recorded yet. */
static int open_store(const struct cli *cli, const char *db, struct store **st)
{
    struct store_options so = {.no_create = true, .no_writer = true};
    char url[STORE_URL_MAX];
    struct fw_err err;
    int rc;

    *st = NULL;
    if (cli_db_url(cli, db, url, sizeof(url)) < 0)
        return CLI_FAIL;
    rc = store_open(url, &so, st, &err);
    if (rc == STORE_MISSING)
        return CLI_OK;
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

static int run(const struct cli *cli, const char *db, bool json)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    struct store *st = NULL;
    json_t *doc = NULL;
    struct fw_err err;
    int64_t now = isotime_now();
    int rc = CLI_FAIL;

    if (cli_load(cli, 0, now, &c, &pr) < 0 || open_store(cli, db, &st) != CLI_OK)
        goto out;
    if (report_build(st, c, now, &doc, &err) < 0) {
        cli_fail("%s", err.msg);
        goto out;
    }
    rc =
        json ? (cli_print_json(json_incref(doc), stdout) < 0 ? CLI_FAIL : CLI_OK) : print_text(doc);

out:
    if (store_close(st, &err) < 0 && rc == CLI_OK)
        rc = cli_fail("%s", err.msg);
    json_decref(doc);
    catalog_free(c);
    problems_free(&pr);
    return rc;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    const char *db = NULL;
    bool json = false;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc == CLI_HELP ? CLI_OK : rc;
        if (c == OPT_JSON)
            json = true;
        else
            db = optarg;
    }
    rc = cli_no_more_args(cli, argc, argv, 0);
    return rc == CLI_OK ? run(cli, db, json) : rc;
}
