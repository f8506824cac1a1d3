/* archive.c: taking a targeted fix out of service by moving it into targeted/archive/. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/isotime.h"
#include "core/mac.h"

#define ARCHIVE_TRIES 100

/* The repository-relative names of a target's JSON file and image folder. */
struct target_paths {
    char json[256];
    char firmware[256];
};

static void target_paths(uint64_t mac, const char *prefix, struct target_paths *p)
{
    char macf[MAC_STR_LEN];

    mac_format_file(mac, macf);
    snprintf(p->json, sizeof(p->json), "%s%s.json", prefix, macf);
    snprintf(p->firmware, sizeof(p->firmware), "%sfirmware/%s", prefix, macf);
}

/* "20250115T083000Z": an ISO 8601 basic time, sortable and safe in any file system. */
static void stamp(int64_t now, char *out, size_t len)
{
    char iso[ISOTIME_STR_LEN];
    size_t n = 0;

    isotime_format(now, iso);
    for (const char *p = iso; *p && n + 1 < len; p++)
        if (*p != '-' && *p != ':')
            out[n++] = *p;
    out[n] = '\0';
}

static int join3(char *out, size_t len, const char *a, const char *b, const char *c,
                 struct fw_err *err)
{
    if (fs_join(out, len, a, b) != 0 || fs_join(out, len, out, c) != 0)
        return fw_fail(err, "%s/%s/%s: path too long", a, b, c);
    return 0;
}

/* Picks targeted/archive/<stamp>, or <stamp>-N when that one already holds this MAC. */
static int pick_folder(const char *repo, uint64_t mac, int64_t now, char *rel, size_t len,
                       struct fw_err *err)
{
    char ts[32], path[CLI_PATH_MAX];
    struct target_paths p;

    stamp(now, ts, sizeof(ts));
    target_paths(mac, "", &p);
    for (int n = 1; n <= ARCHIVE_TRIES; n++) {
        if (n == 1)
            snprintf(rel, len, "targeted/archive/%s", ts);
        else
            snprintf(rel, len, "targeted/archive/%s-%d", ts, n);
        if (join3(path, sizeof(path), repo, rel, p.json, err) < 0)
            return -1;
        if (cli_exists(path))
            continue;
        if (join3(path, sizeof(path), repo, rel, p.firmware, err) < 0)
            return -1;
        if (!cli_exists(path))
            return 0;
    }
    return fw_fail(err, "targeted/archive/%s: %d archive folders for this second already", ts,
                   ARCHIVE_TRIES);
}

/* Moves repo/from_rel to repo/to_rel when from_rel exists. */
static int move_rel(const char *repo, const char *from_rel, const char *to_rel, struct fw_err *err)
{
    char from[CLI_PATH_MAX], to[CLI_PATH_MAX];

    if (fs_join(from, sizeof(from), repo, from_rel) != 0 ||
        fs_join(to, sizeof(to), repo, to_rel) != 0)
        return fw_fail(err, "%s: path too long", from_rel);
    if (!cli_exists(from))
        return 0;
    return fs_move(from, to, err);
}

static int make_folder(const char *repo, const char *rel, bool with_firmware, struct fw_err *err)
{
    char path[CLI_PATH_MAX];

    if (fs_join(path, sizeof(path), repo, rel) != 0 ||
        (with_firmware && fs_join(path, sizeof(path), path, "firmware") != 0))
        return fw_fail(err, "%s: path too long", rel);
    return fs_mkdirs(path, err);
}

int cli_archive_target(const char *repo, uint64_t mac, int64_t now, char *where, size_t wlen,
                       struct fw_err *err)
{
    char dir[128], prefix[160], path[CLI_PATH_MAX];
    struct target_paths src, dst;
    bool has_json, has_fw;

    target_paths(mac, "targeted/", &src);
    if (fs_join(path, sizeof(path), repo, src.json) != 0)
        return fw_fail(err, "%s: path too long", src.json);
    has_json = cli_exists(path);
    if (fs_join(path, sizeof(path), repo, src.firmware) != 0)
        return fw_fail(err, "%s: path too long", src.firmware);
    has_fw = cli_exists(path);
    if (!has_json && !has_fw)
        return fw_fail(err, "nothing to archive: neither %s nor %s exists", src.json, src.firmware);

    if (pick_folder(repo, mac, now, dir, sizeof(dir), err) < 0 ||
        make_folder(repo, dir, has_fw, err) < 0)
        return -1;
    snprintf(prefix, sizeof(prefix), "%s/", dir);
    target_paths(mac, prefix, &dst);
    snprintf(where, wlen, "%s", dir);

    if (move_rel(repo, src.json, dst.json, err) < 0 ||
        move_rel(repo, src.firmware, dst.firmware, err) < 0)
        return fw_context(err, "cannot archive %s", src.json);
    return 0;
}

int cli_unarchive_target(const char *repo, uint64_t mac, const char *where, struct fw_err *err)
{
    char prefix[160];
    struct target_paths src, dst;

    snprintf(prefix, sizeof(prefix), "%s/", where);
    target_paths(mac, prefix, &src);
    target_paths(mac, "targeted/", &dst);
    if (move_rel(repo, src.json, dst.json, err) < 0 ||
        move_rel(repo, src.firmware, dst.firmware, err) < 0)
        return fw_context(err, "cannot restore %s from %s", dst.json, where);
    return 0;
}
