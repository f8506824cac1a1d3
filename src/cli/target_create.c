/* target_create.c: `fwhub target create`: its options, then target_make (target_make.c),
 * which the admin API of `fwhub serve` calls too. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/target_make.h"
#include "core/isotime.h"

#define MAX_TEXT  TARGET_MAKE_MAX_TEXT  /* bytes in one option's text */
#define MAX_ITEMS TARGET_MAKE_MAX_ITEMS /* repetitions of --fix, --install-step, --verify-step */

static const char usage[] =
    "Usage: fwhub target create --mac M --issue T --version V --model MODEL --firmware FILE\n"
    "                           [options]\n"
    "\n"
    "Copies FILE to targeted/firmware/<MAC>/, computes its sha256 and size, and writes\n"
    "targeted/<MAC>.json (AB_CD_EF_12_34_56.json) in the seed's format. Everything is\n"
    "checked against the repository first; nothing is written when a check fails.\n"
    "\n"
    "Required:\n"
    "  --mac M                 the device's MAC address, in any common spelling\n"
    "  --issue T               the support ticket (customer_info.issue_ticket)\n"
    "  --version V             the fix's version, e.g. 10.2.1-custom\n"
    "  --model MODEL           a hardware model of manifest.json\n"
    "  --firmware FILE         the image to distribute\n"
    "Optional:\n"
    "  --serial S              device serial (default: devices.csv's for this MAC)\n"
    "  --customer NAME         customer name (default: devices.csv's)\n"
    "  --expires DATE          ISO 8601 expiry, e.g. 2024-12-25 or 2024-12-25T00:00:00Z\n"
    "  --days N                expire N days from now (default 30; 1 to 3650)\n"
    "  --changelog TEXT        what the fix changes\n"
    "  --fix TEXT              one item of fix_description (repeatable)\n"
    "  --install-step TEXT     one installation step (repeatable; default: generic steps)\n"
    "  --verify-step TEXT      one verification step (repeatable)\n"
    "  --support-contact EMAIL instructions.support_contact\n"
    "  --hardware-version HW   hardware_version (default: from the model, V2_GEN2 -> V2 GEN2)\n"
    "  --rollback-version V    stable release to roll back to (default: the newest release\n"
    "                          of the model below V)\n"
    "  --auto-rollback         roll the device back to it once the fix expires\n"
    "  --force                 allow a MAC that is not in devices.csv\n"
    "  --replace               archive an existing target for this MAC and write this one\n"
    "  --repo DIR              the repository (default: current directory)\n"
    "  -h, --help              this text\n"
    "\n"
    "Example:\n"
    "  fwhub target create --mac AB:CD:EF:12:34:56 --issue SUPPORT-2024-789 \\\n"
    "      --version 10.2.1-custom --model EVSEPARKER_V2_GEN2 \\\n"
    "      --firmware EVSE_10_2_1_custom.bin --fix 'Custom relay timing' --days 90\n";

enum {
    OPT_MAC = OPT_FIRST_OWN,
    OPT_ISSUE,
    OPT_VERSION,
    OPT_MODEL,
    OPT_FIRMWARE,
    OPT_SERIAL,
    OPT_CUSTOMER,
    OPT_EXPIRES,
    OPT_DAYS,
    OPT_CHANGELOG,
    OPT_SUPPORT,
    OPT_HARDWARE,
    OPT_ROLLBACK,
    OPT_FIX,
    OPT_INSTALL,
    OPT_VERIFY,
    OPT_AUTO_ROLLBACK,
    OPT_FORCE,
    OPT_REPLACE,
    N_TEXT_OPTS = OPT_FIX - OPT_FIRST_OWN, /* options that hold one text each */
};

static const struct option options[] = {
    {"mac", required_argument, NULL, OPT_MAC},
    {"issue", required_argument, NULL, OPT_ISSUE},
    {"version", required_argument, NULL, OPT_VERSION},
    {"model", required_argument, NULL, OPT_MODEL},
    {"firmware", required_argument, NULL, OPT_FIRMWARE},
    {"serial", required_argument, NULL, OPT_SERIAL},
    {"customer", required_argument, NULL, OPT_CUSTOMER},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"days", required_argument, NULL, OPT_DAYS},
    {"changelog", required_argument, NULL, OPT_CHANGELOG},
    {"support-contact", required_argument, NULL, OPT_SUPPORT},
    {"hardware-version", required_argument, NULL, OPT_HARDWARE},
    {"rollback-version", required_argument, NULL, OPT_ROLLBACK},
    {"fix", required_argument, NULL, OPT_FIX},
    {"install-step", required_argument, NULL, OPT_INSTALL},
    {"verify-step", required_argument, NULL, OPT_VERIFY},
    {"auto-rollback", no_argument, NULL, OPT_AUTO_ROLLBACK},
    {"force", no_argument, NULL, OPT_FORCE},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The options as given. */
struct create {
    const char *text[N_TEXT_OPTS]; /* indexed by OPT_x - OPT_FIRST_OWN */
    json_t *fixes, *install, *verify;
    bool auto_rollback, force, replace;
};

#define TEXT(cr, opt) ((cr)->text[(opt)-OPT_FIRST_OWN])

