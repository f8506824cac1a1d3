/* options.c: parsing of `fwhub serve`'s options, with strict number checks. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

static const char usage[] =
    "Usage: fwhub serve [--repo DIR] [options]\n"
    "\n"
    "Serves the repository to devices: update answers, status reports, general and\n"
    "targeted (token-protected) downloads, /manifest.json, /healthz and /metrics.\n"
    "SIGHUP reloads the catalog (changes are also picked up by themselves); SIGTERM and\n"
    "SIGINT stop accepting, finish what is in flight and exit 0.\n"
    "\n"
    "Options:\n"
    "  --repo DIR              the repository (default: $FWHUB_REPO, else .)\n"
    "  --listen HOST:PORT      address to listen on, repeatable (default 127.0.0.1:8080;\n"
    "                          port 0 picks a free port, logged as 'listening')\n"
    "  --threads N             event loops (default: one per core)\n"
    "  --public-url URL        base of the URLs in answers (default: from the Host header)\n"
    "  --token-ttl SECONDS     validity of targeted download tokens (default 3600)\n"
    "  --token-secret-file F   HMAC secret for tokens (default: REPO/.fwhub/token.key,\n"
    "                          created on first start)\n"
    "  --tls-cert FILE         certificate chain (PEM); with --tls-key serves HTTPS\n"
    "  --tls-key FILE          private key (PEM)\n"
    "  --access-log            one log line per request\n"
    "  --poll-interval SECONDS how often to look for changed files (default 2)\n"
    "  --shutdown-timeout S    longest wait for requests in flight at exit (default 30)\n"
    "  --max-connections N     open connections at most (default: 7/8 of the open-file\n"
    "                          limit, which is raised to its hard limit at start)\n"
    "  --request-timeout S     a client must send a whole request within S seconds, and an\n"
    "                          idle connection is closed after S seconds (default 10)\n"
    "  --send-timeout S        a download whose client reads nothing for S seconds is cut\n"
    "                          (HTTP/1.1; default 60)\n"
    "  --db URL                the event store: sqlite:PATH, PATH or postgresql://...\n"
    "                          (default: $FWHUB_DB, else REPO/.fwhub/fwhub.db)\n"
    "  --webhooks FILE         notify these URLs of targeted fixes created, answered,\n"
    "                          downloaded, confirmed, expiring and of device failures\n"
    "                          (a JSON list of {url, events, secret_file}; docs/audit.md)\n"
    "  --portal-rate N         portal lookups a client address may make a minute, also\n"
    "                          as a burst (default 10; 0: no limit, e.g. behind a proxy\n"
    "                          that limits)\n"
    "  --admin-token-file F    turns on the admin API (/api/v1/admin/) and pages (/admin):\n"
    "                          F holds one 'IDENTITY TOKEN' per line (token 16 to 256\n"
    "                          characters); it must not be readable by others (chmod 600).\n"
    "                          Admin actions are audited as admin:IDENTITY. Without it\n"
    "                          those paths answer 404.\n"
    "  --max-upload SIZE       largest firmware image an admin may upload, in bytes or with\n"
    "                          K, M or G (default 32M; 1K to 1G). Bodies up to SIZE are\n"
    "                          buffered in memory: see docs/robustness.md\n"
    "  --signing-key FILE      sign every update answer with this private key (PEM, from\n"
    "                          fwhub keygen); GET /api/v1/keys lists the public keys\n"
    "  --answer-ttl SECONDS    signed answers expire after at most this long, and are\n"
    "                          signed again after half of it (default 86400)\n"
    "  --trusted-key PUB       one more public key to list in /api/v1/keys and to trust\n"
    "                          for images (a key rotation), repeatable\n"
    "  --require-signed        offer only images with a valid signature by a trusted key\n"
    "                          (REPO/keys/, --trusted-key, the signing key)\n"
    "  --trusted-proxy ADDR[/BITS]\n"
    "                          a reverse proxy (nginx, a load balancer) whose\n"
    "                          X-Forwarded-For names the client: audit records, rate\n"
    "                          limits and logs then see the client's address; repeatable\n"
    "  --debug                 debug log lines\n"
    "  -h, --help              this text\n";

enum {
    OPT_REPO = 0x100,
    OPT_LISTEN,
    OPT_THREADS,
    OPT_PUBLIC_URL,
    OPT_TOKEN_TTL,
    OPT_SECRET,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_ACCESS_LOG,
    OPT_POLL,
    OPT_SHUTDOWN,
    OPT_DEBUG,
    OPT_MAX_CONN,
    OPT_REQUEST_TIMEOUT,
    OPT_SEND_TIMEOUT,
    OPT_DB,
    OPT_WEBHOOKS,
    OPT_PORTAL_RATE,
    OPT_ADMIN_TOKENS,
    OPT_MAX_UPLOAD,
    OPT_SIGNING_KEY,
    OPT_ANSWER_TTL,
    OPT_TRUSTED_KEY,
    OPT_REQUIRE_SIGNED,
    OPT_TRUSTED_PROXY,
};

static const struct option longopts[] = {
    {"repo", required_argument, NULL, OPT_REPO},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"public-url", required_argument, NULL, OPT_PUBLIC_URL},
    {"token-ttl", required_argument, NULL, OPT_TOKEN_TTL},
    {"token-secret-file", required_argument, NULL, OPT_SECRET},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"access-log", no_argument, NULL, OPT_ACCESS_LOG},
    {"poll-interval", required_argument, NULL, OPT_POLL},
    {"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT},
    {"db", required_argument, NULL, OPT_DB},
    {"webhooks", required_argument, NULL, OPT_WEBHOOKS},
    {"portal-rate", required_argument, NULL, OPT_PORTAL_RATE},
    {"admin-token-file", required_argument, NULL, OPT_ADMIN_TOKENS},
    {"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
    {"signing-key", required_argument, NULL, OPT_SIGNING_KEY},
    {"answer-ttl", required_argument, NULL, OPT_ANSWER_TTL},
    {"trusted-key", required_argument, NULL, OPT_TRUSTED_KEY},
    {"require-signed", no_argument, NULL, OPT_REQUIRE_SIGNED},
    {"trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad(const char *fmt, ...) FW_PRINTF(1, 2);

static int bad(const char *fmt, ...)
{
    va_list ap;

    fputs("fwhub serve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'fwhub serve --help'.\n", stderr);
    return OPTIONS_USAGE;
}

/* A whole decimal number within [min, max]. */
static int number(const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        return bad("%s: expected a whole number from %ld to %ld", opt, min, max);
    }
    *out = v;
    return OPTIONS_RUN;
}

