/* report.h: fleet monitoring from the event store and a catalog snapshot, as one JSON document. */
#ifndef FWHUB_REPORT_H
#define FWHUB_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "core/catalog.h"
#include "store/store.h"

#define REPORT_PATTERN_DAYS 30 /* targets on one model created this close together... */
#define REPORT_PATTERN_MIN  2  /* ...this many or more are flagged as a likely broader issue */

/* Builds the report at time now from what st has committed and the snapshot c:
 *
 *   targets[]    per targeted fix: state, answers (target.answered records of its MAC and
 *                version), rollbacks, downloads started and completed (downloads rows
 *                under targeted/firmware/<MAC>/), the device's last status report, and
 *                fix_confirmed: the device reported Installed for the fix's version and
 *                then checked in running it (devices inventory); feedback: the
 *                customers' answers in the portal (portal.feedback records of its MAC and
 *                version) solved / not_solved, and the last one with its comment;
 *   releases[]   per general release: devices offered (whose latest offer it is),
 *                downloads started and completed (of its image path), installs (devices
 *                that reported Installed running it), failures (devices that reported a
 *                failure while it was their latest offer, or while running it), and
 *                success_rate = installs / (installs + failures), null without either;
 *   follow_ups[] confirmed fixes to integrate into the main firmware and clean up,
 *                fixes whose last feedback says the problem is not solved,
 *                targets expiring within 7 days, expired or superseded targets still
 *                present, devices whose last report is a failure;
 *   patterns[]   REPORT_PATTERN_MIN or more targets on one model created within
 *                REPORT_PATTERN_DAYS days, and fixes of different devices with the same
 *                fix_description text.
 *
 * Reads every row of the devices, status_reports and downloads tables and the target.*
 * audit records: fine for fleets of some hundred thousand devices; larger ones want the
 * counting done in SQL. st NULL (no database yet) counts nothing. Returns 0 and *out
 * (the caller's), or -1 with err. */
int report_build(struct store *st, const struct catalog *c, int64_t now, json_t **out,
                 struct fw_err *err) FW_NODISCARD;

/* True for the status names that mean an update failed: DownloadFailed, InvalidSignature,
 * InstallationFailed, InstallVerificationFailed, RolledBack. */
bool report_status_failed(const char *status);

#endif
