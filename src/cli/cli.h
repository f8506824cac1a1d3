/* cli.h: what the fwhub command groups share: exit codes, messages, options, output. */
#ifndef FWHUB_CLI_H
#define FWHUB_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/problems.h"

#define FWHUB_VERSION "0.1.0"
#define CLI_PATH_MAX  4096

/* Exit statuses every command keeps to. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Results of cli_common_opt besides an exit status: go on parsing, the option is the
 * command's own, or --help was printed (the command then exits with CLI_OK). */
enum { CLI_NEXT = -1, CLI_MINE = -2, CLI_HELP = -3 };

/* Option values of the long options every command accepts. */
enum { OPT_REPO = 0x100, OPT_FIRST_OWN = 0x110 };

/* The invocation: the repository and the command's name for messages ("target create"). */
struct cli {
    const char *repo;
    const char *cmd;
};

/* Command groups: argv[0] is the group's name; each returns an exit status. */
int cmd_target(struct cli *cli, int argc, char **argv);
int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_cleanup(struct cli *cli, int argc, char **argv);
int cmd_release(struct cli *cli, int argc, char **argv);
int cmd_devices(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);  /* cmd_audit.c */
int cmd_report(struct cli *cli, int argc, char **argv); /* cmd_report.c */
int cmd_keygen(struct cli *cli, int argc, char **argv); /* cmd_keys.c */
int cmd_sign(struct cli *cli, int argc, char **argv);   /* cmd_sign.c */
int cmd_verify(struct cli *cli, int argc, char **argv); /* cmd_sign.c */

/* One subcommand of a command group: "create" runs as "target create". */
struct cli_sub {
    const char *name;
    const char *cmd;
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Runs the subcommand argv[1] of group from subs[n]; "--help" prints usage. A missing
 * or unknown subcommand is a usage error listing the names (util.c). */
int cli_dispatch(struct cli *cli, int argc, char **argv, const char *group, const char *usage,
                 const struct cli_sub *subs, size_t n);

/* `fwhub target create` (target_create.c); argv[0] is "create". */
int target_create(struct cli *cli, int argc, char **argv);

/* Prints "fwhub: <message>" and a hint naming the command's --help to stderr; returns
 * CLI_USAGE. */
int cli_usage(const struct cli *cli, const char *fmt, ...) FW_PRINTF(2, 3);

/* Prints "fwhub: <message>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) FW_PRINTF(1, 2);

/* Prints "fwhub: warning: <message>" to stderr. */
void cli_warn(const char *fmt, ...) FW_PRINTF(1, 2);

/* Starts getopt_long parsing of a command's argv (argv[0] is the command). */
void cli_getopt_reset(void);

/* Handles what getopt_long returned when it is common to all commands: --repo, --help
 * (prints usage to stdout and returns CLI_HELP), a missing argument or an unknown option
 * (CLI_USAGE). Returns CLI_NEXT when parsing goes on, CLI_MINE when c is the command's
 * own option. */
int cli_common_opt(struct cli *cli, int c, char **argv, const char *usage);

/* Refuses positional arguments beyond the first `allowed` ones (after getopt). */
int cli_no_more_args(const struct cli *cli, int argc, char **argv, int allowed);

/* Parses a whole decimal number in [min, max] for option opt; on failure prints a usage
 * error and returns -1. */
int cli_parse_long(const struct cli *cli, const char *opt, const char *s, long min, long max,
                   long *out);

/* True for names fwhub puts into paths (models, image files): 1 to 128 of
 * [A-Za-z0-9._+-], not starting with '.' or '-'. */
bool cli_safe_name(const char *s);

/* The last component of path ("" when path ends in '/'). */
const char *cli_basename(const char *path);

/* Joins repo and a relative path; prints a failure and returns -1 when it does not fit. */
int cli_path(char *out, size_t len, const char *repo, const char *rel);

/* True when path exists (lstat: a dangling symlink exists too). */
bool cli_exists(const char *path);

/* Human-readable size as the seed writes it: "1.16 MB" (binary multiples). */
void cli_format_size(uint64_t n, char *buf, size_t len);

/* Loads the repository with flags at time now. On failure prints why and returns -1. */
int cli_load(const struct cli *cli, int flags, int64_t now, struct catalog **out,
             struct problems *pr) FW_NODISCARD;

/* Prints j indented by 2 with a final newline to out; returns 0 or -1. Takes j. */
int cli_print_json(json_t *j, FILE *out);

/* Builds a JSON string or, for NULL, null (jansson refuses invalid UTF-8: null then). */
json_t *cli_json_str(const char *s);

/* A text table: the first row added is the header. Columns are padded to the widest
 * cell, the last one is not. ncols is set by the caller, at most CLI_TABLE_MAX_COLS. */
#define CLI_TABLE_MAX_COLS 16

struct cli_table {
    size_t ncols;
    size_t nrows;
    size_t cap;
    char **cells;
};

int cli_table_add(struct cli_table *t, const char *const *row) FW_NODISCARD;
void cli_table_print(const struct cli_table *t, FILE *out);
void cli_table_free(struct cli_table *t);

/* Ends a listing built as both a JSON array and a table: rc < 0 (the building ran out of
 * memory) fails; otherwise prints arr (json) or the table, or "no <what>" on stderr when
 * the table has only its header. Frees arr and tab. Returns CLI_OK or CLI_FAIL. */
int cli_print_list(json_t *arr, struct cli_table *tab, bool json, int rc, const char *what);

/* Moves targeted/<MAC>.json and then targeted/firmware/<MAC>/ of repo (what exists of
 * them) into a new folder targeted/archive/<timestamp>[-N]/ (timestamp of now), creating
 * it; never deletes. The folder's repository-relative name is written to where. All or
 * nothing: returns 0, or -1 with err once what was moved, also when only the fsync after
 * a rename failed, is moved back and the new empty folder removed; should a move back fail
 * too, err names what stays in the archive. */
int cli_archive_target(const char *repo, uint64_t mac, int64_t now, char *where, size_t wlen,
                       struct fw_err *err) FW_NODISCARD;

/* Moves what cli_archive_target archived (from where) back into place, the image folder
 * first; all or nothing as cli_archive_target. */
int cli_unarchive_target(const char *repo, uint64_t mac, const char *where,
                         struct fw_err *err) FW_NODISCARD;

/* The event store's URL: given (--db) when not NULL, else $FWHUB_DB when set, else the
 * repository's sqlite:REPO/.fwhub/fwhub.db. Prints a failure and returns -1 when it does
 * not fit into len (cmd_audit.c). */
int cli_db_url(const struct cli *cli, const char *given, char *out, size_t len) FW_NODISCARD;

/* Records the audit event (a name of docs/audit.md) of a change the command made, with
 * actor "cli:<user>", in the event store of cli->repo ($FWHUB_DB when set); detail is
 * printf-style. Call it after the change succeeded. Returns CLI_OK, or prints that the
 * change stands but its record could not be written and returns CLI_FAIL (cmd_audit.c). */
int cli_audit(const struct cli *cli, const char *event, uint64_t mac, const char *version,
              const char *detail_fmt, ...) FW_PRINTF(5, 6) FW_NODISCARD;

/* True when t's expiry has passed at now (also for superseded targets). */
bool cli_target_expired(const struct catalog *c, const struct target *t, int64_t now);

#endif
