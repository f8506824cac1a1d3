/* cmd_devices.c: `fwhub devices import|list`: the known devices of devices.csv. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/devices.h"
#include "core/fsutil.h"
#include "core/mac.h"

static const char usage_group[] =
    "Usage: fwhub devices <subcommand> [options]\n"
    "\n"
    "Known devices (devices.csv: mac, serial, model, customer). A target for a MAC that\n"
    "is not known is refused unless created with --force.\n"
    "\n"
    "Subcommands:\n"
    "  import FILE.csv         merge FILE.csv into devices.csv\n"
    "  list [--json]           the known devices\n"
    "\n"
    "'fwhub devices <subcommand> --help' describes each.\n";

static const char usage_import[] =
    "Usage: fwhub devices import FILE.csv [--repo DIR]\n"
    "\n"
    "Merges FILE.csv into the repository's devices.csv: new MACs are added, rows of MACs\n"
    "already known are replaced. FILE.csv starts with a header naming at least the\n"
    "columns mac and serial (model and customer are optional), in any order. Nothing is\n"
    "imported when FILE.csv has an error; each is listed as file:line:column.\n"
    "\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n"
    "\n"
    "Example:\n"
    "  printf 'mac,serial,model,customer\\nAB:CD:EF:12:34:56,EVSE-2024-001234,"
    "EVSEPARKER_V2_GEN2,John Doe\\n' > new.csv\n"
    "  fwhub devices import new.csv\n";

static const char usage_list[] = "Usage: fwhub devices list [--json] [--repo DIR]\n"
                                 "\n"
                                 "Lists the devices of devices.csv: MAC, serial, model, customer.\n"
                                 "\n"
                                 "  --json       a JSON array instead of a table\n"
                                 "  --repo DIR   the repository (default: current directory)\n"
                                 "  -h, --help   this text\n";

enum { OPT_JSON = OPT_FIRST_OWN };

static const struct option import_options[] = {
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option list_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A growing text with a maximum: the CSV being written. */
struct buf {
    char *p;
    size_t n, cap;
    bool failed;
};

static void buf_add(struct buf *b, const char *s, size_t len)
{
    if (b->failed)
        return;
    if (b->n + len + 1 > DEVICES_FILE_MAX) {
        b->failed = true;
        return;
    }
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap < b->n + len + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

/* One CSV field, quoted (RFC 4180) when it holds a separator, a quote, a line break or
 * spaces at either end. */
static void add_field(struct buf *b, const char *s, bool last)
{
    size_t n = s ? strlen(s) : 0;
    bool quote = n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ');

    if (!quote) {
        buf_add(b, s ? s : "", n);
    } else {
        buf_add(b, "\"", 1);
        for (const char *p = s; *p; p++) {
            buf_add(b, p, 1);
            if (*p == '"')
                buf_add(b, "\"", 1);
        }
        buf_add(b, "\"", 1);
    }
    buf_add(b, last ? "\n" : ",", 1);
}

static void add_row(struct buf *b, const struct device *d)
{
    char mac[MAC_STR_LEN];

    mac_format(d->mac, mac);
    add_field(b, mac, false);
    add_field(b, d->serial, false);
    add_field(b, d->model, false);
    add_field(b, d->customer, true);
}

static bool same_device(const struct device *a, const struct device *b)
{
    return strcmp(a->serial, b->serial) == 0 &&
           strcmp(a->model ? a->model : "", b->model ? b->model : "") == 0 &&
           strcmp(a->customer ? a->customer : "", b->customer ? b->customer : "") == 0;
}

struct merge_count {
    size_t added, replaced, unchanged, total;
};

/* Both lists are sorted by MAC; rows of the import win. */
static void merge(struct buf *b, const struct device_list *old, const struct device_list *add,
                  struct merge_count *mc)
{
    size_t i = 0, k = 0;

    buf_add(b, "mac,serial,model,customer\n", 26);
    while (i < old->n || k < add->n) {
        if (k == add->n || (i < old->n && old->v[i].mac < add->v[k].mac)) {
            add_row(b, &old->v[i++]);
        } else if (i == old->n || add->v[k].mac < old->v[i].mac) {
            add_row(b, &add->v[k++]);
            mc->added++;
        } else {
            if (same_device(&old->v[i], &add->v[k]))
                mc->unchanged++;
            else
                mc->replaced++;
            add_row(b, &add->v[k++]);
            i++;
        }
        mc->total++;
    }
}

/* Reads and parses a devices CSV; prints its findings to stderr. Returns the number of
 * errors, or -1 when it could not be read. When keep is not NULL and the file was parsed,
 * its text goes to *keep (owned by the caller) and its length to *keep_len. */
static long read_devices(const char *path, const char *name, struct arena *arena,
                         struct device_list *out, char **keep, size_t *keep_len)
{
    struct problems pr = {0};
    struct fw_err err;
    char *text = NULL;
    size_t len;
    long errors = -1;

    if (fs_read_file(path, DEVICES_FILE_MAX, &text, &len, &err) < 0) {
        cli_fail("%s", err.msg);
        goto out;
    }
    if (devices_parse(name, text, len, arena, out, &pr) < 0) {
        cli_fail("%s: out of memory", name);
        goto out;
    }
    problems_print(&pr, stderr);
    errors = (long)pr.errors;
    if (keep) {
        *keep = text;
        *keep_len = len;
        text = NULL;
    }

out:
    free(text);
    problems_free(&pr);
    return errors;
}

/* Writes devices.csv with old and add merged; prev is its text as read (NULL when there
 * was none), put back should the new one not become durable. */
static int write_merged(const struct cli *cli, const struct device_list *old,
                        const struct device_list *add, const char *file, const char *prev,
                        size_t prev_len)
{
    struct merge_count mc = {0, 0, 0, 0};
    struct buf b = {NULL, 0, 0, false};
    char path[CLI_PATH_MAX];
    struct fw_err err;
    int rc = CLI_FAIL;

    merge(&b, old, add, &mc);
    if (b.failed) {
        cli_fail("devices.csv: out of memory or larger than %d bytes", DEVICES_FILE_MAX);
        goto out;
    }
    if (cli_path(path, sizeof(path), cli->repo, "devices.csv") < 0)
        goto out;
    if (fs_replace_atomic(path, b.p, b.n, prev, prev_len, 0644, &err) < 0) {
        cli_fail("%s", err.msg);
        goto out;
    }
    printf("imported %zu device%s from %s into devices.csv: %zu added, %zu replaced, "
           "%zu unchanged; %zu known\n",
           add->n, add->n == 1 ? "" : "s", file, mc.added, mc.replaced, mc.unchanged, mc.total);
    rc = cli_audit(cli, "devices.imported", 0, NULL,
                   "from %s: %zu added, %zu replaced, %zu unchanged; %zu known", cli_basename(file),
                   mc.added, mc.replaced, mc.unchanged, mc.total);

out:
    free(b.p);
    return rc;
}

static int import(const struct cli *cli, const char *file)
{
    struct device_list old = {NULL, 0}, add = {NULL, 0};
    struct arena arena = {0};
    char path[CLI_PATH_MAX];
    int rc = CLI_FAIL;
    char *prev = NULL;
    size_t prev_len = 0;
    long errors = read_devices(file, file, &arena, &add, NULL, NULL);

    if (errors < 0)
        goto out;
    if (errors > 0) {
        cli_fail("%s: %ld error%s; nothing was imported", file, errors, errors == 1 ? "" : "s");
        goto out;
    }
    if (add.n == 0) {
        printf("%s holds no devices; nothing was imported\n", file);
        rc = CLI_OK;
        goto out;
    }
    if (cli_path(path, sizeof(path), cli->repo, "devices.csv") < 0)
        goto out;
    if (cli_exists(path)) {
        errors = read_devices(path, "devices.csv", &arena, &old, &prev, &prev_len);
        if (errors != 0) {
            if (errors > 0)
                cli_fail("devices.csv: %ld error%s; fix it before importing", errors,
                         errors == 1 ? "" : "s");
            goto out;
        }
    }
    rc = write_merged(cli, &old, &add, file, prev, prev_len);

out:
    free(prev);
    arena_free(&arena);
    return rc;
}

static int parse(struct cli *cli, int argc, char **argv, const struct option *options,
                 const char *usage, bool *json)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        *json = true;
    }
    return CLI_OK;
}

