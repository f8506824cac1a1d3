/* conns.c: open-file limit and connection counting; closed sockets give their count back. */
#include "conns.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/socket.h>

#include "srvlog.h"

#define NOFILE_CEILING (1L << 20)  /* when the hard limit is "unlimited" */
#define FD_RESERVE_MIN 64          /* listeners, inotify, the store, the repository */
#define INPUT_MAX      (64 * 1024) /* a 16 KiB head, a 16 KiB body, pipelined requests */

static atomic_long open_conns;
static atomic_ulong pauses, swept;
static long max_conns = 1024;
static size_t upload_max;

/* One open connection of a loop thread; its socket's on_close.data is its index. */
struct tracked {
    h2o_socket_t *sock;
    bool over; /* held more than INPUT_MAX at the last sweep too */
};

static _Thread_local struct tracked *mine;
static _Thread_local size_t n_mine, cap_mine;

/* The soft limit after raising it as far as the hard limit allows. */
static long raise_nofile(long *before, long *hard)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        *before = *hard = 1024;
        return 1024;
    }
    *before = rl.rlim_cur == RLIM_INFINITY ? NOFILE_CEILING : (long)rl.rlim_cur;
    *hard = rl.rlim_max == RLIM_INFINITY ? NOFILE_CEILING : (long)rl.rlim_max;
    if (*hard > *before) {
        rl.rlim_cur = (rlim_t)*hard;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            return *hard;
    }
    return *before;
}

long conns_setup(long want)
{
    long before, hard, nofile = raise_nofile(&before, &hard);
    long ceiling = nofile - FD_RESERVE_MIN;

    max_conns = want > 0 ? want : nofile / 8 * 7;
    if (max_conns > ceiling)
        max_conns = ceiling > 16 ? ceiling : 16;
    srvlog(want > ceiling ? SRVLOG_WARN : SRVLOG_INFO, "limits", "-",
           "open files %ld (was %ld, hard limit %ld); max connections %ld%s", nofile, before, hard,
           max_conns, want > ceiling ? " (--max-connections lowered to fit)" : "");
    return max_conns;
}

bool conns_admit(void)
{
    if (atomic_fetch_add_explicit(&open_conns, 1, memory_order_relaxed) < max_conns)
        return true;
    atomic_fetch_sub_explicit(&open_conns, 1, memory_order_relaxed);
    return false;
}

void conns_cancel(void)
{
    atomic_fetch_sub_explicit(&open_conns, 1, memory_order_relaxed);
}

static void on_close(void *data)
{
    size_t i = (size_t)(uintptr_t)data;

    conns_cancel();
    if (i >= n_mine || i == --n_mine)
        return;
    mine[i] = mine[n_mine]; /* the last one takes the free place */
    mine[i].sock->on_close.data = (void *)(uintptr_t)i;
}

bool conns_track(h2o_socket_t *sock)
{
    if (n_mine == cap_mine) {
        size_t cap = cap_mine ? cap_mine * 2 : 256;
        struct tracked *p = realloc(mine, cap * sizeof(*p));

        if (!p)
            return false;
        mine = p;
        cap_mine = cap;
    }
    mine[n_mine] = (struct tracked){sock, false};
    sock->on_close.cb = on_close;
    sock->on_close.data = (void *)(uintptr_t)n_mine++;
    return true;
}

void conns_thread_dispose(void)
{
    free(mine);
    mine = NULL;
    n_mine = cap_mine = 0;
}

/* A connection is cut at the second sweep in a row that finds it over INPUT_MAX: a head
 * that arrives quickly is answered by h2o (400) or by fwhub (431) in between. */
void conns_allow_uploads(size_t max)
{
    upload_max = max;
}

/* True when the unprocessed input starts an admin upload (the request line of the
 * request whose body is still coming). */
static bool is_upload(const h2o_buffer_t *in)
{
    static const char *const starts[] = {"POST /api/v1/admin/targets ", "POST /admin/targets "};

    for (size_t i = 0; i < 2; i++)
        if (in->size > strlen(starts[i]) && memcmp(in->bytes, starts[i], strlen(starts[i])) == 0)
            return true;
    return false;
}

size_t conns_sweep(void)
{
    size_t cut = 0, uploads = 0;

    for (size_t i = 0; i < n_mine; i++) {
        struct tracked *t = &mine[i];
        bool over = t->sock->input && t->sock->input->size > INPUT_MAX;

        if (over && upload_max && uploads < CONNS_UPLOADS_PER_LOOP &&
            t->sock->input->size <= upload_max && is_upload(t->sock->input)) {
            uploads++;
            over = false;
        }

        if (over && t->over) {
            shutdown(h2o_socket_get_fd(t->sock), SHUT_RDWR);
            cut++;
        }
        t->over = over;
    }
    atomic_fetch_add_explicit(&swept, cut, memory_order_relaxed);
    return cut;
}

long conns_open(void)
{
    return atomic_load_explicit(&open_conns, memory_order_relaxed);
}

long conns_max(void)
{
    return max_conns;
}

void conns_count_pause(void)
{
    atomic_fetch_add_explicit(&pauses, 1, memory_order_relaxed);
}

unsigned long conns_pauses(void)
{
    return atomic_load_explicit(&pauses, memory_order_relaxed);
}

unsigned long conns_swept(void)
{
    return atomic_load_explicit(&swept, memory_order_relaxed);
}
