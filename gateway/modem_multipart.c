/*
 * modem_multipart.c: grouping concatenated parts into sets, handing over
 * complete ones, and timing out incomplete ones (handed over as they are,
 * marked incomplete, never dropped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modem_private.h"

int
modem_concat(const GSM_SMSMessage *sms, int *ref, int *part, int *total)
{
	const GSM_UDHHeader *u = &sms->UDH;

	if (u->Type == UDH_NoUDH || u->AllParts <= 1 || u->PartNumber < 1)
		return 0;
	*ref = u->ID16bit >= 0 ? u->ID16bit : u->ID8bit;
	*part = u->PartNumber;
	*total = u->AllParts;
	return 1;
}

static struct modem_partial *
modem_partial_find(struct modem *m, const char *sender, int ref, int total)
{
	struct modem_partial *p;

	for (int i = 0; i < m->worker.n_partial; i++) {
		p = &m->worker.partial[i];
		if (p->ref == ref && p->total == total &&
		    strcmp(p->sender, sender) == 0)
			return p;
	}
	if (m->worker.n_partial == MODEM_MAX_PARTIAL)
		return NULL;
	p = &m->worker.partial[m->worker.n_partial++];
	memset(p, 0, sizeof *p);
	snprintf(p->sender, sizeof p->sender, "%s", sender);
	p->ref = ref;
	p->total = total;
	p->first_seen = time(NULL);
	return p;
}

static int
modem_part_cmp(const void *a, const void *b)
{
	int ra = 0, pa = 0, ta = 0, rb = 0, pb = 0, tb = 0;

	modem_concat(*(GSM_SMSMessage *const *)a, &ra, &pa, &ta);
	modem_concat(*(GSM_SMSMessage *const *)b, &rb, &pb, &tb);
	return pa - pb;
}

/*
 * Group messages into sets and hand over the ready ones; those the pending
 * cap refuses become the backlog. `full`: all is a whole read of the SIM
 * (incomplete sets not in it are forgotten).
 */
void
modem_process(struct modem *m, GSM_SMSMessage *all, int count, int full)
{
	GSM_SMSMessage *set[MODEM_MAX_PARTS];
	char sender[32], other[32];
	struct modem_partial *partial;
	int *used = calloc((size_t)count + 1, sizeof *used);
	int i, j, n, ref, part, total, r2, p2, t2;

	if (used == NULL)
		return;
	if (full)
		for (i = 0; i < m->worker.n_partial; i++)
			m->worker.partial[i].seen = 0;
	for (i = 0; i < count; i++) {
		if (used[i])
			continue;
		used[i] = 1;
		if (!modem_concat(&all[i], &ref, &part, &total)) {
			set[0] = &all[i];
			if (modem_hand_over(m, set, 1, -1, 1, 1) != 0)
				modem_backlog_add(m, set, 1);
			continue;
		}
		EncodeUTF8(sender, all[i].Number);
		set[0] = &all[i];
		n = 1;
		for (j = i + 1; j < count && n < MODEM_MAX_PARTS; j++) {
			if (used[j] || !modem_concat(&all[j], &r2, &p2, &t2) ||
			    r2 != ref || t2 != total)
				continue;
			EncodeUTF8(other, all[j].Number);
			if (strcmp(other, sender) != 0)
				continue;
			used[j] = 1;
			set[n++] = &all[j];
		}
		qsort(set, (size_t)n, sizeof set[0], modem_part_cmp);
		if (n >= total || n == MODEM_MAX_PARTS) {
			if (modem_hand_over(m, set, n, ref, total, 1) != 0)
				modem_backlog_add(m, set, n);
			continue;
		}
		partial = modem_partial_find(m, sender, ref, total);
		if (partial == NULL)
			continue;
		partial->seen = 1;
		if (time(NULL) - partial->first_seen >= m->multipart_timeout_s) {
			log_warn("modem %s: multipart set %d has %d of %d parts "
			    "after %d s; storing it incomplete", m->cfg.name,
			    ref, n, total, m->multipart_timeout_s);
			if (modem_hand_over(m, set, n, ref, total, 1) != 0)
				modem_backlog_add(m, set, n);
		}
	}
	/* Forget sets that are gone (handed over or deleted). */
	for (i = 0; full && i < m->worker.n_partial; )
		if (!m->worker.partial[i].seen)
			m->worker.partial[i] =
			    m->worker.partial[--m->worker.n_partial];
		else
			i++;
	free(used);
}
