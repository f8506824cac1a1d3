/* util.c: messages, option parsing and output helpers shared by the fwhub commands. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/fsutil.h"

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout); /* what was printed before comes first, also through a pipe */
    fputs("fwhub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cli->cmd && cli->cmd[0])
        fprintf(stderr, "\nTry 'fwhub %s --help'.\n", cli->cmd);
    else
        fputs("\nTry 'fwhub --help'.\n", stderr);
    return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout); /* what was printed before comes first, also through a pipe */
    fputs("fwhub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("fwhub: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_getopt_reset(void)
{
    /* 0, not 1: glibc then also forgets the state of a previous parse. */
    optind = 0;
    opterr = 0;
}

/* The option as the user typed it, for messages about it. */
static const char *typed_option(char **argv, char *buf, size_t len)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";

    if (optopt > 0 && optopt < 0x100 && strncmp(arg, "--", 2) != 0) {
        snprintf(buf, len, "-%c", optopt);
        return buf;
    }
    snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
    return buf;
}

int cli_common_opt(struct cli *cli, int c, char **argv, const char *usage)
{
    char opt[128];

    switch (c) {
    case OPT_REPO:
        if (!optarg[0])
            return cli_usage(cli, "--repo: expected a directory, got an empty string");
        cli->repo = optarg;
        return CLI_NEXT;
    case 'h':
        fputs(usage, stdout);
        return CLI_HELP;
    case ':':
        return cli_usage(cli, "%s: missing its argument", typed_option(argv, opt, sizeof(opt)));
    case '?':
        /* getopt_long sets optopt to a long option's value when it got an argument it
         * does not take ("--json=1"). */
        if (optopt >= OPT_REPO)
            return cli_usage(cli, "%s: takes no argument", typed_option(argv, opt, sizeof(opt)));
        return cli_usage(cli, "%s: unknown option", typed_option(argv, opt, sizeof(opt)));
    default:
        return CLI_MINE;
    }
}

int cli_no_more_args(const struct cli *cli, int argc, char **argv, int allowed)
{
    if (argc - optind > allowed)
        return cli_usage(cli, "%s: unexpected argument", argv[optind + allowed]);
    return CLI_OK;
}

int cli_parse_long(const struct cli *cli, const char *opt, const char *s, long min, long max,
                   long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0') {
        cli_usage(cli, "%s: '%s' is not a whole number", opt, s);
        return -1;
    }
    if (errno == ERANGE || v < min || v > max) {
        cli_usage(cli, "%s: %s is out of range; expected %ld to %ld", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

bool cli_safe_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == n;
}

const char *cli_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

int cli_path(char *out, size_t len, const char *repo, const char *rel)
{
    if (fs_join(out, len, repo, rel) != 0) {
        cli_fail("%s/%s: path too long", repo, rel);
        return -1;
    }
    return 0;
}

bool cli_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

void cli_format_size(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"KB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;

    if (n < 1024) {
        snprintf(buf, len, "%llu B", (unsigned long long)n);
        return;
    }
    v /= 1024.0;
    while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.2f %s", v, units[u]);
}

int cli_load(const struct cli *cli, int flags, int64_t now, struct catalog **out,
             struct problems *pr)
{
    struct fw_err err = {{0}};

    if (catalog_load(cli->repo, flags, now, out, pr, &err) < 0) {
        cli_fail("cannot load repository %s: %s", cli->repo, err.msg);
        return -1;
    }
    return 0;
}

int cli_print_json(json_t *j, FILE *out)
{
    int rc;

    if (!j) {
        cli_fail("out of memory");
        return -1;
    }
    rc = json_dumpf(j, out, JSON_INDENT(2));
    json_decref(j);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
}

json_t *cli_json_str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;

    return j ? j : json_null();
}

int cli_table_add(struct cli_table *t, const char *const *row)
{
    size_t base;

    if (t->ncols == 0 || t->ncols > CLI_TABLE_MAX_COLS)
        return -1;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

        if (!cells)
            return -1;
        t->cells = cells;
        t->cap = cap;
    }
    base = t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        t->cells[base + i] = strdup(row[i] ? row[i] : "");
        if (!t->cells[base + i]) {
            while (i-- > 0)
                free(t->cells[base + i]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

void cli_table_print(const struct cli_table *t, FILE *out)
{
    size_t width[CLI_TABLE_MAX_COLS] = {0};

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++) {
            size_t n = strlen(t->cells[r * t->ncols + i]);

            if (n > width[i])
                width[i] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *cell = t->cells[r * t->ncols + i];

            if (i + 1 == t->ncols)
                fprintf(out, "%s\n", cell);
            else
                fprintf(out, "%-*s  ", (int)width[i], cell);
        }
    }
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = 0;
    t->cap = 0;
}

bool cli_target_expired(const struct catalog *c, const struct target *t, int64_t now)
{
    enum target_state s = catalog_target_state(c, t, now);

    if (s == TARGET_SUPERSEDED)
        return t->expiry != NEVER_EXPIRES && t->expiry <= now;
    return s == TARGET_EXPIRED;
}

int cli_dispatch(struct cli *cli, int argc, char **argv, const char *group, const char *usage,
                 const struct cli_sub *subs, size_t n)
{
    char names[256];
    size_t used = 0;

    names[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof(names); i++) {
        int w = snprintf(names + used, sizeof(names) - used, "%s%s",
                         i == 0       ? ""
                         : i + 1 == n ? " or "
                                      : ", ",
                         subs[i].name);

        used += w > 0 ? (size_t)w : 0;
    }
    if (argc < 2)
        return cli_usage(cli, "%s: missing subcommand: expected %s", group, names);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], subs[i].name) == 0) {
            cli->cmd = subs[i].cmd;
            return subs[i].run(cli, argc - 1, argv + 1);
        }
    return cli_usage(cli, "%s %s: unknown subcommand; expected %s", group, argv[1], names);
}

int cli_print_list(json_t *arr, struct cli_table *tab, bool json, int rc, const char *what)
{
    if (rc < 0) {
        json_decref(arr);
        rc = cli_fail("out of memory");
    } else if (json) {
        rc = cli_print_json(arr, stdout) < 0 ? CLI_FAIL : CLI_OK; /* consumes arr */
    } else {
        if (tab->nrows > 1)
            cli_table_print(tab, stdout);
        else
            fprintf(stderr, "no %s\n", what);
        rc = CLI_OK;
    }
    cli_table_free(tab);
    return rc;
}
