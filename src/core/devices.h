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
 * and customer are optional, further columns are reported as warnings. Column names are
 * matched ignoring case and surrounding blanks. A byte order mark at the start and
 * blank lines are skipped. Blanks around an unquoted value are dropped; a quoted value
 * is kept as written.
 *
 * Each bad row is a finding naming file:line:column (the 1-based character column where
 * the value starts) and the column name as path ("" for the row as a whole) and saying
 * what was expected: a bad or empty MAC, an empty serial, a duplicate MAC (the row listed
 * first is kept, the later one names its line), a field count other than the header's
 * (that row gets no further findings), a quote left open, a field longer than 1024
 * bytes, text that is not UTF-8, a control character or line break in serial or model
 * (customer may span lines). Good rows are kept.
 *
 * model and customer are "" when empty or when the file has no such column. out->v is
 * NULL when no row was kept. Memory for the list comes from arena. Returns 0, or -1
 * only when out of memory. */
int devices_parse(const char *file, const char *text, size_t len, struct arena *arena,
                  struct device_list *out, struct problems *pr) FW_NODISCARD;

/* Binary search by MAC; NULL when unknown. */
const struct device *devices_find(const struct device_list *l, uint64_t mac);

#endif
