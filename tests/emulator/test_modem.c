/*
 * test_modem.c: the `modem` suite. Drives gammu 1.42's REAL AT driver
 * (connection = at, model = at) against farol-atemu to prove the emulator
 * is faithful and to pin down how libgammu behaves: reading, deleting,
 * multipart joining, notifications, sending with delivery reports, USSD,
 * PIN, injected +CMS errors, a vanished device, a hung modem.
 *
 *   test-atemu-modem <case>     (one meson test per case; see main())
 *
 * Each case is single-threaded (libgammu is not thread-safe), starts its
 * own emulator and never sleeps a fixed time: it pumps GSM_ReadDevice
 * until a callback fired or a deadline passed. Set ATEMU_VERBOSE=1 for the
 * emulator's AT log, ATEMU_GAMMU_DEBUG=1 for gammu's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gammu.h>

#include "atemu_client.h"
#include "check.h"
#include "pdu.h"

static struct atemu		*emu;
static GSM_StateMachine		*gsm;

/* What the callbacks saw. */
static struct {
	int		sms_count;
	GSM_SMSMessage	sms;
	int		status_count;
	int		status;
	int		mr;
	int		ussd_count;
	GSM_USSDStatus	ussd_status;
	char		ussd_text[4 * GSM_MAX_USSD_LENGTH];
} seen;

#define FATAL(...) do {							\
	fprintf(stderr, "%s:%d: FATAL ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define CHECK_ERR(got, want) do {					\
	GSM_Error ge_ = (got), we_ = (want);				\
	if (!check_note(ge_ == we_))					\
		check_fail(__FILE__, __LINE__, #got, "got=%s want=%s",	\
		    GSM_ErrorName(ge_), GSM_ErrorName(we_));		\
} while (0)

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sms_cb(GSM_StateMachine *s, GSM_SMSMessage *sms, void *data)
{
	(void)s;
	(void)data;
	seen.sms = *sms;
	seen.sms_count++;
}

static void
status_cb(GSM_StateMachine *s, int status, int mr, void *data)
{
	(void)s;
	(void)data;
	seen.status = status;
	seen.mr = mr;
	seen.status_count++;
}

static void
ussd_cb(GSM_StateMachine *s, GSM_USSDMessage *ussd, void *data)
{
	(void)s;
	(void)data;
	seen.ussd_status = ussd->Status;
	EncodeUTF8(seen.ussd_text, ussd->Text);
	seen.ussd_count++;
}

/* Pump the device until *counter reaches want or ms pass. */
static int
pump_until(const int *counter, int want, int ms)
{
	long long	end = now_ms() + ms;

	while (*counter < want && now_ms() < end)
		GSM_ReadDevice(gsm, TRUE);
	return *counter >= want;
}

static void
emu_start(int slots)
{
	struct atemu_opts	 o;
	const char		*errstr;

	memset(&o, 0, sizeof(o));
	o.slots = slots;
	o.verbose = getenv("ATEMU_VERBOSE") != NULL;
	if (atemu_start(&o, &emu, &errstr) == -1)
		FATAL("cannot start farol-atemu: %s", errstr);
}

static void
install_callbacks(void)
{
	GSM_SetIncomingSMSCallback(gsm, sms_cb, NULL);
	GSM_SetSendSMSStatusCallback(gsm, status_cb, NULL);
	GSM_SetIncomingUSSDCallback(gsm, ussd_cb, NULL);
}

/* The opening sequence farol uses (see tests/emulator/README.md). */
static GSM_Error
gsm_open(int replynum)
{
	GSM_Config	*cfg;
	GSM_Error	 err;
	int		 i;

	if (gsm == NULL) {
		gsm = GSM_AllocStateMachine();
		if (gsm == NULL)
			FATAL("GSM_AllocStateMachine");
		cfg = GSM_GetConfig(gsm, 0);
		cfg->Device = strdup(atemu_device(emu));
		cfg->Connection = strdup("at");
		snprintf(cfg->Model, sizeof(cfg->Model), "at");
		cfg->SyncTime = FALSE;
		cfg->LockDevice = FALSE;
		cfg->StartInfo = FALSE;
		/* GSM_ReadConfig's default; left at 0, AT+CNMI mode 0 is
		 * chosen and GSM_SetIncomingSMS fails with ERR_NOTSUPPORTED. */
		for (i = 0; i < 5; i++)
			cfg->CNMIParams[i] = -1;
		if (getenv("ATEMU_GAMMU_DEBUG") != NULL) {
			snprintf(cfg->DebugLevel, sizeof(cfg->DebugLevel),
			    "textall");
			cfg->UseGlobalDebugFile = TRUE;
			GSM_SetDebugFileDescriptor(stderr, FALSE,
			    GSM_GetGlobalDebug());
			GSM_SetDebugLevel("textall", GSM_GetGlobalDebug());
		}
		GSM_SetConfigNum(gsm, 1);
	}
	err = GSM_InitConnection(gsm, replynum);
	if (err == ERR_NONE)
		install_callbacks();
	return err;
}

static void
gsm_close(void)
{
	if (gsm == NULL)
		return;
	if (GSM_IsConnected(gsm))
		GSM_TerminateConnection(gsm);
	GSM_FreeStateMachine(gsm);
	gsm = NULL;
}

static void
connect_or_die(int replynum)
{
	GSM_Error	err = gsm_open(replynum);

	if (err != ERR_NONE)
		FATAL("GSM_InitConnection: %s", GSM_ErrorName(err));
}

/* Read every SMS with GSM_GetNextSMS; returns how many, fills out[]. */
static int
read_all(GSM_MultiSMSMessage **out, int max, GSM_Error *last)
{
	GSM_MultiSMSMessage	 cur;
	GSM_Error		 err;
	int			 n = 0, start = TRUE;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		err = GSM_GetNextSMS(gsm, &cur, start);
		start = FALSE;
		if (err != ERR_NONE)
			break;
		if (n < max) {
			out[n] = malloc(sizeof(**out));
			if (out[n] == NULL)
				FATAL("malloc");
			*out[n] = cur;
			n++;
		}
	}
	*last = err;
	return n;
}

