/* held.c: requests held on their loop thread until their audit record is committed. */
#include "held.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "srvlog.h"

/* One held request. It lives in our own memory, not in the request's pool: the writer
 * thread reports the commit whenever it is done, and by then the client may be gone and
 * the request freed. req is only touched on its loop thread, and only while anchor still
 * points back here. */
struct held {
    h2o_multithread_message_t msg;
    h2o_multithread_receiver_t *to; /* the receiver of the loop thread that holds req */
    h2o_req_t *req;                 /* NULL once the request was disposed */
    struct held **anchor;           /* a slot in req->pool whose dispose clears req */
    held_answer_fn answer;
    held_drop_fn drop;
    int result;
    size_t len;
    alignas(max_align_t) unsigned char data[];
};

/* A loop thread's receiver, kept on a list so that held_shutdown finds every one. */
struct receiver {
    h2o_multithread_receiver_t r;
    struct receiver *next;
};

static pthread_mutex_t receivers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct receiver *receivers;
static _Thread_local struct receiver *mine;
static atomic_size_t n_held;

/* The request's pool is being cleared: the request is done or gone, never answer it. */
static void on_dispose(void *p)
{
    struct held **slot = p;

    if (*slot)
        (*slot)->req = NULL;
}

static void release(struct held *h)
{
    atomic_fetch_sub_explicit(&n_held, 1, memory_order_relaxed);
    free(h);
}

/* On the loop thread: answer the request if it is still there, else let go of data. */
static void deliver(struct held *h)
{
    if (h->req) {
        *h->anchor = NULL; /* answering may dispose the request at once */
        h->answer(h->req, h->data, h->len, h->result);
    } else if (h->drop) {
        h->drop(h->data);
    }
    release(h);
}

static void on_messages(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);

        h2o_linklist_unlink(&m->link);
        deliver(H2O_STRUCT_FROM_MEMBER(struct held, msg, m));
    }
}

/* On the writer thread: note the result and hand h back to its loop. */
static void on_done(void *arg, int result, const char *msg)
{
    struct held *h = arg;

    if (result < 0)
        srvlog(SRVLOG_ERROR, "audit_failed", "-", "an audit record was not committed: %s", msg);
    h->result = result;
    h2o_multithread_send_message(h->to, &h->msg);
}

void held_thread_init(h2o_loop_t *loop)
{
    struct receiver *r = calloc(1, sizeof(*r));

    if (!r) {
        srvlog(SRVLOG_ERROR, "out_of_memory", "-", "cannot prepare a loop for audited answers");
        return;
    }
    h2o_multithread_register_receiver(h2o_multithread_create_queue(loop), &r->r, on_messages);
    pthread_mutex_lock(&receivers_lock);
    r->next = receivers;
    receivers = r;
    pthread_mutex_unlock(&receivers_lock);
    mine = r;
}

int held_append(struct store *st, h2o_req_t *req, const struct store_event *ev,
                held_answer_fn answer, held_drop_fn drop, const void *data, size_t len,
                struct fw_err *err)
{
    struct held *h;
    struct held **slot;
    int rc;

    if (!mine)
        return fw_fail(err, "this thread cannot hold requests");
    if (!(h = calloc(1, sizeof(*h) + len)))
        return fw_fail(err, "out of memory");
    h->to = &mine->r;
    h->req = req;
    h->answer = answer;
    h->drop = drop;
    h->len = len;
    if (len)
        memcpy(h->data, data, len);
    slot = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), on_dispose);
    *slot = h;
    h->anchor = slot;
    atomic_fetch_add_explicit(&n_held, 1, memory_order_relaxed);
    /* On failure the slot must not point to freed memory when the pool is cleared. */
    if ((rc = store_append_notify(st, ev, on_done, h, err)) != 0) {
        *slot = NULL;
        release(h);
    }
    return rc;
}

size_t held_count(void)
{
    return atomic_load_explicit(&n_held, memory_order_relaxed);
}

void held_shutdown(void)
{
    pthread_mutex_lock(&receivers_lock);
    for (struct receiver *r = receivers; r; r = r->next)
        while (!h2o_linklist_is_empty(&r->r._messages)) {
            h2o_multithread_message_t *m =
                H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, r->r._messages.next);
            struct held *h = H2O_STRUCT_FROM_MEMBER(struct held, msg, m);

            h2o_linklist_unlink(&m->link);
            if (h->req) /* never disposed: its pool is still there, and stays */
                *h->anchor = NULL;
            if (h->drop)
                h->drop(h->data);
            release(h);
        }
    pthread_mutex_unlock(&receivers_lock);
}
