/* answer.h: the signed part of an update answer: its canonical form, signature and check. */
#ifndef FWHUB_ANSWER_H
#define FWHUB_ANSWER_H

#include <stdint.h>
#include <stddef.h>

#include "../core/catalog.h"
#include "../core/decide.h"
#include "../core/error.h"
#include "sign.h"

/* An update answer (docs/api.md) is signed by adding one member to its JSON object:
 *
 *   "answer_signature": {"alg":"ecdsa-p256","key_id":"<64 hex>",
 *                        "payload":"<the canonical form, as a JSON string>",
 *                        "signature":"<base64 of the signature>"}
 *
 * The canonical form is a compact JSON object with sorted keys (jansson's
 * JSON_COMPACT | JSON_SORT_KEYS), for example
 *
 *   {"expires":1735693200,"kind":"targeted","mac":"AB:CD:EF:12:34:56","model":"EVSE",
 *    "sha256":"d4937ff6...","size":150000,"version":"10.3.1-custom"}
 *
 * on one line. "mac" is present for targeted and rollback answers and absent from general
 * ones (any device of the model may install a general release). "expires" is in Unix
 * seconds (UTC). The image is named by sha256 and size; its URL and download token are
 * outside the signed part. The signature is sign_buffer's over the payload's bytes (see
 * sign.h: ECDSA P-256 or Ed25519 over their SHA-256). A device verifies the payload bytes
 * as received and reads the signed facts from the payload itself, so it never has to
 * rebuild the canonical form. "kind": "none" answers are not signed: they make a device
 * do nothing, which a hostile network can achieve anyway.
 *
 * The "signature" and "key_id" members the answer already has are the image's
 * signature (fwhub sign), not the answer's. */

#define ANSWER_MEMBER "answer_signature"

/* What an answer's signature vouches for. Strings are the caller's. */
struct answer_claim {
    enum update_kind kind; /* UPDATE_GENERAL, UPDATE_TARGETED or UPDATE_ROLLBACK */
    uint64_t mac;          /* TARGETED and ROLLBACK: the device; unused for GENERAL */
    const char *model;
    const char *version; /* the version to install */
    const char *sha256;  /* the image's, 64 hex digits */
    uint64_t size;       /* the image's bytes, above 0 */
    int64_t expires;     /* Unix seconds from which devices refuse the answer */
};

/* Claims for the three kinds of answer, from a snapshot's release or target; expires as
 * above. Return 0, or -1 with err when the catalog does not know the image's sha256 or
 * size (such an answer cannot be signed). */
int answer_claim_release(const struct release *r, int64_t expires, struct answer_claim *out,
                         struct fw_err *err) FW_NODISCARD;
int answer_claim_targeted(const struct target *t, const struct target_device *d, int64_t expires,
                          struct answer_claim *out, struct fw_err *err) FW_NODISCARD;
/* The rollback of t's entry d to the stable release (from catalog_release of
 * d->rollback_version). */
int answer_claim_rollback(const struct target *t, const struct target_device *d,
                          const struct release *stable, int64_t expires, struct answer_claim *out,
                          struct fw_err *err) FW_NODISCARD;

/* Writes the canonical form of a into a malloc'd NUL-terminated *out (the caller's;
 * *len without the NUL). Refuses (-1, err naming the field) a kind other than the three,
 * an empty or over-long model, a version that does not parse, a sha256 that is not 64 hex
 * digits (upper case is written lower), a size of 0 and an expiry not above 0. */
int answer_canonical(const struct answer_claim *a, char **out, size_t *len,
                     struct fw_err *err) FW_NODISCARD;

/* Signs a with the private key k: writes the value of the "answer_signature" member (the
 * object shown above, compact, keys sorted) into a malloc'd NUL-terminated *out, *len
 * without the NUL. The server appends `,"answer_signature":` and *out before the answer's
 * closing brace. Returns 0, or -1 with err. */
int answer_sign(const struct sign_key *k, const struct answer_claim *a, char **out, size_t *len,
                struct fw_err *err) FW_NODISCARD;

/* A verified claim with its own copies of the strings. */
struct answer_checked {
    struct answer_claim claim; /* its strings point into the buffers below */
    char model[129];
    char version[129];
    char sha256[65];
    char key_id[SIGN_KEY_ID_HEX]; /* who signed */
};

/* Checks the value of an "answer_signature" member (len bytes of JSON): the signature by
 * a key of ring, a payload in canonical form with exactly the fields above, and an expiry
 * after now. Fills *out. Returns 0, or -1 with err saying which check failed. */
int answer_verify(const struct sign_keyring *ring, const char *json, size_t len, int64_t now,
                  struct answer_checked *out, struct fw_err *err) FW_NODISCARD;

#endif
