/* audit.c: the fixed list of audit events, the canonical form of a record, and the chain check. */
#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Changing a name or adding one is a change of docs/audit.md too. */
const struct audit_event_def audit_events[] = {
    {"target.answered", "device", "an update answer carried the device's targeted fix"},
    {"target.rollback", "device",
     "an update answer carried the rollback to the stable release after the fix expired"},
    {"target.downloaded", "download", "a targeted image was handed out with a valid token"},
    {"token.refused", "security",
     "a targeted download was refused: no token, a malformed, expired or wrong one"},
    {"portal.lookup", "portal", "a customer looked up a device with MAC and serial"},
    {"portal.feedback", "portal", "a customer said whether a targeted fix solved the problem"},
    {"admin.refused", "security", "an admin request without a valid bearer token"},
    {"admin.signed_in", "security", "an admin signed in to the admin pages"},
    {"admin.signed_out", "security", "an admin signed out of the admin pages"},
    {"target.created", "admin", "a targeted fix was created"},
    {"target.replaced", "admin", "a targeted fix was replaced; the previous one was archived"},
    {"target.archived", "admin",
     "a targeted fix was moved into targeted/archive/ (target remove, cleanup)"},
    {"release.added", "admin", "a general release was added to manifest.json"},
    {"devices.imported", "admin", "devices were imported into devices.csv"},
    {"webhook.delivered", "webhook", "a webhook delivery was accepted by its receiver (2xx)"},
    {"webhook.failed", "webhook",
     "a webhook delivery attempt failed (result retry), was given up after 24 h (gave_up) or "
     "dropped because no hook has its URL any more (no_hook)"},
};
const size_t audit_events_count = sizeof(audit_events) / sizeof(audit_events[0]);

const struct audit_event_def *audit_event_find(const char *name)
{
    for (size_t i = 0; i < audit_events_count; i++)
        if (strcmp(audit_events[i].name, name) == 0)
            return &audit_events[i];
    return NULL;
}

/* ---- the canonical form ------------------------------------------------------------- */

/* Adds "name:length:value\n" to the digest. */
static void put_field(struct sha256_ctx *c, const char *name, const char *value)
{
    char len[32];
    size_t n = value ? strlen(value) : 0;

    snprintf(len, sizeof(len), ":%zu:", n);
    sha256_update(c, name, strlen(name));
    sha256_update(c, len, strlen(len));
    sha256_update(c, value ? value : "", n);
    sha256_update(c, "\n", 1);
}

static void put_number(struct sha256_ctx *c, const char *name, int64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "%" PRId64, v);
    put_field(c, name, num);
}

int audit_hash(const struct store_audit *r, char out[SHA256_HEX_LEN], struct fw_err *err)
{
    struct sha256_ctx c;
    unsigned char d[SHA256_LEN];

    if (sha256_init(&c, err) < 0)
        return -1;
    put_field(&c, "v", "1");
    put_number(&c, "id", r->id);
    put_number(&c, "time", r->time);
    put_field(&c, "actor", r->actor);
    put_field(&c, "client_addr", r->client_addr);
    put_field(&c, "user_agent", r->user_agent);
    put_field(&c, "category", r->category);
    put_field(&c, "event", r->event);
    put_field(&c, "subject_mac", r->subject_mac);
    put_field(&c, "target_version", r->target_version);
    put_field(&c, "result", r->result);
    put_field(&c, "detail", r->detail);
    put_field(&c, "prev_hash", r->prev_hash);
    sha256_final(&c, d);
    sha256_hex(d, out);
    return 0;
}

/* ---- verification ------------------------------------------------------------------- */

enum broken { INTACT, GAP, LINK, CHANGED };

struct walk {
    struct audit_verdict *v;
    int64_t expect_id;
    char prev[SHA256_HEX_LEN];
    enum broken broken;
    int64_t at;                /* the record where the walk stopped */
    bool self_ok;              /* that record hashes to its hash (LINK) */
    char link[SHA256_HEX_LEN]; /* its prev_hash (LINK) */
    struct fw_err *err;
    int failed; /* audit_hash could not run */
};

