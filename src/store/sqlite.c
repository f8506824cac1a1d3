/* sqlite.c: the SQLite backend of the event store: WAL, FULL sync, numbered migrations. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mac.h"
#include "store/audit.h"
#include "store/store.h"

/*
 * Durability: journal_mode=WAL with synchronous=FULL. In WAL mode NORMAL skips the fsync
 * of each commit, so a power cut or a kernel crash can lose the last commits although
 * their callers were told "committed" and a device already got its targeted answer.
 * The audit trail promises the opposite, and the writer commits in groups, so FULL
 * costs one fsync per group, not per event (see bench/store.c).
 *
 * Several processes may write one database (`fwhub serve` and the command line): every
 * write transaction is BEGIN IMMEDIATE, and a connection waits up to BUSY_MS for another
 * one's transaction before it reports the database as busy.
 */
#define BUSY_MS 5000

/* Numbered migration steps: step k brings schema_version from k-1 to k. Never edit a
 * step that was released; add one. postgres.c keeps the same numbering. */
static const char *const migrations[] = {
    /* 1: the tables of the event store */
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " actor TEXT NOT NULL DEFAULT '', client_addr TEXT NOT NULL DEFAULT '',"
    " user_agent TEXT NOT NULL DEFAULT '', category TEXT NOT NULL DEFAULT '',"
    " event TEXT NOT NULL, subject_mac TEXT NOT NULL DEFAULT '',"
    " target_version TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT '', prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE TABLE audit_head (one INTEGER PRIMARY KEY CHECK (one = 1),"
    " id INTEGER NOT NULL, hash TEXT NOT NULL);"
    "INSERT INTO audit_head VALUES (1, 0, '" AUDIT_GENESIS "');"
    "CREATE TABLE devices (mac TEXT PRIMARY KEY, model TEXT NOT NULL DEFAULT '',"
    " version TEXT NOT NULL DEFAULT '', offered TEXT NOT NULL DEFAULT '',"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " last_addr TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE status_reports (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " mac TEXT NOT NULL, version TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE downloads (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " mac TEXT NOT NULL DEFAULT '', path TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0,"
    " ranges TEXT NOT NULL DEFAULT '', complete INTEGER NOT NULL DEFAULT 0);",

    /* 2: indexes for `fwhub audit --mac/--event/--since` and `fwhub report` */
    "CREATE INDEX audit_by_mac ON audit (subject_mac, id);"
    "CREATE INDEX audit_by_event ON audit (event, id);"
    "CREATE INDEX audit_by_time ON audit (time);"
    "CREATE INDEX status_by_mac ON status_reports (mac, id);"
    "CREATE INDEX downloads_by_mac ON downloads (mac, id);",

    /* 3: one row per writing process and its last transaction; postgres.c settles a
     * commit whose answer was lost with the connection by it. SQLite has no connection
     * to lose and leaves it empty; the step keeps both backends' numbers the same. */
    "CREATE TABLE writers (instance TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
    " time INTEGER NOT NULL);",

    /* 4: the address a status report came from, for the webhooks that read the reports
     * back from the store */
    "ALTER TABLE status_reports ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum {
    S_BEGIN,
    S_COMMIT,
    S_HEAD,
    S_SET_HEAD,
    S_AUDIT,
    S_SEEN,
    S_STATUS,
    S_DOWNLOAD,
    S_FIND,
    N_STMT
};

static const char *const stmt_sql[N_STMT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_HEAD] = "SELECT id, hash FROM audit_head WHERE one = 1",
    [S_SET_HEAD] = "UPDATE audit_head SET id = ?1, hash = ?2 WHERE one = 1",
    [S_AUDIT] = "INSERT INTO audit (id, time, actor, client_addr, user_agent, category, event,"
                " subject_mac, target_version, result, detail, prev_hash, hash)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_SEEN] = "INSERT INTO devices (mac, model, version, offered, first_seen, last_seen,"
               " last_addr) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)"
               " ON CONFLICT (mac) DO UPDATE SET"
               " model = CASE WHEN excluded.model <> '' THEN excluded.model ELSE model END,"
               " version = CASE WHEN excluded.version <> '' THEN excluded.version"
               " ELSE version END,"
               " offered = CASE WHEN excluded.offered <> '' THEN excluded.offered"
               " ELSE offered END,"
               " first_seen = min(first_seen, excluded.first_seen),"
               " last_seen = max(last_seen, excluded.last_seen),"
               " last_addr = excluded.last_addr",
    [S_STATUS] = "INSERT INTO status_reports (time, mac, version, status, detail, client_addr)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_DOWNLOAD] = "INSERT INTO downloads (time, mac, path, bytes, ranges, complete)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_FIND] = "SELECT id FROM audit WHERE hash = ?1 ORDER BY id LIMIT 1",
};

