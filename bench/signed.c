/* bench/signed.c: what signed answers and --require-signed cost a catalog of many targets, beside
 * the catalog load itself in the same run: the table of a snapshot, signing every answer at once
 * (what signing at each reload would cost), a cached lookup (what a request pays), and the
 * image-signature check of --require-signed, cold and from the previous load's cache.
 * Usage: signed DIR   (a repository, e.g. the one `catalog 100000 DIR` generated) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/catalog.h"
#include "crypto/answer_table.h"
#include "crypto/base64.h"
#include "crypto/image_trust.h"
#include "bench.h"

#define NOW 1764000000

static struct update targeted(const struct target *t)
{
    return (struct update){.kind = UPDATE_TARGETED,
                           .target = t,
                           .fix = &t->devices[0],
                           .version = t->devices[0].version};
}

/* Signs every answer of the table once; returns the seconds it took. */
static double sign_all(struct catalog *c, struct answer_table *t)
{
    struct fw_err err;
    size_t len;
    double t0 = now_s();

    for (size_t i = 0; i < c->n_targets; i++) {
        struct update u = targeted(c->targets[i]);

        if (!answer_table_member(t, &u, &len, &err)) {
            fprintf(stderr, "%s: %s\n", c->targets[i]->file, err.msg);
            exit(1);
        }
    }
    return now_s() - t0;
}

/* Gives every target entry an image signature by k, as `fwhub sign` would record it (the
 * generated checksums are all zero digits; ECDSA signatures differ each time all the same).
 * Returns the strings, to free. */
static char **sign_images(struct catalog *c, const struct sign_key *k)
{
    unsigned char d[SHA256_LEN] = {0}, sig[SIGN_MAX];
    char **v = calloc(c->n_targets, sizeof(*v));
    struct fw_err err;
    size_t n;

    for (size_t i = 0; v && i < c->n_targets; i++) {
        struct target_device *dev = &c->targets[i]->devices[0];

        v[i] = malloc(BASE64_ENCODED_LEN(SIGN_MAX));
        if (!v[i] || sign_digest(k, d, sig, &n, &err) < 0)
            exit(1);
        base64_encode(sig, n, v[i]);
        dev->signature = v[i];
        dev->key_id = sign_key_id_hex(k);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct problems pr = {0};
    struct catalog *cat = NULL;
    struct sign_key *key = NULL, *pub = NULL;
    struct sign_keyring ring = {0};
    struct trust_cache *tc = trust_cache_new();
    struct trust_counts tcn;
    struct answer_table *t;
    struct fw_err err;
    char *pem = NULL, **sigs;
    size_t len, n;
    double t0, load, table, all, lookup, cold, warm;
    long r1, r2;
    size_t slots = 2;

    if (argc != 2)
        return fprintf(stderr, "usage: signed DIR\n"), 2;
    t0 = now_s();
    if (catalog_load(argv[1], CATALOG_STRICT, NOW, &cat, &pr, &err) < 0)
        return fprintf(stderr, "load failed: %s\n", err.msg), 1;
    load = now_s() - t0;
    n = cat->n_targets;
    if (sign_key_generate(SIGN_ECDSA_P256, &key, &err) < 0 ||
        sign_key_pem(key, false, &pem, &len, &err) < 0 ||
        sign_key_from_pem(pem, len, false, "pub", &pub, &err) < 0 ||
        sign_keyring_add(&ring, pub, &err) < 0 || !tc)
        return fprintf(stderr, "keys: %s\n", err.msg), 1;

    for (size_t i = 0; i < cat->n_models; i++)
        slots += cat->models[i].n_releases + 1; /* a slot each, and the model's offset */
    for (size_t i = 0; i < n; i++)
        slots += 2 * cat->targets[i]->n_devices + 1; /* targeted and rollback, the offset */
    t0 = now_s();
    t = answer_table_new(cat, key, 86400, NOW);
    table = now_s() - t0;
    r1 = rss_kb();
    all = sign_all(cat, t);
    r2 = rss_kb();
    t0 = now_s();
    for (int round = 0; round < 10; round++)
        sign_all(cat, t); /* every member cached now */
    lookup = (now_s() - t0) / 10;

    sigs = sign_images(cat, key);
    t0 = now_s();
    if (trust_withhold_unsigned(cat, &ring, tc, NULL, NULL, &tcn) < 0 || tcn.entries_kept != n)
        return fprintf(stderr, "trust: %zu of %zu kept\n", tcn.entries_kept, n), 1;
    cold = now_s() - t0;
    t0 = now_s();
    if (trust_withhold_unsigned(cat, &ring, tc, NULL, NULL, &tcn) < 0 || tcn.verified != 0)
        return fprintf(stderr, "trust: the cache did not serve\n"), 1;
    warm = now_s() - t0;

    printf("targets                                     %zu (ECDSA P-256, one answer each)\n", n);
    printf("baseline: catalog_load                      %7.3f s\n", load);
    printf("table of a snapshot (new, empty)            %7.3f s  %6.2fx load  %5.0f bytes/target "
           "allocated\n",
           table, table / load, (double)slots * sizeof(void *) / (double)n);
    printf("signing every answer at once                %7.3f s  %6.2fx load  %5.1f us each, "
           "%.0f bytes/answer\n",
           all, all / load, all * 1e6 / (double)n, (double)(r2 - r1) * 1024 / (double)n);
    printf("a cached answer (what a request pays)       %7.1f ns\n", lookup * 1e9 / (double)n);
    printf("--require-signed, first load (verify all)   %7.3f s  %6.2fx load  %5.1f us each\n",
           cold, cold / load, cold * 1e6 / (double)n);
    printf("--require-signed, reload (cached)           %7.3f s  %6.2fx load\n", warm, warm / load);
    answer_table_free(t);
    for (size_t i = 0; i < n; i++)
        free(sigs[i]);
    free(sigs);
    catalog_free(cat);
    problems_free(&pr);
    trust_cache_free(tc);
    sign_keyring_free(&ring);
    sign_key_free(key);
    free(pem);
    return 0;
}
