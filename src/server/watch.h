/* watch.h: the main thread's loop: signals, repository changes, catalog reloads. */
#ifndef FWHUB_WATCH_H
#define FWHUB_WATCH_H

/* Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (and the threads it starts
 * afterwards), so that only watch_run receives them. Ignores SIGPIPE. */
void watch_block_signals(void);

/* Asks watch_run to reload the catalog now (a change announced by another instance through
 * the database). Safe from any thread, never blocks. */
void watch_poke(void);

/* Waits for signals and changes until SIGTERM or SIGINT: SIGHUP reloads the catalog;
 * a change of the repository's catalog files (seen by inotify, or by comparing their
 * modification times every poll_interval seconds) reloads it too. fwhub's own .fwhub/
 * directory is not watched. Returns the signal that ended it, or -1 when signals cannot
 * be received. */
int watch_run(const char *repo, long poll_interval);

#endif
