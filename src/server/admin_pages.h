/* admin_pages.h: the admin pages under /admin, rendered from the documents of admin_ops.h. */
#ifndef FWHUB_ADMIN_PAGES_H
#define FWHUB_ADMIN_PAGES_H

#include <jansson.h>

#include "jbuf.h"

/* Who is signed in and the session's CSRF token, which every form carries. */
struct admin_page {
    const char *identity;
    const char *csrf;
    const char *notice; /* a line shown above the content ("Target created."), or NULL */
};

/* Each writes a whole page into b; every value is escaped (html_text). */
void admin_page_signin(struct jbuf *b, const char *error);
void admin_page_off(struct jbuf *b);
void admin_page_error(struct jbuf *b, const struct admin_page *p, int status, const char *msg);
void admin_page_targets(struct jbuf *b, const struct admin_page *p, json_t *doc);
void admin_page_target(struct jbuf *b, const struct admin_page *p, json_t *doc);
/* The create form; error and field name what the last try got wrong (NULL: none), values
 * (an object of field name to text, or NULL) fills the fields in again. */
void admin_page_create(struct jbuf *b, const struct admin_page *p, const char *error,
                       const char *field, json_t *values);
/* Audit records (admin_op_audit's document) under a filter form holding mac, event, since. */
void admin_page_audit(struct jbuf *b, const struct admin_page *p, json_t *doc, const char *mac,
                      const char *event, const char *since);
void admin_page_releases(struct jbuf *b, const struct admin_page *p, json_t *doc);
/* The report (report_build's document) with SVG charts; per_day from
 * admin_op_downloads_per_day. */
void admin_page_report(struct jbuf *b, const struct admin_page *p, json_t *report, json_t *per_day);

#endif
