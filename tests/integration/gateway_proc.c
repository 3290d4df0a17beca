/*
 * gateway_proc.c: runs the real farold for integration tests (see
 * gateway_proc.h). Waits are polls with deadlines, never fixed sleeps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "gateway_proc.h"
#include "testproc.h"

#define GATEWAY_PROC_MAX 8

static struct gateway_proc *gateway_procs[GATEWAY_PROC_MAX];
static int gateway_procs_registered;

static void
gateway_proc_cleanup_all(void)
{
	for (int i = 0; i < GATEWAY_PROC_MAX; i++)
		if (gateway_procs[i] != NULL)
			gateway_proc_destroy(gateway_procs[i]);
}

static void
gateway_proc_register(struct gateway_proc *g)
{
	if (!gateway_procs_registered) {
		atexit(gateway_proc_cleanup_all);
		gateway_procs_registered = 1;
	}
	for (int i = 0; i < GATEWAY_PROC_MAX; i++)
		if (gateway_procs[i] == NULL) {
			gateway_procs[i] = g;
			return;
		}
}

/* The default config, with the modem, database and spool pointed here. */
static int
gateway_proc_make_config(struct gateway_proc *g, const char *conninfo)
{
	char in_path[512], line[1024], key[64];
	FILE *in, *out;
	int indent;

	snprintf(in_path, sizeof in_path, "%s/config/farol.conf",
	    g->source_root);
	if ((in = fopen(in_path, "r")) == NULL)
		return -1;
	if ((out = fopen(g->conf, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	while (fgets(line, sizeof line, in) != NULL) {
		indent = (int)strspn(line, " ");
		if (sscanf(line + indent, "%63[a-z_] =", key) != 1) {
			fputs(line, out);
			continue;
		}
		if (strcmp(key, "device") == 0)
			fprintf(out, "%*s%s = \"%s\";\n", indent, "", key,
			    g->modem);
		else if (strcmp(key, "connection") == 0)
			fprintf(out, "%*s%s = \"none\";\n", indent, "", key);
		else if (strcmp(key, "model") == 0)
			fprintf(out, "%*s%s = \"dummy\";\n", indent, "", key);
		else if (strcmp(key, "conninfo") == 0)
			fprintf(out, "%*s%s = \"%s\";\n", indent, "", key,
			    conninfo);
		else if (strcmp(key, "spool_dir") == 0)
			fprintf(out, "%*s%s = \"%s/spool\";\n", indent, "", key,
			    g->dir);
		else if (strcmp(key, "admin_socket") == 0)
			fprintf(out, "%*s%s = \"%s/farold.sock\";\n", indent, "",
			    key, g->dir);
		else if (strcmp(key, "listen") == 0)
			/* Off: tests run side by side; test_http turns it on
			 * (gateway_proc_use_http). */
			fprintf(out, "%*s%s = \"\";\n", indent, "", key);
		else if (strcmp(key, "poll_interval") == 0)
			fprintf(out, "%*s%s = 1;\n", indent, "", key);
		else if (strcmp(key, "send_per_minute") == 0)
			fprintf(out, "%*s%s = 600;\n", indent, "", key);
		else
			fputs(line, out);
	}
	fclose(in);
	return fclose(out);
}

int
gateway_proc_init(struct gateway_proc *g, const char *conninfo)
{
	const char *tmp = getenv("TMPDIR");

	memset(g, 0, sizeof *g);
	snprintf(g->source_root, sizeof g->source_root, "%s",
	    FAROL_SOURCE_ROOT);
	snprintf(g->build_root, sizeof g->build_root, "%s", FAROL_BUILD_ROOT);
	snprintf(g->dir, sizeof g->dir, "%s/farol-gw-XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(g->dir) == NULL)
		return -1;
	gateway_proc_register(g);
	snprintf(g->conf, sizeof g->conf, "%s/farol.conf", g->dir);
	snprintf(g->modem, sizeof g->modem, "%s/modem", g->dir);
	snprintf(g->log, sizeof g->log, "%s/farold.log", g->dir);
	snprintf(g->sent_log, sizeof g->sent_log, "%s/sent.log", g->dir);
	if (mkdir(g->modem, 0700) != 0)
		return -1;
	return gateway_proc_make_config(g, conninfo);
}

int
gateway_proc_start(struct gateway_proc *g)
{
	char farold[512];
	pid_t pid;
	int fd;

	snprintf(farold, sizeof farold, "%s/gateway/farold", g->build_root);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		setenv("FAROL_TEST_SENT_LOG", g->sent_log, 1);
		if (g->default_log_level)
			execl(farold, farold, "-c", g->conf, (char *)NULL);
		else
			execl(farold, farold, "-d", "-c", g->conf,
			    (char *)NULL);
		_exit(127);
	}
	g->pid = pid;
	return 0;
}

int
gateway_proc_log_count(const struct gateway_proc *g, const char *needle)
{
	char line[2048];
	FILE *f = fopen(g->log, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

struct gateway_proc_log_wait {
	const struct gateway_proc *g;
	const char *needle;
	int count;
};

static int
gateway_proc_log_reached(void *arg)
{
	const struct gateway_proc_log_wait *w = arg;

	return gateway_proc_log_count(w->g, w->needle) >= w->count;
}

int
gateway_proc_wait_log(struct gateway_proc *g, const char *needle, int count,
    int timeout_ms)
{
	struct gateway_proc_log_wait w = { g, needle, count };

	return test_wait_until(timeout_ms, gateway_proc_log_reached, &w);
}

int
gateway_proc_signal(struct gateway_proc *g, int sig)
{
	if (g->pid <= 0)
		return -1;
	if (kill(g->pid, sig) != 0)
		return -1;
	if (sig == SIGKILL) {
		waitpid(g->pid, NULL, 0);
		g->pid = 0;
	}
	return 0;
}

struct gateway_proc_exit_wait {
	struct gateway_proc *g;
	int status;
};

static int
gateway_proc_exited(void *arg)
{
	struct gateway_proc_exit_wait *w = arg;

	if (waitpid(w->g->pid, &w->status, WNOHANG) != w->g->pid)
		return 0;
	w->g->pid = 0;
	return 1;
}

int
gateway_proc_wait_exit(struct gateway_proc *g, int timeout_ms)
{
	struct gateway_proc_exit_wait w = { g, 0 };

	if (g->pid <= 0 ||
	    test_wait_until(timeout_ms, gateway_proc_exited, &w) != 0)
		return -1;
	if (WIFEXITED(w.status))
		return WEXITSTATUS(w.status);
	return 128 + WTERMSIG(w.status);
}

int
gateway_proc_alive(struct gateway_proc *g)
{
	return g->pid > 0 && waitpid(g->pid, NULL, WNOHANG) == 0;
}

/* Append text (UTF-8) as UTF-16BE hex, as gammu's backup files hold it. */
static void
gateway_proc_utf16_hex(const char *text, FILE *out)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned long cp;
	int more, col = 0, line = 0;

	fprintf(out, "Text00 = ");
	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p++;
			more = 0;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p++ & 0x1F;
			more = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p++ & 0x0F;
			more = 2;
		} else {
			cp = *p++ & 0x07;
			more = 3;
		}
		while (more-- > 0 && (*p & 0xC0) == 0x80)
			cp = (cp << 6) | (*p++ & 0x3F);
		for (int half = 0; half < 2; half++) {
			unsigned long unit = cp;

			if (cp >= 0x10000)
				unit = half == 0 ? 0xD800 + ((cp - 0x10000) >> 10) :
				    0xDC00 + ((cp - 0x10000) & 0x3FF);
			else if (half == 1)
				break;
			if (col == 200) {
				fprintf(out, "\nText%02d = ", ++line);
				col = 0;
			}
			fprintf(out, "%04lX", unit);
			col += 4;
		}
	}
	fputc('\n', out);
}

int
gateway_proc_drop_sms(struct gateway_proc *g, const char *from,
    const char *text, const char *udh)
{
	return gateway_proc_drop_sms_at(g, from, text, udh, time(NULL));
}

int
gateway_proc_drop_sms_at(struct gateway_proc *g, const char *from,
    const char *text, const char *udh, time_t now)
{
	char dir[400], tmp[450], path[450], when[32];
	struct tm tm;
	FILE *f;

	/* The dummy driver holds 9,999 messages a folder: the next go to
	 * folder 3, the phone memory's inbox. */
	int folder = g->next_location < GATEWAY_PROC_FOLDER_MAX ? 1 : 3;
	int location = ++g->next_location - (folder == 1 ? 0 :
	    GATEWAY_PROC_FOLDER_MAX);

	snprintf(dir, sizeof dir, "%s/sms", g->modem);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/sms/%d", g->modem, folder);
	mkdir(dir, 0700);
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
	snprintf(path, sizeof path, "%s/%d", dir, location);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%d", dir, location);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "[SMSBackup000]\nPDU = Deliver\nSMSC = \"+2389900000\"\n"
	    "Number = \"%s\"\nDateTime = %s\nState = UnRead\n"
	    "Coding = Unicode_No_Compression\nFolder = 1\nClass = -1\n",
	    from, when);
	if (udh != NULL && udh[0] != '\0')
		fprintf(f, "UDH = %s\n", udh);
	gateway_proc_utf16_hex(text, f);
	if (fclose(f) != 0)
		return -1;
	/* Renamed into place so farold never reads half a file. */
	return rename(tmp, path);
}

int
gateway_proc_inbox_count(const struct gateway_proc *g)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	for (int folder = 1; folder <= 3; folder += 2) {
		snprintf(path, sizeof path, "%s/sms/%d", g->modem, folder);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
				n++;
		closedir(d);
	}
	return n;
}