static const char *opt_name(int c)
{
    for (const struct option *o = options; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* Appends optarg to one of the repeatable options' arrays. */
static int add_item(const struct cli *cli, json_t *arr, int c)
{
    json_t *s;

    if (json_array_size(arr) >= MAX_ITEMS)
        return cli_usage(cli, "--%s: given more than %d times", opt_name(c), MAX_ITEMS);
    s = json_string(optarg);
    if (!s)
        return cli_usage(cli, "--%s: not valid UTF-8 text", opt_name(c));
    if (strlen(optarg) > MAX_TEXT) {
        json_decref(s);
        return cli_usage(cli, "--%s: longer than %d bytes", opt_name(c), MAX_TEXT);
    }
    if (json_array_append_new(arr, s) < 0)
        return cli_fail("out of memory");
    return CLI_OK;
}

static int set_option(const struct cli *cli, struct create *cr, int c)
{
    switch (c) {
    case OPT_FIX:
        return add_item(cli, cr->fixes, c);
    case OPT_INSTALL:
        return add_item(cli, cr->install, c);
    case OPT_VERIFY:
        return add_item(cli, cr->verify, c);
    case OPT_AUTO_ROLLBACK:
        cr->auto_rollback = true;
        return CLI_OK;
    case OPT_FORCE:
        cr->force = true;
        return CLI_OK;
    case OPT_REPLACE:
        cr->replace = true;
        return CLI_OK;
    default:
        break;
    }
    if (c < OPT_FIRST_OWN || c >= OPT_FIX)
        return cli_usage(cli, "unexpected option");
    if (TEXT(cr, c))
        return cli_usage(cli, "--%s: given twice", opt_name(c));
    if (strlen(optarg) > MAX_TEXT)
        return cli_usage(cli, "--%s: longer than %d bytes", opt_name(c), MAX_TEXT);
    TEXT(cr, c) = optarg;
    return CLI_OK;
}

static int parse_options(struct cli *cli, struct create *cr, int argc, char **argv)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        rc = set_option(cli, cr, c);
        if (rc != CLI_OK)
            return rc;
    }
    return cli_no_more_args(cli, argc, argv, 0);
}

static void report(const struct target_spec *s, const struct target_made *m)
{
    char size[32];

    cli_format_size(m->size, size, sizeof(size));
    printf("created %s\n", m->json_rel);
    printf("  device    %s, serial %s%s%s\n", m->macs, m->serial, m->customer[0] ? ", " : "",
           m->customer);
    printf("  fix       %s %s (ticket %s)\n", s->model, s->version, s->issue);
    printf("  image     %s (%s, sha256:%s)\n", m->image_rel, size, m->sha256);
    printf("  rollback  %s%s\n", m->stable_version,
           s->auto_rollback ? ", automatic after expiry" : "");
    printf("  expires   %s\n", m->expires);
    if (m->archived[0])
        printf("  replaced  the previous target, now in %s/\n", m->archived);
}

/* Makes the target of the options, prints what was made and audits it. */
static int make(const struct cli *cli, const struct create *cr)
{
    const struct target_spec s = {
        .mac = TEXT(cr, OPT_MAC),
        .issue = TEXT(cr, OPT_ISSUE),
        .version = TEXT(cr, OPT_VERSION),
        .model = TEXT(cr, OPT_MODEL),
        .firmware = TEXT(cr, OPT_FIRMWARE),
        .serial = TEXT(cr, OPT_SERIAL),
        .customer = TEXT(cr, OPT_CUSTOMER),
        .expires = TEXT(cr, OPT_EXPIRES),
        .days = TEXT(cr, OPT_DAYS),
        .changelog = TEXT(cr, OPT_CHANGELOG),
        .support_contact = TEXT(cr, OPT_SUPPORT),
        .hardware_version = TEXT(cr, OPT_HARDWARE),
        .rollback_version = TEXT(cr, OPT_ROLLBACK),
        .fixes = cr->fixes,
        .install = cr->install,
        .verify = cr->verify,
        .auto_rollback = cr->auto_rollback,
        .force = cr->force,
        .replace = cr->replace,
    };
    struct target_made *m = malloc(sizeof(*m));
    struct fw_err err;
    int rc;

    if (!m)
        return cli_fail("out of memory");
    rc = target_make(cli->repo, &s, isotime_now(), stderr, m, &err);
    if (rc == CLI_USAGE)
        rc = cli_usage(cli, "%s", err.msg);
    else if (rc != CLI_OK)
        rc = cli_fail("%s", err.msg);
    if (rc == CLI_OK) {
        report(&s, m);
        rc = cli_audit(cli, m->archived[0] ? "target.replaced" : "target.created", m->mac,
                       s.version, "%s: model %s, ticket %s, expires %s%s%s", m->json_rel, s.model,
                       s.issue, m->expires, m->archived[0] ? "; the previous target is in " : "",
                       m->archived);
    }
    free(m);
    return rc;
}

int target_create(struct cli *cli, int argc, char **argv)
{
    struct create cr = {0};
    int rc = CLI_FAIL;

    cr.fixes = json_array();
    cr.install = json_array();
    cr.verify = json_array();
    if (!cr.fixes || !cr.install || !cr.verify) {
        cli_fail("out of memory");
        goto out;
    }
    rc = parse_options(cli, &cr, argc, argv);
    if (rc == CLI_OK)
        rc = make(cli, &cr);

out:
    json_decref(cr.fixes);
    json_decref(cr.install);
    json_decref(cr.verify);
    return rc == CLI_HELP ? CLI_OK : rc;
}
