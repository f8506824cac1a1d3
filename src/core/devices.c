/* devices.c: reading devices.csv, the repository's list of known devices, into a sorted array. */
#include "devices.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"

#define FIELD_MAX 1024
#define NO_COLUMN SIZE_MAX
#define SHOWN_MAX 64 /* how much of a column name a message repeats */

enum role { ROLE_MAC, ROLE_SERIAL, ROLE_MODEL, ROLE_CUSTOMER, ROLE_COUNT };

static const char *const role_names[ROLE_COUNT] = {"mac", "serial", "model", "customer"};

enum field_state {
    FIELD_OK,
    FIELD_TOO_LONG,
    FIELD_STRAY_QUOTE,
    FIELD_AFTER_QUOTE,
    FIELD_OPEN_QUOTE,
};

/* A position in the text; col counts characters, not bytes, as editors do. */
struct cursor {
    const char *p;
    const char *end;
    int line;
    int col;
};

struct field {
    char buf[FIELD_MAX + 1];
    size_t len;
    int line;
    int col;
    int end_line; /* where the field ended, for "a field is missing here" */
    int end_col;
    bool quoted;
    enum field_state state;
};

/* The fields of one row that belong to a known column. A field's line can differ from
 * the row's when an earlier field spans lines. */
struct row {
    char val[ROLE_COUNT][FIELD_MAX + 1];
    size_t len[ROLE_COUNT];
    int line_of[ROLE_COUNT];
    int col[ROLE_COUNT];
    bool present[ROLE_COUNT];
    int line;
    bool bad;
};

/* MACs seen so far and the line of their first row: open addressing, 0 marks a free
 * slot (mac_parse never returns 0, the all-zero address). */
struct seen_slot {
    uint64_t mac;
    int line;
};

