// SPDX-License-Identifier: GPL-2.0
/*
 * kvmwatch exporter: the module's statistics for Prometheus, served over
 * HTTP (--listen) and/or written for node_exporter's textfile collector
 * (--textfile). The exposition is lib/promfmt.c's; this file only reads
 * the module, serves and writes.
 *
 * Snapshots are KVMW_SNAP_RAW: cumulative counters, and this reader never
 * resets anything, so other readers (kvmwatch stat) see no difference.
 *
 * kvmwatch doctor's statistics kinds run over the window between two
 * expositions (the difference of their snapshots, lib/snapdelta.c), at
 * most once per DOCTOR_MIN_WINDOW_NS: the kvmwatch_doctor_* gauges.
 *
 * One thread, one poll(): the listening socket, a signalfd for
 * SIGINT/SIGTERM, and the textfile's timer as poll's timeout. A client is
 * served to completion (bounded by CLIENT_TIMEOUT_MS) before the next one;
 * a scrape is small and Prometheus scrapes one at a time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "doctor.h"
#include "promfmt.h"
#include "snapdelta.h"
#include "snapshot.h"
#include "source.h"
#include "vmname.h"

#define NSEC_PER_SEC		1000000000ULL
#define DEFAULT_INTERVAL_NS	(15 * NSEC_PER_SEC)
#define CLIENT_TIMEOUT_MS	5000
#define MAX_REQUEST		8192
#define TEXTFILE_NAME		"kvmwatch.prom"
/*
 * Doctor windows shorter than this are not evaluated: a second scrape
 * right after a first reuses its findings (rates over a few ms would be
 * noise).
 */
#define DOCTOR_MIN_WINDOW_NS	NSEC_PER_SEC
/* As kvmwatch stat: overrides /proc for VM names, for tests. */
#define KVMW_PROC_ENV		"KVMWATCH_PROC"

enum {
	OPT_LISTEN = 256,
	OPT_TEXTFILE,
};

const char kvmw_exporter_usage[] =
	"Usage: kvmwatch exporter [--listen ADDR:PORT] [--textfile DIR]\n"
	"                         [--interval SECS]\n"
	"\n"
	"Export the module's statistics in Prometheus text format: cumulative\n"
	"exit counts and handling-time histograms per VM, vCPU and reason, the\n"
	"IO port, MSR and MMIO breakdowns, the module's counters, and the\n"
	"findings of kvmwatch doctor's statistics kinds over the window since\n"
	"the previous exposition (see docs/exporter.md). Never resets\n"
	"anything: other readers are not\n"
	"disturbed. At least one of --listen and --textfile is required. Runs\n"
	"until SIGINT or SIGTERM.\n"
	"\n"
	"Options:\n"
	"  -l, --listen ADDR:PORT  serve GET /metrics over HTTP on ADDR:PORT\n"
	"                          (IPv4 \"127.0.0.1:9745\", IPv6 \"[::1]:9745\",\n"
	"                          all IPv4 addresses \":9745\")\n"
	"  -t, --textfile DIR      write DIR/" TEXTFILE_NAME " (atomically: a\n"
	"                          temporary file renamed) for node_exporter's\n"
	"                          textfile collector\n"
	"  -d, --interval SECS     how often to write the textfile (default 15)\n"
	"  -h, --help              show this help\n";

struct exporter_args {
	const char *listen, *textfile;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	u64 interval_ns;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * NSEC_PER_SEC + (u64)ts.tv_nsec;
}

/*
 * "A.B.C.D:PORT", "[IPV6]:PORT" or ":PORT". Numeric only: the static
 * binary resolves no names (see tools/Makefile).
 */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	const char *colon, *host = s, *hend;
	char hostbuf[INET6_ADDRSTRLEN];
	char *end;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		host = s + 1;
		hend = strchr(host, ']');
		if (!hend || hend[1] != ':')
			return -1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hend = colon;
	}
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return -1;
	hlen = hend - host;
	if (hlen >= sizeof(hostbuf))
		return -1;
	memcpy(hostbuf, host, hlen);
	hostbuf[hlen] = '\0';

	if (*s == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, hostbuf, &a6->sin6_addr) != 1)
			return -1;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (!hlen)
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, hostbuf, &a4->sin_addr) != 1)
			return -1;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
	}
	return 0;
}

