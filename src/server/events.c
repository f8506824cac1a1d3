/* events.c: the event seam; counts events until the event store exists. */
#include "events.h"

#include <string.h>

#include "metrics.h"

const char *const events_status_names[] = {
    "Idle",
    "DownloadScheduled",
    "Downloading",
    "DownloadPaused",
    "Downloaded",
    "DownloadFailed",
    "SignatureVerified",
    "InvalidSignature",
    "InstallScheduled",
    "Installing",
    "InstallRebooting",
    "Installed",
    "InstallationFailed",
    "InstallVerificationFailed",
    "RolledBack",
};
const size_t events_status_count = sizeof(events_status_names) / sizeof(events_status_names[0]);

int events_status_index(const char *name)
{
    for (size_t i = 0; i < events_status_count; i++)
        if (strcmp(events_status_names[i], name) == 0)
            return (int)i;
    return -1;
}

void events_record(const struct event *e)
{
    /* Not stored yet: the SQLite event store and the audit chain are a later issue. */
    metrics_event(e->kind);
    if (e->kind == EVENT_STATUS)
        metrics_status_report(e->status);
    if (e->kind == EVENT_CHECKIN)
        metrics_update_kind(e->update_kind);
}

void events_flush(void)
{
}
