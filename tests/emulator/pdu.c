/*
 * pdu.c: SMS PDU encoding (SMS-DELIVER, SMS-STATUS-REPORT) and decoding
 * (SMS-SUBMIT) per 3GPP TS 23.040, with the GSM 03.38 alphabet.
 *
 * Called by the AT modem emulator (to build what the "network" delivers)
 * and by tests (to assert what gammu submitted). Pure code: nothing here
 * may do I/O, allocate or keep state between calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pdu.h"

/* GSM 03.38 default alphabet: septet -> Unicode code point. */
static const uint16_t gsm7_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0xffff, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* Extension table, reached through the escape septet 0x1B. */
static const struct {
	uint8_t		septet;
	uint16_t	cp;
} gsm7_ext[] = {
	{ 0x0a, 0x000c }, { 0x14, 0x005e }, { 0x28, 0x007b }, { 0x29, 0x007d },
	{ 0x2f, 0x005c }, { 0x3c, 0x005b }, { 0x3d, 0x007e }, { 0x3e, 0x005d },
	{ 0x40, 0x007c }, { 0x65, 0x20ac },
};

#define GSM7_ESC	0x1b
#define MAX_SEPTETS	320	/* room for escapes while measuring */

static int
utf8_next(const char *s, size_t len, size_t *i, uint32_t *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 c;
	size_t			 n, k;

	if (*i >= len)
		return -1;
	c = u[*i];
	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		c &= 0x07;
	} else
		return -1;
	if (*i + n >= len)
		return -1;
	for (k = 1; k <= n; k++) {
		if ((u[*i + k] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (u[*i + k] & 0x3f);
	}
	if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
	    (n == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*i += n + 1;
	*cp = c;
	return 0;
}

static int
utf8_put(uint32_t cp, char *out, size_t sz, size_t *pos)
{
	unsigned char	b[4];
	size_t		n, k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*pos + n + 1 > sz)
		return -1;
	for (k = 0; k < n; k++)
		out[(*pos)++] = (char)b[k];
	out[*pos] = '\0';
	return 0;
}

/* Septets needed for a code point: 1, 2 (escaped) or 0 if not encodable. */
static int
gsm7_lookup(uint32_t cp, uint8_t *septet, int *escaped)
{
	size_t	i;

	for (i = 0; i < 128; i++) {
		if (gsm7_basic[i] == cp && i != GSM7_ESC) {
			*septet = (uint8_t)i;
			*escaped = 0;
			return 1;
		}
	}
	for (i = 0; i < sizeof(gsm7_ext) / sizeof(gsm7_ext[0]); i++) {
		if (gsm7_ext[i].cp == cp) {
			*septet = gsm7_ext[i].septet;
			*escaped = 1;
			return 2;
		}
	}
	return 0;
}

int
pdu_gsm7_encodable(const char *text, size_t len)
{
	size_t		i = 0;
	uint32_t	cp;
	uint8_t		sp;
	int		esc;

	while (i < len) {
		if (utf8_next(text, len, &i, &cp) == -1)
			return 0;
		if (gsm7_lookup(cp, &sp, &esc) == 0)
			return 0;
	}
	return 1;
}

/* UTF-8 -> septets (escapes expanded). */
static int
text_to_septets(const char *text, size_t len, uint8_t *sep, size_t max,
    size_t *n, const char **errstr)
{
	size_t		i = 0;
	uint32_t	cp;
	uint8_t		sp;
	int		esc;

	*n = 0;
	while (i < len) {
		if (utf8_next(text, len, &i, &cp) == -1) {
			*errstr = "invalid UTF-8";
			return -1;
		}
		if (gsm7_lookup(cp, &sp, &esc) == 0) {
			*errstr = "character not in the GSM 7-bit alphabet";
			return -1;
		}
		if (*n + (size_t)(esc ? 2 : 1) > max) {
			*errstr = "text too long for one PDU";
			return -1;
		}
		if (esc)
			sep[(*n)++] = GSM7_ESC;
		sep[(*n)++] = sp;
	}
	return 0;
}

/* UTF-8 -> UCS-2BE octets (UTF-16 surrogates for non-BMP). */
static int
text_to_ucs2(const char *text, size_t len, uint8_t *out, size_t max,
    size_t *n, const char **errstr)
{
	size_t		i = 0;
	uint32_t	cp, hi, lo;

	*n = 0;
	while (i < len) {
		if (utf8_next(text, len, &i, &cp) == -1) {
			*errstr = "invalid UTF-8";
			return -1;
		}
		if (cp >= 0x10000) {
			if (*n + 4 > max)
				goto toolong;
			hi = 0xd800 + ((cp - 0x10000) >> 10);
			lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			out[(*n)++] = (uint8_t)(hi >> 8);
			out[(*n)++] = (uint8_t)hi;
			out[(*n)++] = (uint8_t)(lo >> 8);
			out[(*n)++] = (uint8_t)lo;
		} else {
			if (*n + 2 > max)
				goto toolong;
			out[(*n)++] = (uint8_t)(cp >> 8);
			out[(*n)++] = (uint8_t)cp;
		}
	}
	return 0;
toolong:
	*errstr = "text too long for one PDU";
	return -1;
}

static int
ucs2_to_utf8(const uint8_t *in, size_t n, char *out, size_t sz, size_t *pos)
{
	size_t		i;
	uint32_t	u, lo;

	for (i = 0; i + 1 < n; i += 2) {
		u = ((uint32_t)in[i] << 8) | in[i + 1];
		if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
			lo = ((uint32_t)in[i + 2] << 8) | in[i + 3];
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (utf8_put(u, out, sz, pos) == -1)
			return -1;
	}
	return 0;
}

/* Place septets LSB-first into the bit stream starting at bitoff. */
static void
pack_septets(const uint8_t *sep, size_t n, uint8_t *out, size_t bitoff)
{
	size_t	k, b, pos;

	for (k = 0; k < n; k++) {
		for (b = 0; b < 7; b++) {
			pos = bitoff + 7 * k + b;
			if ((sep[k] >> b) & 1)
				out[pos / 8] |= (uint8_t)(1u << (pos % 8));
		}
	}
}

static void
unpack_septets(const uint8_t *in, size_t n, uint8_t *sep, size_t bitoff)
{
	size_t	k, b, pos;

	for (k = 0; k < n; k++) {
		sep[k] = 0;
		for (b = 0; b < 7; b++) {
			pos = bitoff + 7 * k + b;
			if ((in[pos / 8] >> (pos % 8)) & 1)
				sep[k] |= (uint8_t)(1u << b);
		}
	}
}

static int
septets_to_utf8(const uint8_t *sep, size_t n, char *out, size_t sz,
    size_t *pos)
{
	size_t		k, e;
	uint32_t	cp;

	for (k = 0; k < n; k++) {
		if (sep[k] == GSM7_ESC && k + 1 < n) {
			k++;
			cp = 0x00a0;	/* unknown extension: NBSP per 23.038 */
			for (e = 0; e < sizeof(gsm7_ext) / sizeof(gsm7_ext[0]); e++)
				if (gsm7_ext[e].septet == sep[k])
					cp = gsm7_ext[e].cp;
		} else if (sep[k] == GSM7_ESC)
			cp = 0x0020;
		else
			cp = gsm7_basic[sep[k] & 0x7f];
		if (utf8_put(cp, out, sz, pos) == -1)
			return -1;
	}
	return 0;
}

int
pdu_hex_encode(const unsigned char *bin, size_t len, char *hex, size_t hexsz)
{
	static const char	digits[] = "0123456789ABCDEF";
	size_t			i;

	if (hexsz < 2 * len + 1)
		return -1;
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 0x0f];
	}
	hex[2 * len] = '\0';
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
pdu_hex_decode(const char *hex, unsigned char *bin, size_t binsz, size_t *len)
{
	size_t	n = strlen(hex), i;
	int	h, l;

	if (n % 2 != 0 || n / 2 > binsz)
		return -1;
	for (i = 0; i < n / 2; i++) {
		h = hexval(hex[2 * i]);
		l = hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		bin[i] = (unsigned char)(h << 4 | l);
	}
	*len = n / 2;
	return 0;
}