static void
free_all(GSM_MultiSMSMessage **v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

static void
utf8_of(const unsigned char *ucs, char *out)
{
	EncodeUTF8(out, ucs);
}

/* ------------------------------------------------------------------ */

static void
case_connect(void)
{
	char	imei[GSM_MAX_IMEI_LENGTH + 1], model[GSM_MAX_MODEL_LENGTH + 1];
	GSM_SignalQuality sig;

	emu_start(0);
	connect_or_die(1);
	CHECK_ERR(GSM_GetIMEI(gsm, imei), ERR_NONE);
	CHECK_STR(imei, "356938035643809");
	CHECK_ERR(GSM_GetModel(gsm, model), ERR_NONE);
	CHECK_STR(model, "ATEMU-1");
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	CHECK_INT(sig.SignalStrength, -73);
	CHECK_INT(atemu_stat_int(emu, "inits"), 1);
	/* gammu must have stayed in PDU mode and never asked for text mode. */
	CHECK_INT(GSM_IsConnected(gsm), TRUE);
}

static void
case_read_delete(void)
{
	static const char *pt =
	    "Explora\xc3\xa7\xc3\xa3o na pra\xc3\xa7" "a, S\xc3\xa3o Vicente";
	GSM_MultiSMSMessage	*v[8];
	GSM_Error		 last;
	char			 text[4 * GSM_MAX_SMS_LENGTH], num[200];
	int			 n, i;
	char			 **lines;
	size_t			 nl;
	const char		*errstr;

	emu_start(0);
	CHECK_INT(atemu_sms(emu, "sms-quiet", "+2389912345", "gsm7",
	    "ALERTA 12 Tarrafal {urgente} 10\xe2\x82\xac"), 1);
	CHECK_INT(atemu_sms(emu, "sms-quiet", "+2389954321", "ucs2", pt), 2);
	CHECK_INT(atemu_sms(emu, "sms-quiet", "CVMOVEL", "gsm7",
	    "Saldo baixo"), 3);
	connect_or_die(1);

	n = read_all(v, 8, &last);
	CHECK_ERR(last, ERR_EMPTY);
	CHECK_INT(n, 3);
	if (n == 3) {
		utf8_of(v[0]->SMS[0].Text, text);
		utf8_of(v[0]->SMS[0].Number, num);
		CHECK_STR(text, "ALERTA 12 Tarrafal {urgente} 10\xe2\x82\xac");
		CHECK_STR(num, "+2389912345");
		CHECK_INT(v[0]->SMS[0].Coding,
		    SMS_Coding_Default_No_Compression);
		CHECK_INT(v[0]->SMS[0].UDH.Type, UDH_NoUDH);
		CHECK_INT(v[0]->SMS[0].State, SMS_UnRead);
		CHECK_INT(v[0]->SMS[0].PDU, SMS_Deliver);

		utf8_of(v[1]->SMS[0].Text, text);
		CHECK_STR(text, pt);
		CHECK_INT(v[1]->SMS[0].Coding,
		    SMS_Coding_Unicode_No_Compression);

		utf8_of(v[2]->SMS[0].Number, num);
		CHECK_STR(num, "CVMOVEL");

		for (i = 0; i < n; i++) {
			GSM_SMSMessage del = v[i]->SMS[0];

			del.Folder = 0;
			CHECK_ERR(GSM_DeleteSMS(gsm, &del), ERR_NONE);
		}
	}
	free_all(v, n);
	if (atemu_list(emu, "stored", &lines, &nl, &errstr) == -1)
		FATAL("stored: %s", errstr);
	CHECK_INT(nl, 0);
	atemu_free_lines(lines, nl);

	/* Read again: nothing left; a full SIM refuses new messages. */
	n = read_all(v, 8, &last);
	CHECK_INT(n, 0);
	CHECK_ERR(last, ERR_EMPTY);
	free_all(v, n);
	atemu_do(emu, "sim-full");
	{
		char		 hex[64], reply[128];

		atemu_hex("x", hex, sizeof(hex));
		CHECK_INT(atemu_cmd(emu, reply, sizeof(reply), &errstr,
		    "sms +2381 gsm7 %s", hex), -1);
		CHECK_STR(reply, "ERR SIM full");
	}
}

static void
case_multipart(void)
{
	GSM_MultiSMSMessage	*v[8], *in[9], *out[9];
	GSM_MultiPartSMSInfo	 info;
	GSM_Error		 last;
	char			 text[4 * 3 * GSM_MAX_SMS_LENGTH], hex[8192];
	char			 want[2048], reply[128];
	const char		*errstr;
	int			 n, i, sets;

	/* 3 UCS-2 parts: 67 + 67 + rest, Portuguese all along. */
	want[0] = '\0';
	for (i = 0; i < 6; i++)
		strcat(want, "Ocorr\xc3\xaancia em S\xc3\xa3o Filipe; ");
	emu_start(0);
	atemu_hex(want, hex, sizeof(hex));
	if (atemu_cmd(emu, reply, sizeof(reply), &errstr,
	    "sms-multi-quiet +2389911111 ucs2 42 2,1,3 %s", hex) == -1)
		FATAL("sms-multi: %s %s", errstr, reply);
	CHECK_STR(reply, "OK 3");
	/* A second set with part 2 of 3 missing. */
	if (atemu_cmd(emu, reply, sizeof(reply), &errstr,
	    "sms-multi-quiet +2389922222 ucs2 43 3,1 %s", hex) == -1)
		FATAL("sms-multi: %s %s", errstr, reply);
	connect_or_die(1);

	n = read_all(v, 8, &last);
	CHECK_ERR(last, ERR_EMPTY);
	CHECK_INT(n, 5);
	/* Stored order is 2,1,3 then 3,1: what gammu reads first is part 2. */
	if (n == 5) {
		CHECK_INT(v[0]->SMS[0].UDH.Type, UDH_ConcatenatedMessages);
		CHECK_INT(v[0]->SMS[0].UDH.PartNumber, 2);
		CHECK_INT(v[0]->SMS[0].UDH.AllParts, 3);
		CHECK_INT(v[0]->SMS[0].UDH.ID8bit, 42);
	}
	for (i = 0; i < n; i++)
		in[i] = v[i];
	in[n] = NULL;
	memset(out, 0, sizeof(out));
	CHECK_ERR(GSM_LinkSMS(GSM_GetGlobalDebug(), in, out, TRUE), ERR_NONE);
	for (sets = 0; out[sets] != NULL; sets++)
		fprintf(stderr, "observed: linked set %d: %d part(s), first "
		    "part %d/%d ref %d\n", sets, out[sets]->Number,
		    out[sets]->SMS[0].UDH.PartNumber,
		    out[sets]->SMS[0].UDH.AllParts, out[sets]->SMS[0].UDH.ID8bit);
	/* gammu 1.42 joins the complete set and hands back each part of
	 * the incomplete one as its own single-part "set". */
	CHECK_INT(sets, 3);
	if (sets == 3) {
		int complete = 0;

		CHECK_INT(out[0]->Number, 3);
		CHECK_INT(out[1]->Number, 1);
		CHECK_INT(out[1]->SMS[0].UDH.ID8bit, 43);
		CHECK_INT(out[2]->Number, 1);
		CHECK_INT(out[2]->SMS[0].UDH.ID8bit, 43);
		for (i = 0; i < out[complete]->Number; i++)
			CHECK_INT(out[complete]->SMS[i].UDH.PartNumber, i + 1);
		GSM_ClearMultiPartSMSInfo(&info);
		CHECK(GSM_DecodeMultiPartSMS(GSM_GetGlobalDebug(), &info,
		    out[complete], TRUE));
		if (info.Entries[0].Buffer != NULL) {
			utf8_of(info.Entries[0].Buffer, text);
			CHECK_STR(text, want);
		}
		GSM_FreeMultiPartSMSInfo(&info);
	}
	for (i = 0; out[i] != NULL; i++)
		free(out[i]);
	free_all(v, n);
}

static void
case_notify(void)
{
	GSM_MultiSMSMessage	 m;
	GSM_SignalQuality	 sig;
	char			 text[4 * GSM_MAX_SMS_LENGTH], cnmi[32];
	int			 slot;

	emu_start(0);
	connect_or_die(1);
	CHECK_ERR(GSM_SetIncomingSMS(gsm, TRUE), ERR_NONE);
	atemu_stat(emu, "cnmi", cnmi, sizeof(cnmi));
	CHECK_STR(cnmi, "2,1,0,2,0");

	/* +CMTI: the callback gets only a location (State 0). */
	slot = atemu_sms(emu, "sms", "+2389912345", "gsm7", "ALERTA 7 Mindelo");
	CHECK(pump_until(&seen.sms_count, 1, 5000));
	CHECK_INT(seen.sms.Location, slot);
	CHECK_INT(seen.sms.State, 0);
	CHECK_INT(seen.sms.Folder, 1);
	memset(&m, 0, sizeof(m));
	m.Number = 1;
	m.SMS[0].Folder = seen.sms.Folder;
	m.SMS[0].Location = seen.sms.Location;
	CHECK_ERR(GSM_GetSMS(gsm, &m), ERR_NONE);
	utf8_of(m.SMS[0].Text, text);
	CHECK_STR(text, "ALERTA 7 Mindelo");

	/* A quiet store raises nothing: the reply to AT+CSQ comes after any
	 * URC the emulator would have sent, so one call proves it. */
	atemu_sms(emu, "sms-quiet", "+2389912345", "gsm7", "quiet");
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	CHECK_INT(seen.sms_count, 1);

	/* +CMT: the whole message, never stored on the SIM. */
	atemu_sms(emu, "cmt", "+2389954321", "ucs2",
	    "Conf\xc3\xadrmo: n\xc2\xba 7");
	CHECK(pump_until(&seen.sms_count, 2, 5000));
	CHECK_INT(seen.sms.PDU, SMS_Deliver);
	utf8_of(seen.sms.Text, text);
	CHECK_STR(text, "Conf\xc3\xadrmo: n\xc2\xba 7");
	CHECK_INT(atemu_stat_int(emu, "stored"), 2);

	/* A URC arriving in the middle of a command is still delivered. */
	atemu_sms(emu, "sms", "+2389912345", "gsm7", "during");
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	CHECK(pump_until(&seen.sms_count, 3, 5000));
}

/* Encode UTF-8 text the way farol sends and push every part. */
static int
send_text(const char *number, const char *utf8, int report)
{
	static unsigned char	 ucs[2 * 2048];
	GSM_MultiPartSMSInfo	 info;
	GSM_MultiSMSMessage	 multi;
	GSM_Error		 err;
	int			 i, before;

	GSM_ClearMultiPartSMSInfo(&info);
	DecodeUTF8(ucs, utf8, strlen(utf8));
	info.EntriesNum = 1;
	info.Entries[0].ID = SMS_ConcatenatedAutoTextLong;
	info.Entries[0].Buffer = ucs;
	memset(&multi, 0, sizeof(multi));
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, &multi);
	if (err != ERR_NONE)
		FATAL("GSM_EncodeMultiPartSMS: %s", GSM_ErrorName(err));
	for (i = 0; i < multi.Number; i++) {
		GSM_SMSMessage *p = &multi.SMS[i];

		p->SMSC.Location = 1;
		EncodeUnicode(p->Number, number, strlen(number));
		if (report)
			p->PDU = SMS_Status_Report;
		before = seen.status_count;
		err = GSM_SendSMS(gsm, p);
		CHECK_ERR(err, ERR_NONE);
		if (err != ERR_NONE)
			return -1;
		/* The result arrives later: pump until the callback. */
		CHECK(pump_until(&seen.status_count, before + 1, 10000));
	}
	return multi.Number;
}

