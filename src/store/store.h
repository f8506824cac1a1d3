/* store.h: the event store: one interface, a batched writer thread, backends behind a vtable. */
#ifndef FWHUB_STORE_H
#define FWHUB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "crypto/sha256.h"

/*
 * How the server uses the store
 * -----------------------------
 * Open one store at start (store_open with store_default_url(repo) or --db), before the
 * loop threads start; close it (store_close) after they stopped: close drains the queue,
 * commits what is left and joins the writer thread.
 *
 * Every call below is safe from any thread. Nothing blocks except store_wait,
 * store_append_sync, store_flush, store_close and the readers.
 *
 * - A targeted access is answered only after its audit record is committed: an update
 *   answer carrying a fix (target.answered) or a rollback (target.rollback), a targeted
 *   download handed out (target.downloaded, before the first byte), a portal lookup
 *   (portal.lookup). On an event loop thread do not block: call store_append_notify and
 *   answer from the callback, which runs on the writer thread after the commit (post it
 *   back to the loop, e.g. with h2o_multithread_send_message); answer 503 when it reports
 *   a failure. A thread that may block calls store_append_sync.
 * - Refused tokens (token.refused) and admin refusals (admin.refused): store_append; no
 *   need to hold the 404/401 for the commit.
 * - Every check-in: store_append of a STORE_SEEN event (model, running version, the
 *   version offered, client address). These are not queued one by one: the store keeps
 *   the newest per MAC in memory and writes them every seen_interval_ms (and on flush
 *   and close), so a device polling every few seconds costs one row write per interval,
 *   not one per poll. They carry no ticket.
 * - Status reports (STORE_STATUS) and downloads that ended, complete or not
 *   (STORE_DOWNLOAD, with bytes and the Range header): store_append, nobody waits.
 * - STORE_BUSY from any append means the queue (or the map of seen devices) is full:
 *   answer 503 with Retry-After; nothing was recorded, nothing was dropped silently.
 * - /metrics: store_stats (records committed, queue depth, commit latency).
 *
 * Group commit: the writer takes the events waiting and commits up to batch_max of them
 * in one transaction. When nobody waits for a commit (only batched events queued) it
 * first lingers up to linger_us for more, to save fsyncs; when someone waits (store_wait,
 * a notify callback, a flush) it commits at once, and what arrives during that commit
 * makes the next group. With synchronous=FULL (sqlite.c says why) a commit costs one
 * fsync, shared by the whole group.
 *
 * PostgreSQL (postgres.c): when the connection goes away, the writer keeps its group and
 * the queue (appends answer STORE_BUSY once it is full), reconnects with a backoff from
 * 100 ms doubling to 5 s, and commits them once the database is back. A notified event
 * (a held targeted answer) waits at most wait_ms [3 s] of that: its callback then reports
 * a failure (the server answers 503) and it is not written. A commit whose answer was
 * lost with the connection is settled on the new connection before anything else
 * (postgres.c), so nothing is lost and nothing is written twice. store_close waits up to
 * 10 s for a database that is away, then reports what it could not write.
 */

/* Results of the functions of this module besides 0 and -1 (which are as everywhere). */
enum {
    STORE_BUSY = -2,    /* the queue is full: try later (the server answers 503) */
    STORE_MISSING = -3, /* store_open with no_create: the database does not exist */
};

#define STORE_TEXT_MAX   256  /* bytes kept of each text field; longer text is cut */
#define STORE_DETAIL_MAX 2048 /* bytes kept of detail */
#define STORE_URL_MAX    4096

enum store_kind {
    STORE_AUDIT,    /* one audit record: chained, see audit.h and docs/audit.md */
    STORE_SEEN,     /* a check-in: the devices inventory (coalesced per MAC) */
    STORE_STATUS,   /* a status report from a device */
    STORE_DOWNLOAD, /* a download that ended, complete or broken off */
};

/* One event as a caller hands it in. Strings belong to the caller and are copied by the
 * append call (cut to STORE_TEXT_MAX or STORE_DETAIL_MAX bytes at a UTF-8 boundary);
 * NULL is the empty string. Fields a kind does not use are ignored. */
struct store_event {
    enum store_kind kind;
    int64_t time;            /* seconds since the epoch; 0: isotime_now() at append */
    uint64_t mac;            /* the device (all but some audit events); 0: none */
    const char *event;       /* audit: a name of audit_events[] (audit.h) */
    const char *actor;       /* audit: "device:<MAC>", "portal", "cli:<user>", "admin:<id>" */
    const char *client_addr; /* audit; seen: the client's address */
    const char *user_agent;  /* audit */
    const char *version;     /* audit: target version; seen, status: the running version */
    const char *model;       /* seen */
    const char *offered;     /* seen: the version the answer offered, NULL for none */
    const char *result;      /* audit: "ok", or why not ("expired", "not_found", ...) */
    const char *status;      /* status: an OCPP 2.0.1 firmware status, or RolledBack */
    const char *detail;      /* audit, status: free text */
    const char *path;        /* download: repository-relative ("targeted/firmware/...") */
    uint64_t bytes;          /* download: bytes sent */
    const char *ranges;      /* download: the Range header, NULL for a whole file */
    bool complete;           /* download: the whole file reached the client */
};

