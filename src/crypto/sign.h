/* sign.h: signing keys (ECDSA P-256, Ed25519), their ids, and signatures of data and files. */
#ifndef FWHUB_SIGN_H
#define FWHUB_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "sha256.h"

/* What is signed, for both algorithms, is the SHA-256 digest of the data:
 *
 * - ECDSA P-256 (the default): the ECDSA signature of SHA-256(data), DER-encoded
 *   (SEQUENCE of r and s, at most 72 bytes): what `openssl dgst -sha256 -sign` makes.
 *   Check a file by hand with
 *       openssl dgst -sha256 -verify pub.pem -signature image.sig image
 * - Ed25519: the 64-byte Ed25519 signature (RFC 8032, pure) whose message is the 32 bytes
 *   of SHA-256(data). Ed25519 cannot sign a stream, and OpenSSL 3.0 has no Ed25519ph, so
 *   the digest stands in for the data. Check a file by hand with
 *       openssl dgst -sha256 -binary image > image.sha256
 *       openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in image.sha256 \
 *           -sigfile image.sig
 *
 * A device therefore needs SHA-256 and one verification of a 32-byte digest, whatever
 * the size of the image. A key id is the SHA-256 of the public key's DER form
 * (SubjectPublicKeyInfo), written as 64 lower-case hex digits:
 *       openssl pkey -pubin -in pub.pem -outform DER | sha256sum */

enum sign_alg { SIGN_ECDSA_P256, SIGN_ED25519 };

#define SIGN_MAX        72 /* bytes of the longest signature (ECDSA P-256, DER) */
#define SIGN_KEY_ID_LEN 32
#define SIGN_KEY_ID_HEX 65          /* 64 hex digits and NUL */
#define SIGN_PEM_MAX    (16 * 1024) /* a key file larger than this is refused */

/* A public key, or a key pair. Opaque; free with sign_key_free. */
struct sign_key;

/* "ecdsa-p256" or "ed25519". */
const char *sign_alg_name(enum sign_alg alg);

/* Reads "ecdsa-p256" (also "ecdsa", "p256") or "ed25519"; returns 0, or -1 with a message
 * naming what is accepted. */
int sign_alg_parse(const char *s, enum sign_alg *out, struct fw_err *err) FW_NODISCARD;

/* Makes a new key pair. Returns 0 and *out, or -1 with err. */
int sign_key_generate(enum sign_alg alg, struct sign_key **out, struct fw_err *err) FW_NODISCARD;

/* Reads a PEM private key (PKCS#8 or the traditional EC form; unencrypted) or public key
 * (SubjectPublicKeyInfo) from path. Keys other than P-256 and Ed25519, encrypted keys,
 * files over SIGN_PEM_MAX and files holding neither are refused with a message naming
 * path. Returns 0 and *out, or -1. */
int sign_key_load_private(const char *path, struct sign_key **out, struct fw_err *err) FW_NODISCARD;
int sign_key_load_public(const char *path, struct sign_key **out, struct fw_err *err) FW_NODISCARD;

/* The same, from len bytes of PEM text; name is used in messages. */
int sign_key_from_pem(const char *pem, size_t len, bool private_key, const char *name,
                      struct sign_key **out, struct fw_err *err) FW_NODISCARD;

/* Writes the PEM form of the private key (PKCS#8, unencrypted) or of the public key
 * into a malloc'd NUL-terminated *out (owned by the caller), *len without the NUL. Fails
 * for the private form of a public key. */
int sign_key_pem(const struct sign_key *k, bool private_key, char **out, size_t *len,
                 struct fw_err *err) FW_NODISCARD;

/* Releases k; NULL is fine. */
void sign_key_free(struct sign_key *k);

enum sign_alg sign_key_alg(const struct sign_key *k);
bool sign_key_is_private(const struct sign_key *k);

/* The key id (SIGN_KEY_ID_LEN bytes) and its hex form; both live as long as k. */
const unsigned char *sign_key_id(const struct sign_key *k);
const char *sign_key_id_hex(const struct sign_key *k);

/* Signs a SHA-256 digest with the private key k as described at the top; writes the
 * signature into sig and its length into *siglen. Returns 0, or -1 with err. */
int sign_digest(const struct sign_key *k, const unsigned char digest[SHA256_LEN],
                unsigned char sig[SIGN_MAX], size_t *siglen, struct fw_err *err) FW_NODISCARD;

/* True when sig is k's valid signature of digest. Malformed signatures are false. */
bool sign_verify_digest(const struct sign_key *k, const unsigned char digest[SHA256_LEN],
                        const unsigned char *sig, size_t siglen);

/* sign_digest and sign_verify_digest over the SHA-256 of len bytes of data. */
int sign_buffer(const struct sign_key *k, const void *data, size_t len, unsigned char sig[SIGN_MAX],
                size_t *siglen, struct fw_err *err) FW_NODISCARD;
bool sign_verify_buffer(const struct sign_key *k, const void *data, size_t len,
                        const unsigned char *sig, size_t siglen);

/* Signs the file at path, read once in 64 KiB chunks; digest (when not NULL) receives its
 * SHA-256. Returns 0, or -1 with a message naming the file. */
int sign_file(const struct sign_key *k, const char *path, unsigned char sig[SIGN_MAX],
              size_t *siglen, unsigned char digest[SHA256_LEN], struct fw_err *err) FW_NODISCARD;

/* The keys a verifier trusts: several at once during a key rotation. A signature by a key
 * that is not in the ring (a removed one) is refused. */
struct sign_keyring {
    struct sign_key **keys;
    size_t n, cap;
};

/* Adds k to the ring, which takes it (also on failure: then k is freed). A key whose id is
 * in the ring already is freed and not added twice. */
int sign_keyring_add(struct sign_keyring *r, struct sign_key *k, struct fw_err *err) FW_NODISCARD;

/* Adds the public key in the PEM file path. */
int sign_keyring_load_file(struct sign_keyring *r, const char *path,
                           struct fw_err *err) FW_NODISCARD;

/* Adds every "*.pem" of dir (a repository's keys/). A missing dir adds nothing and is not
 * an error. A file named "<64 hex>.pem" must hold the key of that id, so that a renamed or
 * swapped file is noticed. Returns 0, or -1 naming the file at fault. */
int sign_keyring_load_dir(struct sign_keyring *r, const char *dir, struct fw_err *err) FW_NODISCARD;

/* The key of the ring with this id (hex, either case), or NULL. */
const struct sign_key *sign_keyring_find(const struct sign_keyring *r, const char *id_hex);

/* Checks that sig is a valid signature of digest by a key of the ring: the key named by
 * id_hex, or, when id_hex is NULL, any of them. Returns the key, or NULL with err saying
 * "key <id> is not trusted" or "the signature does not verify (key <id>)". */
const struct sign_key *sign_keyring_verify(const struct sign_keyring *r, const char *id_hex,
                                           const unsigned char digest[SHA256_LEN],
                                           const unsigned char *sig, size_t siglen,
                                           struct fw_err *err);

void sign_keyring_free(struct sign_keyring *r);

#endif
