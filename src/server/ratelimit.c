/* ratelimit.c: token buckets per client key in a fixed table, under one mutex. */
#include "ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define UNIT 60000 /* one request, in bucket units: milliseconds a minute */

void ratelimit_init(struct ratelimit *rl, struct ratelimit_slot *slots, size_t n, unsigned burst,
                    unsigned per_minute)
{
    pthread_mutex_init(&rl->lock, NULL);
    memset(slots, 0, n * sizeof(*slots));
    rl->slots = slots;
    rl->n = n;
    rl->cap = (int64_t)(burst ? burst : 1) * UNIT;
    rl->refill = per_minute;
    rl->evictions = 0;
}

/* FNV-1a: the keys are client addresses, which the table only spreads; a client that
 * crafts collisions only pushes its own or others' buckets out, which refills them. */
static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* The bucket of slot s brought up to now. */
static int64_t level(const struct ratelimit *rl, const struct ratelimit_slot *s, int64_t now_ms)
{
    int64_t dt = now_ms > s->at_ms ? now_ms - s->at_ms : 0;

    if (dt >= rl->cap / (rl->refill ? rl->refill : 1) + 1)
        return rl->cap;
    return s->tokens + dt * rl->refill < rl->cap ? s->tokens + dt * rl->refill : rl->cap;
}

/* The slot of key: its own, else a free one, else one to take over (reset to full). */
static struct ratelimit_slot *slot_of(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    size_t h = (size_t)hash(key), mask = rl->n - 1;
    struct ratelimit_slot *free_slot = NULL, *full = NULL, *oldest = NULL, *s;

    for (size_t i = 0; i < RATELIMIT_PROBE; i++) {
        s = &rl->slots[(h + i) & mask];
        if (s->key[0] && strcmp(s->key, key) == 0)
            return s;
        if (!s->key[0]) {
            if (!free_slot)
                free_slot = s;
        } else if (level(rl, s, now_ms) == rl->cap) {
            if (!full)
                full = s;
        } else if (!oldest || s->at_ms < oldest->at_ms) {
            oldest = s;
        }
    }
    s = free_slot ? free_slot : full ? full : oldest;
    if (s == oldest)
        rl->evictions++;
    snprintf(s->key, sizeof(s->key), "%s", key);
    s->tokens = rl->cap;
    s->at_ms = now_ms;
    s->refused = 0;
    return s;
}

unsigned ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, bool *first)
{
    struct ratelimit_slot *s;
    char k[RATELIMIT_KEY_MAX];
    int64_t wait_ms;

    if (first)
        *first = false;
    if (rl->refill == 0)
        return 0;
    snprintf(k, sizeof(k), "%s", key[0] ? key : "-");
    pthread_mutex_lock(&rl->lock);
    s = slot_of(rl, k, now_ms);
    s->tokens = level(rl, s, now_ms);
    if (now_ms > s->at_ms)
        s->at_ms = now_ms;
    if (s->tokens >= UNIT) {
        s->tokens -= UNIT;
        s->refused = 0;
        pthread_mutex_unlock(&rl->lock);
        return 0;
    }
    wait_ms = (UNIT - s->tokens + rl->refill - 1) / rl->refill;
    if (first)
        *first = s->refused == 0;
    if (s->refused < UINT32_MAX)
        s->refused++;
    pthread_mutex_unlock(&rl->lock);
    return (unsigned)((wait_ms + 999) / 1000);
}

unsigned ratelimit_wait(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    size_t h, mask = rl->n - 1;
    char k[RATELIMIT_KEY_MAX];
    int64_t tokens = UNIT, wait_ms;

    if (rl->refill == 0)
        return 0;
    snprintf(k, sizeof(k), "%s", key[0] ? key : "-");
    h = (size_t)hash(k);
    pthread_mutex_lock(&rl->lock);
    for (size_t i = 0; i < RATELIMIT_PROBE; i++) {
        const struct ratelimit_slot *s = &rl->slots[(h + i) & mask];

        if (s->key[0] && strcmp(s->key, k) == 0) {
            tokens = level(rl, s, now_ms);
            break;
        }
    }
    pthread_mutex_unlock(&rl->lock);
    if (tokens >= UNIT)
        return 0;
    wait_ms = (UNIT - tokens + rl->refill - 1) / rl->refill;
    return (unsigned)((wait_ms + 999) / 1000);
}

uint64_t ratelimit_evictions(struct ratelimit *rl)
{
    uint64_t n;

    pthread_mutex_lock(&rl->lock);
    n = rl->evictions;
    pthread_mutex_unlock(&rl->lock);
    return n;
}

void ratelimit_client_key(const char *addr, char out[RATELIMIT_KEY_MAX])
{
    struct in6_addr a;
    char text[INET6_ADDRSTRLEN];

    snprintf(out, RATELIMIT_KEY_MAX, "%s", addr);
    if (!strchr(addr, ':') || inet_pton(AF_INET6, addr, &a) != 1 || IN6_IS_ADDR_V4MAPPED(&a))
        return;
    memset(a.s6_addr + 8, 0, 8);
    if (inet_ntop(AF_INET6, &a, text, sizeof(text)))
        snprintf(out, RATELIMIT_KEY_MAX, "%s/64", text);
}
