/*
 * ctdc.c: the CTDC category names (ctdc.h). Used by the config loader to
 * check each form's `ctdc` setting and by `farolctl export` to print it.
 */
#include <string.h>

#include "ctdc.h"

static const char *const ctdc_names_list[CTDC_COUNT] = {
	[CTDC_SEXUAL_EXPLOITATION] = "sexual_exploitation",
	[CTDC_FORCED_LABOUR] = "forced_labour",
	[CTDC_DOMESTIC_WORK] = "forced_labour/domestic_work",
	[CTDC_BEGGING] = "forced_labour/begging",
	[CTDC_FORCED_MARRIAGE] = "forced_marriage",
	[CTDC_ORGAN_REMOVAL] = "organ_removal",
	[CTDC_OTHER] = "other",
};

const char *
ctdc_name(enum ctdc_category c)
{
	if ((int)c < 0 || c >= CTDC_COUNT)
		return NULL;
	return ctdc_names_list[c];
}

int
ctdc_find(const char *name)
{
	for (int c = 0; c < CTDC_COUNT; c++)
		if (strcmp(ctdc_names_list[c], name) == 0)
			return c;
	return -1;
}

const char *
ctdc_names(void)
{
	return "sexual_exploitation, forced_labour, "
	    "forced_labour/domestic_work, forced_labour/begging, "
	    "forced_marriage, organ_removal, other";
}