/* Tunables; a zeroed struct (or NULL) means the defaults in brackets. */
struct store_options {
    size_t queue_max;          /* events waiting for the writer [65536] */
    size_t batch_max;          /* events per transaction [512] */
    unsigned linger_us;        /* wait this long for more batched events [2000] */
    bool no_linger;            /* never wait: commit as soon as an event is queued (what
                                  queues during a commit still shares the next one) */
    size_t seen_max;           /* devices waiting in the seen map [65536] */
    unsigned seen_interval_ms; /* how often seen devices are written [1000] */
    bool no_create;            /* fail with STORE_MISSING instead of creating the database */
    bool no_writer;            /* readers only: no writer thread, appends fail */
    unsigned wait_ms;          /* while the database is away (PostgreSQL): how long an
                                  event of store_append_notify may wait before its
                                  callback reports a failure [3000]; it is not written */
};

/* Sets one transaction per event (batch_max 1, no linger): for benchmarks. */
void store_options_per_event(struct store_options *o);

struct store;
typedef uint64_t store_ticket; /* 0 is "nothing to wait for" */

/* Called by the writer thread once the event is committed (result 0) or has failed for
 * good (result -1, msg says why; msg is valid during the call only). Must not block
 * and must not call back into the store. */
typedef void (*store_done_fn)(void *arg, int result, const char *msg);

/* url for messages and logs: the password of "scheme://user:password@host/..." replaced
 * by "***" (out is url as it is otherwise). */
void store_url_hide(const char *url, char *out, size_t len);

/* The default database of a repository: "sqlite:REPO/.fwhub/fwhub.db". Returns 0 or -1
 * when it does not fit into len. */
int store_default_url(const char *repo, char *out, size_t len) FW_NODISCARD;

/* Opens the store at url: "sqlite:PATH" or a plain PATH (SQLite), or "postgresql://..."
 * (or "postgres://...", a libpq connection URI; the database must exist, fwhub creates
 * its tables). A missing SQLite database is created with its directory (mode 0700, one
 * level); either is brought to the current schema (numbered migrations, the same in
 * sqlite.c and postgres.c); an existing one is migrated forward, never backward: a
 * database newer than this fwhub is refused. With opt->no_create a PostgreSQL database
 * without fwhub's tables is STORE_MISSING. Starts the writer thread unless opt->no_writer. Returns
 * 0 and *out, STORE_MISSING (with opt->no_create), or -1; err names the database. */
int store_open(const char *url, const struct store_options *opt, struct store **out,
               struct fw_err *err) FW_NODISCARD;

/* Writes out everything queued and the seen map, stops the writer thread, closes the
 * database and frees st (also on failure). Returns 0, or -1 when some event could not be
 * committed (err: the last failure). NULL is a no-op. */
int store_close(struct store *st, struct fw_err *err) FW_NODISCARD;

/* Queues ev for the writer and returns at once. *ticket (may be NULL) is what
 * store_wait takes; seen events get 0. Returns 0, STORE_BUSY when the queue or the
 * seen map is full (nothing was queued), or -1 for a bad event (an unknown audit event
 * name) or a store that is closing or read-only. */
int store_append(struct store *st, const struct store_event *ev, store_ticket *ticket,
                 struct fw_err *err) FW_NODISCARD;

/* As store_append; done(arg, ...) is called from the writer thread once the event is
 * committed or failed, before store_wait or store_flush return for any later event.
 * When this returns non-zero, done is not called. Not for seen events. */
int store_append_notify(struct store *st, const struct store_event *ev, store_done_fn done,
                        void *arg, struct fw_err *err) FW_NODISCARD;

/* Blocks until the event of ticket is committed (0) or failed (-1, err says why).
 * Ticket 0 returns 0 at once. */
int store_wait(struct store *st, store_ticket ticket, struct fw_err *err) FW_NODISCARD;

/* store_append and store_wait: returns once ev is committed. STORE_BUSY as append. */
int store_append_sync(struct store *st, const struct store_event *ev,
                      struct fw_err *err) FW_NODISCARD;

/* Blocks until everything appended before the call (seen map included) is written,
 * skipping the linger. Returns 0, or -1 when some of it failed. */
int store_flush(struct store *st, struct fw_err *err) FW_NODISCARD;