int
gateway_proc_spool_count(const struct gateway_proc *g)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;
	size_t len;

	snprintf(path, sizeof path, "%s/spool", g->dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".msg") == 0)
			n++;
	}
	closedir(d);
	return n;
}

int
gateway_proc_inbox_empty(void *g)
{
	return gateway_proc_inbox_count(g) == 0;
}

int
gateway_proc_spool_empty(void *g)
{
	return gateway_proc_spool_count(g) == 0;
}

int
gateway_proc_write_config(struct gateway_proc *g, const char *text)
{
	char tmp[400];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.new", g->conf);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, g->conf);
}

int
gateway_proc_use_at_modem(struct gateway_proc *g, const char *device)
{
	char *out = malloc(1 << 20), line[1024];
	FILE *f = fopen(g->conf, "r");
	size_t len = 0;
	int rc = -1, indent;

	if (out == NULL || f == NULL)
		goto done;
	out[0] = '\0';
	while (fgets(line, sizeof line, f) != NULL && len < (1 << 19)) {
		indent = (int)strspn(line, " ");
		if (strncmp(line + indent, "device = ", 9) == 0)
			len += (size_t)snprintf(out + len, (1 << 20) - len,
			    "%*sdevice = \"%s\";\n", indent, "", device);
		else if (strncmp(line + indent, "connection = ", 13) == 0)
			len += (size_t)snprintf(out + len, (1 << 20) - len,
			    "%*sconnection = \"at\";\n", indent, "");
		else if (strncmp(line + indent, "model = ", 8) == 0)
			len += (size_t)snprintf(out + len, (1 << 20) - len,
			    "%*smodel = \"at\";\n", indent, "");
		else
			len += (size_t)snprintf(out + len, (1 << 20) - len,
			    "%s", line);
	}
	rc = gateway_proc_write_config(g, out);
done:
	if (f != NULL)
		fclose(f);
	free(out);
	return rc;
}

