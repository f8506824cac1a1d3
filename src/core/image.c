/* image.c: presence, size and checksum of catalog images, shared by targets and releases. */
#include "image.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "beneath.h"
#include "fsutil.h"
#include "../crypto/sha256.h"

void image_check(struct jreader *r, int repo_fd, const char *repo, const char *rel, bool check_hash,
                 const char *where, const char *sum_path, uint64_t *size, const char *sha256)
{
    char full[4096], got[SHA256_HEX_LEN];
    unsigned char digest[SHA256_LEN];
    struct fw_err err = {""};
    struct stat st;

    if (fs_stat_beneath(repo_fd, repo, rel, &st, &err) < 0 && errno == EXDEV) {
        jr_error(r, where, "%s", err.msg);
        return;
    }
    if (err.msg[0] || !S_ISREG(st.st_mode)) {
        jr_error(r, where, "image %s is not in the repository; expected the firmware file there",
                 rel);
        return;
    }
    if (*size && *size != (uint64_t)st.st_size)
        jr_error(r, where, "image %s has %lld bytes but %llu are stated", rel,
                 (long long)st.st_size, (unsigned long long)*size);
    *size = (uint64_t)st.st_size;
    if (!check_hash || !sha256[0])
        return;
    if (fs_join(full, sizeof(full), repo, rel) < 0 || sha256_file(full, digest, NULL, &err) < 0) {
        jr_error(r, where, "cannot read image %s: %s", rel, err.msg);
        return;
    }
    sha256_hex(digest, got);
    if (strcmp(got, sha256) != 0)
        jr_error(r, sum_path, "does not match the image %s, whose sha256 is %s", rel, got);
}
