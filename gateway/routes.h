/*
 * routes.h: the routing table as administrators read it (`farolctl
 * routes'), and the gaps in it (`farolctl routes --check-config'), from a
 * config file alone: no daemon, no database, no clock. Every cell is
 * route_decide()'s answer (the decision library), so the table is what
 * farold does.
 */
#ifndef FAROL_ROUTES_H
#define FAROL_ROUTES_H

#include <stdio.h>

#include "config.h"

struct routes_filter {
	int area;		/* index in the codebook's areas, -1 all */
	int at_min;		/* minutes after midnight, -1 every window */
	int day;		/* 0 sunday .. 6 saturday, -1 every day */
};

/* Print the table: per area, urgency and minor flag, the forms that route
 * alike, and for each time window (the days and hours the rules name) who
 * is told at once and who at each rung, and when. 0, or -1 on a write
 * error. */
int routes_print(const struct config *cfg, const struct routes_filter *f,
    FILE *out);

/* Print a "FILE:LINE: warning: ..." line for each gap: an area, form and
 * urgency whose alerts reach no authority at some time; a ladder that
 * repeats a number; a ladder number that is a focal point's phone; a rule
 * no report can match, or one a final rule before it always hides.
 * Returns the number of warnings. */
int routes_check(const struct config *cfg, FILE *out);

#endif
