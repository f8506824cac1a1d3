/* store.c: the event store's bounded queue, writer thread and group commit over a backend. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/isotime.h"
#include "core/mac.h"
#include "store/audit.h"

#define DEFAULT_QUEUE_MAX 65536
#define DEFAULT_BATCH_MAX 512
#define DEFAULT_LINGER_US 2000
#define DEFAULT_SEEN_MAX  65536
#define DEFAULT_SEEN_MS   1000
#define FAILED_RANGES     64 /* failed batches whose tickets store_wait can still name */
#define COMMIT_TRIES      3
#define DEFAULT_WAIT_MS   3000      /* notified events, while the database is away */
#define BACKOFF_MIN_US    100000u   /* reconnecting: first pause */
#define BACKOFF_MAX_US    5000000u  /* reconnecting: longest pause */
#define GIVE_UP_US        10000000u /* closing: how long to wait for an absent database */
#define EXPIRE_EVERY_US   50000u    /* reconnecting: how often waiting events are checked */
#define N_TEXT            12        /* string fields of struct store_event */

/* One event in the queue or the seen map; its strings live in text. */
struct queued {
    struct store_event ev;
    store_ticket ticket;
    store_done_fn done;
    void *done_arg;
    uint64_t queued_us; /* monotonic clock at append */
    bool gave_up;       /* done reported a failure while the database was away: not written */
    char text[];
};

struct range {
    store_ticket lo, hi;
};

/* The newest seen event per MAC; open addressing, cap a power of two >= 2 * seen_max. */
struct seen_map {
    struct queued **slots;
    size_t cap, n;
};

struct store {
    char url[STORE_URL_MAX];  /* for messages: without a password (store_url_hide) */
    char real[STORE_URL_MAX]; /* as given */
    const char *where;        /* real without the backend's scheme, as be->open takes it */
    const struct store_backend *be;
    void *watch; /* be->watch's handle, or NULL */
    struct store_options opt;
    void *wdb; /* the writer thread's handle */
    void *rdb; /* the readers' handle, under rlock */
    pthread_mutex_t rlock;

    pthread_mutex_t lock; /* everything below */
    pthread_cond_t wake;  /* the writer: work, a flush, close */
    pthread_cond_t done;  /* waiters: a batch or a seen write finished */
    struct queued **ring;
    size_t head, count;
    struct queued **batch;    /* the writer's: what it took from the ring */
    store_ticket last_ticket; /* the last one handed out */
    store_ticket done_ticket; /* every ticket up to this one is finished */
    struct range failed[FAILED_RANGES];
    size_t n_failed;
    store_ticket forgotten; /* outcomes of tickets up to this one are no longer known */
    struct seen_map seen, seen_spare;
    uint64_t seen_taken, seen_written, seen_failures;
    uint64_t seen_due_us;
    unsigned flush_waiters;
    unsigned waiters;     /* threads in store_wait */
    size_t notify_queued; /* queued events with a callback */
    bool stopping, thread_running;
    uint64_t down_since_us; /* the writer lost its connection then; 0 while connected */
    uint64_t last_expire_us;
    pthread_t thread;
    char last_err[FW_ERRLEN];
    struct store_stats stats;
};

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void deadline_of(uint64_t us, struct timespec *ts)
{
    ts->tv_sec = (time_t)(us / 1000000u);
    ts->tv_nsec = (long)(us % 1000000u) * 1000;
}

void store_options_per_event(struct store_options *o)
{
    o->batch_max = 1;
    o->no_linger = true;
}

int store_default_url(const char *repo, char *out, size_t len)
{
    int n = snprintf(out, len, "sqlite:%s/.fwhub/fwhub.db", repo);

    return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *store_where(const struct store *st)
{
    return st->url;
}

/* ---- URLs ---------------------------------------------------------------------------- */

void store_url_hide(const char *url, char *out, size_t len)
{
    const char *start = strstr(url, "://"), *at, *colon;

    snprintf(out, len, "%s", url);
    if (!start)
        return;
    start += 3;
    at = strrchr(start, '@');
    colon = strchr(start, ':');
    if (at && colon && colon < at && (size_t)(colon - url) < len)
        snprintf(out + (colon - url), len - (size_t)(colon - url), ":***%s", at);
}

static bool has_scheme(const char *url)
{
    const char *p = url;

    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '.' || *p == '-')
        p++;
    return strncmp(p, "://", 3) == 0;
}