static void
case_send(void)
{
	static const char *msg =
	    "Alerta 12: a\xc3\xa7\xc3\xa3o necess\xc3\xa1ria na pra\xc3\xa7" "a";
	struct pdu_submit	 sub;
	char			 **lines, longtext[1024], joined[2048];
	size_t			 nl, k;
	const char		*errstr;
	int			 mr, parts;

	emu_start(0);
	connect_or_die(1);
	CHECK_ERR(GSM_SetIncomingSMS(gsm, TRUE), ERR_NONE);

	CHECK_INT(send_text("+2389912345", msg, 1), 1);
	CHECK_INT(seen.status, 0);
	mr = seen.mr;
	CHECK(mr > 0);
	if (atemu_list(emu, "sent", &lines, &nl, &errstr) == -1)
		FATAL("sent: %s", errstr);
	CHECK_INT(nl, 1);
	if (nl == 1) {
		CHECK_INT(atoi(lines[0]), mr);
		CHECK_INT(pdu_decode_submit(strchr(lines[0], ' ') + 1, &sub,
		    &errstr), 0);
		CHECK_STR(sub.recipient, "+2389912345");
		CHECK_STR(sub.text, msg);
		CHECK_INT(sub.coding, PDU_UCS2);
		CHECK_INT(sub.status_report, 1);
		CHECK_STR(sub.smsc, "+2389900000");
	}
	atemu_free_lines(lines, nl);

	/* The delivery report comes back with the same reference. */
	atemu_do(emu, "cds %d +2389912345 0", mr);
	CHECK(pump_until(&seen.sms_count, 1, 5000));
	CHECK_INT(seen.sms.PDU, SMS_Status_Report);
	CHECK_INT(seen.sms.MessageReference, mr);
	CHECK_INT(seen.sms.DeliveryStatus, 0);

	/* A long GSM-7 text goes as concatenated parts, in order. */
	atemu_do(emu, "clear-sent");
	longtext[0] = '\0';
	for (k = 0; k < 8; k++)
		strcat(longtext, "Reuniao de coordenacao amanha as 9h. ");
	parts = send_text("+2389912345", longtext, 0);
	CHECK_INT(parts, 2);
	if (atemu_list(emu, "sent", &lines, &nl, &errstr) == -1)
		FATAL("sent: %s", errstr);
	CHECK_INT(nl, 2);
	joined[0] = '\0';
	for (k = 0; k < nl; k++) {
		if (pdu_decode_submit(strchr(lines[k], ' ') + 1, &sub,
		    &errstr) == -1) {
			check_fail(__FILE__, __LINE__, "pdu_decode_submit",
			    "%s", errstr);
			continue;
		}
		CHECK_INT(sub.coding, PDU_GSM7);
		CHECK_INT(sub.concat.total, 2);
		CHECK_INT(sub.concat.seq, (int)k + 1);
		CHECK_INT(sub.status_report, 0);
		strcat(joined, sub.text);
	}
	CHECK_STR(joined, longtext);
	/* References increase. */
	if (nl == 2)
		CHECK_INT(atoi(lines[1]), atoi(lines[0]) + 1);
	atemu_free_lines(lines, nl);
}

