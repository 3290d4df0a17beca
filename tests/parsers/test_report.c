/*
 * test_report.c: report_parse() against what focal points really type.
 *
 * Table-driven: each row is one message and the parse it must give, in a
 * compact form (command, codes, "| free text", {notes}), or for an error
 * "ERR <code>: <the exact reply text>". Runs in the `unit` suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codebook.h"
#include "reply.h"
#include "report.h"

#define ILHAS "Ilhas: SA SV SN SL BV MA ST FG BR."
#define FORMAS "Formas: SX TF DM MD CR CM OR CT OU."
#define EX_A(a, f) " Ex: ALERTA " a " " f " U1 V2 bar X"
#define EX_F(a, f) " Ex: ALERTA " a " " f " U1 bar X"
#define E_MISSING_AREA(f) "ERR missing_area: Falta a ilha. " ILHAS EX_A("SA", f)
#define E_UNKNOWN_AREA(tok, f) "ERR unknown_area: Codigo de ilha " \
	"desconhecido \"" tok "\". " ILHAS EX_A("SA", f)
#define E_MISSING_FORM(a) "ERR missing_form: Falta a forma de exploracao. " \
	FORMAS EX_F(a, "SX")
#define E_UNKNOWN_FORM(tok, a) "ERR unknown_form: Codigo de forma " \
	"desconhecido \"" tok "\". " FORMAS EX_F(a, "SX")
#define E_UNKNOWN_CMD(tok) "ERR unknown_command: Comando desconhecido \"" \
	tok "\". Comece com ALERTA. Ex: ALERTA SA SX U1 bar X"
#define E_MISSING_REF(cmd) "ERR missing_ref: Falta o numero do alerta. " \
	"Ex: " cmd " 123"
#define E_BAD_REF(tok, cmd) "ERR bad_ref: Numero de alerta invalido \"" \
	tok "\". Ex: " cmd " 123"
#define E_BAD_NUMBER(tok, a, f) "ERR bad_number: Numero invalido \"" tok \
	"\". Use U1 a U3, V1 a V999, F0 a F999, M0 a M999." EX_A(a, f)
#define E_WHICH_AREA(tok, a, f) "ERR which_area: Qual ilha? O texto diz \"" \
	tok "\" mas falta o codigo da ilha. Reenvie com o codigo, ex: " \
	"ALERTA " a " " f " U1 bar X"
#define E_EMPTY "ERR empty: Mensagem vazia. Ex: ALERTA SA SX U1 V2 bar X. " \
	"AJUDA para os codigos."
#define E_MISSING_TEXT(cmd) "ERR missing_text: Falta o texto. Ex: " cmd \
	" 123 carro azul na praia"

struct sms_case {
	const char *in;
	const char *want;
	int default_area;	/* -1, or 1 (SV) when the row says so */
	size_t len;		/* 0: strlen(in) */
};

#define NODEF -1
#define SV 1