static int parse_url(const char *url, const struct store_backend **be, const char **where,
                     struct fw_err *err)
{
    if (!url || !url[0])
        return fw_fail(err, "database: expected sqlite:PATH, a path or postgresql://..., got an "
                            "empty string");
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        *be = &store_postgres;
        *where = url; /* libpq reads the URL itself */
        return 0;
    }
    if (has_scheme(url)) {
        char shown[STORE_URL_MAX];

        store_url_hide(url, shown, sizeof(shown));
        return fw_fail(err,
                       "%s: unknown database scheme; expected sqlite:PATH, a path or "
                       "postgresql://...",
                       shown);
    }
    *be = &store_sqlite;
    *where = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    if (!**where)
        return fw_fail(err, "%s: expected a path after sqlite:", url);
    return 0;
}

/* ---- copying events ------------------------------------------------------------------ */

/* Length of s cut to max bytes without splitting a UTF-8 sequence. */
static size_t cut_len(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);

    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* The string fields of ev, with the limit of each. */
static void text_fields(struct store_event *ev, const char ***slots, size_t *max)
{
    const char **s[N_TEXT] = {&ev->event,   &ev->actor,  &ev->client_addr, &ev->user_agent,
                              &ev->version, &ev->model,  &ev->offered,     &ev->result,
                              &ev->status,  &ev->detail, &ev->path,        &ev->ranges};

    for (size_t i = 0; i < N_TEXT; i++) {
        slots[i] = s[i];
        max[i] = s[i] == &ev->detail ? STORE_DETAIL_MAX : STORE_TEXT_MAX;
    }
}

/* A copy of ev in one allocation; NULL strings become "". */
static struct queued *copy_event(const struct store_event *ev)
{
    struct store_event tmp = *ev;
    const char **slot[N_TEXT];
    size_t max[N_TEXT], len[N_TEXT], total = 0;
    struct queued *q;
    char *p;

    text_fields(&tmp, slot, max);
    for (size_t i = 0; i < N_TEXT; i++) {
        len[i] = *slot[i] ? cut_len(*slot[i], max[i]) : 0;
        total += len[i] + 1;
    }
    q = calloc(1, sizeof(*q) + total);
    if (!q)
        return NULL;
    q->ev = *ev;
    text_fields(&q->ev, slot, max);
    p = q->text;
    for (size_t i = 0; i < N_TEXT; i++) {
        if (len[i])
            memcpy(p, *slot[i], len[i]);
        p[len[i]] = '\0';
        *slot[i] = p;
        p += len[i] + 1;
    }
    if (!q->ev.time)
        q->ev.time = isotime_now();
    return q;
}