struct seen {
    struct seen_slot *v;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

struct parse {
    const char *file;
    struct problems *pr;
    struct arena *arena;
    size_t pos[ROLE_COUNT]; /* index of each known column, NO_COLUMN when absent */
    size_t ncols;
    struct device *v; /* good rows in file order; malloc'd, copied to the arena at the end */
    size_t n;
    size_t cap;
    struct seen seen;
};

static int peek(const struct cursor *c)
{
    return c->p < c->end ? (unsigned char)*c->p : EOF;
}

static int peek2(const struct cursor *c)
{
    return c->end - c->p >= 2 ? (unsigned char)c->p[1] : EOF;
}

static void advance(struct cursor *c)
{
    unsigned char ch = (unsigned char)*c->p++;

    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if ((ch & 0xc0) != 0x80) {
        c->col++; /* UTF-8 continuation bytes belong to the character already counted */
    }
}

static bool is_blank(int ch)
{
    return ch == ' ' || ch == '\t';
}

static bool at_line_end(const struct cursor *c)
{
    int ch = peek(c);

    return ch == EOF || ch == '\n' || (ch == '\r' && peek2(c) == '\n');
}

/* Skips lines holding nothing but blanks; returns false at the end of the text. */
static bool skip_empty_lines(struct cursor *c)
{
    for (;;) {
        struct cursor look = *c;

        while (is_blank(peek(&look)))
            advance(&look);
        if (peek(&look) == EOF) {
            *c = look;
            return false;
        }
        if (!at_line_end(&look))
            return true;
        if (peek(&look) == '\r')
            advance(&look);
        advance(&look);
        *c = look;
    }
}

static void append(struct field *f, char ch)
{
    if (f->len < FIELD_MAX)
        f->buf[f->len++] = ch;
    else if (f->state == FIELD_OK)
        f->state = FIELD_TOO_LONG;
}

static void read_plain(struct cursor *c, struct field *f)
{
    while (peek(c) != ',' && !at_line_end(c)) {
        /* RFC 4180 allows a quote only in a quoted field; guessing what was meant
         * would silently change a serial number or a customer's name. */
        if (peek(c) == '"' && f->state == FIELD_OK)
            f->state = FIELD_STRAY_QUOTE;
        append(f, *c->p);
        advance(c);
    }
}

/* Reads after the opening quote up to the closing one; "" stands for one quote, and
 * commas and line breaks are part of the value. */
static void read_quoted(struct cursor *c, struct field *f)
{
    for (;;) {
        int ch = peek(c);

        if (ch == EOF) {
            f->state = FIELD_OPEN_QUOTE;
            return;
        }
        advance(c);
        if (ch == '"' && peek(c) != '"')
            break;
        if (ch == '"')
            advance(c);
        append(f, (char)ch);
    }
    while (is_blank(peek(c)))
        advance(c);
    if (peek(c) == ',' || at_line_end(c))
        return;
    if (f->state == FIELD_OK)
        f->state = FIELD_AFTER_QUOTE;
    while (peek(c) != ',' && !at_line_end(c))
        advance(c);
}

static void trim(struct field *f)
{
    size_t start = 0;

    while (f->len > 0 && is_blank(f->buf[f->len - 1]))
        f->len--;
    while (start < f->len && is_blank(f->buf[start]))
        start++;
    memmove(f->buf, f->buf + start, f->len - start);
    f->len -= start;
    f->buf[f->len] = '\0';
}

/* Reads one field and the delimiter after it. Blanks around an unquoted value are
 * dropped (hand-edited files have them after commas; labels never do); a quoted value
 * is kept as written. Returns true when a comma followed, false at the end of a row. */
static bool read_field(struct cursor *c, struct field *f)
{
    f->len = 0;
    f->state = FIELD_OK;
    f->line = c->line;
    f->col = c->col;
    while (is_blank(peek(c)))
        advance(c);
    f->quoted = peek(c) == '"';
    if (f->quoted) {
        advance(c);
        read_quoted(c, f);
    } else {
        read_plain(c, f);
    }
    f->buf[f->len] = '\0';
    if (!f->quoted)
        trim(f);
    f->end_line = c->line;
    f->end_col = c->col;
    if (peek(c) == ',') {
        advance(c);
        return true;
    }
    if (peek(c) == '\r')
        advance(c);
    if (peek(c) == '\n')
        advance(c);
    return false;
}

static const char *state_message(enum field_state state)
{
    switch (state) {
    case FIELD_TOO_LONG:
        return "longer than 1024 bytes; expected at most 1024";
    case FIELD_STRAY_QUOTE:
        return "a quote inside an unquoted field; expected the whole field in quotes, "
               "with each quote inside doubled (\"\")";
    case FIELD_AFTER_QUOTE:
        return "text after the closing quote; expected a comma or the end of the line";
    case FIELD_OPEN_QUOTE:
        return "the quote opened here is not closed before the end of the file";
    case FIELD_OK:
        break;
    }
    return "";
}

/* Copies a name from the file for a message: bounded, control bytes as '?', so that a
 * hostile file can neither flood nor forge an output line. */
static const char *shown(const char *s, size_t len, char buf[SHOWN_MAX + 4])
{
    size_t i;

    for (i = 0; i < len && i < SHOWN_MAX; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (i < len) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

static bool name_is(const char *s, size_t len, const char *name)
{
    if (len != strlen(name))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];

        if (ch != name[i])
            return false;
    }
    return true;
}

/* Gives column ps->ncols the role its header name f asks for. */
static void name_column(struct parse *ps, struct field *f)
{
    char buf[SHOWN_MAX + 4];
    size_t i = ps->ncols;

    if (f->state != FIELD_OK) {
        problems_add(ps->pr, SEV_ERROR, ps->file, f->line, f->col, "", "header: %s",
                     state_message(f->state));
        return;
    }
    trim(f); /* also inside quotes: a header name never means its blanks */
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (!name_is(f->buf, f->len, role_names[r]))
            continue;
        if (ps->pos[r] != NO_COLUMN)
            problems_add(ps->pr, SEV_ERROR, ps->file, f->line, f->col, role_names[r],
                         "second column named %s (the first is column %zu); expected each "
                         "column once",
                         role_names[r], ps->pos[r] + 1);
        else
            ps->pos[r] = i;
        return;
    }
    problems_add(ps->pr, SEV_WARNING, ps->file, f->line, f->col, "",
                 "unknown column \"%s\" is ignored; known columns are mac, serial, model and "
                 "customer",
                 shown(f->buf, f->len, buf));
}

