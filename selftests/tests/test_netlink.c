// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kvmwatch" (issue 5), with raw sockets
 * (nl_raw.h, nl_kvmw.h): finding it, loading it, who may use it, and
 * whose state is whose. uapi/linux/kvmwatch_nl.h is the spec. The other
 * parts: test_nl_malformed (bad requests), test_nl_stats (GET_STATS),
 * test_nl_notify (notifications and thresholds).
 *
 * Usage: test_netlink PART
 *   resolve	the family, its "notify" group and its operations through
 *		the controller; GET_VERSION against KVMW_IOC_VERSION
 *   autoload	kvmwatch not loaded: resolving the family loads it, with
 *		no tracepoint attached (71-netlink.sh runs it after rmmod)
 *   noautoload	kvmwatch not loaded and kernel.modprobe unusable: the
 *		lookup fails with ENOENT and loads nothing
 *   unpriv	without CAP_NET_ADMIN (uid 65534; or uid 0 with the
 *		capability dropped) every command and joining "notify"
 *		fail with EPERM; so do sockets opened with it and used
 *		without, or opened without it and used by root
 *   sockets	per-socket state: two sockets with their own filters and
 *		baselines, each byte for byte a device file set up the same
 *		way; sockets of other protocols or namespaces on the same
 *		port do not free it; closing a socket does, at once
 *
 * Prints one "ok:" or "FAIL:" line per check; exit 0 only if none failed.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "nl_kvmw.h"

/* =================================================================== */
/* resolve                                                              */
/* =================================================================== */

