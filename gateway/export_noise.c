/*
 * export_noise.c: differential privacy for the export (export.h).
 *
 * The discrete Laplace distribution, P(x) = (1 - a) / (1 + a) * a^|x|
 * with a = exp(-eps), is the difference of two independent geometric
 * draws G (P(G = g) = (1 - a) a^g). A geometric draw is counted out as
 * Bernoulli(a) successes before the first failure, each trial one 64-bit
 * word from getrandom(2) compared with a * 2^64: integers only, so the
 * draw does not inherit the holes of floating-point sampling of a
 * continuous Laplace. The random words come from the kernel's CSPRNG.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/random.h>

#include "export.h"

static uint64_t export_pool[64];
static size_t export_pool_left;

static int
export_random(uint64_t *out)
{
	ssize_t got;

	if (export_pool_left == 0) {
		do
			got = getrandom(export_pool, sizeof export_pool, 0);
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)sizeof export_pool)
			return -1;
		export_pool_left = sizeof export_pool / sizeof *export_pool;
	}
	*out = export_pool[--export_pool_left];
	export_pool[export_pool_left] = 0;
	return 0;
}

/* Successes before the first failure, each success with probability
 * threshold / 2^64. */
static int
export_geometric(uint64_t threshold, long *out)
{
	uint64_t word;
	long n = 0;

	for (;;) {
		if (export_random(&word) != 0)
			return -1;
		if (word >= threshold)
			break;
		n++;
	}
	*out = n;
	return 0;
}

int
export_noise_draw(double eps_count, long *out)
{
	double a = exp(-eps_count);
	/* a * 2^64, below 2^64 since a < 1 */
	uint64_t threshold = (uint64_t)ldexp(a, 64);
	long g1, g2;

	if (a >= 1.0 || export_geometric(threshold, &g1) != 0 ||
	    export_geometric(threshold, &g2) != 0)
		return -1;
	*out = g1 - g2;
	return 0;
}

/* count + noise, never below 0 (a count cannot be; clamping only moves
 * the figure closer to the truth). */
static int
export_noisy(long *count, double eps_count)
{
	long noise;

	if (export_noise_draw(eps_count, &noise) != 0)
		return -1;
	*count = *count + noise < 0 ? 0 : *count + noise;
	return 0;
}

static int
export_noisy_cell(struct export_cell *c, double eps_count)
{
	return export_noisy(&c->alerts, eps_count) != 0 ||
	    export_noisy(&c->victims, eps_count) != 0 ||
	    export_noisy(&c->unknown, eps_count) != 0 ? -1 : 0;
}

int
export_noise_add(struct export_table *t, double eps_count)
{
	size_t i;

	if (export_noisy_cell(&t->suppressed, eps_count) != 0)
		return -1;
	t->total = t->suppressed;
	for (i = 0; i < t->n_cells; i++) {
		if (export_noisy_cell(&t->cells[i], eps_count) != 0)
			return -1;
		t->total.alerts += t->cells[i].alerts;
		t->total.victims += t->cells[i].victims;
		t->total.unknown += t->cells[i].unknown;
	}
	return 0;
}

/* P(|X| > b) = 2 a^(b+1) / (1 + a). */
long
export_noise_bound(double eps_count, double q)
{
	double a = exp(-eps_count);
	long b = 0;

	while (2 * pow(a, (double)(b + 1)) / (1 + a) > 1 - q && b < 1000000)
		b++;
	return b;
}
