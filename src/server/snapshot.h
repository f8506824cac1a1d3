/* snapshot.h: the catalog shared by all server threads, swapped atomically on reload. */
#ifndef FWHUB_SNAPSHOT_H
#define FWHUB_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/error.h"

struct snapshot_data;  /* owns cat and manifest; shared by a snapshot and its re-signed copies */
struct signed_answers; /* signed.h */

/* One loaded repository and what is prepared from it. Immutable once published (the
 * signed answers fill in lazily, see signed.h); freed when the last reference goes. */
struct snapshot {
    atomic_long refs;
    uint64_t generation;
    struct catalog *cat;
    char *manifest; /* the body of GET /manifest.json */
    size_t manifest_len;
    char manifest_etag[24]; /* "\"<16 hex digits>\"" */
    struct snapshot_data *data;
    struct signed_answers *answers; /* NULL without --signing-key */
};

/* Loads repo for the first time (strict: any error fails). public_url, when not NULL,
 * makes the local URLs of /manifest.json absolute. Problems are logged. Returns 0 or -1. */
int snapshot_init(const char *repo, const char *public_url, struct fw_err *err) FW_NODISCARD;

/* Loads the repository again and publishes it. On failure the current snapshot stays,
 * every problem is logged and -1 is returned. why names the trigger for the log. Safe
 * from any thread (the watcher and the admin worker): reloads run one at a time. */
int snapshot_reload(const char *why);

/* Publishes a copy of the current snapshot with new signed answers when the current
 * ones must be renewed at now (signed.h); any thread may call it, at most one copy is
 * made per renewal. A catalog reload in the meantime wins (its answers are new). */
void snapshot_renew_answers(int64_t now);

/* A new reference to the current snapshot; never NULL after snapshot_init. */
struct snapshot *snapshot_acquire(void);

/* Drops a reference; the last one frees the snapshot. NULL is ignored. */
void snapshot_release(struct snapshot *s);

/* Increases at each successful reload; a thread compares it with the generation of the
 * snapshot it holds (an atomic load, no lock). */
uint64_t snapshot_generation(void);

/* Releases the published snapshot at exit. */
void snapshot_shutdown(void);

#endif