static void part_resolve(void)
{
	static const struct { uint8_t cmd; bool dump; } want_ops[] = {
		{ KVMW_NL_CMD_GET_VERSION, false },
		{ KVMW_NL_CMD_GET_STATS, true },
		{ KVMW_NL_CMD_RESET, false },
		{ KVMW_NL_CMD_SET_CONFIG, false },
		{ KVMW_NL_CMD_GET_CONFIG, false },
	};
	const struct nlattr *tb[KVMW_NL_ATTR_MAX + 1];
	struct kvmw_version v = { .size = sizeof(v) };
	struct nlr_family none;
	struct nlr_reply rep;
	struct nlr_sock s;
	struct nlr_msg m;
	struct utsname u;
	char ver[64];
	unsigned int unknown;
	const void *p;
	size_t len;
	int dev, r;

	kw_open(&s);
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &fam, NULL);
	su_check(!r, "CTRL_CMD_GETFAMILY \"%s\": %s, id %u", KVMW_NL_FAMILY_NAME,
		 errname(r), fam.id);
	if (r)
		su_die("cannot go on without the family");
	su_eq("family version", fam.version, KVMW_NL_VERSION);
	su_eq("family hdrsize", fam.hdrsize, 0);
	su_eq("family maxattr", fam.maxattr, KVMW_NL_ATTR_MAX);
	su_eq("multicast groups", fam.nr_groups, 1);
	notify_grp = nlr_group(&fam, KVMW_NL_MCGRP_NOTIFY);
	su_check(notify_grp != 0, "group \"%s\" has id %u",
		 KVMW_NL_MCGRP_NOTIFY, notify_grp);
	su_eq("operations", fam.nr_ops, 5);
	for (size_t i = 0; i < sizeof(want_ops) / sizeof(want_ops[0]); i++) {
		uint32_t flags = 0;
		bool found = false;

		for (unsigned int k = 0; k < fam.nr_ops; k++)
			if (fam.ops[k].id == want_ops[i].cmd) {
				found = true;
				flags = fam.ops[k].flags;
			}
		su_check(found && (flags & GENL_ADMIN_PERM) &&
			 !!(flags & GENL_CMD_CAP_DUMP) == want_ops[i].dump &&
			 !!(flags & GENL_CMD_CAP_DO) == !want_ops[i].dump,
			 "op %u: %s, flags %#x (admin, %s only)", want_ops[i].cmd,
			 found ? "listed" : "missing", flags,
			 want_ops[i].dump ? "dump" : "do");
	}

	/* GET_VERSION against the device's KVMW_IOC_VERSION */
	dev = dev_open();
	if (ioctl(dev, KVMW_IOC_VERSION, &v))
		su_die("KVMW_IOC_VERSION: %s", strerror(errno));
	close(dev);
	uname(&u);
	snprintf(ver, sizeof(ver), "%u.%u.%u", v.major, v.minor, v.patch);
	for (int version = 0; version < 3; version++) {
		/* requests may carry any version: 0, ours, and 200 */
		uint8_t rv = version == 0 ? 0 : version == 1 ? KVMW_NL_VERSION : 200;

		nlr_msg_init(&m, fam.id, 0, KVMW_NL_CMD_GET_VERSION, rv);
		r = nlr_request(&s, &m, &rep);
		su_check(!r && rep.nr_msgs == 1,
			 "GET_VERSION with request version %u: %s, %u reply", rv,
			 errname(r), rep.nr_msgs);
		if (r || rep.nr_msgs != 1) {
			nlr_reply_free(&rep);
			continue;
		}
		su_eq("GET_VERSION reply cmd", nlr_genl(rep.msgs)->cmd,
		      KVMW_NL_CMD_GET_VERSION);
		su_eq("GET_VERSION reply version", nlr_genl(rep.msgs)->version,
		      KVMW_NL_VERSION);
		p = nlr_attrs(rep.msgs, &len);
		su_check(nlr_parse(p, len, tb, KVMW_NL_ATTR_MAX, &unknown) &&
			 !unknown, "GET_VERSION attributes well formed");
		su_eq("ABI", nlr_u32(tb[KVMW_NL_ATTR_ABI]), KVMW_ABI_VERSION);
		su_check(nlr_str(tb[KVMW_NL_ATTR_VERSION]) &&
			 !strcmp(nlr_str(tb[KVMW_NL_ATTR_VERSION]), ver),
			 "VERSION \"%s\" = KVMW_IOC_VERSION's %s",
			 nlr_str(tb[KVMW_NL_ATTR_VERSION]) ?: "(none)", ver);
		su_eq("CAPS = device caps | KVMW_NL_CAP_THRESHOLDS",
		      nlr_u32(tb[KVMW_NL_ATTR_CAPS]),
		      v.caps | KVMW_NL_CAP_THRESHOLDS);
		su_check(nlr_str(tb[KVMW_NL_ATTR_RELEASE]) &&
			 !strcmp(nlr_str(tb[KVMW_NL_ATTR_RELEASE]), u.release),
			 "RELEASE \"%s\" = uname %s",
			 nlr_str(tb[KVMW_NL_ATTR_RELEASE]) ?: "(none)", u.release);
		{
			unsigned int n = 0;

			for (int i = 1; i <= KVMW_NL_ATTR_MAX; i++)
				n += tb[i] != NULL;
			su_eq("GET_VERSION: exactly ABI, VERSION, CAPS, RELEASE",
			      n, 4);
		}
		nlr_reply_free(&rep);
	}

	/* a family that does not exist: ENOENT (autoload tried, harmless) */
	r = nlr_resolve(&s, "kvmw-no-such", &none, NULL);
	su_check(r == -ENOENT, "unknown family: %s, want ENOENT", errname(r));
	nlr_close(&s);
}

/* =================================================================== */
/* autoload                                                             */
/* =================================================================== */

static bool module_loaded(const char *name)
{
	char line[256];
	size_t n = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		su_die("/proc/modules: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, name, n) && line[n] == ' ';
	fclose(f);
	return found;
}

/* The rig's initramfs: kernel.modprobe missing, so no autoload. */
static void part_noautoload(void)
{
	struct nlr_sock s;
	int r;

	if (module_loaded("kvmwatch"))
		su_die("kvmwatch is loaded: run this after rmmod kvmwatch");
	kw_open(&s);
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &fam, NULL);
	su_check(r == -ENOENT, "resolving \"%s\" without a usable kernel.modprobe: %s",
		 KVMW_NL_FAMILY_NAME, errname(r));
	su_check(!module_loaded("kvmwatch"), "kvmwatch still unloaded");
	nlr_close(&s);
}

