/* cmd_target.c: `fwhub target list|show|remove` and the dispatch of the target group. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/isotime.h"
#include "core/mac.h"

static const char usage_group[] =
    "Usage: fwhub target <subcommand> [options]\n"
    "\n"
    "Targeted fixes: one build for one device, named by its MAC address, for a limited\n"
    "time, with a way back to a stable release.\n"
    "\n"
    "Subcommands:\n"
    "  create --mac M --issue T --version V --model MODEL --firmware FILE [options]\n"
    "                          write targeted/<MAC>.json and copy the image\n"
    "  list [--active | --expired | --all] [--json]\n"
    "                          the targets of the repository (default: --active)\n"
    "  show MAC [--json]       one target in full\n"
    "  remove MAC              move a target into targeted/archive/ (never deletes)\n"
    "\n"
    "'fwhub target <subcommand> --help' describes each.\n";

static const char usage_list[] =
    "Usage: fwhub target list [--active | --expired | --all] [--json] [--repo DIR]\n"
    "\n"
    "Lists targeted fixes, one line per device entry: MAC, model, version, state (active,\n"
    "expiring within 7 days, expired, superseded by a general release), expiry, ticket,\n"
    "customer.\n"
    "\n"
    "  --active     targets that have not expired (the default)\n"
    "  --expired    targets whose expiry has passed\n"
    "  --all        every target\n"
    "  --json       a JSON array instead of a table\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n";

static const char usage_show[] =
    "Usage: fwhub target show MAC [--json] [--repo DIR]\n"
    "\n"
    "Shows the targeted fix of the device MAC (any spelling: AB:CD:EF:12:34:56,\n"
    "ab-cd-ef-12-34-56, abcdef123456, AB_CD_EF_12_34_56).\n"
    "\n"
    "  --json       the target as JSON, in the seed's format, with its file and state\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n";

static const char usage_remove[] = "Usage: fwhub target remove MAC [--repo DIR]\n"
                                   "\n"
                                   "Moves targeted/<MAC>.json and targeted/firmware/<MAC>/ into\n"
                                   "targeted/archive/<timestamp>/. Nothing is deleted.\n"
                                   "\n"
                                   "  --repo DIR   the repository (default: current directory)\n"
                                   "  -h, --help   this text\n";

enum { OPT_ACTIVE = OPT_FIRST_OWN, OPT_EXPIRED, OPT_ALL, OPT_JSON };
enum which { WHICH_ACTIVE, WHICH_EXPIRED, WHICH_ALL };

/* Options of list and show; show and remove take one MAC. */
struct opts {
    enum which which;
    int n_which;
    bool json;
    uint64_t mac;
};

static const struct option list_options[] = {
    {"active", no_argument, NULL, OPT_ACTIVE},
    {"expired", no_argument, NULL, OPT_EXPIRED},
    {"all", no_argument, NULL, OPT_ALL},
    {"json", no_argument, NULL, OPT_JSON},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option show_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option remove_options[] = {
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses options, then the MAC argument when want_mac is set. */
static int parse(struct cli *cli, int argc, char **argv, const struct option *options,
                 const char *usage, bool want_mac, struct opts *o)
{
    struct fw_err err;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc != CLI_MINE) {
            if (rc == CLI_NEXT)
                continue;
            return rc;
        }
        if (c == OPT_JSON) {
            o->json = true;
            continue;
        }
        o->which = c == OPT_ACTIVE ? WHICH_ACTIVE : c == OPT_EXPIRED ? WHICH_EXPIRED : WHICH_ALL;
        o->n_which++;
    }
    if (o->n_which > 1)
        return cli_usage(cli, "--active, --expired, --all: give one of them");
    if (!want_mac)
        return cli_no_more_args(cli, argc, argv, 0);
    if (optind >= argc)
        return cli_usage(cli, "missing MAC: expected the device's MAC address");
    if (mac_parse(argv[optind], &o->mac, &err) < 0)
        return cli_usage(cli, "MAC: %s", err.msg);
    return cli_no_more_args(cli, argc, argv, 1);
}

