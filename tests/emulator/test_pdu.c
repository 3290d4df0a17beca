/*
 * test_pdu.c: unit tests of pdu.c (suite `unit`). Known PDUs (the classic
 * "hellohello" septet packing, an SMS-SUBMIT captured from gammu 1.42
 * sending through farol-atemu) plus a cross-check of every encoded
 * SMS-DELIVER and STATUS-REPORT by gammu's own decoder
 * (GSM_DecodePDUFrame), which is what the AT driver runs on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gammu.h>

#include "check.h"
#include "pdu.h"


/* 2026-11-22 10:00:00 UTC */
#define T0	((time_t)1795341600)

/* Decode our hex with gammu; text as UTF-8. */
static int
gammu_decode(const char *hex, GSM_SMSMessage *sms, char *utf8, size_t sz)
{
	unsigned char	bin[200];
	size_t		len, pos = 0;
	GSM_Error	err;

	if (pdu_hex_decode(hex, bin, sizeof(bin), &len) == -1)
		return -1;
	memset(sms, 0, sizeof(*sms));
	err = GSM_DecodePDUFrame(GSM_GetGlobalDebug(), sms, bin, len, &pos,
	    TRUE);
	if (err != ERR_NONE) {
		fprintf(stderr, "gammu: %s\n", GSM_ErrorString(err));
		return -1;
	}
	if (pos != len) {
		fprintf(stderr, "gammu parsed %zu of %zu octets\n", pos, len);
		return -1;
	}
	if (utf8 != NULL) {
		if (sz < 4 * GSM_MAX_SMS_LENGTH)
			return -1;
		EncodeUTF8(utf8, sms->Text);
	}
	return 0;
}

static void
test_known_deliver(void)
{
	struct pdu_deliver	d = { 0 };
	char			hex[PDU_MAX_HEX];
	const char		*errstr = NULL;
	int			tpdu = 0;

	d.sender = "+2389912345";
	d.coding = PDU_GSM7;
	d.text = "hellohello";
	d.text_len = 10;
	d.scts = T0;
	d.tz_quarters = -4;
	d.msg_class = -1;
	CHECK_INT(pdu_encode_deliver(&d, hex, sizeof(hex), &tpdu, &errstr), 0);
	/* SMSC 00, DELIVER+MMS, +2389912345, PID, DCS, 26-11-22 09:00:00 -1h */
	CHECK_STR(hex, "00040A913298193254000062112290000048"
	    "0AE8329BFD4697D9EC37");
	CHECK_INT(tpdu, 27);
}

static void
test_known_submit(void)
{
	/* Captured: gammu sendsms TEXT +2389912345 -unicode -report. */
	struct pdu_submit	 s;
	const char		*errstr = NULL;

	CHECK_INT(pdu_decode_submit("0691329809000031000A913298193254"
	    "0008FF2E0041006C0065007200740061003A0020006100E700E3006F0020"
	    "006E0065006300650073007300E1007200690061", &s, &errstr), 0);
	CHECK_STR(s.smsc, "+2389900000");
	CHECK_STR(s.recipient, "+2389912345");
	CHECK_INT(s.recipient_type, 0x91);
	CHECK_INT(s.coding, PDU_UCS2);
	CHECK_INT(s.status_report, 1);
	CHECK_INT(s.vp_format, 2);
	CHECK_INT(s.vp, 0xff);
	CHECK_INT(s.has_udh, 0);
	CHECK_INT(s.tpdu_len, 59);
	CHECK_STR(s.text, "Alerta: a\xc3\xa7\xc3\xa3o necess\xc3\xa1ria");

	/* The classic "hellohello" SMS-SUBMIT, 7-bit, no SMSC. */
	CHECK_INT(pdu_decode_submit("0011000B916407281553F80000AA0A"
	    "E8329BFD4697D9EC37", &s, &errstr), 0);
	CHECK_STR(s.recipient, "+46708251358");
	CHECK_STR(s.text, "hellohello");
	CHECK_INT(s.status_report, 0);
	CHECK_INT(s.vp, 0xaa);
	CHECK_STR(s.smsc, "");
}

