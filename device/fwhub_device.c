/* fwhub_device.c: fwhub-device, the reference client: check, download, verify, install, report. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwdev.h"

#define MAX_KEYS 8
#define PEM_MAX  16384
#define PATH_LEN 4096

static const char usage[] =
    "Usage: fwhub-device --server URL --mac M --model X [--version V] --key PUB...\n"
    "                    [--state DIR] [--allow-unsigned] [--attempts N] [--timeout S]\n"
    "\n"
    "Acts as one device: asks the server for an update, downloads it (resuming an\n"
    "interrupted download), verifies its sha256 and signature with the pinned keys,\n"
    "\"installs\" it into DIR/installed.bin and DIR/version, and reports each step to the\n"
    "server (Downloading ... Installed, or the failure: DownloadFailed, InvalidSignature,\n"
    "InstallationFailed). One line per step on stdout.\n"
    "\n"
    "  --server URL      fwhub's base URL, e.g. http://127.0.0.1:8080\n"
    "  --mac M           the device's MAC address\n"
    "  --model X         its hardware model\n"
    "  --version V       the running firmware (default: DIR/version)\n"
    "  --key PUB         a pinned public key (PEM); repeatable, at least one\n"
    "  --state DIR       where the device keeps its state (default: fwhub-device-state)\n"
    "  --allow-unsigned  accept update answers without a signature (images must still be\n"
    "                    signed; a rollback must still be signed)\n"
    "  --attempts N      requests per download, each resuming the last (default 5)\n"
    "  --timeout S       give up on a server that sends nothing for S seconds (default 30)\n"
    "  --verbose         the library's requests on stderr\n"
    "  -h, --help        this text\n"
    "\n"
    "Exit status: 0 installed or no update, 1 failure, 2 wrong usage.\n";

struct opts {
    const char *server, *mac, *model, *version, *state;
    const char *keys[MAX_KEYS];
    size_t n_keys;
    int allow_unsigned, verbose;
    long attempts, timeout;
    char version_buf[FWDEV_VERSION_MAX + 1];
};

/* The device while it works through the steps. */
struct run {
    struct opts *op;
    struct fwdev dev;
    struct fwdev_offer offer;
    struct fwdev_progress progress;
    char part[PATH_LEN], meta[PATH_LEN];
};

enum {
    OPT_SERVER = 0x100,
    OPT_MAC,
    OPT_MODEL,
    OPT_VERSION,
    OPT_KEY,
    OPT_STATE,
    OPT_UNSIGNED,
    OPT_ATTEMPTS,
    OPT_TIMEOUT,
    OPT_VERBOSE
};

static const struct option options[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"mac", required_argument, NULL, OPT_MAC},
    {"model", required_argument, NULL, OPT_MODEL},
    {"version", required_argument, NULL, OPT_VERSION},
    {"key", required_argument, NULL, OPT_KEY},
    {"state", required_argument, NULL, OPT_STATE},
    {"allow-unsigned", no_argument, NULL, OPT_UNSIGNED},
    {"attempts", required_argument, NULL, OPT_ATTEMPTS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("fwhub-device: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'fwhub-device --help'.\n", stderr);
    return 2;
}

static int number(const char *opt, const char *s, long max, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(s, &end, 10);
    if (end == s || *end || errno || *out < 1 || *out > max)
        return usage_error("%s: expected a whole number from 1 to %ld", opt, max);
    return 0;
}

static int set_option(struct opts *op, int c)
{
    switch (c) {
    case OPT_SERVER:
        op->server = optarg;
        return 0;
    case OPT_MAC:
        op->mac = optarg;
        return 0;
    case OPT_MODEL:
        op->model = optarg;
        return 0;
    case OPT_VERSION:
        op->version = optarg;
        return 0;
    case OPT_STATE:
        op->state = optarg;
        return 0;
    case OPT_UNSIGNED:
        op->allow_unsigned = 1;
        return 0;
    case OPT_VERBOSE:
        op->verbose = 1;
        return 0;
    case OPT_ATTEMPTS:
        return number("--attempts", optarg, 100, &op->attempts);
    case OPT_TIMEOUT:
        return number("--timeout", optarg, 3600, &op->timeout);
    case OPT_KEY:
        if (op->n_keys == MAX_KEYS)
            return usage_error("--key: at most %d keys", MAX_KEYS);
        op->keys[op->n_keys++] = optarg;
        return 0;
    default:
        return usage_error("%s: unknown option or missing argument", optarg ? optarg : "?");
    }
}

static int parse(int argc, char **argv, struct opts *op)
{
    int c, rc;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (c == '?' || c == ':')
            return usage_error("%s: unknown option or missing argument", argv[optind - 1]);
        rc = set_option(op, c);
        if (rc)
            return rc;
    }
    if (optind < argc)
        return usage_error("%s: unexpected argument", argv[optind]);
    if (!op->server || !op->mac || !op->model)
        return usage_error("--server, --mac and --model are required");
    if (op->n_keys == 0)
        return usage_error("--key: give at least one pinned public key");
    return 0;
}

