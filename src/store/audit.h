/* audit.h: the audit trail's fixed event names and its SHA-256 hash chain. */
#ifndef FWHUB_AUDIT_H
#define FWHUB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The hash a first record links to: 64 zeros. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* One name of the fixed list of audit events (docs/audit.md describes each). */
struct audit_event_def {
    const char *name;     /* "target.answered" */
    const char *category; /* "device", "download", "security", "portal", "admin" */
    const char *meaning;  /* one sentence, for --help and the docs */
};

extern const struct audit_event_def audit_events[];
extern const size_t audit_events_count;

/* The definition of name, or NULL when it is not on the list. */
const struct audit_event_def *audit_event_find(const char *name);

/* The SHA-256 of r's canonical form (docs/audit.md, "The chain"): every field but hash,
 * prev_hash included, each written as "name:length:value\n". Writes lower-case hex into
 * out. Returns 0, or -1 when OpenSSL cannot allocate a context. */
int audit_hash(const struct store_audit *r, char out[SHA256_HEX_LEN],
               struct fw_err *err) FW_NODISCARD;

/* What audit_verify found. */
struct audit_verdict {
    bool ok;                        /* the chain is intact */
    int64_t count;                  /* records checked (all of them when ok) */
    int64_t bad_id;                 /* the first record changed, removed or reordered */
    char why[512];                  /* one sentence naming bad_id and what is wrong */
    int64_t head_id;                /* the last record (when ok) */
    char head_hash[SHA256_HEX_LEN]; /* its hash: write it down to detect truncation later */
};

/* Recomputes the chain of st's audit records in id order and compares it with the head
 * the store keeps. The first finding wins: a gap in the ids (records removed), a record
 * whose prev_hash is the hash of a later one (reordered), a record whose contents do
 * not hash to its hash (changed), a record whose hash was rewritten with its contents
 * (the next record still links to the old hash), records missing after the last one or
 * added behind the store's back. Returns 0 with *v filled (v->ok says whether the chain
 * holds), or -1 when the records cannot be read. */
int audit_verify(struct store *st, struct audit_verdict *v, struct fw_err *err) FW_NODISCARD;

#endif
