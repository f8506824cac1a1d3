/* fwload.c: a small HTTP/1.1 load client for the hostile-client tests and bench/hostile.sh. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IN_MAX         8192
#define OUT_MAX        512
#define TICK_MS        10
#define CONNECTING_MAX 512
#define SAMPLES_MAX    (4u << 20)
#define STATUS_SLOTS   600

static const char usage[] =
    "Usage: fwload MODE [options] HOST:PORT\n"
    "\n"
    "Modes:\n"
    "  hold   keep -c connections open; each asks --path, waits --pause ms after each\n"
    "         answer and asks again; a connection the server closes is opened again\n"
    "  slow   -c connections send a request head one byte every --pause ms, never ending it\n"
    "  idle   -c connections send nothing (with --after-one: one request, then nothing)\n"
    "  walk   ask /api/v1/devices/<MAC>/update?--query for --count MACs from --mac, in order,\n"
    "         over -c keep-alive connections, as fast as the answers come\n"
    "\n"
    "Options:\n"
    "  -c N              connections (default 100)\n"
    "  --seconds S       how long to run (default 10; slow, idle: until all are closed)\n"
    "  --path P          what hold asks (default /healthz)\n"
    "  --path-bytes N    hold: make the query of --path N bytes long\n"
    "  --header-bytes N  hold: add a header field of N bytes; slow: the same, sent at once\n"
    "  --post-bytes N    hold: POST a body of N bytes (Content-Length) instead of GET\n"
    "  --pause MS        hold: between answer and next request; slow: between bytes (1000)\n"
    "  --after-one       idle: send one request first\n"
    "  --mac HEX12       walk: the first MAC (default 020000000000)\n"
    "  --count N         walk: how many MACs (default 10000)\n"
    "  --query Q         walk: the query (default model=EVSE&version=1.0.0)\n"
    "  --known-from HEX12 --known-count N\n"
    "                    walk: report the latency of this range of MACs apart\n"
    "\n"
    "Prints key=value lines: connections, answers by status, latency percentiles, and for\n"
    "slow and idle how long the server took to close the connections.\n";

enum mode { MODE_HOLD, MODE_SLOW, MODE_IDLE, MODE_WALK };
enum cstate { C_FREE, C_CONNECTING, C_SENDING, C_READING, C_WAITING, C_CLOSED };

struct opts {
    enum mode mode;
    long conns, seconds, pause_ms, path_bytes, header_bytes, post_bytes, count, known_count;
    const char *path, *query;
    uint64_t mac, known_from;
    bool after_one;
    struct sockaddr_in addr;
};

struct conn {
    int fd;
    enum cstate state;
    const char *out; /* the request being sent */
    size_t out_len, out_off;
    char own[OUT_MAX]; /* walk: this connection's request */
    char in[IN_MAX];
    size_t in_len;
    int64_t body_left; /* -1 until the head is in */
    int status;
    uint64_t mac;
    int64_t t_open, t_req, t_next; /* microseconds */
};

/* Latency samples (microseconds), kept up to SAMPLES_MAX. */
struct samples {
    uint32_t *v;
    size_t n;
};

struct stats {
    long connected, connect_failed, open, open_max, server_closes, answers, errors;
    long status[STATUS_SLOTS];
    uint64_t body_min, body_max;
    struct samples lat, known, unknown, closed_after;
};

static struct opts o;
static struct stats st;
static struct conn *conns;
static int ep;
static char *shared_req;
static size_t shared_len;
static long connecting, walk_next, walk_done;