static int parse_args(const struct kvmw_cmd *cmd, int argc, char **argv,
		      struct exporter_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "textfile", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	bool have_interval = false;
	int c;

	memset(a, 0, sizeof(*a));
	a->interval_ns = DEFAULT_INTERVAL_NS;
	*help = false;
	while ((c = getopt_long(argc, argv, ":l:t:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_listen(optarg, &a->addr, &a->addrlen))
				return kvmw_usage_error(cmd,
					"invalid --listen '%s' (expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:9745 or [::1]:9745, port 1-65535)",
					optarg);
			a->listen = optarg;
			break;
		case 't':
			if (!*optarg)
				return kvmw_usage_error(cmd,
					"empty --textfile directory");
			a->textfile = optarg;
			break;
		case 'd':
			if (kvmw_parse_seconds(optarg, &a->interval_ns))
				return kvmw_usage_error(cmd,
					"invalid interval '%s' (seconds > 0)",
					optarg);
			have_interval = true;
			break;
		case 'h':
			*help = true;
			return 0;
		default:
			return kvmw_option_error(cmd, c, argv);
		}
	}
	if (kvmw_no_operands(cmd, argc, argv))
		return KVMW_EXIT_USAGE;
	if (!a->listen && !a->textfile)
		return kvmw_usage_error(cmd,
			"nothing to do: give --listen and/or --textfile");
	if (have_interval && !a->textfile)
		return kvmw_usage_error(cmd,
			"--interval applies to --textfile only (Prometheus sets its own scrape interval)");
	return 0;
}

/*
 * The doctor's last evaluation: the cumulative snapshot it ended with
 * (the next window's start), the window's difference snapshot, its
 * findings (pointing into it) and its VMs' names.
 */
static struct {
	struct kvmw_snap prev, delta;
	u64 prev_ns;
	bool have_prev;
	struct kvmw_findings fs;
	char **names;
	size_t nr_names;
} doc;

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Run doctor over the window from the last evaluation to @s (taken at
 * @now), if it is long enough. Returns true if it did: then @s and
 * @names belong to doc (the next window's start), else they stay the
 * caller's. The first call only starts a window.
 */
static bool doctor_update(struct kvmw_snap *s, char **names, u64 now)
{
	struct kvmw_snap delta;
	struct kvmw_findings fs;

	if (doc.have_prev) {
		if (now - doc.prev_ns < DOCTOR_MIN_WINDOW_NS)
			return false;
		if (kvmw_snap_delta(&doc.prev, s, &delta))
			return false;
		if (kvmw_doctor_run(&delta, now - doc.prev_ns, NULL, &fs)) {
			kvmw_snap_free(&delta);
			return false;
		}
		kvmw_findings_free(&doc.fs);
		kvmw_snap_free(&doc.delta);
		doc.fs = fs;
		doc.delta = delta;
	}
	kvmw_snap_free(&doc.prev);
	free_names(doc.names, doc.nr_names);
	doc.prev = *s;
	doc.names = names;
	doc.nr_names = s->nr_vms;
	doc.prev_ns = now;
	doc.have_prev = true;
	return true;
}

/* The whole exposition in a malloc()ed buffer; NULL (reported) on error. */
static char *render(struct kvmw_source *src, size_t *len)
{
	struct kvmw_counters counters;
	struct kvmw_prom_in in = { 0 };
	struct kvmw_snap s;
	const char *proc = getenv(KVMW_PROC_ENV);
	char **names = NULL;
	char *buf = NULL;
	u64 start = now_ns();
	bool moved = false;
	size_t i;
	FILE *f;
	int ret;

	if (kvmw_source_snap(src, KVMW_SNAP_RAW | KVMW_SNAP_NO_RIPS, &s))
		return NULL;
	if (!proc || !*proc)
		proc = "/proc";
	names = calloc(s.nr_vms ? s.nr_vms : 1, sizeof(*names));
	if (!names)
		goto nomem;
	for (i = 0; i < s.nr_vms; i++) {
		char name[256];

		if (!kvmw_vm_name(proc, s.vms[i].rec.pid,
				  s.vms[i].rec.created_ns, name, sizeof(name)))
			names[i] = strdup(name);
	}
	in.snap = &s;
	in.vm_names = (const char *const *)names;
	if (kvmw_source_counters(src, &counters))
		in.counters = &counters;
	in.scrape_seconds = (now_ns() - start) / 1e9;
	/* doc.delta has the VMs of doc.prev, whose names are doc.names */
	moved = doctor_update(&s, names, start);
	in.doctor = &doc.fs;
	in.doctor_snap = &doc.delta;
	in.doctor_names = (const char *const *)doc.names;

	f = open_memstream(&buf, len);
	if (!f)
		goto nomem;
	ret = kvmw_prom_write(f, &in);
	if (fclose(f) || ret) {
		free(buf);
		buf = NULL;
		goto nomem;
	}
	goto out;
nomem:
	kvmw_err("exporter: out of memory");
out:
	if (!moved) {
		for (i = 0; names && i < s.nr_vms; i++)
			free(names[i]);
		free(names);
		kvmw_snap_free(&s);
	}
	return buf;
}

/* DIR/kvmwatch.prom, replaced atomically. 0, or -1 (reported). */
static int write_textfile(struct kvmw_source *src, const char *dir)
{
	char *tmp = NULL, *dst = NULL, *buf;
	size_t len, off = 0;
	int fd = -1, ret = -1;

	buf = render(src, &len);
	if (!buf)
		return -1;
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, TEXTFILE_NAME) < 0 ||
	    asprintf(&dst, "%s/%s", dir, TEXTFILE_NAME) < 0) {
		tmp = dst = NULL;
		kvmw_err("exporter: out of memory");
		goto out;
	}
	/* A name node_exporter ignores (no .prom suffix), same directory. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		kvmw_err("cannot create a file in %s: %s", dir,
			 strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += n;
	}
	if (off < len || fchmod(fd, 0644) || fsync(fd)) {
		kvmw_err("cannot write %s: %s", tmp, strerror(errno));
		goto unlink;
	}
	if (close(fd)) {
		fd = -1;
		kvmw_err("cannot write %s: %s", tmp, strerror(errno));
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, dst)) {
		kvmw_err("cannot rename %s to %s: %s", tmp, dst,
			 strerror(errno));
		goto unlink;
	}
	ret = 0;
	goto out;
unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dst);
	free(buf);
	return ret;
}

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* the client went away or stalled */
		p += n;
		len -= n;
	}
}