static void part_autoload(void)
{
	struct kvmw_counters c;
	struct nlr_sock s;
	struct nlr_ack ack;
	char modprobe[256] = "";
	FILE *f = fopen("/proc/sys/kernel/modprobe", "r");
	double t0;
	int r, dev;

	if (f) {
		if (fgets(modprobe, sizeof(modprobe), f))
			modprobe[strcspn(modprobe, "\n")] = 0;
		fclose(f);
	}
	su_note("kernel.modprobe = %s (%s)", modprobe,
		access(modprobe, X_OK) ? "missing" : "present");
	if (module_loaded("kvmwatch"))
		su_die("kvmwatch is loaded: run this after rmmod kvmwatch");
	su_check(access("/dev/" KVMW_DEVICE_NAME, F_OK) != 0,
		 "no /dev/kvmwatch while unloaded");
	kw_open(&s);
	t0 = su_now();
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &fam, &ack);
	su_check(!r, "resolving \"%s\" with kvmwatch unloaded: %s (%.2f s)",
		 KVMW_NL_FAMILY_NAME, errname(r), su_now() - t0);
	su_check(module_loaded("kvmwatch"), "kvmwatch loaded by the lookup");
	nlr_close(&s);
	if (r)
		return;
	dev = open("/dev/" KVMW_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		su_fail("open /dev/kvmwatch after autoload: %s", strerror(errno));
		return;
	}
	su_counters(dev, &c);
	su_eq("tracepoints attached after autoload", c.tracepoints, 0);
	su_eq("stats consumers after autoload", c.stats_consumers, 0);
	su_eq("kprobes (kvm is loaded)", c.kprobes, 4);
	su_check(c.attach_state == KVMW_ATTACH_FULL,
		 "attach state full (%u)", c.attach_state);
	close(dev);
}

/* =================================================================== */
/* unpriv                                                               */
/* =================================================================== */

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capset, &h, d);
}

/* Every command and the group, from @s: EPERM. */
static void expect_refused(struct nlr_sock *s, const char *who)
{
	static const struct { uint8_t cmd; uint16_t flags; const char *name; }
	cmds[] = {
		{ KVMW_NL_CMD_GET_VERSION, 0, "GET_VERSION" },
		{ KVMW_NL_CMD_GET_STATS, NLM_F_DUMP, "GET_STATS (dump)" },
		{ KVMW_NL_CMD_RESET, 0, "RESET" },
		{ KVMW_NL_CMD_SET_CONFIG, 0, "SET_CONFIG" },
		{ KVMW_NL_CMD_GET_CONFIG, 0, "GET_CONFIG" },
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct nlr_reply rep;
		struct nlr_msg m;
		int r;

		kw_msg(&m, cmds[i].cmd, cmds[i].flags);
		if (cmds[i].cmd == KVMW_NL_CMD_SET_CONFIG)
			nlr_put_u64(&m, KVMW_NL_ATTR_ENABLE, KVMW_ENABLE_STATS);
		r = nlr_request(s, &m, &rep);
		su_check(r == -EPERM && !rep.nr_msgs, "%s: %s: %s, want EPERM",
			 who, cmds[i].name, ack_str(&rep.ack, buf, sizeof(buf)));
		nlr_reply_free(&rep);
	}
}

static void expect_join_refused(struct nlr_sock *s, const char *who)
{
	int r = nlr_join(s, notify_grp);

	su_check(r == -EPERM, "%s: NETLINK_ADD_MEMBERSHIP \"notify\" (%u): %s, want EPERM",
		 who, notify_grp, errname(r));
	if (!r)
		nlr_leave(s, notify_grp);
	if (notify_grp <= 32) {
		/* the old way: bind() with a group mask */
		struct sockaddr_nl a = {
			.nl_family = AF_NETLINK, .nl_pid = s->portid,
			.nl_groups = 1U << (notify_grp - 1),
		};

		r = bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
		su_check(r == -EPERM, "%s: bind() with the group's bit: %s, want EPERM",
			 who, errname(r));
	}
}