int
gateway_proc_set_name(struct gateway_proc *g, const char *name, int lease_s)
{
	char to[256];

	if (lease_s > 0)
		snprintf(to, sizeof to, "name = \"%s\";\n  lease = %d;", name,
		    lease_s);
	else
		snprintf(to, sizeof to, "name = \"%s\";", name);
	if (gateway_proc_edit_config(g, "name = \"farol-praia\";", to) != 0)
		return -1;
	snprintf(to, sizeof to, "name = \"%s-cv1\";", name);
	return gateway_proc_edit_config(g, "name = \"cv1\";", to);
}

int
gateway_proc_edit_config(struct gateway_proc *g, const char *from,
    const char *to)
{
	FILE *f = fopen(g->conf, "r");
	char *text = NULL, *out = NULL, *p;
	size_t len, cap = 1 << 20;
	int rc = -1;

	if (f == NULL)
		return -1;
	if ((text = malloc(cap)) == NULL)
		goto out;
	len = fread(text, 1, cap - 1, f);
	text[len] = '\0';
	if ((p = strstr(text, from)) == NULL ||
	    (out = malloc(len + strlen(to) + 1)) == NULL)
		goto out;
	snprintf(out, len + strlen(to) + 1, "%.*s%s%s", (int)(p - text), text,
	    to, p + strlen(from));
	rc = gateway_proc_write_config(g, out);
out:
	fclose(f);
	free(text);
	free(out);
	return rc;
}

long
gateway_proc_cpu_ticks(const struct gateway_proc *g)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)g->pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name: state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
	    &stime) != 2)
		return -1;
	return (long)(utime + stime);
}

