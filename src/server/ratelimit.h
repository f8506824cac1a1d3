/* ratelimit.h: per-client token buckets in a fixed-size table, safe across loop threads. */
#ifndef FWHUB_RATELIMIT_H
#define FWHUB_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_KEY_MAX 48 /* bytes of a key kept, NUL included; longer keys are cut */
#define RATELIMIT_PROBE   8  /* slots a key may occupy, from its hash on */

/* One client's bucket. tokens counts in 1/60000 of a request, so that a refill of
 * per_minute requests a minute is per_minute units a millisecond, exactly. */
struct ratelimit_slot {
    char key[RATELIMIT_KEY_MAX]; /* "" when free */
    int64_t tokens;
    int64_t at_ms;    /* when tokens was last brought up to date */
    uint32_t refused; /* requests refused since the last one let through */
};

/* A limiter over a table the caller owns (static storage will do): memory never grows.
 * When the PROBE slots of a new key are taken, the key takes over a slot whose bucket has
 * refilled completely (nothing is lost: a new bucket starts full), else the slot used
 * longest ago (its client starts over with a full bucket: counted in evictions). */
struct ratelimit {
    pthread_mutex_t lock;
    struct ratelimit_slot *slots;
    size_t n; /* a power of two */
    int64_t cap;
    int64_t refill; /* units a millisecond: per_minute */
    uint64_t evictions;
};

/* Prepares rl over slots[n] (n a power of two, at least RATELIMIT_PROBE; the slots are
 * cleared): burst requests at once, then per_minute requests a minute. per_minute 0
 * lets everything through. Not thread-safe itself: call before the threads start, or
 * once through pthread_once. */
void ratelimit_init(struct ratelimit *rl, struct ratelimit_slot *slots, size_t n, unsigned burst,
                    unsigned per_minute);

/* Takes one request of client key at now_ms (a monotonic clock in milliseconds; a clock
 * going back counts as no time passing). Returns 0 when the request may go on, else the
 * whole seconds (at least 1) until one more would be allowed: a Retry-After. *first
 * (may be NULL) tells whether a refusal is the client's first since a request of it was
 * let through, so that a flood can be recorded once, not per request. */
unsigned ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, bool *first);

/* Like ratelimit_take, but takes nothing: 0 when client key could make one request at
 * now_ms, else the whole seconds until it could. A key without a slot has a full bucket.
 * For limits that count failures only: ask first, take when one happened. */
unsigned ratelimit_wait(struct ratelimit *rl, const char *key, int64_t now_ms);

/* The key of a client at the numeric address addr: the address itself; for IPv6 its /64
 * ("2001:db8:1:2::/64"), which one subscriber usually has whole, so that a client cannot
 * take a new bucket with each address of its network. An IPv4 client seen through an
 * IPv6 socket (::ffff:192.0.2.1) keeps its address. Written into out[RATELIMIT_KEY_MAX]. */
void ratelimit_client_key(const char *addr, char out[RATELIMIT_KEY_MAX]);

/* Slots taken over from a client whose bucket was not full (see struct ratelimit). */
uint64_t ratelimit_evictions(struct ratelimit *rl);

#endif