static void
test_submit_udh(void)
{
	/* SUBMIT with 8-bit concat UDH (ref 0x2A, part 2/3), 7-bit "abc". */
	struct pdu_submit	 s;
	const char		*errstr = NULL;
	static const unsigned char sep[3] = { 'a', 'b', 'c' };
	unsigned char		 b[64] = { 0 };
	char			 hex[200];
	size_t			 n = 0, k, bit, pos;

	b[n++] = 0x00;			/* SMSC */
	b[n++] = 0x41;			/* SUBMIT, UDHI, no VP */
	b[n++] = 0x00;			/* MR */
	b[n++] = 0x03; b[n++] = 0x81; b[n++] = 0x21; b[n++] = 0xf3;	/* 123 */
	b[n++] = 0x00; b[n++] = 0x00;	/* PID, DCS */
	b[n++] = 7 + 3;			/* UDL: 7 header septets + 3 */
	b[n++] = 0x05; b[n++] = 0x00; b[n++] = 0x03;
	b[n++] = 0x2a; b[n++] = 0x03; b[n++] = 0x02;
	/* 48 header bits + 1 fill bit: text starts at bit 49 */
	for (k = 0; k < 3; k++)
		for (bit = 0; bit < 7; bit++) {
			pos = 49 + 7 * k + bit;
			if ((sep[k] >> bit) & 1)
				b[10 + pos / 8] |= (unsigned char)(1u << (pos % 8));
		}
	n = 10 + (49 + 21 + 7) / 8;
	CHECK_INT(pdu_hex_encode(b, n, hex, sizeof(hex)), 0);
	CHECK_INT(pdu_decode_submit(hex, &s, &errstr), 0);
	CHECK_STR(s.recipient, "123");
	CHECK_INT(s.has_udh, 1);
	CHECK_INT(s.concat.ref, 0x2a);
	CHECK_INT(s.concat.total, 3);
	CHECK_INT(s.concat.seq, 2);
	CHECK_STR(s.text, "abc");
}

struct deliver_case {
	const char	*name;
	const char	*sender;
	enum pdu_coding	 coding;
	const char	*text;
	int		 ref, total, seq;	/* total 0: no UDH */
	int		 want_coding;		/* GSM_Coding_Type */
	const char	*want_number;
};

static const struct deliver_case deliver_cases[] = {
	{ "gsm7 plain", "+2389912345", PDU_GSM7, "Ola, tudo bem?", 0, 0, 0,
	  SMS_Coding_Default_No_Compression, "+2389912345" },
	{ "gsm7 extension table", "9912345", PDU_GSM7,
	  "{x} [y] ~z^ \\ | 10\xe2\x82\xac", 0, 0, 0,
	  SMS_Coding_Default_No_Compression, "9912345" },
	{ "gsm7 accents in alphabet", "+2389912345", PDU_GSM7,
	  "\xc3\xa9\xc3\xa8\xc3\xa0 \xc3\x87 \xc3\xbc@\xc2\xa3$", 0, 0, 0,
	  SMS_Coding_Default_No_Compression, "+2389912345" },
	{ "ucs2 portuguese", "+2389954321", PDU_UCS2,
	  "Explora\xc3\xa7\xc3\xa3o na pra\xc3\xa7" "a, S\xc3\xa3o Vicente",
	  0, 0, 0, SMS_Coding_Unicode_No_Compression, "+2389954321" },
	{ "gsm7 concat part", "+2389911111", PDU_GSM7, "parte dois", 42, 3, 2,
	  SMS_Coding_Default_No_Compression, "+2389911111" },
	{ "ucs2 concat part", "+2389911111", PDU_UCS2, "ca\xc3\xa7" "a", 7,
	  2, 1, SMS_Coding_Unicode_No_Compression, "+2389911111" },
	{ "alphanumeric sender", "CVMOVEL", PDU_GSM7, "Saldo baixo", 0, 0, 0,
	  SMS_Coding_Default_No_Compression, "CVMOVEL" },
	{ "160 septets", "+2381", PDU_GSM7,
	  "0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789", 0, 0, 0,
	  SMS_Coding_Default_No_Compression, "+2381" },
};