static const struct sms_case cases[] = {
	/* report-language.md 2.1, the examples */
	{ "ALERTA SV SX U1 V2 MENOR Bar Calheta, Mindelo. Duas raparigas, homem estrangeiro",
	  "ALERTA SV SX U1 V2 MENOR | Bar Calheta, Mindelo. Duas raparigas, homem estrangeiro", NODEF, 0 },
	{ "alerta sx u1 2 raparigas no bar",
	  "ALERTA SV SX U1 | 2 raparigas no bar {default SV}", SV, 0 },
	{ "alerta sx u1 2 raparigas no bar", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "A ST TF V12: obra na estrada de São Domingos, passaportes retidos",
	  "ALERTA ST TF U2 V12 | obra na estrada de São Domingos, passaportes retidos", NODEF, 0 },
	{ "ALERTA,SL,DM,U2,F1 empregada sem salário há 2 anos",
	  "ALERTA SL DM U2 V1 F1 | empregada sem salário há 2 anos", NODEF, 0 },
	{ "urgente sx sv menor", "ALERTA SV SX U1 MENOR {implied}", NODEF, 0 },
	/* report-language.md 2.3, the errors */
	{ "ALERTA SX2 U1 V2 bar X", E_UNKNOWN_AREA("SX2", "SX"), NODEF, 0 },
	{ "ALERTA SV U1 bar X", E_MISSING_FORM("SV"), NODEF, 0 },
	{ "URGENTE", E_UNKNOWN_CMD("URGENTE"), NODEF, 0 },
	{ "URGENTE ajuda no bar", E_UNKNOWN_CMD("URGENTE"), NODEF, 0 },

	/* every command and alias */
	{ "ALERTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERT SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "A SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "alerta sv sx", "ALERTA SV SX U2", NODEF, 0 },
	{ "Alerta Sv Sx", "ALERTA SV SX U2", NODEF, 0 },
	{ "ÁLERTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "aLeRtA sV sX", "ALERTA SV SX U2", NODEF, 0 },
	{ "INFO 123 carro azul", "INFO 123 | carro azul", NODEF, 0 },
	{ "MAIS 123 carro azul", "INFO 123 | carro azul", NODEF, 0 },
	{ "info #123 carro azul", "INFO 123 | carro azul", NODEF, 0 },
	{ "INFO 123", E_MISSING_TEXT("INFO"), NODEF, 0 },
	{ "INFO 123   ", E_MISSING_TEXT("INFO"), NODEF, 0 },
	{ "INFO", E_MISSING_REF("INFO"), NODEF, 0 },
	{ "INFO abc texto", E_BAD_REF("abc", "INFO"), NODEF, 0 },
	{ "INFO 12a texto", E_BAD_REF("12a", "INFO"), NODEF, 0 },
	{ "INFO 0 texto", E_BAD_REF("0", "INFO"), NODEF, 0 },
	{ "MAIS 12345678901 texto", E_BAD_REF("1234567...", "INFO"), NODEF, 0 },
	{ "INFO123 o carro", "INFO 123 | o carro {glued INFO123>INFO 123}", NODEF, 0 },
	{ "ESTADO 0", E_BAD_REF("0", "ESTADO"), NODEF, 0 },
	{ "ESTADO 99999999999", E_BAD_REF("9999999...", "ESTADO"), NODEF, 0 },
	{ "ESTADO 12a", E_BAD_REF("12a", "ESTADO"), NODEF, 0 },
	{ "ACK 12a", E_BAD_REF("12a", "OK"), NODEF, 0 },
	{ "ANULAR 123", "ANULAR 123", NODEF, 0 },
	{ "CANCEL 123", "ANULAR 123", NODEF, 0 },
	{ "anular #123", "ANULAR 123", NODEF, 0 },
	{ "ANULAR # 123", "ANULAR 123", NODEF, 0 },
	{ "ANULAR 12a", E_BAD_REF("12a", "ANULAR"), NODEF, 0 },
	{ "ANULAR", E_MISSING_REF("ANULAR"), NODEF, 0 },
	{ "ANULAR 0", E_BAD_REF("0", "ANULAR"), NODEF, 0 },
	{ "ANULAR 000", E_BAD_REF("000", "ANULAR"), NODEF, 0 },
	{ "ANULAR 1234567890", E_BAD_REF("1234567890", "ANULAR"), NODEF, 0 },
	{ "ANULAR 99999999999999999999999", E_BAD_REF("9999999...", "ANULAR"), NODEF, 0 },
	{ "ANULAR 999999999", "ANULAR 999999999", NODEF, 0 },
	{ "ANULAR 00123", "ANULAR 123", NODEF, 0 },
	{ "ANULAR 1O3", "ANULAR 103 {look 1O3>103}", NODEF, 0 },
	{ "ANULAR -5", "ANULAR 5", NODEF, 0 },
	{ "ANULAR 12,5", "ANULAR 12 | 5", NODEF, 0 },
	{ "ANULAR 123 enviei por engano", "ANULAR 123 | enviei por engano", NODEF, 0 },
	{ "ANULAR alerta 123", "ANULAR 123", NODEF, 0 },
	{ "anular n 45", "ANULAR 45", NODEF, 0 },
	{ "ANULAR 😢", E_BAD_REF("?", "ANULAR"), NODEF, 0 },
	{ "ESTADO 123", "ESTADO 123", NODEF, 0 },
	{ "STATUS 123", "ESTADO 123", NODEF, 0 },
	{ "estado #7", "ESTADO 7", NODEF, 0 },
	{ "ESTADO", E_MISSING_REF("ESTADO"), NODEF, 0 },
	{ "ESTADO 7x", E_BAD_REF("7x", "ESTADO"), NODEF, 0 },
	{ "STATUS x7", E_BAD_REF("x7", "ESTADO"), NODEF, 0 },
	{ "OK 123", "OK 123", NODEF, 0 },
	{ "ACK 123", "OK 123", NODEF, 0 },
	{ "ok 123", "OK 123", NODEF, 0 },
	{ "Ok #123 a caminho", "OK 123 | a caminho", NODEF, 0 },
	{ "OK", E_MISSING_REF("OK"), NODEF, 0 },
	{ "OK 0", E_BAD_REF("0", "OK"), NODEF, 0 },
	{ "OK 12a", E_BAD_REF("12a", "OK"), NODEF, 0 },
	{ "OK 12345678901", E_BAD_REF("1234567...", "OK"), NODEF, 0 },
	{ "OK123", "OK 123 {glued OK123>OK 123}", NODEF, 0 },
	{ "ok#123", "OK 123", NODEF, 0 },
	{ "OK: 123", "OK 123", NODEF, 0 },
	{ "FIM 123", "FIM 123", NODEF, 0 },
	{ "CLOSE 123", "FIM 123", NODEF, 0 },
	{ "LIBERAR 123", "LIBERAR 123", NODEF, 0 },
	{ "release #123", "LIBERAR 123", NODEF, 0 },
	{ "FIM 123 vitimas acolhidas", "FIM 123 | vitimas acolhidas", NODEF, 0 },
	{ "FIM123 resolvido", "FIM 123 | resolvido {glued FIM123>FIM 123}", NODEF, 0 },
	{ "FIM", E_MISSING_REF("FIM"), NODEF, 0 },
	{ "FIM 12a", E_BAD_REF("12a", "FIM"), NODEF, 0 },
	{ "FIM 0", E_BAD_REF("0", "FIM"), NODEF, 0 },
	{ "CLOSE 99999999999", E_BAD_REF("9999999...", "FIM"), NODEF, 0 },
	{ "AJUDA", "AJUDA", NODEF, 0 },
	{ "HELP", "AJUDA", NODEF, 0 },
	{ "?", "AJUDA", NODEF, 0 },
	{ "  ?  ", "AJUDA", NODEF, 0 },
	{ "??", "AJUDA", NODEF, 0 },
	{ "ajuda areas", "AJUDA areas", NODEF, 0 },
	{ "AJUDA ILHAS", "AJUDA areas", NODEF, 0 },
	{ "HELP ISLANDS", "AJUDA areas", NODEF, 0 },
	{ "AJUDA FORMAS", "AJUDA forms", NODEF, 0 },
	{ "help forms", "AJUDA forms", NODEF, 0 },
	{ "AJUDA URG", "AJUDA urg", NODEF, 0 },
	{ "AJUDA ADMIN", "AJUDA admin", NODEF, 0 },
	{ "ajuda urgência", "AJUDA urg", NODEF, 0 },
	{ "? urg", "AJUDA urg", NODEF, 0 },
	{ "?FORMAS", "AJUDA forms", NODEF, 0 },
	{ "AJUDA coisa", "AJUDA | coisa", NODEF, 0 },
	{ "AJUDA: AREAS", "AJUDA areas", NODEF, 0 },

	/* separators, repeated or mixed */
	{ "ALERTA,SV,SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA;SV;SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA.SV.SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA*SV*SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA#SV#SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA|SV|SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA/SV/SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA+SV+SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA ,, SV ;. SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA  SV   SX    U1", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA\tSV\nSX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA\r\nSV\r\nSX\r\nbar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ " ,ALERTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA*SV#SX|U1+V2/MENOR bar", "ALERTA SV SX U1 V2 MENOR | bar", NODEF, 0 },
	{ "ALERTA SV,SX,U1,V2,bar", "ALERTA SV SX U1 V2 | bar", NODEF, 0 },
	{ "ALERTA SV SX!", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SV SX? bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SV-SX bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SV-SX-U1 bar", "ALERTA SV SX U1 | bar", NODEF, 0 },

	/* where the codes end */
	{ "ALERTA SV SX: U1 bar", "ALERTA SV SX U2 | U1 bar", NODEF, 0 },
	{ "ALERTA SV SX:U1 bar", "ALERTA SV SX U2 | U1 bar", NODEF, 0 },
	{ "ALERTA SV SX - U1 bar", "ALERTA SV SX U2 | U1 bar", NODEF, 0 },
	{ "ALERTA SV SX U1 - bar - Mindelo", "ALERTA SV SX U1 | bar - Mindelo", NODEF, 0 },
	{ "ALERTA SV SX U1 -bar", "ALERTA SV SX U1 | bar", NODEF, 0 },
	{ "ALERTA SV SX U1 bar SV TF", "ALERTA SV SX U1 | bar SV TF", NODEF, 0 },
	{ "ALERTA:SV,SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA: SV SX: bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA - SV SX bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA,SV,SX,U1,V2:bar", "ALERTA SV SX U1 V2 | bar", NODEF, 0 },
	{ "ALERTA SV SX U1 2 raparigas", "ALERTA SV SX U1 | 2 raparigas", NODEF, 0 },
	{ "ALERTA SV SX \"bar\"", "ALERTA SV SX U2 | \"bar\"", NODEF, 0 },
	{ "ALERTA SV SX (bar)", "ALERTA SV SX U2 | (bar)", NODEF, 0 },
	{ "ALERTA SV SX ST bar", "ALERTA SV SX U2 | ST bar {ignored ST>ST}", NODEF, 0 },
	{ "ALERTA SV SX SV bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SV SX U1 U3 bar", "ALERTA SV SX U1 | U3 bar {ignored U3>U3}", NODEF, 0 },
	{ "ALERTA SV SX U1 U1 bar", "ALERTA SV SX U1 | bar", NODEF, 0 },
	{ "ALERTA SV SX V2 V3 bar", "ALERTA SV SX U2 V2 | V3 bar {ignored V3>V3}", NODEF, 0 },
	{ "ALERTA SV SX P1234 P9999 bar", "ALERTA SV SX U2 P1234 | P9999 bar {ignored P9999>PIN}", NODEF, 0 },
	/* a conflicting code followed by codes is skipped, and noted */
	{ "ALERTA SV SX U1 U3 V2 bar", "ALERTA SV SX U1 V2 | bar {ignored U3>U3}", NODEF, 0 },
	{ "ALERTA SV SX U2 U1 bar", "ALERTA SV SX U2 | U1 bar {ignored U1>U1}", NODEF, 0 },
	{ "ALERTA SV SX ST TF bar", "ALERTA SV SX TF U2 | bar {ignored ST>ST}", NODEF, 0 },
	{ "ALERTA SV U1 MA SX U3 V2 bar", "ALERTA SV SX U1 V2 | bar {ignored MA>MA} {ignored U3>U3}", NODEF, 0 },
	{ "ALERTA SV SX U1 ma kel mininu", "ALERTA SV SX U1 | ma kel mininu {ignored ma>MA}", NODEF, 0 },

	/* invisible characters */
	{ "ALERTA S\xe2\x80\x8bV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "\xef\xbb\xbf" "ALERTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA\xc2\xa0SV\xc2\xa0SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA S\xe2\x80\x8dV S\xe2\x80\x8cX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SV SX\xef\xbb\xbf U1", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALE\xc2\xadRTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA\xe2\x80\x83SV\xe3\x80\x80SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SV SX\xe2\x80\x8b", "ALERTA SV SX U2", NODEF, 0 },
	{ "\xe2\x80\x8b\xe2\x80\x8b" "OK 12", "OK 12", NODEF, 0 },
	{ "ALERTA SV SX MENOR\xcc\x81", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "CRIANC\xcc\xa7" "A SV SX", "ALERTA SV SX U2 MENOR {implied}", NODEF, 0 },

	/* full-width and look-alike letters and digits */
	{ "\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa5\xef\xbc\xb2\xef\xbc\xb4\xef\xbc\xa1 \xef\xbc\xb3\xef\xbc\xb6 \xef\xbc\xb3\xef\xbc\xb8 \xef\xbc\xb5\xef\xbc\x91 bar",
	  "ALERTA SV SX U1 | bar", NODEF, 0 },
	{ "ALERTA SV SX \xef\xbc\xb6\xef\xbc\x92", "ALERTA SV SX U2 V2", NODEF, 0 },
	{ "ALERTA\xef\xbc\x8cSV\xef\xbc\x8cSX\xef\xbc\x9a bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "\xd0\x90LERTA SV SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SV S\xd0\xa5", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA \xd0\xa1T SX", E_MISSING_AREA("CT"), NODEF, 0 },
	{ "\xce\x91LERTA \xce\x92V \xce\xa4" "F", "ALERTA BV TF U2", NODEF, 0 },
	{ "alerta sv s\xd1\x85", "ALERTA SV SX U2", NODEF, 0 },
	{ "\xd0\x9e\xd0\x9a 12", "OK 12", NODEF, 0 },
	{ "ALERTA SV SX U\xc2\xb9", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA SV SX V\xe2\x82\x83", "ALERTA SV SX U2 V3", NODEF, 0 },
	{ "OK \xd9\xa1\xd9\xa2\xd9\xa3", "OK 123", NODEF, 0 },
	{ "ALERTA SV SX \xf0\x9d\x90\x94\xf0\x9d\x9f\x8f", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA SV \xc3\x87T", "ALERTA SV CT U2", NODEF, 0 },
	{ "ALERTA SV 0R", "ALERTA SV OR U2 {look 0R>OR}", NODEF, 0 },
	{ "ALERTA SV 0U bar", "ALERTA SV OU U2 | bar {look 0U>OU}", NODEF, 0 },
	{ "ALERTA SV SX V1O", "ALERTA SV SX U2 V10 {look V1O>V10}", NODEF, 0 },
	{ "ALERTA SV SX VO", "ALERTA SV SX U2 | VO", NODEF, 0 },
	{ "ALERTA SV SX F1 MO", "ALERTA SV SX U2 V1 F1 | MO", NODEF, 0 },
	{ "ALERTA SV SX M1O", "ALERTA SV SX U2 V10 M10 {look M1O>M10}", NODEF, 0 },
	{ "ALERTA 5V SX", E_UNKNOWN_AREA("5V", "SX"), NODEF, 0 },

	/* urgency */
	{ "ALERTA SV SX U1", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA SV SX U2", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SV SX U3", "ALERTA SV SX U3", NODEF, 0 },
	{ "ALERTA SV SX URGENTE", "ALERTA SV SX U1", NODEF, 0 },
	{ "alerta urgente sv sx", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA SV SX URGENT", "ALERTA SV SX U1", NODEF, 0 },
	{ "ALERTA U3 SV SX", "ALERTA SV SX U3", NODEF, 0 },
	{ "ALERTA SV SX U4", E_BAD_NUMBER("U4", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX U0", E_BAD_NUMBER("U0", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX U12", E_BAD_NUMBER("U12", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX U 1 bar", "ALERTA SV SX U1 | bar {split U 1>U1}", NODEF, 0 },
	{ "ALERTA SV SX URGNTE bar", "ALERTA SV SX U2 | URGNTE bar", NODEF, 0 },
	{ "ALERTA SV URGNTE SX bar", "ALERTA SV SX U1 | bar {near URGNTE>U1}", NODEF, 0 },

	/* victims, by sex */
	{ "ALERTA SV SX V1", "ALERTA SV SX U2 V1", NODEF, 0 },
	{ "ALERTA SV SX V999", "ALERTA SV SX U2 V999", NODEF, 0 },
	{ "ALERTA SV SX V02", "ALERTA SV SX U2 V2", NODEF, 0 },
	{ "ALERTA SV SX V0", E_BAD_NUMBER("V0", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX V1000", E_BAD_NUMBER("V1000", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX V99999999999999", E_BAD_NUMBER("V999999...", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX F1000", E_BAD_NUMBER("F1000", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX M1000", E_BAD_NUMBER("M1000", "SV", "SX"), NODEF, 0 },
	{ "ALERTA SV SX F1 M1", "ALERTA SV SX U2 V2 F1 M1", NODEF, 0 },
	{ "ALERTA SV SX F2", "ALERTA SV SX U2 V2 F2", NODEF, 0 },
	{ "ALERTA SV SX M3", "ALERTA SV SX U2 V3 M3", NODEF, 0 },
	{ "ALERTA SV SX F0 M0", "ALERTA SV SX U2 V0 F0 M0", NODEF, 0 },
	{ "ALERTA SV SX V5 F1 M1", "ALERTA SV SX U2 V5 F1 M1", NODEF, 0 },
	{ "ALERTA SV SX V2 F1 M1", "ALERTA SV SX U2 V2 F1 M1", NODEF, 0 },
	{ "ALERTA SV SX V1 F1 M1",
	  "ERR victims_mismatch: V1 F1 M1: F+M nao pode passar de V. Ex: ALERTA SV SX V3 F1 M2 bar X", NODEF, 0 },
	{ "ALERTA SV SX F3 V2",
	  "ERR victims_mismatch: V2 F3: F+M nao pode passar de V. Ex: ALERTA SV SX V3 F1 M2 bar X", NODEF, 0 },
	{ "ALERTA SV SX V 2 bar", "ALERTA SV SX U2 V2 | bar {split V 2>V2}", NODEF, 0 },
	{ "ALERTA SV SX F 1 M 2", "ALERTA SV SX U2 V3 F1 M2 {split F 1>F1} {split M 2>M2}", NODEF, 0 },
	{ "ALERTA SV SX V two", "ALERTA SV SX U2 | V two", NODEF, 0 },
	{ "ALERTA SV SX V2 F1 M1 MENOR bar", "ALERTA SV SX U2 V2 F1 M1 MENOR | bar", NODEF, 0 },

	/* minors */
	{ "ALERTA SV SX MENOR", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX menores", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX CRIANÇA", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX criancas", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX MINOR", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX child", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX Children", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV SX MENOR MENOR", "ALERTA SV SX U2 MENOR", NODEF, 0 },
	{ "ALERTA SV MENRO SX", "ALERTA SV SX U2 MENOR {near MENRO>MENOR}", NODEF, 0 },
	{ "ALERTA SV MENORS SX", "ALERTA SV SX U2 MENOR {near MENORS>MENOR}", NODEF, 0 },

	/* PIN */
	{ "ALERTA SV SX P1234", "ALERTA SV SX U2 P1234", NODEF, 0 },
	{ "ALERTA P0042 SV SX", "ALERTA SV SX U2 P0042", NODEF, 0 },
	{ "ALERTA SV SX P12345678", "ALERTA SV SX U2 P12345678", NODEF, 0 },
	{ "ALERTA SV SX P123456789",
	  "ERR bad_pin: PIN invalido \"P123456789\". Use P e ate 8 algarismos, ex: P1234", NODEF, 0 },
	{ "ALERTA SV SX P 1234", "ALERTA SV SX U2 P1234 {split P 1234>P1234}", NODEF, 0 },
	{ "ALERTA SV SX P1O23", "ALERTA SV SX U2 P1023 {look P1O23>P1023}", NODEF, 0 },

	/* several forms */
	{ "ALERTA SV SX TF", "ALERTA SV SX TF U2", NODEF, 0 },
	{ "ALERTA SV SX TF DM MD CR CM OR CT OU", "ALERTA SV SX TF DM MD CR CM OR CT OU U2", NODEF, 0 },
	{ "ALERTA SV SX SX TF SX", "ALERTA SV SX TF U2", NODEF, 0 },
	{ "ALERTA TF SX SV", "ALERTA SV TF SX U2", NODEF, 0 },
	{ "ALERTA SV SX ou TF bar", "ALERTA SV SX OU TF U2 | bar", NODEF, 0 },

	/* near misses: one edit, unique, between two codes */
	{ "ALERTA SVV SX U1 bar", "ALERTA SV SX U1 | bar {near SVV>SV}", NODEF, 0 },
	{ "ALERTA VS SX", "ALERTA SV SX U2 {near VS>SV}", NODEF, 0 },
	{ "ALERTA SV SXX U1 bar", "ALERTA SV SX U1 | bar {near SXX>SX}", NODEF, 0 },
	/* a code with a letter doubled is repaired anywhere in the codes */
	{ "ALERTA SV SXX bar", "ALERTA SV SX U2 | bar {near SXX>SX}", NODEF, 0 },
	{ "ALERTA SX SVV bar", "ALERTA SV SX U2 | bar {near SVV>SV}", NODEF, 0 },
	{ "ALERTA SX SVV bar", "ALERTA SV SX U2 | bar {near SVV>SV}", SV, 0 },
	{ "ALERTA SVV SXX bar", "ALERTA SV SX U2 | bar {near SVV>SV} {near SXX>SX}", NODEF, 0 },
	{ "ALERTA SXX SVV U1 bar", "ALERTA SV SX U1 | bar {near SXX>SX} {near SVV>SV}", NODEF, 0 },
	{ "ALERTA SSV SXX", "ALERTA SV SX U2 {near SSV>SV} {near SXX>SX}", NODEF, 0 },
	{ "SVV SXX bar", "ALERTA SV SX U2 | bar {implied} {near SVV>SV} {near SXX>SX}", NODEF, 0 },
	{ "ALERTA VS SXX bar", "ALERTA SV SX U2 | bar {near VS>SV} {near SXX>SX}", NODEF, 0 },
	{ "ALERTA FGG TFF U1 V2 bar", "ALERTA FG TF U1 V2 | bar {near FGG>FG} {near TFF>TF}", NODEF, 0 },
	/* other near misses still need a code after them: "as" is a word */
	{ "ALERTA SX VS bar", E_UNKNOWN_AREA("VS", "SX"), NODEF, 0 },
	{ "ALERTA SX as raparigas", "ALERTA SV SX U2 | as raparigas {default SV}", SV, 0 },
	{ "ALERTA SX el sta na casa", "ALERTA SV SX U2 | el sta na casa {default SV}", SV, 0 },
	{ "ALERTA SV SX SXX bar", "ALERTA SV SX U2 | SXX bar", NODEF, 0 },
	{ "ALERTA SW SX", E_UNKNOWN_AREA("SW", "SX"), NODEF, 0 },
	{ "ALERTA SW SX", E_UNKNOWN_FORM("SW", "SV"), SV, 0 },
	{ "ALERTA SV TFF SX", "ALERTA SV TF SX U2 {near TFF>TF}", NODEF, 0 },
	{ "ALERTA SV SX2 SX", E_UNKNOWN_FORM("SX2", "SV"), NODEF, 0 },
	{ "ALERTA SVX SX", E_UNKNOWN_FORM("SVX", "SV"), SV, 0 },
	{ "ALERTA SV S SX", E_MISSING_FORM("SV"), NODEF, 0 },
	{ "ALERTA SV ss SX", E_UNKNOWN_FORM("ss", "SV"), NODEF, 0 },
	{ "ALERTA SV SX bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SX bar", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "ALERTA SX BAR", E_UNKNOWN_AREA("BAR", "SX"), NODEF, 0 },
	{ "ALERTA SX sb bar", E_UNKNOWN_AREA("sb", "SX"), NODEF, 0 },

	/* islands by name (report-language.md 2.3) */
	{ "ALERTA FOGO SX U1 bar", "ALERTA FG SX U1 | bar", NODEF, 0 },
	{ "ALERTA FOGO SX U1 bar", "ALERTA FG SX U1 | bar", SV, 0 },
	{ "ALERTA SX FOGO U1 bar", "ALERTA FG SX U1 | bar", SV, 0 },
	{ "ALERTA Fogo SX", "ALERTA FG SX U2", NODEF, 0 },
	{ "alerta fogo sx", "ALERTA FG SX U2", NODEF, 0 },
	{ "ALERTA São Vicente SX U1 bar", "ALERTA SV SX U1 | bar", NODEF, 0 },
	{ "ALERTA S. Vicente SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA S.Vicente SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SAO VICENTE SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA Sao  Vicente,SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA SãoVicente SX", "ALERTA SV SX U2", NODEF, 0 },
	{ "ALERTA Boa Vista SX", "ALERTA BV SX U2", NODEF, 0 },
	{ "ALERTA BOAVISTA TF V3", "ALERTA BV TF U2 V3", NODEF, 0 },
	{ "ALERTA boa-vista SX", "ALERTA BV SX U2", NODEF, 0 },
	{ "ALERTA Santo Antão SX U1", "ALERTA SA SX U1", NODEF, 0 },
	{ "ALERTA S Antao SX", "ALERTA SA SX U2", NODEF, 0 },
	{ "alerta sao nicolau dm", "ALERTA SN DM U2", NODEF, 0 },
	{ "ALERTA SX Sal U1 bar", "ALERTA SL SX U1 | bar", SV, 0 },
	{ "ALERTA SX santiago", "ALERTA ST SX U2", SV, 0 },
	{ "ALERTA Brava CT V2", "ALERTA BR CT U2 V2", NODEF, 0 },
	{ "ALERTA Maio SX", "ALERTA MA SX U2", NODEF, 0 },
	{ "Fogo SX U1 bar", "ALERTA FG SX U1 | bar {implied}", SV, 0 },
	{ "Maio SX U1 bar", "ALERTA MA SX U1 | bar {implied}", NODEF, 0 },
	{ "Boa Vista SX", "ALERTA BV SX U2 {implied}", NODEF, 0 },
	{ "ALERTA SV SX São Vicente bar", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SV SX Fogo bar", "ALERTA SV SX U2 | Fogo bar {ignored Fogo>FG}", NODEF, 0 },
	{ "ALERTA SX Fogo Brava U1 bar", "ALERTA FG SX U1 | bar {ignored Brava>BR}", SV, 0 },
	{ "ALERTA ILHA DO FOGO SX U1 bar", "ALERTA FG SX U1 | bar", SV, 0 },
	{ "ALERTA SX ilha de Santiago U1 bar", "ALERTA ST SX U1 | bar", SV, 0 },
	{ "alerta ilha da brava sx", "ALERTA BR SX U2", NODEF, 0 },
	{ "ALERTA Ilha FG SX", "ALERTA FG SX U2", NODEF, 0 },
	{ "ALERTA Island of Sal SX", "ALERTA SL SX U2", NODEF, 0 },
	{ "ALERTA Fogo Island SX U1", "ALERTA FG SX U1", NODEF, 0 },
	{ "ALERTA SX U1 ilha do sal", "ALERTA SL SX U1", SV, 0 },
	{ "ALERTA ILHA SX", E_UNKNOWN_AREA("ILHA", "SX"), NODEF, 0 },
	{ "ALERTA SV SX ilha bar", "ALERTA SV SX U2 | ilha bar", NODEF, 0 },
	{ "ALERTA SX U1 bar na ilha do Fogo", E_WHICH_AREA("Fogo", "FG", "SX"), SV, 0 },
	{ "ALERTA Sao SX", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "ALERTA Vicente SX", E_MISSING_AREA("SX"), NODEF, 0 },
	/* an island named in the text of an alert with no island code */
	{ "ALERTA SX U1 bar no Fogo", E_WHICH_AREA("Fogo", "FG", "SX"), SV, 0 },
	{ "ALERTA SX U1 bar no Fogo", E_WHICH_AREA("Fogo", "FG", "SX"), NODEF, 0 },
	{ "SX U1 rapariga na Brava", E_WHICH_AREA("Brava", "BR", "SX"), SV, 0 },
	{ "ALERTA TF kel mininu ta bai pa Boa Vista", E_WHICH_AREA("Boa Vista", "BV", "TF"), SV, 0 },
	{ "ALERTA SX U1 bar em São Vicente", "ALERTA SV SX U1 | bar em São Vicente {default SV}", SV, 0 },
	{ "ALERTA SX U1 bar em S. Vicente, vem de Fogo", E_WHICH_AREA("Fogo", "FG", "SX"), SV, 0 },
	{ "ALERTA SX U1 raparigas no bar FG", E_WHICH_AREA("FG", "FG", "SX"), SV, 0 },
	{ "ALERTA SX U1 raparigas no bar SV", "ALERTA SV SX U1 | raparigas no bar SV {default SV}", SV, 0 },
	{ "ALERTA SX U1 KEL MININU DI MA", "ALERTA SV SX U1 | KEL MININU DI MA {default SV}", SV, 0 },
	{ "ALERTA SX U1 kel mininu ma se mai", "ALERTA SV SX U1 | kel mininu ma se mai {default SV}", SV, 0 },
	{ "ALERTA SX U1 carro matricula ST-12-AB", "ALERTA SV SX U1 | carro matricula ST-12-AB {default SV}", SV, 0 },
	{ "ALERTA SX U1 carro ST12A", "ALERTA SV SX U1 | carro ST12A {default SV}", SV, 0 },
	{ "ALERTA SX U1 bar Sao e Vicente", "ALERTA SV SX U1 | bar Sao e Vicente {default SV}", SV, 0 },

	/* a missing command */
	{ "SV SX U1 bar", "ALERTA SV SX U1 | bar {implied}", NODEF, 0 },
	{ "sx sv", "ALERTA SV SX U2 {implied}", NODEF, 0 },
	{ "SX U1 bar", "ALERTA SV SX U1 | bar {implied} {default SV}", SV, 0 },
	{ "SX U1 bar", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "MENOR SV SX bar", "ALERTA SV SX U2 MENOR | bar {implied}", NODEF, 0 },
	{ "U1 SV SX", "ALERTA SV SX U1 {implied}", NODEF, 0 },
	{ "V2 SX ST", "ALERTA ST SX U2 V2 {implied}", NODEF, 0 },
	{ "SVV SX U1", "ALERTA SV SX U1 {implied} {near SVV>SV}", NODEF, 0 },
	{ "U1 V2 bar", E_UNKNOWN_CMD("U1"), NODEF, 0 },
	{ "MENOR", E_UNKNOWN_CMD("MENOR"), NODEF, 0 },
	{ "bar SV SX", E_UNKNOWN_CMD("bar"), NODEF, 0 },
	{ "Ola, preciso de ajuda", E_UNKNOWN_CMD("Ola"), NODEF, 0 },
	{ "Bom dia", E_UNKNOWN_CMD("Bom"), NODEF, 0 },
	{ "123", E_UNKNOWN_CMD("123"), NODEF, 0 },
	{ "SV", E_MISSING_FORM("SV"), NODEF, 0 },
	{ "SV bar", E_MISSING_FORM("SV"), NODEF, 0 },
	{ "SV SX V0", E_BAD_NUMBER("V0", "SV", "SX"), NODEF, 0 },
	{ "V0 SV SX", E_UNKNOWN_CMD("V0"), NODEF, 0 },
	{ "😢 SV SX", E_UNKNOWN_CMD("?"), NODEF, 0 },
	{ "Alertaaa SV SX", E_UNKNOWN_CMD("Alertaaa"), NODEF, 0 },
	{ "ALERTAS SV SX", "ALERTA SV SX U2 {cmd ALERTAS>ALERTA}", NODEF, 0 },
	{ "ALRTA SV SX", "ALERTA SV SX U2 {cmd ALRTA>ALERTA}", NODEF, 0 },
	{ "ALETRA SV SX", "ALERTA SV SX U2 {cmd ALETRA>ALERTA}", NODEF, 0 },
	{ "alert: sv sx", "ALERTA SV SX U2", NODEF, 0 },
	{ "AJUDE", "AJUDA {cmd AJUDE>AJUDA}", NODEF, 0 },
	{ "ANULA 12", "ANULAR 12 {cmd ANULA>ANULAR}", NODEF, 0 },
	{ "ESTDO 12", "ESTADO 12 {cmd ESTDO>ESTADO}", NODEF, 0 },
	{ "INFOS 12 carro", "INFO 12 | carro {cmd INFOS>INFO}", NODEF, 0 },
	{ "OKK 12", E_UNKNOWN_CMD("OKK"), NODEF, 0 },
	{ "CLOSED 12", "FIM 12 {cmd CLOSED>FIM}", NODEF, 0 },

	/* the area from the sender's registration */
	{ "ALERTA SX", "ALERTA SV SX U2 {default SV}", SV, 0 },
	{ "ALERTA ST SX", "ALERTA ST SX U2", SV, 0 },
	{ "ALERTA SX U1 V2 MENOR bar", "ALERTA SV SX U1 V2 MENOR | bar {default SV}", SV, 0 },
	{ "ALERTA bar", E_MISSING_FORM("SV"), SV, 0 },
	{ "ALERTA", E_MISSING_FORM("SV"), SV, 0 },
	{ "ALERTA", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "ALERTA U1", E_MISSING_AREA("SX"), NODEF, 0 },

	/* free text as typed: accents, Kriolu, emoji, new lines */
	{ "ALERTA SV SX U1 Kes minina sta na bar di Lazareto, es ta obi múzika",
	  "ALERTA SV SX U1 | Kes minina sta na bar di Lazareto, es ta obi múzika", NODEF, 0 },
	{ "ALERTA ST TF: Trabalhadores chineses sem passaporte, obra em São Domingos. Ação urgente!",
	  "ALERTA ST TF U2 | Trabalhadores chineses sem passaporte, obra em São Domingos. Ação urgente!", NODEF, 0 },
	{ "ALERTA SV SX 😢😢 raparigas no bar 🙏", "ALERTA SV SX U2 | 😢😢 raparigas no bar 🙏", NODEF, 0 },
	{ "ALERTA SV SX bar\nlinha 2\r\n", "ALERTA SV SX U2 | bar\nlinha 2", NODEF, 0 },
	{ "ALERTA SV SX    bar   ", "ALERTA SV SX U2 | bar", NODEF, 0 },
	{ "ALERTA SV SX Ó menina", "ALERTA SV SX U2 | Ó menina", NODEF, 0 },
	{ "ALERTA FG CM noiva di 14 anu, kasamentu sábadu", "ALERTA FG CM U2 | noiva di 14 anu, kasamentu sábadu", NODEF, 0 },
	{ "ALERTA BR MD mininu ta pidi na porton di igreja", "ALERTA BR MD U2 | mininu ta pidi na porton di igreja", NODEF, 0 },
	{ "ALERTA SV SX bar SX", "ALERTA SV SX U2 | bar SX", NODEF, 0 },
	{ "ALERTA SV SX 2 meninas, 1 homem", "ALERTA SV SX U2 | 2 meninas, 1 homem", NODEF, 0 },
	{ "INFO 12 O carro é um Toyota azul 🚗", "INFO 12 | O carro é um Toyota azul 🚗", NODEF, 0 },
	{ "FIM 12 Vítimas acolhidas na ICCA", "FIM 12 | Vítimas acolhidas na ICCA", NODEF, 0 },

	/* empty, white space, junk */
	{ "", E_EMPTY, NODEF, 0 },
	{ " ", E_EMPTY, NODEF, 0 },
	{ "   \t\r\n  ", E_EMPTY, NODEF, 0 },
	{ "\xe2\x80\x8b", E_EMPTY, NODEF, 0 },
	{ "\xc2\xa0\xc2\xa0", E_EMPTY, NODEF, 0 },
	{ ",,,;;;...", E_EMPTY, NODEF, 0 },
	{ ":", E_EMPTY, NODEF, 0 },
	{ " - ", E_EMPTY, NODEF, 0 },
	{ "\xff\xfe\xfd", E_UNKNOWN_CMD("???"), NODEF, 0 },
	{ "\xc3", E_UNKNOWN_CMD("?"), NODEF, 0 },
	{ "\xe2\x82", E_UNKNOWN_CMD("??"), NODEF, 0 },
	{ "\xed\xa0\x80 OK 1", E_UNKNOWN_CMD("???"), NODEF, 0 },
	{ "\xc0\xaf", E_UNKNOWN_CMD("??"), NODEF, 0 },
	{ "ALERTA SV SX \xff\xfe bar", "ALERTA SV SX U2 | \xff\xfe bar", NODEF, 0 },
	{ "ALERTA \xff SV SX", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "ALERTA S\xffV SX", E_MISSING_AREA("SX"), NODEF, 0 },
	{ "\x01\x02\x03", E_UNKNOWN_CMD("???"), NODEF, 0 },
	{ "ALERTA\x00SV SX", E_UNKNOWN_CMD("ALERTA?SV"), NODEF, 13 },
	{ "\x00", E_UNKNOWN_CMD("?"), NODEF, 1 },
	{ "ALERTA SV SX bar\x00", "ALERTA SV SX U2 | bar@", NODEF, 17 },
	{ "{}[]~\\^|\xe2\x82\xac", E_UNKNOWN_CMD("{}[..."), NODEF, 0 },
};

static const char *
note_name(enum report_note_kind k)
{
	switch (k) {
	case REPORT_NOTE_IMPLIED_COMMAND: return "implied";
	case REPORT_NOTE_NEAR_COMMAND: return "cmd";
	case REPORT_NOTE_NEAR_CODE: return "near";
	case REPORT_NOTE_LOOKALIKE: return "look";
	case REPORT_NOTE_GLUED_REF: return "glued";
	case REPORT_NOTE_SPLIT_CODE: return "split";
	case REPORT_NOTE_DEFAULT_AREA: return "default";
	case REPORT_NOTE_IGNORED: return "ignored";
	}
	return "?";
}

/* The compact form the table uses. */
static void
describe(const struct codebook *cb, const char *in, size_t len,
    const struct report *r, char *out, size_t osz)
{
	static const char *const help[] = { "", " areas", " forms", " urg",
	    " admin" };
	struct reply_vars v = { 0 };
	char reply[REPLY_MAX_BYTES];
	size_t o;
	int i;

#define ADD(...) do { o = strlen(out); \
	snprintf(out + o, osz - o, __VA_ARGS__); } while (0)
	out[0] = '\0';
	if (r->err != REPORT_ERR_NONE) {
		v.report = r;
		v.input = in;
		v.input_len = len;
		reply_render(cb, NULL, REPLY_PT, reply_for_report(r), &v,
		    reply, sizeof reply);
		ADD("ERR %s: %s", report_err_name(r->err), reply);
		return;
	}
	ADD("%s", report_cmd_name(r->cmd, 0));
	if (r->cmd == REPORT_CMD_ALERTA) {
		if (r->area >= 0)
			ADD(" %s", cb->areas[r->area].code);
		for (i = 0; i < r->n_forms; i++)
			ADD(" %s", cb->forms[r->forms[i]].code);
		ADD(" U%d", r->urgency);
		if (r->victims >= 0)
			ADD(" V%d", r->victims);
		if (r->females >= 0)
			ADD(" F%d", r->females);
		if (r->males >= 0)
			ADD(" M%d", r->males);
		if (r->minor)
			ADD(" MENOR");
		if (r->pin[0] != '\0')
			ADD(" P%s", r->pin);
	}
	if (r->ref > 0)
		ADD(" %ld", r->ref);
	if (r->cmd == REPORT_CMD_AJUDA)
		ADD("%s", help[r->help]);
	if (r->text_len > 0) {
		/* NUL bytes shown as '@' so rows can be C strings */
		ADD(" | ");
		o = strlen(out);
		for (size_t k = 0; k < r->text_len && o + 1 < osz; k++)
			out[o++] = in[r->text_off + k] == '\0' ? '@' :
			    in[r->text_off + k];
		out[o] = '\0';
	}
	for (i = 0; i < r->n_notes; i++) {
		const struct report_note *n = &r->notes[i];

		if (n->kind == REPORT_NOTE_IMPLIED_COMMAND)
			ADD(" {implied}");
		else if (n->kind == REPORT_NOTE_DEFAULT_AREA)
			ADD(" {default %s}", n->as);
		else
			ADD(" {%s %.*s>%s}", note_name(n->kind), (int)n->len,
			    in + n->off, n->as);
	}
#undef ADD
}

int
main(void)
{
	struct codebook cb;
	struct parse_options opt;
	struct report r;
	char got[2048];
	size_t i, len;
	int rc;

	codebook_default(&cb);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sms_case *c = &cases[i];

		len = c->len != 0 ? c->len : strlen(c->in);
		opt.default_area = c->default_area;
		rc = report_parse(&cb, &opt, c->in, len, &r);
		CHECK((rc == 0) == (r.err == REPORT_ERR_NONE),
		    "row %zu: rc=%d err=%d", i, rc, r.err);
		describe(&cb, c->in, len, &r, got, sizeof got);
		CHECK_STR(got, c->want, "row %zu: \"%s\"", i, c->in);
	}
	{
		/* PINs masked where typed: read, too long, conflicting,
		 * lookalike; the rest of the text untouched */
		static const struct { const char *in, *want; } masks[] = {
			{ "ALERTA SV SX U1 P4321 bar sozinha",
			  "ALERTA SV SX U1 P**** bar sozinha" },
			{ "ALERTA SV SX U1 P123456789 bar",
			  "ALERTA SV SX U1 P********* bar" },
			{ "ALERTA SV P12 SX U1 P34 bar",
			  "ALERTA SV P** SX U1 P** bar" },
			{ "ALERTA SV SX U1 p43O1 bar",
			  "ALERTA SV SX U1 p**** bar" },
			{ "ALERTA SV SX U1 bar P4321",
			  "ALERTA SV SX U1 bar P4321" },	/* free text */
		};
		char text[128];

		opt.default_area = -1;
		for (i = 0; i < sizeof masks / sizeof masks[0]; i++) {
			len = strlen(masks[i].in);
			memcpy(text, masks[i].in, len + 1);
			report_parse(&cb, &opt, text, len, &r);
			report_mask_pin(&r, text, len);
			CHECK_STR(text, masks[i].want, "mask \"%s\"",
			    masks[i].in);
		}
		/* A masked PIN (as the spool keeps a report) is read as a
		 * PIN without digits, not as free text, and masks again to
		 * itself. */
		memcpy(text, "ALERTA SV SX U1 P**** bar", 26);
		rc = report_parse(&cb, &opt, text, 25, &r);
		CHECK(rc == 0 && r.pin[0] == '\0' && r.pin_len == 5 &&
		    r.text_len == 3 && strncmp(text + r.text_off, "bar", 3) ==
		    0, "masked PIN: rc=%d pin=\"%s\" text at %zu", rc, r.pin,
		    r.text_off);
		report_mask_pin(&r, text, 25);
		CHECK_STR(text, "ALERTA SV SX U1 P**** bar", "masked again");
	}
	{
		/* a 1,000-character multipart text, kept whole and exact */
		static char big[1024];
		size_t k;

		memcpy(big, "ALERTA SV SX U1 V3 ", 19);
		for (k = 19; k < 1000; k++)
			big[k] = "Tres raparigas no bar, ação! "[k % 30];
		opt.default_area = -1;
		rc = report_parse(&cb, &opt, big, 1000, &r);
		CHECK(rc == 0 && r.text_off == 19 && r.text_len == 981 &&
		    r.victims == 3 && r.urgency == 1, "multipart: rc=%d "
		    "off=%zu len=%zu", rc, r.text_off, r.text_len);
		/* and the same with the codes at the end of part one */
		rc = report_parse(&cb, &opt, big + 7, 993, &r);
		CHECK(rc == 0 && r.cmd == REPORT_CMD_ALERTA && r.n_notes == 1 &&
		    r.notes[0].kind == REPORT_NOTE_IMPLIED_COMMAND,
		    "multipart implied: rc=%d", rc);
	}
	{
		/* aliases from the config: areas and forms, in text too */
		static const struct sms_case alias_cases[] = {
			{ "ALERTA Fogo Island SX U1 bar", "ALERTA FG SX U1 | bar", NODEF, 0 },
			{ "ALERTA SX Sao Filipe U1 bar", "ALERTA FG SX U1 | bar", SV, 0 },
			{ "ALERTA S. Filipe SX", "ALERTA FG SX U2", NODEF, 0 },
			{ "ALERTA Mindelo prostituição V2", "ALERTA SV SX U2 V2", NODEF, 0 },
			{ "Mindelo SX", "ALERTA SV SX U2 {implied}", NODEF, 0 },
			{ "ALERTA SX U1 rapariga em São Filipe", E_WHICH_AREA("Sao Filipe", "FG", "SX"), SV, 0 },
			{ "ALERTA SX U1 bar em Mindelo", "ALERTA SV SX U1 | bar em Mindelo {default SV}", SV, 0 },
			{ "ALERTA FG Fogo Island SX", "ALERTA FG SX U2", NODEF, 0 },
		};

		snprintf(cb.areas[7].aliases[0], CODEBOOK_NAME_MAX, "Fogo Island");
		snprintf(cb.areas[7].aliases[1], CODEBOOK_NAME_MAX, "Sao Filipe");
		cb.areas[7].n_aliases = 2;
		snprintf(cb.areas[1].aliases[0], CODEBOOK_NAME_MAX, "Mindelo");
		cb.areas[1].n_aliases = 1;
		snprintf(cb.forms[0].aliases[0], CODEBOOK_NAME_MAX, "prostituicao");
		cb.forms[0].n_aliases = 1;
		codebook_prepare(&cb);
		CHECK(codebook_validate(&cb, NULL, NULL) == 0, "aliases valid");
		for (i = 0; i < sizeof alias_cases / sizeof alias_cases[0]; i++) {
			const struct sms_case *c = &alias_cases[i];

			len = strlen(c->in);
			opt.default_area = c->default_area;
			report_parse(&cb, &opt, c->in, len, &r);
			describe(&cb, c->in, len, &r, got, sizeof got);
			CHECK_STR(got, c->want, "alias row %zu: \"%s\"", i, c->in);
		}
	}
	printf("report: %zu messages\n", sizeof cases / sizeof cases[0]);
	return check_done("test_report");
}