/* ---- files ---- */

static int read_small(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");

    if (!f)
        return -1;
    *len = fread(buf, 1, cap - 1, f);
    buf[*len] = '\0';
    if (ferror(f) || (*len == cap - 1 && fgetc(f) != EOF)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes text to path: a temporary file, fsync, rename, fsync of the state folder. */
static int write_atomic(const char *state, const char *path, const char *text)
{
    char tmp[PATH_LEN + 8];
    FILE *f;
    int ok;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f)
        return -1;
    ok = fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return fsync_path(state, O_RDONLY | O_DIRECTORY);
}

static int state_path(const struct opts *op, const char *name, char *out)
{
    return snprintf(out, PATH_LEN, "%s/%s", op->state, name) < PATH_LEN ? 0 : -1;
}

/* The running version: --version, else DIR/version. */
static int running_version(struct opts *op)
{
    char path[PATH_LEN];
    size_t len;

    if (op->version)
        return 0;
    if (state_path(op, "version", path) < 0 ||
        read_small(path, op->version_buf, sizeof(op->version_buf), &len) < 0)
        return usage_error("--version: required (there is no %s/version yet)", op->state);
    op->version_buf[strcspn(op->version_buf, "\r\n")] = '\0';
    op->version = op->version_buf;
    return 0;
}

static int load_keys(const struct opts *op, const struct fwdev_crypto *c, struct fwdev_key *keys)
{
    char pem[PEM_MAX];
    struct fwdev_err err;
    size_t len;

    for (size_t i = 0; i < op->n_keys; i++) {
        if (read_small(op->keys[i], pem, sizeof(pem), &len) < 0) {
            fprintf(stderr, "fwhub-device: --key: cannot read %s\n", op->keys[i]);
            return -1;
        }
        if (fwdev_key_from_pem(&keys[i], pem, len, c, &err) != FWDEV_OK) {
            fprintf(stderr, "fwhub-device: --key: %s: %s\n", op->keys[i], err.msg);
            return -1;
        }
    }
    return 0;
}

/* ---- the steps ---- */

static void log_line(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "fwhub-device: %s\n", msg);
}

/* Sends a status; a failing report is told but does not change the outcome. */
static void report(struct run *r, const char *version, const char *status, const char *detail,
                   int loud)
{
    struct fwdev_err err;

    if (fwdev_report(&r->dev, version, status, detail, &err) != FWDEV_OK)
        printf("report: %s not sent: %s\n", status, err.msg);
    else if (loud)
        printf("report: %s\n", status);
}

/* Prints the failure of a step, reports it as its OCPP status, returns 1. */
static int failed(struct run *r, const char *step, int rc, const struct fwdev_err *err)
{
    const char *status = fwdev_status_for(rc);
    const char *version = r->offer.version[0] ? r->offer.version : r->op->version;

    printf("%s: %s: %s\n", step, status ? status : fwdev_result_name(rc), err->msg);
    if (status)
        report(r, version, status, err->msg, 1);
    return 1;
}

static const char *kind_name(enum fwdev_kind k)
{
    static const char *const names[] = {"none", "general", "targeted", "rollback"};

    return names[k];
}

static int check(struct run *r)
{
    struct fwdev_err err;
    char id[65] = "";
    int rc = fwdev_check(&r->dev, &r->offer, &err);

    if (rc == FWDEV_NO_UPDATE) {
        printf("check: no update for %s %s\n", r->op->model, r->op->version);
        return 0;
    }
    if (rc == FWDEV_ERR_TRANSPORT || rc == FWDEV_ERR_TIMEOUT || rc == FWDEV_ERR_HTTP ||
        rc == FWDEV_ERR_ANSWER) {
        printf("check: %s: %s\n", fwdev_result_name(rc), err.msg);
        return 1; /* nothing was offered: there is nothing to report about */
    }
    if (rc != FWDEV_OK)
        return failed(r, "check", rc, &err);
    if (r->offer.answer_signed)
        snprintf(id, sizeof(id), ", answer signed, expires %lld", (long long)r->offer.expires);
    printf("check: %s %s, %llu bytes%s\n", kind_name(r->offer.kind), r->offer.version,
           (unsigned long long)r->offer.size, r->offer.answer_signed ? id : ", answer unsigned");
    return -1; /* go on */
}

/* download.part is resumed only when download.sha256 names the same image. */
static int prepare_part(struct run *r)
{
    char want[65], had[80];
    size_t len;

    fwdev_hex(r->offer.sha256, want);
    if (state_path(r->op, "download.part", r->part) < 0 ||
        state_path(r->op, "download.sha256", r->meta) < 0)
        return -1;
    if (read_small(r->meta, had, sizeof(had), &len) == 0 && strcmp(had, want) == 0)
        return 0;
    unlink(r->part);
    return write_atomic(r->op->state, r->meta, want);
}

static void drop_part(struct run *r)
{
    unlink(r->part);
    unlink(r->meta);
}

