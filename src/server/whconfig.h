/* whconfig.h: the webhook configuration file of `fwhub serve --webhooks FILE`, read and checked. */
#ifndef FWHUB_WHCONFIG_H
#define FWHUB_WHCONFIG_H

#include <stddef.h>

#include "core/error.h"

#define WHCONFIG_FILE_MAX   (1024 * 1024) /* bytes of the config file */
#define WHCONFIG_HOOKS_MAX  64            /* hooks in one file */
#define WHCONFIG_URL_MAX    2048          /* characters of a URL */
#define WHCONFIG_SECRET_MAX 4096          /* bytes of a secret */

/* The events a hook can ask for; bit (1u << WHC_x) in whconfig_hook.events. */
enum whconfig_event {
    WHC_CREATED,
    WHC_FIRST_ANSWERED,
    WHC_DOWNLOADED,
    WHC_CONFIRMED,
    WHC_FAILURE,
    WHC_EXPIRING,
    WHC_COUNT,
};

/* "target.created", ... in the order above. */
extern const char *const whconfig_event_names[WHC_COUNT];

struct whconfig_hook {
    char *url;
    unsigned events;       /* bits of enum whconfig_event */
    unsigned char *secret; /* the secret file's content without a final newline */
    size_t secret_len;
};

struct whconfig {
    struct whconfig_hook *hooks;
    size_t n_hooks;
    unsigned wanted; /* the union of every hook's events */
};

/* Reads path: a JSON list of {"url", "events", "secret_file"} objects. url is http:// or
 * https://, without spaces or quotes, unique in the file; events is a non-empty list of
 * names of whconfig_event_names, or ["*"] for all; secret_file (relative paths are taken
 * from the config file's folder) holds at least 16 bytes. Unknown keys are errors. Every
 * error names the file and the place: "hooks.json: [1].events[0]: "target.made" is not
 * an event (expected one of ...)". Returns 0 with *out filled (free with whconfig_free),
 * or -1 with err and *out empty. */
int whconfig_load(const char *path, struct whconfig *out, struct fw_err *err) FW_NODISCARD;

/* The hook whose url is url, or NULL. */
const struct whconfig_hook *whconfig_find(const struct whconfig *c, const char *url);

void whconfig_free(struct whconfig *c);

#endif
