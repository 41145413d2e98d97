/* Timing helpers shared by the C microbenchmarks in bench/. Header-only:
 * each bench is one .c file linked with the room libraries. */
#ifndef LL_BENCH_H
#define LL_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic nanoseconds (CLOCK_MONOTONIC, not the coarse clock). */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
bench__cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts v (n samples) and returns its p-th percentile, nearest rank. */
static inline uint64_t
bench_percentile(uint64_t *v, size_t n, unsigned p)
{
	size_t k;

	qsort(v, n, sizeof(*v), bench__cmp_u64);
	k = (n * p + 99) / 100;
	return v[k > 0 ? k - 1 : 0];
}

#endif
