/* devreq.h: what a device sends to the device API, read without h2o: the path, the query
 * of an update request and the body of a status report. */
#ifndef FWHUB_DEVREQ_H
#define FWHUB_DEVREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/version.h"

#define DEVREQ_MODEL_MAX  128
#define DEVREQ_MAC_MAX    64   /* bytes of the MAC in the path, decoded */
#define DEVREQ_DETAIL_MAX 1024 /* bytes of a status report's detail */
#define DEVREQ_FIELD_MAX  FW_QUOTE_LEN

/* Why a request was refused: the field (a query parameter, "mac", "body", a member of the
 * body, shown through fw_quote; "" when none) and a sentence. Both are printable ASCII or
 * text fwhub wrote. */
struct devreq_err {
    char field[DEVREQ_FIELD_MAX];
    char msg[FW_ERRLEN];
};

/* Finds parameter name in a query string (q, n bytes, after the '?'; q may be NULL when
 * there is none). Returns 1 with the raw, still escaped value in *val and *len (the first
 * occurrence wins), or 0 when absent. name= with an empty value counts as present. */
int devreq_query_param(const char *q, size_t n, const char *name, const char **val, size_t *len);

enum devreq_endpoint {
    DEVREQ_NOT_FOUND, /* no such endpoint: 404 */
    DEVREQ_BAD_MAC,   /* the MAC does not parse: 400, err says why */
    DEVREQ_UPDATE,    /* {mac}/update */
    DEVREQ_STATUS,    /* {mac}/status */
};

/* Reads "{mac}/update" or "{mac}/status" (p, n bytes, what follows /api/v1/devices/,
 * without the query). The MAC, which may be percent-escaped, is read first: a bad one is
 * DEVREQ_BAD_MAC whatever follows it; *mac gets it when it parses. */
enum devreq_endpoint devreq_route(const char *p, size_t n, uint64_t *mac, struct devreq_err *err);

/* Reads model and version of an update request from its query string (q, n bytes; NULL
 * when none) into model, version (NUL-terminated, decoded) and *v. Returns 0, or -1 with
 * err naming the parameter. */
int devreq_update_query(const char *q, size_t n, char model[DEVREQ_MODEL_MAX + 1],
                        char version[VERSION_MAX_LEN + 1], struct version *v,
                        struct devreq_err *err) FW_NODISCARD;

/* The status names a device may report (OCPP's firmware statuses), devreq_status_count
 * of them. */
extern const char *const devreq_status_names[];
extern const size_t devreq_status_count;

/* A status report, read. */
struct devreq_status {
    char version[VERSION_MAX_LEN + 1];
    int status;                         /* index into the names given */
    char detail[DEVREQ_DETAIL_MAX + 1]; /* "" when absent */
    bool has_detail;                    /* false when absent or null */
};

/* Reads a status report body (body, len bytes): a JSON object with the members version
 * (a version), status (one of names[0..n_names)) and detail (a string of at most
 * DEVREQ_DETAIL_MAX bytes, or null); unknown and duplicate members, strings holding NUL
 * and anything else are refused. Returns 0, or -1 with err naming the member. */
int devreq_status_body(const char *body, size_t len, const char *const *names, size_t n_names,
                       struct devreq_status *st, struct devreq_err *err) FW_NODISCARD;

#endif
