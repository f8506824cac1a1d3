/* test_answer_table.c: per-period tables of signed answers (src/crypto/answer_table.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/answer.h"
#include "crypto/answer_table.h"

#define SHA1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA2 "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA3 "3333333333333333333333333333333333333333333333333333333333333333"
#define DAY  86400
#define T0   1700006400 /* a multiple of DAY / 2 */
#define NOW  (T0 + 1000)

/* A catalog in memory: model EVSE with 10.2.0 and 10.3.0, one target for AB:CD:EF:12:34:56
 * with a fix 10.3.1-custom and its rollback to 10.2.0. */
struct fixture {
    struct catalog cat;
    struct model model;
    struct release rel[2];
    struct target tgt, *targets[1];
    struct target_device fix;
    struct sign_key *key;
    struct sign_keyring ring; /* its public half */
};

static void release(struct release *r, const char *version, const char *sha, uint64_t size)
{
    struct fw_err err;

    memset(r, 0, sizeof(*r));
    r->model = "EVSE";
    r->version = version;
    assert_int_equal(version_parse(version, &r->v, &err), 0);
    memcpy(r->sha256, sha, 65);
    r->size = size;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct fw_err err;
    struct sign_key *pub = NULL;
    char *pem = NULL;
    size_t len;

    release(&f->rel[0], "10.2.0", SHA1, 100);
    release(&f->rel[1], "10.3.0", SHA2, 200);
    f->model = (struct model){"EVSE", f->rel, 2};
    f->fix = (struct target_device){.model = "EVSE", .version = "10.3.1-custom", .size = 300};
    memcpy(f->fix.sha256, SHA3, 65);
    f->fix.rollback_version = "10.2.0";
    f->tgt.mac = 0xABCDEF123456ull;
    f->tgt.devices = &f->fix;
    f->tgt.n_devices = 1;
    f->targets[0] = &f->tgt;
    f->cat.models = &f->model;
    f->cat.n_models = 1;
    f->cat.targets = f->targets;
    f->cat.n_targets = 1;
    assert_int_equal(sign_key_generate(SIGN_ECDSA_P256, &f->key, &err), 0);
    assert_int_equal(sign_key_pem(f->key, false, &pem, &len, &err), 0);
    assert_int_equal(sign_key_from_pem(pem, len, false, "pub", &pub, &err), 0);
    assert_int_equal(sign_keyring_add(&f->ring, pub, &err), 0);
    free(pem);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    sign_key_free(f->key);
    sign_keyring_free(&f->ring);
    free(f);
    return 0;
}

static struct update general(struct fixture *f)
{
    return (struct update){.kind = UPDATE_GENERAL, .release = &f->rel[1], .version = "10.3.0"};
}

static struct update targeted(struct fixture *f)
{
    return (struct update){
        .kind = UPDATE_TARGETED, .target = &f->tgt, .fix = &f->fix, .version = "10.3.1-custom"};
}

static struct update rollback(struct fixture *f)
{
    return (struct update){.kind = UPDATE_ROLLBACK,
                           .target = &f->tgt,
                           .fix = &f->fix,
                           .release = &f->rel[0],
                           .version = "10.2.0"};
}

/* The member for u, checked with answer_verify; its claim in *c. */
static const char *member(struct fixture *f, struct answer_table *t, struct update u,
                          struct answer_checked *c)
{
    struct fw_err err = {""};
    size_t len = 0;
    const char *m = answer_table_member(t, &u, &len, &err);

    assert_non_null(m);
    assert_int_equal(strlen(m), len);
    assert_int_equal(answer_verify(&f->ring, m, len, NOW, c, &err), 0);
    return m;
}

static void periods_are_half_the_ttl_and_answers_expire_within_it(void **state)
{
    (void)state;
    assert_int_equal(answer_period(T0, DAY), T0 / (DAY / 2));
    assert_int_equal(answer_period(T0 - 1, DAY), T0 / (DAY / 2) - 1);
    assert_int_equal(answer_period(-1, DAY), -1); /* before 1970: floor, not truncation */
    assert_int_equal(answer_period(0, DAY), 0);
    for (int64_t now = NOW; now < NOW + 2 * DAY; now += 977) {
        struct fixture *f = *state;
        struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, now);
        int64_t left = answer_table_expires(t) - now;

        assert_true(left > DAY / 2 && left <= DAY);
        assert_true(answer_table_renew_at(t) > now && answer_table_renew_at(t) <= now + DAY / 2);
        answer_table_free(t);
    }
}

static void a_ttl_out_of_range_makes_no_table(void **state)
{
    struct fixture *f = *state;

    assert_null(answer_table_new(&f->cat, f->key, ANSWER_TTL_MIN - 1, NOW));
    assert_null(answer_table_new(&f->cat, f->key, ANSWER_TTL_MAX + 1, NOW));
    assert_null(answer_table_new(&f->cat, NULL, DAY, NOW));
}