void
gateway_proc_dump_log(const struct gateway_proc *g)
{
	char line[2048];
	FILE *f = fopen(g->log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "--- farold log (%s) ---\n", g->log);
	while (fgets(line, sizeof line, f) != NULL)
		fputs(line, stderr);
	fprintf(stderr, "--- end of log ---\n");
	fclose(f);
}

static void
gateway_proc_remove_tree(const char *path)
{
	char child[1024];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(child, sizeof child, "%s/%s", path,
			    de->d_name);
			gateway_proc_remove_tree(child);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

void
gateway_proc_destroy(struct gateway_proc *g)
{
	if (g->pid > 0) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
		g->pid = 0;
	}
	if (g->dir[0] != '\0' && getenv("FAROL_KEEP_TEST_DIRS") == NULL)
		gateway_proc_remove_tree(g->dir);
	g->dir[0] = '\0';
	for (int i = 0; i < GATEWAY_PROC_MAX; i++)
		if (gateway_procs[i] == g)
			gateway_procs[i] = NULL;
}

/* Why farold did not stop cleanly, for the test's output: its exit
 * status, or, when it is still running, where each thread waits
 * (/proc: state, kernel wait channel, syscall), and gdb's backtraces when
 * gdb is installed. */
static void
gateway_proc_explain_exit(const struct gateway_proc *g, int rc,
    int timeout_ms)
{
	char path[384], cmd[160], line[256];
	struct dirent *de;
	DIR *tasks;
	FILE *f;

	if (rc > 128)
		fprintf(stderr, "farold was killed by signal %d\n", rc - 128);
	else if (rc > 0)
		fprintf(stderr, "farold exited with status %d\n", rc);
	if (rc == -1 && g->pid <= 0)
		fprintf(stderr, "farold was not running: no process to stop "
		    "(it exited earlier, or was never started)\n");
	if (rc != -1 || g->pid <= 0)
		return;
	fprintf(stderr, "farold (pid %ld) still runs %d ms after SIGTERM; "
	    "its threads (comm, state, wchan, syscall):\n", (long)g->pid,
	    timeout_ms);
	snprintf(path, sizeof path, "/proc/%ld/task", (long)g->pid);
	if ((tasks = opendir(path)) != NULL) {
		while ((de = readdir(tasks)) != NULL) {
			static const char *const files[] = { "comm", "stat",
			    "wchan", "syscall" };

			if (de->d_name[0] == '.')
				continue;
			fprintf(stderr, "  %s:", de->d_name);
			for (size_t i = 0; i < 4; i++) {
				snprintf(path, sizeof path, "/proc/%ld/task/"
				    "%s/%s", (long)g->pid, de->d_name,
				    files[i]);
				line[0] = '\0';
				if ((f = fopen(path, "r")) != NULL) {
					if (fgets(line, sizeof line, f) ==
					    NULL)
						line[0] = '\0';
					fclose(f);
				}
				line[strcspn(line, "\n")] = '\0';
				fprintf(stderr, " [%.60s]", line);
			}
			fputc('\n', stderr);
		}
		closedir(tasks);
	}
	snprintf(cmd, sizeof cmd, "command -v gdb >/dev/null && gdb -p %ld "
	    "-batch -ex 'thread apply all bt' </dev/null >&2 2>/dev/null",
	    (long)g->pid);
	if (system(cmd) != 0)
		fprintf(stderr, "(no gdb backtraces)\n");
}

int
gateway_proc_finish(struct gateway_proc *g, int timeout_ms)
{
	int rc;

	gateway_proc_signal(g, SIGTERM);
	rc = gateway_proc_wait_exit(g, timeout_ms);
	if (rc != 0)
		gateway_proc_explain_exit(g, rc, timeout_ms);
	if (check_failures() || rc != 0)
		gateway_proc_dump_log(g);
	gateway_proc_destroy(g);
	return rc;
}

int
gateway_proc_sent_to(const struct gateway_proc *g, const char *number)
{
	FILE *f = fopen(g->sent_log, "r");
	char line[128], *to;
	int n = 0;

	if (f == NULL)
		return 0;
	/* "<modem> <recipient>" (gateway/modem_send.c) */
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((to = strchr(line, ' ')) != NULL &&
		    strcmp(to + 1, number) == 0)
			n++;
	}
	fclose(f);
	return n;
}

int
gateway_proc_sent_count(const struct gateway_proc *g)
{
	FILE *f = fopen(g->sent_log, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}
