/* decide.h: the update decision, one pure function of device, time and snapshot. */
#ifndef FWHUB_DECIDE_H
#define FWHUB_DECIDE_H

#include <stdint.h>

#include "catalog.h"

enum update_kind { UPDATE_NONE, UPDATE_GENERAL, UPDATE_TARGETED, UPDATE_ROLLBACK };

/* What a device should install. Pointers point into the snapshot. */
struct update {
    enum update_kind kind;
    const struct target *target;     /* TARGETED, ROLLBACK; also NONE/GENERAL when the
                                        device has a target that was not offered */
    const struct target_device *fix; /* TARGETED, ROLLBACK */
    const struct release *release;   /* GENERAL; ROLLBACK when the stable release is
                                        in the manifest */
    const char *version;             /* the version to install (NULL for NONE) */
    const char *url;
    const char *sha256; /* "" when unknown */
    uint64_t size;
};

/* Decides for the device mac running model at version cur, at time now:
 * 1. an active targeted fix for this MAC and model whose version is above cur, unless a
 *    general release above the fix exists (it has integrated the fix) -> TARGETED;
 * 2. an expired fix with auto_rollback while the device runs the fix's version, and no
 *    general release above cur -> ROLLBACK to rollback_info.stable_version;
 * 3. the newest general release above cur -> GENERAL;
 * 4. otherwise NONE. A version below cur is offered only as the rollback of step 2. */
void decide_update(const struct catalog *c, uint64_t mac, const char *model,
                   const struct version *cur, int64_t now, struct update *out);

const char *update_kind_name(enum update_kind k);

#endif