/* Upper bounds of the commit duration histogram's buckets, microseconds. */
#define STORE_COMMIT_BUCKETS 12
extern const uint64_t store_commit_bucket_us[STORE_COMMIT_BUCKETS];

/* Counters for /metrics; a consistent copy. */
struct store_stats {
    uint64_t appended;        /* events accepted (seen events included) */
    uint64_t busy;            /* appends refused with STORE_BUSY */
    uint64_t committed;       /* events (rows) committed */
    uint64_t audit_committed; /* audit records committed */
    uint64_t failed;          /* events that could not be committed */
    uint64_t transactions;    /* commits */
    size_t queue_depth;       /* events waiting now */
    size_t seen_pending;      /* devices waiting in the seen map now */
    uint64_t commit_us_last;  /* duration of the last commit, microseconds */
    uint64_t commit_us_max;   /* the longest commit so far */
    uint64_t commit_us_total; /* sum over all commits (mean = total / transactions) */
    uint64_t commit_buckets[STORE_COMMIT_BUCKETS + 1]; /* commits that took at most
                                   store_commit_bucket_us[i] (and more than the bucket
                                   before); the last: longer than every bound */
    uint64_t reconnects; /* connections to the database made again (PostgreSQL) */
    uint64_t in_doubt;   /* commits whose answer was lost with the connection, settled
                            after reconnecting */
    bool db_down;        /* the writer is waiting for the database now */
};

void store_stats(struct store *st, struct store_stats *out);

/* Calls fn(arg) from a thread of the store whenever a catalog change is committed to the
 * database by any process (an audit record of the category "admin": target.created,
 * target.archived, release.added, ...), and after the store reconnected to it; fn must
 * be quick and thread-safe. Only PostgreSQL delivers such changes (LISTEN/NOTIFY); with
 * SQLite this returns 0 and fn is never called (the file system is the only channel).
 * store_close stops it. Returns 0 or -1 with err. */
int store_watch(struct store *st, void (*fn)(void *), void *arg, struct fw_err *err) FW_NODISCARD;

/* The URL the store was opened with, for messages and logs (store_url_hide: without a
 * password). */
const char *store_where(const struct store *st);

/* ---- reading ------------------------------------------------------------------------ */

/* Readers run on the caller's thread over their own connection (one at a time per
 * store; concurrent readers wait for each other, not for the writer). They see what is
 * committed: call store_flush first to include what was just appended. Strings in the
 * records are valid during the callback only. A callback returns 0 to go on, non-zero
 * to stop the scan (the scan then returns 0). */

/* One committed audit record, as stored. */
struct store_audit {
    int64_t id;
    int64_t time;
    const char *actor, *client_addr, *user_agent, *category, *event;
    const char *subject_mac; /* "AB:CD:EF:12:34:56" or "" */
    const char *target_version, *result, *detail;
    char prev_hash[SHA256_HEX_LEN];
    char hash[SHA256_HEX_LEN];
};

/* Which audit records a scan returns; a zeroed filter returns all, in id order. */
struct store_audit_filter {
    uint64_t mac;      /* subject_mac; 0: any */
    int64_t since;     /* time >= since; 0: any */
    const char *event; /* exact name, or a glob with '*' ("target.*"); NULL: any */
    int64_t after_id;  /* id > after_id */
    size_t limit;      /* at most this many; 0: no limit */
};

typedef int (*store_audit_fn)(void *arg, const struct store_audit *r);

int store_audit_scan(struct store *st, const struct store_audit_filter *f, store_audit_fn fn,
                     void *arg, struct fw_err *err) FW_NODISCARD;

/* The last record's id and hash as the store keeps them apart from the records (the
 * chain's head; 0 and 64 zeros when empty). */
int store_audit_head(struct store *st, int64_t *id, char hash[SHA256_HEX_LEN],
                     struct fw_err *err) FW_NODISCARD;

/* The id of the record whose hash is hash, or 0 when none is. */
int store_audit_find_hash(struct store *st, const char *hash, int64_t *id,
                          struct fw_err *err) FW_NODISCARD;

/* One row of the devices inventory. */
struct store_device {
    const char *mac, *model, *version, *offered, *last_addr;
    int64_t first_seen, last_seen;
};

/* One status report. */
struct store_status {
    int64_t id, time;
    const char *mac, *version, *status, *detail;
    const char *client_addr; /* "" for reports written before schema step 4 */
};

/* One download. */
struct store_download {
    int64_t id, time;
    const char *mac, *path, *ranges;
    uint64_t bytes;
    bool complete;
};

typedef int (*store_device_fn)(void *arg, const struct store_device *d);
typedef int (*store_status_fn)(void *arg, const struct store_status *s);
typedef int (*store_download_fn)(void *arg, const struct store_download *d);

