/* catalog.h: a whole repository loaded into one immutable snapshot. */
#ifndef FWHUB_CATALOG_H
#define FWHUB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "devices.h"
#include "problems.h"
#include "target.h"
#include "version.h"

#define MANIFEST_FILE_MAX (64 * 1024 * 1024)
#define DEVICES_FILE_MAX  (256 * 1024 * 1024)

/* A general release of one model (manifest.json firmware_versions[]). */
struct release {
    const char *model;
    const char *version;
    struct version v;
    const char *url;
    const char *file; /* repository-relative image path when url points into the repo, else NULL */
    const char *description;
    const char *release_date;
    const char *file_size; /* as written */
    uint64_t size;         /* size_bytes, or the image's size; 0 when unknown */
    char sha256[65];       /* "" when unknown */
    const char *signature;
    const char *key_id;
};

struct model {
    const char *name;
    struct release *releases; /* ascending by version */
    size_t n_releases;
};

enum target_state {
    TARGET_ACTIVE,
    TARGET_EXPIRING, /* active, expires within 7 days */
    TARGET_EXPIRED,
    TARGET_SUPERSEDED, /* a general release at or above the fix's base version exists */
};

struct catalog {
    struct arena arena;
    const char *repo;
    struct model *models; /* sorted by name */
    size_t n_models;
    struct target **targets; /* sorted by MAC */
    size_t n_targets;
    struct target **slots; /* open-addressing hash on MAC, n_slots a power of two */
    size_t n_slots;
    struct device_list devices;
    bool has_devices_file;
    int64_t loaded_at;
};

enum {
    CATALOG_CHECK_EXPIRY = TARGET_CHECK_EXPIRY,
    CATALOG_CHECK_IMAGES = TARGET_CHECK_IMAGES,
    CATALOG_STRICT = 1 << 8, /* fail (return -1) when any error was found */
};

/* Loads repo (manifest.json, devices.csv, targeted/<MAC>.json, firmware/<MODEL>/) into a new
 * snapshot. Every finding goes to pr. Without CATALOG_STRICT a snapshot is returned even
 * when some files have errors (targets that could not be read are left out, the others
 * carry has_errors); with it, any error makes the load fail. Returns 0 and *out (free
 * with catalog_free), or -1 with err saying why. */
int catalog_load(const char *repo, int flags, int64_t now, struct catalog **out,
                 struct problems *pr, struct fw_err *err) FW_NODISCARD;

void catalog_free(struct catalog *c);

const struct model *catalog_model(const struct catalog *c, const char *name);
const struct target *catalog_target(const struct catalog *c, uint64_t mac);
const struct device *catalog_device(const struct catalog *c, uint64_t mac);

/* The release of model with exactly this version (precedence-equal), or NULL. */
const struct release *catalog_release(const struct catalog *c, const char *model,
                                      const char *version);

/* The newest release of model, or NULL. */
const struct release *catalog_latest(const struct catalog *c, const char *model);

/* State of t at time now; superseded wins over expired, expired over expiring. */
enum target_state catalog_target_state(const struct catalog *c, const struct target *t,
                                       int64_t now);
const char *target_state_name(enum target_state s);

/* Maps a URL from a manifest or target to a repository-relative path when its path part
 * starts with "/firmware/" or "/targeted/firmware/" (absolute URLs on any host, or
 * relative URLs); writes it into out and returns 1; returns 0 for URLs elsewhere (a
 * CDN) and -1 when the path is unsafe ("..", empty parts, percent-escapes of '/' or '.'). */
int catalog_local_path(const char *url, char *out, size_t outlen);

#endif
