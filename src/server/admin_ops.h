/* admin_ops.h: the admin operations, one code path for the JSON API and the pages. */
#ifndef FWHUB_ADMIN_OPS_H
#define FWHUB_ADMIN_OPS_H

#include <jansson.h>
#include <stdint.h>

#include "cli/target_make.h"
#include "core/error.h"
#include "store/store.h"

/* Who acts, for the audit records of changes. */
struct admin_actor {
    const char *identity; /* from the token file */
    const char *client;   /* the client's address */
    const char *user_agent;
};

/* What an operation answers: an HTTP status and a JSON document, or an error (status
 * 400 and up) with a message and, for bad input, the field. */
struct admin_result {
    int status;
    json_t *doc; /* owned by the result: admin_result_free */
    char field[TARGET_MAKE_FIELD_MAX];
    char msg[FW_ERRLEN];
};

void admin_result_free(struct admin_result *r);

/* Each runs on the admin worker (it may block on the store and the file system), reads
 * the current catalog snapshot and the event store, and fills r.
 *
 *   targets   {"targets": [report_build's target entries with customer, serial and
 *             created added]}
 *   target    {"target": {...everything the target file says, and its report entry},
 *             "audit": [its newest 500 audit records, oldest first], "audit_total": how
 *             many it has, "feedback": [its newest 500 portal.feedback records]}; 404 when
 *             the MAC has no target
 *   create    target_make with s in the repository; then the audit record target.created
 *             (target.replaced) with actor "admin:<identity>" is committed, the snapshot
 *             reloaded, and 201 {"created": {...}} answered. 400 with the field for bad
 *             input, 409 when a target exists (without replace)
 *   archive   moves the target to targeted/archive/ (as `fwhub target remove`), commits
 *             target.archived, reloads; 200 {"archived": {...}}; 404 when there is none
 *   releases  {"models": [{"model", "releases": [catalog entry and report figures]}]}
 *   audit     {"records": [...]} matching f
 *   report    report_build's document, as `fwhub report --json` prints it */
void admin_op_targets(struct admin_result *r);
void admin_op_target(uint64_t mac, struct admin_result *r);
void admin_op_create(const struct admin_actor *a, const struct target_spec *s,
                     struct admin_result *r);
void admin_op_archive(const struct admin_actor *a, uint64_t mac, struct admin_result *r);
void admin_op_releases(struct admin_result *r);
void admin_op_audit(const struct store_audit_filter *f, struct admin_result *r);
void admin_op_report(struct admin_result *r);

/* Downloads per UTC day over the last days days up to now: {"days": [{"day", "started",
 * "completed"}]}, for the report page's chart. */
void admin_op_downloads_per_day(int days, struct admin_result *r);

#endif
