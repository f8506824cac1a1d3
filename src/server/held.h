/* held.h: requests held on their loop thread until their audit record is committed. */
#ifndef FWHUB_HELD_H
#define FWHUB_HELD_H

#include <stddef.h>

#include <h2o.h>

#include "core/error.h"
#include "store/store.h"

/* Answers a held request on its loop thread: result 0 when the record is committed, -1
 * when it failed for good (answer 503 then). data (len bytes) is the copy held_append
 * made; it is freed after the call, so the answer takes what it keeps from it. */
typedef void (*held_answer_fn)(h2o_req_t *req, const void *data, size_t len, int result);

/* Releases what data refers to (an open file) when the request went away before the
 * commit, or the server stopped first; the answer is not called then. May be NULL. */
typedef void (*held_drop_fn)(const void *data);

/* Prepares the calling loop thread: its receiver on a queue of loop, through which the
 * store's writer thread hands commits back. Once per loop thread, before its requests. */
void held_thread_init(h2o_loop_t *loop);

/* Queues ev on st (store_append_notify) and holds req: once the writer reports the
 * commit, answer(req, copy of data, len, result) runs on the loop thread that called
 * this. When the client goes away first (the request is disposed), neither answer nor
 * anything else touches req again; drop(data) runs instead. Returns 0 (req is held: the
 * handler returns without answering), STORE_BUSY or -1 with err (nothing was queued,
 * data is not kept, the caller answers). Only on a loop thread prepared by
 * held_thread_init. */
int held_append(struct store *st, h2o_req_t *req, const struct store_event *ev,
                held_answer_fn answer, held_drop_fn drop, const void *data, size_t len,
                struct fw_err *err) FW_NODISCARD;

/* Requests held now, all loops together (for /metrics). */
size_t held_count(void);

/* After the loops stopped and the store was closed (every commit reported): drops what
 * was reported to a loop that no longer ran, and frees it. */
void held_shutdown(void);

#endif
