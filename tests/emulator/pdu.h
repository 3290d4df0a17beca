/*
 * pdu.h: SMS PDU encoding and decoding (3GPP TS 23.040 / 23.038) for the
 * AT modem emulator and for tests that assert what gammu sent.
 *
 * Pure code: no I/O, no globals, no allocation. All hex strings are
 * upper-case and NUL-terminated. Functions return 0 or -1 and set *errstr
 * to a static string on failure.
 */
#ifndef PDU_H
#define PDU_H

#include <stddef.h>
#include <time.h>

enum pdu_coding {
	PDU_GSM7,		/* GSM 03.38 default alphabet (+ extension table) */
	PDU_8BIT,		/* raw octets */
	PDU_UCS2		/* UCS-2 big-endian (UTF-16 surrogates kept) */
};

#define PDU_MAX_ADDR	24	/* digits (or alphanumeric chars) + NUL */
#define PDU_MAX_UD	140	/* octets of TP-User-Data */
#define PDU_MAX_TEXT	(160 * 3 + 1)	/* UTF-8 of one part, NUL included */
#define PDU_MAX_HEX	(2 * (12 + 1 + PDU_MAX_ADDR / 2 + 2 + 7 + 1 + PDU_MAX_UD) + 16)

/* Concatenation information element (8-bit ref: IEI 00, 16-bit: IEI 08). */
struct pdu_concat {
	int	ref;		/* 0-255, or 0-65535 when ref16 */
	int	ref16;		/* use the 16-bit reference element */
	int	total;		/* parts in the set, 1-255 */
	int	seq;		/* this part, 1-based */
};

/* An SMS-DELIVER to encode (network -> modem). */
struct pdu_deliver {
	const char		*sender;	/* "+2389912345", "9912345" or alphanumeric "CVMOVEL" */
	enum pdu_coding		 coding;
	const char		*text;		/* UTF-8 (GSM7, UCS2) or raw octets (8BIT) */
	size_t			 text_len;	/* bytes of text */
	const struct pdu_concat	*concat;	/* NULL: no UDH */
	time_t			 scts;		/* service centre time stamp (UTC) */
	int			 tz_quarters;	/* offset from UTC in quarter hours (-4 = Cabo Verde) */
	int			 msg_class;	/* -1 none, 0-3 */
};

/* An SMS-STATUS-REPORT to encode (network -> modem). */
struct pdu_status_report {
	int		 mr;		/* TP-Message-Reference of the submitted message */
	const char	*recipient;	/* TP-Recipient-Address */
	time_t		 scts;		/* when the SMSC received the message */
	time_t		 dt;		/* discharge time */
	int		 tz_quarters;
	int		 status;	/* TP-Status: 0 delivered, 0x20.. temporary, 0x40.. permanent */
};

/* An SMS-SUBMIT decoded (modem -> network), as gammu sent it. */
struct pdu_submit {
	char			smsc[PDU_MAX_ADDR];	/* "" when the SMSC octet is 00 */
	int			mr;
	char			recipient[PDU_MAX_ADDR];
	int			recipient_type;	/* type-of-address octet, 0x91 international */
	int			pid;
	int			dcs;
	enum pdu_coding		coding;
	int			status_report;	/* TP-SRR bit */
	int			reject_duplicates;
	int			vp_format;	/* 0 none, 2 relative, 1 enhanced, 3 absolute */
	int			vp;		/* relative TP-VP octet, -1 otherwise */
	int			has_udh;
	unsigned char		udh[PDU_MAX_UD];	/* UDH including its length octet */
	size_t			udh_len;
	struct pdu_concat	concat;		/* total == 0 when not concatenated */
	int			ud_units;	/* TP-UDL as sent */
	char			text[PDU_MAX_TEXT * 2];	/* UTF-8, NUL-terminated (8BIT: raw) */
	size_t			text_len;
	int			tpdu_len;	/* octets after the SMSC part */
};

/*
 * Encode an SMS-DELIVER as hex with an empty SMSC ("00" prefix). *tpdu_len
 * gets the length AT+CMGR/+CMT announce (octets without the SMSC part).
 * Fails if the text does not fit one PDU or cannot be encoded in the coding.
 */
int	pdu_encode_deliver(const struct pdu_deliver *d, char *hex, size_t hexsz,
	    int *tpdu_len, const char **errstr);

/* Encode an SMS-STATUS-REPORT as hex with an empty SMSC ("00" prefix). */
int	pdu_encode_status_report(const struct pdu_status_report *r, char *hex,
	    size_t hexsz, int *tpdu_len, const char **errstr);

/*
 * Decode an SMS-SUBMIT given as hex, starting with the SMSC part as sent
 * after AT+CMGS. The text is converted to UTF-8.
 */
int	pdu_decode_submit(const char *hex, struct pdu_submit *out,
	    const char **errstr);

/*
 * Split UTF-8 text into parts that fit one PDU each in the given coding
 * (with a concatenation UDH when more than one part is needed). ends[i]
 * gets the byte offset where part i ends. Never splits a character, a GSM
 * escape pair or a surrogate pair.
 */
int	pdu_split_text(enum pdu_coding coding, const char *text, size_t len,
	    size_t *ends, size_t maxparts, size_t *nparts, const char **errstr);

/* Whether every character of the UTF-8 text exists in the GSM alphabet. */
int	pdu_gsm7_encodable(const char *text, size_t len);

/* Hex helpers: 0 or -1 (odd length, bad digit, no room). */
int	pdu_hex_encode(const unsigned char *bin, size_t len, char *hex,
	    size_t hexsz);
int	pdu_hex_decode(const char *hex, unsigned char *bin, size_t binsz,
	    size_t *len);

/* Map a TP-DCS octet to a coding; -1 for compressed or reserved groups. */
int	pdu_dcs_coding(int dcs, enum pdu_coding *coding);

#endif /* PDU_H */
