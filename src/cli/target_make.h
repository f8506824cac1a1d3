/* target_make.h: creating a targeted fix in the repository, shared by `fwhub target create`
 * and the admin API and pages of `fwhub serve`. */
#ifndef FWHUB_TARGET_MAKE_H
#define FWHUB_TARGET_MAKE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/isotime.h"
#include "core/mac.h"
#include "crypto/sha256.h"

#define TARGET_MAKE_MAX_TEXT  4096 /* bytes in one field's text */
#define TARGET_MAKE_MAX_ITEMS 100  /* items of fix, install-step, verify-step */
#define TARGET_MAKE_FIELD_MAX 40

/* What a new target is made of: the options of `fwhub target create` by their names.
 * Every string belongs to the caller; NULL is "not given". fixes, install and verify are
 * JSON arrays of strings (NULL: empty). */
struct target_spec {
    const char *mac, *issue, *version, *model;
    const char *firmware;      /* the image file to copy into the repository */
    const char *firmware_name; /* its name there; NULL: the last component of firmware */
    const char *serial, *customer, *expires, *days, *changelog, *support_contact;
    const char *hardware_version, *rollback_version;
    json_t *fixes, *install, *verify;
    bool auto_rollback, force, replace;
};

/* What was made, for messages and answers. */
struct target_made {
    char field[TARGET_MAKE_FIELD_MAX]; /* on failure: the field at fault, or "" */
    bool conflict;                     /* on failure: a target for the MAC exists */
    uint64_t mac;
    char macs[MAC_STR_LEN];
    char json_rel[64];
    char image_rel[256];
    char sha256[SHA256_HEX_LEN];
    uint64_t size;
    char expires[ISOTIME_STR_LEN];
    char stable_version[64];
    char serial[TARGET_MAKE_MAX_TEXT + 1];
    char customer[TARGET_MAKE_MAX_TEXT + 1];
    char archived[160]; /* the folder a replaced target went to, or "" */
};

/* Checks s against the repository repo at time now and, when everything agrees, writes
 * targeted/<MAC>.json and copies the image to targeted/firmware/<MAC>/ (all or nothing;
 * with s->replace an existing target is archived first). Nothing is audited: the caller
 * records target.created (or target.replaced when out->archived is set) with its own
 * actor. Returns CLI_OK (0); CLI_USAGE with err and out->field for a field that is
 * wrong on its own or against the repository; CLI_FAIL with err when the target exists
 * already (without replace) or reading or writing failed. The findings of a new target
 * that does not validate go to diag (when not NULL) and their first one into err. */
int target_make(const char *repo, const struct target_spec *s, int64_t now, FILE *diag,
                struct target_made *out, struct fw_err *err) FW_NODISCARD;

#endif
