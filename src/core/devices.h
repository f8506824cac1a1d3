/* devices.h: the known devices of a repository (devices.csv: mac, serial, model, customer). */
#ifndef FWHUB_DEVICES_H
#define FWHUB_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "problems.h"

struct device {
    uint64_t mac;
    const char *serial;
    const char *model;
    const char *customer; /* may be "" */
};

/* A parsed devices.csv. Strings live in the arena passed to devices_parse. */
struct device_list {
    struct device *v; /* sorted by mac, no duplicates */
    size_t n;
};

/* Parses CSV text (RFC 4180: quoted fields, "" inside quotes, CRLF or LF). The first
 * line must be a header naming at least the columns mac and serial, in any order; model
 * and customer are optional, further columns are reported as warnings. Each bad row is
 * a finding naming file:line:column and the column name (a bad MAC, an empty serial, a
 * duplicate MAC, a quote left open); good rows are kept. Fields longer than 1024 bytes
 * are refused. Memory for the list comes from arena. Returns 0, or -1 only when out of
 * memory. */
int devices_parse(const char *file, const char *text, size_t len, struct arena *arena,
                  struct device_list *out, struct problems *pr) FW_NODISCARD;

/* Binary search by MAC; NULL when unknown. */
const struct device *devices_find(const struct device_list *l, uint64_t mac);

#endif
