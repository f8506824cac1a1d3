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
    case OPT_DB:
        o->db = arg;
        return arg[0] ? OPTIONS_RUN : bad("--db: expected sqlite:PATH, PATH or postgresql://...");
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