static int devices_import(struct cli *cli, int argc, char **argv)
{
    bool json = false;
    int rc = parse(cli, argc, argv, import_options, usage_import, &json);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (optind >= argc)
        return cli_usage(cli, "missing FILE.csv: expected the CSV file to import");
    rc = cli_no_more_args(cli, argc, argv, 1);
    if (rc != CLI_OK)
        return rc;
    return import(cli, argv[optind]);
}

static int print_devices(const struct device_list *l, bool json)
{
    static const char *const head[] = {"MAC", "SERIAL", "MODEL", "CUSTOMER"};
    struct cli_table tab = {4, 0, 0, NULL};
    json_t *arr = json ? json_array() : NULL;
    char mac[MAC_STR_LEN];
    int rc = cli_table_add(&tab, head);

    for (size_t i = 0; rc == 0 && i < l->n; i++) {
        const struct device *d = &l->v[i];
        const char *row[] = {mac, d->serial, d->model, d->customer};

        mac_format(d->mac, mac);
        rc = json ? json_array_append_new(arr,
                                          json_pack("{s:s, s:s, s:o, s:o}", "mac", mac, "serial",
                                                    d->serial, "model", cli_json_str(d->model),
                                                    "customer", cli_json_str(d->customer)))
                  : cli_table_add(&tab, row);
    }
    return cli_print_list(arr, &tab, json, rc, "devices");
}

static int devices_list(struct cli *cli, int argc, char **argv)
{
    struct device_list l = {NULL, 0};
    struct arena arena = {0};
    char path[CLI_PATH_MAX];
    bool json = false;
    long errors = 0;
    int rc = parse(cli, argc, argv, list_options, usage_list, &json);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = cli_no_more_args(cli, argc, argv, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_path(path, sizeof(path), cli->repo, "devices.csv") < 0)
        return CLI_FAIL;
    if (cli_exists(path))
        errors = read_devices(path, "devices.csv", &arena, &l, NULL, NULL);
    if (errors < 0)
        rc = CLI_FAIL;
    else
        rc = print_devices(&l, json);
    arena_free(&arena);
    return rc;
}

int cmd_devices(struct cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"import", "devices import", devices_import},
        {"list", "devices list", devices_list},
    };

    return cli_dispatch(cli, argc, argv, "devices", usage_group, subs,
                        sizeof(subs) / sizeof(subs[0]));
}