static int64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sample(struct samples *s, int64_t us)
{
    if (!s->v)
        s->v = calloc(SAMPLES_MAX, sizeof(*s->v));
    if (s->v && s->n < SAMPLES_MAX)
        s->v[s->n++] = us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Prints name_p50, _p99 and _max of s in the unit div (1000: ms, 1: us). */
static void report(const char *name, struct samples *s, double div, const char *unit)
{
    if (s->n == 0) {
        printf("%s_n=0\n", name);
        return;
    }
    qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
    printf("%s_n=%zu\n%s_p50_%s=%.1f\n%s_p99_%s=%.1f\n%s_max_%s=%.1f\n", name, s->n, name, unit,
           s->v[s->n / 2] / div, name, unit, s->v[s->n * 99 / 100] / div, name, unit,
           s->v[s->n - 1] / div);
}

static int fail(const char *msg, const char *arg)
{
    fprintf(stderr, "fwload: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    return 2;
}

static bool number(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool hex_mac(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 16);
    if (errno || strlen(s) != 12 || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_addr(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    char host[64];
    long port;

    if (!colon || (size_t)(colon - spec) >= sizeof(host) || !number(colon + 1, 1, 65535, &port))
        return false;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    o.addr.sin_family = AF_INET;
    o.addr.sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &o.addr.sin_addr) == 1;
}

static bool parse_mode(const char *m)
{
    static const char *const names[] = {"hold", "slow", "idle", "walk"};

    for (int i = 0; i < 4; i++)
        if (strcmp(m, names[i]) == 0) {
            o.mode = (enum mode)i;
            return true;
        }
    return false;
}

/* One option with its value; false when either is wrong. */
static bool option(const char *name, const char *val)
{
    if (strcmp(name, "-c") == 0)
        return number(val, 1, 1000000, &o.conns);
    if (strcmp(name, "--seconds") == 0)
        return number(val, 1, 86400, &o.seconds);
    if (strcmp(name, "--pause") == 0)
        return number(val, 0, 3600000, &o.pause_ms);
    if (strcmp(name, "--path-bytes") == 0)
        return number(val, 0, 64L << 20, &o.path_bytes);
    if (strcmp(name, "--header-bytes") == 0)
        return number(val, 0, 64L << 20, &o.header_bytes);
    if (strcmp(name, "--post-bytes") == 0)
        return number(val, 1, 64L << 20, &o.post_bytes);
    if (strcmp(name, "--count") == 0)
        return number(val, 1, 1L << 40, &o.count);
    if (strcmp(name, "--known-count") == 0)
        return number(val, 0, 1L << 40, &o.known_count);
    if (strcmp(name, "--mac") == 0)
        return hex_mac(val, &o.mac);
    if (strcmp(name, "--known-from") == 0)
        return hex_mac(val, &o.known_from);
    if (strcmp(name, "--path") == 0 && val[0] == '/')
        o.path = val;
    else if (strcmp(name, "--query") == 0)
        o.query = val;
    else
        return false;
    return true;
}

static int parse_args(int argc, char **argv)
{
    int i = 2;

    o = (struct opts){.conns = 100,
                      .seconds = 10,
                      .pause_ms = 1000,
                      .count = 10000,
                      .path = "/healthz",
                      .query = "model=EVSE&version=1.0.0",
                      .mac = 0x020000000000ULL};
    if (argc < 3 || !parse_mode(argv[1])) {
        fputs(usage, stderr);
        return 2;
    }
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--after-one") == 0)
            o.after_one = true;
        else if (i + 1 >= argc - 1 || !option(argv[i], argv[i + 1]))
            return fail("bad option or value", argv[i]);
        else
            i++;
    }
    if (!parse_addr(argv[argc - 1]))
        return fail("expected HOST:PORT (IPv4) last", argv[argc - 1]);
    return 0;
}

/* The request of hold, slow and idle, built once: --path with its padding, the pad header,
 * the body of --post-bytes. */
static int build_shared(void)
{
    size_t cap = strlen(o.path) + (size_t)(o.path_bytes + o.header_bytes + o.post_bytes) + 256;
    size_t n;

    shared_req = malloc(cap);
    if (!shared_req)
        return -1;
    n = (size_t)snprintf(shared_req, cap, "%s %s%s", o.post_bytes ? "POST" : "GET", o.path,
                         o.path_bytes ? "?pad=" : "");
    memset(shared_req + n, 'a', (size_t)o.path_bytes);
    n += (size_t)o.path_bytes;
    n += (size_t)snprintf(shared_req + n, cap - n, " HTTP/1.1\r\nHost: fwload\r\n");
    if (o.post_bytes)
        n += (size_t)snprintf(shared_req + n, cap - n, "Content-Length: %ld\r\n", o.post_bytes);
    n += (size_t)snprintf(shared_req + n, cap - n, "%s", o.header_bytes ? "X-Pad: " : "");
    memset(shared_req + n, 'b', (size_t)o.header_bytes);
    n += (size_t)o.header_bytes;
    if (o.mode == MODE_SLOW) {
        n += (size_t)snprintf(shared_req + n, cap - n, "%sX-Slow: ", o.header_bytes ? "\r\n" : "");
    } else {
        n += (size_t)snprintf(shared_req + n, cap - n, "%s\r\n", o.header_bytes ? "\r\n" : "");
        memset(shared_req + n, '{', (size_t)o.post_bytes);
        n += (size_t)o.post_bytes;
    }
    shared_len = n;
    return 0;
}

static void watch(struct conn *c, uint32_t events, int op)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};

    epoll_ctl(ep, op, c->fd, &ev);
}

static void close_conn(struct conn *c, bool by_server)
{
    if (c->fd >= 0) {
        close(c->fd);
        st.open -= c->state != C_CONNECTING;
        connecting -= c->state == C_CONNECTING;
    }
    if (by_server && c->state != C_CONNECTING)
        st.server_closes++;
    c->fd = -1;
    c->state = C_CLOSED;
    c->t_next = now_us() + 100000; /* hold opens it again a little later */
}