/* In a child: lose CAP_NET_ADMIN one way or the other, then try. */
static int unpriv_child(int how, struct nlr_sock *inherited)
{
	struct __user_cap_data_struct d[2];
	struct nlr_sock s;
	struct nlr_family f;
	const char *who = how ? "uid 0 without CAP_NET_ADMIN" :
				"uid 65534, no capabilities";
	int r;

	su_prefix = how ? "[uid0-nocap] " : "[nobody] ";
	if (how == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			su_die("dropping to 65534: %s", strerror(errno));
	} else {
		if (caps_get(d))
			su_die("capget: %s", strerror(errno));
		d[0].effective &= ~(1U << CAP_NET_ADMIN);
		d[0].permitted &= ~(1U << CAP_NET_ADMIN);
		d[0].inheritable &= ~(1U << CAP_NET_ADMIN);
		if (caps_set(d) || prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
			su_die("dropping CAP_NET_ADMIN: %s", strerror(errno));
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	}
	if (caps_get(d))
		su_die("capget: %s", strerror(errno));
	su_check(!(d[0].effective & (1U << CAP_NET_ADMIN)) &&
		 !(d[0].permitted & (1U << CAP_NET_ADMIN)),
		 "%s: CAP_NET_ADMIN gone (effective %#x %#x, permitted %#x %#x)",
		 who, d[0].effective, d[1].effective, d[0].permitted,
		 d[1].permitted);
	if (how == 0)
		su_check(!d[0].effective && !d[1].effective && !d[0].permitted &&
			 !d[1].permitted, "%s: no capability at all", who);
	else
		su_check(d[0].effective & (1U << CAP_SYS_ADMIN),
			 "%s: still has CAP_SYS_ADMIN", who);

	kw_open(&s);
	/* the controller answers anybody: the family is visible */
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &f, NULL);
	su_check(!r && f.id == fam.id, "%s: family resolves (%s, id %u)", who,
		 errname(r), f.id);
	expect_refused(&s, who);
	expect_join_refused(&s, who);
	nlr_close(&s);
	/* a socket opened while privileged, used without the capability */
	expect_refused(inherited, "socket opened privileged, used without");
	return su_done();
}