/* Reads the first row as column names. Returns 0 when the rows can be read, 1 when
 * the header does not allow it (the findings say why). */
static int read_header(struct parse *ps, struct cursor *c)
{
    struct field f;
    bool more = true;
    int line;

    for (int r = 0; r < ROLE_COUNT; r++)
        ps->pos[r] = NO_COLUMN;
    if (!skip_empty_lines(c)) {
        problems_add(ps->pr, SEV_ERROR, ps->file, 0, 0, "",
                     "no header line; expected a first line naming the columns, such as "
                     "mac,serial,model,customer");
        return 1;
    }
    line = c->line;
    while (more) {
        more = read_field(c, &f);
        name_column(ps, &f);
        ps->ncols++;
    }
    for (int r = ROLE_MAC; r <= ROLE_SERIAL; r++) {
        if (ps->pos[r] == NO_COLUMN)
            problems_add(ps->pr, SEV_ERROR, ps->file, line, 1, role_names[r],
                         "no %s column in the header; expected a first line naming at least "
                         "mac and serial, such as mac,serial,model,customer",
                         role_names[r]);
    }
    return ps->pos[ROLE_MAC] == NO_COLUMN || ps->pos[ROLE_SERIAL] == NO_COLUMN ? 1 : 0;
}

/* Reports what is wrong with the row's value for r, at the place the value starts. */
static void row_error(struct parse *ps, struct row *rw, enum role r, const char *msg)
{
    problems_add(ps->pr, SEV_ERROR, ps->file, rw->line_of[r], rw->col[r], role_names[r], "%s", msg);
    rw->bad = true;
}

/* Keeps field i of a row when it belongs to a known column. */
static void keep_field(struct parse *ps, struct row *rw, const struct field *f, size_t i)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (ps->pos[r] != i)
            continue;
        if (f->state != FIELD_OK) {
            problems_add(ps->pr, SEV_ERROR, ps->file, f->line, f->col, role_names[r], "%s",
                         state_message(f->state));
            rw->bad = true;
            return;
        }
        memcpy(rw->val[r], f->buf, f->len + 1);
        rw->len[r] = f->len;
        rw->line_of[r] = f->line;
        rw->col[r] = f->col;
        rw->present[r] = true;
        return;
    }
    if (f->state != FIELD_OK) {
        problems_add(ps->pr, SEV_ERROR, ps->file, f->line, f->col, "", "column %zu: %s", i + 1,
                     state_message(f->state));
        rw->bad = true;
    }
}

/* Reads one row's fields. Returns false when the row cannot be checked further: its
 * field count differs from the header's, so its values may sit under the wrong columns
 * and judging them would only add confusing findings. */
static bool read_row(struct parse *ps, struct cursor *c, struct row *rw)
{
    struct field f;
    bool more = true;
    size_t n = 0;
    int extra_line = 0;
    int extra_col = 0;

    memset(rw->present, 0, sizeof(rw->present));
    rw->bad = false;
    rw->line = c->line;
    while (more) {
        more = read_field(c, &f);
        if (n == ps->ncols) {
            extra_line = f.line;
            extra_col = f.col;
        }
        keep_field(ps, rw, &f, n++);
    }
    if (n == ps->ncols)
        return true;
    if (f.state == FIELD_OPEN_QUOTE)
        return false; /* the rest of the file is in that field; it has been reported */
    if (n < ps->ncols) {
        extra_line = f.end_line;
        extra_col = f.end_col;
    }
    problems_add(ps->pr, SEV_ERROR, ps->file, extra_line, extra_col, "",
                 "%zu fields; expected %zu, one for each column of the header", n, ps->ncols);
    return false;
}

