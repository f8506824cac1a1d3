/* webhooks.h: signed notifications to configured HTTP endpoints, spooled on disk and retried. */
#ifndef FWHUB_WEBHOOKS_H
#define FWHUB_WEBHOOKS_H

#include "core/error.h"
#include "events.h"
#include "jbuf.h"
#include "store/store.h"

/*
 * `fwhub serve --webhooks FILE` (docs/audit.md, "Webhooks"): FILE is a JSON list of hooks,
 * each {"url": "http(s)://...", "events": [...], "secret_file": "PATH"}. One delivery
 * thread finds the events, writes one spool file per hook and event into
 * REPO/.fwhub/webhooks/ (atomically) and POSTs them, signed with HMAC-SHA256 of the
 * hook's secret over the body, retrying with exponential backoff. Each attempt becomes an
 * audit record (webhook.delivered, webhook.failed). Where the events come from:
 *
 *   target.created         a catalog snapshot has a target (MAC, version) the previous one
 *                          lacked (also across restarts: the known targets are kept)
 *   target.first_answered  the first committed target.answered record of a MAC and version
 *   target.downloaded      each committed target.downloaded record
 *   fix.confirmed          a committed Installed report for the fix's version, then a
 *                          check-in running it (as fwhub report's fix_confirmed): one
 *                          this instance saw, or the device's row in the inventory
 *   device.failure         each committed status report that means failure
 *                          (report_status_failed), of any instance on the same store
 *   target.expiring        a target expiring within 7 days: once per target and day
 */

#define WEBHOOKS_CONFIG_MAX (1024 * 1024) /* bytes of the config file */
#define WEBHOOKS_MAX        64            /* hooks in one config */

/* Reads and checks the config at path (errors name the file and the field, e.g.
 * "hooks.json: [0].url: expected http:// or https://"), reads each secret file, loads
 * the spool and the state from REPO/.fwhub/webhooks/ and starts the delivery thread,
 * which reads and writes st (audit records) and takes catalog snapshots. Call after the
 * store and the first snapshot exist, before the loop threads start. Returns 0, or -1
 * with err. */
int webhooks_start(const char *path, const char *repo, struct store *st,
                   struct fw_err *err) FW_NODISCARD;

/* Hands a check-in of a device whose fix awaits confirmation to the delivery thread;
 * anything else is ignored (status reports are read back from the store). Returns at once,
 * copies what it keeps. Safe from any thread; a no-op without webhooks. */
void webhooks_note(const struct event *e);

/* Stops the delivery thread (an attempt in progress is cut) and frees everything;
 * pending deliveries stay in the spool for the next start. Safe to call twice. */
void webhooks_stop(void);

/* Appends the webhook counters (Prometheus text) to b; nothing without webhooks. */
void webhooks_render_metrics(struct jbuf *b);

#endif
