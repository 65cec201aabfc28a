// SPDX-License-Identifier: GPL-2.0
/*
 * Two readers with different filters and different reset times do not
 * disturb each other (issue 7).
 *
 * Files, all with statistics enabled, opened by this process before any
 * VM exists:
 *   FA  filter pid A, reset by A at its VM's READY (A inherits FA: the
 *       same open file, so the same consumer)
 *   FB  filter pid B, reset by B at its VM's READY, while A runs
 *   FC  no filter, never reset
 *   FV  filter vCPU 1, never reset
 *   FT  filter pid of this process with PID_TREE (its children's VMs)
 *   FP  filter pid of this process without PID_TREE (no VM)
 * A runs rounds until B's VM has finished; then each child checks its own
 * file's window against its guest's tally, exactly. Then, with both VMs
 * stopped: each file lists exactly its VMs; a reset of FA leaves FB, FC
 * and FV byte for byte as they were, and FA's raw view equals FC's.
 */
#include <signal.h>
#include <sys/wait.h>

#include "stats_util.h"

struct child {
	const char *tag;
	pid_t pid;
	int to[2], from[2];		/* pipes: parent -> child, child -> parent */
	int fd;				/* its file */
};

static int ready_pipe = -1;

static void on_ready_notify(struct kvmw_vm *vm, void *arg)
{
	su_on_ready(vm, arg);
	if (ready_pipe >= 0 && write(ready_pipe, "R", 1) != 1)
		su_note("ready pipe: %s", strerror(errno));
}

static char wait_byte(int fd, const char *what)
{
	char c = 0;

	if (read(fd, &c, 1) != 1)
		su_die("waiting for %s: %s", what, strerror(errno));
	return c;
}

static void spec_of(const char *tag, struct kvmw_guest_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(tag, "A")) {
		kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, 30, 0, 0);
		kvmw_spec_add(s, 2, 0, KVMW_OP_OUT, 10, 0x80, 0);
		kvmw_spec_add(s, 2, 1, KVMW_OP_IN, 10, 0x71, 0);
		kvmw_spec_add(s, 2, 1, KVMW_OP_WRMSR, 10, 0x6e0, 0);
		s->forever = true;
	} else {
		kvmw_spec_add(s, 2, 0, KVMW_OP_CPUID, 100, 1, 0);
		kvmw_spec_add(s, 2, 0, KVMW_OP_HYPERCALL, 20, 0, 0);
		kvmw_spec_add(s, 2, 1, KVMW_OP_OUT, 40, 0x81, 0);
		kvmw_spec_add(s, 2, 1, KVMW_OP_RDMSR, 20, 0x1b, 0);
		kvmw_spec_add(s, 2, 1, KVMW_OP_MMIO_READ, 10, 0xd0004000, 0);
	}
	s->timeout_ms = 300000;
}

static int child_main(struct child *c)
{
	struct su_window w = { .fd = c->fd };
	struct su_vm_expect e = { .tag = c->tag };
	const struct kvmw_snap_vm *sv;
	struct kvmw_guest_spec spec;
	struct kvmw_snap s;
	struct kvmw_vm *vm;
	char prefix[8];

	snprintf(prefix, sizeof(prefix), "[%s] ", c->tag);
	su_prefix = prefix;
	wait_byte(c->to[0], "go");
	vm = kvmw_vm_create(2, 0);
	if (!vm)
		su_die("kvmw_vm_create");
	spec_of(c->tag, &spec);
	spec.on_ready = on_ready_notify;
	spec.on_ready_arg = &w;
	ready_pipe = c->from[1];
	if (kvmw_vm_start(vm, &spec))
		su_die("start: %s", kvmw_vm_error(vm));
	if (spec.forever) {
		wait_byte(c->to[0], "stop");
		kvmw_request_stop();
	}
	if (kvmw_vm_wait(vm))
		su_fail("run: %s", kvmw_vm_error(vm));
	su_check_guest(c->tag, vm);
	su_check(w.done && !w.reset_err, "reset at READY (%d)", w.reset_err);

	e.vm = vm;
	e.spec = &spec;
	e.w = &w;
	e.pid = getpid();
	e.ppid = getppid();
	e.msr_early = su_icr_msr_early();
	su_snap(c->fd, 0, &s);
	su_eq("its file lists one VM", s.nr_vms, 1);
	sv = su_find_vm(&s, kvmw_vm_id(vm), getpid());
	if (sv)
		su_check_vm(&e, &s, sv);
	else
		su_fail("its VM %s is not in its file", kvmw_vm_id(vm));
	kvmw_snap_free(&s);
	if (write(c->from[1], "D", 1) != 1)
		su_die("pipe");
	wait_byte(c->to[0], "quit");
	kvmw_vm_destroy(vm);
	return su_done();
}

