/* admin_worker.c: one thread for admin jobs, answers handed back to the loops as held.c
 * does for audit commits. Admin changes copy uploads, fsync files and wait for their
 * audit record: seconds that an event loop must not spend. One thread also serializes
 * the changes, so two admins creating targets never interleave their writes. */
#include "admin_worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "srvlog.h"

struct work {
    h2o_multithread_message_t msg;
    h2o_multithread_receiver_t *to;
    h2o_req_t *req;       /* NULL once the request was disposed */
    struct work **anchor; /* a slot in req->pool whose dispose clears req */
    admin_run_fn run;
    admin_free_fn free_job;
    void *job;
    struct admin_answer ans;
    struct work *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct work *head, *tail;
static size_t pending; /* queued or running */
static bool stopping, started;
static pthread_t worker;
static admin_send_fn sender;
static _Thread_local h2o_multithread_receiver_t *mine;

static void finish(struct work *w)
{
    if (w->free_job)
        w->free_job(w->job);
    free(w->ans.body);
    free(w);
    pthread_mutex_lock(&lock);
    pending--;
    pthread_mutex_unlock(&lock);
}

static void on_dispose(void *p)
{
    struct work **slot = p;

    if (*slot)
        (*slot)->req = NULL;
}

static void on_messages(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct work *w = H2O_STRUCT_FROM_MEMBER(struct work, msg, m);

        h2o_linklist_unlink(&m->link);
        if (w->req) {
            *w->anchor = NULL;
            sender(w->req, &w->ans);
        }
        finish(w);
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct work *w;

        pthread_mutex_lock(&lock);
        while (!head && !stopping)
            pthread_cond_wait(&wake, &lock);
        w = head;
        if (w) {
            head = w->next;
            if (!head)
                tail = NULL;
        }
        pthread_mutex_unlock(&lock);
        if (!w)
            return NULL;
        w->run(w->job, &w->ans);
        h2o_multithread_send_message(w->to, &w->msg);
    }
}

int admin_worker_start(admin_send_fn send, struct fw_err *err)
{
    sender = send;
    if (pthread_create(&worker, NULL, worker_main, NULL) != 0)
        return fw_fail(err, "cannot start the admin worker thread");
    started = true;
    return 0;
}

void admin_worker_stop(void)
{
    if (!started)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(worker, NULL);
    started = false;
}

void admin_worker_thread_init(h2o_loop_t *loop)
{
    h2o_multithread_receiver_t *r = calloc(1, sizeof(*r));

    if (!r) {
        srvlog(SRVLOG_ERROR, "out_of_memory", "-", "cannot prepare a loop for admin answers");
        return;
    }
    h2o_multithread_register_receiver(h2o_multithread_create_queue(loop), r, on_messages);
    mine = r;
}

void admin_worker_thread_dispose(void)
{
    h2o_multithread_queue_t *q;

    /* the worker was joined before (admin_worker_stop): nothing sends any more, and what it
     * sent is visible here */
    if (!mine || !h2o_linklist_is_empty(&mine->_messages))
        return;
    q = mine->queue;
    h2o_multithread_unregister_receiver(q, mine);
    h2o_multithread_destroy_queue(q);
    free(q); /* h2o 2.2's evloop build leaves the queue itself to its creator */
    free(mine);
    mine = NULL;
}

int admin_worker_submit(h2o_req_t *req, admin_run_fn run, admin_free_fn free_job, void *job)
{
    struct work *w = NULL;
    struct work **slot;

    pthread_mutex_lock(&lock);
    if (mine && !stopping && pending < ADMIN_QUEUE_MAX && (w = calloc(1, sizeof(*w))))
        pending++;
    pthread_mutex_unlock(&lock);
    if (!w) {
        if (free_job)
            free_job(job);
        return -1;
    }
    w->to = mine;
    w->req = req;
    w->run = run;
    w->free_job = free_job;
    w->job = job;
    slot = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), on_dispose);
    *slot = w;
    w->anchor = slot;
    pthread_mutex_lock(&lock);
    if (tail)
        tail->next = w;
    else
        head = w;
    tail = w;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    return 0;
}
