/* images.h: answering a download from an open image file (conditions, ranges, the bytes). */
#ifndef FWHUB_IMAGES_H
#define FWHUB_IMAGES_H

#include <stdbool.h>
#include <sys/stat.h>

#include <h2o.h>

/* Prepares what the loops share (the MIME types); once, before they start. */
void images_init(void);

/* Prepares the calling loop thread (its timer for stalled downloads). */
void images_thread_init(h2o_loop_t *loop);

/* Takes that timer off the loop, unless a response still uses it; returns whether it did
 * (h2o_evloop_destroy wants no timer left). */
bool images_thread_dispose(void);

/* Answers req from fd, an open regular file described by st, and takes fd over (it is
 * closed when the answer is done, whatever happens). GET and HEAD: ETag and Last-Modified,
 * If-None-Match and If-Modified-Since (304), Range with If-Range (206, multipart/byteranges
 * for several ranges, 416); other methods 405. On plain HTTP/1.x the bytes go from the
 * file to the socket with sendfile(2); on TLS and HTTP/2 they are read in 64 KiB steps.
 * An HTTP/1.x client that takes nothing for server_settings.send_timeout_ms is cut off.
 * Returns 0 (handled). */
int images_serve(h2o_req_t *req, int fd, const struct stat *st);

/* Downloads cut off because their client stopped reading, since start. */
unsigned long images_stalls(void);

#endif
