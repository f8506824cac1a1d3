/* portal_text.h: every sentence the customer portal shows, in one table per language. */
#ifndef FWHUB_PORTAL_TEXT_H
#define FWHUB_PORTAL_TEXT_H

/* The portal's words. A translation is one more instance of this struct; the pages take
 * the table they are given and contain no text of their own. Strings are plain text (the
 * pages escape them); a name ending in _fmt holds "%s" where the page puts a value (also
 * escaped), the same number of them in every language, in the same order. */
struct portal_text {
    const char *lang; /* the <html lang> value */
    const char *area; /* the header of every page */

    /* the form */
    const char *form_title, *form_intro, *mac_label, *mac_hint, *serial_label, *serial_hint,
        *submit;

    /* the page of a targeted fix */
    const char *fix_title, *fix_intro, *version_fmt, *released_fmt, *changelog_heading,
        *fixes_heading, *download_fmt, *checksum_label, *size_fmt, *link_valid_fmt,
        *install_heading, *verify_heading, *validity_heading, *expires_fmt, *expires_today,
        *never_expires, *rollback_auto_fmt, *rollback_manual_fmt, *rollback_link, *support_heading,
        *support_fmt;

    /* the page of a general release */
    const char *general_title, *general_intro_fmt, *general_download_fmt;

    /* the neutral answer: unknown MAC, wrong serial, nothing to offer */
    const char *neutral_title, *neutral_text, *again;

    /* feedback */
    const char *feedback_heading, *feedback_question, *feedback_yes, *feedback_no,
        *feedback_comment, *feedback_comment_hint, *feedback_submit, *thanks_title, *thanks_solved,
        *thanks_not_solved_fmt;

    /* errors */
    const char *error_title, *bad_mac_fmt, *no_serial, *bad_field_fmt, *no_answer, *too_many_title,
        *too_many_text, *busy_title, *busy_text, *method_title, *method_text, *type_title,
        *type_text, *too_large_title, *too_large_text, *not_found_title, *not_found_text;
};

extern const struct portal_text portal_text_en;

#endif
