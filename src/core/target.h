/* target.h: one targeted fix (targeted/<AB_CD_EF_12_34_56>.json, the seed's format), typed. */
#ifndef FWHUB_TARGET_H
#define FWHUB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "problems.h"
#include "version.h"

#define TARGET_FILE_MAX (1024 * 1024) /* a targeted JSON file larger than this is refused */
#define NEVER_EXPIRES   INT64_MAX

/* One entry of "devices": the build meant for this device on one hardware model. */
struct target_device {
    const char *model;
    const char *version; /* latest_version */
    struct version v;    /* parsed from version */
    const char *url;
    const char *file; /* repository-relative image path when url points into the repo, else NULL */
    const char *changelog;
    const char *release_date;
    const char *file_size; /* as written: "1.16 MB" */
    const char *hardware_version;
    bool targeted_fix;
    const char **fixes; /* fix_description */
    size_t n_fixes;
    const char *rollback_version; /* rollback_info.stable_version */
    const char *rollback_url;     /* rollback_info.stable_url, may be NULL */
    bool is_signed;               /* security.signed */
    const char *checksum;         /* security.checksum as written */
    char sha256[65];              /* lower-case hex when checksum is well-formed, else "" */
    const char *signature;        /* security.signature (base64), may be NULL */
    const char *key_id;           /* security.key_id, may be NULL */
    uint64_t size;                /* size_bytes, or the image's size; 0 when unknown */
};

struct target {
    uint64_t mac;
    const char *file; /* repository-relative: "targeted/AB_CD_EF_12_34_56.json" */
    /* customer_info: never leaves through a public endpoint */
    const char *mac_address;
    const char *device_serial;
    const char *customer_name;
    const char *issue_ticket;
    const char *created_date;
    struct target_device *devices;
    size_t n_devices;
    const char **install_steps; /* instructions.installation */
    size_t n_install;
    const char **verify_steps; /* instructions.verification */
    size_t n_verify;
    const char *support_contact;
    const char *expiry_date; /* as written */
    int64_t expiry;          /* NEVER_EXPIRES for legacy manifest entries */
    bool auto_rollback;
    bool allow_unknown_device; /* created with --force for a MAC not in devices.csv */
    bool legacy;               /* came from manifest.json's mac_specific map */
    bool has_errors;           /* validation found errors in this target */
};

struct catalog; /* catalog.h */

enum {
    TARGET_CHECK_EXPIRY = 1 << 0, /* an expiry in the past is an error */
    TARGET_CHECK_IMAGES = 1 << 1, /* hash local images and compare with the checksum */
};

/* Parses and validates one targeted file. file is the repository-relative name used in
 * messages and for the MAC-in-name check; repo is the repository directory (for image
 * checks); cat gives models, releases and known devices (NULL skips those checks).
 * Every problem is added to pr with file:line:column and the JSON path. The target and
 * its strings are allocated in arena. Returns 0 with *out set when the file could be
 * read as a target (it may still have errors: see has_errors), -1 when it could not
 * (bad JSON, not an object, missing required structure; the reason is in pr). */
int target_parse(const char *repo, const char *file, const char *text, size_t len,
                 const struct catalog *cat, int64_t now, int flags, struct arena *arena,
                 struct target **out, struct problems *pr) FW_NODISCARD;

/* What a loader of many targeted files keeps from one file to the next. */
struct target_loader {
    const char *repo;
    int repo_fd; /* an O_PATH descriptor of repo, or -1 */
    const struct catalog *cat;
    int64_t now;
    int flags;
    struct arena *arena;   /* where targets are kept */
    struct arena *scratch; /* where each JSON document is parsed; reset after each file */
};

/* As target_parse, with the context of a loader. */
int target_parse_with(const struct target_loader *tl, const char *file, const char *text,
                      size_t len, struct target **out, struct problems *pr) FW_NODISCARD;

/* The entry of t for model, or NULL. */
const struct target_device *target_device_for(const struct target *t, const char *model);

/* The part of a version before any pre-release or build: "10.2.1-custom" -> 10.2.1. */
struct version target_base_version(const struct target_device *d);

#endif
