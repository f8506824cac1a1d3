/* admin_worker.h: admin requests run on one worker thread, off the event loops. */
#ifndef FWHUB_ADMIN_WORKER_H
#define FWHUB_ADMIN_WORKER_H

#include <stddef.h>

#include <h2o.h>

#include "core/error.h"

#define ADMIN_QUEUE_MAX 16 /* admin jobs waiting or running; more get 503 */

/* What a job answers; filled on the worker thread, sent on the request's loop thread. */
struct admin_answer {
    int status;
    const char *reason; /* a string literal */
    const char *ctype;  /* a string literal */
    char *body;         /* malloc'd (freed after sending), or NULL */
    size_t len;
    char location[512]; /* a redirect's Location, or "" */
    char cookie[256];   /* a Set-Cookie value, or "" */
    int html;           /* a page: the page headers (CSP, nosniff) are added */
};

/* Runs on the worker thread: may block (file writes, fsync, store reads and commits). */
typedef void (*admin_run_fn)(void *job, struct admin_answer *ans);
/* Frees a job, on whichever thread finishes with it. */
typedef void (*admin_free_fn)(void *job);
/* Sends ans for req on its loop thread (server_send and the headers). */
typedef void (*admin_send_fn)(h2o_req_t *req, struct admin_answer *ans);

/* Starts the worker thread; returns 0 or -1 with err. */
int admin_worker_start(admin_send_fn send, struct fw_err *err) FW_NODISCARD;

/* After the loops stopped: finishes the jobs queued, then joins the worker. */
void admin_worker_stop(void);

/* Prepares the calling loop thread to receive answers; once per loop, before requests. */
void admin_worker_thread_init(h2o_loop_t *loop);

/* Lets go of what admin_worker_thread_init prepared, in the same loop thread, after
 * admin_worker_stop and before the loop is destroyed. An answer still waiting there keeps
 * it all for the process's exit. */
void admin_worker_thread_dispose(void);

/* Queues job for the worker and holds req: once run(job, ans) is done, ans is sent on
 * this loop thread, unless the client went away first. free(job) runs in every case.
 * Returns 0 (held), or -1 when the queue is full (job is freed, the caller answers 503). */
int admin_worker_submit(h2o_req_t *req, admin_run_fn run, admin_free_fn free_job, void *job);

#endif