/* How many continuation bytes follow the lead byte b in UTF-8; 4 when b leads nothing. */
static size_t utf8_tail(unsigned b)
{
    if (b < 0x80)
        return 0;
    if (b >= 0xc2 && b <= 0xdf)
        return 1;
    if ((b & 0xf0) == 0xe0)
        return 2;
    if (b >= 0xf0 && b <= 0xf4)
        return 3;
    return 4;
}

/* True when s holds well-formed UTF-8: no overlong forms, no surrogates. */
static bool is_utf8(const unsigned char *s, size_t len)
{
    static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_tail(s[i]);
        uint32_t cp;

        if (n == 4 || len - i <= n)
            return false;
        cp = n == 0 ? s[i] : s[i] & (0x3fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    }
    return false;
}

/* Checks what every kept value must be: text the portal and the admin pages can show.
 * A customer's address may span lines; identifiers may not. */
static void check_text(struct parse *ps, struct row *rw, enum role r)
{
    const char *v = rw->val[r];
    size_t len = rw->len[r];

    if (!rw->present[r])
        return;
    if (memchr(v, '\0', len))
        row_error(ps, rw, r, "contains a NUL byte; expected text");
    else if (!is_utf8((const unsigned char *)v, len))
        row_error(ps, rw, r, "not UTF-8 text; expected the file saved as UTF-8");
    else if (r != ROLE_CUSTOMER && has_control(v, len))
        row_error(ps, rw, r,
                  "contains a control character or line break; expected one line of text");
    else
        return;
    rw->present[r] = false; /* reported; the checks below need not repeat it */
}

static size_t slot_of(const struct seen *s, uint64_t mac)
{
    uint64_t h = mac * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing spreads OUI prefixes */

    return (size_t)(h ^ (h >> 29)) & (s->cap - 1);
}

static int seen_grow(struct seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct seen old = *s;

    s->v = calloc(cap, sizeof(*s->v));
    if (!s->v) {
        *s = old;
        return -1;
    }
    s->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        size_t j;

        if (!old.v[i].mac)
            continue;
        j = slot_of(s, old.v[i].mac);
        while (s->v[j].mac)
            j = (j + 1) & (cap - 1);
        s->v[j] = old.v[i];
    }
    free(old.v);
    return 0;
}

/* Records mac as seen on line; returns 0 when new, 1 when seen before (*first tells
 * where), -1 when out of memory. */
static int seen_add(struct seen *s, uint64_t mac, int line, int *first)
{
    size_t j;

    /* At most half full, so that probes stay short. */
    if ((s->n + 1) * 2 > s->cap && seen_grow(s) != 0)
        return -1;
    j = slot_of(s, mac);
    while (s->v[j].mac && s->v[j].mac != mac)
        j = (j + 1) & (s->cap - 1);
    if (s->v[j].mac) {
        *first = s->v[j].line;
        return 1;
    }
    s->v[j].mac = mac;
    s->v[j].line = line;
    s->n++;
    return 0;
}

/* Parses the row's MAC and checks that no earlier row listed it. Returns -1 only when
 * out of memory. */
static int check_mac(struct parse *ps, struct row *rw, uint64_t *mac)
{
    struct fw_err err;
    char shown_mac[MAC_STR_LEN];
    int first = 0;
    int rc;

    if (!rw->present[ROLE_MAC])
        return 0;
    if (rw->len[ROLE_MAC] == 0) {
        row_error(ps, rw, ROLE_MAC,
                  "empty; expected the device's MAC address, such as AB:CD:EF:12:34:56");
        return 0;
    }
    if (mac_parse(rw->val[ROLE_MAC], mac, &err) != 0) {
        row_error(ps, rw, ROLE_MAC, err.msg);
        return 0;
    }
    /* Recorded even when the row is bad otherwise: a second row for the device is a
     * mistake whichever of the two gets fixed. */
    rc = seen_add(&ps->seen, *mac, rw->line, &first);
    if (rc <= 0)
        return rc;
    mac_format(*mac, shown_mac);
    problems_add(ps->pr, SEV_ERROR, ps->file, rw->line_of[ROLE_MAC], rw->col[ROLE_MAC], "mac",
                 "duplicate MAC %s, already listed on line %d; expected each device once",
                 shown_mac, first);
    rw->bad = true;
    return 0;
}

