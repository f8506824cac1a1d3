/* cmd_validate.c: `fwhub validate`: every finding about the repository, or about some files. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/isotime.h"

static const char usage[] =
    "Usage: fwhub validate [--check-expiry] [--json] [--repo DIR] [FILE...]\n"
    "\n"
    "Loads the whole repository (manifest.json, devices.csv, targeted/*.json, images) and\n"
    "prints every problem as file:line:column: field: what was expected. Images are hashed\n"
    "and compared with their checksums.\n"
    "\n"
    "  --check-expiry   an expired target is an error\n"
    "  --json           a JSON array of {file, line, column, path, severity, message}\n"
    "  FILE...          show only findings about these files or folders (paths relative\n"
    "                   to the current directory or to the repository)\n"
    "  --repo DIR       the repository (default: current directory)\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 when there is no error (warnings allowed), 1 when there is one,\n"
    "2 on wrong usage.\n";

enum { OPT_CHECK_EXPIRY = OPT_FIRST_OWN, OPT_JSON };

static const struct option options[] = {
    {"check-expiry", no_argument, NULL, OPT_CHECK_EXPIRY},
    {"json", no_argument, NULL, OPT_JSON},
    {"repo", required_argument, NULL, OPT_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct filter {
    char **rel; /* repository-relative names; "" is the whole repository */
    size_t n;
};

/* realpath() of path's folder joined with its last component, so that a symlink given
 * as FILE is named as itself and not as what it points to. */
static int resolve_keep_last(const char *path, char *out, size_t len)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *base = strrchr(path, '/');
    struct stat st;

    if (lstat(path, &st) < 0)
        return -1;
    if (!S_ISLNK(st.st_mode) || !base || !base[1]) {
        if (!realpath(path, real))
            return -1;
        return snprintf(out, len, "%s", real) < (int)len ? 0 : -1;
    }
    snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
    if (!realpath(base == path ? "/" : dir, real))
        return -1;
    return snprintf(out, len, "%s/%s", real, base + 1) < (int)len ? 0 : -1;
}

static int relative_to(const char *root, const char *real, char **rel)
{
    size_t n = strlen(root);

    if (strcmp(real, root) == 0)
        *rel = strdup("");
    else if (strncmp(real, root, n) == 0 && real[n] == '/')
        *rel = strdup(real + n + 1);
    else
        return 1;
    return *rel ? 0 : -1;
}

/* Names FILE relative to the repository: first as a path from here, then from the repo. */
static int to_repo_name(const struct cli *cli, const char *root, const char *arg, char **rel)
{
    char real[PATH_MAX], joined[PATH_MAX];
    int rc;

    if (resolve_keep_last(arg, real, sizeof(real)) == 0) {
        rc = relative_to(root, real, rel);
        if (rc <= 0)
            return rc < 0 ? cli_fail("out of memory") : CLI_OK;
    }
    if (arg[0] != '/' &&
        snprintf(joined, sizeof(joined), "%s/%s", cli->repo, arg) < (int)sizeof(joined) &&
        resolve_keep_last(joined, real, sizeof(real)) == 0) {
        rc = relative_to(root, real, rel);
        if (rc <= 0)
            return rc < 0 ? cli_fail("out of memory") : CLI_OK;
    }
    if (cli_exists(arg))
        return cli_usage(cli, "%s: not inside the repository %s", arg, cli->repo);
    return cli_usage(cli, "%s: no such file, here or in the repository %s", arg, cli->repo);
}

static int make_filter(const struct cli *cli, int argc, char **argv, struct filter *f)
{
    char root[PATH_MAX];
    int rc;

    if (optind >= argc)
        return CLI_OK;
    if (!realpath(cli->repo, root))
        return cli_fail("cannot open repository %s: %s", cli->repo, strerror(errno));
    f->rel = calloc((size_t)(argc - optind), sizeof(*f->rel));
    if (!f->rel)
        return cli_fail("out of memory");
    for (int i = optind; i < argc; i++) {
        rc = to_repo_name(cli, root, argv[i], &f->rel[f->n]);
        if (rc != CLI_OK)
            return rc;
        f->n++;
    }
    return CLI_OK;
}

