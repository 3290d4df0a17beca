/* cause.c: see cause.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cause.h"

void
cause_set(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1) {
		fputs("fatal: out of memory\n", stderr);
		abort();
	}
	va_end(ap);
}