/* A copy of the row's value for r in the arena; "" when the file has no such column. */
static const char *value(struct parse *ps, const struct row *rw, enum role r)
{
    if (!rw->present[r])
        return arena_strndup(ps->arena, "", 0);
    return arena_strndup(ps->arena, rw->val[r], rw->len[r]);
}

static int keep_device(struct parse *ps, const struct row *rw, uint64_t mac)
{
    struct device *d;

    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        struct device *v = realloc(ps->v, cap * sizeof(*v));

        if (!v)
            return -1;
        ps->v = v;
        ps->cap = cap;
    }
    d = &ps->v[ps->n];
    d->mac = mac;
    d->serial = value(ps, rw, ROLE_SERIAL);
    d->model = value(ps, rw, ROLE_MODEL);
    d->customer = value(ps, rw, ROLE_CUSTOMER);
    if (!d->serial || !d->model || !d->customer)
        return -1;
    ps->n++;
    return 0;
}

/* Checks a row that was read whole; keeps it when nothing is wrong. Returns -1 only
 * when out of memory. */
static int check_row(struct parse *ps, struct row *rw)
{
    uint64_t mac = 0;

    for (int r = 0; r < ROLE_COUNT; r++)
        check_text(ps, rw, r);
    if (check_mac(ps, rw, &mac) != 0)
        return -1;
    if (rw->present[ROLE_SERIAL] && rw->len[ROLE_SERIAL] == 0)
        row_error(ps, rw, ROLE_SERIAL,
                  "empty; expected the serial number printed on the device's label");
    if (rw->bad || !rw->present[ROLE_MAC] || !rw->present[ROLE_SERIAL])
        return 0;
    return keep_device(ps, rw, mac);
}

static int cmp_mac(const void *a, const void *b)
{
    uint64_t x = ((const struct device *)a)->mac;
    uint64_t y = ((const struct device *)b)->mac;

    return x < y ? -1 : x > y;
}

/* Moves the good rows into the arena, sorted for devices_find. */
static int finish(struct parse *ps, struct device_list *out)
{
    struct device *v;

    if (ps->n == 0)
        return 0;
    v = arena_alloc(ps->arena, ps->n * sizeof(*v));
    if (!v)
        return -1;
    memcpy(v, ps->v, ps->n * sizeof(*v));
    qsort(v, ps->n, sizeof(*v), cmp_mac);
    out->v = v;
    out->n = ps->n;
    return 0;
}

int devices_parse(const char *file, const char *text, size_t len, struct arena *arena,
                  struct device_list *out, struct problems *pr)
{
    struct parse ps = {.file = file, .pr = pr, .arena = arena};
    struct cursor c = {.p = text, .end = text + len, .line = 1, .col = 1};
    struct row *rw = NULL;
    int rc = -1;

    out->v = NULL;
    out->n = 0;
    /* Spreadsheet programs start their UTF-8 exports with a byte order mark. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        c.p += 3;
    rw = malloc(sizeof(*rw));
    if (!rw)
        goto out;
    if (read_header(&ps, &c) == 0) {
        while (skip_empty_lines(&c)) {
            if (read_row(&ps, &c, rw) && check_row(&ps, rw) != 0)
                goto out;
        }
    }
    rc = finish(&ps, out);
out:
    free(rw);
    free(ps.v);
    free(ps.seen.v);
    return rc;
}

const struct device *devices_find(const struct device_list *l, uint64_t mac)
{
    size_t lo = 0;
    size_t hi = l->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->v[mid].mac < mac)
            lo = mid + 1;
        else if (l->v[mid].mac > mac)
            hi = mid;
        else
            return &l->v[mid];
    }
    return NULL;
}
