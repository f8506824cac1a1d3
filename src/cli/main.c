/* main.c: fwhub's entry point: global options, then one of the command groups. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/serve.h"

struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
    {"target", cmd_target},     {"release", cmd_release}, {"devices", cmd_devices},
    {"validate", cmd_validate}, {"cleanup", cmd_cleanup}, {"serve", serve_command},
    {"audit", cmd_audit},       {"report", cmd_report},   {"keygen", cmd_keygen},
    {"sign", cmd_sign},         {"verify", cmd_verify},
};

static const char usage[] =
    "Usage: fwhub [--repo DIR] [--db URL] <command> [options]\n"
    "\n"
    "Distributes firmware: general releases per hardware model, and targeted fixes for\n"
    "single devices named by their MAC address.\n"
    "\n"
    "Commands:\n"
    "  target create|list|show|remove   targeted fixes (targeted/<MAC>.json)\n"
    "  release add|list                 general releases (manifest.json, firmware/)\n"
    "  devices import|list              known devices (devices.csv)\n"
    "  validate [--check-expiry]        check every file of the repository\n"
    "  cleanup [--expired] [--superseded]  archive targets no longer needed\n"
    "  audit [verify]                   the audit trail, and the check of its hash chain\n"
    "  report                           targets, releases, follow-ups, patterns\n"
    "  serve [--listen HOST:PORT]       answer devices over HTTP (see 'fwhub serve --help')\n"
    "  keygen --out DIR [--repo REPO]   a signing key pair; --repo trusts it (keys/)\n"
    "  sign --key FILE                  sign every image that lacks a valid signature\n"
    "  verify [--key PUB]...            check every image's signature\n"
    "\n"
    "Options:\n"
    "  --repo DIR     the repository (default: $FWHUB_REPO, else the current directory);\n"
    "                 every command also accepts it after its name\n"
    "  --db URL       the event store every command records into and reads (as $FWHUB_DB):\n"
    "                 sqlite:PATH, PATH or postgresql://... (default REPO/.fwhub/fwhub.db)\n"
    "  -h, --help     this text; 'fwhub <command> --help' describes a command\n"
    "  --version      fwhub's version\n"
    "\n"
    "Exit status: 0 success, 1 failure (or problems found), 2 wrong usage.\n";

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "target, release, ..." from the command table, so messages never forget a command. */
static const char *command_names(char buf[256])
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < N_COMMANDS; k++) {
        int n = snprintf(buf + used, 256 - used, "%s%s", k ? ", " : "", commands[k].name);

        if (n < 0 || (size_t)n >= 256 - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* Reads the options before the command; returns the index of the command, or -1 with
 * *rc set when fwhub is done. */
static int global_options(struct cli *cli, int argc, char **argv, int *rc)
{
    int i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0)
            return i + 1;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            *rc = CLI_OK;
            return -1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("fwhub %s\n", FWHUB_VERSION);
            *rc = CLI_OK;
            return -1;
        }
        if (strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0) {
            const char *url = a[4] == '=' ? a + 5 : i + 1 < argc ? argv[++i] : NULL;

            /* the commands take the store from $FWHUB_DB (cli_db_url, serve's events_open) */
            if (!url || !url[0] || setenv("FWHUB_DB", url, 1) < 0) {
                *rc = cli_usage(cli, "--db: expected sqlite:PATH, PATH or postgresql://...");
                return -1;
            }
            continue;
        }
        if (strncmp(a, "--repo=", 7) == 0) {
            cli->repo = a + 7;
        } else if (strcmp(a, "--repo") == 0) {
            if (i + 1 == argc) {
                *rc = cli_usage(cli, "--repo: missing its argument");
                return -1;
            }
            cli->repo = argv[++i];
        } else {
            *rc = cli_usage(cli, "%s: unknown option", a);
            return -1;
        }
        if (!cli->repo[0]) {
            *rc = cli_usage(cli, "--repo: expected a directory, got an empty string");
            return -1;
        }
    }
    return i;
}

int main(int argc, char **argv)
{
    const char *env = getenv("FWHUB_REPO");
    struct cli cli = {env && env[0] ? env : ".", ""};
    char names[256];
    int rc = CLI_OK;
    int i = global_options(&cli, argc, argv, &rc);

    if (i < 0)
        return rc;
    if (i >= argc)
        return cli_usage(&cli, "missing command: expected one of %s", command_names(names));
    if (strcmp(argv[i], "help") == 0 && i + 1 == argc) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[i], "help") == 0) {
        /* "fwhub help target" is "fwhub target --help". */
        char help[] = "--help";
        char *args[] = {argv[i + 1], help, NULL};

        for (size_t k = 0; k < N_COMMANDS; k++)
            if (strcmp(commands[k].name, argv[i + 1]) == 0) {
                cli.cmd = commands[k].name;
                return commands[k].run(&cli, 2, args);
            }
        return cli_usage(&cli, "help: %s: unknown command", argv[i + 1]);
    }
    for (size_t k = 0; k < N_COMMANDS; k++)
        if (strcmp(commands[k].name, argv[i]) == 0) {
            cli.cmd = commands[k].name;
            return commands[k].run(&cli, argc - i, argv + i);
        }
    return cli_usage(&cli, "%s: unknown command; expected one of %s", argv[i],
                     command_names(names));
}
