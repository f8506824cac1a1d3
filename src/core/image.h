/* image.h: checking that a firmware image named by the catalog is there and is what it says. */
#ifndef FWHUB_IMAGE_H
#define FWHUB_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "jsonread.h"

/* Checks that repo/rel is a regular file inside the repository (repo_fd: an O_PATH
 * descriptor of repo, or -1). *size is the size the
 * catalog states (0: unknown); a different size is a finding, and *size becomes the file's.
 * With check_hash and a known sha256 (64 lower-case hex digits, or "" when unknown), the
 * file is hashed and compared. Findings about presence and size go to where, a checksum
 * mismatch to sum_path. */
void image_check(struct jreader *r, int repo_fd, const char *repo, const char *rel, bool check_hash,
                 const char *where, const char *sum_path, uint64_t *size, const char *sha256);

#endif
