/* decide.c: which firmware a device should install. Pure: no I/O, no clock. */
#include "decide.h"

#include <string.h>

static void offer_release(struct update *u, enum update_kind kind, const struct release *r)
{
    u->kind = kind;
    u->release = r;
    u->version = r->version;
    u->url = r->url;
    u->sha256 = r->sha256;
    u->size = r->size;
}

/* The newest general release of model above cur, or NULL. */
static const struct release *newer_general(const struct catalog *c, const char *model,
                                           const struct version *cur)
{
    const struct release *latest = catalog_latest(c, model);

    return latest && version_compare(&latest->v, cur) > 0 ? latest : NULL;
}

static bool offer_rollback(const struct catalog *c, const struct target_device *fix,
                           struct update *u)
{
    const struct release *stable;

    if (!fix->rollback_version)
        return false;
    stable = catalog_release(c, fix->model, fix->rollback_version);
    if (stable) {
        offer_release(u, UPDATE_ROLLBACK, stable);
        return true;
    }
    if (!fix->rollback_url)
        return false; /* nowhere to roll back to: validation reports this target */
    u->kind = UPDATE_ROLLBACK;
    u->version = fix->rollback_version;
    u->url = fix->rollback_url;
    u->sha256 = "";
    u->size = 0;
    return true;
}

void decide_update(const struct catalog *c, uint64_t mac, const char *model,
                   const struct version *cur, int64_t now, struct update *out)
{
    const struct target *t = catalog_target(c, mac);
    const struct target_device *fix = t ? target_device_for(t, model) : NULL;
    const struct release *general = newer_general(c, model, cur);

    memset(out, 0, sizeof(*out));
    out->kind = UPDATE_NONE;
    out->sha256 = "";
    if (fix && fix->version) {
        out->target = t;
        out->fix = fix;
        /* a general release above the fix has integrated it: that one wins */
        bool integrated = general && version_compare(&general->v, &fix->v) > 0;

        if (now < t->expiry && version_compare(&fix->v, cur) > 0 && !integrated) {
            out->kind = UPDATE_TARGETED;
            out->version = fix->version;
            out->url = fix->url;
            out->sha256 = fix->sha256;
            out->size = fix->size;
            return;
        }
        /* A device still running an expired fix goes forward when it can, back to
         * stable only when the fix asks for it and nothing newer exists. */
        if (now >= t->expiry && t->auto_rollback && !general &&
            version_compare(&fix->v, cur) == 0 && offer_rollback(c, fix, out))
            return;
    }
    if (general)
        offer_release(out, UPDATE_GENERAL, general);
}

const char *update_kind_name(enum update_kind k)
{
    switch (k) {
    case UPDATE_NONE:
        return "none";
    case UPDATE_GENERAL:
        return "general";
    case UPDATE_TARGETED:
        return "targeted";
    case UPDATE_ROLLBACK:
        return "rollback";
    }
    return "unknown";
}
