/* watch.c: signals through signalfd, changes through inotify with a periodic mtime check. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "snapshot.h"
#include "srvlog.h"

#define SETTLE_MS 150 /* quiet time after the last inotify event before looking */
#define WATCH_MASK                                                                                 \
    (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |            \
     IN_DELETE_SELF | IN_MOVE_SELF)

static sigset_t watched;
static int poke_fd = -1; /* watch_poke's eventfd */

void watch_block_signals(void)
{
    sigemptyset(&watched);
    sigaddset(&watched, SIGHUP);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGINT);
    pthread_sigmask(SIG_BLOCK, &watched, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (poke_fd < 0)
        poke_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void watch_poke(void)
{
    uint64_t one = 1;

    if (poke_fd >= 0 && write(poke_fd, &one, sizeof(one)) < 0)
        return; /* the counter is full: a reload is due anyway */
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* A hash of what identifies one file's version: name, inode, size, mtime. */
static uint64_t stamp(const char *path)
{
    struct stat st;
    uint64_t h = mix(0xcbf29ce484222325ULL, path, strlen(path));

    if (stat(path, &st) < 0)
        return h;
    h = mix(h, &st.st_ino, sizeof(st.st_ino));
    h = mix(h, &st.st_size, sizeof(st.st_size));
    h = mix(h, &st.st_mtim, sizeof(st.st_mtim));
    return mix(h, &st.st_ctim, sizeof(st.st_ctim));
}

/* The sum of the stamps of a directory's entries (order does not matter). */
static uint64_t dir_stamp(const char *dir, const char *suffix)
{
    char path[4096];
    uint64_t sum = stamp(dir);
    size_t slen = strlen(suffix);
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d)
        return sum;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);

        if (e->d_name[0] == '.' || n < slen || strcmp(e->d_name + n - slen, suffix) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        sum += stamp(path);
    }
    closedir(d);
    return sum;
}

/* Everything a catalog load reads, in one number. */
static uint64_t fingerprint(const char *repo)
{
    char p[4096];
    uint64_t h = 0;

    snprintf(p, sizeof(p), "%s/manifest.json", repo);
    h += stamp(p);
    snprintf(p, sizeof(p), "%s/devices.csv", repo);
    h += stamp(p);
    snprintf(p, sizeof(p), "%s/targeted", repo);
    h += dir_stamp(p, ".json");
    snprintf(p, sizeof(p), "%s/firmware", repo);
    h += dir_stamp(p, "");
    return h;
}

/* (Re)adds the watches; directories created since the last call are picked up. */
static void add_watches(int ifd, const char *repo)
{
    char p[4096];

    if (ifd < 0)
        return;
    (void)inotify_add_watch(ifd, repo, WATCH_MASK);
    snprintf(p, sizeof(p), "%s/targeted", repo);
    (void)inotify_add_watch(ifd, p, WATCH_MASK);
    snprintf(p, sizeof(p), "%s/firmware", repo);
    (void)inotify_add_watch(ifd, p, WATCH_MASK);
}

static void drain(int fd)
{
    char buf[4096] __attribute__((aligned(8)));

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

static void reload(const char *repo, const char *why, uint64_t *seen)
{
    /* the fingerprint is taken before loading: a change during the load is seen next time */
    *seen = fingerprint(repo);
    metrics_reload(snapshot_reload(why) == 0);
}

/* Reads one signal; returns it, 0 for none. */
static int take_signal(int sfd)
{
    struct signalfd_siginfo si;

    if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return 0;
    return (int)si.ssi_signo;
}

int watch_run(const char *repo, long poll_interval)
{
    int sfd = signalfd(-1, &watched, SFD_CLOEXEC);
    int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    uint64_t seen = fingerprint(repo);
    bool settling = false;
    int sig = 0;

    if (sfd < 0) {
        srvlog(SRVLOG_ERROR, "signalfd_failed", repo, "%s", strerror(errno));
        return -1;
    }
    if (ifd < 0)
        srvlog(SRVLOG_WARN, "inotify_unavailable", repo, "%s; polling every %lds", strerror(errno),
               poll_interval);
    add_watches(ifd, repo);
    while (sig != SIGTERM && sig != SIGINT) {
        struct pollfd pf[3] = {{sfd, POLLIN, 0}, {ifd, POLLIN, 0}, {poke_fd, POLLIN, 0}};
        int n = poll(pf, 3, settling ? SETTLE_MS : (int)(poll_interval * 1000));

        sig = 0;
        if (n > 0 && poke_fd >= 0 && (pf[2].revents & POLLIN)) {
            drain(poke_fd);
            reload(repo, "database notice", &seen);
            continue;
        }
        if (n > 0 && (pf[0].revents & POLLIN))
            sig = take_signal(sfd);
        if (sig == SIGHUP)
            reload(repo, "SIGHUP", &seen);
        if (n > 0 && ifd >= 0 && (pf[1].revents & POLLIN)) {
            drain(ifd);
            settling = true;
            continue;
        }
        if (n == 0 || sig == 0) {
            settling = false;
            if (fingerprint(repo) != seen)
                reload(repo, "change", &seen);
            add_watches(ifd, repo);
        }
    }
    srvlog(SRVLOG_INFO, "shutdown", repo, "%s: finishing requests in flight",
           sig == SIGTERM ? "SIGTERM" : "SIGINT");
    close(sfd);
    if (ifd >= 0)
        close(ifd);
    return sig;
}