/* A size in bytes with an optional K, M or G (binary multiples), within [1 KiB, 1 GiB]. */
static int size_arg(const char *opt, const char *s, long *out)
{
    char *end;
    long v, mul = 1;

    errno = 0;
    v = strtol(s, &end, 10);
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024 * 1024 * 1024, end++;
    if (errno || end == s || *end || v < 1 || v > (1L << 30) / mul || v * mul < 1024)
        return bad("%s: %s: expected a size from 1K to 1G (bytes, or with K, M or G)", opt, s);
    *out = v * mul;
    return OPTIONS_RUN;
}

static int check_url(struct serve_options *o, const char *url)
{
    static char buf[1024];
    size_t n = strlen(url);

    if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || n >= sizeof(buf) ||
        strpbrk(url, " \"\\<>?#"))
        return bad("--public-url: %s: expected http://HOST[:PORT][/PATH], at most 1023 "
                   "characters",
                   url);
    memcpy(buf, url, n + 1);
    while (n > 8 && buf[n - 1] == '/')
        buf[--n] = '\0';
    o->public_url = buf;
    return OPTIONS_RUN;
}

static int signing_option(struct serve_options *o, int c, const char *arg)
{
    switch (c) {
    case OPT_SIGNING_KEY:
        o->signing_key = arg;
        return arg[0] ? OPTIONS_RUN : bad("--signing-key: expected a private key file");
    case OPT_ANSWER_TTL:
        return number("--answer-ttl", arg, 60, 30 * 86400, &o->answer_ttl);
    case OPT_TRUSTED_KEY:
        if (o->n_trusted == OPTIONS_TRUSTED_MAX)
            return bad("--trusted-key: at most %d keys", OPTIONS_TRUSTED_MAX);
        if (!arg[0])
            return bad("--trusted-key: expected a public key file");
        o->trusted_keys[o->n_trusted++] = arg;
        return OPTIONS_RUN;
    case OPT_REQUIRE_SIGNED:
        o->require_signed = true;
        return OPTIONS_RUN;
    }
    return OPTIONS_USAGE;
}

