/*
 * atcmd.c: AT command dispatch for farol-atemu. Answers what gammu 1.42's
 * AT driver sends at initialisation and during use, in PDU mode only, with
 * the V.25ter verbose framing ("\r\n<info>\r\n" ... "\r\nOK\r\n").
 *
 * Called by line.c for every complete command line and for the PDU typed
 * after the "> " prompt. Injected faults (control.c) are consulted here.
 * Nothing here may block or exit: a command we do not know answers ERROR.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "atemu.h"

#define SMSC_NUMBER	"+2389900000"

static void
ok(struct emu *e)
{
	line_printf(e, "\r\nOK\r\n");
}

static void
error(struct emu *e)
{
	e->stats.errors++;
	line_printf(e, "\r\nERROR\r\n");
}

static void
cme_error(struct emu *e, int code)
{
	e->stats.errors++;
	if (e->cmee == 0)
		line_printf(e, "\r\nERROR\r\n");
	else
		line_printf(e, "\r\n+CME ERROR: %d\r\n", code);
}

static void
cms_error(struct emu *e, int code)
{
	e->stats.errors++;
	if (e->cmee == 0)
		line_printf(e, "\r\nERROR\r\n");
	else
		line_printf(e, "\r\n+CMS ERROR: %d\r\n", code);
}

/* One information line. */
static void
info(struct emu *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
info(struct emu *e, const char *fmt, ...)
{
	char	buf[2048];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	line_printf(e, "\r\n%s\r\n", buf);
}

void
atcmd_init(struct emu *e)
{
	e->echo = 1;
	e->cmee = 0;
	snprintf(e->cscs, sizeof(e->cscs), "GSM");
	memset(e->cnmi, 0, sizeof(e->cnmi));
	e->creg_n = 0;
	e->cgreg_n = 0;
	e->cops_format = 0;
	e->cusd_enabled = 0;
	e->next_mr = 1;
	snprintf(e->ussd_default, sizeof(e->ussd_default),
	    "Saldo: 123.45 CVE");
}

int
atcmd_add_fault(struct emu *e, const char *prefix, int code, int count)
{
	int	i;

	for (i = 0; i < EMU_MAX_FAULTS; i++) {
		if (e->faults[i].count == 0) {
			snprintf(e->faults[i].prefix, sizeof(e->faults[i].prefix),
			    "%s", prefix);
			e->faults[i].code = code;
			e->faults[i].count = count;
			return 0;
		}
	}
	return -1;
}

/* A pending injected +CMS ERROR for this command, or 0. */
static int
take_fault(struct emu *e, const char *cmd)
{
	int	i, code;

	for (i = 0; i < EMU_MAX_FAULTS; i++) {
		struct emu_fault *f = &e->faults[i];

		if (f->count == 0 ||
		    strncasecmp(cmd, f->prefix, strlen(f->prefix)) != 0)
			continue;
		code = f->code;
		if (f->count > 0)
			f->count--;
		return code;
	}
	return 0;
}

int
atcmd_set_ussd(struct emu *e, const char *code, const char *text)
{
	int	i;

	for (i = 0; i < e->nussd; i++)
		if (strcmp(e->ussd[i].code, code) == 0)
			break;
	if (i == e->nussd) {
		if (e->nussd == EMU_MAX_USSD)
			return -1;
		e->nussd++;
	}
	snprintf(e->ussd[i].code, sizeof(e->ussd[i].code), "%s", code);
	snprintf(e->ussd[i].text, sizeof(e->ussd[i].text), "%s", text);
	return 0;
}

static int
is_ucs2(const struct emu *e)
{
	return strcasecmp(e->cscs, "UCS2") == 0;
}

/* Text in the current TE character set (UCS2: hex of UTF-16BE). */
static void
encode_cscs(const struct emu *e, const char *utf8, char *out, size_t sz)
{
	size_t	len = strlen(utf8), o = 0, i = 0;

	if (!is_ucs2(e)) {
		snprintf(out, sz, "%s", utf8);
		return;
	}
	while (i < len && o + 9 < sz) {
		unsigned char	c = (unsigned char)utf8[i];
		unsigned int	cp;
		int		n;

		if (c < 0x80) {
			cp = c;
			n = 1;
		} else if ((c & 0xe0) == 0xc0 && i + 1 < len) {
			cp = (c & 0x1fu) << 6 | ((unsigned char)utf8[i + 1] & 0x3fu);
			n = 2;
		} else if ((c & 0xf0) == 0xe0 && i + 2 < len) {
			cp = (c & 0x0fu) << 12 |
			    ((unsigned char)utf8[i + 1] & 0x3fu) << 6 |
			    ((unsigned char)utf8[i + 2] & 0x3fu);
			n = 3;
		} else {
			cp = '?';
			n = 1;
		}
		o += (size_t)snprintf(out + o, sz - o, "%04X", cp & 0xffff);
		i += (size_t)n;
	}
	out[o] = '\0';
}

/* Decode a quoted string argument from the TE character set to UTF-8. */
static void
decode_cscs(const struct emu *e, const char *in, size_t len, char *out,
    size_t sz)
{
	size_t	i, o = 0;

	if (!is_ucs2(e) || len % 4 != 0) {
		snprintf(out, sz, "%.*s", (int)len, in);
		return;
	}
	for (i = 0; i + 4 <= len && o + 4 < sz; i += 4) {
		char		hex[5];
		unsigned int	cp;

		memcpy(hex, in + i, 4);
		hex[4] = '\0';
		cp = (unsigned int)strtoul(hex, NULL, 16);
		if (cp < 0x80)
			out[o++] = (char)cp;
		else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
}

void
atcmd_send_cusd(struct emu *e, int status, const char *text)
{
	char	enc[1024];

	encode_cscs(e, text, enc, sizeof(enc));
	line_urc(e, "\r\n+CUSD: %d,\"%s\",15\r\n", status, enc);
}

/* Does cmd (after "AT") equal s, or start with s when prefix is set? */
static int
is(const char *cmd, const char *s)
{
	return strcasecmp(cmd, s) == 0;
}

static int
starts(const char *cmd, const char *s)
{
	return strncasecmp(cmd, s, strlen(s)) == 0;
}

static int
slot_index(struct emu *e, const char *arg)
{
	char	*end;
	long	 v = strtol(arg, &end, 10);

	if (end == arg || v < 1 || v > e->nslots)
		return -1;
	return (int)v - 1;
}

static void
cmd_cpms(struct emu *e, const char *arg)
{
	int	used = sim_used(e);

	if (is(arg, "=?")) {
		info(e, "+CPMS: (\"SM\"),(\"SM\"),(\"SM\")");
		ok(e);
		return;
	}
	if (is(arg, "?")) {
		info(e, "+CPMS: \"SM\",%d,%d,\"SM\",%d,%d,\"SM\",%d,%d",
		    used, e->nslots, used, e->nslots, used, e->nslots);
		ok(e);
		return;
	}
	if (arg[0] != '=' || strstr(arg, "\"SM\"") == NULL ||
	    strstr(arg, "\"ME\"") != NULL || strstr(arg, "\"SR\"") != NULL) {
		cms_error(e, 302);
		return;
	}
	info(e, "+CPMS: %d,%d,%d,%d,%d,%d", used, e->nslots, used, e->nslots,
	    used, e->nslots);
	ok(e);
}

static void
cmd_cmgl(struct emu *e, const char *arg)
{
	int	want = 4, i;

	e->stats.cmgl++;
	if (is(arg, "=?")) {
		info(e, "+CMGL: (0-4)");
		ok(e);
		return;
	}
	if (arg[0] == '=') {
		if (arg[1] == '"') {	/* text mode syntax: we are PDU only */
			cms_error(e, 302);
			return;
		}
		want = atoi(arg + 1);
	}
	if (want < 0 || want > 4) {
		cms_error(e, 302);
		return;
	}
	for (i = 0; i < e->nslots; i++) {
		struct emu_slot *s = &e->slots[i];

		if (!s->used || (want != 4 && s->stat != want))
			continue;
		info(e, "+CMGL: %d,%d,,%d", i + 1, s->stat, s->tpdu_len);
		line_printf(e, "%s\r\n", s->pdu);
		if (s->stat == 0)
			s->stat = 1;
	}
	ok(e);
}

static void
cmd_cmgr(struct emu *e, const char *arg)
{
	int	i;

	e->stats.cmgr++;
	if (arg[0] != '=' || (i = slot_index(e, arg + 1)) == -1) {
		cms_error(e, 321);
		return;
	}
	if (!e->slots[i].used) {
		cms_error(e, 321);
		return;
	}
	info(e, "+CMGR: %d,,%d", e->slots[i].stat, e->slots[i].tpdu_len);
	line_printf(e, "%s\r\n", e->slots[i].pdu);
	e->slots[i].stat = 1;
	ok(e);
}

static void
cmd_cmgd(struct emu *e, const char *arg)
{
	int	i, flag = 0;
	char	*comma;

	e->stats.cmgd++;
	if (is(arg, "=?")) {
		info(e, "+CMGD: (1-%d),(0-4)", e->nslots);
		ok(e);
		return;
	}
	if (arg[0] != '=') {
		error(e);
		return;
	}
	if ((comma = strchr(arg, ',')) != NULL)
		flag = atoi(comma + 1);
	if (flag == 0) {
		if ((i = slot_index(e, arg + 1)) == -1) {
			cms_error(e, 321);
			return;
		}
		e->slots[i].used = 0;
		ok(e);
		return;
	}
	for (i = 0; i < e->nslots; i++) {
		struct emu_slot *s = &e->slots[i];

		if (flag == 4 || (flag >= 1 && s->stat == 1))
			s->used = 0;
	}
	ok(e);
}

static void
cmd_cmgs(struct emu *e, const char *arg)
{
	if (arg[0] != '=' || !isdigit((unsigned char)arg[1])) {
		cms_error(e, 304);
		return;
	}
	e->pdu_len_announced = atoi(arg + 1);
	e->in_pdu = 1;
	e->pdulen = 0;
	line_printf(e, "\r\n> ");
}

void
atcmd_cancel_pdu(struct emu *e)
{
	/* A modem answers nothing (or OK) to ESC; gammu never waits for it. */
	line_log(e, "--", "AT+CMGS cancelled", 17);
}

void
atcmd_submit_pdu(struct emu *e, const char *hex)
{
	struct pdu_submit	 sub;
	const char		*errstr;
	int			 code;
	struct emu_sent		*ns;

	line_log(e, "<< PDU", hex, strlen(hex));
	e->stats.cmgs++;
	if ((code = take_fault(e, "AT+CMGS")) != 0) {
		cms_error(e, code);
		return;
	}
	if (pdu_decode_submit(hex, &sub, &errstr) == -1) {
		if (e->verbose)
			fprintf(stderr, "atemu: bad PDU: %s\n", errstr);
		cms_error(e, 304);
		return;
	}
	if (sub.tpdu_len != e->pdu_len_announced) {
		if (e->verbose)
			fprintf(stderr, "atemu: AT+CMGS=%d but TPDU is %d\n",
			    e->pdu_len_announced, sub.tpdu_len);
		cms_error(e, 304);
		return;
	}
	if (e->nsent == e->sentsz) {
		size_t nsz = e->sentsz ? e->sentsz * 2 : 16;

		ns = realloc(e->sent, nsz * sizeof(*ns));
		if (ns == NULL) {
			cms_error(e, 500);
			return;
		}
		e->sent = ns;
		e->sentsz = nsz;
	}
	e->sent[e->nsent].mr = e->next_mr;
	snprintf(e->sent[e->nsent].pdu, sizeof(e->sent[e->nsent].pdu), "%s",
	    hex);
	e->nsent++;
	info(e, "+CMGS: %d", e->next_mr);
	e->next_mr = (e->next_mr + 1) % 256;
	ok(e);
}

static void
cmd_cusd(struct emu *e, const char *arg)
{
	const char	*q, *q2;
	char		 code[64];
	const char	*reply = e->ussd_default;
	int		 i;

	e->stats.cusd++;
	if (is(arg, "=?")) {
		info(e, "+CUSD: (0-2)");
		ok(e);
		return;
	}
	if (is(arg, "?")) {
		info(e, "+CUSD: %d", e->cusd_enabled);
		ok(e);
		return;
	}
	if (arg[0] != '=') {
		error(e);
		return;
	}
	e->cusd_enabled = atoi(arg + 1) == 1;
	if ((q = strchr(arg, '"')) == NULL) {
		ok(e);
		return;
	}
	if ((q2 = strchr(q + 1, '"')) == NULL) {
		cme_error(e, 4);
		return;
	}
	decode_cscs(e, q + 1, (size_t)(q2 - q - 1), code, sizeof(code));
	for (i = 0; i < e->nussd; i++)
		if (strcmp(e->ussd[i].code, code) == 0)
			reply = e->ussd[i].text;
	if (e->verbose)
		fprintf(stderr, "atemu: USSD request %s\n", code);
	ok(e);
	atcmd_send_cusd(e, 0, reply);
}

static void
cmd_cpin(struct emu *e, const char *arg)
{
	const char	*q, *q2;
	char		 pin[32];

	if (is(arg, "?")) {
		if (!e->pin_required)
			info(e, "+CPIN: READY");
		else if (e->pin_attempts >= 3)
			info(e, "+CPIN: SIM PUK");
		else
			info(e, "+CPIN: SIM PIN");
		ok(e);
		return;
	}
	if (arg[0] != '=') {
		error(e);
		return;
	}
	if (!e->pin_required) {
		cme_error(e, 3);		/* operation not allowed */
		return;
	}
	if (e->pin_attempts >= 3) {
		cme_error(e, 12);		/* SIM PUK required */
		return;
	}
	q = strchr(arg, '"');
	q2 = q ? strchr(q + 1, '"') : NULL;
	if (q == NULL || q2 == NULL) {
		snprintf(pin, sizeof(pin), "%s", arg + 1);
	} else
		snprintf(pin, sizeof(pin), "%.*s", (int)(q2 - q - 1), q + 1);
	if (strcmp(pin, e->pin) != 0) {
		e->pin_attempts++;
		cme_error(e, 16);		/* incorrect password */
		return;
	}
	e->pin_required = 0;
	e->pin_attempts = 0;
	ok(e);
}

static void
cmd_creg(struct emu *e, const char *arg, const char *name, int *n)
{
	if (is(arg, "?")) {
		if (*n == 2)
			info(e, "+%s: 2,1,\"00A1\",\"1B2C\"", name);
		else
			info(e, "+%s: %d,1", name, *n);
		ok(e);
	} else if (is(arg, "=?")) {
		info(e, "+%s: (0-2)", name);
		ok(e);
	} else if (arg[0] == '=') {
		*n = atoi(arg + 1);
		ok(e);
	} else
		error(e);
}

static void
cmd_cops(struct emu *e, const char *arg)
{
	if (is(arg, "?")) {
		if (e->cops_format == 2)
			info(e, "+COPS: 0,2,\"62501\"");
		else
			info(e, "+COPS: 0,%d,\"CVMOVEL\"", e->cops_format);
		ok(e);
	} else if (is(arg, "=?")) {
		info(e, "+COPS: (2,\"CVMOVEL\",\"CVMOVEL\",\"62501\"),,(0-4),(0-2)");
		ok(e);
	} else if (arg[0] == '=') {
		const char *c = strchr(arg, ',');

		if (atoi(arg + 1) == 3 && c != NULL)
			e->cops_format = atoi(c + 1);
		ok(e);
	} else
		error(e);
}

static void
cmd_cscs(struct emu *e, const char *arg)
{
	if (is(arg, "?")) {
		info(e, "+CSCS: \"%s\"", e->cscs);
		ok(e);
	} else if (is(arg, "=?")) {
		info(e, "+CSCS: (\"GSM\",\"IRA\",\"UCS2\")");
		ok(e);
	} else if (is(arg, "=\"GSM\"") || is(arg, "=\"IRA\"") ||
	    is(arg, "=\"UCS2\"")) {
		snprintf(e->cscs, sizeof(e->cscs), "%.*s",
		    (int)strlen(arg) - 3, arg + 2);
		ok(e);
	} else
		error(e);
}

static void
cmd_cnmi(struct emu *e, const char *arg)
{
	int	i;
	const char *p;

	if (is(arg, "=?")) {
		info(e, "+CNMI: (0-2),(0-3),(0-3),(0-2),(0-1)");
		ok(e);
		return;
	}
	if (is(arg, "?")) {
		info(e, "+CNMI: %d,%d,%d,%d,%d", e->cnmi[0], e->cnmi[1],
		    e->cnmi[2], e->cnmi[3], e->cnmi[4]);
		ok(e);
		return;
	}
	if (arg[0] != '=') {
		error(e);
		return;
	}
	p = arg + 1;
	for (i = 0; i < 5 && *p != '\0'; i++) {
		e->cnmi[i] = atoi(p);
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	ok(e);
}

/* Commands that need an unlocked SIM. */
static int
needs_sim(const char *cmd)
{
	static const char *const list[] = {
		"+CPMS", "+CMGL", "+CMGR", "+CMGD", "+CMGS", "+CMGW", "+CMSS",
		"+CSCA", "+CUSD=", "+CIMI", "+CNUM", "+CPBR", "+CPBS",
	};
	size_t	i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (starts(cmd, list[i]))
			return 1;
	return 0;
}

static void
cmd_time(struct emu *e)
{
	time_t		now = time(NULL) - 3600;	/* Cabo Verde, UTC-1 */
	struct tm	tm;

	gmtime_r(&now, &tm);
	info(e, "+CCLK: \"%02d/%02d/%02d,%02d:%02d:%02d-04\"",
	    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	ok(e);
}

void
atcmd_execute(struct emu *e, const char *line)
{
	const char	*c;
	int		 code;

	e->stats.commands++;
	if (strncasecmp(line, "AT", 2) != 0) {
		error(e);
		return;
	}
	c = line + 2;
	/* Unplugged the moment the command arrives: gammu is mid-call. */
	if (e->unplug_on[0] != '\0' && strncasecmp(line, e->unplug_on,
	    strlen(e->unplug_on)) == 0) {
		e->unplug_on[0] = '\0';
		line_log(e, "--", "unplugged", 9);
		line_close(e);
		return;
	}
	if (!starts(c, "+CMGS") && (code = take_fault(e, line)) != 0) {
		cms_error(e, code);
		return;
	}
	if (e->pin_required && needs_sim(c)) {
		cme_error(e, e->pin_attempts >= 3 ? 12 : 11);
		return;
	}

	if (*c == '\0' || is(c, "Z") || is(c, "&F") || is(c, "V1") ||
	    is(c, "Q0"))
		ok(e);
	else if (is(c, "E0") || is(c, "E1") || is(c, "E")) {
		e->echo = c[1] == '1';
		if (e->echo)
			e->stats.inits++;
		ok(e);
	} else if (starts(c, "+CMEE=")) {
		e->cmee = atoi(c + 6);
		ok(e);
	} else if (is(c, "+CMEE?")) {
		info(e, "+CMEE: %d", e->cmee);
		ok(e);
	} else if (starts(c, "+CFUN=") || starts(c, "+CMMS=") ||
	    is(c, "+CHUP=?") || is(c, "+CHUP") || is(c, "H") ||
	    starts(c, "+CSMP=") || starts(c, "+CSDH=") ||
	    starts(c, "+CLIP=") || starts(c, "+CRC=") || starts(c, "+CCWA="))
		ok(e);
	else if (is(c, "+CFUN?")) {
		info(e, "+CFUN: 1");
		ok(e);
	} else if (is(c, "+CGMI") || is(c, "+GMI")) {
		info(e, "Farol");
		ok(e);
	} else if (is(c, "+CGMM") || is(c, "+GMM")) {
		info(e, "ATEMU-1");
		ok(e);
	} else if (is(c, "+CGMR") || is(c, "+GMR")) {
		info(e, "atemu 0.1");
		ok(e);
	} else if (is(c, "+CGSN") || is(c, "+GSN")) {
		info(e, "356938035643809");
		ok(e);
	} else if (is(c, "+CIMI")) {
		info(e, "625010123456789");
		ok(e);
	} else if (is(c, "I")) {
		info(e, "Farol ATEMU-1");
		ok(e);
	} else if (starts(c, "+CSCS"))
		cmd_cscs(e, c + 5);
	else if (starts(c, "+CPIN"))
		cmd_cpin(e, c + 5);
	else if (starts(c, "+CPMS"))
		cmd_cpms(e, c + 5);
	else if (is(c, "+CMGF=0"))
		ok(e);
	else if (is(c, "+CMGF?")) {
		info(e, "+CMGF: 0");
		ok(e);
	} else if (is(c, "+CMGF=?")) {
		info(e, "+CMGF: (0)");
		ok(e);
	} else if (starts(c, "+CNMI"))
		cmd_cnmi(e, c + 5);
	else if (starts(c, "+CMGL"))
		cmd_cmgl(e, c + 5);
	else if (starts(c, "+CMGR"))
		cmd_cmgr(e, c + 5);
	else if (starts(c, "+CMGD"))
		cmd_cmgd(e, c + 5);
	else if (starts(c, "+CMGS"))
		cmd_cmgs(e, c + 5);
	else if (is(c, "+CSCA?")) {
		info(e, "+CSCA: \"%s\",145", SMSC_NUMBER);
		ok(e);
	} else if (starts(c, "+CSCA="))
		ok(e);
	else if (starts(c, "+CUSD"))
		cmd_cusd(e, c + 5);
	else if (is(c, "+CSQ")) {
		info(e, "+CSQ: 20,99");
		ok(e);
	} else if (is(c, "+CSQ=?")) {
		info(e, "+CSQ: (0-31,99),(0-7,99)");
		ok(e);
	} else if (starts(c, "+CREG"))
		cmd_creg(e, c + 5, "CREG", &e->creg_n);
	else if (starts(c, "+CGREG"))
		cmd_creg(e, c + 6, "CGREG", &e->cgreg_n);
	else if (is(c, "+CGATT?")) {
		info(e, "+CGATT: 1");
		ok(e);
	} else if (starts(c, "+COPS"))
		cmd_cops(e, c + 5);
	else if (is(c, "+CBC")) {
		info(e, "+CBC: 0,100");
		ok(e);
	} else if (is(c, "+CCLK?"))
		cmd_time(e);
	else
		error(e);		/* +MODE, +CPROT, +SYNCML, $TSSPCSW, ... */
}