struct sq {
    sqlite3 *db;
    sqlite3_stmt *stmt[N_STMT];
    char path[PATH_MAX];
};

/* The database, SQLite's message and, for an I/O failure, the system's: "disk I/O error"
 * alone does not tell a full disk from a failing one. */
static int sq_fail(struct sq *s, struct fw_err *err)
{
    int code = sqlite3_errcode(s->db) & 0xff, sys = sqlite3_system_errno(s->db);

    if ((code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN) && sys > 0)
        return fw_fail(err, "%s: %s (%s)", s->path, sqlite3_errmsg(s->db), strerror(sys));
    return fw_fail(err, "%s: %s", s->path, sqlite3_errmsg(s->db));
}

static int exec(struct sq *s, const char *sql, struct fw_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

    if (rc == SQLITE_OK)
        return 0;
    fw_fail(err, "%s: %s", s->path, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return -1;
}

/* The cached statement k, reset and unbound; NULL with err on failure. */
static sqlite3_stmt *stmt(struct sq *s, int k, struct fw_err *err)
{
    sqlite3_stmt *st = s->stmt[k];

    if (!st && sqlite3_prepare_v3(s->db, stmt_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[k],
                                  NULL) != SQLITE_OK) {
        sq_fail(s, err);
        return NULL;
    }
    st = s->stmt[k];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Steps a statement that returns no rows. */
static int run(struct sq *s, sqlite3_stmt *st, struct fw_err *err)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sq_fail(s, err);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? (const char *)t : "";
}

/* ---- opening ------------------------------------------------------------------------ */

/* Creates the database's directory (one level, mode 0700) and the file (mode 0600), so
 * that the events of a repository are readable by its owner only. */
static int prepare_file(const char *path, struct fw_err *err)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;

    if (slash && slash > path) {
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return fw_fail(err, "cannot create %s: %s", dir, strerror(errno));
    }
    /* O_EXCL: an existing file is not opened at all. Closing a descriptor of the file
     * would drop every POSIX lock this process holds on it, those of a connection opened
     * before (the server's writer, when its reader connection opens): another process
     * would then take the database for unused, checkpoint and delete the WAL under it. */
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0;
    if (fd < 0)
        return fw_fail(err, "cannot create %s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

/* A one-row, one-column query's integer or text answer. */
static int query_one(struct sq *s, const char *sql, int64_t *num, char *text, size_t tlen,
                     struct fw_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sq_fail(s, err);
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        sq_fail(s, err);
        goto out;
    }
    if (num)
        *num = sqlite3_column_int64(st, 0);
    if (text)
        snprintf(text, tlen, "%s", col_text(st, 0));
    rc = 0;

out:
    sqlite3_finalize(st);
    return rc;
}

static int schema_version(struct sq *s, int64_t *v, struct fw_err *err)
{
    int64_t has = 0;

    if (query_one(s,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                  " AND name = 'schema_version'",
                  &has, NULL, 0, err) < 0)
        return -1;
    *v = 0;
    return has ? query_one(s, "SELECT coalesce(max(version), 0) FROM schema_version", v, NULL, 0,
                           err)
               : 0;
}

/* Applies the missing steps in one write transaction (another process may be doing the
 * same: the version is read again under the lock). */
static int migrate_locked(struct sq *s, struct fw_err *err)
{
    char sql[128];
    int64_t v;

    if (exec(s, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    if (exec(s,
             "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
             " applied INTEGER NOT NULL)",
             err) < 0 ||
        schema_version(s, &v, err) < 0)
        goto fail;
    for (; v < SCHEMA_VERSION; v++) {
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_version VALUES (%d, CAST(strftime('%%s', 'now') AS INT))",
                 (int)v + 1);
        if (exec(s, migrations[v], err) < 0 || exec(s, sql, err) < 0) {
            fw_context(err, "%s: migration step %d", s->path, (int)v + 1);
            goto fail;
        }
    }
    if (exec(s, "COMMIT", err) < 0)
        goto fail;
    return 0;

fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int migrate(struct sq *s, struct fw_err *err)
{
    int64_t v;

    if (schema_version(s, &v, err) < 0)
        return -1;
    if (v > SCHEMA_VERSION)
        return fw_fail(err,
                       "%s: schema version %d is newer than this fwhub knows (%d); use a "
                       "newer fwhub",
                       s->path, (int)v, SCHEMA_VERSION);
    return v == SCHEMA_VERSION ? 0 : migrate_locked(s, err);
}

static int configure(struct sq *s, struct fw_err *err)
{
    char mode[16];

    sqlite3_busy_timeout(s->db, BUSY_MS);
    if (query_one(s, "PRAGMA journal_mode = WAL", NULL, mode, sizeof(mode), err) < 0)
        return -1;
    if (strcmp(mode, "wal") != 0)
        return fw_fail(err, "%s: cannot switch to WAL mode (journal_mode is %s)", s->path, mode);
    return exec(s, "PRAGMA synchronous = FULL", err);
}

static void sq_close(void *db)
{
    struct sq *s = db;

    if (!s)
        return;
    for (int k = 0; k < N_STMT; k++)
        sqlite3_finalize(s->stmt[k]);
    sqlite3_close(s->db);
    free(s);
}

static int sq_open(const char *where, bool create, void **out, struct fw_err *err)
{
    struct sq *s = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    if (!create && access(where, F_OK) < 0 && errno == ENOENT) {
        fw_fail(err, "%s does not exist (nothing was recorded yet)", where);
        return STORE_MISSING;
    }
    if (create && prepare_file(where, err) < 0)
        return -1;
    s = calloc(1, sizeof(*s));
    if (!s)
        return fw_fail(err, "%s: out of memory", where);
    snprintf(s->path, sizeof(s->path), "%s", where);
    if (sqlite3_open_v2(where, &s->db, flags, NULL) != SQLITE_OK) {
        sq_fail(s, err);
        goto fail;
    }
    if (configure(s, err) < 0 || migrate(s, err) < 0)
        goto fail;
    *out = s;
    return 0;

fail:
    sq_close(s);
    return -1;
}

/* ---- writing ------------------------------------------------------------------------ */

static int sq_begin(void *db, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_BEGIN, err);

    return st ? run(s, st, err) : -1;
}

static int sq_commit(void *db, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_COMMIT, err);

    return st ? run(s, st, err) : -1;
}

static void sq_rollback(void *db)
{
    struct sq *s = db;

    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_audit_head(void *db, int64_t *id, char hash[SHA256_HEX_LEN], struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_HEAD, err);
    int rc;

    if (!st)
        return -1;
    *id = 0;
    memcpy(hash, AUDIT_GENESIS, SHA256_HEX_LEN);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        snprintf(hash, SHA256_HEX_LEN, "%s", col_text(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(s, err);
}

static int sq_put_audit(void *db, const struct store_audit *r, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_AUDIT, err);
    const char *text[] = {
        r->actor,          r->client_addr, r->user_agent, r->category,  r->event, r->subject_mac,
        r->target_version, r->result,      r->detail,     r->prev_hash, r->hash};

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->time);
    for (int i = 0; i < (int)(sizeof(text) / sizeof(text[0])); i++)
        bind_text(st, i + 3, text[i]);
    return run(s, st, err);
}

static int sq_set_audit_head(void *db, int64_t id, const char *hash, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_SET_HEAD, err);

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, hash);
    return run(s, st, err);
}