static void open_conn(struct conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0) {
        st.connect_failed++;
        c->t_next = now_us() + 100000;
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->state = C_CONNECTING;
    c->t_open = now_us();
    connecting++;
    if (connect(fd, (struct sockaddr *)&o.addr, sizeof(o.addr)) < 0 && errno != EINPROGRESS) {
        st.connect_failed++;
        close_conn(c, false);
        return;
    }
    watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

/* Puts the next request of c in place and starts sending it. */
static void start_request(struct conn *c)
{
    if (o.mode == MODE_WALK) {
        int n;

        if (walk_next >= o.count) {
            c->state = C_WAITING;
            c->t_next = INT64_MAX;
            watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
            return;
        }
        c->mac = o.mac + (uint64_t)walk_next++;
        n = snprintf(c->own, sizeof(c->own),
                     "GET /api/v1/devices/%012llx/update?%s HTTP/1.1\r\nHost: fwload\r\n\r\n",
                     (unsigned long long)c->mac, o.query);
        c->out = c->own;
        c->out_len = n > 0 && (size_t)n < sizeof(c->own) ? (size_t)n : 0;
    } else {
        c->out = shared_req;
        c->out_len = shared_len;
    }
    c->out_off = 0;
    c->in_len = 0;
    c->body_left = -1;
    c->t_req = now_us();
    c->state = C_SENDING;
    watch(c, EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_MOD);
}

static void on_connected(struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
        st.connect_failed++;
        close_conn(c, false);
        return;
    }
    connecting--;
    st.connected++;
    if (++st.open > st.open_max)
        st.open_max = st.open;
    c->t_open = now_us();
    if (o.mode == MODE_IDLE && !o.after_one) {
        c->state = C_WAITING;
        c->t_next = INT64_MAX;
        watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
        return;
    }
    start_request(c);
    if (o.mode == MODE_SLOW) {
        c->t_next = 0;
        watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD); /* bytes go out by the clock */
    }
}

static void on_sendable(struct conn *c)
{
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        close_conn(c, true);
        return;
    }
    c->out_off += (size_t)n;
    if (c->out_off == c->out_len) {
        c->state = C_READING;
        watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
    }
}

/* The decimal number at s after blanks, up to the next non-digit; -1 when there is none
 * or it overflows. */
static long long decimal(const char *s)
{
    char *end;
    long long v;

    s += strspn(s, " \t");
    errno = 0;
    v = strtoll(s, &end, 10);
    return errno || end == s || v < 0 ? -1 : v;
}

/* Reads the status and Content-Length once the head is complete. */
static bool parse_head(struct conn *c)
{
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4), *cl;
    size_t head;
    long long status;

    if (!end)
        return c->in_len < IN_MAX - 1;
    head = (size_t)(end - c->in) + 4;
    c->in[head - 1] = '\0';
    if (c->in_len < 12 || memcmp(c->in, "HTTP/1.", 7) != 0)
        return false;
    status = decimal(c->in + 9);
    c->status = status > 0 && status < STATUS_SLOTS ? (int)status : 0;
    cl = strcasestr(c->in, "\r\ncontent-length:");
    c->body_left = cl ? decimal(cl + 17) : 0;
    if (c->body_left < 0)
        return false;
    if (c->status == 200 && (uint64_t)c->body_left > st.body_max)
        st.body_max = (uint64_t)c->body_left;
    if (c->status == 200 && (st.body_min == 0 || (uint64_t)c->body_left < st.body_min))
        st.body_min = (uint64_t)c->body_left;
    c->body_left -= (int64_t)(c->in_len - head);
    return true;
}

static void on_answer(struct conn *c)
{
    int64_t t = now_us(), lat = t - c->t_req;
    bool known = c->mac >= o.known_from && c->mac < o.known_from + (uint64_t)o.known_count;

    st.answers++;
    st.status[c->status]++;
    sample(&st.lat, lat);
    if (o.mode == MODE_WALK) {
        sample(known ? &st.known : &st.unknown, lat);
        walk_done++;
        start_request(c);
        return;
    }
    c->state = C_WAITING;
    c->t_open = t; /* idle --after-one times the close from the answer */
    c->t_next = o.mode == MODE_HOLD ? t + o.pause_ms * 1000 : INT64_MAX;
}

/* The server closed c, or sent something: slow and idle time the close. */
static void on_readable(struct conn *c)
{
    char buf[IN_MAX];
    bool heading = c->state == C_READING && c->body_left < 0;
    char *dst = heading ? c->in + c->in_len : buf;
    size_t room = heading ? IN_MAX - 1 - c->in_len : sizeof(buf);
    ssize_t n = recv(c->fd, dst, room, 0);

    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0 || c->state != C_READING) {
        if (o.mode == MODE_SLOW || o.mode == MODE_IDLE)
            sample(&st.closed_after, now_us() - c->t_open);
        close_conn(c, true);
        return;
    }
    if (heading) {
        c->in_len += (size_t)n;
        if (!parse_head(c)) {
            st.errors++;
            close_conn(c, false);
            return;
        }
    } else {
        c->body_left -= n;
    }
    if (c->body_left <= 0)
        on_answer(c);
}