/* ---- list ---- */

static bool selected(const struct catalog *c, const struct target *t, enum which w, int64_t now)
{
    bool expired = cli_target_expired(c, t, now);

    return w == WHICH_ALL || (w == WHICH_EXPIRED) == expired;
}

static int add_rows(struct cli_table *tab, const struct catalog *c, const struct target *t,
                    int64_t now)
{
    char mac[MAC_STR_LEN];
    const char *state = target_state_name(catalog_target_state(c, t, now));

    mac_format(t->mac, mac);
    for (size_t i = 0; i < t->n_devices; i++) {
        const struct target_device *d = &t->devices[i];
        const char *row[] = {mac,
                             d->model,
                             d->version,
                             state,
                             t->expiry == NEVER_EXPIRES ? "never" : t->expiry_date,
                             t->issue_ticket,
                             t->customer_name};

        if (cli_table_add(tab, row) < 0)
            return -1;
    }
    return 0;
}

static int print_table(const struct catalog *c, enum which w, int64_t now)
{
    static const char *const head[] = {"MAC",     "MODEL",  "VERSION", "STATE",
                                       "EXPIRES", "TICKET", "CUSTOMER"};
    struct cli_table tab = {7, 0, 0, NULL};
    int rc = CLI_FAIL;

    if (cli_table_add(&tab, head) < 0)
        goto out;
    for (size_t i = 0; i < c->n_targets; i++)
        if (selected(c, c->targets[i], w, now) && add_rows(&tab, c, c->targets[i], now) < 0)
            goto out;
    if (tab.nrows > 1)
        cli_table_print(&tab, stdout);
    else
        fprintf(stderr, "no %stargets\n",
                w == WHICH_ACTIVE    ? "active "
                : w == WHICH_EXPIRED ? "expired "
                                     : "");
    rc = CLI_OK;

out:
    if (rc != CLI_OK)
        cli_fail("out of memory");
    cli_table_free(&tab);
    return rc;
}

static json_t *device_json(const struct target_device *d)
{
    json_t *fixes = json_array();

    for (size_t i = 0; fixes && i < d->n_fixes; i++)
        json_array_append_new(fixes, cli_json_str(d->fixes[i]));
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:{s:o, s:o}, "
        "s:{s:b, s:o}, s:I}",
        "model", cli_json_str(d->model), "latest_version", cli_json_str(d->version), "url",
        cli_json_str(d->url), "changelog", cli_json_str(d->changelog), "release_date",
        cli_json_str(d->release_date), "file_size", cli_json_str(d->file_size), "hardware_version",
        cli_json_str(d->hardware_version), "targeted_fix", d->targeted_fix, "fix_description",
        fixes, "rollback_info", "stable_version", cli_json_str(d->rollback_version), "stable_url",
        cli_json_str(d->rollback_url), "security", "signed", d->is_signed, "checksum",
        cli_json_str(d->checksum), "size_bytes", (json_int_t)d->size);
}

static json_t *strings_json(const char *const *v, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < n; i++)
        json_array_append_new(arr, cli_json_str(v[i]));
    return arr;
}