static void respond(int fd, const char *status, const char *type,
		    const char *extra, const char *body, size_t len, bool head)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, type, len, extra);
	send_all(fd, hdr, n);
	if (!head)
		send_all(fd, body, len);
}

static void respond_text(int fd, const char *status, const char *extra,
			 const char *body, bool head)
{
	respond(fd, status, "text/plain; charset=utf-8", extra, body,
		strlen(body), head);
}

/*
 * Read the request head (up to the empty line); false if the client sent
 * no complete one in time or a signal arrived.
 */
static bool read_request(int fd, int sigfd, char *req, size_t size)
{
	u64 deadline = now_ns() + CLIENT_TIMEOUT_MS * 1000000ULL;
	size_t len = 0;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		u64 now = now_ns();
		ssize_t n;

		if (now >= deadline)
			return false;
		if (poll(p, 2, (deadline - now) / 1000000 + 1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (p[1].revents)
			return false;
		if (!p[0].revents)
			continue;
		n = recv(fd, req + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			return true;
		if (len == size - 1)
			return true;	/* enough to see the request line */
	}
}

static void serve(int lfd, int sigfd, struct kvmw_source *src)
{
	char req[MAX_REQUEST], *sp, *target, *end;
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_MS / 1000 };
	bool head;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* A client that stops reading cannot hold the loop for longer. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_request(fd, sigfd, req, sizeof(req)))
		goto out;

	/* Request line: METHOD SP TARGET SP HTTP/x.y */
	sp = strchr(req, ' ');
	if (!sp || !strchr(sp + 1, ' ') ||
	    strcspn(req, "\r\n") < (size_t)(strchr(sp + 1, ' ') - req)) {
		respond_text(fd, "400 Bad Request", "", "bad request\n", false);
		goto out;
	}
	*sp = '\0';
	target = sp + 1;
	end = strchr(target, ' ');
	*end = '\0';
	head = !strcmp(req, "HEAD");
	if (!head && strcmp(req, "GET")) {
		respond_text(fd, "405 Method Not Allowed",
			     "Allow: GET, HEAD\r\n",
			     "only GET and HEAD\n", false);
		goto out;
	}
	/* The query string, if any, is ignored. */
	target[strcspn(target, "?")] = '\0';
	if (strcmp(target, "/metrics")) {
		respond_text(fd, "404 Not Found", "",
			     "not found; metrics are at /metrics\n", head);
		goto out;
	}
	{
		size_t len;
		char *body = render(src, &len);

		if (!body) {
			respond_text(fd, "500 Internal Server Error", "",
				     "cannot read the kvmwatch module; see the exporter's stderr\n",
				     head);
			goto out;
		}
		respond(fd, "200 OK", KVMW_PROM_CONTENT_TYPE, "", body, len,
			head);
		free(body);
	}
out:
	close(fd);
}