/* Slow: with --header-bytes the head up to the end of the padding goes at once (as fast
 * as the socket takes it), then one byte every --pause ms, for ever. */
static void slow_send(struct conn *c, int64_t t)
{
    size_t burst = o.header_bytes ? c->out_len : 0;
    const char *p = c->out_off < c->out_len ? c->out + c->out_off : "a";
    size_t len = c->out_off < burst ? burst - c->out_off : 1;
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EAGAIN) {
        c->t_next = t + TICK_MS * 1000;
        return;
    }
    if (n <= 0) {
        sample(&st.closed_after, t - c->t_open);
        close_conn(c, true);
        return;
    }
    c->out_off += (size_t)n;
    c->t_next = t + (c->out_off < burst ? TICK_MS * 1000 : o.pause_ms * 1000);
}

/* Slow: the next byte; hold: the next request; closed connections are opened again. */
static void on_timer(struct conn *c, int64_t t)
{
    if (c->state == C_CLOSED && o.mode == MODE_HOLD) {
        open_conn(c);
    } else if (c->state == C_WAITING && o.mode == MODE_HOLD) {
        start_request(c);
    } else if (c->state == C_SENDING && o.mode == MODE_SLOW) {
        slow_send(c, t);
        return;
    } else {
        return;
    }
    c->t_next = INT64_MAX;
}

static void on_event(struct conn *c, uint32_t ev)
{
    if (c->state == C_CONNECTING) {
        on_connected(c);
        return;
    }
    if ((ev & EPOLLOUT) && c->state == C_SENDING && o.mode != MODE_SLOW)
        on_sendable(c);
    else if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        on_readable(c);
}

/* Opens connections not yet opened, CONNECTING_MAX at a time. */
static void ramp_up(long *opened)
{
    while (*opened < o.conns && connecting < CONNECTING_MAX)
        open_conn(&conns[(*opened)++]);
}

static bool finished(int64_t t, int64_t deadline)
{
    if (t >= deadline)
        return true;
    if (o.mode == MODE_WALK)
        return walk_done >= o.count;
    if (o.mode == MODE_SLOW || o.mode == MODE_IDLE)
        return st.closed_after.n >= (size_t)o.conns;
    return false;
}

static void run(void)
{
    struct epoll_event evs[256];
    int64_t start = now_us(), deadline = start + o.seconds * 1000000, last_tick = 0;
    long opened = 0;

    while (!finished(now_us(), deadline)) {
        int n;
        int64_t t;

        ramp_up(&opened);
        n = epoll_wait(ep, evs, 256, TICK_MS);
        for (int i = 0; i < n; i++)
            on_event(evs[i].data.ptr, evs[i].events);
        t = now_us();
        if (t - last_tick < TICK_MS * 1000)
            continue;
        last_tick = t;
        for (long i = 0; i < opened; i++)
            if (conns[i].t_next <= t)
                on_timer(&conns[i], t);
    }
    printf("elapsed_s=%.2f\n", (double)(now_us() - start) / 1e6);
}

static void print_stats(void)
{
    printf("connections=%ld\nconnected=%ld\nconnect_failed=%ld\nopen_max=%ld\nopen_end=%ld\n"
           "server_closes=%ld\nanswers=%ld\nerrors=%ld\n",
           o.conns, st.connected, st.connect_failed, st.open_max, st.open, st.server_closes,
           st.answers, st.errors);
    for (int s = 0; s < STATUS_SLOTS; s++)
        if (st.status[s])
            printf("status_%d=%ld\n", s, st.status[s]);
    printf("body_min=%llu\nbody_max=%llu\n", (unsigned long long)st.body_min,
           (unsigned long long)st.body_max);
    report("latency", &st.lat, 1000.0, "ms");
    if (o.mode == MODE_WALK) {
        report("known", &st.known, 1.0, "us");
        report("unknown", &st.unknown, 1.0, "us");
    }
    if (o.mode == MODE_SLOW || o.mode == MODE_IDLE)
        report("closed_after", &st.closed_after, 1e6, "s");
}

static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    int rc = parse_args(argc, argv);

    if (rc)
        return rc;
    raise_nofile();
    conns = calloc((size_t)o.conns, sizeof(*conns));
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || ep < 0 || build_shared() < 0)
        return fail("out of memory or descriptors", NULL);
    for (long i = 0; i < o.conns; i++)
        conns[i].fd = -1;
    run();
    print_stats();
    return 0;
}
