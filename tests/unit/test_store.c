/* test_store.c: the event store: queue, group commit, schema, and the audit chain, on SQLite,
 * or on PostgreSQL when FWHUB_TEST_DB names a postgresql:// database (its public schema is
 * emptied before each test; tests/integration/test_store_pg.sh starts one and runs this). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mac.h"
#include "store/audit.h"
#include "store/store.h"

#define MAC1 0xABCDEF123456u
#define MAC2 0x240AC43B910Cu

static char dir[64];
static char db[1024];
static const char *pg_url; /* FWHUB_TEST_DB when it names a PostgreSQL database */

/* Runs sql on the PostgreSQL database with libpq, as a person with access would. */
static void pg_exec(const char *sql, int64_t *v)
{
    PGconn *c = PQconnectdb(pg_url);
    PGresult *r;

    if (PQstatus(c) != CONNECTION_OK)
        print_error("%s: %s\n", pg_url, PQerrorMessage(c));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        print_error("%s: %s\n", sql, PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    if (v) {
        assert_int_equal(PQntuples(r), 1);
        *v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    }
    PQclear(r);
    PQfinish(c);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fwhub-test-store.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (pg_url) {
        snprintf(db, sizeof(db), "%s", pg_url);
        pg_exec("SET client_min_messages = warning; DROP SCHEMA public CASCADE;"
                " CREATE SCHEMA public",
                NULL);
        return 0;
    }
    snprintf(db, sizeof(db), "%s/.fwhub/fwhub.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct store *open_with(const struct store_options *o)
{
    struct store *st = NULL;
    struct fw_err err = {""};
    int rc = store_open(db, o, &st, &err);

    if (rc != 0)
        print_error("store_open: %s\n", err.msg);
    assert_int_equal(rc, 0);
    return st;
}

static void close_ok(struct store *st)
{
    struct fw_err err = {""};
    int rc = store_close(st, &err);

    if (rc != 0)
        print_error("store_close: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

static void flush_ok(struct store *st)
{
    struct fw_err err = {""};
    int rc = store_flush(st, &err);

    if (rc != 0)
        print_error("store_flush: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

static struct store_event audit_ev(const char *event, uint64_t mac, const char *version)
{
    return (struct store_event){.kind = STORE_AUDIT,
                                .time = 1727265600,
                                .mac = mac,
                                .event = event,
                                .actor = "cli:tester",
                                .client_addr = "192.0.2.7",
                                .user_agent = "test/1",
                                .version = version,
                                .result = "ok",
                                .detail = "from the unit test"};
}

/* Appends n audit records and closes the store. */
static void write_audit(int n)
{
    struct store *st = open_with(NULL);
    struct fw_err err;

    for (int i = 0; i < n; i++) {
        struct store_event ev = audit_ev("target.answered", MAC1, "10.2.1-custom");

        assert_int_equal(store_append(st, &ev, NULL, &err), 0);
    }
    close_ok(st);
}

/* Runs sql on the database file with the sqlite3 library, as a person with the file would. */
static void tamper(const char *sql)
{
    sqlite3 *h = NULL;
    char *msg = NULL;

    if (pg_url) {
        pg_exec(sql, NULL);
        return;
    }
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        print_error("%s: %s\n", sql, msg);
    assert_null(msg);
    sqlite3_close(h);
}

static int64_t query_int(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v;

    if (pg_url) {
        pg_exec(sql, &v);
        return v;
    }
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static struct audit_verdict verify(void)
{
    struct store_options o = {.no_writer = true};
    struct store *st = open_with(&o);
    struct audit_verdict v;
    struct fw_err err = {""};

    assert_int_equal(audit_verify(st, &v, &err), 0);
    close_ok(st);
    return v;
}

static void expect_broken(int64_t id, const char *words)
{
    struct audit_verdict v = verify();

    if (v.ok || v.bad_id != id || !strstr(v.why, words))
        print_error("verdict: ok=%d bad_id=%lld why=%s\n", v.ok, (long long)v.bad_id, v.why);
    assert_false(v.ok);
    assert_int_equal(v.bad_id, id);
    assert_non_null(strstr(v.why, words));
}

/* ---- appending and reading back ------------------------------------------------------ */

struct collected {
    int n;
    struct store_audit last;
    char event[64], mac[MAC_STR_LEN], actor[64];
    char detail[STORE_DETAIL_MAX + 1];
};

static int collect(void *arg, const struct store_audit *r)
{
    struct collected *c = arg;

    c->n++;
    c->last = *r;
    snprintf(c->event, sizeof(c->event), "%s", r->event);
    snprintf(c->mac, sizeof(c->mac), "%s", r->subject_mac);
    snprintf(c->actor, sizeof(c->actor), "%s", r->actor);
    snprintf(c->detail, sizeof(c->detail), "%s", r->detail);
    return 0;
}

static int count_status(void *arg, const struct store_status *s)
{
    int *n = arg;

    assert_string_equal(s->mac, "AB:CD:EF:12:34:56");
    assert_string_equal(s->status, "Installed");
    assert_string_equal(s->version, "10.2.1-custom");
    (*n)++;
    return 0;
}

static int count_download(void *arg, const struct store_download *d)
{
    int *n = arg;

    assert_string_equal(d->path, "targeted/firmware/AB_CD_EF_12_34_56/fix.bin");
    assert_int_equal(d->bytes, 1216348);
    assert_true(d->complete);
    (*n)++;
    return 0;
}

struct status_seen {
    int n;
    int64_t ids[16];
    char client[16][64];
};

static int note_status(void *arg, const struct store_status *s)
{
    struct status_seen *v = arg;

    assert_true(v->n < 16);
    v->ids[v->n] = s->id;
    snprintf(v->client[v->n], sizeof(v->client[0]), "%s", s->client_addr);
    v->n++;
    return 0;
}

/* The webhooks follow status_reports with a cursor: after an id, a few at a time. */
static void status_reports_are_read_after_an_id(void **state)
{
    struct store *st = open_with(NULL);
    struct fw_err err = {""};
    struct status_seen all = {0}, part = {0}, rest = {0}, none = {0};

    (void)state;
    for (int i = 0; i < 5; i++) {
        char addr[32];
        struct store_event s = {.kind = STORE_STATUS,
                                .mac = MAC1,
                                .version = "10.2.1-custom",
                                .status = i == 3 ? "InstallationFailed" : "Installing",
                                .client_addr = addr};

        snprintf(addr, sizeof(addr), "192.0.2.%d", i + 1);
        assert_int_equal(store_append(st, &s, NULL, &err), 0);
    }
    flush_ok(st);
    assert_int_equal(store_scan_status_after(st, 0, 0, note_status, &all, &err), 0);
    assert_int_equal(all.n, 5);
    for (int i = 1; i < 5; i++)
        assert_true(all.ids[i] > all.ids[i - 1]);
    assert_string_equal(all.client[0], "192.0.2.1");
    assert_string_equal(all.client[4], "192.0.2.5");
    assert_int_equal(store_scan_status_after(st, all.ids[1], 2, note_status, &part, &err), 0);
    assert_int_equal(part.n, 2);
    assert_int_equal(part.ids[0], all.ids[2]);
    assert_int_equal(part.ids[1], all.ids[3]);
    assert_int_equal(store_scan_status_after(st, part.ids[1], 2, note_status, &rest, &err), 0);
    assert_int_equal(rest.n, 1);
    assert_string_equal(rest.client[0], "192.0.2.5");
    assert_int_equal(store_scan_status_after(st, all.ids[4], 0, note_status, &none, &err), 0);
    assert_int_equal(none.n, 0);
    close_ok(st);
}

static void append_flush_read_back(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = audit_ev("target.created", MAC1, "10.2.1-custom");
    struct store_event s = {
        .kind = STORE_STATUS, .mac = MAC1, .version = "10.2.1-custom", .status = "Installed"};
    struct store_event d = {.kind = STORE_DOWNLOAD,
                            .mac = MAC1,
                            .path = "targeted/firmware/AB_CD_EF_12_34_56/fix.bin",
                            .bytes = 1216348,
                            .complete = true};
    struct collected c = {0};
    store_ticket t = 0;
    struct fw_err err;
    int ns = 0, nd = 0;
    struct stat sb;

    (void)state;
    assert_int_equal(store_append(st, &a, &t, &err), 0);
    assert_true(t > 0);
    assert_int_equal(store_append(st, &s, NULL, &err), 0);
    assert_int_equal(store_append(st, &d, NULL, &err), 0);
    flush_ok(st);
    assert_int_equal(store_wait(st, t, &err), 0);
    assert_int_equal(store_audit_scan(st, NULL, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.last.id, 1);
    assert_int_equal(c.last.time, 1727265600);
    assert_string_equal(c.event, "target.created");
    assert_string_equal(c.mac, "AB:CD:EF:12:34:56");
    assert_string_equal(c.actor, "cli:tester");
    assert_string_equal(c.last.prev_hash, AUDIT_GENESIS);
    assert_int_equal(store_scan_status(st, count_status, &ns, &err), 0);
    assert_int_equal(store_scan_downloads(st, count_download, &nd, &err), 0);
    assert_int_equal(ns, 1);
    assert_int_equal(nd, 1);
    close_ok(st);

    if (pg_url)
        return;
    snprintf(c.detail, sizeof(c.detail), "%s/.fwhub", dir);
    assert_int_equal(stat(c.detail, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(
        query_int("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

static void audit_filters_select_records(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = audit_ev("target.created", MAC1, "1.0.0");
    struct store_event b = audit_ev("target.answered", MAC2, "2.0.0");
    struct store_audit_filter f = {0};
    struct collected c = {0};
    struct fw_err err;

    (void)state;
    b.time = a.time + 100;
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    assert_int_equal(store_append(st, &b, NULL, &err), 0);
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    flush_ok(st);
    f.mac = MAC2;
    assert_int_equal(store_audit_scan(st, &f, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.last.id, 2);
    memset(&c, 0, sizeof(c));
    f = (struct store_audit_filter){.event = "target.*"};
    assert_int_equal(store_audit_scan(st, &f, collect, &c, &err), 0);
    assert_int_equal(c.n, 3);
    memset(&c, 0, sizeof(c));
    f = (struct store_audit_filter){.event = "target.created", .limit = 1};
    assert_int_equal(store_audit_scan(st, &f, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.last.id, 1);
    memset(&c, 0, sizeof(c));
    f = (struct store_audit_filter){.since = a.time + 50};
    assert_int_equal(store_audit_scan(st, &f, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.event, "target.answered");
    close_ok(st);
}

static void unknown_audit_event_is_refused(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = audit_ev("target.frobnicated", MAC1, "1.0.0");
    struct fw_err err = {""};

    (void)state;
    assert_int_equal(store_append(st, &a, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "target.frobnicated"));
    assert_non_null(strstr(err.msg, "docs/audit.md"));
    close_ok(st);
}

static void long_text_is_cut_at_a_character(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = audit_ev("target.created", MAC1, "1.0.0");
    char *big = malloc(3001);
    struct collected c = {0};
    struct fw_err err;

    (void)state;
    for (int i = 0; i < 3000; i += 2)
        memcpy(big + i, "\xc3\xa9", 2); /* é */
    big[3000] = '\0';
    a.detail = big;
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    free(big);
    flush_ok(st);
    assert_int_equal(store_audit_scan(st, NULL, collect, &c, &err), 0);
    assert_int_equal(strlen(c.detail), STORE_DETAIL_MAX);
    close_ok(st);
}

/* ---- group commit and the queue ------------------------------------------------------ */

struct pusher {
    struct store *st;
    int n, errors;
};

static void *push(void *arg)
{
    struct pusher *p = arg;
    struct fw_err err;

    for (int i = 0; i < p->n; i++) {
        struct store_event ev = audit_ev("target.downloaded", MAC1 + (uint64_t)i, "1.0.0");
        int rc;

        while ((rc = store_append(p->st, &ev, NULL, &err)) == STORE_BUSY)
            usleep(100);
        p->errors += rc != 0;
    }
    return NULL;
}

static void many_events_share_few_commits(void **state)
{
    struct store *st = open_with(NULL);
    struct pusher p[4];
    pthread_t th[4];
    struct store_stats s;
    struct audit_verdict v;
    struct fw_err err = {""};

    (void)state;
    for (int i = 0; i < 4; i++) {
        p[i] = (struct pusher){st, 5000, 0};
        assert_int_equal(pthread_create(&th[i], NULL, push, &p[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(p[i].errors, 0);
    }
    flush_ok(st);
    store_stats(st, &s);
    assert_int_equal(s.committed, 20000);
    assert_int_equal(s.audit_committed, 20000);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.queue_depth, 0);
    assert_true(s.transactions <= 20000 / 20); /* groups, not one commit per event */
    assert_int_equal(audit_verify(st, &v, &err), 0);
    assert_true(v.ok);
    assert_int_equal(v.count, 20000);
    assert_int_equal(v.head_id, 20000);
    close_ok(st);
}

static void a_full_queue_answers_busy(void **state)
{
    struct store_options o = {.queue_max = 4, .batch_max = 8, .linger_us = 10 * 1000 * 1000};
    struct store *st = open_with(&o);
    struct store_event a = audit_ev("target.answered", MAC1, "1.0.0");
    struct store_stats s;
    struct fw_err err = {""};

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(store_append(st, &a, NULL, &err), 0);
    assert_int_equal(store_append(st, &a, NULL, &err), STORE_BUSY);
    assert_non_null(strstr(err.msg, "busy"));
    flush_ok(st); /* skips the linger */
    store_stats(st, &s);
    assert_int_equal(s.committed, 4);
    assert_int_equal(s.busy, 1);
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    close_ok(st);
    assert_int_equal(query_int("SELECT count(*) FROM audit"), 5);
}

static void seen_events_are_coalesced_per_mac(void **state)
{
    struct store_options o = {.seen_interval_ms = 60000};
    struct store *st = open_with(&o);
    struct store_event e = {
        .kind = STORE_SEEN, .mac = MAC1, .model = "EVSEPARKER_V2_GEN2", .client_addr = "192.0.2.1"};
    char v[16];
    struct store_stats s;
    struct fw_err err = {""};
    store_ticket t = 99;

    (void)state;
    for (int i = 0; i < 100; i++) {
        snprintf(v, sizeof(v), "10.%d.0", i);
        e.version = v;
        e.offered = i == 50 ? "11.0.0" : NULL;
        e.time = 1727265600 + i;
        assert_int_equal(store_append(st, &e, &t, &err), 0);
        assert_int_equal(t, 0);
    }
    e.mac = MAC2;
    assert_int_equal(store_append(st, &e, NULL, &err), 0);
    store_stats(st, &s);
    assert_int_equal(s.seen_pending, 2);
    flush_ok(st);
    store_stats(st, &s);
    assert_int_equal(s.committed, 2); /* two rows written for 101 check-ins */
    assert_int_equal(s.seen_pending, 0);
    close_ok(st);
    assert_int_equal(query_int("SELECT count(*) FROM devices"), 2);
    assert_int_equal(query_int("SELECT first_seen FROM devices WHERE mac = 'AB:CD:EF:12:34:56'"),
                     1727265600 + 99);
    assert_int_equal(query_int("SELECT CASE WHEN version = '10.99.0' AND offered = '11.0.0'"
                               " THEN 1 ELSE 0 END FROM devices WHERE mac = 'AB:CD:EF:12:34:56'"),
                     1);
}

static void seen_keeps_first_seen_and_the_last_offer(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event e = {
        .kind = STORE_SEEN, .mac = MAC1, .time = 1000, .version = "1.0.0", .offered = "2.0.0"};
    struct fw_err err;

    (void)state;
    assert_int_equal(store_append(st, &e, NULL, &err), 0);
    flush_ok(st);
    e.time = 2000;
    e.offered = NULL;
    e.version = "2.0.0";
    assert_int_equal(store_append(st, &e, NULL, &err), 0);
    close_ok(st);
    assert_int_equal(query_int("SELECT first_seen FROM devices"), 1000);
    assert_int_equal(query_int("SELECT last_seen FROM devices"), 2000);
    assert_int_equal(query_int("SELECT CASE WHEN offered = '2.0.0' AND version = '2.0.0'"
                               " THEN 1 ELSE 0 END FROM devices"),
                     1);
}

struct one_device {
    int n;
    char mac[MAC_STR_LEN], version[32], addr[64];
    int64_t last_seen;
};

static int note_device(void *arg, const struct store_device *d)
{
    struct one_device *o = arg;

    o->n++;
    snprintf(o->mac, sizeof(o->mac), "%s", d->mac);
    snprintf(o->version, sizeof(o->version), "%s", d->version);
    snprintf(o->addr, sizeof(o->addr), "%s", d->last_addr);
    o->last_seen = d->last_seen;
    return 0;
}

/* The webhooks look up the devices whose fix awaits confirmation, one by one. */
static void one_device_is_read_by_its_mac(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = {.kind = STORE_SEEN,
                            .mac = MAC1,
                            .time = 1000,
                            .version = "10.3.1-custom",
                            .client_addr = "192.0.2.9"};
    struct store_event b = {
        .kind = STORE_SEEN, .mac = 0x112233445566ULL, .time = 2000, .version = "10.2.0"};
    struct one_device got = {0}, none = {0};
    struct fw_err err;

    (void)state;
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    assert_int_equal(store_append(st, &b, NULL, &err), 0);
    flush_ok(st);
    assert_int_equal(store_scan_device(st, MAC1, note_device, &got, &err), 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.mac, "AB:CD:EF:12:34:56");
    assert_string_equal(got.version, "10.3.1-custom");
    assert_string_equal(got.addr, "192.0.2.9");
    assert_int_equal(got.last_seen, 1000);
    assert_int_equal(store_scan_device(st, 0x020000000001ULL, note_device, &none, &err), 0);
    assert_int_equal(none.n, 0);
    close_ok(st);
}

struct notified {
    pthread_mutex_t lock;
    int calls, result;
};

static void on_done(void *arg, int result, const char *msg)
{
    struct notified *n = arg;

    (void)msg;
    pthread_mutex_lock(&n->lock);
    n->calls++;
    n->result = result;
    pthread_mutex_unlock(&n->lock);
}

static void notify_and_sync_report_the_commit(void **state)
{
    struct store *st = open_with(NULL);
    struct store_event a = audit_ev("portal.lookup", MAC1, "");
    struct notified n = {PTHREAD_MUTEX_INITIALIZER, 0, -5};
    struct fw_err err;

    (void)state;
    assert_int_equal(store_append_notify(st, &a, on_done, &n, &err), 0);
    assert_int_equal(store_append_sync(st, &a, &err), 0);
    assert_int_equal(query_int("SELECT count(*) FROM audit"), 2); /* committed: visible */
    pthread_mutex_lock(&n.lock);
    assert_int_equal(n.calls, 1);
    assert_int_equal(n.result, 0);
    pthread_mutex_unlock(&n.lock);
    close_ok(st);
}

static void two_writers_keep_one_chain(void **state)
{
    struct store *a = open_with(NULL), *b = open_with(NULL);
    struct store_event e = audit_ev("target.created", MAC1, "1.0.0");
    struct fw_err err;

    (void)state;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(store_append_sync(i % 2 ? a : b, &e, &err), 0);
        assert_int_equal(store_append(i % 3 ? b : a, &e, NULL, &err), 0);
    }
    close_ok(a);
    close_ok(b);
    struct audit_verdict v = verify();
    assert_true(v.ok);
    assert_int_equal(v.count, 100);
}

/* ---- schema ---------------------------------------------------------------------------- */

static void migrations_run_on_an_empty_file_and_once(void **state)
{
    char d[128];
    FILE *f;

    (void)state;
    if (!pg_url) {
        snprintf(d, sizeof(d), "%s/.fwhub", dir);
        mkdir(d, 0700);
        f = fopen(db, "w"); /* an empty file is an empty SQLite database */
        assert_non_null(f);
        fclose(f);
    }
    close_ok(open_with(NULL));
    assert_int_equal(query_int("SELECT max(version) FROM schema_version"), 4);
    assert_int_equal(query_int("SELECT count(*) FROM schema_version"), 4);
    assert_int_equal(query_int(pg_url ? "SELECT count(*) FROM pg_tables WHERE tablename = 'audit'"
                                      : "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"),
                     1);
    close_ok(open_with(NULL));
    assert_int_equal(query_int("SELECT count(*) FROM schema_version"), 4);
    assert_int_equal(query_int("SELECT count(*) FROM audit_head"), 1);
}

/* A store written by the previous schema (3: status reports without their address) is
 * brought up to date when opened, its reports kept. */
static void a_schema_3_store_is_upgraded(void **state)
{
    struct status_seen v = {0};
    struct fw_err err = {""};
    struct store *st;

    (void)state;
    close_ok(open_with(NULL));
    tamper("ALTER TABLE status_reports DROP COLUMN client_addr");
    tamper("DELETE FROM schema_version WHERE version = 4");
    tamper("INSERT INTO status_reports (time, mac, version, status, detail)"
           " VALUES (1727265600, 'AB:CD:EF:12:34:56', '10.2.0', 'Installed', '')");
    st = open_with(NULL);
    assert_int_equal(query_int("SELECT max(version) FROM schema_version"), 4);
    assert_int_equal(store_scan_status_after(st, 0, 0, note_status, &v, &err), 0);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.client[0], "");
    close_ok(st);
}

static void a_newer_schema_is_refused(void **state)
{
    struct store *st = NULL;
    struct fw_err err = {""};

    (void)state;
    close_ok(open_with(NULL));
    tamper("INSERT INTO schema_version VALUES (99, 0)");
    assert_int_equal(store_open(db, NULL, &st, &err), -1);
    assert_non_null(strstr(err.msg, "schema version 99 is newer"));
}

static void urls(void **state)
{
    struct store_options o = {.no_create = true};
    struct store *st = NULL;
    struct fw_err err = {""};
    char url[1100];

    (void)state;
    /* port 1 on the loopback: nobody listens, the connection is refused at once */
    assert_int_equal(store_open("postgresql://fwhub:secret@127.0.0.1:1/fwhub", NULL, &st, &err),
                     -1);
    assert_non_null(strstr(err.msg, "cannot connect"));
    assert_null(strstr(err.msg, "secret")); /* a password never reaches a message */
    assert_int_equal(store_open("mysql://x", NULL, &st, &err), -1);
    assert_non_null(strstr(err.msg, "unknown database scheme"));
    assert_int_equal(store_open("sqlite:", NULL, &st, &err), -1);
    assert_int_equal(store_open(db, &o, &st, &err), STORE_MISSING);
    assert_non_null(strstr(err.msg, pg_url ? "no fwhub tables" : "does not exist"));
    snprintf(url, sizeof(url), pg_url ? "%s" : "sqlite:%s", db);
    close_ok(open_with(NULL));
    assert_int_equal(store_open(url, &o, &st, &err), 0);
    close_ok(st);
    assert_int_equal(store_default_url("/srv/repo", url, sizeof(url)), 0);
    assert_string_equal(url, "sqlite:/srv/repo/.fwhub/fwhub.db");
}

static void a_reader_cannot_append(void **state)
{
    struct store_options o = {.no_writer = true};
    struct store *st;
    struct store_event a = audit_ev("target.created", MAC1, "1.0.0");
    struct fw_err err = {""};

    (void)state;
    st = open_with(&o);
    assert_int_equal(store_append(st, &a, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "reading only"));
    close_ok(st);
}

/* ---- the chain ------------------------------------------------------------------------- */

static void an_intact_chain_verifies(void **state)
{
    struct audit_verdict v;

    (void)state;
    write_audit(5);
    v = verify();
    assert_true(v.ok);
    assert_int_equal(v.count, 5);
    assert_int_equal(v.head_id, 5);
    assert_int_equal(strlen(v.head_hash), 64);
}

static void an_empty_trail_verifies(void **state)
{
    struct audit_verdict v;

    (void)state;
    close_ok(open_with(NULL));
    v = verify();
    assert_true(v.ok);
    assert_int_equal(v.count, 0);
}

static void an_update_names_the_record(void **state)
{
    (void)state;
    write_audit(5);
    tamper("UPDATE audit SET result = 'x' WHERE id = 2");
    expect_broken(2, "record 2 was changed");
}

static void a_delete_names_the_record(void **state)
{
    (void)state;
    write_audit(5);
    tamper("DELETE FROM audit WHERE id = 3");
    expect_broken(3, "record 3 is missing");
}

static void a_delete_at_the_end_names_the_record(void **state)
{
    (void)state;
    write_audit(5);
    tamper("DELETE FROM audit WHERE id >= 4");
    expect_broken(4, "records 4 to 5 are missing");
}

static void a_swap_names_the_first_record(void **state)
{
    (void)state;
    write_audit(5);
    tamper("UPDATE audit SET id = -id WHERE id IN (2, 3);"
           "UPDATE audit SET id = 5 + id WHERE id < 0");
    expect_broken(2, "record 2 is out of order");
}

static void a_swap_of_contents_names_the_first_record(void **state)
{
    (void)state;
    write_audit(5);
    tamper("UPDATE audit SET time = 7 WHERE id = 2"); /* the two rows differ */
    tamper("CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (2, 3);"
           "UPDATE audit SET (time, prev_hash, hash) = (SELECT time, prev_hash, hash FROM t"
           " WHERE t.id = 5 - audit.id) WHERE id IN (2, 3)");
    expect_broken(2, "record 2");
}

/* Someone changes record 2 and writes a matching hash: record 3 still links to the old. */
static void a_rewritten_hash_names_the_record(void **state)
{
    struct store_options o = {.no_writer = true};
    struct store *st;
    struct store_audit_filter f = {.after_id = 1, .limit = 1};
    struct collected c = {0};
    char h[SHA256_HEX_LEN], sql[256];
    struct fw_err err;

    (void)state;
    write_audit(5);
    tamper("UPDATE audit SET result = 'refused' WHERE id = 2");
    st = open_with(&o);
    assert_int_equal(store_audit_scan(st, &f, collect, &c, &err), 0);
    c.last.actor = c.actor;
    c.last.event = c.event;
    c.last.subject_mac = c.mac;
    c.last.detail = c.detail;
    c.last.client_addr = "192.0.2.7";
    c.last.user_agent = "test/1";
    c.last.category = "device";
    c.last.target_version = "10.2.1-custom";
    c.last.result = "refused";
    assert_int_equal(audit_hash(&c.last, h, &err), 0);
    close_ok(st);
    snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = 2", h);
    tamper(sql);
    expect_broken(2, "record 2 was changed: its hash was rewritten");
}

static void an_insert_behind_the_store_is_named(void **state)
{
    (void)state;
    write_audit(2);
    tamper("INSERT INTO audit SELECT 3, time, actor, client_addr, user_agent, category, event,"
           " subject_mac, target_version, result, detail, prev_hash, hash FROM audit"
           " WHERE id = 2");
    expect_broken(3, "record 3");
}

static void the_hash_covers_every_field(void **state)
{
    struct store_audit r = {.id = 1,
                            .time = 2,
                            .actor = "a",
                            .client_addr = "b",
                            .user_agent = "c",
                            .category = "d",
                            .event = "e",
                            .subject_mac = "f",
                            .target_version = "g",
                            .result = "h",
                            .detail = "i"};
    const char **fields[] = {&r.actor,          &r.client_addr, &r.user_agent,
                             &r.category,       &r.event,       &r.subject_mac,
                             &r.target_version, &r.result,      &r.detail};
    char base[SHA256_HEX_LEN], h[SHA256_HEX_LEN];
    struct fw_err err;

    (void)state;
    memcpy(r.prev_hash, AUDIT_GENESIS, SHA256_HEX_LEN);
    assert_int_equal(audit_hash(&r, base, &err), 0);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *old = *fields[i];

        *fields[i] = "changed";
        assert_int_equal(audit_hash(&r, h, &err), 0);
        assert_string_not_equal(h, base);
        *fields[i] = old;
    }
    r.id = 9;
    assert_int_equal(audit_hash(&r, h, &err), 0);
    assert_string_not_equal(h, base);
    r.id = 1;
    r.prev_hash[0] = '1';
    assert_int_equal(audit_hash(&r, h, &err), 0);
    assert_string_not_equal(h, base);
    /* "ab" + "" and "a" + "b" are different records: lengths are part of the form */
    r.prev_hash[0] = '0';
    r.actor = "ab";
    r.client_addr = "";
    assert_int_equal(audit_hash(&r, base, &err), 0);
    r.actor = "a";
    r.client_addr = "b";
    assert_int_equal(audit_hash(&r, h, &err), 0);
    assert_string_not_equal(h, base);
}

/* ---- PostgreSQL: connections that go away ------------------------------------------------ */

/* Ends the connections of fwhub's stores (application_name "fwhub") from another one. */
static void kill_store_connections(void)
{
    pg_exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'fwhub' AND pid <> pg_backend_pid()",
            NULL);
}

static void pg_conn_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        print_error("%s: %s\n", sql, PQerrorMessage(c));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
}

/* The writer's connection is ended under it: the events wait, it connects again and
 * commits each of them once; the chain holds. */
static void a_lost_connection_is_made_again(void **state)
{
    struct store *st;
    struct store_event a = audit_ev("target.answered", MAC1, "1.0.0");
    struct store_stats s;
    struct fw_err err = {""};

    (void)state;
    if (!pg_url)
        skip();
    st = open_with(NULL);
    for (int i = 0; i < 5; i++)
        assert_int_equal(store_append_sync(st, &a, &err), 0);
    kill_store_connections();
    for (int i = 0; i < 20; i++)
        assert_int_equal(store_append(st, &a, NULL, &err), 0);
    flush_ok(st);
    store_stats(st, &s);
    assert_true(s.reconnects >= 1);
    assert_int_equal(s.failed, 0);
    assert_false(s.db_down);
    close_ok(st);
    assert_int_equal(query_int("SELECT count(*) FROM audit"), 25);
    struct audit_verdict v = verify();
    assert_true(v.ok);
    assert_int_equal(v.count, 25);
}

/* The connection ends while COMMIT runs (a deferred trigger keeps it busy): the outcome is
 * in doubt; the writer settles it on its new connection (not committed) and writes the
 * group again, once. */
static void a_commit_in_doubt_is_settled(void **state)
{
    struct store *st;
    struct store_event a = audit_ev("target.answered", MAC1, "1.0.0");
    struct store_stats s;
    struct fw_err err = {""};

    (void)state;
    if (!pg_url)
        skip();
    st = open_with(NULL);
    assert_int_equal(store_append_sync(st, &a, &err), 0);
    pg_exec("CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;"
            "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON writers"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()",
            NULL);
    assert_int_equal(store_append(st, &a, NULL, &err), 0);
    usleep(500 * 1000); /* the writer is in COMMIT now, in the trigger's sleep */
    kill_store_connections();
    pg_exec("DROP TRIGGER slow_commit ON writers", NULL);
    flush_ok(st);
    store_stats(st, &s);
    assert_true(s.reconnects >= 1);
    assert_int_equal(s.in_doubt, 1);
    assert_int_equal(s.failed, 0);
    close_ok(st);
    assert_int_equal(query_int("SELECT count(*) FROM audit"), 2);
    struct audit_verdict v = verify();
    assert_true(v.ok);
}

/* While the database refuses connections, a notified event fails after wait_ms and is not
 * written; events nobody waits for stay queued and are committed once it is back. */
static void a_notified_event_fails_closed_while_the_database_is_away(void **state)
{
    struct store_options o = {.wait_ms = 300};
    struct store *st;
    struct store_event a = audit_ev("target.answered", MAC1, "1.0.0");
    struct store_event d = audit_ev("token.refused", MAC2, "");
    struct notified n = {PTHREAD_MUTEX_INITIALIZER, 0, -5};
    struct store_stats s;
    struct fw_err err = {""};
    PGconn *admin;
    char off[200], on[200];
    int calls = 0;

    (void)state;
    if (!pg_url)
        skip();
    st = open_with(&o);
    admin = PQconnectdb(pg_url);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    snprintf(off, sizeof(off), "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS false", PQdb(admin));
    snprintf(on, sizeof(on), "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS true", PQdb(admin));
    PQfinish(admin);
    /* from another database: a database cannot close itself to connections */
    admin = PQconnectdbParams((const char *const[]){"dbname", "dbname", NULL},
                              (const char *const[]){pg_url, "template1", NULL}, 1);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    pg_conn_exec(admin, off);
    pg_conn_exec(admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = 'fwhub'");
    assert_int_equal(store_append(st, &d, NULL, &err), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_append(st, &d, NULL, &err), 0);
    assert_int_equal(store_append_notify(st, &a, on_done, &n, &err), 0);
    for (int i = 0; i < 200 && calls == 0; i++) {
        usleep(50 * 1000);
        pthread_mutex_lock(&n.lock);
        calls = n.calls;
        pthread_mutex_unlock(&n.lock);
    }
    assert_int_equal(calls, 1);
    assert_int_equal(n.result, -1);
    store_stats(st, &s);
    assert_true(s.db_down);
    pg_conn_exec(admin, on);
    PQfinish(admin);
    assert_int_equal(store_flush(st, &err), 0);
    store_stats(st, &s);
    assert_false(s.db_down);
    assert_int_equal(store_close(st, &err), -1); /* the one that failed is reported */
    assert_int_equal(query_int("SELECT count(*) FROM audit WHERE event = 'token.refused'"), 4);
    assert_int_equal(query_int("SELECT count(*) FROM audit WHERE event = 'target.answered'"), 0);
    struct audit_verdict v = verify();
    assert_true(v.ok);
}

/* The server commits, and the answer to COMMIT is lost with the connection (pgcut.py
 * between the store and the database): the writer settles the doubt on a new connection,
 * finds its mark, and does not write the event a second time. */
static void a_commit_whose_answer_was_lost_is_not_written_again(void **state)
{
    const char *cut = getenv("FWHUB_TEST_DB_CUT");
    struct store_event a = audit_ev("target.answered", MAC1, "1.0.0");
    struct store *st = NULL;
    struct store_stats s;
    struct fw_err err = {""};

    (void)state;
    if (!pg_url)
        skip();
    if (!cut)
        print_error("FWHUB_TEST_DB_CUT: expected the URL of pgcut.py in front of the database\n");
    assert_non_null(cut);
    close_ok(open_with(NULL)); /* the tables, without pgcut.py */
    assert_int_equal(store_open(cut, NULL, &st, &err), 0);
    assert_int_equal(store_append_sync(st, &a, &err), 0);
    store_stats(st, &s);
    assert_int_equal(s.in_doubt, 1);
    assert_int_equal(s.failed, 0);
    close_ok(st);
    assert_int_equal(query_int("SELECT count(*) FROM audit"), 1);
    struct audit_verdict v = verify();
    assert_true(v.ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const char *env = getenv("FWHUB_TEST_DB");

    if (env && (strncmp(env, "postgresql://", 13) == 0 || strncmp(env, "postgres://", 11) == 0))
        pg_url = env;
    const struct CMUnitTest tests[] = {
        T(append_flush_read_back),
        T(status_reports_are_read_after_an_id),
        T(audit_filters_select_records),
        T(unknown_audit_event_is_refused),
        T(long_text_is_cut_at_a_character),
        T(many_events_share_few_commits),
        T(a_full_queue_answers_busy),
        T(seen_events_are_coalesced_per_mac),
        T(seen_keeps_first_seen_and_the_last_offer),
        T(one_device_is_read_by_its_mac),
        T(notify_and_sync_report_the_commit),
        T(two_writers_keep_one_chain),
        T(migrations_run_on_an_empty_file_and_once),
        T(a_schema_3_store_is_upgraded),
        T(a_newer_schema_is_refused),
        T(urls),
        T(a_reader_cannot_append),
        T(an_intact_chain_verifies),
        T(an_empty_trail_verifies),
        T(an_update_names_the_record),
        T(a_delete_names_the_record),
        T(a_delete_at_the_end_names_the_record),
        T(a_swap_names_the_first_record),
        T(a_swap_of_contents_names_the_first_record),
        T(a_rewritten_hash_names_the_record),
        T(an_insert_behind_the_store_is_named),
        T(the_hash_covers_every_field),
        T(a_lost_connection_is_made_again),
        T(a_commit_in_doubt_is_settled),
        T(a_notified_event_fails_closed_while_the_database_is_away),
        T(a_commit_whose_answer_was_lost_is_not_written_again),
    };

    size_t n = sizeof(tests) / sizeof(tests[0]);

    /* the last four are about connections: PostgreSQL only */
    return _cmocka_run_group_tests("test_store", tests, pg_url ? n : n - 4, NULL, NULL);
}
