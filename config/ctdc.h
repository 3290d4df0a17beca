/*
 * ctdc.h: the categories of IOM's Counter-Trafficking Data Collaborative
 * (CTDC) that a codebook form maps to (the forms' `ctdc` setting), so that
 * the Observatory's figures can be shared in CTDC's terms while each
 * country keeps its own codes. Pure data; see db/observatory.md.
 */
#ifndef FAROL_CTDC_H
#define FAROL_CTDC_H

enum ctdc_category {
	CTDC_SEXUAL_EXPLOITATION,	/* isSexualExploit */
	CTDC_FORCED_LABOUR,		/* isForcedLabour, no subtype */
	CTDC_DOMESTIC_WORK,		/* isForcedLabour, typeOfLabourDomesticWork */
	CTDC_BEGGING,			/* isForcedLabour, typeOfLabourBegging */
	CTDC_FORCED_MARRIAGE,		/* isForcedMarriage */
	CTDC_ORGAN_REMOVAL,		/* isOrganRemoval */
	CTDC_OTHER,			/* isOtherExploit */
	CTDC_COUNT
};

/* "sexual_exploitation", "forced_labour/domestic_work", ...; NULL when
 * out of range. */
const char *ctdc_name(enum ctdc_category c);

/* The category named name, or -1. */
int ctdc_find(const char *name);

/* Every name, separated by ", ", for an error message. */
const char *ctdc_names(void);

#endif
