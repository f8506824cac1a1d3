/* cmd_audit.c: `fwhub audit` and `fwhub audit verify`, and the auditing of the CLI's changes. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "store/audit.h"
#include "store/store.h"

static const char usage_list[] =
    "Usage: fwhub audit [--mac M] [--since T] [--event E] [--json] [--db URL] [--repo DIR]\n"
    "       fwhub audit verify [--json] [--db URL] [--repo DIR]\n"
    "\n"
    "Lists the audit trail, oldest first: every targeted access and every change made\n"
    "with fwhub. 'fwhub audit verify' checks its hash chain (docs/audit.md).\n"
    "\n"
    "  --mac M      records about this device (any MAC spelling)\n"
    "  --since T    records at or after T: an ISO 8601 time (2024-12-25, \n"
    "               2024-12-25T10:00:00Z) or an age: 30m, 12h, 7d\n"
    "  --event E    one event name (target.created) or a pattern (target.*)\n"
    "  --json       a JSON array, one record per line\n"
    "  --db URL     the event store: sqlite:PATH, PATH or postgresql://... (default:\n"
    "               $FWHUB_DB, else REPO/.fwhub/fwhub.db)\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n"
    "\n"
    "Events: target.answered target.rollback target.downloaded token.refused\n"
    "portal.lookup portal.feedback admin.refused target.created target.replaced\n"
    "target.archived release.added devices.imported (docs/audit.md says what each\n"
    "means).\n";

static const char usage_verify[] =
    "Usage: fwhub audit verify [--json] [--db URL] [--repo DIR]\n"
    "\n"
    "Recomputes the SHA-256 chain of the audit trail. Exit status 0 and the number of\n"
    "records when it is intact; 1 naming the first record that was changed, removed or\n"
    "reordered. Keep the printed head hash elsewhere: a later verify that shows a\n"
    "different hash for the same record means the trail was rewritten.\n"
    "\n"
    "  --json       the verdict as JSON\n"
    "  --db URL     the event store (default: $FWHUB_DB, else REPO/.fwhub/fwhub.db)\n"
    "  --repo DIR   the repository (default: current directory)\n"
    "  -h, --help   this text\n";

enum { OPT_MAC = OPT_FIRST_OWN, OPT_SINCE, OPT_EVENT, OPT_JSON, OPT_DB };

static const struct option list_options[] = {
    {"mac", required_argument, NULL, OPT_MAC},
    {"since", required_argument, NULL, OPT_SINCE},
    {"event", required_argument, NULL, OPT_EVENT},
    {"json", no_argument, NULL, OPT_JSON},
    {"db", required_argument, NULL, OPT_DB},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option verify_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"db", required_argument, NULL, OPT_DB},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct opts {
    struct store_audit_filter f;
    bool json;
    const char *db;
};

/* ---- the store's URL and the auditing of changes --------------------------------------- */

int cli_db_url(const struct cli *cli, const char *given, char *out, size_t len)
{
    const char *env = getenv("FWHUB_DB");
    int n;

    if (given || (env && env[0])) {
        n = snprintf(out, len, "%s", given ? given : env);
        if (n < 0 || (size_t)n >= len)
            return cli_fail("%s: database URL too long", given ? "--db" : "FWHUB_DB"), -1;
        return 0;
    }
    if (store_default_url(cli->repo, out, len) < 0)
        return cli_fail("%s: path too long", cli->repo), -1;
    return 0;
}

/* "cli:<user>" for the effective user; the uid when it has no name. */
static void actor_name(char *out, size_t len)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    uid_t uid = geteuid();

    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
        snprintf(out, len, "cli:%s", res->pw_name);
    else
        snprintf(out, len, "cli:uid %lu", (unsigned long)uid);
}

static int record(const struct cli *cli, const struct store_event *ev, struct fw_err *err)
{
    char url[STORE_URL_MAX];
    struct store *st = NULL;
    int rc;

    if (cli_db_url(cli, NULL, url, sizeof(url)) < 0)
        return fw_fail(err, "no database URL");
    rc = store_open(url, NULL, &st, err);
    if (rc != 0)
        return rc;
    rc = store_append_sync(st, ev, err);
    if (rc != 0) {
        struct fw_err again;

        if (store_close(st, &again) < 0) {
            /* the same failure once more; err already holds its first report */
        }
        return rc;
    }
    return store_close(st, err);
}