/* A target as the seed writes it, preceded by where it lives and its state. */
static json_t *target_json(const struct catalog *c, const struct target *t, int64_t now)
{
    json_t *devs = json_array();
    char mac[MAC_STR_LEN];

    mac_format(t->mac, mac);
    for (size_t i = 0; devs && i < t->n_devices; i++)
        json_array_append_new(devs, device_json(&t->devices[i]));
    return json_pack(
        "{s:s, s:s, s:s, s:b, s:{s:o, s:o, s:o, s:o, s:o}, s:o, "
        "s:{s:o, s:o, s:o}, s:o, s:b, s:b}",
        "mac", mac, "file", t->file, "state", target_state_name(catalog_target_state(c, t, now)),
        "expired", cli_target_expired(c, t, now), "customer_info", "mac_address",
        cli_json_str(t->mac_address), "device_serial", cli_json_str(t->device_serial),
        "customer_name", cli_json_str(t->customer_name), "issue_ticket",
        cli_json_str(t->issue_ticket), "created_date", cli_json_str(t->created_date), "devices",
        devs, "instructions", "installation", strings_json(t->install_steps, t->n_install),
        "verification", strings_json(t->verify_steps, t->n_verify), "support_contact",
        cli_json_str(t->support_contact), "expiry_date", cli_json_str(t->expiry_date),
        "auto_rollback", t->auto_rollback, "allow_unknown_device", t->allow_unknown_device);
}

static int print_list_json(const struct catalog *c, enum which w, int64_t now)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < c->n_targets; i++) {
        const struct target *t = c->targets[i];
        json_t *j;

        if (!selected(c, t, w, now))
            continue;
        j = target_json(c, t, now);
        if (!j || json_array_append_new(arr, j) < 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return cli_print_json(arr, stdout) < 0 ? CLI_FAIL : CLI_OK;
}

static int load_quiet(const struct cli *cli, int64_t now, struct catalog **c)
{
    struct problems pr = {0};
    int rc = cli_load(cli, 0, now, c, &pr);

    if (rc == 0 && pr.errors > 0)
        cli_warn("%zu problem%s in %s; 'fwhub validate' lists them", pr.errors,
                 pr.errors == 1 ? "" : "s", cli->repo);
    problems_free(&pr);
    return rc;
}

static int target_list(struct cli *cli, int argc, char **argv)
{
    struct opts o = {WHICH_ACTIVE, 0, false, 0};
    struct catalog *c = NULL;
    int64_t now = isotime_now();
    int rc = parse(cli, argc, argv, list_options, usage_list, false, &o);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (load_quiet(cli, now, &c) < 0)
        return CLI_FAIL;
    rc = o.json ? print_list_json(c, o.which, now) : print_table(c, o.which, now);
    catalog_free(c);
    return rc;
}

/* ---- show ---- */

static void print_list(const char *title, const char *const *v, size_t n, const char *bullet)
{
    if (n == 0)
        return;
    printf("%s\n", title);
    for (size_t i = 0; i < n; i++)
        printf("  %s%s\n", bullet, v[i]);
}

static void field(const char *label, const char *value)
{
    printf("%-15s%s\n", label, value && value[0] ? value : "-");
}

static void print_device(const struct target_device *d)
{
    char size[64], line[512];

    printf("\n%s %s\n", d->model, d->version);
    field("  hardware:", d->hardware_version);
    field("  image:", d->url);
    cli_format_size(d->size, size, sizeof(size));
    if (d->size)
        snprintf(line, sizeof(line), "%s (%llu bytes)", d->file_size ? d->file_size : size,
                 (unsigned long long)d->size);
    else
        snprintf(line, sizeof(line), "%s (image not in the repository)",
                 d->file_size ? d->file_size : "-");
    field("  size:", line);
    snprintf(line, sizeof(line), "%s, %s", d->checksum ? d->checksum : "-",
             d->is_signed ? "signed" : "not signed");
    field("  checksum:", line);
    snprintf(line, sizeof(line), "%s %s", d->rollback_version ? d->rollback_version : "-",
             d->rollback_url ? d->rollback_url : "");
    field("  rollback:", line);
    field("  changelog:", d->changelog);
    for (size_t i = 0; i < d->n_fixes; i++)
        field("  fix:", d->fixes[i]);
}

static void print_target(const struct catalog *c, const struct target *t, int64_t now)
{
    char mac[MAC_STR_LEN], line[256];

    mac_format(t->mac, mac);
    snprintf(line, sizeof(line), "%s (%s)", mac, t->file);
    field("target:", line);
    field("state:", target_state_name(catalog_target_state(c, t, now)));
    field("expires:", t->expiry == NEVER_EXPIRES ? "never" : t->expiry_date);
    field("auto rollback:", t->auto_rollback ? "yes" : "no");
    field("serial:", t->device_serial);
    field("customer:", t->customer_name);
    field("ticket:", t->issue_ticket);
    field("created:", t->created_date);
    if (t->allow_unknown_device)
        field("unknown device:", "allowed (created with --force)");
    for (size_t i = 0; i < t->n_devices; i++)
        print_device(&t->devices[i]);
    printf("\n");
    print_list("installation:", t->install_steps, t->n_install, "");
    print_list("verification:", t->verify_steps, t->n_verify, "- ");
    field("support:", t->support_contact);
}

/* Why a MAC has no target in the snapshot: no file, or a file that cannot be read. */
static int not_found(const struct cli *cli, uint64_t mac, int64_t now)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    char macs[MAC_STR_LEN], macf[MAC_STR_LEN], rel[64];
    size_t shown = 0;

    mac_format(mac, macs);
    mac_format_file(mac, macf);
    snprintf(rel, sizeof(rel), "targeted/%s.json", macf);
    if (cli_load(cli, 0, now, &c, &pr) == 0)
        for (size_t i = 0; i < pr.n; i++)
            if (strcmp(pr.v[i].file, rel) == 0 && pr.v[i].sev == SEV_ERROR) {
                char line[3 * FW_ERRLEN];

                problem_format(&pr.v[i], line, sizeof(line));
                fprintf(stderr, "%s\n", line);
                shown++;
            }
    catalog_free(c);
    problems_free(&pr);
    if (shown)
        return cli_fail("%s: cannot be read as a target", rel);
    return cli_fail("no target for %s: %s does not exist", macs, rel);
}