static void
case_cms_error(void)
{
	GSM_MultiSMSMessage	*v[4];
	GSM_Error		 last;
	char			 **lines;
	size_t			 nl;
	const char		*errstr;
	int			 n;

	emu_start(0);
	connect_or_die(1);
	atemu_do(emu, "cms-error AT+CMGS 500 1");
	/* GSM_SendSMS returns once the PDU is written; the failure arrives
	 * in the status callback with the +CMS ERROR code and mr -1. */
	CHECK_INT(send_text("+2389912345", "teste", 0), 1);
	CHECK_INT(seen.status, 500);
	CHECK_INT(seen.mr, -1);
	CHECK_INT(send_text("+2389912345", "teste", 0), 1);
	CHECK_INT(seen.status, 0);
	CHECK(seen.mr > 0);
	if (atemu_list(emu, "sent", &lines, &nl, &errstr) == -1)
		FATAL("sent: %s", errstr);
	CHECK_INT(nl, 1);
	atemu_free_lines(lines, nl);

	/* A failing listing is not an error for GSM_GetNextSMS: gammu falls
	 * back to reading location after location with AT+CMGR. */
	atemu_sms(emu, "sms-quiet", "+2389912345", "gsm7", "x");
	atemu_do(emu, "cms-error AT+CMGL 500 1");
	n = read_all(v, 4, &last);
	CHECK_INT(n, 1);
	CHECK_ERR(last, ERR_EMPTY);
	CHECK(atemu_stat_int(emu, "cmgr") >= 1);
	free_all(v, n);
}

