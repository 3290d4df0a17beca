/*
 * log.c: the logging functions declared in log.h.
 *
 * Used by every thread of farold and by farolctl. A line is built in a
 * local buffer and written with one fputs so lines from worker threads never
 * interleave. The level is an atomic so a reload can change it safely.
 *
 * A line repeated in a tight loop (accept() failing on a full descriptor
 * table logged 13 million lines in 30 s) must not fill the disk or starve
 * the loop: the same text is written at most LOG_REPEAT_MAX times a
 * second, and what was held back is summed up once, when that second is
 * over ("last message repeated N times").
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_REPEAT_MAX 5		/* lines of one text per second */
#define LOG_REPEAT_SLOTS 32		/* distinct texts tracked */

/* One recently written text: how often in its second, how many held. */
struct log_repeat {
	uint64_t hash;
	time_t second;
	int count;
	long held;
	char sample[96];
};

static const char *log_program = "farol";
/* Read once: glibc's getpid() is a system call at every line (one a
 * report during a drain), and farold and farolctl never fork. */
static long log_pid;
static atomic_int log_level = LOG_LEVEL_INFO;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct log_repeat log_repeats[LOG_REPEAT_SLOTS];

void
log_init(const char *program, int level)
{
	log_program = program;
	log_pid = (long)getpid();
	atomic_store(&log_level, level);
}

void
log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int
log_get_level(void)
{
	return atomic_load(&log_level);
}

static uint64_t
log_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h | 1;	/* 0 marks a free slot */
}

static void
log_emit(const char *prefix, const char *body)
{
	fprintf(stderr, "%s%s\n", prefix, body);
}

/* Sum up the slots whose second is over; call with log_mutex held. */
static void
log_flush_held(const char *prefix, time_t now)
{
	char line[200];

	for (int i = 0; i < LOG_REPEAT_SLOTS; i++) {
		struct log_repeat *r = &log_repeats[i];

		if (r->held == 0 || r->second == now)
			continue;
		snprintf(line, sizeof line, "last message repeated %ld more "
		    "time%s: %s", r->held, r->held == 1 ? "" : "s", r->sample);
		log_emit(prefix, line);
		r->held = 0;
	}
}

/* Whether body may be written now; call with log_mutex held. */
static int
log_repeat_allows(const char *prefix, const char *body, time_t now)
{
	uint64_t h = log_hash(body);
	struct log_repeat *r = NULL, *oldest = &log_repeats[0];

	for (int i = 0; i < LOG_REPEAT_SLOTS && r == NULL; i++) {
		if (log_repeats[i].hash == h)
			r = &log_repeats[i];
		else if (log_repeats[i].second < oldest->second)
			oldest = &log_repeats[i];
	}
	if (r == NULL) {
		r = oldest;
		if (r->held > 0) {	/* every slot busy this second */
			r->second = now - 1;
			log_flush_held(prefix, now);
		}
		memset(r, 0, sizeof *r);
		r->hash = h;
		snprintf(r->sample, sizeof r->sample, "%.*s",
		    (int)sizeof r->sample - 1, body);
	}
	if (r->second != now) {
		r->second = now;
		r->count = 0;
	}
	if (++r->count <= LOG_REPEAT_MAX)
		return 1;
	r->held++;
	return 0;
}

void
log_vwrite(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };
	char prefix[96], body[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	int n;

	if (level > atomic_load(&log_level))
		return;
	vsnprintf(body, sizeof body, fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(prefix, sizeof prefix, "%s.%03ldZ %s[%ld] %s: ", stamp,
	    ts.tv_nsec / 1000000, log_program,
	    log_pid != 0 ? log_pid : (long)getpid(), names[level]);
	if (n < 0 || (size_t)n >= sizeof prefix)
		return;
	pthread_mutex_lock(&log_mutex);
	log_flush_held(prefix, ts.tv_sec);
	if (log_repeat_allows(prefix, body, ts.tv_sec))
		log_emit(prefix, body);
	pthread_mutex_unlock(&log_mutex);
}

#define LOG_FUNCTION(name, level)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	log_vwrite(level, fmt, ap);			\
	va_end(ap);					\
}

LOG_FUNCTION(log_error, LOG_LEVEL_ERROR)
LOG_FUNCTION(log_warn, LOG_LEVEL_WARNING)
LOG_FUNCTION(log_info, LOG_LEVEL_INFO)
LOG_FUNCTION(log_debug, LOG_LEVEL_DEBUG)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