/* Every row of the table, devices by MAC, status reports and downloads by id. */
int store_scan_devices(struct store *st, store_device_fn fn, void *arg,
                       struct fw_err *err) FW_NODISCARD;
int store_scan_status(struct store *st, store_status_fn fn, void *arg,
                      struct fw_err *err) FW_NODISCARD;
/* The status reports with an id above after, by id, at most limit of them (0: all): a
 * cursor for readers that follow the table. Ids grow in commit order on both backends
 * (PostgreSQL's writers take the chain's head row first). */
/* The inventory row of one device (fn is called once, or not at all when the device was
 * never seen). What the writer has not committed yet is not there. */
int store_scan_device(struct store *st, uint64_t mac, store_device_fn fn, void *arg,
                      struct fw_err *err) FW_NODISCARD;

int store_scan_status_after(struct store *st, int64_t after, size_t limit, store_status_fn fn,
                            void *arg, struct fw_err *err) FW_NODISCARD;
int store_scan_downloads(struct store *st, store_download_fn fn, void *arg,
                         struct fw_err *err) FW_NODISCARD;

/* ---- backends ------------------------------------------------------------------------ */

/* What store.c needs from a database. A handle (void *db) is used by one thread at a
 * time; store.c opens one for the writer thread and one for readers. Each function
 * returns 0 or -1 with err, unless said otherwise. A second backend (postgres.c) fills
 * the same table. */
struct store_backend {
    const char *name; /* "sqlite" */
    bool utf8_only;   /* text must be valid UTF-8: store.c replaces each byte of an invalid
                         sequence by '?' before hashing (PostgreSQL refuses such text, and
                         would fail the whole group for one device's odd User-Agent) */

    /* Opens where (the URL without its scheme); creates it when create is set, else
     * returns STORE_MISSING for a database that does not exist. Migrates the schema. */
    int (*open)(const char *where, bool create, void **db, struct fw_err *err);
    void (*close)(void *db);

    /* A write transaction that excludes other writers (other processes too) until
     * commit or rollback; rollback never fails. */
    int (*begin)(void *db, struct fw_err *err);
    int (*commit)(void *db, struct fw_err *err);
    void (*rollback)(void *db);

    /* Inside a transaction: the chain's head; put_audit writes one record (id and hashes
     * set by the caller); set_audit_head moves the head to the last one written. */
    int (*audit_head)(void *db, int64_t *id, char hash[SHA256_HEX_LEN], struct fw_err *err);
    int (*put_audit)(void *db, const struct store_audit *r, struct fw_err *err);
    int (*set_audit_head)(void *db, int64_t id, const char *hash, struct fw_err *err);
    int (*put_seen)(void *db, const struct store_event *ev, struct fw_err *err);
    int (*put_status)(void *db, const struct store_event *ev, struct fw_err *err);
    int (*put_download)(void *db, const struct store_event *ev, struct fw_err *err);

    /* Readers, as the store_ functions of the same names. */
    int (*scan_audit)(void *db, const struct store_audit_filter *f, store_audit_fn fn, void *arg,
                      struct fw_err *err);
    int (*find_hash)(void *db, const char *hash, int64_t *id, struct fw_err *err);
    int (*scan_devices)(void *db, uint64_t mac, store_device_fn fn, void *arg,
                        struct fw_err *err); /* mac 0: every device */
    int (*scan_status)(void *db, int64_t after, size_t limit, store_status_fn fn, void *arg,
                       struct fw_err *err);
    int (*scan_downloads)(void *db, store_download_fn fn, void *arg, struct fw_err *err);

    /* Backends over a network connection (postgres.c) fill the rest; sqlite.c leaves them
     * NULL. After begin, a put_ or commit failed, link(db) says whether the connection
     * went away: STORE_LINK_OK (no: the database refused, as with SQLite), STORE_LINK_LOST
     * (gone, and the transaction did not commit) or STORE_LINK_IN_DOUBT (gone after COMMIT
     * was sent: it may have committed). reconnect opens a new connection; after
     * STORE_LINK_IN_DOUBT it also finds out what became of that transaction and sets
     * *committed (false otherwise). */
    int (*link)(void *db);
    int (*reconnect)(void *db, bool *committed, struct fw_err *err);

    /* Starts a thread of the backend that calls fn(arg) whenever a transaction with an
     * "admin" audit record (a catalog change) commits, from any process, and after it
     * reconnected (it may have missed one); stops it. */
    int (*watch)(const char *where, void (*fn)(void *), void *arg, void **handle,
                 struct fw_err *err);
    void (*unwatch)(void *handle);
};

enum { STORE_LINK_OK, STORE_LINK_LOST, STORE_LINK_IN_DOUBT };

extern const struct store_backend store_sqlite;
extern const struct store_backend store_postgres;

#endif