static void
case_ussd(void)
{
	GSM_SignalQuality	sig;

	emu_start(0);
	connect_or_die(1);
	CHECK_ERR(GSM_SetIncomingUSSD(gsm, TRUE), ERR_NONE);
	CHECK_ERR(GSM_DialService(gsm, (char *)"*111#"), ERR_NONE);
	CHECK(pump_until(&seen.ussd_count, 1, 5000));
	CHECK_STR(seen.ussd_text, "Saldo: 123.45 CVE");
	CHECK_INT(seen.ussd_status, USSD_NoActionNeeded);

	atemu_do(emu, "ussd-reply %s %s", "*222#",
	    "Tem 50 SMS gr\xc3\xa1tis at\xc3\xa9 31/12");
	CHECK_ERR(GSM_DialService(gsm, (char *)"*222#"), ERR_NONE);
	CHECK(pump_until(&seen.ussd_count, 2, 5000));
	CHECK_STR(seen.ussd_text, "Tem 50 SMS gr\xc3\xa1tis at\xc3\xa9 31/12");

	/* Network-initiated USSD. */
	atemu_do(emu, "cusd Mensagem da rede");
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	CHECK(pump_until(&seen.ussd_count, 3, 5000));
	CHECK_STR(seen.ussd_text, "Mensagem da rede");
}

