/* cmd_cleanup.c: `fwhub cleanup`: archives the targets that are no longer needed. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "core/isotime.h"
#include "core/mac.h"

static const char usage[] =
    "Usage: fwhub cleanup [--expired] [--superseded] [--dry-run] [--repo DIR]\n"
    "\n"
    "Moves targets into targeted/archive/<timestamp>/ (nothing is deleted), one line per\n"
    "target. Without --expired or --superseded, both kinds are archived.\n"
    "\n"
    "  --expired      targets whose expiry_date has passed\n"
    "  --superseded   targets whose model now has a general release at or above the\n"
    "                 fix's base version (10.2.1-custom is superseded by 10.2.1)\n"
    "  --dry-run      say what would be archived; change nothing\n"
    "  --repo DIR     the repository (default: current directory)\n"
    "  -h, --help     this text\n";

enum { OPT_EXPIRED = OPT_FIRST_OWN, OPT_SUPERSEDED, OPT_DRY_RUN };

static const struct option options[] = {
    {"expired", no_argument, NULL, OPT_EXPIRED},
    {"superseded", no_argument, NULL, OPT_SUPERSEDED},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct cleanup {
    bool expired, superseded, dry_run;
    int64_t now;
    size_t archived, failed;
};

/* Why t goes, written into why; NULL when it stays. */
static const char *reason(const struct catalog *c, const struct target *t, const struct cleanup *cl,
                          char *why, size_t len)
{
    const struct release *latest;

    if (cl->superseded && catalog_target_state(c, t, cl->now) == TARGET_SUPERSEDED) {
        latest = t->n_devices ? catalog_latest(c, t->devices[0].model) : NULL;
        snprintf(why, len, "superseded by %s %s", latest ? latest->model : "a general release",
                 latest ? latest->version : "");
        return why;
    }
    if (cl->expired && cli_target_expired(c, t, cl->now)) {
        snprintf(why, len, "expired %s", t->expiry_date);
        return why;
    }
    return NULL;
}

static void clean_one(const struct cli *cli, const struct catalog *c, const struct target *t,
                      struct cleanup *cl)
{
    char mac[MAC_STR_LEN], why[256], where[160];
    struct fw_err err;

    mac_format(t->mac, mac);
    if (!reason(c, t, cl, why, sizeof(why)))
        return;
    if (t->legacy) {
        printf("%s  %s: kept, it is a mac_specific entry of manifest.json; edit that file\n", mac,
               why);
        return;
    }
    if (cl->dry_run) {
        printf("%s  %s: would archive %s\n", mac, why, t->file);
        cl->archived++;
        return;
    }
    if (cli_archive_target(cli->repo, t->mac, cl->now, where, sizeof(where), &err) < 0) {
        printf("%s  %s: not archived\n", mac, why);
        cli_fail("%s", err.msg);
        cl->failed++;
        return;
    }
    printf("%s  %s: archived %s to %s/\n", mac, why, t->file, where);
    cl->archived++;
    if (cli_audit(cli, "target.archived", t->mac, t->n_devices ? t->devices[0].version : NULL,
                  "cleanup: %s; %s to %s/", why, t->file, where) != CLI_OK)
        cl->failed++;
}

static int run(const struct cli *cli, struct cleanup *cl)
{
    struct problems pr = {0};
    struct catalog *c = NULL;

    if (cli_load(cli, 0, cl->now, &c, &pr) < 0) {
        problems_free(&pr);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < c->n_targets; i++)
        clean_one(cli, c, c->targets[i], cl);
    if (cl->archived == 0 && cl->failed == 0)
        printf("nothing to clean up\n");
    else
        printf("%zu target%s %sarchived%s\n", cl->archived, cl->archived == 1 ? "" : "s",
               cl->dry_run ? "would be " : "", cl->failed ? ", some failed" : "");
    catalog_free(c);
    problems_free(&pr);
    return cl->failed ? CLI_FAIL : CLI_OK;
}

int cmd_cleanup(struct cli *cli, int argc, char **argv)
{
    struct cleanup cl = {false, false, false, isotime_now(), 0, 0};
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc == CLI_HELP ? CLI_OK : rc;
        if (c == OPT_EXPIRED)
            cl.expired = true;
        else if (c == OPT_SUPERSEDED)
            cl.superseded = true;
        else
            cl.dry_run = true;
    }
    rc = cli_no_more_args(cli, argc, argv, 0);
    if (rc != CLI_OK)
        return rc;
    if (!cl.expired && !cl.superseded)
        cl.expired = cl.superseded = true;
    return run(cli, &cl);
}
