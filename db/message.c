/*
 * message.c: the names of a received message's kinds (see message.h).
 *
 * The names are what the database's messages.kind and the spool's kind
 * record hold, so they never change: spool files written by an older
 * farol must still read.
 */
#include <stdlib.h>
#include <string.h>

#include "message.h"

static const char *const inbound_kind_names[INBOUND_KINDS] = {
	[INBOUND_TEXT] = "sms",
	[INBOUND_BINARY] = "binary",
	[INBOUND_STATUS_REPORT] = "status_report",
	[INBOUND_USSD] = "ussd",
};

const char *
inbound_kind_name(enum inbound_kind kind)
{
	if ((int)kind < 0 || kind >= INBOUND_KINDS)
		return NULL;
	return inbound_kind_names[kind];
}

int
inbound_kind_from_name(const char *name, enum inbound_kind *kind)
{
	for (int i = 0; i < INBOUND_KINDS; i++)
		if (strcmp(name, inbound_kind_names[i]) == 0) {
			*kind = (enum inbound_kind)i;
			return 0;
		}
	return -1;
}

void
inbound_sms_clear(struct inbound_sms *sms)
{
	free(sms->text);
	memset(sms, 0, sizeof *sms);
}
