/* image_trust.h: which catalog images carry a valid signature (fwhub serve --require-signed). */
#ifndef FWHUB_IMAGE_TRUST_H
#define FWHUB_IMAGE_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/catalog.h"
#include "sign.h"

/* An image is trusted when its catalog entry records the sha256 of the image, a
 * signature (base64) and a key id (as `fwhub sign` writes them), the key is in the ring,
 * and the signature verifies over that sha256 digest (src/crypto/sign.h). The image file
 * itself is not hashed here: a device checks the bytes it downloads against the sha256
 * and the signature anyway, and hashing every image at every reload would cost far more
 * than the whole load. */

/* The signatures verified by the last filtering, so that a reload verifies only what is
 * new (one ECDSA verification costs 50-100 us: 100,000 targets would take seconds). A
 * key removed from the ring invalidates what it verified. Used from one thread. */
struct trust_cache;

struct trust_cache *trust_cache_new(void); /* NULL when out of memory */
void trust_cache_free(struct trust_cache *tc);

/* Called for each image withheld: subject is the model (general releases) or the target's
 * file ("targeted/AB_CD_EF_12_34_56.json"), why says what is wrong. */
typedef void (*trust_report_fn)(void *ctx, const char *subject, const char *version,
                                const char *why);

struct trust_counts {
    size_t releases_kept, releases_withheld;
    size_t entries_kept, entries_withheld; /* targets' entries (one per model) */
    size_t verified;                       /* signatures verified now (not from the cache) */
};

/* Removes from c every general release and every target entry whose image is not
 * trusted by ring, so that no answer, manifest or download offers it; a target left
 * without entries stays (with none). c must not be published yet. cache may be NULL.
 * report may be NULL. Fills *out. Returns 0, or -1 when out of memory (c is then
 * unchanged in part: do not publish it). */
int trust_withhold_unsigned(struct catalog *c, const struct sign_keyring *ring,
                            struct trust_cache *cache, trust_report_fn report, void *ctx,
                            struct trust_counts *out) FW_NODISCARD;

/* True when an image with these catalog fields is trusted by ring; why (when not NULL)
 * receives the reason it is not. sha256 is 64 hex digits or ""; signature and key_id
 * may be NULL. */
bool trust_image(const struct sign_keyring *ring, const char *sha256, const char *signature,
                 const char *key_id, struct fw_err *why);

#endif