static int target_show(struct cli *cli, int argc, char **argv)
{
    struct opts o = {WHICH_ACTIVE, 0, false, 0};
    const struct target *t;
    struct catalog *c = NULL;
    int64_t now = isotime_now();
    int rc = parse(cli, argc, argv, show_options, usage_show, true, &o);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    if (load_quiet(cli, now, &c) < 0)
        return CLI_FAIL;
    t = catalog_target(c, o.mac);
    if (!t)
        rc = not_found(cli, o.mac, now);
    else if (o.json)
        rc = cli_print_json(target_json(c, t, now), stdout) < 0 ? CLI_FAIL : CLI_OK;
    else
        print_target(c, t, now);
    catalog_free(c);
    return rc;
}

/* ---- remove ---- */

static int target_remove(struct cli *cli, int argc, char **argv)
{
    struct opts o = {WHICH_ACTIVE, 0, false, 0};
    char macs[MAC_STR_LEN], macf[MAC_STR_LEN], where[160];
    struct fw_err err;
    int rc = parse(cli, argc, argv, remove_options, usage_remove, true, &o);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    mac_format(o.mac, macs);
    mac_format_file(o.mac, macf);
    if (cli_archive_target(cli->repo, o.mac, isotime_now(), where, sizeof(where), &err) < 0)
        return cli_fail("cannot remove the target of %s: %s", macs, err.msg);
    printf("archived the target of %s (targeted/%s.json) to %s/\n", macs, macf, where);
    return cli_audit(cli, "target.archived", o.mac, NULL, "target remove: targeted/%s.json to %s/",
                     macf, where);
}

int cmd_target(struct cli *cli, int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"create", "target create", target_create},
        {"list", "target list", target_list},
        {"show", "target show", target_show},
        {"remove", "target remove", target_remove},
    };

    return cli_dispatch(cli, argc, argv, "target", usage_group, subs,
                        sizeof(subs) / sizeof(subs[0]));
}