static int open_listener(const struct exporter_args *a)
{
	int fd, one = 1;

	fd = socket(a->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		kvmw_err("exporter: socket: %s", strerror(errno));
		return -1;
	}
	/* Restarting must not wait for old connections' TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a->addr, a->addrlen) ||
	    listen(fd, 16)) {
		kvmw_err("exporter: cannot listen on %s: %s%s", a->listen,
			 strerror(errno),
			 errno == EADDRINUSE ?
			 " (another process has that port)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

int kvmw_cmd_exporter(const struct kvmw_cmd *cmd, int argc, char **argv)
{
	struct kvmw_source src;
	struct exporter_args a;
	struct stat st;
	sigset_t mask, oldmask;
	int lfd = -1, sigfd = -1, ret = KVMW_EXIT_ERROR;
	u64 next = 0;
	bool help;

	ret = parse_args(cmd, argc, argv, &a, &help);
	if (ret)
		return ret;
	if (help) {
		fputs(cmd->usage, stdout);
		return KVMW_EXIT_OK;
	}
	ret = KVMW_EXIT_ERROR;
	if (a.textfile && stat(a.textfile, &st)) {
		kvmw_err("exporter: --textfile %s: %s", a.textfile,
			 strerror(errno));
		return KVMW_EXIT_ERROR;
	}
	if (a.textfile && !S_ISDIR(st.st_mode)) {
		kvmw_err("exporter: --textfile %s: not a directory",
			 a.textfile);
		return KVMW_EXIT_ERROR;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0) {
		kvmw_err("exporter: signalfd: %s", strerror(errno));
		goto out_sig;
	}
	/* The port first: a busy one is reported without touching the module. */
	if (a.listen) {
		lfd = open_listener(&a);
		if (lfd < 0)
			goto out_sig;
	}
	if (kvmw_source_open(&src, KVMW_VIA_DEV))
		goto out_lfd_only;
	/* Statistics are kept while a consumer enables them; be one. */
	if (kvmw_source_enable(&src, KVMW_ENABLE_STATS))
		goto out_src;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = lfd, .events = POLLIN },
		};
		int timeout = -1;

		if (a.textfile) {
			u64 now = now_ns();

			if (now >= next) {
				/* A failed write is retried next time. */
				write_textfile(&src, a.textfile);
				next = now + a.interval_ns;
			}
			timeout = (next - now) / 1000000 + 1;
		}
		if (poll(p, lfd >= 0 ? 2 : 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			kvmw_err("exporter: poll: %s", strerror(errno));
			goto out_src;
		}
		if (p[0].revents) {
			struct signalfd_siginfo si;

			/* Taken here, so unblocking it below does not kill. */
			if (read(sigfd, &si, sizeof(si)) < 0)
				continue;
			break;
		}
		if (lfd >= 0 && p[1].revents)
			serve(lfd, sigfd, &src);
	}
	ret = KVMW_EXIT_OK;
out_src:
	kvmw_source_close(&src);
	kvmw_findings_free(&doc.fs);
	kvmw_snap_free(&doc.delta);
	kvmw_snap_free(&doc.prev);
	free_names(doc.names, doc.nr_names);
	memset(&doc, 0, sizeof(doc));
out_lfd_only:
	if (lfd >= 0)
		close(lfd);
out_sig:
	if (sigfd >= 0)
		close(sigfd);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret;
}