static int step(void *arg, const struct store_audit *r)
{
    struct walk *w = arg;
    char h[SHA256_HEX_LEN];

    w->at = r->id;
    if (r->id != w->expect_id) {
        w->broken = GAP;
        return 1;
    }
    if (audit_hash(r, h, w->err) < 0) {
        w->failed = 1;
        return 1;
    }
    if (strcmp(r->prev_hash, w->prev) != 0) {
        w->broken = LINK;
        w->self_ok = strcmp(h, r->hash) == 0;
        snprintf(w->link, sizeof(w->link), "%s", r->prev_hash);
        return 1;
    }
    if (strcmp(h, r->hash) != 0) {
        w->broken = CHANGED;
        return 1;
    }
    memcpy(w->prev, r->hash, SHA256_HEX_LEN);
    w->expect_id++;
    w->v->count++;
    return 0;
}

static void bad(struct audit_verdict *v, int64_t id, const char *fmt, ...) FW_PRINTF(3, 4);

static void bad(struct audit_verdict *v, int64_t id, const char *fmt, ...)
{
    va_list ap;

    v->ok = false;
    v->bad_id = id;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof(v->why), fmt, ap);
    va_end(ap);
}

static void explain_gap(const struct walk *w)
{
    int64_t first = w->expect_id, last = w->at - 1;

    if (first == last)
        bad(w->v, first,
            "record %" PRId64 " is missing (removed): record %" PRId64 " follows record %" PRId64,
            first, w->at, first - 1);
    else if (w->at > first)
        bad(w->v, first, "records %" PRId64 " to %" PRId64 " are missing (removed)", first, last);
    else
        bad(w->v, w->at,
            "record %" PRId64 " is out of order: expected record %" PRId64
            " here (ids were changed)",
            w->at, first);
}

/* A broken link: reordered, changed, or the previous record rewritten with its hash. */
static int explain_link(struct store *st, const struct walk *w, struct fw_err *err)
{
    int64_t other = 0;

    if (store_audit_find_hash(st, w->link, &other, err) < 0)
        return -1;
    if (other > w->at)
        bad(w->v, w->at,
            "record %" PRId64 " is out of order: it links to record %" PRId64
            ", which is stored after it (records were reordered)",
            w->at, other);
    else if (!w->self_ok)
        bad(w->v, w->at,
            "record %" PRId64 " was changed: its contents no longer match its "
            "hash, and its prev_hash does not link to record %" PRId64,
            w->at, w->at - 1);
    else if (w->at == 1)
        bad(w->v, 1, "record 1 was changed: its prev_hash is not the start of a chain");
    else
        bad(w->v, w->at - 1,
            "record %" PRId64 " was changed: its hash was rewritten, and "
            "record %" PRId64 " still links to the original",
            w->at - 1, w->at);
    return 0;
}

/* After an intact walk: the head the store keeps must be the last record. */
static int check_head(struct store *st, struct walk *w, struct fw_err *err)
{
    int64_t head = 0, last = w->expect_id - 1;
    char hash[SHA256_HEX_LEN];

    if (store_audit_head(st, &head, hash, err) < 0)
        return -1;
    if (head > last)
        bad(w->v, last + 1,
            last + 1 == head ? "record %" PRId64 " is missing (removed from the end; the "
                               "head names record %" PRId64 ")"
                             : "records %" PRId64 " to %" PRId64 " are missing (removed "
                               "from the end)",
            last + 1, head);
    else if (head < last)
        bad(w->v, head + 1,
            "record %" PRId64 " was not written by fwhub: the head names "
            "record %" PRId64 " as the last",
            head + 1, head);
    else if (strcmp(hash, w->prev) != 0)
        bad(w->v, last,
            "record %" PRId64 " was changed: its hash was rewritten (the head "
            "keeps the original)",
            last);
    w->v->head_id = last;
    memcpy(w->v->head_hash, w->prev, SHA256_HEX_LEN);
    return 0;
}

int audit_verify(struct store *st, struct audit_verdict *v, struct fw_err *err)
{
    struct walk w = {.v = v, .expect_id = 1, .err = err};

    memset(v, 0, sizeof(*v));
    v->ok = true;
    memcpy(w.prev, AUDIT_GENESIS, SHA256_HEX_LEN);
    if (store_audit_scan(st, NULL, step, &w, err) < 0 || w.failed)
        return -1;
    switch (w.broken) {
    case GAP:
        explain_gap(&w);
        return 0;
    case LINK:
        return explain_link(st, &w, err);
    case CHANGED:
        bad(v, w.at, "record %" PRId64 " was changed: its contents no longer match its hash", w.at);
        return 0;
    case INTACT:
        break;
    }
    return check_head(st, &w, err);
}