static void start_child(struct child *c, const int *close_fds, int n)
{
	if (pipe(c->to) || pipe(c->from))
		su_die("pipe");
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0)
		su_die("fork");
	if (!c->pid) {
		for (int i = 0; i < n; i++)
			if (close_fds[i] != c->fd)
				close(close_fds[i]);
		close(c->to[1]);
		close(c->from[0]);
		_exit(child_main(c));
	}
	close(c->to[0]);
	close(c->from[1]);
}

static void send_byte(struct child *c, char b)
{
	if (write(c->to[1], &b, 1) != 1)
		su_fail("pipe to %s", c->tag);
}

/* The only VM of @s, checked to belong to @pid; NULL otherwise. */
static const struct kvmw_snap_vm *only_vm(const char *what,
					  const struct kvmw_snap *s, pid_t pid)
{
	su_check(s->nr_vms == 1 && s->vms[0].rec.pid == pid,
		 "%s: exactly one VM, of pid %d (%zu VMs, first pid %d)", what,
		 pid, s->nr_vms, s->nr_vms ? s->vms[0].rec.pid : 0);
	return s->nr_vms == 1 ? &s->vms[0] : NULL;
}

static const struct kvmw_snap_vm *vm_of(const struct kvmw_snap *s, pid_t pid)
{
	for (size_t i = 0; i < s->nr_vms; i++)
		if (s->vms[i].rec.pid == pid)
			return &s->vms[i];
	return NULL;
}

static bool same_vm(const char *what, const struct kvmw_snap_vm *a,
		    const struct kvmw_snap_vm *b)
{
	if (!a || !b) {
		su_fail("%s: VM missing", what);
		return false;
	}
	su_same_rows(what, a, b);
	return true;
}

