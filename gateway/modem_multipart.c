/*
 * modem_multipart.c: grouping concatenated parts into sets by part number,
 * handing over complete ones, and timing out incomplete ones (handed over
 * as they are, marked incomplete, never dropped).
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

	/* A UDH numbers parts in one octet: anything else is no set. */
	if (u->Type == UDH_NoUDH || u->AllParts <= 1 || u->PartNumber < 1 ||
	    u->PartNumber > MODEM_MAX_PARTS || u->AllParts > MODEM_MAX_PARTS)
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
	p->first_seen_ms = modem_now_ms();
	return p;
}

/* Hand a set over, or keep it (copies included) for when the pending cap
 * has room. */
static void
modem_hand_over_set(struct modem *m, GSM_SMSMessage **set, int n, int ref,
    int total, GSM_SMSMessage **copies, int n_copies)
{
	if (modem_hand_over(m, set, n, ref, total, 1, copies, n_copies) == 0)
		return;
	modem_backlog_add(m, set, n);
	modem_backlog_add(m, copies, n_copies);
}

/*
 * Group messages into sets by sender, reference and count, one part per
 * part number: a part received twice (an SMSC retransmits) neither counts
 * nor is joined twice; the copy is deleted with the set. A set is complete
 * when it has as many distinct parts as it announces. Ready sets are
 * handed over; those the pending cap refuses become the backlog. `full`:
 * all is a whole read of the SIM (incomplete sets not in it are
 * forgotten).
 */
void
modem_process(struct modem *m, GSM_SMSMessage *all, int count, int full)
{
	GSM_SMSMessage *bynum[MODEM_MAX_PARTS + 1];	/* by part number */
	GSM_SMSMessage *set[MODEM_MAX_PARTS], **copies;
	char sender[32], other[32];
	struct modem_partial *partial;
	int *used = calloc((size_t)count + 1, sizeof *used);
	int i, j, k, n, nc, ref, part, total, r2, p2, t2;

	copies = calloc((size_t)count + 1, sizeof *copies);
	if (used == NULL || copies == NULL) {
		free(used);
		free(copies);
		return;
	}
	if (full)
		for (i = 0; i < m->worker.n_partial; i++)
			m->worker.partial[i].seen = 0;
	for (i = 0; i < count; i++) {
		if (used[i])
			continue;
		used[i] = 1;
		if (!modem_concat(&all[i], &ref, &part, &total)) {
			set[0] = &all[i];
			modem_hand_over_set(m, set, 1, -1, 1, NULL, 0);
			continue;
		}
		EncodeUTF8(sender, all[i].Number);
		memset(bynum, 0, sizeof bynum);
		bynum[part] = &all[i];
		nc = 0;
		for (j = i + 1; j < count; j++) {
			if (used[j] || !modem_concat(&all[j], &r2, &p2, &t2) ||
			    r2 != ref || t2 != total)
				continue;
			EncodeUTF8(other, all[j].Number);
			if (strcmp(other, sender) != 0)
				continue;
			used[j] = 1;
			if (bynum[p2] == NULL)
				bynum[p2] = &all[j];
			else
				copies[nc++] = &all[j];
		}
		for (n = 0, k = 1; k <= MODEM_MAX_PARTS; k++)
			if (bynum[k] != NULL)
				set[n++] = bynum[k];
		if (nc > 0)
			log_info("modem %s: multipart set %d: %d part(s) "
			    "received more than once; the copies are deleted, "
			    "not joined", m->cfg.name, ref, nc);
		if (n >= total) {
			modem_hand_over_set(m, set, n, ref, total, copies, nc);
			continue;
		}
		partial = modem_partial_find(m, sender, ref, total);
		if (partial == NULL)
			continue;
		partial->seen = 1;
		if (modem_now_ms() - partial->first_seen_ms >= 1000LL *
		    m->multipart_timeout_s) {
			log_warn("modem %s: multipart set %d has %d of %d parts "
			    "after %d s; storing it incomplete", m->cfg.name,
			    ref, n, total, m->multipart_timeout_s);
			modem_hand_over_set(m, set, n, ref, total, copies, nc);
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
	free(copies);
}