static void bind_mac(sqlite3_stmt *st, int i, uint64_t mac)
{
    char m[MAC_STR_LEN] = "";

    if (mac)
        mac_format(mac, m);
    sqlite3_bind_text(st, i, m, -1, SQLITE_TRANSIENT);
}

static int sq_put_seen(void *db, const struct store_event *ev, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_SEEN, err);

    if (!st)
        return -1;
    bind_mac(st, 1, ev->mac);
    bind_text(st, 2, ev->model);
    bind_text(st, 3, ev->version);
    bind_text(st, 4, ev->offered);
    sqlite3_bind_int64(st, 5, ev->time);
    bind_text(st, 6, ev->client_addr);
    return run(s, st, err);
}

static int sq_put_status(void *db, const struct store_event *ev, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_STATUS, err);

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, ev->time);
    bind_mac(st, 2, ev->mac);
    bind_text(st, 3, ev->version);
    bind_text(st, 4, ev->status);
    bind_text(st, 5, ev->detail);
    bind_text(st, 6, ev->client_addr);
    return run(s, st, err);
}

static int sq_put_download(void *db, const struct store_event *ev, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_DOWNLOAD, err);

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, ev->time);
    bind_mac(st, 2, ev->mac);
    bind_text(st, 3, ev->path);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)ev->bytes);
    bind_text(st, 5, ev->ranges);
    sqlite3_bind_int(st, 6, ev->complete);
    return run(s, st, err);
}

