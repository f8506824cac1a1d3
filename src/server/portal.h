/* portal.h: the customer portal: "/" (the form), POST /lookup (the answer), POST /feedback. */
#ifndef FWHUB_PORTAL_H
#define FWHUB_PORTAL_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>

#include "jbuf.h"

/* True when the path p (n bytes, no query) is one of the portal's. */
bool portal_path(const char *p, size_t n);

/* Answers a request for one of the portal's paths (see docs/api.md, "Portal"): pages in
 * HTML, a lookup or feedback answered only after its audit record is committed (503
 * when the store is busy), lookups limited per client address (429 with Retry-After).
 * Returns 0 (a handler's "handled"). */
int portal_handle(h2o_req_t *req, const char *p, size_t n);

/* Appends the portal's counters (Prometheus text) to b. */
void portal_render_metrics(struct jbuf *b);

#endif
