/*
 * test_status_page.c: farold's status page in a real browser, Debian's
 * headless Chromium (suite `integration`; skipped, status 77, when no
 * chromium is installed: scripts/install-deps installs it).
 *
 * A farold holding four alerts (SV urgent, ST, Sal's U3 waiting for the
 * digest, and a Fogo one held for its missing PIN) serves `/'; Chromium loads it and dumps the DOM it
 * built: each alert is inside its own island's tile, with its urgency and
 * age, the held one marked held; the modem's row says healthy; no report
 * text and no phone number anywhere. Chromium then saves a screenshot,
 * the test's artifact: BUILD/tests/integration/status_page.png (and the
 * DOM beside it, status_page.html).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "gateway_proc.h"
#include "http_client.h"
#include "pgcluster.h"
#include "stored.h"

#define WAIT_MS 30000
#define SKIP 77

static struct pgcluster *pg;
static struct gateway_proc g;
static int port;

static const struct {
	const char *from, *text, *area;
	int held;
} reports[] = {
	{ "+2389912345", "ALERTA SV SX U1 V2 MENOR bar Calheta", "SV", 0 },
	{ "+2389912346", "ALERTA ST TF U2 V3 obra Achada", "ST", 0 },
	{ "+2389912347", "ALERTA SL DM U3 V1 casa Espargos", "SL", 0 },
	/* Carla's phone has a PIN; without it the alert is held. */
	{ "+2389912349", "ALERTA FG SX U1 V1 porto Vale", "FG", 1 },
};