/* A socket opened by a process without CAP_NET_ADMIN, handed over. */
static int unpriv_opener(int sock)
{
	struct nlr_sock s;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = "s", .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		_exit(2);
	if (nlr_open(&s))
		_exit(3);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &s.fd, sizeof(int));
	if (sendmsg(sock, &mh, 0) != 1)
		_exit(4);
	_exit(0);
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void part_unpriv(void)
{
	struct kvmw_counters c0, c1;
	struct kw_conf before, after;
	struct kw_cfg cfg = { 0 };
	struct nlr_sock root, inherited, handed;
	int dev = dev_open(), sp[2], status, fd;
	pid_t pid;

	kw_open(&root);
	cfg.set_rl = true;
	cfg.rl = 700;
	kw_set_ok(&root, &cfg, "root socket");
	kw_conf(&root, &before);
	kw_open(&inherited);
	su_counters(dev, &c0);

	for (int how = 0; how < 2; how++) {
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			su_die("fork");
		if (!pid)
			_exit(unpriv_child(how, &inherited));
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			su_fail("unprivileged child %d failed its checks (status %#x)",
				how, status);
		else
			su_check(true, "unprivileged child %d passed its checks", how);
	}

	/*
	 * Opened unprivileged, written to by root (a confused deputy):
	 * refused. With an explicit destination address the kernel checks
	 * only the sender (af_netlink.c, __netlink_ns_capable(), flag
	 * NETLINK_SKB_DST), so that case is root's own request.
	 */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp))
		su_die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		su_die("fork");
	if (!pid)
		unpriv_opener(sp[1]);
	fd = recv_fd(sp[0]);
	waitpid(pid, &status, 0);
	if (fd < 0 || nlr_wrap(&handed, fd))
		su_die("no socket from the unprivileged opener (status %#x)",
		       status);
	handed.no_dest = true;
	expect_refused(&handed, "socket opened unprivileged, root write()s");
	handed.no_dest = false;
	su_check(!kw_cmd(&handed, KVMW_NL_CMD_GET_VERSION, NULL),
		 "socket opened unprivileged, root sendto()s the kernel: GET_VERSION answered (the sender's capability counts)");
	nlr_close(&handed);
	close(sp[0]);
	close(sp[1]);

	/* nothing was created or changed by any of it */
	su_counters(dev, &c1);
	su_eq("buffers: no state for refused sockets", c1.buffers, c0.buffers);
	su_eq("stats consumers unchanged", c1.stats_consumers,
	      c0.stats_consumers);
	kw_conf(&root, &after);
	su_check(kw_same_conf(&before, &after),
		 "the privileged socket's configuration untouched");
	/* and the privileged socket may join */
	su_check(!nlr_join(&root, notify_grp), "CAP_NET_ADMIN: joining \"notify\" works");
	nlr_close(&inherited);
	nlr_close(&root);
	close(dev);
}

/* =================================================================== */
/* sockets: per-socket state                                            */
/* =================================================================== */

struct sock_ready {
	struct nlr_sock *s;
	int reset;
	int dev;			/* device file reset with it */
	int dev_reset;
};

static void sockets_on_ready(struct kvmw_vm *vm, void *arg)
{
	struct sock_ready *r = arg;

	(void)vm;
	r->dev_reset = kvmw_dev_reset(r->dev);
	r->reset = kw_cmd(r->s, KVMW_NL_CMD_RESET, NULL);
}

static void netns_child(uint32_t portid)
{
	struct nlr_sock s;
	struct nlr_family f;
	int r;

	su_prefix = "[netns] ";
	if (unshare(CLONE_NEWNET))
		su_die("unshare(CLONE_NEWNET): %s", strerror(errno));
	r = nlr_open_port(&s, portid);
	su_check(!r, "a socket in a new netns bound to port %u: %s", portid,
		 errname(r));
	if (r)
		_exit(su_done());
	r = nlr_resolve(&s, KVMW_NL_FAMILY_NAME, &f, NULL);
	su_check(r == -ENOENT, "family not visible in another netns: %s, want ENOENT",
		 errname(r));
	r = kw_cmd(&s, KVMW_NL_CMD_GET_VERSION, NULL);
	su_check(r == -ENOENT, "a request to its id from another netns: %s, want ENOENT",
		 errname(r));
	nlr_close(&s);
	_exit(su_done());
}