/* ---- reading ------------------------------------------------------------------------ */

/* Prepares sql for a scan; the caller finalizes. */
static sqlite3_stmt *scan_stmt(struct sq *s, const char *sql, struct fw_err *err)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sq_fail(s, err);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* The SQL of an audit scan: one fixed clause per filter, values bound by number. */
static void audit_sql(const struct store_audit_filter *f, char *sql, size_t len)
{
    const char *ev = f->event;

    snprintf(sql, len,
             "SELECT id, time, actor, client_addr, user_agent, category, event, subject_mac,"
             " target_version, result, detail, prev_hash, hash FROM audit WHERE id > ?1%s%s%s"
             " ORDER BY id%s",
             f->mac ? " AND subject_mac = ?2" : "", f->since ? " AND time >= ?3" : "",
             !ev               ? ""
             : strchr(ev, '*') ? " AND event GLOB ?4"
                               : " AND event = ?4",
             f->limit ? " LIMIT ?5" : "");
}

static void bind_filter(sqlite3_stmt *st, const struct store_audit_filter *f)
{
    sqlite3_bind_int64(st, 1, f->after_id);
    if (f->mac)
        bind_mac(st, 2, f->mac);
    if (f->since)
        sqlite3_bind_int64(st, 3, f->since);
    if (f->event)
        bind_text(st, 4, f->event);
    if (f->limit)
        sqlite3_bind_int64(st, 5, (sqlite3_int64)f->limit);
}

static void read_audit(sqlite3_stmt *st, struct store_audit *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->time = sqlite3_column_int64(st, 1);
    r->actor = col_text(st, 2);
    r->client_addr = col_text(st, 3);
    r->user_agent = col_text(st, 4);
    r->category = col_text(st, 5);
    r->event = col_text(st, 6);
    r->subject_mac = col_text(st, 7);
    r->target_version = col_text(st, 8);
    r->result = col_text(st, 9);
    r->detail = col_text(st, 10);
    snprintf(r->prev_hash, sizeof(r->prev_hash), "%s", col_text(st, 11));
    snprintf(r->hash, sizeof(r->hash), "%s", col_text(st, 12));
}

/* Steps st to its end, handing each row to one(row, arg); one returns non-zero to stop. */
static int each_row(struct sq *s, sqlite3_stmt *st, int (*one)(sqlite3_stmt *, void *), void *arg,
                    struct fw_err *err)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (one(st, arg) != 0)
            return 0;
    return rc == SQLITE_DONE ? 0 : sq_fail(s, err);
}

struct audit_cb {
    store_audit_fn fn;
    void *arg;
};

static int one_audit(sqlite3_stmt *st, void *arg)
{
    struct audit_cb *cb = arg;
    struct store_audit r;

    read_audit(st, &r);
    return cb->fn(cb->arg, &r);
}

static int sq_scan_audit(void *db, const struct store_audit_filter *f, store_audit_fn fn, void *arg,
                         struct fw_err *err)
{
    struct sq *s = db;
    struct audit_cb cb = {fn, arg};
    char sql[512];
    sqlite3_stmt *st;
    int rc;

    audit_sql(f, sql, sizeof(sql));
    st = scan_stmt(s, sql, err);
    if (!st)
        return -1;
    bind_filter(st, f);
    rc = each_row(s, st, one_audit, &cb, err);
    sqlite3_finalize(st);
    return rc;
}

