/* serve.h: `fwhub serve`, the HTTP server for devices (update answers, status, downloads). */
#ifndef FWHUB_SERVE_H
#define FWHUB_SERVE_H

struct cli;

/* Runs `fwhub serve [options]` (argv[0] is "serve"): loads the repository, listens, and
 * serves until SIGTERM or SIGINT, reloading on SIGHUP and on changes. Returns the exit
 * status: 0 after a clean shutdown, 1 when it cannot start, 2 on wrong usage. */
int serve_main(int argc, char **argv);

/* The same as a command group of src/cli/main.c: the global --repo (cli->repo) is the
 * default repository. */
int serve_command(struct cli *cli, int argc, char **argv);

#endif
