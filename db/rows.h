/*
 * rows.h: typed rows of the results gateway/ reads, so that no code outside
 * db/ reads a libpq column by number. Each reader looks its columns up by
 * name once per result (PQfnumber) and converts every value; a missing
 * column or a value of the wrong shape fails the whole result with -1 and
 * *cause (parsers/cause.h), naming the column. Text fields point into the
 * PGresult: valid as long as it is (during the db_call() callback).
 */
#ifndef FAROL_DB_ROWS_H
#define FAROL_DB_ROWS_H

#include <libpq-fe.h>

/* One row of farol_ingest_many (db/functions/ingest.sql). */
struct rows_ingest {
	int		 i;		/* element of the batch, from 0 */
	long long	 message_id;
	const char	*message_id_text;
	int		 inserted;	/* 0: the message was already stored */
	const char	*result;	/* a command's: ok, already...; NULL */
	long long	 alert_id;	/* 0: none */
	const char	*alert_id_text;	/* NULL: none */
	long long	 alert_ref;	/* the number people use; 0: none */
	int		 outbox_queued;	/* a report's new outbox rows */
	const char	*state;		/* the alert's state after a command */
	const char	*focal_number;	/* NULL: none */
	const char	*authority_name; /* NULL: none */
	const char	*holders;	/* array literal "{...}"; NULL: none */
};

/* One row of farol_outbox_claim (db/functions/outbox.sql). */
struct rows_claim {
	long long	 id;
	const char	*recipient;
	const char	*text;
	const char	*purpose;	/* lookup_outbox_purpose[] */
	long long	 alert_id;	/* 0: none */
	const char	*alert_id_text;	/* NULL: none */
	int		 attempts;
	int		 taken_over;	/* another gateway's lease expired */
};

/* One row of farol_digest_pending (db/functions/digest.sql). */
struct rows_digest {
	long long	 item_id;
	const char	*item_id_text;
	const char	*authority_id;	/* NULL: none */
	const char	*recipient;
	long		 ref;
	const char	*area;		/* NULL: none */
	const char	*forms;		/* "SX+TF" */
	int		 victims;	/* -1: not given */
	int		 leaves;	/* cancelled or closed: not listed */
};

/*
 * Read every row of res into *rows (caller frees; NULL when there are
 * none) and their number into *n. 0, or -1 with *cause.
 */
int	rows_ingest_read(const PGresult *res, struct rows_ingest **rows,
	    int *n, char **cause);
int	rows_claim_read(const PGresult *res, struct rows_claim **rows,
	    int *n, char **cause);
int	rows_digest_read(const PGresult *res, struct rows_digest **rows,
	    int *n, char **cause);

/*
 * The int in column name of a result of exactly one row (a function
 * returning a count). 0, or -1 with *cause.
 */
int	rows_one_int(const PGresult *res, const char *name, int *v,
	    char **cause);

/*
 * The text in column name of a result of exactly one row ("" for NULL;
 * valid as long as res), or NULL with *cause.
 */
const char *rows_one_text(const PGresult *res, const char *name,
	    char **cause);

/*
 * The bigints in column name of every row (NULL not allowed) into *v
 * (caller frees; NULL when there are none), their number into *n. 0, or
 * -1 with *cause.
 */
int	rows_ll_column(const PGresult *res, const char *name, long long **v,
	    int *n, char **cause);

#endif