int main(void)
{
	struct child a = { .tag = "A" }, b = { .tag = "B" };
	struct kvmw_filter f;
	struct kvmw_snap sa, sb, sb2, sc, sc2, sv, sv2, sraw, st, sp;
	int fc, fv, ft, fp, status, fds[8];
	const struct kvmw_snap_vm *x, *y;
	double t0 = su_now();

	setvbuf(stdout, NULL, _IOLBF, 0);
	a.fd = su_open_stats(NULL);
	b.fd = su_open_stats(NULL);
	fc = su_open_stats(NULL);
	f = (struct kvmw_filter){ .size = sizeof(f), .flags = KVMW_FILTER_VCPU,
				  .vcpu = 1 };
	fv = su_open_stats(&f);
	f = su_filter_pid(getpid(), true);
	ft = su_open_stats(&f);
	f = su_filter_pid(getpid(), false);
	fp = su_open_stats(&f);
	fds[0] = a.fd;
	fds[1] = b.fd;
	fds[2] = fc;
	fds[3] = fv;
	fds[4] = ft;
	fds[5] = fp;

	start_child(&a, fds, 6);
	start_child(&b, fds, 6);
	f = su_filter_pid(a.pid, false);
	su_check(!kvmw_dev_filter(a.fd, &f), "FA: filter pid %d", a.pid);
	f = su_filter_pid(b.pid, false);
	su_check(!kvmw_dev_filter(b.fd, &f), "FB: filter pid %d", b.pid);

	/* A resets FA at its READY and runs on; then B resets FB at its */
	send_byte(&a, 'G');
	if (wait_byte(a.from[0], "A ready") != 'R')
		su_fail("A: unexpected message");
	send_byte(&b, 'G');
	if (wait_byte(b.from[0], "B ready") != 'R')
		su_fail("B: unexpected message");
	if (wait_byte(b.from[0], "B done") != 'D')
		su_fail("B: unexpected message");
	send_byte(&a, 'S');
	if (wait_byte(a.from[0], "A done") != 'D')
		su_fail("A: unexpected message");

	/* both VMs stopped and alive: what each file lists */
	su_snap(a.fd, 0, &sa);
	su_snap(b.fd, 0, &sb);
	su_snap(fc, 0, &sc);
	su_snap(fv, 0, &sv);
	su_snap(ft, 0, &st);
	su_snap(fp, 0, &sp);
	only_vm("FA (pid A)", &sa, a.pid);
	only_vm("FB (pid B)", &sb, b.pid);
	su_check(vm_of(&sc, a.pid) && vm_of(&sc, b.pid),
		 "FC (no filter) lists both VMs");
	su_eq("FT (PID_TREE of this process) lists both VMs", st.nr_vms,
	      (vm_of(&st, a.pid) != NULL) + (vm_of(&st, b.pid) != NULL));
	su_eq("FT VMs", st.nr_vms, 2);
	su_eq("FP (this pid, no tree) lists nothing", sp.nr_vms, 0);
	for (int i = 0; i < 2; i++) {
		pid_t pid = i ? b.pid : a.pid;
		const struct kvmw_snap_vm *v1 = vm_of(&sv, pid);
		const struct kvmw_snap_vm *full = vm_of(&sc, pid);
		const struct kvmw_snap_vcpu *c1 = full ? su_find_vcpu(full, 1) : NULL;

		if (!v1 || !c1) {
			su_fail("FV: VM of pid %d missing", pid);
			continue;
		}
		su_check(v1->nr_vcpus == 1 && v1->vcpus[0].rec.vcpu_id == 1,
			 "FV (vCPU 1): only vCPU 1 of pid %d's VM (%zu records)",
			 pid, v1->nr_vcpus);
		su_eq("FV vCPU 1 exits = FC's (neither reset)",
		      v1->vcpus[0].rec.exits, c1->rec.exits);
	}

	/* a reset of FA: FA empties, nobody else moves */
	su_check(!kvmw_dev_reset(a.fd), "FA: reset");
	su_snap(b.fd, 0, &sb2);
	su_snap(fc, 0, &sc2);
	su_snap(fv, 0, &sv2);
	same_vm("FB unchanged by FA's reset", vm_of(&sb, b.pid),
		vm_of(&sb2, b.pid));
	same_vm("FC unchanged by FA's reset (A's VM)", vm_of(&sc, a.pid),
		vm_of(&sc2, a.pid));
	same_vm("FC unchanged by FA's reset (B's VM)", vm_of(&sc, b.pid),
		vm_of(&sc2, b.pid));
	same_vm("FV unchanged by FA's reset", vm_of(&sv, a.pid),
		vm_of(&sv2, a.pid));
	kvmw_snap_free(&sa);
	su_snap(a.fd, 0, &sa);
	x = only_vm("FA after its reset", &sa, a.pid);
	if (x) {
		u64 rows = 0, ex = 0;

		for (size_t i = 0; i < x->nr_vcpus; i++) {
			rows += x->vcpus[i].nr_stats + x->vcpus[i].nr_rips;
			ex += x->vcpus[i].rec.exits + x->vcpus[i].rec.entries;
		}
		su_eq("FA after its reset: rows", rows, 0);
		su_eq("FA after its reset: exits + entries", ex, 0);
	}
	su_snap(a.fd, KVMW_SNAP_RAW, &sraw);
	x = vm_of(&sraw, a.pid);
	y = vm_of(&sc2, a.pid);
	same_vm("FA raw = FC (A's VM)", x, y);
	su_eq("FA raw lists only pid A", sraw.nr_vms, 1);

	send_byte(&a, 'Q');
	send_byte(&b, 'Q');
	for (int i = 0; i < 2; i++) {
		struct child *c = i ? &b : &a;

		if (waitpid(c->pid, &status, 0) != c->pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			su_fail("child %s failed its checks (status %#x)", c->tag,
				status);
		else
			su_check(true, "child %s passed its checks", c->tag);
	}
	kvmw_snap_free(&sa);
	kvmw_snap_free(&sb);
	kvmw_snap_free(&sb2);
	kvmw_snap_free(&sc);
	kvmw_snap_free(&sc2);
	kvmw_snap_free(&sv);
	kvmw_snap_free(&sv2);
	kvmw_snap_free(&sraw);
	kvmw_snap_free(&st);
	kvmw_snap_free(&sp);
	for (int i = 0; i < 6; i++)
		close(fds[i]);
	su_note("timing: %.1f s", su_now() - t0);
	return su_done();
}
