/* html.c: escaping and the page frame shared by the portal and the admin pages. */
#include "html.h"

#include <string.h>

/* Small, readable at 360 px, no external resources (the Content-Security-Policy of the
 * pages allows none). */
static const char style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1f24;background:#f6f7f9}"
    "header{background:#14365d;color:#fff;padding:.75rem 1rem}"
    "header a{color:#fff}"
    "main{max-width:60rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}"
    "label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
    "input,select,textarea,button{font:inherit;padding:.5rem;max-width:100%}"
    "input[type=text],input[type=password],input[type=date],textarea,select{width:100%}"
    "button,.button{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;border:0;"
    "border-radius:4px;background:#14365d;color:#fff;text-decoration:none;cursor:pointer}"
    "button:focus,.button:focus,input:focus,a:focus{outline:3px solid #f5a623}"
    ".box{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:1rem;"
    "margin:1rem 0}"
    ".error{border-color:#b3261e;color:#b3261e}"
    ".muted{color:#5a6270}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d5d9e0;padding:.35rem .5rem;text-align:left;vertical-align:top}"
    ".scroll{overflow-x:auto}"
    "pre{white-space:pre-wrap;word-break:break-word}"
    "code{overflow-wrap:anywhere}"
    "fieldset{border:0;margin:0;padding:0}legend{font-weight:600;padding:0}"
    "input[type=radio]{margin-right:.4rem}";

void html_textn(struct jbuf *b, const char *s, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        const char *ref;

        switch (s[i]) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            continue;
        }
        jbuf_raw(b, s + start, i - start);
        jbuf_cstr(b, ref);
        start = i + 1;
    }
    jbuf_raw(b, s + start, n - start);
}

void html_text(struct jbuf *b, const char *s)
{
    if (s)
        html_textn(b, s, strlen(s));
}

void html_begin(struct jbuf *b, const char *title, const char *area)
{
    html_begin_lang(b, "en", title, area);
}

void html_begin_lang(struct jbuf *b, const char *lang, const char *title, const char *area)
{
    jbuf_cstr(b, "<!doctype html>\n<html lang=\"");
    html_text(b, lang);
    jbuf_cstr(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<title>");
    html_text(b, title);
    jbuf_cstr(b, "</title>\n<style>");
    jbuf_cstr(b, style);
    jbuf_cstr(b, "</style>\n</head>\n<body>\n<header>");
    html_text(b, area);
    jbuf_cstr(b, "</header>\n<main>\n");
}

void html_end(struct jbuf *b)
{
    jbuf_cstr(b, "</main>\n</body>\n</html>\n");
}
