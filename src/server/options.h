/* options.h: the command line of `fwhub serve`, parsed and checked. */
#ifndef FWHUB_SERVE_OPTIONS_H
#define FWHUB_SERVE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy.h"

#define OPTIONS_LISTEN_MAX  16
#define OPTIONS_TRUSTED_MAX 16

struct serve_options {
    const char *repo;
    const char *listen[OPTIONS_LISTEN_MAX];
    size_t n_listen;
    long threads;
    const char *public_url;
    long token_ttl;
    const char *token_secret_file;
    bool access_log;
    bool debug;
    const char *tls_cert;
    const char *tls_key;
    long poll_interval;
    long shutdown_timeout;
    long max_connections;         /* 0: from the open-file limit */
    long request_timeout;         /* seconds */
    long send_timeout;            /* seconds */
    const char *db;               /* --db: the event store's URL, or NULL for the default */
    const char *admin_token_file; /* --admin-token-file, or NULL: the admin API is off */
    long max_upload;              /* --max-upload: bytes of an admin upload at most */
    const char *webhooks;         /* --webhooks: the webhook config file, or NULL for none */
    long portal_rate;             /* portal lookups a minute per client address; 0: no limit */
    /* signing (signed.h) */
    const char *signing_key; /* --signing-key: private key PEM, or NULL: answers unsigned */
    long answer_ttl;         /* --answer-ttl: seconds a signed answer stays valid */
    const char *trusted_keys[OPTIONS_TRUSTED_MAX]; /* --trusted-key */
    size_t n_trusted;
    bool require_signed;      /* --require-signed */
    struct proxy_set proxies; /* --trusted-proxy */
};

enum { OPTIONS_RUN = 0, OPTIONS_EXIT_OK = 1, OPTIONS_USAGE = 2 };

/* Parses argv (argv[0] is "serve") into o, whose repo holds the default. Prints the
 * usage for --help (OPTIONS_EXIT_OK) or a message for a wrong option (OPTIONS_USAGE). */
int options_parse(int argc, char **argv, struct serve_options *o);

#endif