static void general_targeted_and_rollback_answers_are_signed_with_their_facts(void **state)
{
    struct fixture *f = *state;
    struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, NOW);
    struct answer_checked c;

    member(f, t, general(f), &c);
    assert_int_equal(c.claim.kind, UPDATE_GENERAL);
    assert_string_equal(c.version, "10.3.0");
    assert_string_equal(c.sha256, SHA2);
    assert_int_equal(c.claim.size, 200);
    assert_int_equal(c.claim.expires, answer_table_expires(t));
    member(f, t, targeted(f), &c);
    assert_int_equal(c.claim.kind, UPDATE_TARGETED);
    assert_int_equal(c.claim.mac, 0xABCDEF123456ull);
    assert_string_equal(c.version, "10.3.1-custom");
    member(f, t, rollback(f), &c);
    assert_int_equal(c.claim.kind, UPDATE_ROLLBACK);
    assert_int_equal(c.claim.mac, 0xABCDEF123456ull);
    assert_string_equal(c.version, "10.2.0");
    assert_string_equal(c.sha256, SHA1);
    assert_int_equal(answer_table_count(t), 3);
    answer_table_free(t);
}

static void an_answer_is_signed_once_per_table(void **state)
{
    struct fixture *f = *state;
    struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, NOW);
    struct answer_table *next = answer_table_new(&f->cat, f->key, DAY, NOW + DAY / 2);
    struct answer_checked c, c2;
    const char *a = member(f, t, targeted(f), &c);

    assert_ptr_equal(member(f, t, targeted(f), &c), a);
    assert_int_equal(answer_table_count(t), 1);
    assert_ptr_not_equal(member(f, next, targeted(f), &c2), a);
    assert_int_equal(c2.claim.expires, c.claim.expires + DAY / 2);
    answer_table_free(t);
    answer_table_free(next);
}

static void answers_that_cannot_be_signed_are_refused_with_a_reason(void **state)
{
    struct fixture *f = *state;
    struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, NOW);
    struct update u = rollback(f);
    struct release stranger = f->rel[1];
    struct fw_err err = {""};
    size_t len;

    u.release = NULL; /* a rollback to a URL outside the manifest */
    assert_null(answer_table_member(t, &u, &len, &err));
    assert_non_null(strstr(err.msg, "not a release of the manifest"));
    u = (struct update){.kind = UPDATE_NONE};
    assert_null(answer_table_member(t, &u, &len, &err));
    u = general(f);
    u.release = &stranger; /* not one of the table's catalog */
    assert_null(answer_table_member(t, &u, &len, &err));
    assert_non_null(strstr(err.msg, "not from this table's catalog"));
    f->rel[1].sha256[0] = '\0';
    u = general(f);
    assert_null(answer_table_member(t, &u, &len, &err));
    assert_non_null(strstr(err.msg, "sha256 is not known"));
    memcpy(f->rel[1].sha256, SHA2, 65);
    assert_int_equal(answer_table_count(t), 0);
    answer_table_free(t);
}

struct race {
    struct fixture *f;
    struct answer_table *t;
    const char *got[50];
};

static void *ask(void *arg)
{
    struct race *r = arg;
    struct fw_err err;
    size_t len;

    for (int i = 0; i < 50; i++) {
        struct update u = i % 2 ? targeted(r->f) : general(r->f);

        r->got[i] = answer_table_member(r->t, &u, &len, &err);
    }
    return NULL;
}

static void threads_filling_one_table_share_one_signature_per_answer(void **state)
{
    struct fixture *f = *state;
    struct race r[4];
    pthread_t th[4];
    struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, NOW);

    for (int i = 0; i < 4; i++) {
        r[i] = (struct race){.f = f, .t = t};
        assert_int_equal(pthread_create(&th[i], NULL, ask, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 50; k++)
            assert_ptr_equal(r[i].got[k], r[0].got[k % 2]);
    assert_int_equal(answer_table_count(t), 2);
    answer_table_free(t);
}

static void general_answers_can_be_prepared_before_any_request(void **state)
{
    struct fixture *f = *state;
    struct answer_table *t = answer_table_new(&f->cat, f->key, DAY, NOW);
    struct answer_checked c;

    assert_int_equal(answer_table_prepare_general(t), 1); /* one model: its newest release */
    assert_int_equal(answer_table_count(t), 1);
    member(f, t, general(f), &c);
    assert_int_equal(answer_table_count(t), 1); /* it was already there */
    assert_string_equal(c.version, "10.3.0");
    answer_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(periods_are_half_the_ttl_and_answers_expire_within_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_ttl_out_of_range_makes_no_table, setup, teardown),
        cmocka_unit_test_setup_teardown(
            general_targeted_and_rollback_answers_are_signed_with_their_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(an_answer_is_signed_once_per_table, setup, teardown),
        cmocka_unit_test_setup_teardown(answers_that_cannot_be_signed_are_refused_with_a_reason,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(threads_filling_one_table_share_one_signature_per_answer,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(general_answers_can_be_prepared_before_any_request, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
