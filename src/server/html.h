/* html.h: server-rendered pages (portal and admin): escaping and the common page frame. */
#ifndef FWHUB_HTML_H
#define FWHUB_HTML_H

#include <stddef.h>

#include "jbuf.h"

/* Text for an element's content or a quoted attribute value: & < > " ' are written as
 * character references; NULL writes nothing. Every value from the repository, the store
 * or the request goes through here. */
void html_text(struct jbuf *b, const char *s);
void html_textn(struct jbuf *b, const char *s, size_t n);

/* The page frame: doctype, <html lang>, <head> with title (escaped), the viewport for
 * phones and the stylesheet; <body> and a header naming area ("Firmware updates",
 * "Administration"). html_end closes what html_begin opened. */
void html_begin(struct jbuf *b, const char *title, const char *area);
/* As html_begin, for a page in the language lang ("en", "de"). */
void html_begin_lang(struct jbuf *b, const char *lang, const char *title, const char *area);
void html_end(struct jbuf *b);

#endif