static void
case_pin(void)
{
	GSM_SecurityCodeType	 st;
	GSM_SecurityCode	 code;
	GSM_MultiSMSMessage	*v[4];
	GSM_Error		 last, err;
	int			 n;

	emu_start(0);
	atemu_do(emu, "pin 1234");
	atemu_sms(emu, "sms-quiet", "+2389912345", "gsm7", "depois do PIN");
	/* Initialisation does not touch the SIM: it succeeds. */
	connect_or_die(1);
	CHECK_ERR(GSM_GetSecurityStatus(gsm, &st), ERR_NONE);
	CHECK_INT(st, SEC_Pin);
	n = read_all(v, 4, &last);
	CHECK_INT(n, 0);
	CHECK_ERR(last, ERR_SECURITYERROR);
	free_all(v, n);

	/* A wrong PIN: one attempt used, ERR_SECURITYERROR; never retry. */
	memset(&code, 0, sizeof(code));
	code.Type = SEC_Pin;
	snprintf(code.Code, sizeof(code.Code), "0000");
	CHECK_ERR(GSM_EnterSecurityCode(gsm, &code), ERR_SECURITYERROR);
	CHECK_INT(atemu_stat_int(emu, "pin_attempts"), 1);

	snprintf(code.Code, sizeof(code.Code), "1234");
	err = GSM_EnterSecurityCode(gsm, &code);
	CHECK_ERR(err, ERR_NONE);
	CHECK_ERR(GSM_GetSecurityStatus(gsm, &st), ERR_NONE);
	CHECK_INT(st, SEC_None);
	n = read_all(v, 4, &last);
	CHECK_INT(n, 1);
	CHECK_ERR(last, ERR_EMPTY);
	free_all(v, n);
}