static void part_sockets(void)
{
	struct kvmw_guest_spec spec[2];
	struct kvmw_vm *vm[2];
	struct sock_ready rdy = { 0 };
	struct kvmw_counters c0, c1;
	struct kw_conf ca, cb, ca2;
	struct kw_cfg cfg;
	struct kw_dump da, db, db2;
	struct dev_snap xa, xb;
	struct kvmw_snap t;
	struct kvmw_filter fx, fy;
	struct nlr_sock a, b;
	int dev = dev_open(), dx, dy, status;
	pid_t pid;

	for (int i = 0; i < 2; i++) {
		vm[i] = kvmw_vm_create(1, 0);
		if (!vm[i])
			su_die("kvmw_vm_create");
		memset(&spec[i], 0, sizeof(spec[i]));
		kvmw_spec_add(&spec[i], 1, 0, KVMW_OP_CPUID, 50 + 25 * i, i, 0);
		kvmw_spec_add(&spec[i], 1, 0, KVMW_OP_OUT, 20, 0x80 + i, 0);
		spec[i].timeout_ms = 120000;
	}
	fx = su_filter_vm(kvmw_vm_id(vm[0]));
	fy = su_filter_vm(kvmw_vm_id(vm[1]));
	/* device files with the same filters and reset moments */
	dx = su_open_stats(&fx);
	dy = su_open_stats(&fy);
	su_counters(dev, &c0);

	kw_open(&a);
	kw_open(&b);
	su_check(a.portid != b.portid, "ports %u and %u", a.portid, b.portid);
	memset(&cfg, 0, sizeof(cfg));
	cfg.set_enable = cfg.set_filter = true;
	cfg.enable = KVMW_ENABLE_STATS;
	cfg.filter = fx;
	kw_set_ok(&a, &cfg, "A");
	kw_set_ok(&a, &cfg, "A again: enabling twice holds one reference");
	cfg.filter = fy;
	cfg.set_rl = true;
	cfg.rl = 200;
	kw_set_ok(&b, &cfg, "B");
	su_counters(dev, &c1);
	su_eq("stats consumers: + A + B", c1.stats_consumers,
	      c0.stats_consumers + 2);
	su_eq("buffers: one state per socket", c1.buffers, c0.buffers + 2);
	kw_conf(&a, &ca);
	kw_conf(&b, &cb);
	su_check(ca.filter.flags == KVMW_FILTER_VM &&
		 !strcmp(ca.filter.vm, fx.vm) && ca.rl == 1000 &&
		 ca.enable == KVMW_ENABLE_STATS,
		 "A's configuration is its own (vm %s, rate limit %u)",
		 ca.filter.vm, ca.rl);
	su_check(cb.filter.flags == KVMW_FILTER_VM &&
		 !strcmp(cb.filter.vm, fy.vm) && cb.rl == 200 &&
		 cb.enable == KVMW_ENABLE_STATS,
		 "B's configuration is its own (vm %s, rate limit %u)",
		 cb.filter.vm, cb.rl);

	/* B's baseline now, A's at its VM's READY */
	su_check(!kw_cmd(&b, KVMW_NL_CMD_RESET, NULL) && !kvmw_dev_reset(dy),
		 "B and its device twin reset before the runs");
	rdy.s = &a;
	rdy.dev = dx;
	spec[0].on_ready = sockets_on_ready;
	spec[0].on_ready_arg = &rdy;
	for (int i = 0; i < 2; i++)
		if (kvmw_vm_run(vm[i], &spec[i]))
			su_die("run: %s", kvmw_vm_error(vm[i]));
	su_check(!rdy.reset && !rdy.dev_reset, "A and its twin reset at READY");

	kw_dump_ok(&a, 0, &da, "A");
	kw_dump_ok(&b, 0, &db, "B");
	dev_snap(dx, 0, &xa);
	dev_snap(dy, 0, &xb);
	same_stream("A = the device file with A's filter and baseline",
		    da.recs, da.len, xa.buf, xa.hdr.used);
	same_stream("B = the device file with B's filter and baseline",
		    db.recs, db.len, xb.buf, xb.hdr.used);
	kw_dump_parse(&da, &t);
	su_check(t.nr_vms == 1 && !strcmp(t.vms[0].rec.id, fx.vm) &&
		 t.vms[0].nr_vcpus == 1 &&
		 su_why_count(&t.vms[0].vcpus[0], SU_CPUID) == 50,
		 "A sees only its VM, 50 CPUID exits in its window");
	kvmw_snap_free(&t);
	kw_dump_parse(&db, &t);
	su_check(t.nr_vms == 1 && !strcmp(t.vms[0].rec.id, fy.vm) &&
		 t.vms[0].nr_vcpus == 1 &&
		 su_why_count(&t.vms[0].vcpus[0], SU_CPUID) == 75,
		 "B sees only its VM, 75 CPUID exits since its reset");
	kvmw_snap_free(&t);
	free(xa.buf);
	free(xb.buf);

	/* A resets again: B's view does not move; A's starts from zero */
	su_check(!kw_cmd(&a, KVMW_NL_CMD_RESET, NULL), "A resets again");
	kw_dump_ok(&b, 0, &db2, "B after A's reset");
	same_stream("B unchanged by A's reset", db2.recs, db2.len, db.recs,
		    db.len);
	kw_dump_free(&da);
	kw_dump_ok(&a, 0, &da, "A after its reset");
	kw_dump_parse(&da, &t);
	su_check(t.nr_vms == 1 && t.vms[0].nr_vcpus == 1 &&
		 t.vms[0].vcpus[0].rec.exits == 0 &&
		 t.vms[0].vcpus[0].nr_stats == 0,
		 "A after its reset: its VM with nothing counted");
	kvmw_snap_free(&t);
	kw_dump_free(&da);
	kw_dump_free(&db);
	kw_dump_free(&db2);

	/* A stops statistics; B keeps them */
	memset(&cfg, 0, sizeof(cfg));
	cfg.set_enable = true;
	kw_set_ok(&a, &cfg, "A disables");
	su_counters(dev, &c1);
	su_eq("stats consumers: B only", c1.stats_consumers,
	      c0.stats_consumers + 1);
	kw_conf(&b, &cb);
	su_check(cb.enable == KVMW_ENABLE_STATS, "B still enabled");

	/* another protocol's socket, and another netns's, on A's port */
	kw_conf(&a, &ca);
	{
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
					  .nl_pid = a.portid };
		int rt = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				NETLINK_ROUTE);

		su_check(rt >= 0 && !bind(rt, (struct sockaddr *)&sa, sizeof(sa)),
			 "a NETLINK_ROUTE socket bound to A's port %u", a.portid);
		if (rt >= 0)
			close(rt);
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		su_die("fork");
	if (!pid)
		netns_child(a.portid);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		su_fail("the netns child failed its checks (status %#x)", status);
	kw_conf(&a, &ca2);
	su_check(kw_same_conf(&ca, &ca2),
		 "A's state survives other sockets on its port closing");
	/*
	 * Buffers since c0: each socket's state and baseline, and the
	 * baselines of the two device twins.
	 */
	su_counters(dev, &c1);
	su_eq("buffers: A's and B's states and baselines, the twins' baselines",
	      c1.buffers, c0.buffers + 6);

	/* release frees: B (enabled) first, then A */
	nlr_close(&b);
	su_counters(dev, &c1);
	su_eq("B closed: stats consumers back", c1.stats_consumers,
	      c0.stats_consumers);
	su_eq("B closed: its state and baseline freed at once", c1.buffers,
	      c0.buffers + 4);
	nlr_close(&a);
	su_counters(dev, &c1);
	su_eq("A closed: its state and baseline freed at once", c1.buffers,
	      c0.buffers + 2);
	su_eq("tracepoints still attached for the device files",
	      c1.tracepoints, c0.tracepoints);

	for (int i = 0; i < 2; i++)
		kvmw_vm_destroy(vm[i]);
	close(dx);
	close(dy);
	su_counters(dev, &c1);
	su_eq("the twins closed: buffers as at the start", c1.buffers,
	      c0.buffers);
	su_eq("vms: this test's two gone", c1.vms, c0.vms - 2);
	close(dev);
}

int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(part, "autoload") || !strcmp(part, "noautoload")) {
		if (part[0] == 'n')
			part_noautoload();
		else
			part_autoload();
		return su_done();
	}
	if (!strcmp(part, "resolve")) {
		part_resolve();
		return su_done();
	}
	kw_resolve();
	if (!strcmp(part, "unpriv")) {
		part_unpriv();
	} else if (!strcmp(part, "sockets")) {
		part_sockets();
	} else {
		fprintf(stderr, "usage: test_netlink resolve|autoload|noautoload|unpriv|sockets\n");
		return 2;
	}
	return su_done();
}