int cli_audit(const struct cli *cli, const char *event, uint64_t mac, const char *version,
              const char *detail_fmt, ...)
{
    char actor[160], detail[STORE_DETAIL_MAX];
    struct fw_err err = {""};
    va_list ap;
    struct store_event ev = {.kind = STORE_AUDIT,
                             .mac = mac,
                             .event = event,
                             .actor = actor,
                             .user_agent = "fwhub/" FWHUB_VERSION,
                             .version = version,
                             .result = "ok",
                             .detail = detail};

    actor_name(actor, sizeof(actor));
    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof(detail), detail_fmt, ap);
    va_end(ap);
    if (record(cli, &ev, &err) == 0)
        return CLI_OK;
    return cli_fail("the change was made and stays, but its audit record (%s) could not be "
                    "written: %s",
                    event, err.msg);
}

/* ---- listing ------------------------------------------------------------------------ */

/* Copies s into out with control characters as '?': the trail holds text from devices. */
static const char *clean(const char *s, char *out, size_t len)
{
    size_t i = 0;

    for (; s[i] && i + 1 < len; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    out[i] = '\0';
    return out;
}

static int print_text(void *arg, const struct store_audit *r)
{
    char t[ISOTIME_STR_LEN], a[STORE_TEXT_MAX + 1], d[STORE_DETAIL_MAX + 1];
    char v[STORE_TEXT_MAX + 1], res[STORE_TEXT_MAX + 1];
    size_t *n = arg;

    if ((*n)++ == 0)
        printf("%-6s  %-20s  %-17s  %-17s  %-14s  %-8s  %-16s  %s\n", "ID", "TIME", "EVENT", "MAC",
               "VERSION", "RESULT", "ACTOR", "DETAIL");
    isotime_format(r->time, t);
    printf("%-6" PRId64 "  %-20s  %-17s  %-17s  %-14s  %-8s  %-16s  %s\n", r->id, t, r->event,
           r->subject_mac[0] ? r->subject_mac : "-",
           r->target_version[0] ? clean(r->target_version, v, sizeof(v)) : "-",
           clean(r->result, res, sizeof(res)), clean(r->actor, a, sizeof(a)),
           clean(r->detail, d, sizeof(d)));
    return 0;
}

static json_t *record_json(const struct store_audit *r)
{
    char t[ISOTIME_STR_LEN];

    isotime_format(r->time, t);
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "id",
                     (json_int_t)r->id, "time", t, "actor", cli_json_str(r->actor), "client_addr",
                     cli_json_str(r->client_addr), "user_agent", cli_json_str(r->user_agent),
                     "category", cli_json_str(r->category), "event", cli_json_str(r->event),
                     "subject_mac", cli_json_str(r->subject_mac), "target_version",
                     cli_json_str(r->target_version), "result", cli_json_str(r->result), "detail",
                     cli_json_str(r->detail), "prev_hash", r->prev_hash, "hash", r->hash);
}

/* Streams the array, one compact record per line, so a long trail needs no memory. */
static int print_json(void *arg, const struct store_audit *r)
{
    json_t *j = record_json(r);
    size_t *n = arg;
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    json_decref(j);
    if (!s)
        return -1;
    printf("%s  %s", (*n)++ ? ",\n" : "[\n", s);
    free(s);
    return 0;
}

static int parse_since(const char *s, int64_t *out, struct fw_err *err)
{
    static const struct {
        char unit;
        int64_t seconds;
    } units[] = {{'m', 60}, {'h', 3600}, {'d', 86400}};
    char *end;
    long n;

    if (!isdigit((unsigned char)s[0]) || strchr(s, '-'))
        return isotime_parse(s, out, err);
    errno = 0;
    n = strtol(s, &end, 10);
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (end != s && end[0] == units[i].unit && !end[1] && errno == 0 && n <= 3650L * 24)
            return *out = isotime_now() - (int64_t)n * units[i].seconds, 0;
    return fw_fail(err, "expected an ISO 8601 time (2024-12-25T10:00:00Z) or an age such as "
                        "30m, 12h or 7d");
}