static void
case_unplug(void)
{
	GSM_SignalQuality	sig;
	GSM_Error		err;
	long long		t0;

	emu_start(0);
	connect_or_die(1);
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	atemu_do(emu, "unplug");
	t0 = now_ms();
	err = GSM_GetSignalQuality(gsm, &sig);
	fprintf(stderr, "observed: after unplug GSM_GetSignalQuality -> %s "
	    "in %lld ms, GSM_IsConnected=%d, GSM_ReadDevice=%d\n",
	    GSM_ErrorName(err), now_ms() - t0, GSM_IsConnected(gsm),
	    GSM_ReadDevice(gsm, FALSE));
	CHECK(err != ERR_NONE);
	CHECK_ERR(err, ERR_DEVICEWRITEERROR);
	CHECK_INT(GSM_IsConnected(gsm), TRUE);

	atemu_do(emu, "replug");
	err = GSM_TerminateConnection(gsm);
	fprintf(stderr, "observed: GSM_TerminateConnection -> %s\n",
	    GSM_ErrorName(err));
	CHECK_ERR(gsm_open(1), ERR_NONE);
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	CHECK_INT(atemu_stat_int(emu, "inits"), 2);
	/* Callbacks and incoming flags were reset by InitConnection. */
	CHECK_ERR(GSM_SetIncomingSMS(gsm, TRUE), ERR_NONE);
	atemu_sms(emu, "sms", "+2389912345", "gsm7", "depois");
	CHECK(pump_until(&seen.sms_count, 1, 5000));
}

static void
case_hang(void)
{
	GSM_SignalQuality	 sig;
	GSM_SMSMessage		 del;
	GSM_Error		 err;
	long long		 t0, took;

	GSM_MultiSMSMessage	*v[4];
	int			 n;

	emu_start(0);
	atemu_sms(emu, "sms-quiet", "+2389912345", "gsm7", "x");
	connect_or_die(1);
	/* Let gammu learn the SMS mode and memories first: hung during
	 * that, it waits on AT+CPMS=? for 200 ticks (minutes). */
	n = read_all(v, 4, &err);
	CHECK_INT(n, 1);
	free_all(v, n);
	atemu_do(emu, "hang 30000");
	/* GSM_SetIncomingUSSD sends AT+CUSD=1 with one of gammu's shortest
	 * waits: 10 ticks, each lasting until the wall-clock second turns.
	 * (GSM_DeleteSMS reads the message first: AT+CMGR waits 50.) */
	t0 = now_ms();
	err = GSM_SetIncomingUSSD(gsm, TRUE);
	took = now_ms() - t0;
	fprintf(stderr, "observed: hung modem, GSM_SetIncomingUSSD -> %s in "
	    "%lld ms\n", GSM_ErrorName(err), took);
	CHECK_ERR(err, ERR_TIMEOUT);
	CHECK(took >= 8000 && took < 15000);
	CHECK(atemu_stat_int(emu, "dropped") > 0);
	atemu_do(emu, "resume");
	CHECK_ERR(GSM_GetSignalQuality(gsm, &sig), ERR_NONE);
	memset(&del, 0, sizeof(del));
	del.Folder = 0;
	del.Location = 1;
	CHECK_ERR(GSM_DeleteSMS(gsm, &del), ERR_NONE);
	CHECK_INT(atemu_stat_int(emu, "stored"), 0);
}

static const struct {
	const char	*name;
	void		(*fn)(void);
} cases[] = {
	{ "connect", case_connect },
	{ "read-delete", case_read_delete },
	{ "multipart", case_multipart },
	{ "notify", case_notify },
	{ "send", case_send },
	{ "cms-error", case_cms_error },
	{ "ussd", case_ussd },
	{ "pin", case_pin },
	{ "unplug", case_unplug },
	{ "hang", case_hang },
};

int
main(int argc, char **argv)
{
	size_t		i;
	long long	t0 = now_ms();

	if (argc != 2) {
		fprintf(stderr, "usage: test-atemu-modem case\ncases:");
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			fprintf(stderr, " %s", cases[i].name);
		fputc('\n', stderr);
		return 2;
	}
	GSM_InitLocales(NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[1], cases[i].name) == 0)
			break;
	if (i == sizeof(cases) / sizeof(cases[0])) {
		fprintf(stderr, "unknown case %s\n", argv[1]);
		return 2;
	}
	cases[i].fn();
	gsm_close();
	/* The emulator must exit cleanly (sanitizer reports fail it). */
	CHECK_INT(atemu_stop(emu), 0);
	fprintf(stderr, "case %s: %d failure(s), %lld ms\n", argv[1],
	    check_failures(), now_ms() - t0);
	return check_status();
}
