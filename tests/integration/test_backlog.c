/*
 * test_backlog.c: a modem holding more messages than the worker may have
 * in flight (MODEM_MAX_PENDING, 256), with farold started on it (suite
 * `integration`):
 *   - every message is stored exactly once and the modem ends empty;
 *   - a multipart set whose parts lie on both sides of where the pending
 *     cap stops the read (part 1 first on the SIM, part 2 last) is joined
 *     whole, as is one wholly inside a later stretch;
 *   - farold's peak memory (VmHWM) stays under PEAK_MB: the worker reads
 *     the SIM only as far as the cap, not all of it into memory (before,
 *     5,000 waiting messages took 54 MB; now some 15). Not checked in a sanitizer
 *     build, whose allocator keeps freed memory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "gateway_proc.h"
#include "pgcluster.h"
#include "stored.h"
#include "testproc.h"

#define N		6000	/* single messages */
#define PEAK_MB		40
#define WAIT_MS		120000

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static struct pgcluster *pg;

/* farold's VmHWM in MB, -1 if unreadable. */
static long
peak_mb(const struct gateway_proc *g)
{
	long kb = testproc_hwm_kb(g->pid);

	return kb < 0 ? -1 : kb / 1024;
}

int
main(void)
{
	struct gateway_proc g;
	char text[96], *got;
	long peak;

	REQUIRE((pg = pgcluster_start("test_backlog")) != NULL, "pg");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	/* First on the SIM: part 1 of set 0x51, whose part 2 comes last. */
	REQUIRE(gateway_proc_drop_sms(&g, "+2389956789", "ALERTA BV CT U2 V6 "
	    "barco chegou a Sal Rei, ", "050003510201") == 0, "part 1");
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "relato %05d", i);
		REQUIRE(gateway_proc_drop_sms(&g, "+2389912345", text, NULL) ==
		    0, "drop %d", i);
		/* Set 0x52, both parts well past the first stop. */
		if (i == 3000) {
			REQUIRE(gateway_proc_drop_sms(&g, "+2389956788",
			    "segunda parte", "050003520202") == 0, "52/2");
			REQUIRE(gateway_proc_drop_sms(&g, "+2389956788",
			    "primeira parte, ", "050003520201") == 0, "52/1");
		}
	}
	REQUIRE(gateway_proc_drop_sms(&g, "+2389956789", "homens fechados",
	    "050003510202") == 0, "part 2");

	CHECK(gateway_proc_start(&g) == 0, "start farold");
	CHECK(stored_wait(pg, N + 2, WAIT_MS) == 0, "stored got=%ld want=%d",
	    stored_count(pg, ""), N + 2);
	CHECK(test_wait_until(WAIT_MS, gateway_proc_inbox_empty, &g) == 0,
	    "inbox got=%d want=0", gateway_proc_inbox_count(&g));
	peak = peak_mb(&g);

	CHECK(stored_count(pg, "") == N + 2, "rows got=%ld want=%d",
	    stored_count(pg, ""), N + 2);
	CHECK(stored_q(pg, "SELECT count(DISTINCT text) FROM message WHERE "
	    "text LIKE 'relato %%'") == N, "each single once");
	got = stored_qt(pg, "SELECT text || '|' || parts || '|' || "
	    "parts_expected FROM message WHERE sender = '+2389956789'");
	CHECK(strcmp(got, "ALERTA BV CT U2 V6 barco chegou a Sal Rei, homens "
	    "fechados|2|2") == 0, "set across the stop: %s", got);
	free(got);
	got = stored_qt(pg, "SELECT text || '|' || parts || '|' || "
	    "parts_expected FROM message WHERE sender = '+2389956788'");
	CHECK(strcmp(got, "primeira parte, segunda parte|2|2") == 0,
	    "set inside a later stretch: %s", got);
	free(got);
	printf("backlog: %d messages, farold's peak RSS %ld MB%s\n", N + 4,
	    peak, SANITIZED ? " (sanitizer build: not checked)" : "");
	if (!SANITIZED)
		CHECK(peak > 0 && peak < PEAK_MB, "VmHWM got=%ld MB want<%d",
		    peak, PEAK_MB);

	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
