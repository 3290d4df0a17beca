/*
 * sim.c: the emulated SIM message store and what the "network" delivers:
 * SMS stored in a slot (+CMTI when AT+CNMI asked for it), SMS routed
 * directly (+CMT), status reports (+CDS). Concatenated messages are split
 * here and may be stored out of order or with parts missing.
 *
 * Called by control.c (test commands) and atcmd.c (slot counts). Nothing
 * here may block; a full SIM refuses the message, as a network would keep
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atemu.h"

#define CV_TZ_QUARTERS	(-4)	/* Cabo Verde: UTC-1 */
#define MAX_PARTS	16

int
sim_used(const struct emu *e)
{
	int	i, n = 0;

	for (i = 0; i < e->nslots; i++)
		if (e->slots[i].used)
			n++;
	return n;
}

int
sim_store(struct emu *e, const char *pdu, int tpdu_len, int *slot)
{
	int	i;

	if (e->sim_full)
		return -1;
	for (i = 0; i < e->nslots; i++) {
		struct emu_slot *s = &e->slots[i];

		if (s->used)
			continue;
		s->used = 1;
		s->stat = 0;
		s->tpdu_len = tpdu_len;
		snprintf(s->pdu, sizeof(s->pdu), "%s", pdu);
		*slot = i + 1;
		return 0;
	}
	return -1;
}

static void
notify_stored(struct emu *e, int slot)
{
	/* AT+CNMI=<mode>,<mt>: mt 0 keeps quiet, otherwise index to TE. */
	if (e->cnmi[1] != 0)
		line_urc(e, "\r\n+CMTI: \"SM\",%d\r\n", slot);
}

static int
encode(const char *from, enum pdu_coding coding, const char *text,
    size_t len, const struct pdu_concat *concat, char *hex, size_t hexsz,
    int *tpdu_len, const char **errstr)
{
	struct pdu_deliver	d;

	memset(&d, 0, sizeof(d));
	d.sender = from;
	d.coding = coding;
	d.text = text;
	d.text_len = len;
	d.concat = concat;
	d.scts = time(NULL);
	d.tz_quarters = CV_TZ_QUARTERS;
	d.msg_class = -1;
	return pdu_encode_deliver(&d, hex, hexsz, tpdu_len, errstr);
}

int
sim_deliver(struct emu *e, const char *from, enum pdu_coding coding,
    const char *text, size_t len, int notify, int *slot,
    const char **errstr)
{
	char	hex[PDU_MAX_HEX];
	int	tpdu_len;

	if (encode(from, coding, text, len, NULL, hex, sizeof(hex), &tpdu_len,
	    errstr) == -1)
		return -1;
	if (sim_store(e, hex, tpdu_len, slot) == -1) {
		*errstr = "SIM full";
		return -1;
	}
	if (notify)
		notify_stored(e, *slot);
	return 0;
}

int
sim_deliver_multi(struct emu *e, const char *from, enum pdu_coding coding,
    int ref, const char *order, const char *text, size_t len, int notify,
    const char **errstr)
{
	size_t			ends[MAX_PARTS], nparts, start;
	int			seqs[MAX_PARTS], nseq = 0, i, slot, tpdu_len;
	struct pdu_concat	c;
	char			hex[PDU_MAX_HEX];
	const char		*p = order;
	char			*end;

	if (pdu_split_text(coding, text, len, ends, MAX_PARTS, &nparts,
	    errstr) == -1)
		return -1;
	while (*p != '\0' && nseq < MAX_PARTS) {
		long v = strtol(p, &end, 10);

		if (end == p || v < 1 || (size_t)v > nparts) {
			*errstr = "bad part order";
			return -1;
		}
		seqs[nseq++] = (int)v;
		p = end;
		if (*p == ',')
			p++;
		else if (*p != '\0') {
			*errstr = "bad part order";
			return -1;
		}
	}
	if (nseq == 0) {
		*errstr = "bad part order";
		return -1;
	}
	if (ref < 0 || ref > 255) {	/* pdu_split_text assumes 8-bit refs */
		*errstr = "reference must be 0-255";
		return -1;
	}
	if (e->nslots - sim_used(e) < nseq || e->sim_full) {
		*errstr = "SIM full";
		return -1;
	}
	for (i = 0; i < nseq; i++) {
		int k = seqs[i] - 1;

		start = k == 0 ? 0 : ends[k - 1];
		c.ref = ref;
		c.ref16 = 0;
		c.total = (int)nparts;
		c.seq = seqs[i];
		if (encode(from, coding, text + start, ends[k] - start, &c,
		    hex, sizeof(hex), &tpdu_len, errstr) == -1)
			return -1;
		if (sim_store(e, hex, tpdu_len, &slot) == -1) {
			*errstr = "SIM full";
			return -1;
		}
		if (notify)
			notify_stored(e, slot);
	}
	return (int)nparts;
}

int
sim_send_cmt(struct emu *e, const char *from, enum pdu_coding coding,
    const char *text, size_t len, const char **errstr)
{
	char	hex[PDU_MAX_HEX];
	int	tpdu_len;

	if (encode(from, coding, text, len, NULL, hex, sizeof(hex), &tpdu_len,
	    errstr) == -1)
		return -1;
	line_urc(e, "\r\n+CMT: ,%d\r\n%s\r\n", tpdu_len, hex);
	return 0;
}

int
sim_send_cds(struct emu *e, int mr, const char *recipient, int status,
    const char **errstr)
{
	struct pdu_status_report	r;
	char				hex[PDU_MAX_HEX];
	int				tpdu_len;

	memset(&r, 0, sizeof(r));
	r.mr = mr;
	r.recipient = recipient;
	r.dt = time(NULL);
	r.scts = r.dt - 5;
	r.tz_quarters = CV_TZ_QUARTERS;
	r.status = status;
	if (pdu_encode_status_report(&r, hex, sizeof(hex), &tpdu_len,
	    errstr) == -1)
		return -1;
	line_urc(e, "\r\n+CDS: %d\r\n%s\r\n", tpdu_len, hex);
	return 0;
}