static void
test_deliver_gammu(void)
{
	size_t			i;
	struct pdu_deliver	d;
	struct pdu_concat	c;
	GSM_SMSMessage		sms;
	char			hex[PDU_MAX_HEX], text[4 * GSM_MAX_SMS_LENGTH];
	char			num[200];
	const char		*errstr = NULL;
	int			tpdu = 0;

	for (i = 0; i < sizeof(deliver_cases) / sizeof(deliver_cases[0]); i++) {
		const struct deliver_case *t = &deliver_cases[i];

		memset(&d, 0, sizeof(d));
		d.sender = t->sender;
		d.coding = t->coding;
		d.text = t->text;
		d.text_len = strlen(t->text);
		d.scts = T0;
		d.tz_quarters = -4;
		d.msg_class = -1;
		if (t->total > 0) {
			c.ref = t->ref;
			c.ref16 = 0;
			c.total = t->total;
			c.seq = t->seq;
			d.concat = &c;
		}
		if (pdu_encode_deliver(&d, hex, sizeof(hex), &tpdu,
		    &errstr) == -1) {
			check_fail(__FILE__, __LINE__, "pdu_encode_deliver",
			    "case %s: %s", t->name, errstr);
			continue;
		}
		CHECK_INT((int)strlen(hex) / 2 - 1, tpdu);
		if (gammu_decode(hex, &sms, text, sizeof(text)) == -1) {
			check_fail(__FILE__, __LINE__, "gammu_decode",
			    "case %s: gammu cannot decode %s", t->name, hex);
			continue;
		}
		EncodeUTF8(num, sms.Number);
		fprintf(stderr, "case %s\n", t->name);
		CHECK_INT(sms.PDU, SMS_Deliver);
		CHECK_STR(text, t->text);
		CHECK_STR(num, t->want_number);
		CHECK_INT(sms.Coding, t->want_coding);
		CHECK_INT(sms.DateTime.Year, 2026);
		CHECK_INT(sms.DateTime.Month, 11);
		CHECK_INT(sms.DateTime.Day, 22);
		CHECK_INT(sms.DateTime.Hour, 9);
		CHECK_INT(sms.DateTime.Timezone, -3600);
		if (t->total > 0) {
			CHECK_INT(sms.UDH.Type, UDH_ConcatenatedMessages);
			CHECK_INT(sms.UDH.ID8bit, t->ref);
			CHECK_INT(sms.UDH.AllParts, t->total);
			CHECK_INT(sms.UDH.PartNumber, t->seq);
		} else
			CHECK_INT(sms.UDH.Type, UDH_NoUDH);
	}
}

static void
test_status_report_gammu(void)
{
	static const int	statuses[] = { 0x00, 0x30, 0x41 };
	struct pdu_status_report r;
	GSM_SMSMessage		sms;
	char			hex[PDU_MAX_HEX], num[200];
	const char		*errstr = NULL;
	int			tpdu = 0;
	size_t			i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.mr = 17 + (int)i;
		r.recipient = "+2389912345";
		r.scts = T0;
		r.dt = T0 + 5;
		r.tz_quarters = -4;
		r.status = statuses[i];
		CHECK_INT(pdu_encode_status_report(&r, hex, sizeof(hex), &tpdu,
		    &errstr), 0);
		CHECK_INT(gammu_decode(hex, &sms, NULL, 0), 0);
		EncodeUTF8(num, sms.Number);
		CHECK_INT(sms.PDU, SMS_Status_Report);
		CHECK_INT(sms.MessageReference, 17 + (int)i);
		CHECK_INT(sms.DeliveryStatus, statuses[i]);
		CHECK_STR(num, "+2389912345");
	}
}

struct split_case {
	enum pdu_coding	 coding;
	const char	*fill;		/* repeated */
	size_t		 reps;
	size_t		 want_parts;
	size_t		 want_first;	/* bytes in part 1 */
};