/* The length of the valid UTF-8 sequence at p, or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not). */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (c == 0xE0 && p[1] < 0xA0) ||
            (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80 ||
            (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Replaces each byte of q's text that starts no valid UTF-8 sequence by '?', in place. */
static void scrub_utf8(struct queued *q)
{
    unsigned char *p = (unsigned char *)q->text;

    for (size_t i = 0; i < N_TEXT; i++) {
        while (*p) {
            size_t n = utf8_len(p);

            if (n == 0) {
                *p++ = '?';
                continue;
            }
            p += n;
        }
        p++; /* the next field follows the NUL */
    }
}

static int check_event(const struct store_event *ev, struct fw_err *err)
{
    switch (ev->kind) {
    case STORE_AUDIT:
        if (!ev->event || !audit_event_find(ev->event))
            return fw_fail(err, "audit event \"%s\" is not on the list of docs/audit.md",
                           ev->event ? ev->event : "");
        return 0;
    case STORE_SEEN:
        return ev->mac ? 0 : fw_fail(err, "a seen event needs a MAC");
    case STORE_STATUS:
        return ev->mac && ev->status && ev->status[0]
                   ? 0
                   : fw_fail(err, "a status event needs a MAC and a status");
    case STORE_DOWNLOAD:
        return ev->path && ev->path[0] ? 0 : fw_fail(err, "a download event needs a path");
    }
    return fw_fail(err, "unknown event kind %d", (int)ev->kind);
}

/* ---- the seen map -------------------------------------------------------------------- */

static int seen_init(struct seen_map *m, size_t max)
{
    m->cap = 16;
    while (m->cap < 2 * max)
        m->cap *= 2;
    m->n = 0;
    m->slots = calloc(m->cap, sizeof(*m->slots));
    return m->slots ? 0 : -1;
}

static size_t seen_slot(const struct seen_map *m, uint64_t mac)
{
    size_t i = (size_t)((mac * 0x9E3779B97F4A7C15u) >> 17) & (m->cap - 1);

    while (m->slots[i] && m->slots[i]->ev.mac != mac)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void seen_clear(struct seen_map *m)
{
    for (size_t i = 0; m->slots && i < m->cap; i++) {
        free(m->slots[i]);
        m->slots[i] = NULL;
    }
    m->n = 0;
}

/* ---- outcomes of tickets -------------------------------------------------------------- */

static void add_failed(struct store *st, store_ticket lo, store_ticket hi)
{
    if (st->n_failed == FAILED_RANGES) {
        st->forgotten = st->failed[0].hi;
        memmove(st->failed, st->failed + 1, sizeof(st->failed[0]) * (FAILED_RANGES - 1));
        st->n_failed--;
    }
    st->failed[st->n_failed++] = (struct range){lo, hi};
}

/* Outcome of a finished ticket (under lock). */
static int outcome(const struct store *st, store_ticket t, struct fw_err *err)
{
    for (size_t i = 0; i < st->n_failed; i++)
        if (t >= st->failed[i].lo && t <= st->failed[i].hi)
            return fw_fail(err, "%s: the event was not committed: %s", st->url, st->last_err);
    if (t <= st->forgotten)
        return fw_fail(err,
                       "%s: the event's outcome is no longer known (more than %d failed "
                       "commits since); the last failure: %s",
                       st->url, FAILED_RANGES, st->last_err);
    return 0;
}

/* ---- the writer ----------------------------------------------------------------------- */

static int write_audit(struct store *st, const struct store_event *ev, int64_t *id,
                       char prev[SHA256_HEX_LEN], struct fw_err *err)
{
    const struct audit_event_def *def = audit_event_find(ev->event);
    char mac[MAC_STR_LEN] = "";
    struct store_audit r = {.id = *id + 1,
                            .time = ev->time,
                            .actor = ev->actor,
                            .client_addr = ev->client_addr,
                            .user_agent = ev->user_agent,
                            .category = def ? def->category : "",
                            .event = ev->event,
                            .subject_mac = mac,
                            .target_version = ev->version,
                            .result = ev->result,
                            .detail = ev->detail};

    if (ev->mac)
        mac_format(ev->mac, mac);
    memcpy(r.prev_hash, prev, SHA256_HEX_LEN);
    if (audit_hash(&r, r.hash, err) < 0 || st->be->put_audit(st->wdb, &r, err) < 0)
        return -1;
    *id = r.id;
    memcpy(prev, r.hash, SHA256_HEX_LEN);
    return 0;
}

static int write_one(struct store *st, const struct store_event *ev, int64_t *id,
                     char prev[SHA256_HEX_LEN], struct fw_err *err)
{
    switch (ev->kind) {
    case STORE_AUDIT:
        return write_audit(st, ev, id, prev, err);
    case STORE_SEEN:
        return st->be->put_seen(st->wdb, ev, err);
    case STORE_STATUS:
        return st->be->put_status(st->wdb, ev, err);
    case STORE_DOWNLOAD:
        return st->be->put_download(st->wdb, ev, err);
    }
    return fw_fail(err, "unknown event kind %d", (int)ev->kind);
}

/* One transaction for n events; the audit chain continues from the head read in it, so
 * other processes writing the same database (the command line) keep it linear. */
static int write_batch(struct store *st, struct queued **v, size_t n, struct fw_err *err)
{
    char prev[SHA256_HEX_LEN];
    int64_t id, first;

    if (st->be->begin(st->wdb, err) < 0)
        return -1;
    if (st->be->audit_head(st->wdb, &id, prev, err) < 0)
        goto fail;
    first = id;
    for (size_t i = 0; i < n; i++)
        if (!v[i]->gave_up && write_one(st, &v[i]->ev, &id, prev, err) < 0)
            goto fail;
    if (id != first && st->be->set_audit_head(st->wdb, id, prev, err) < 0)
        goto fail;
    if (st->be->commit(st->wdb, err) < 0)
        goto fail;
    return 0;

fail:
    st->be->rollback(st->wdb);
    return -1;
}

const uint64_t store_commit_bucket_us[STORE_COMMIT_BUCKETS] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000,
};

/* Reports a failure to the notified events that waited longer than wait_ms, and marks
 * them so that they are not written (under lock). A held request is answered 503 then,
 * never without its record. */
static void expire(struct store *st, struct queued *q, uint64_t now, const char *why)
{
    if (!q->done || q->gave_up || now - q->queued_us < (uint64_t)st->opt.wait_ms * 1000u)
        return;
    q->done(q->done_arg, -1, why);
    q->done = NULL;
    q->gave_up = true;
    st->stats.failed++;
}

/* While the database is away: expires the notified events in the queue and, when the
 * outcome of the last commit is known (not in doubt), those of the batch in hand (under
 * lock). */
static void expire_waiting(struct store *st, struct queued **v, size_t n, bool doubt,
                           const char *last)
{
    uint64_t now = mono_us();
    char why[FW_ERRLEN + 64];

    if (now - st->last_expire_us < EXPIRE_EVERY_US)
        return;
    st->last_expire_us = now;
    snprintf(why, sizeof(why), "the database is unavailable: %s", last);
    for (size_t i = 0; i < st->count; i++)
        expire(st, st->ring[(st->head + i) % st->opt.queue_max], now, why);
    if (st->notify_queued > 0) {
        st->notify_queued = 0;
        for (size_t i = 0; i < st->count; i++)
            st->notify_queued += st->ring[(st->head + i) % st->opt.queue_max]->done != NULL;
    }
    for (size_t i = 0; !doubt && i < n; i++)
        expire(st, v[i], now, why);
}

/*
 * The connection to the database went away during write_batch (link says how: lost, or
 * in doubt when COMMIT was sent and its answer never came). Reconnects with a backoff
 * from BACKOFF_MIN_US doubling to BACKOFF_MAX_US; meanwhile the queue keeps filling (up
 * to queue_max: then appends answer STORE_BUSY) and notified events that waited longer
 * than wait_ms are failed and not written. Returns 1 when connected again and v must be
 * written again, 0 when the commit in doubt turned out committed, -1 when the store is
 * closing and the database stayed away GIVE_UP_US (err: why; after a commit in doubt the
 * events may have been committed after all, and err says so).
 */
static int recover(struct store *st, struct queued **v, size_t n, int link, struct fw_err *err)
{
    uint64_t delay = BACKOFF_MIN_US;
    bool doubt = link == STORE_LINK_IN_DOUBT, committed = false;
    struct fw_err e2 = {""};

    pthread_mutex_lock(&st->lock);
    if (!st->down_since_us)
        st->down_since_us = mono_us();
    st->stats.db_down = true;
    for (;;) {
        uint64_t next = mono_us() + delay, now;

        while ((now = mono_us()) < next) {
            struct timespec ts;

            expire_waiting(st, v, n, doubt, err->msg);
            if (st->stopping && now - st->down_since_us >= GIVE_UP_US) {
                pthread_mutex_unlock(&st->lock);
                return fw_context(err, "%s: gave up at close, the database is unavailable%s",
                                  st->url, doubt ? " (the last commit may have succeeded)" : "");
            }
            deadline_of(now + EXPIRE_EVERY_US < next ? now + EXPIRE_EVERY_US : next, &ts);
            pthread_cond_timedwait(&st->wake, &st->lock, &ts);
        }
        delay = delay * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : delay * 2;
        pthread_mutex_unlock(&st->lock);
        int rc = st->be->reconnect(st->wdb, &committed, &e2);
        pthread_mutex_lock(&st->lock);
        if (rc == 0)
            break;
        snprintf(err->msg, sizeof(err->msg), "%s", e2.msg);
    }
    st->down_since_us = 0;
    st->stats.db_down = false;
    st->stats.reconnects++;
    st->stats.in_doubt += doubt;
    pthread_mutex_unlock(&st->lock);
    return committed ? 0 : 1;
}

/* write_batch, tried again after 10 and 100 ms when the database refused it (a lock held
 * too long by another process, a full disk that an operator frees), and for as long as
 * it takes when the connection to it went away (recover). Times the commit into the
 * stats. */
static int commit_events(struct store *st, struct queued **v, size_t n, struct fw_err *err)
{
    uint64_t t0 = mono_us(), dt;
    size_t b = 0;
    int rc, tries = 0;

    for (;;) {
        int link;

        rc = write_batch(st, v, n, err);
        if (rc == 0)
            break;
        link = st->be->link ? st->be->link(st->wdb) : STORE_LINK_OK;
        if (link == STORE_LINK_OK) {
            if (++tries >= COMMIT_TRIES)
                break;
            nanosleep(&(struct timespec){0, tries == 1 ? 10000000L : 100000000L}, NULL);
            continue;
        }
        rc = recover(st, v, n, link, err);
        if (rc <= 0)
            break;
        tries = 0;
    }
    dt = mono_us() - t0;
    while (b < STORE_COMMIT_BUCKETS && dt > store_commit_bucket_us[b])
        b++;
    pthread_mutex_lock(&st->lock);
    st->stats.commit_buckets[b]++;
    st->stats.transactions++;
    st->stats.commit_us_last = dt;
    st->stats.commit_us_total += dt;
    if (dt > st->stats.commit_us_max)
        st->stats.commit_us_max = dt;
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static size_t count_audit(struct queued **v, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += v[i]->ev.kind == STORE_AUDIT && !v[i]->gave_up;
    return k;
}

static size_t count_gave_up(struct queued **v, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += v[i]->gave_up;
    return k;
}

/* Commits the n events taken from the queue, calls back, then publishes the outcome: a
 * waiter released by this batch sees the callbacks of its earlier events done. */
static void run_batch(struct store *st, struct queued **v, size_t n)
{
    struct fw_err err = {""};
    int rc = commit_events(st, v, n, &err);

    for (size_t i = 0; i < n; i++)
        if (v[i]->done)
            v[i]->done(v[i]->done_arg, rc, rc < 0 ? err.msg : "");
    pthread_mutex_lock(&st->lock);
    if (rc < 0) {
        snprintf(st->last_err, sizeof(st->last_err), "%s", err.msg);
        add_failed(st, v[0]->ticket, v[n - 1]->ticket);
        st->stats.failed += n - count_gave_up(v, n);
    } else {
        st->stats.committed += n - count_gave_up(v, n);
        st->stats.audit_committed += count_audit(v, n);
    }
    st->done_ticket = v[n - 1]->ticket;
    pthread_cond_broadcast(&st->done);
    pthread_mutex_unlock(&st->lock);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

/* Writes the taken seen map (st->seen_spare after the swap) in one transaction. */
static void run_seen(struct store *st)
{
    struct seen_map *m = &st->seen_spare;
    struct queued **v = malloc(m->n * sizeof(*v));
    struct fw_err err = {""};
    size_t n = 0;
    int rc = -1;

    for (size_t i = 0; v && i < m->cap; i++)
        if (m->slots[i])
            v[n++] = m->slots[i];
    if (v)
        rc = commit_events(st, v, n, &err);
    else
        fw_fail(&err, "out of memory");
    pthread_mutex_lock(&st->lock);
    if (rc < 0) {
        snprintf(st->last_err, sizeof(st->last_err), "%s", err.msg);
        st->seen_failures++;
        st->stats.failed += m->n;
    } else {
        st->stats.committed += m->n;
    }
    seen_clear(m);
    st->seen_written = st->seen_taken;
    pthread_cond_broadcast(&st->done);
    pthread_mutex_unlock(&st->lock);
    free(v);
}

static bool urgent(const struct store *st)
{
    return st->stopping || st->flush_waiters > 0;
}

/* True when the seen map should be written now (under lock). */
static bool seen_due(const struct store *st, uint64_t now)
{
    if (st->seen.n == 0)
        return false;
    return urgent(st) || now >= st->seen_due_us || st->seen.n >= st->opt.seen_max;
}

/* Takes up to batch_max events from the queue (under lock) into v; returns how many. */
static size_t take_batch(struct store *st, struct queued **v)
{
    size_t n = st->count < st->opt.batch_max ? st->count : st->opt.batch_max;

    for (size_t i = 0; i < n; i++) {
        v[i] = st->ring[st->head];
        st->head = (st->head + 1) % st->opt.queue_max;
        st->notify_queued -= v[i]->done != NULL;
    }
    st->count -= n;
    return n;
}

/* Waits (under lock) for work, or for the end of the linger of the oldest event. */
static void wait_for_work(struct store *st, uint64_t now)
{
    uint64_t until = UINT64_MAX;
    struct timespec ts;

    if (st->count > 0)
        until = st->ring[st->head]->queued_us + st->opt.linger_us;
    if (st->seen.n > 0 && st->seen_due_us < until)
        until = st->seen_due_us;
    if (until == UINT64_MAX) {
        pthread_cond_wait(&st->wake, &st->lock);
        return;
    }
    if (until <= now)
        return;
    deadline_of(until, &ts);
    pthread_cond_timedwait(&st->wake, &st->lock, &ts);
}

/* True when the queue holds a batch to commit now (under lock). Nobody lingers while
 * someone waits for a commit: the events that arrive while a commit runs make the next
 * group anyway, so waiting longer would add latency and no throughput. */
static bool batch_ready(const struct store *st, uint64_t now)
{
    if (st->count == 0)
        return false;
    return urgent(st) || st->waiters > 0 || st->notify_queued > 0 ||
           st->count >= st->opt.batch_max ||
           now >= st->ring[st->head]->queued_us + st->opt.linger_us;
}

static void *writer_main(void *arg)
{
    struct store *st = arg;

    pthread_mutex_lock(&st->lock);
    for (;;) {
        uint64_t now = mono_us();

        if (batch_ready(st, now)) {
            size_t n = take_batch(st, st->batch);

            pthread_mutex_unlock(&st->lock);
            run_batch(st, st->batch, n);
            pthread_mutex_lock(&st->lock);
        } else if (seen_due(st, now)) {
            struct seen_map tmp = st->seen;

            st->seen = st->seen_spare;
            st->seen_spare = tmp;
            st->seen_taken++;
            st->seen_due_us = now + (uint64_t)st->opt.seen_interval_ms * 1000u;
            pthread_mutex_unlock(&st->lock);
            run_seen(st);
            pthread_mutex_lock(&st->lock);
        } else if (st->stopping && st->count == 0) {
            break;
        } else {
            wait_for_work(st, now);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

/* ---- opening and closing -------------------------------------------------------------- */

static void set_defaults(struct store_options *o, const struct store_options *given)
{
    if (given)
        *o = *given;
    if (!o->queue_max)
        o->queue_max = DEFAULT_QUEUE_MAX;
    if (!o->batch_max)
        o->batch_max = DEFAULT_BATCH_MAX;
    if (o->no_linger)
        o->linger_us = 0;
    else if (!o->linger_us)
        o->linger_us = DEFAULT_LINGER_US;
    if (!o->seen_max)
        o->seen_max = DEFAULT_SEEN_MAX;
    if (!o->seen_interval_ms)
        o->seen_interval_ms = DEFAULT_SEEN_MS;
    if (!o->wait_ms)
        o->wait_ms = DEFAULT_WAIT_MS;
}

static struct store *new_store(const char *url, const struct store_options *opt)
{
    struct store *st = calloc(1, sizeof(*st));
    pthread_condattr_t ca;

    if (!st)
        return NULL;
    snprintf(st->real, sizeof(st->real), "%s", url);
    store_url_hide(url, st->url, sizeof(st->url));
    set_defaults(&st->opt, opt);
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->rlock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->wake, &ca);
    pthread_cond_init(&st->done, &ca);
    pthread_condattr_destroy(&ca);
    return st;
}

static void free_store(struct store *st)
{
    if (st->watch)
        st->be->unwatch(st->watch);
    if (st->wdb)
        st->be->close(st->wdb);
    if (st->rdb)
        st->be->close(st->rdb);
    for (size_t i = 0; st->ring && i < st->count; i++)
        free(st->ring[(st->head + i) % st->opt.queue_max]);
    free(st->ring);
    free(st->batch);
    seen_clear(&st->seen);
    seen_clear(&st->seen_spare);
    free(st->seen.slots);
    free(st->seen_spare.slots);
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->rlock);
    pthread_cond_destroy(&st->wake);
    pthread_cond_destroy(&st->done);
    free(st);
}

static int start_writer(struct store *st, const char *where, struct fw_err *err)
{
    int rc = st->be->open(where, !st->opt.no_create, &st->wdb, err);

    if (rc < 0)
        return rc;
    st->ring = calloc(st->opt.queue_max, sizeof(*st->ring));
    st->batch = calloc(st->opt.batch_max, sizeof(*st->batch));
    if (!st->ring || !st->batch || seen_init(&st->seen, st->opt.seen_max) < 0 ||
        seen_init(&st->seen_spare, st->opt.seen_max) < 0)
        return fw_fail(err, "%s: out of memory for a queue of %zu events", st->url,
                       st->opt.queue_max);
    st->seen_due_us = mono_us() + (uint64_t)st->opt.seen_interval_ms * 1000u;
    rc = pthread_create(&st->thread, NULL, writer_main, st);
    if (rc != 0)
        return fw_fail(err, "%s: cannot start the writer thread: %s", st->url, strerror(rc));
    st->thread_running = true;
    return 0;
}

int store_open(const char *url, const struct store_options *opt, struct store **out,
               struct fw_err *err)
{
    const struct store_backend *be = NULL;
    const char *where = NULL;
    struct store *st;
    int rc = parse_url(url, &be, &where, err);

    if (rc < 0)
        return rc;
    st = new_store(url, opt);
    if (!st)
        return fw_fail(err, "%s: out of memory", url);
    st->be = be;
    st->where = st->real + (where - url);
    if (!st->opt.no_writer)
        rc = start_writer(st, where, err);
    if (rc == 0)
        rc = be->open(where, !st->opt.no_create, &st->rdb, err);
    if (rc < 0) {
        free_store(st);
        return rc;
    }
    *out = st;
    return 0;
}

int store_close(struct store *st, struct fw_err *err)
{
    int rc = 0;

    if (!st)
        return 0;
    if (st->watch)
        st->be->unwatch(st->watch);
    st->watch = NULL;
    pthread_mutex_lock(&st->lock);
    st->stopping = true;
    pthread_cond_signal(&st->wake);
    pthread_mutex_unlock(&st->lock);
    if (st->thread_running)
        pthread_join(st->thread, NULL);
    if (st->stats.failed > 0)
        rc = fw_fail(err, "%s: %llu event%s could not be committed; the last failure: %s", st->url,
                     (unsigned long long)st->stats.failed, st->stats.failed == 1 ? "" : "s",
                     st->last_err);
    free_store(st);
    return rc;
}

/* ---- appending ------------------------------------------------------------------------ */

/* Queues q (under lock); STORE_BUSY when full. */
static int enqueue(struct store *st, struct queued *q, store_ticket *ticket)
{
    if (st->count == st->opt.queue_max)
        return STORE_BUSY;
    q->ticket = ++st->last_ticket;
    st->ring[(st->head + st->count) % st->opt.queue_max] = q;
    st->count++;
    st->notify_queued += q->done != NULL;
    if (st->count == 1 || st->count == st->opt.batch_max || q->done)
        pthread_cond_signal(&st->wake);
    if (ticket)
        *ticket = q->ticket;
    return 0;
}

/* Puts a seen event into the map (under lock); STORE_BUSY when the map is full. The
 * newest event of a MAC replaces the older, except that an offer is kept until a newer
 * offer replaces it, as in the devices table. */
static int put_seen(struct store *st, struct queued *q, struct fw_err *err)
{
    size_t i = seen_slot(&st->seen, q->ev.mac);
    struct queued *old = st->seen.slots[i];

    if (!old && st->seen.n >= st->opt.seen_max) {
        pthread_cond_signal(&st->wake);
        return STORE_BUSY;
    }
    if (st->seen.n == 0)
        pthread_cond_signal(&st->wake); /* the writer may sleep without a deadline */
    if (old && old->ev.offered[0] && !q->ev.offered[0])
        q->ev.offered = old->ev.offered; /* q takes over old's text below */
    if (old && q->ev.offered == old->ev.offered) {
        struct queued *merged = copy_event(&q->ev);

        if (!merged)
            return fw_fail(err, "%s: out of memory", st->url);
        merged->queued_us = q->queued_us;
        free(q);
        q = merged;
    }
    st->seen.slots[i] = q;
    st->seen.n += !old;
    free(old);
    return 0;
}

static int append(struct store *st, const struct store_event *ev, store_done_fn done, void *arg,
                  store_ticket *ticket, struct fw_err *err)
{
    struct queued *q;
    int rc;

    if (ticket)
        *ticket = 0;
    if (check_event(ev, err) < 0)
        return -1;
    if (st->opt.no_writer)
        return fw_fail(err, "%s: opened for reading only", st->url);
    q = copy_event(ev);
    if (!q)
        return fw_fail(err, "%s: out of memory", st->url);
    if (st->be->utf8_only)
        scrub_utf8(q);
    q->done = done;
    q->done_arg = arg;
    q->queued_us = mono_us();
    pthread_mutex_lock(&st->lock);
    if (st->stopping)
        rc = fw_fail(err, "%s: the store is closing", st->url);
    else
        rc = ev->kind == STORE_SEEN ? put_seen(st, q, err) : enqueue(st, q, ticket);
    if (rc == 0)
        st->stats.appended++;
    else if (rc == STORE_BUSY)
        st->stats.busy++;
    pthread_mutex_unlock(&st->lock);
    if (rc == STORE_BUSY)
        fw_fail(err, "%s: busy: %s full (%zu waiting)", st->url,
                ev->kind == STORE_SEEN ? "the map of seen devices is" : "the queue is",
                ev->kind == STORE_SEEN ? st->opt.seen_max : st->opt.queue_max);
    if (rc != 0)
        free(q);
    return rc;
}

int store_append(struct store *st, const struct store_event *ev, store_ticket *ticket,
                 struct fw_err *err)
{
    return append(st, ev, NULL, NULL, ticket, err);
}

int store_append_notify(struct store *st, const struct store_event *ev, store_done_fn done,
                        void *arg, struct fw_err *err)
{
    if (ev->kind == STORE_SEEN)
        return fw_fail(err, "seen events are coalesced; nothing would call back");
    return append(st, ev, done, arg, NULL, err);
}

int store_wait(struct store *st, store_ticket ticket, struct fw_err *err)
{
    int rc;

    if (ticket == 0)
        return 0;
    pthread_mutex_lock(&st->lock);
    if (st->done_ticket < ticket) {
        st->waiters++;
        pthread_cond_signal(&st->wake); /* end the linger */
        while (st->done_ticket < ticket)
            pthread_cond_wait(&st->done, &st->lock);
        st->waiters--;
    }
    rc = outcome(st, ticket, err);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

int store_append_sync(struct store *st, const struct store_event *ev, struct fw_err *err)
{
    store_ticket t = 0;
    int rc = store_append(st, ev, &t, err);

    return rc != 0 ? rc : store_wait(st, t, err);
}

/* True when some ticket in (from, to] failed (under lock). */
static bool failed_between(const struct store *st, store_ticket from, store_ticket to)
{
    if (from < st->forgotten)
        return true;
    for (size_t i = 0; i < st->n_failed; i++)
        if (st->failed[i].hi > from && st->failed[i].lo <= to)
            return true;
    return false;
}

int store_flush(struct store *st, struct fw_err *err)
{
    store_ticket from, to;
    uint64_t seen_need, seen_fail;
    bool failed;

    if (st->opt.no_writer)
        return 0;
    pthread_mutex_lock(&st->lock);
    from = st->done_ticket;
    to = st->last_ticket;
    seen_need = st->seen_taken + (st->seen.n > 0);
    seen_fail = st->seen_failures;
    st->flush_waiters++;
    pthread_cond_signal(&st->wake);
    while (st->done_ticket < to || st->seen_written < seen_need)
        pthread_cond_wait(&st->done, &st->lock);
    st->flush_waiters--;
    failed = failed_between(st, from, to) || st->seen_failures != seen_fail;
    if (failed)
        fw_fail(err, "%s: some events could not be committed: %s", st->url, st->last_err);
    pthread_mutex_unlock(&st->lock);
    return failed ? -1 : 0;
}

int store_watch(struct store *st, void (*fn)(void *), void *arg, struct fw_err *err)
{
    if (!st->be->watch)
        return 0;
    if (st->watch)
        return fw_fail(err, "%s: already watched", st->url);
    return st->be->watch(st->where, fn, arg, &st->watch, err);
}

void store_stats(struct store *st, struct store_stats *out)
{
    pthread_mutex_lock(&st->lock);
    *out = st->stats;
    out->queue_depth = st->count;
    out->seen_pending = st->seen.n + st->seen_spare.n;
    pthread_mutex_unlock(&st->lock);
}

/* ---- reading --------------------------------------------------------------------------- */

int store_audit_scan(struct store *st, const struct store_audit_filter *f, store_audit_fn fn,
                     void *arg, struct fw_err *err)
{
    static const struct store_audit_filter all = {0};
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->scan_audit(st->rdb, f ? f : &all, fn, arg, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

int store_audit_head(struct store *st, int64_t *id, char hash[SHA256_HEX_LEN], struct fw_err *err)
{
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->audit_head(st->rdb, id, hash, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

int store_audit_find_hash(struct store *st, const char *hash, int64_t *id, struct fw_err *err)
{
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->find_hash(st->rdb, hash, id, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

int store_scan_device(struct store *st, uint64_t mac, store_device_fn fn, void *arg,
                      struct fw_err *err)
{
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->scan_devices(st->rdb, mac, fn, arg, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

int store_scan_devices(struct store *st, store_device_fn fn, void *arg, struct fw_err *err)
{
    return store_scan_device(st, 0, fn, arg, err);
}

int store_scan_status_after(struct store *st, int64_t after, size_t limit, store_status_fn fn,
                            void *arg, struct fw_err *err)
{
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->scan_status(st->rdb, after, limit, fn, arg, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}

int store_scan_status(struct store *st, store_status_fn fn, void *arg, struct fw_err *err)
{
    return store_scan_status_after(st, 0, 0, fn, arg, err);
}

int store_scan_downloads(struct store *st, store_download_fn fn, void *arg, struct fw_err *err)
{
    int rc;

    pthread_mutex_lock(&st->rlock);
    rc = st->be->scan_downloads(st->rdb, fn, arg, err);
    pthread_mutex_unlock(&st->rlock);
    return rc;
}
