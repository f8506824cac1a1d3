/* portal_text.c: the customer portal's English text. */
#include "portal_text.h"

const struct portal_text portal_text_en = {
    .lang = "en",
    .area = "Firmware updates",

    .form_title = "Find the update for your charger",
    .form_intro = "Enter the MAC address and the serial number printed on the label of your "
                  "charger. We will show you the firmware meant for it.",
    .mac_label = "MAC address",
    .mac_hint = "For example AB:CD:EF:12:34:56; dashes, dots or no separators work too.",
    .serial_label = "Serial number",
    .serial_hint = "As printed on the label, for example EVSE-2024-001234.",
    .submit = "Look up",

    .fix_title = "A firmware fix for your charger",
    .fix_intro = "Our support team prepared this firmware for your charger. Please read the "
                 "steps below before you install it.",
    .version_fmt = "Version %s",
    .released_fmt = "Released %s",
    .changelog_heading = "What changed",
    .fixes_heading = "Problems it fixes",
    .download_fmt = "Download firmware %s",
    .checksum_label = "SHA-256 checksum",
    .size_fmt = "Size: %s bytes",
    .link_valid_fmt = "This download link works until %s. After that, look up your charger "
                      "again for a new link.",
    .install_heading = "How to install it",
    .verify_heading = "How to check that it worked",
    .validity_heading = "How long this fix is offered",
    .expires_fmt = "This fix is offered until %s (%s days left).",
    .expires_today = "This fix is offered until today.",
    .never_expires = "This fix has no end date.",
    .rollback_auto_fmt = "After that date your charger returns to the stable firmware %s by "
                         "itself.",
    .rollback_manual_fmt = "The stable firmware to go back to is %s.",
    .rollback_link = "Download the stable firmware",
    .support_heading = "Support",
    .support_fmt = "Questions or problems: %s",

    .general_title = "Firmware for your charger",
    .general_intro_fmt = "The newest firmware for your charger (model %s) is:",
    .general_download_fmt = "Download firmware %s",

    .neutral_title = "No update found",
    .neutral_text = "We have no update for this MAC address and serial number. Please check "
                    "both against the label of your charger. If your charger has a problem, "
                    "please contact our support.",
    .again = "Look up another charger",

    .feedback_heading = "Your feedback",
    .feedback_question = "Did the update solve the problem?",
    .feedback_yes = "Yes, the problem is solved",
    .feedback_no = "No, the problem is still there",
    .feedback_comment = "Comment (optional)",
    .feedback_comment_hint = "At most 500 characters.",
    .feedback_submit = "Send answer",
    .thanks_title = "Thank you",
    .thanks_solved = "Thank you for telling us. We are glad the update solved the problem.",
    .thanks_not_solved_fmt = "Thank you for telling us. Our support team will follow up; you "
                             "can also reach them: %s",

    .error_title = "Please check your input",
    .bad_mac_fmt = "The MAC address is not valid: %s.",
    .no_serial = "Please enter the serial number from the label.",
    .bad_field_fmt = "The field \"%s\" is too long or not valid text.",
    .no_answer = "Please choose yes or no.",
    .too_many_title = "Too many lookups",
    .too_many_text = "There were too many lookups from your address. Please wait a minute and "
                     "try again.",
    .busy_title = "Please try again",
    .busy_text = "The service is busy right now. Please try again in a moment.",
    .method_title = "Not allowed",
    .method_text = "This address only takes the form of the start page.",
    .type_title = "Unsupported form",
    .type_text = "The form must be sent as application/x-www-form-urlencoded.",
    .too_large_title = "Too much input",
    .too_large_text = "The form was larger than this page accepts.",
    .not_found_title = "Page not found",
    .not_found_text = "There is no page at this address.",
};
