/* archive.c: taking a targeted fix out of service by moving it into targeted/archive/. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* One move of a target's file or folder, repository-relative. */
struct step {
    const char *from;
    const char *to;
};

/* Moves repo/from_rel to repo/to_rel when from_rel exists; *moved tells whether it did
 * (also when only the fsync after the rename failed). Returns as fs_move, 0 when there
 * was nothing to move. */
static int move_rel(const char *repo, const char *from_rel, const char *to_rel, bool *moved,
                    struct fw_err *err)
{
    char from[CLI_PATH_MAX], to[CLI_PATH_MAX];
    int rc;

    *moved = false;
    if (fs_join(from, sizeof(from), repo, from_rel) != 0 ||
        fs_join(to, sizeof(to), repo, to_rel) != 0)
        return fw_fail(err, "%s: path too long", from_rel);
    if (!cli_exists(from))
        return 0;
    rc = fs_move(from, to, err);
    *moved = rc == 0 || rc == FS_NOT_DURABLE;
    return rc;
}

/* Appends "; <note><detail>" to the message in err. */
static void add_note(struct fw_err *err, const char *note, const char *detail)
{
    size_t n = strlen(err->msg);

    snprintf(err->msg + n, sizeof(err->msg) - n, "; %s%s", note, detail);
}

/* Takes back the moves of steps[0..n) that happened (moved[]), last first. A move back
 * that is not durable still counts: the file is back in place. */
static void move_back(const char *repo, const struct step *steps, const bool *moved, size_t n,
                      struct fw_err *err)
{
    struct fw_err back;
    bool undone = true;
    bool again;

    while (n-- > 0) {
        if (moved[n] && move_rel(repo, steps[n].to, steps[n].from, &again, &back) < 0 && !again) {
            add_note(err, "moving it back failed too: ", back.msg);
            undone = false;
        }
    }
    if (undone)
        add_note(err, "everything is back where it was", "");
}

/* Makes the two moves of steps in their order, all or nothing: when one fails, or only the
 * fsync after its rename does, what was moved (that one included) is moved back. A crash
 * midway leaves what the order allows: callers order the moves so that no target ever
 * names an image folder that is not there. */
static int move_both(const char *repo, const struct step steps[2], struct fw_err *err)
{
    bool moved[2] = {false, false};
    size_t k;

    for (k = 0; k < 2; k++)
        if (move_rel(repo, steps[k].from, steps[k].to, &moved[k], err) < 0)
            break;
    if (k == 2)
        return 0;
    move_back(repo, steps, moved, k + 1, err);
    return -1;
}

static int make_folder(const char *repo, const char *rel, bool with_firmware, struct fw_err *err)
{
    char path[CLI_PATH_MAX];

    if (fs_join(path, sizeof(path), repo, rel) != 0 ||
        (with_firmware && fs_join(path, sizeof(path), path, "firmware") != 0))
        return fw_fail(err, "%s: path too long", rel);
    return fs_mkdirs(path, err);
}

/* Removes the archive folder rel and its firmware/ again when they are empty: after a
 * failed archive they hold nothing, and an empty archive folder would only puzzle. */
static void drop_folder(const char *repo, const char *rel)
{
    char path[CLI_PATH_MAX];

    if (fs_join(path, sizeof(path), repo, rel) != 0 ||
        fs_join(path, sizeof(path), path, "firmware") != 0)
        return;
    rmdir(path);
    if (fs_join(path, sizeof(path), repo, rel) == 0)
        rmdir(path);
}

int cli_archive_target(const char *repo, uint64_t mac, int64_t now, char *where, size_t wlen,
                       struct fw_err *err)
{
    char dir[128], prefix[160], path[CLI_PATH_MAX];
    struct target_paths src, dst;
    /* The JSON file first: once it is gone the target is out of service, and its image
     * folder, moved next, is no longer named by anything. */
    const struct step steps[] = {{src.json, dst.json}, {src.firmware, dst.firmware}};
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

    if (pick_folder(repo, mac, now, dir, sizeof(dir), err) < 0)
        return -1;
    snprintf(prefix, sizeof(prefix), "%s/", dir);
    target_paths(mac, prefix, &dst);
    snprintf(where, wlen, "%s", dir);

    if (make_folder(repo, dir, has_fw, err) < 0 || move_both(repo, steps, err) < 0) {
        drop_folder(repo, dir);
        return fw_context(err, "cannot archive %s", src.json);
    }
    return 0;
}

int cli_unarchive_target(const char *repo, uint64_t mac, const char *where, struct fw_err *err)
{
    char prefix[160];
    struct target_paths src, dst;
    /* The image folder first, so that the target coming back after it finds it. */
    const struct step steps[] = {{src.firmware, dst.firmware}, {src.json, dst.json}};

    snprintf(prefix, sizeof(prefix), "%s/", where);
    target_paths(mac, prefix, &src);
    target_paths(mac, "targeted/", &dst);
    if (move_both(repo, steps, err) < 0)
        return fw_context(err, "cannot restore %s from %s", dst.json, where);
    return 0;
}