/* The chromium binary, or NULL. */
static const char *
chromium_path(void)
{
	static const char *const candidates[] = {
		"/usr/bin/chromium", "/usr/bin/chromium-browser",
	};
	const char *env = getenv("FAROL_CHROMIUM");

	if (env != NULL && access(env, X_OK) == 0)
		return env;
	for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Run chromium headless on url with one more argument; its stdout into
 * out_path. Returns its exit status. */
static int
chromium_run(const char *chromium, const char *url, const char *arg,
    const char *out_path)
{
	char profile[300], profile_arg[320];
	pid_t pid;
	int status, fd;

	snprintf(profile, sizeof profile, "%s/chromium", g.dir);
	snprintf(profile_arg, sizeof profile_arg, "--user-data-dir=%s",
	    profile);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		setenv("HOME", g.dir, 1);
		/* --no-sandbox: the test may run as root, where Chromium's
		 * sandbox refuses to start; the page is our own. */
		execl(chromium, chromium, "--headless", "--no-sandbox",
		    "--disable-gpu", "--no-first-run", "--disable-extensions",
		    "--hide-scrollbars", "--window-size=1400,1000",
		    profile_arg, arg, url, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len < 0 || (text = calloc(1, (size_t)len + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* The tile of area code in dom: from its data-area to the next tile's
 * (caller frees), or NULL. */
static char *
tile_of(const char *dom, const char *code)
{
	char want[64];
	const char *start, *end;

	snprintf(want, sizeof want, "data-area=\"%s\"", code);
	if ((start = strstr(dom, want)) == NULL)
		return NULL;
	end = strstr(start + 1, "data-area=");
	if (end == NULL)
		end = start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

static void
test_page_in_chromium(const char *chromium)
{
	char url[64], dom_path[512], png_path[512], arg[600], want[64];
	char *dom, *tile;
	unsigned char magic[8];
	struct stat st;
	FILE *f;
	long ref;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	snprintf(dom_path, sizeof dom_path, "%s/tests/integration/"
	    "status_page.html", g.build_root);
	snprintf(png_path, sizeof png_path, "%s/tests/integration/"
	    "status_page.png", g.build_root);
	unlink(png_path);

	CHECK(chromium_run(chromium, url, "--dump-dom", dom_path) == 0,
	    "chromium --dump-dom");
	dom = read_all(dom_path);
	CHECK(dom != NULL && strstr(dom, "<main>") != NULL,
	    "a DOM came back (%s)", dom_path);
	if (dom == NULL)
		return;
	for (size_t i = 0; i < sizeof reports / sizeof *reports; i++) {
		ref = stored_q(pg, "SELECT a.ref FROM alert a JOIN message m "
		    "ON m.id = a.message_id WHERE m.sender = '%s'",
		    reports[i].from);
		tile = tile_of(dom, reports[i].area);
		snprintf(want, sizeof want, "data-ref=\"%ld\"", ref);
		CHECK(tile != NULL && strstr(tile, want) != NULL,
		    "alert %ld in %s's tile", ref, reports[i].area);
		CHECK(tile == NULL || (strstr(tile, "held: pin") != NULL) ==
		    reports[i].held, "%s: held shown iff held",
		    reports[i].area);
		CHECK(tile == NULL || strstr(tile, "data-open=\"1\"") != NULL,
		    "%s: one open alert", reports[i].area);
		free(tile);
	}
	tile = tile_of(dom, "SV");
	CHECK(tile != NULL && strstr(tile, "island urgent") != NULL &&
	    strstr(tile, " U1 SX") != NULL && strstr(tile, "rung 1") != NULL,
	    "SV: urgent, U1 SX, rung 1");
	free(tile);
	tile = tile_of(dom, "SL");
	CHECK(tile != NULL && strstr(tile, "not sent yet") != NULL,
	    "Sal's U3: not sent yet");
	free(tile);
	tile = tile_of(dom, "BR");
	CHECK(tile != NULL && strstr(tile, "no open alert") != NULL,
	    "Brava: quiet");
	free(tile);
	CHECK(strstr(dom, "id=\"health\" class=\"ok\"") != NULL,
	    "health: ready");
	CHECK(strstr(dom, "<td>cv1</td><td class=\"yes\">") != NULL,
	    "modem cv1 healthy");
	CHECK(strstr(dom, "Calheta") == NULL && strstr(dom, "Espargos") ==
	    NULL && strstr(dom, "99123") == NULL && strstr(dom, "+238") ==
	    NULL, "no report text, no phone number");
	free(dom);

	snprintf(arg, sizeof arg, "--screenshot=%s", png_path);
	CHECK(chromium_run(chromium, url, arg, "/dev/null") == 0,
	    "chromium --screenshot");
	f = fopen(png_path, "rb");
	CHECK(f != NULL && fread(magic, 1, 8, f) == 8 &&
	    memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	    stat(png_path, &st) == 0 && st.st_size > 10000,
	    "a PNG screenshot at %s", png_path);
	if (f != NULL)
		fclose(f);
	printf("status page: %s, %s\n", png_path, dom_path);
}

int
main(void)
{
	const char *chromium = chromium_path();
	int ready;

	if (chromium == NULL) {
		printf("SKIP: no chromium (scripts/install-deps installs "
		    "it)\n");
		return SKIP;
	}
	REQUIRE((pg = pgcluster_start("status-page")) != NULL, "PostgreSQL");
	REQUIRE(gateway_proc_init(&g, pgcluster_conninfo(pg)) == 0, "init");
	REQUIRE((port = http_client_enable(&g)) > 0, "http on");
	REQUIRE(gateway_proc_start(&g) == 0, "start farold");
	if (!(ready = http_client_wait(port, "/healthz", 200, WAIT_MS) ==
	    200))
		gateway_proc_dump_log(&g);
	REQUIRE(ready, "/healthz 200");
	for (size_t i = 0; i < sizeof reports / sizeof *reports; i++)
		CHECK(gateway_proc_drop_sms(&g, reports[i].from,
		    reports[i].text, NULL) == 0, "drop %zu", i);
	REQUIRE(stored_wait_q(pg, WAIT_MS, 4, "SELECT count(*) FROM alert")
	    == 4, "four alerts");
	/* SV's and ST's are forwarded at once (rung 1 submitted); Sal's,
	 * U3, waits for the digest; Fogo's is held. */
	REQUIRE(stored_wait_q(pg, WAIT_MS, 2, "SELECT count(DISTINCT "
	    "alert_id) FROM outbox WHERE purpose = 'forward' AND state IN "
	    "('submitted', 'delivered')") == 2, "two alerts forwarded");
	test_page_in_chromium(chromium);
	CHECK(gateway_proc_finish(&g, WAIT_MS) == 0, "exit status 0");
	pgcluster_destroy(pg);
	return check_status();
}