static int one(struct serve_options *o, int c, const char *arg)
{
    switch (c) {
    case OPT_REPO:
        o->repo = arg;
        return arg[0] ? OPTIONS_RUN : bad("--repo: expected a directory");
    case OPT_LISTEN:
        if (o->n_listen == OPTIONS_LISTEN_MAX)
            return bad("--listen: at most 16 addresses");
        o->listen[o->n_listen++] = arg;
        return OPTIONS_RUN;
    case OPT_THREADS:
        return number("--threads", arg, 1, 256, &o->threads);
    case OPT_PUBLIC_URL:
        return check_url(o, arg);
    case OPT_TOKEN_TTL:
        return number("--token-ttl", arg, 10, 7 * 86400, &o->token_ttl);
    case OPT_SECRET:
        o->token_secret_file = arg;
        return OPTIONS_RUN;
    case OPT_TLS_CERT:
        o->tls_cert = arg;
        return OPTIONS_RUN;
    case OPT_TLS_KEY:
        o->tls_key = arg;
        return OPTIONS_RUN;
    case OPT_ACCESS_LOG:
        o->access_log = true;
        return OPTIONS_RUN;
    case OPT_POLL:
        return number("--poll-interval", arg, 1, 3600, &o->poll_interval);
    case OPT_SHUTDOWN:
        return number("--shutdown-timeout", arg, 0, 3600, &o->shutdown_timeout);
    case OPT_DEBUG:
        o->debug = true;
        return OPTIONS_RUN;
    case OPT_MAX_CONN:
        return number("--max-connections", arg, 16, 1000000, &o->max_connections);
    case OPT_REQUEST_TIMEOUT:
        return number("--request-timeout", arg, 1, 3600, &o->request_timeout);
    case OPT_SEND_TIMEOUT:
        return number("--send-timeout", arg, 1, 3600, &o->send_timeout);
    case OPT_PORTAL_RATE:
        return number("--portal-rate", arg, 0, 100000, &o->portal_rate);
    case OPT_ADMIN_TOKENS:
        o->admin_token_file = arg;
        return arg[0] ? OPTIONS_RUN : bad("--admin-token-file: expected a file");
    case OPT_MAX_UPLOAD:
        return size_arg("--max-upload", arg, &o->max_upload);
    case OPT_DB:
        o->db = arg;
        return arg[0] ? OPTIONS_RUN : bad("--db: expected sqlite:PATH, PATH or postgresql://...");
    case OPT_WEBHOOKS:
        o->webhooks = arg;
        return arg[0] ? OPTIONS_RUN : bad("--webhooks: expected a JSON file of hooks");
    case OPT_TRUSTED_PROXY: {
        struct fw_err err;

        return proxy_add(&o->proxies, arg, &err) == 0 ? OPTIONS_RUN : bad("%s", err.msg);
    }
    case OPT_SIGNING_KEY:
    case OPT_ANSWER_TTL:
    case OPT_TRUSTED_KEY:
    case OPT_REQUIRE_SIGNED:
        return signing_option(o, c, arg);
    }
    return OPTIONS_USAGE;
}

int options_parse(int argc, char **argv, struct serve_options *o)
{
    int c, rc;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    o->threads = cores < 1 ? 1 : cores > 256 ? 256 : cores;
    o->token_ttl = 3600;
    o->poll_interval = 2;
    o->shutdown_timeout = 30;
    o->request_timeout = 10;
    o->send_timeout = 60;
    o->portal_rate = 10;
    o->max_upload = 32L * 1024 * 1024;
    o->answer_ttl = 86400;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return OPTIONS_EXIT_OK;
        }
        if (c == '?' || c == ':')
            return bad("%s: unknown option or missing argument", argv[optind - 1]);
        if ((rc = one(o, c, optarg)) != OPTIONS_RUN)
            return rc;
    }
    if (optind < argc)
        return bad("%s: unexpected argument", argv[optind]);
    if (!o->tls_cert != !o->tls_key)
        return bad("--tls-cert and --tls-key go together");
    if (o->n_listen == 0)
        o->listen[o->n_listen++] = "127.0.0.1:8080";
    return OPTIONS_RUN;
}
