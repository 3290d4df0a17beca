/*
 * modem_records.c: the records worker and loop exchange over the
 * socketpair, one fixed size per type (struct modem_record).
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "modem_private.h"

size_t
modem_record_size(enum modem_record_type type)
{
	size_t head = offsetof(struct modem_record, u);

	switch (type) {
	case MODEM_REC_SEND:
		return head + sizeof(struct modem_outgoing);
	case MODEM_REC_SENT:
		return head + sizeof(struct modem_send_result);
	case MODEM_REC_DELIVERY:
		return head + sizeof(struct modem_delivery);
	case MODEM_REC_HEALTH:
		return head + sizeof(struct modem_health);
	case MODEM_REC_RELEASE:
		return head + sizeof(struct modem_release);
	default:
		return head;
	}
}

int
modem_send_record(int fd, const struct modem_record *rec)
{
	size_t size = modem_record_size(rec->type);
	ssize_t n;

	do
		n = send(fd, rec, size, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)size) {
		/* A full socket is the caller's to handle (the loop's end is
		 * non-blocking: a send is refused, a release waits). */
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			int saved = errno;

			log_error("modem: cannot pass a record between "
			    "threads: %s", strerror(saved));
			errno = saved;
		}
		return -1;
	}
	return 0;
}

/*
 * After handing a message over, let the loop run. The kernel tends to
 * wake the loop thread on the worker's own CPU, where it would wait (up to
 * a few ms, measured) while the worker goes on reading the SIM; yielding
 * lets it take the message at once (worker read -> commit, bench_receive).
 */
void
modem_yield_to_loop(void)
{
	sched_yield();
}