int
pdu_dcs_coding(int dcs, enum pdu_coding *coding)
{
	int	group = (dcs >> 4) & 0x0f;

	if (group <= 7) {		/* general data coding / auto-deletion */
		if (dcs & 0x20)
			return -1;	/* compressed */
		switch ((dcs >> 2) & 3) {
		case 0:
			*coding = PDU_GSM7;
			return 0;
		case 1:
			*coding = PDU_8BIT;
			return 0;
		case 2:
			*coding = PDU_UCS2;
			return 0;
		default:
			return -1;
		}
	}
	if (group == 0x0c || group == 0x0d) {
		*coding = PDU_GSM7;
		return 0;
	}
	if (group == 0x0e) {
		*coding = PDU_UCS2;
		return 0;
	}
	if (group == 0x0f) {
		*coding = (dcs & 0x04) ? PDU_8BIT : PDU_GSM7;
		return 0;
	}
	return -1;
}

/* Encode an address field (length, type, value) at out; returns octets. */
static int
encode_address(const char *addr, uint8_t *out, size_t max, const char **errstr)
{
	const char	*p = addr;
	uint8_t		 type = 0x81, sep[16];
	size_t		 nd = 0, i, nsep, octets;
	int		 alpha = 0;

	if (*p == '+') {
		type = 0x91;
		p++;
	}
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] < '0' || p[i] > '9')
			alpha = 1;
	if (addr[0] == '\0') {
		*errstr = "empty address";
		return -1;
	}
	if (alpha) {
		if (text_to_septets(addr, strlen(addr), sep, 11, &nsep,
		    errstr) == -1 || nsep > 11) {
			*errstr = "bad alphanumeric address";
			return -1;
		}
		octets = (nsep * 7 + 7) / 8;
		if (2 + octets > max)
			goto toolong;
		memset(out, 0, 2 + octets);
		out[0] = (uint8_t)((nsep * 7 + 3) / 4);
		out[1] = 0xd0;
		pack_septets(sep, nsep, out + 2, 0);
		return (int)(2 + octets);
	}
	nd = strlen(p);
	if (nd > 20)
		goto toolong;
	octets = (nd + 1) / 2;
	if (2 + octets > max)
		goto toolong;
	out[0] = (uint8_t)nd;
	out[1] = type;
	for (i = 0; i < octets; i++) {
		uint8_t lo = (uint8_t)(p[2 * i] - '0');
		uint8_t hi = 2 * i + 1 < nd ? (uint8_t)(p[2 * i + 1] - '0') : 0x0f;
		out[2 + i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(2 + octets);
toolong:
	*errstr = "address too long";
	return -1;
}

/* Decode semi-octet digits; ndigits semi-octets from in. */
static void
decode_digits(const uint8_t *in, size_t ndigits, int international,
    char *out, size_t sz)
{
	static const char	sym[] = "0123456789*#abc";
	size_t			i, o = 0;
	uint8_t			d;

	if (international && o + 1 < sz)
		out[o++] = '+';
	for (i = 0; i < ndigits && o + 1 < sz; i++) {
		d = (i % 2 == 0) ? (in[i / 2] & 0x0f) : (in[i / 2] >> 4);
		if (d == 0x0f)
			break;
		out[o++] = sym[d];
	}
	out[o] = '\0';
}

static int
bcd(int v)
{
	return ((v % 10) << 4) | ((v / 10) % 10);
}

static void
encode_scts(time_t t, int tzq, uint8_t *out)
{
	struct tm	tm;
	time_t		local = t + (time_t)tzq * 15 * 60;
	int		q = tzq < 0 ? -tzq : tzq;

	gmtime_r(&local, &tm);
	out[0] = (uint8_t)bcd(tm.tm_year % 100);
	out[1] = (uint8_t)bcd(tm.tm_mon + 1);
	out[2] = (uint8_t)bcd(tm.tm_mday);
	out[3] = (uint8_t)bcd(tm.tm_hour);
	out[4] = (uint8_t)bcd(tm.tm_min);
	out[5] = (uint8_t)bcd(tm.tm_sec);
	out[6] = (uint8_t)bcd(q);
	if (tzq < 0)
		out[6] |= 0x08;
}

int
pdu_encode_deliver(const struct pdu_deliver *d, char *hex, size_t hexsz,
    int *tpdu_len, const char **errstr)
{
	uint8_t		buf[200], sep[MAX_SEPTETS], ud[PDU_MAX_UD];
	uint8_t		udh[8];
	size_t		n = 0, udhn = 0, nsep, nbytes, udo, fill, udl;
	int		r, coding_bits;

	memset(buf, 0, sizeof(buf));
	memset(ud, 0, sizeof(ud));
	if (d->concat != NULL) {
		const struct pdu_concat *c = d->concat;

		if (c->total < 1 || c->total > 255 || c->seq < 1 ||
		    c->seq > 255 || c->ref < 0 ||
		    c->ref > (c->ref16 ? 65535 : 255)) {
			*errstr = "bad concatenation values";
			return -1;
		}
		if (c->ref16) {
			udh[0] = 6; udh[1] = 0x08; udh[2] = 4;
			udh[3] = (uint8_t)(c->ref >> 8);
			udh[4] = (uint8_t)c->ref;
			udh[5] = (uint8_t)c->total;
			udh[6] = (uint8_t)c->seq;
			udhn = 7;
		} else {
			udh[0] = 5; udh[1] = 0x00; udh[2] = 3;
			udh[3] = (uint8_t)c->ref;
			udh[4] = (uint8_t)c->total;
			udh[5] = (uint8_t)c->seq;
			udhn = 6;
		}
		memcpy(ud, udh, udhn);
	}

	switch (d->coding) {
	case PDU_GSM7:
		coding_bits = 0x00;
		if (text_to_septets(d->text, d->text_len, sep, MAX_SEPTETS,
		    &nsep, errstr) == -1)
			return -1;
		fill = (7 - (udhn * 8) % 7) % 7;
		udo = (udhn * 8 + fill) / 7;	/* septets taken by the UDH */
		udl = udo + nsep;
		if (udl > 160) {
			*errstr = "text too long for one PDU";
			return -1;
		}
		pack_septets(sep, nsep, ud, udhn * 8 + fill);
		nbytes = (udl * 7 + 7) / 8;
		break;
	case PDU_UCS2:
		coding_bits = 0x08;
		if (text_to_ucs2(d->text, d->text_len, ud + udhn,
		    PDU_MAX_UD - udhn, &nbytes, errstr) == -1)
			return -1;
		nbytes += udhn;
		udl = nbytes;
		break;
	case PDU_8BIT:
		coding_bits = 0x04;
		if (udhn + d->text_len > PDU_MAX_UD) {
			*errstr = "text too long for one PDU";
			return -1;
		}
		memcpy(ud + udhn, d->text, d->text_len);
		nbytes = udhn + d->text_len;
		udl = nbytes;
		break;
	default:
		*errstr = "unknown coding";
		return -1;
	}

	buf[n++] = 0x00;				/* no SMSC */
	buf[n++] = (uint8_t)(0x04 | (udhn ? 0x40 : 0));	/* DELIVER, MMS */
	r = encode_address(d->sender, buf + n, 14, errstr);
	if (r == -1)
		return -1;
	n += (size_t)r;
	buf[n++] = 0x00;				/* TP-PID */
	if (d->msg_class >= 0 && d->msg_class <= 3)
		buf[n++] = (uint8_t)(0x10 | coding_bits | d->msg_class);
	else
		buf[n++] = (uint8_t)coding_bits;
	encode_scts(d->scts, d->tz_quarters, buf + n);
	n += 7;
	buf[n++] = (uint8_t)udl;
	memcpy(buf + n, ud, nbytes);
	n += nbytes;

	if (pdu_hex_encode(buf, n, hex, hexsz) == -1) {
		*errstr = "hex buffer too small";
		return -1;
	}
	*tpdu_len = (int)(n - 1);
	return 0;
}

int
pdu_encode_status_report(const struct pdu_status_report *r, char *hex,
    size_t hexsz, int *tpdu_len, const char **errstr)
{
	uint8_t	buf[64];
	size_t	n = 0;
	int	a;

	if (r->mr < 0 || r->mr > 255 || r->status < 0 || r->status > 255) {
		*errstr = "bad message reference or status";
		return -1;
	}
	buf[n++] = 0x00;		/* no SMSC */
	buf[n++] = 0x06;		/* STATUS-REPORT, MMS */
	buf[n++] = (uint8_t)r->mr;
	a = encode_address(r->recipient, buf + n, 14, errstr);
	if (a == -1)
		return -1;
	n += (size_t)a;
	encode_scts(r->scts, r->tz_quarters, buf + n);
	n += 7;
	encode_scts(r->dt, r->tz_quarters, buf + n);
	n += 7;
	buf[n++] = (uint8_t)r->status;
	if (pdu_hex_encode(buf, n, hex, hexsz) == -1) {
		*errstr = "hex buffer too small";
		return -1;
	}
	*tpdu_len = (int)(n - 1);
	return 0;
}

static void
parse_udh(struct pdu_submit *o)
{
	size_t	i = 1, end = o->udh_len;

	while (i + 1 < end) {
		uint8_t iei = o->udh[i], iel = o->udh[i + 1];

		if (i + 2 + iel > end)
			break;
		if (iei == 0x00 && iel == 3) {
			o->concat.ref = o->udh[i + 2];
			o->concat.ref16 = 0;
			o->concat.total = o->udh[i + 3];
			o->concat.seq = o->udh[i + 4];
		} else if (iei == 0x08 && iel == 4) {
			o->concat.ref = o->udh[i + 2] << 8 | o->udh[i + 3];
			o->concat.ref16 = 1;
			o->concat.total = o->udh[i + 4];
			o->concat.seq = o->udh[i + 5];
		}
		i += 2 + iel;
	}
}

int
pdu_decode_submit(const char *hex, struct pdu_submit *o, const char **errstr)
{
	uint8_t		b[200], sep[200];
	size_t		len, i, smsc_len, nd, udo, nsep, pos = 0, nbytes;
	uint8_t		fo, type;

	memset(o, 0, sizeof(*o));
	o->vp = -1;
	if (pdu_hex_decode(hex, b, sizeof(b), &len) == -1 || len < 2) {
		*errstr = "bad hex";
		return -1;
	}
	smsc_len = b[0];
	if (1 + smsc_len >= len)
		goto shortpdu;
	if (smsc_len > 1)
		decode_digits(b + 2, (smsc_len - 1) * 2,
		    (b[1] & 0x70) == 0x10, o->smsc, sizeof(o->smsc));
	i = 1 + smsc_len;
	o->tpdu_len = (int)(len - i);
	fo = b[i++];
	if ((fo & 0x03) != 0x01) {
		*errstr = "not an SMS-SUBMIT";
		return -1;
	}
	o->reject_duplicates = (fo & 0x04) != 0;
	o->status_report = (fo & 0x20) != 0;
	o->has_udh = (fo & 0x40) != 0;
	switch ((fo >> 3) & 3) {
	case 0: o->vp_format = 0; break;
	case 1: o->vp_format = 1; break;
	case 2: o->vp_format = 2; break;
	default: o->vp_format = 3; break;
	}
	if (i + 3 > len)
		goto shortpdu;
	o->mr = b[i++];
	nd = b[i++];
	type = b[i++];
	o->recipient_type = type;
	if (i + (nd + 1) / 2 > len)
		goto shortpdu;
	if ((type & 0x70) == 0x50) {
		size_t ns = nd * 4 / 7;

		unpack_septets(b + i, ns, sep, 0);
		pos = 0;
		if (septets_to_utf8(sep, ns, o->recipient,
		    sizeof(o->recipient), &pos) == -1) {
			*errstr = "recipient too long";
			return -1;
		}
	} else
		decode_digits(b + i, nd, (type & 0x70) == 0x10, o->recipient,
		    sizeof(o->recipient));
	i += (nd + 1) / 2;
	if (i + 2 > len)
		goto shortpdu;
	o->pid = b[i++];
	o->dcs = b[i++];
	if (pdu_dcs_coding(o->dcs, &o->coding) == -1) {
		*errstr = "unsupported data coding scheme";
		return -1;
	}
	if (o->vp_format == 2) {
		if (i >= len)
			goto shortpdu;
		o->vp = b[i++];
	} else if (o->vp_format != 0)
		i += 7;
	if (i >= len)
		goto shortpdu;
	o->ud_units = b[i++];
	nbytes = len - i;
	if (o->has_udh) {
		if (nbytes < 1 || (size_t)b[i] + 1 > nbytes) {
			*errstr = "bad user data header";
			return -1;
		}
		o->udh_len = (size_t)b[i] + 1;
		memcpy(o->udh, b + i, o->udh_len);
		parse_udh(o);
	}
	pos = 0;
	o->text[0] = '\0';
	if (o->coding == PDU_GSM7) {
		udo = o->has_udh ? (o->udh_len * 8 + 6) / 7 : 0;
		if ((size_t)o->ud_units < udo ||
		    ((size_t)o->ud_units * 7 + 7) / 8 > nbytes) {
			*errstr = "user data shorter than TP-UDL";
			return -1;
		}
		nsep = (size_t)o->ud_units - udo;
		unpack_septets(b + i, (size_t)o->ud_units, sep, 0);
		if (septets_to_utf8(sep + udo, nsep, o->text,
		    sizeof(o->text), &pos) == -1)
			goto toolong;
	} else {
		if ((size_t)o->ud_units > nbytes ||
		    (size_t)o->ud_units < o->udh_len) {
			*errstr = "user data shorter than TP-UDL";
			return -1;
		}
		if (o->coding == PDU_UCS2) {
			if (ucs2_to_utf8(b + i + o->udh_len,
			    (size_t)o->ud_units - o->udh_len, o->text,
			    sizeof(o->text), &pos) == -1)
				goto toolong;
		} else {
			pos = (size_t)o->ud_units - o->udh_len;
			memcpy(o->text, b + i + o->udh_len, pos);
			o->text[pos] = '\0';
		}
	}
	o->text_len = pos;
	return 0;
shortpdu:
	*errstr = "PDU too short";
	return -1;
toolong:
	*errstr = "text too long";
	return -1;
}

int
pdu_split_text(enum pdu_coding coding, const char *text, size_t len,
    size_t *ends, size_t maxparts, size_t *nparts, const char **errstr)
{
	size_t		i = 0, prev, total = 0, single, multi, used = 0;
	uint32_t	cp;
	uint8_t		sp;
	int		esc, units;

	switch (coding) {
	case PDU_GSM7:
		single = 160;
		multi = 153;
		break;
	case PDU_UCS2:
		single = 140;
		multi = 134;
		break;
	default:
		single = 140;
		multi = 134;
		break;
	}
	/* First pass: does it fit one PDU? */
	while (i < len) {
		if (coding == PDU_8BIT) {
			total += len;
			break;
		}
		if (utf8_next(text, len, &i, &cp) == -1) {
			*errstr = "invalid UTF-8";
			return -1;
		}
		if (coding == PDU_GSM7) {
			units = gsm7_lookup(cp, &sp, &esc);
			if (units == 0) {
				*errstr = "character not in the GSM 7-bit alphabet";
				return -1;
			}
		} else
			units = cp >= 0x10000 ? 4 : 2;
		total += (size_t)units;
	}
	*nparts = 0;
	if (total <= single) {
		if (maxparts < 1) {
			*errstr = "too many parts";
			return -1;
		}
		ends[0] = len;
		*nparts = 1;
		return 0;
	}
	i = 0;
	while (i < len) {
		prev = i;
		if (coding == PDU_8BIT) {
			i++;
			units = 1;
		} else {
			utf8_next(text, len, &i, &cp);
			if (coding == PDU_GSM7)
				units = gsm7_lookup(cp, &sp, &esc);
			else
				units = cp >= 0x10000 ? 4 : 2;
		}
		if (used + (size_t)units > multi) {
			if (*nparts + 1 >= maxparts) {
				*errstr = "too many parts";
				return -1;
			}
			ends[(*nparts)++] = prev;
			used = 0;
		}
		used += (size_t)units;
	}
	if (*nparts >= maxparts) {
		*errstr = "too many parts";
		return -1;
	}
	ends[(*nparts)++] = len;
	return 0;
}
