/* conns.h: the server's connection budget: open-file limit, admission and counting. */
#ifndef FWHUB_CONNS_H
#define FWHUB_CONNS_H

#include <stdbool.h>

#include <h2o.h>

/* Raises the soft RLIMIT_NOFILE to the hard limit and fixes the connection limit: want,
 * or 7/8 of the file limit when want is 0, leaving the rest for the image files that
 * downloads hold open, the repository and the listeners; want is lowered to leave at
 * least 64. Logs the figures as "limits". Returns the connection limit. */
long conns_setup(long want);

/* Counts one more connection and returns true, or returns false at the limit. */
bool conns_admit(void);

/* Gives back what conns_admit counted, for a connection that was not accepted after all. */
void conns_cancel(void);

/* Registers sock (an accepted, admitted connection) with the calling loop thread; its
 * closing gives the count back. Returns false when out of memory (sock is not kept). */
bool conns_track(h2o_socket_t *sock);

/* Lets go of the calling loop thread's list, once it has no connection left. */
void conns_thread_dispose(void);

/* Shuts down the connections of the calling loop thread that held more unprocessed input
 * than any request fwhub takes (64 KiB: a head that never ends, a flood of pipelined
 * requests) at this call and the one before: h2o then sees the connection end and frees
 * it. h2o 2.2.5 itself keeps up to about 400 KiB of an unfinished request head until the
 * request timeout. Returns how many were cut. */
size_t conns_sweep(void);

/* Lets up to CONNS_UPLOADS_PER_LOOP connections of each loop hold up to max bytes of
 * input when they carry an admin upload (an HTTP/1 request that starts "POST
 * /api/v1/admin/targets" or "POST /admin/targets"): h2o 2.2.5 keeps a body in the
 * connection's input until it is whole. 0 (the default) allows none. */
#define CONNS_UPLOADS_PER_LOOP 4
void conns_allow_uploads(size_t max);

/* Connections open now, and the limit. */
long conns_open(void);
long conns_max(void);

/* Counts one time a loop stopped accepting because of the limit; the total so far. */
void conns_count_pause(void);
unsigned long conns_pauses(void);

/* Connections cut by conns_sweep since start. */
unsigned long conns_swept(void);

#endif