static void free_filter(struct filter *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->rel[i]);
    free(f->rel);
}

static bool wanted(const struct filter *f, const char *file)
{
    if (f->n == 0)
        return true;
    for (size_t i = 0; i < f->n; i++) {
        size_t n = strlen(f->rel[i]);

        if (n == 0 || strcmp(file, f->rel[i]) == 0 ||
            (strncmp(file, f->rel[i], n) == 0 && file[n] == '/'))
            return true;
    }
    return false;
}

static json_t *problem_json(const struct problem *p)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "file", p->file, "line", p->line, "column",
                     p->col, "path", p->path, "severity", p->sev == SEV_ERROR ? "error" : "warning",
                     "message", p->msg);
}

/* Prints the findings the filter keeps; counts their errors and warnings. */
static int print_findings(const struct problems *pr, const struct filter *f, bool json,
                          size_t *errors, size_t *warnings)
{
    json_t *arr = json ? json_array() : NULL;
    char line[3 * FW_ERRLEN];

    for (size_t i = 0; i < pr->n; i++) {
        const struct problem *p = &pr->v[i];

        if (!wanted(f, p->file))
            continue;
        *(p->sev == SEV_ERROR ? errors : warnings) += 1;
        if (json && arr && json_array_append_new(arr, problem_json(p)) < 0) {
            json_decref(arr);
            arr = NULL;
        } else if (!json) {
            problem_format(p, line, sizeof(line));
            printf("%s\n", line);
        }
    }
    if (f->n == 0) {
        /* Findings beyond PROBLEMS_MAX were counted, not kept. */
        *errors = pr->errors;
        *warnings = pr->warnings;
        if (pr->dropped && !json)
            printf("(%zu further findings not shown)\n", pr->dropped);
    }
    if (json)
        return cli_print_json(arr, stdout) < 0 ? CLI_FAIL : CLI_OK;
    return CLI_OK;
}

static int run(const struct cli *cli, int flags, bool json, const struct filter *f)
{
    struct problems pr = {0};
    struct catalog *c = NULL;
    size_t errors = 0, warnings = 0;
    int rc;

    if (cli_load(cli, flags, isotime_now(), &c, &pr) < 0) {
        problems_free(&pr);
        return CLI_FAIL;
    }
    rc = print_findings(&pr, f, json, &errors, &warnings);
    if (rc == CLI_OK && errors > 0) {
        rc = CLI_FAIL;
        if (!json)
            cli_fail("validate: %zu error%s, %zu warning%s", errors, errors == 1 ? "" : "s",
                     warnings, warnings == 1 ? "" : "s");
    } else if (rc == CLI_OK && !json && errors + warnings == 0) {
        printf("no problems found (%zu model%s, %zu target%s, %zu device%s)\n", c->n_models,
               c->n_models == 1 ? "" : "s", c->n_targets, c->n_targets == 1 ? "" : "s",
               c->devices.n, c->devices.n == 1 ? "" : "s");
    }
    catalog_free(c);
    problems_free(&pr);
    return rc;
}

int cmd_validate(struct cli *cli, int argc, char **argv)
{
    struct filter f = {NULL, 0};
    int flags = CATALOG_CHECK_IMAGES;
    bool json = false;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        rc = cli_common_opt(cli, c, argv, usage);
        if (rc == CLI_NEXT)
            continue;
        if (rc != CLI_MINE)
            return rc == CLI_HELP ? CLI_OK : rc;
        if (c == OPT_CHECK_EXPIRY)
            flags |= CATALOG_CHECK_EXPIRY;
        else
            json = true;
    }
    rc = make_filter(cli, argc, argv, &f);
    if (rc == CLI_OK)
        rc = run(cli, flags, json, &f);
    free_filter(&f);
    return rc;
}
