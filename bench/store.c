/* store.c (bench): committed audit records per second, group commit beside one commit per event. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/audit.h"
#include "store/store.h"
#include "bench.h"

struct run {
    struct store *st;
    long n;
    bool sync;
    long failed;
};

static void *writer(void *arg)
{
    struct run *r = arg;
    struct fw_err err;
    struct store_event ev = {.kind = STORE_AUDIT,
                             .event = "target.answered",
                             .mac = 0xABCDEF123456u,
                             .actor = "device:AB:CD:EF:12:34:56",
                             .client_addr = "192.0.2.10",
                             .user_agent = "fwhub-device/1.0",
                             .version = "10.2.1-custom",
                             .result = "ok",
                             .detail = "bench"};

    for (long i = 0; i < r->n; i++) {
        int rc;

        ev.mac = 0xABCDEF000000u + (uint64_t)i;
        while ((rc = r->sync ? store_append_sync(r->st, &ev, &err)
                             : store_append(r->st, &ev, NULL, &err)) == STORE_BUSY)
            usleep(200);
        r->failed += rc != 0;
    }
    return NULL;
}

/* Appends n events from threads threads (each waiting for its commit when sync) into a
 * fresh database; prints the rate of committed records. */
static int bench(const char *dir, const char *name, const struct store_options *o, long n,
                 int threads, bool sync, double *rate)
{
    char path[4096];
    struct run r[64];
    pthread_t th[64];
    struct store_stats s;
    struct store *st = NULL;
    struct fw_err err;
    double t0, dt;

    snprintf(path, sizeof(path), "rm -rf '%s/db'", dir);
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/db/fwhub.db", dir);
    if (store_open(path, o, &st, &err) != 0)
        return fprintf(stderr, "%s\n", err.msg), -1;
    t0 = now_s();
    for (int i = 0; i < threads; i++) {
        r[i] = (struct run){st, n / threads, sync, 0};
        pthread_create(&th[i], NULL, writer, &r[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (store_flush(st, &err) != 0)
        fprintf(stderr, "%s\n", err.msg);
    dt = now_s() - t0;
    store_stats(st, &s);
    *rate = (double)s.audit_committed / dt;
    printf("%-44s %8llu records %7.2f s %9.0f records/s  %6llu commits  mean commit %.2f ms\n",
           name, (unsigned long long)s.audit_committed, dt, (double)s.audit_committed / dt,
           (unsigned long long)s.transactions,
           s.transactions ? (double)s.commit_us_total / (double)s.transactions / 1000.0 : 0.0);
    return store_close(st, &err);
}

/* `store --db URL EVENTS THREADS sync|queued`: one run into an existing or new database at
 * URL (bench/store_pg.sh runs it beside SQLite, and twice at once for two writer processes);
 * prints "records=N seconds=S rate=R". */
static int one_run(int argc, char **argv)
{
    struct store_options o = {0};
    struct store_stats s;
    struct store *st = NULL;
    struct run r[64];
    pthread_t th[64];
    struct fw_err err;
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
    long threads = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
    bool sync = argc > 5 && strcmp(argv[5], "sync") == 0;
    double t0, dt;

    if (argc != 6 || n <= 0 || threads < 1 || threads > 64 ||
        (!sync && strcmp(argv[5], "queued") != 0)) {
        fprintf(stderr, "usage: store --db URL EVENTS THREADS(1-64) sync|queued\n");
        return 2;
    }
    if (store_open(argv[2], &o, &st, &err) != 0)
        return fprintf(stderr, "%s\n", err.msg), 1;
    t0 = now_s();
    for (long i = 0; i < threads; i++) {
        r[i] = (struct run){st, n / threads, sync, 0};
        pthread_create(&th[i], NULL, writer, &r[i]);
    }
    for (long i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (store_flush(st, &err) != 0)
        fprintf(stderr, "%s\n", err.msg);
    dt = now_s() - t0;
    store_stats(st, &s);
    printf("records=%llu seconds=%.3f rate=%.0f commits=%llu\n",
           (unsigned long long)s.audit_committed, dt, (double)s.audit_committed / dt,
           (unsigned long long)s.transactions);
    return store_close(st, &err) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--db") == 0)
        return one_run(argc, argv);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    struct store_options group = {0}, nolinger = {.no_linger = true}, single = {0};
    int rc = 0;
    double one1, one16, group16, group64, nolinger64, queued;

    if (n <= 0) {
        fprintf(stderr,
                "usage: store [EVENTS] [DIR] | store --db URL EVENTS THREADS sync|queued\n");
        return 2;
    }
    store_options_per_event(&single);
    printf("SQLite WAL, synchronous=FULL, database in %s\n", dir);
    rc |= bench(dir, "one transaction per event, 1 thread, sync", &single, n / 10, 1, true, &one1);
    rc |= bench(dir, "one transaction per event, 16 threads, sync", &single, n / 10, 16, true,
                &one16);
    rc |= bench(dir, "group commit, 16 threads, sync (targeted)", &group, n, 16, true, &group16);
    rc |= bench(dir, "group commit, 64 threads, sync (targeted)", &group, n, 64, true, &group64);
    rc |= bench(dir, "group commit without linger, 64 threads, sync", &nolinger, n, 64, true,
                &nolinger64);
    rc |= bench(dir, "group commit, 4 threads, queued (batched)", &group, n * 5, 4, false, &queued);
    if (!rc && one16 > 0 && one1 > 0)
        printf("ratio group commit / one transaction per event, committed audit records per "
               "second: %.1fx with 16 waiting threads, %.1fx with 64 (vs 16 threads per "
               "event), %.1fx queued (vs 1 thread per event)\n",
               group16 / one16, group64 / one16, queued / one1);
    return rc ? 1 : 0;
}