static int sq_find_hash(void *db, const char *hash, int64_t *id, struct fw_err *err)
{
    struct sq *s = db;
    sqlite3_stmt *st = stmt(s, S_FIND, err);
    int rc;

    if (!st)
        return -1;
    bind_text(st, 1, hash);
    *id = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_fail(s, err);
}

struct device_cb {
    store_device_fn fn;
    void *arg;
};

static int one_device(sqlite3_stmt *st, void *arg)
{
    struct device_cb *cb = arg;
    struct store_device d = {col_text(st, 0),
                             col_text(st, 1),
                             col_text(st, 2),
                             col_text(st, 3),
                             col_text(st, 6),
                             sqlite3_column_int64(st, 4),
                             sqlite3_column_int64(st, 5)};

    return cb->fn(cb->arg, &d);
}

static int sq_scan_devices(void *db, uint64_t mac, store_device_fn fn, void *arg,
                           struct fw_err *err)
{
    struct sq *s = db;
    struct device_cb cb = {fn, arg};
    sqlite3_stmt *st = scan_stmt(s,
                                 mac ? "SELECT mac, model, version, offered, first_seen, last_seen,"
                                       " last_addr FROM devices WHERE mac = ?1"
                                     : "SELECT mac, model, version, offered, first_seen, last_seen,"
                                       " last_addr FROM devices ORDER BY mac",
                                 err);
    int rc;

    if (!st)
        return -1;
    if (mac)
        bind_mac(st, 1, mac);
    rc = each_row(s, st, one_device, &cb, err);
    sqlite3_finalize(st);
    return rc;
}

struct status_cb {
    store_status_fn fn;
    void *arg;
};

static int one_status(sqlite3_stmt *st, void *arg)
{
    struct status_cb *cb = arg;
    struct store_status r = {sqlite3_column_int64(st, 0),
                             sqlite3_column_int64(st, 1),
                             col_text(st, 2),
                             col_text(st, 3),
                             col_text(st, 4),
                             col_text(st, 5),
                             col_text(st, 6)};

    return cb->fn(cb->arg, &r);
}

static int sq_scan_status(void *db, int64_t after, size_t limit, store_status_fn fn, void *arg,
                          struct fw_err *err)
{
    struct sq *s = db;
    struct status_cb cb = {fn, arg};
    sqlite3_stmt *st = scan_stmt(s,
                                 "SELECT id, time, mac, version, status, detail, client_addr"
                                 " FROM status_reports WHERE id > ?1 ORDER BY id LIMIT ?2",
                                 err);
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    rc = each_row(s, st, one_status, &cb, err);
    sqlite3_finalize(st);
    return rc;
}

struct download_cb {
    store_download_fn fn;
    void *arg;
};

static int one_download(sqlite3_stmt *st, void *arg)
{
    struct download_cb *cb = arg;
    struct store_download d = {sqlite3_column_int64(st, 0),
                               sqlite3_column_int64(st, 1),
                               col_text(st, 2),
                               col_text(st, 3),
                               col_text(st, 5),
                               (uint64_t)sqlite3_column_int64(st, 4),
                               sqlite3_column_int(st, 6) != 0};

    return cb->fn(cb->arg, &d);
}

static int sq_scan_downloads(void *db, store_download_fn fn, void *arg, struct fw_err *err)
{
    struct sq *s = db;
    struct download_cb cb = {fn, arg};
    sqlite3_stmt *st = scan_stmt(
        s, "SELECT id, time, mac, path, bytes, ranges, complete FROM downloads ORDER BY id", err);
    int rc;

    if (!st)
        return -1;
    rc = each_row(s, st, one_download, &cb, err);
    sqlite3_finalize(st);
    return rc;
}

const struct store_backend store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .audit_head = sq_audit_head,
    .put_audit = sq_put_audit,
    .set_audit_head = sq_set_audit_head,
    .put_seen = sq_put_seen,
    .put_status = sq_put_status,
    .put_download = sq_put_download,
    .scan_audit = sq_scan_audit,
    .find_hash = sq_find_hash,
    .scan_devices = sq_scan_devices,
    .scan_status = sq_scan_status,
    .scan_downloads = sq_scan_downloads,
};