static void
test_split(void)
{
	static const struct split_case cases[] = {
		{ PDU_GSM7, "a", 160, 1, 160 },
		{ PDU_GSM7, "a", 161, 2, 153 },
		{ PDU_GSM7, "a", 306, 2, 153 },
		{ PDU_GSM7, "a", 307, 3, 153 },
		/* 80 euro signs: 160 septets fit one; 81: 76 per part */
		{ PDU_GSM7, "\xe2\x82\xac", 80, 1, 240 },
		{ PDU_GSM7, "\xe2\x82\xac", 81, 2, 76 * 3 },
		{ PDU_UCS2, "\xc3\xa7", 70, 1, 140 },
		{ PDU_UCS2, "\xc3\xa7", 71, 2, 67 * 2 },
		{ PDU_UCS2, "\xf0\x9f\x98\x80", 35, 1, 140 },
		{ PDU_UCS2, "\xf0\x9f\x98\x80", 36, 2, 33 * 4 },
	};
	char		text[2048];
	size_t		ends[16], n, i, k, fl;
	const char	*errstr = NULL;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fl = strlen(cases[i].fill);
		for (k = 0; k < cases[i].reps; k++)
			memcpy(text + k * fl, cases[i].fill, fl);
		text[cases[i].reps * fl] = '\0';
		n = 0;
		CHECK_INT(pdu_split_text(cases[i].coding, text, strlen(text),
		    ends, 16, &n, &errstr), 0);
		CHECK_INT(n, cases[i].want_parts);
		CHECK_INT(ends[0], cases[i].want_first);
		CHECK_INT(ends[n - 1], strlen(text));
	}
	CHECK_INT(pdu_split_text(PDU_GSM7, "\xc3\xa7", 2, ends, 16, &n,
	    &errstr), -1);
}

static void
test_errors(void)
{
	struct pdu_deliver	d = { 0 };
	struct pdu_submit	s;
	char			hex[PDU_MAX_HEX], big[200];
	const char		*errstr = NULL;
	int			tpdu;

	d.sender = "+2389912345";
	d.coding = PDU_GSM7;
	d.text = "a\xc3\xa7";	/* c-cedilla is not in GSM 7-bit */
	d.text_len = strlen(d.text);
	d.msg_class = -1;
	CHECK_INT(pdu_encode_deliver(&d, hex, sizeof(hex), &tpdu, &errstr),
	    -1);
	memset(big, 'x', 161);
	big[161] = '\0';
	d.text = big;
	d.text_len = 161;
	CHECK_INT(pdu_encode_deliver(&d, hex, sizeof(hex), &tpdu, &errstr),
	    -1);
	d.text = "ok";
	d.text_len = 2;
	CHECK_INT(pdu_encode_deliver(&d, hex, 10, &tpdu, &errstr), -1);
	CHECK_INT(pdu_decode_submit("0011000B9164072", &s, &errstr), -1);
	CHECK_INT(pdu_decode_submit("00ZZ", &s, &errstr), -1);
	/* An SMS-DELIVER is not an SMS-SUBMIT. */
	CHECK_INT(pdu_decode_submit("00040A913298193254000062112290000048"
	    "0AE8329BFD4697D9EC37", &s, &errstr), -1);
	/* TP-UDL longer than the data. */
	CHECK_INT(pdu_decode_submit("0011000B916407281553F80000AA0A"
	    "E8329BFD", &s, &errstr), -1);
	CHECK(pdu_gsm7_encodable("Ola {}", 6));
	CHECK(!pdu_gsm7_encodable("a\xc3\xa3", 3));
}

int
main(void)
{
	GSM_InitLocales(NULL);
	test_known_deliver();
	test_known_submit();
	test_submit_udh();
	test_deliver_gammu();
	test_status_report_gammu();
	test_split();
	test_errors();
	if (check_status() != 0)
		return 1;
	fprintf(stderr, "all PDU checks passed\n");
	return 0;
}
