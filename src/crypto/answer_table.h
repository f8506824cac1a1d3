/* answer_table.h: the signed answers of one catalog snapshot for one validity period, signed
 * lazily. */
#ifndef FWHUB_ANSWER_TABLE_H
#define FWHUB_ANSWER_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/catalog.h"
#include "../core/decide.h"
#include "../core/error.h"
#include "sign.h"

/* Time is cut into periods of ttl/2 seconds. A table belongs to one period k (now / (ttl/2))
 * and every answer it signs expires at the end of period k+1, (k+2) * ttl/2: an answer
 * handed out during its period is valid for ttl/2 to ttl seconds more. From the end of
 * period k on, a new table (with fresh signatures) must take its place; the old one may
 * still be read by requests in flight and is freed with its snapshot.
 *
 * There is one slot per general release, and two (targeted, rollback) per entry of every
 * target. A slot is filled on its first use: signing 100,000 targets at every reload would
 * cost seconds (about 30-70 us each), and most targeted devices do not ask every period.
 * Filling is lock-free and safe from several threads at once (two threads may both sign;
 * one signature is kept); a filled slot never changes while the table lives, so a member
 * returned stays valid until answer_table_free. */

#define ANSWER_TTL_MIN     60
#define ANSWER_TTL_MAX     (30 * 86400)
#define ANSWER_TTL_DEFAULT 86400

struct answer_table;

/* The period of now for answers valid ttl seconds (ttl/2 per period). */
int64_t answer_period(int64_t now, int64_t ttl);

/* A table for catalog c (which must outlive it), signed with key (borrowed, private), for
 * the period of now. ttl within [ANSWER_TTL_MIN, ANSWER_TTL_MAX]. NULL when out of memory
 * or ttl is out of range. */
struct answer_table *answer_table_new(const struct catalog *c, const struct sign_key *key,
                                      int64_t ttl, int64_t now);

/* Signs now the general answer of every model (its newest release, the only one
 * decide_update offers), so that no general request waits for a signature: a few models,
 * a few signatures. Returns how many were signed; releases that cannot be signed (no
 * sha256 or size) are skipped. */
size_t answer_table_prepare_general(struct answer_table *t);

/* The table's period, and the Unix time from which it must be replaced. */
int64_t answer_table_period(const struct answer_table *t);
int64_t answer_table_renew_at(const struct answer_table *t);

/* The expiry of every answer the table signs. */
int64_t answer_table_expires(const struct answer_table *t);

/* The value of the "answer_signature" member for the update u that decide_update made from
 * the table's catalog: cached, or signed now and kept. *len receives its length. Returns
 * NULL with err when u cannot be signed: UPDATE_NONE, a rollback to a release that is not
 * in the manifest (its sha256 and size are unknown), an image without sha256 or size, or
 * out of memory. */
const char *answer_table_member(struct answer_table *t, const struct update *u, size_t *len,
                                struct fw_err *err);

/* Signs u once, without a table: the value of "answer_signature" in a malloc'd *out (the
 * caller's), expiring at expires. For the rare answer that cannot use a current table.
 * Returns 0, or -1 with err as answer_table_member. */
int answer_sign_update(const struct sign_key *key, const struct update *u, int64_t expires,
                       char **out, size_t *len, struct fw_err *err) FW_NODISCARD;

/* How many answers the table has signed so far. */
size_t answer_table_count(const struct answer_table *t);

/* Releases t and every member it signed; NULL is fine. */
void answer_table_free(struct answer_table *t);

#endif
