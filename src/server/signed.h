/* signed.h: signed update answers, the keys devices pin (/api/v1/keys), and --require-signed. */
#ifndef FWHUB_SIGNED_H
#define FWHUB_SIGNED_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "core/catalog.h"
#include "core/decide.h"
#include "core/error.h"
#include "jbuf.h"
#include "options.h"
#include "snapshot.h"

/* With --signing-key every update answer (but "none") carries "answer_signature" (see
 * src/crypto/answer.h and docs/signing.md), expiring --answer-ttl seconds after the
 * start of the half-period it was signed in. The signatures live in a table per
 * snapshot and half-period (src/crypto/answer_table.h), filled on each answer's first use;
 * general answers are signed when the table is made. A request whose snapshot's table is
 * due for renewal publishes a copy of the snapshot
 * with a fresh table (snapshot_renew_answers), so no answer is signed per request. */

/* What a snapshot carries: its table of signed answers (when signing), the body of
 * GET /api/v1/keys, and what --require-signed withheld. Opaque. */
struct signed_answers;

/* Reads --signing-key and --trusted-key once, at start. Returns 0, or -1 with err naming
 * the file at fault. */
int signed_init(const struct serve_options *o, const char *repo, struct fw_err *err) FW_NODISCARD;

/* For a new catalog, before it is published: with --require-signed, takes every image
 * without a valid signature by a trusted key (REPO/keys/, --trusted-key, the signing key)
 * out of c and logs what was withheld; prepares the answers of the period of now. Called
 * by one thread at a time (the catalog loader). Returns 0 and *out, or -1 with err. */
int signed_answers_build(struct catalog *c, int64_t now, struct signed_answers **out,
                         struct fw_err *err) FW_NODISCARD;

/* True when a's answers must be renewed at now. */
bool signed_answers_stale(const struct signed_answers *a, int64_t now);

/* The same keys and counts as old, with an empty table for the period of now; NULL when
 * out of memory. */
struct signed_answers *signed_answers_renew(const struct signed_answers *old,
                                            const struct catalog *c, int64_t now);

void signed_answers_free(struct signed_answers *a);

/* Splices `,"answer_signature":{...}` before the closing brace of the answer in b (which
 * ends with "}\n") for the update u decided on s's catalog at now. Nothing without
 * --signing-key or for "none"; an answer that cannot be signed (a rollback to an image
 * outside the manifest) is sent as it is, and devices refuse it. */
void signed_put(struct jbuf *b, const struct snapshot *s, const struct update *u, int64_t now);

/* GET /api/v1/keys. */
int signed_keys_page(h2o_req_t *req, const struct snapshot *s);

/* The signing gauges of /metrics. */
void signed_render_metrics(struct jbuf *b, const struct snapshot *s);

void signed_shutdown(void);

#endif
