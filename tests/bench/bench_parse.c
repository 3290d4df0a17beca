/*
 * bench_parse.c: how many reports per second report_parse() handles.
 *
 * Parses a realistic mix of valid and invalid messages (typos, missing
 * commands, accents, emoji, a multipart text, junk) over and over on one
 * core, and prints reports/s and ns/report next to a baseline that only
 * splits the same messages into tokens with memchr and strtok_r. Not a
 * test: run it on demand (see RESULTS.md). Usage: bench_parse [seconds].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codebook.h"
#include "report.h"

static const char *const mix[] = {
	"ALERTA SV SX U1 V2 MENOR Bar Calheta, Mindelo. Duas raparigas, homem estrangeiro",
	"alerta sx u1 2 raparigas no bar",
	"A ST TF V12: obra na estrada de São Domingos, passaportes retidos",
	"ALERTA,SL,DM,U2,F1 empregada sem salário há 2 anos",
	"urgente sx sv menor",
	"ALERTA SX2 U1 V2 bar X",
	"ALERTA SVV SX U1 bar",
	"OK 123",
	"ok #45 a caminho",
	"ANULAR 12a",
	"INFO 12 O carro é um Toyota azul 🚗",
	"ESTADO 4411",
	"AJUDA FORMAS",
	"?",
	"FIM 88 vitimas acolhidas na ICCA",
	"ALRTA SV SX U1 kes minina sta na bar di Lazareto",
	"ALERTA SV SX U4 bar",
	"ALERTA SV SX V1 F1 M1",
	"Bom dia, preciso de ajuda",
	"",
	"ＡＬＥＲＴＡ　ＳＶ　ＳＸ　Ｕ１ bar",
	"ALERTA S\xe2\x80\x8bV SX\xef\xbb\xbf U2 casa amarela",
	"SV SX U1 😢😢 raparigas no bar 🙏",
	"ALERTA FG CM noiva di 14 anu, kasamentu sábadu",
	"ALERTA \xff\xfe SV SX",
	"OK123",
	"ALERTA BR MD mininu ta pidi na porton di igreja",
	"ALERTA SV U1 bar",
};
#define N_MIX (sizeof mix / sizeof mix[0])

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The baseline: split on the separators, as a naive parser would. */
static int
baseline(const char *s, size_t len, char *buf)
{
	char *save, *tok;
	int n = 0;

	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, ':', len) != NULL)
		n++;
	for (tok = strtok_r(buf, " ,;.*#|/+", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,;.*#|/+", &save))
		n += tok[0];
	return n;
}

int
main(int argc, char **argv)
{
	static char big[1100];
	const char *msgs[N_MIX + 1];
	size_t lens[N_MIX + 1], i, n_msgs = 0, total = 0;
	double secs = argc > 1 ? atof(argv[1]) : 2.0, t0, t_parse, t_base;
	long rounds, r, sink = 0, n_parse = 0, n_base = 0;
	struct codebook cb;
	struct parse_options opt = { -1 };
	struct report rep;
	char buf[2048];

	codebook_default(&cb);
	for (i = 0; i < N_MIX; i++)
		msgs[n_msgs++] = mix[i];
	/* one multipart message of 1,000 characters */
	memcpy(big, "ALERTA SV SX U1 V3 ", 19);
	for (i = 19; i < 1000; i++)
		big[i] = "Tres raparigas no bar da Calheta, ação. "[i % 40];
	msgs[n_msgs++] = big;
	for (i = 0; i < n_msgs; i++) {
		lens[i] = strlen(msgs[i]);
		total += lens[i];
	}

	/* calibrate: rounds that take about secs */
	for (rounds = 1;; rounds *= 2) {
		t0 = now();
		for (r = 0; r < rounds; r++)
			for (i = 0; i < n_msgs; i++)
				sink += report_parse(&cb, &opt, msgs[i],
				    lens[i], &rep);
		if (now() - t0 > secs / 8)
			break;
	}
	rounds = (long)((double)rounds * secs / (now() - t0) + 1);

	t0 = now();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n_msgs; i++) {
			opt.default_area = (int)(i & 1) - 1 + (int)(i & 1);
			sink += report_parse(&cb, &opt, msgs[i], lens[i], &rep);
			n_parse++;
		}
	t_parse = now() - t0;
	t0 = now();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n_msgs; i++) {
			sink += baseline(msgs[i], lens[i], buf);
			n_base++;
		}
	t_base = now() - t0;

	printf("messages: %zu distinct (%zu bytes, mean %.0f), %ld rounds\n",
	    n_msgs, total, (double)total / (double)n_msgs, rounds);
	printf("%-28s %14s %12s\n", "", "reports/s", "ns/report");
	printf("%-28s %14.0f %12.1f\n", "report_parse", (double)n_parse /
	    t_parse, t_parse * 1e9 / (double)n_parse);
	printf("%-28s %14.0f %12.1f\n", "baseline memchr+strtok_r",
	    (double)n_base / t_base, t_base * 1e9 / (double)n_base);
	printf("(checksum %ld)\n", sink);
	return 0;
}