static int set_list_option(const struct cli *cli, int c, struct opts *o)
{
    struct fw_err err;

    switch (c) {
    case OPT_MAC:
        if (mac_parse(optarg, &o->f.mac, &err) < 0)
            return cli_usage(cli, "--mac: %s", err.msg);
        return CLI_OK;
    case OPT_SINCE:
        if (parse_since(optarg, &o->f.since, &err) < 0)
            return cli_usage(cli, "--since: %s", err.msg);
        return CLI_OK;
    case OPT_EVENT:
        if (!strchr(optarg, '*') && !audit_event_find(optarg))
            return cli_usage(cli,
                             "--event: %s is not an audit event; expected a name of "
                             "docs/audit.md or a pattern such as 'target.*'",
                             optarg);
        o->f.event = optarg;
        return CLI_OK;
    case OPT_JSON:
        o->json = true;
        return CLI_OK;
    default:
        o->db = optarg;
        return CLI_OK;
    }
}

static int parse(struct cli *cli, int argc, char **argv, const struct option *options,
                 const char *usage, struct opts *o)
{
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc;
        rc = set_list_option(cli, c, o);
        if (rc != CLI_OK)
            return rc;
    }
    return cli_no_more_args(cli, argc, argv, 0);
}

/* Opens the store for reading; *st stays NULL (and CLI_OK is returned) when it does not
 * exist yet. */
static int open_reader(const struct cli *cli, const char *db, struct store **st)
{
    struct store_options so = {.no_create = true, .no_writer = true};
    char url[STORE_URL_MAX];
    struct fw_err err;
    int rc;

    *st = NULL;
    if (cli_db_url(cli, db, url, sizeof(url)) < 0)
        return CLI_FAIL;
    rc = store_open(url, &so, st, &err);
    if (rc == STORE_MISSING) {
        cli_warn("no audit trail: %s", err.msg);
        return CLI_OK;
    }
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

static int audit_list(struct cli *cli, int argc, char **argv)
{
    struct opts o = {.json = false};
    struct store *st = NULL;
    struct fw_err err;
    size_t n = 0;
    int rc = parse(cli, argc, argv, list_options, usage_list, &o);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = open_reader(cli, o.db, &st);
    if (rc != CLI_OK)
        return rc;
    if (st && store_audit_scan(st, &o.f, o.json ? print_json : print_text, &n, &err) < 0)
        rc = cli_fail("%s", err.msg);
    if (o.json)
        printf("%s]\n", n ? "\n" : "[");
    else if (n == 0 && rc == CLI_OK)
        fprintf(stderr, "no audit records\n");
    if (store_close(st, &err) < 0 && rc == CLI_OK)
        rc = cli_fail("%s", err.msg);
    return rc;
}

/* ---- verify ------------------------------------------------------------------------- */

static int print_verdict(const struct audit_verdict *v, bool json)
{
    json_t *j;

    if (json) {
        j = v->ok
                ? json_pack("{s:b, s:I, s:I, s:s}", "ok", 1, "records", (json_int_t)v->count,
                            "head_id", (json_int_t)v->head_id, "head_hash", v->head_hash)
                : json_pack("{s:b, s:s, s:I, s:I, s:s}", "ok", 0, "event", "audit.broken", "bad_id",
                            (json_int_t)v->bad_id, "checked", (json_int_t)v->count, "why", v->why);
        if (cli_print_json(j, stdout) < 0)
            return CLI_FAIL;
    }
    if (!v->ok)
        return cli_fail("audit.broken: the audit chain is broken at record %" PRId64 ": %s",
                        v->bad_id, v->why);
    if (!json)
        printf("audit chain intact: %" PRId64 " record%s; head record %" PRId64 " sha256 %s\n",
               v->count, v->count == 1 ? "" : "s", v->head_id,
               v->count ? v->head_hash : AUDIT_GENESIS);
    return CLI_OK;
}

static int audit_verify_cmd(struct cli *cli, int argc, char **argv)
{
    struct opts o = {.json = false};
    struct audit_verdict v = {.ok = true};
    struct store *st = NULL;
    struct fw_err err;
    int rc = parse(cli, argc, argv, verify_options, usage_verify, &o);

    if (rc != CLI_OK)
        return rc == CLI_HELP ? CLI_OK : rc;
    rc = open_reader(cli, o.db, &st);
    if (rc != CLI_OK)
        return rc;
    if (st && audit_verify(st, &v, &err) < 0)
        rc = cli_fail("%s", err.msg);
    else
        rc = print_verdict(&v, o.json);
    if (store_close(st, &err) < 0 && rc == CLI_OK)
        rc = cli_fail("%s", err.msg);
    return rc;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        cli->cmd = "audit verify";
        return audit_verify_cmd(cli, argc - 1, argv + 1);
    }
    cli->cmd = "audit";
    return audit_list(cli, argc, argv);
}