static int download(struct run *r)
{
    struct fwdev_err err = {""};
    int rc;

    if (prepare_part(r) < 0) {
        snprintf(err.msg, sizeof(err.msg), "cannot write in %s: %s", r->op->state, strerror(errno));
        return failed(r, "download", FWDEV_ERR_IO, &err);
    }
    report(r, r->offer.version, "Downloading", NULL, 0);
    rc = fwdev_download_file(&r->dev, &r->offer, r->part, &r->progress, &err);
    if (rc == FWDEV_ERR_CHECKSUM)
        drop_part(r);
    if (rc != FWDEV_OK)
        return failed(r, "download", rc, &err);
    printf("download: %llu bytes in %u request%s", (unsigned long long)r->progress.have,
           r->progress.requests, r->progress.requests == 1 ? "" : "s");
    if (r->progress.resumed_at)
        printf(", resumed at byte %llu", (unsigned long long)r->progress.resumed_at);
    printf(", sha256 ok\n");
    report(r, r->offer.version, "Downloaded", NULL, 0);
    return -1;
}

static int verify(struct run *r)
{
    struct fwdev_err err;
    char id[65];
    int rc = fwdev_verify_image(&r->dev, &r->offer, r->progress.digest, &err);

    if (rc != FWDEV_OK) {
        drop_part(r);
        return failed(r, "verify", rc, &err);
    }
    fwdev_hex(r->offer.image_key, id);
    printf("verify: signature ok (key %.16s)\n", id);
    report(r, r->offer.version, "SignatureVerified", NULL, 0);
    return -1;
}

static int install(struct run *r)
{
    char bin[PATH_LEN], ver[PATH_LEN], text[FWDEV_VERSION_MAX + 2];
    struct fwdev_err err;

    report(r, r->offer.version, "Installing", NULL, 0);
    snprintf(text, sizeof(text), "%s\n", r->offer.version);
    if (state_path(r->op, "installed.bin", bin) < 0 || state_path(r->op, "version", ver) < 0 ||
        fsync_path(r->part, O_RDONLY) != 0 || rename(r->part, bin) != 0 ||
        write_atomic(r->op->state, ver, text) != 0) {
        snprintf(err.msg, sizeof(err.msg), "cannot install into %s: %s", r->op->state,
                 strerror(errno));
        return failed(r, "install", FWDEV_ERR_IO, &err);
    }
    unlink(r->meta);
    printf("install: %s, version %s\n", bin, r->offer.version);
    report(r, r->offer.version, r->offer.kind == FWDEV_ROLLBACK ? "RolledBack" : "Installed", NULL,
           1);
    return 0;
}

static int steps(struct run *r)
{
    int rc = check(r);

    if (rc < 0)
        rc = download(r);
    if (rc < 0)
        rc = verify(r);
    if (rc < 0)
        rc = install(r);
    return rc;
}

static int start(struct run *r, struct fwdev_crypto *c, struct fwdev_transport *t,
                 struct fwdev_key *keys)
{
    struct opts *op = r->op;
    struct fwdev_config cfg;
    struct fwdev_err err;

    memset(&cfg, 0, sizeof(cfg));
    cfg.server = op->server;
    cfg.mac = op->mac;
    cfg.model = op->model;
    cfg.version = op->version;
    cfg.keys = keys;
    cfg.n_keys = op->n_keys;
    cfg.require_signed_answer = !op->allow_unsigned;
    cfg.require_signed_image = 1;
    cfg.attempts = (unsigned)op->attempts;
    cfg.crypto = c;
    cfg.transport = t;
    cfg.log = op->verbose ? log_line : NULL;
    if (fwdev_init(&r->dev, &cfg, &err) != FWDEV_OK)
        return usage_error("%s", err.msg);
    return 0;
}

int main(int argc, char **argv)
{
    struct run r;
    struct opts op = {.state = "fwhub-device-state", .attempts = FWDEV_ATTEMPTS, .timeout = 30};
    struct fwdev_key keys[MAX_KEYS];
    struct fwdev_transport t = {NULL, NULL};
    struct fwdev_crypto c;
    struct fwdev_err err;
    int rc = parse(argc, argv, &op);

    if (rc)
        return rc < 0 ? 0 : rc;
    if (mkdir(op.state, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fwhub-device: cannot create %s: %s\n", op.state, strerror(errno));
        return 1;
    }
    rc = running_version(&op);
    if (rc)
        return rc;
    fwdev_openssl_crypto(&c);
    if (load_keys(&op, &c, keys) < 0)
        return 2;
    if (fwdev_curl_open(&t, 10, op.timeout, &err) != FWDEV_OK) {
        fprintf(stderr, "fwhub-device: %s\n", err.msg);
        return 1;
    }
    memset(&r, 0, sizeof(r));
    r.op = &op;
    rc = start(&r, &c, &t, keys);
    if (rc == 0)
        rc = steps(&r);
    fwdev_curl_close(&t);
    return rc;
}
