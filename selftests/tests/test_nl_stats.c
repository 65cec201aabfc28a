// SPDX-License-Identifier: GPL-2.0
/*
 * GET_STATS of the generic netlink family "kvmwatch" (issue 5).
 *
 * Usage: test_nl_stats PART
 *   dump [VMS VCPUS]
 *		a dump over VMS x VCPUS vCPUs that never run (default
 *		4 x 256, fewer per VM if KVM_CAP_MAX_VCPUS says so) and
 *		VMs that ran known workloads, one of them destroyed; after
 *		its first datagram another thread creates and destroys VMs
 *		and destroys one of the set. It must take many messages,
 *		never set NLM_F_DUMP_INTR, list every VM and vCPU exactly
 *		once and be byte for byte the KVMW_IOC_SNAPSHOT taken just
 *		before it (everything is stopped), also with other
 *		SNAP_FLAGS. A dump abandoned half way frees its snapshot.
 *   same	a socket and a device file with the same filter, both reset
 *		at the guest's READY: the same records byte for byte, exact
 *		against what the guest did and KVM counted, alive and gone;
 *		SNAP_RESET through both tiles time alike
 *
 * Prints one "ok:" or "FAIL:" line per check; exit 0 only if none failed.
 */
#include <pthread.h>
#include <signal.h>

#include "nl_kvmw.h"
#include "nl_vms.h"

/* =================================================================== */
/* dump                                                                 */
/* =================================================================== */

/* A VM of this process that ran a known workload, stopped. */
static struct kvmw_vm *worked_vm(unsigned int seed)
{
	struct kvmw_guest_spec spec;
	struct kvmw_vm *vm = kvmw_vm_create(2, 0);

	if (!vm)
		su_die("kvmw_vm_create");
	memset(&spec, 0, sizeof(spec));
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_CPUID, 40 + seed, 0, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_OUT, 20 + seed, 0x80, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_RDMSR, 10, 0x1b, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_IN, 15 + seed, 0x71, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_MMIO_WRITE, 5, 0xd0000000, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_HYPERCALL, 7, 0, 0);
	spec.timeout_ms = 120000;
	if (kvmw_vm_run(vm, &spec))
		su_die("worked VM: %s", kvmw_vm_error(vm));
	su_check_guest("worked VM", vm);
	return vm;
}

struct churn {
	struct rvm *victim;
	struct rvm late;
	unsigned int created;
	int err;
	pthread_t thread;
	bool started, joined;
	unsigned int started_at, joined_at;	/* datagrams read by then */
};

/* In the middle of the dump: VMs come and go, one of the set goes. */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < 5; i++) {
		struct rvm t;
		int r = rvm_create(&t, 1);

		if (r) {
			c->err = r;
			return NULL;
		}
		c->created++;
		rvm_destroy(&t);
	}
	rvm_destroy(c->victim);
	c->err = rvm_create(&c->late, 2);
	if (!c->err)
		c->created++;
	return NULL;
}

static void churn_between(void *arg, unsigned int datagram)
{
	struct churn *c = arg;

	if (datagram == 1) {
		if (pthread_create(&c->thread, NULL, churn_fn, c))
			su_die("pthread_create");
		c->started = true;
		c->started_at = datagram;
	} else if (datagram == 2 && c->started && !c->joined) {
		/* one datagram read while it ran; it ends before the rest */
		pthread_join(c->thread, NULL);
		c->joined = true;
		c->joined_at = datagram;
	}
}

static bool snap_has_serial(const struct kvmw_snap *s, u64 serial)
{
	for (size_t i = 0; i < s->nr_vms; i++)
		if (s->vms[i].rec.serial == serial)
			return true;
	return false;
}

static void part_dump(unsigned int nr_big, unsigned int vcpus_per_vm)
{
	struct kvmw_vm *worked[2], *gone;
	struct rvm *big, victim;
	struct kvmw_counters c0, c1;
	struct kvmw_filter f = su_filter_pid(getpid(), false);
	struct kw_cfg cfg = { 0 };
	struct churn ch = { .victim = &victim };
	struct dev_snap s0, s1;
	struct kvmw_snap t0, t1, tn;
	struct kw_dump d;
	struct nlr_sock s;
	int dev, max_vcpus, r;
	unsigned int total = 0, seen_big = 0;
	double t;

	kvm_init();
	max_vcpus = ioctl(kvm_dev, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	su_note("KVM_CAP_MAX_VCPUS = %d", max_vcpus);
	if (max_vcpus > 0 && vcpus_per_vm > (unsigned int)max_vcpus) {
		unsigned int want = nr_big * vcpus_per_vm;

		vcpus_per_vm = (unsigned int)max_vcpus;
		nr_big = (want + vcpus_per_vm - 1) / vcpus_per_vm;
	}
	big = calloc(nr_big, sizeof(*big));
	if (!big)
		su_die("out of memory");

	dev = su_open_stats(&f);
	kw_open(&s);
	cfg.set_enable = cfg.set_filter = true;
	cfg.enable = KVMW_ENABLE_STATS;
	cfg.filter = f;
	kw_set_ok(&s, &cfg, "enable, filter pid");
	su_counters(dev, &c0);

	/* VMs that ran (one destroyed: gone, still listed) */
	worked[0] = worked_vm(0);
	worked[1] = worked_vm(3);
	gone = worked_vm(5);
	kvmw_vm_close(gone);
	/* the big idle ones, and one the churn will destroy mid-dump */
	t = su_now();
	for (unsigned int i = 0; i < nr_big; i++) {
		r = rvm_create(&big[i], vcpus_per_vm);
		if (r)
			su_die("VM %u of %u vCPUs: %s", i, vcpus_per_vm,
			       strerror(-r));
		total += vcpus_per_vm;
	}
	if (rvm_create(&victim, 2))
		su_die("victim VM: %s", strerror(errno));
	su_note("timing: %u VMs x %u vCPUs created in %.1f s", nr_big,
		vcpus_per_vm, su_now() - t);
	su_counters(dev, &c1);
	su_eq("alloc_failures after creating the vCPUs", c1.alloc_failures,
	      c0.alloc_failures);
	su_eq("vCPUs tracked: the big VMs + worked + victim",
	      c1.vcpus - c0.vcpus, total + 4 + 2);

	/* the device's view of the quiescent state, then the dump */
	dev_snap(dev, 0, &s0);
	r = kw_dump(&s, 0, false, &d, churn_between, &ch);
	if (ch.started && !ch.joined) {
		pthread_join(ch.thread, NULL);
		ch.joined = true;
		ch.joined_at = d.nr_datagrams;
	}
	su_check(!r, "GET_STATS dump over %u vCPUs: %s%s%s", total, errname(r),
		 d.ack.has_msg ? ", " : "", d.ack.msg);
	if (r)
		su_die("cannot go on");
	su_check(!d.bad[0], "dump layout: %s", d.bad[0] ? d.bad : "clean");
	su_check(d.nr_msgs >= 4 && d.nr_datagrams >= 3,
		 "dump took %u messages in %u datagrams (many)", d.nr_msgs,
		 d.nr_datagrams);
	su_check(!d.intr, "NLM_F_DUMP_INTR never set");
	su_check(!d.multi_missing, "every dump message has NLM_F_MULTI");
	su_check(!ch.err && ch.created == 6, "churn: 6 VMs created, 5 destroyed and one of the set destroyed (%s)",
		 errname(ch.err));
	su_check(ch.started && ch.started_at == 1 && ch.joined_at == 2 &&
		 d.nr_datagrams > 2,
		 "the churn ran after datagram 1 and ended after datagram %u of %u",
		 ch.joined_at, d.nr_datagrams);
	dev_snap(dev, 0, &s1);

	/* exactly the state at the dump's start: the device's snapshot */
	same_stream("dump records = KVMW_IOC_SNAPSHOT before it", d.recs,
		    d.len, s0.buf, s0.hdr.used);
	su_eq("NR_VMS = device nr_vms", d.nr_vms, s0.hdr.nr_vms);
	su_eq("NR_VCPUS = device nr_vcpus", d.nr_vcpus, s0.hdr.nr_vcpus);
	su_check(d.time_ns >= s0.hdr.time_ns && d.time_ns <= s1.hdr.time_ns,
		 "TIME_NS %llu between the device's snapshots (%llu, %llu)",
		 su_ull(d.time_ns), su_ull(s0.hdr.time_ns),
		 su_ull(s1.hdr.time_ns));

	kw_dump_parse(&d, &tn);
	if (kvmw_snap_parse(s0.buf, s0.hdr.used, &t0) ||
	    kvmw_snap_parse(s1.buf, s1.hdr.used, &t1))
		su_die("device snapshot does not parse");
	su_eq("VM records = NR_VMS", tn.nr_vms, d.nr_vms);
	{
		unsigned int vcpu_recs = 0, dup_vm = 0, dup_vcpu = 0;

		for (size_t i = 0; i < tn.nr_vms; i++) {
			const struct kvmw_snap_vm *vm = &tn.vms[i];

			vcpu_recs += vm->nr_vcpus;
			for (size_t j = i + 1; j < tn.nr_vms; j++)
				dup_vm += tn.vms[j].rec.serial == vm->rec.serial;
			for (size_t a = 0; a < vm->nr_vcpus; a++)
				for (size_t b = a + 1; b < vm->nr_vcpus; b++)
					dup_vcpu += vm->vcpus[a].rec.vcpu_id ==
						    vm->vcpus[b].rec.vcpu_id;
		}
		su_eq("vCPU records = NR_VCPUS", vcpu_recs, d.nr_vcpus);
		su_eq("VMs listed twice", dup_vm, 0);
		su_eq("vCPUs listed twice", dup_vcpu, 0);
	}
	for (unsigned int i = 0; i < nr_big; i++) {
		const struct kvmw_snap_vm *vm = su_find_vm(&tn, big[i].id,
							   getpid());
		unsigned int ok = 0;

		if (!vm) {
			su_fail("big VM %s not in the dump", big[i].id);
			continue;
		}
		for (unsigned int id = 0; id < vcpus_per_vm; id++)
			ok += su_find_vcpu(vm, id) != NULL;
		seen_big += ok == vcpus_per_vm && vm->nr_vcpus == vcpus_per_vm &&
			    !(vm->rec.flags & KVMW_VM_GONE);
	}
	su_eq("big VMs with every vCPU exactly once, live", seen_big, nr_big);
	for (int i = 0; i < 2; i++) {
		const struct kvmw_snap_vm *vm = su_find_vm(&tn,
				kvmw_vm_id(worked[i]), getpid());
		const struct kvmw_tally *tl = kvmw_vm_tally(worked[i], 0);

		su_check(vm && vm->nr_vcpus == 2 && su_find_vcpu(vm, 0) &&
			 su_why_count(su_find_vcpu(vm, 0), SU_CPUID) ==
			 su_tally_sum(tl, KVMW_EV_CPUID),
			 "worked VM %d: cpuid exits = the guest's %llu", i,
			 su_ull(su_tally_sum(tl, KVMW_EV_CPUID)));
	}
	{
		const struct kvmw_snap_vm *vm = su_find_vm(&tn, kvmw_vm_id(gone),
							   getpid());
		unsigned int n = 0;

		/* its id may be reused by a later VM: look for a gone one */
		for (size_t i = 0; i < tn.nr_vms; i++)
			n += (tn.vms[i].rec.flags & KVMW_VM_GONE) &&
			     tn.vms[i].nr_vcpus == 2 &&
			     su_why_count(&tn.vms[i].vcpus[0], SU_CPUID) ==
			     su_tally_sum(kvmw_vm_tally(gone, 0), KVMW_EV_CPUID);
		su_check(vm && n == 1, "the destroyed worked VM is listed, gone");
	}
	{
		const struct kvmw_snap_vm *v = su_find_vm(&tn, victim.id,
							  getpid());

		su_check(v && !(v->rec.flags & KVMW_VM_GONE),
			 "the VM destroyed mid-dump is in the dump, live");
	}
	/* what the churn did is visible afterwards, not in the dump */
	{
		unsigned int new_vms = 0, new_gone = 0, in_dump = 0;
		u64 victim_serial = 0;
		const struct kvmw_snap_vm *v;

		for (size_t i = 0; i < t1.nr_vms; i++) {
			if (snap_has_serial(&t0, t1.vms[i].rec.serial))
				continue;
			new_vms++;
			new_gone += !!(t1.vms[i].rec.flags & KVMW_VM_GONE);
		}
		for (size_t i = 0; i < tn.nr_vms; i++)
			in_dump += !snap_has_serial(&t0, tn.vms[i].rec.serial);
		v = su_find_vm(&tn, victim.id, getpid());
		victim_serial = v ? v->rec.serial : 0;
		su_eq("VMs created during the dump, seen afterwards", new_vms, 6);
		su_eq("of them gone", new_gone, 5);
		su_eq("VMs in the dump that were not there at its start",
		      in_dump, 0);
		for (size_t i = 0; i < t1.nr_vms; i++)
			if (t1.vms[i].rec.serial == victim_serial)
				su_check(t1.vms[i].rec.flags & KVMW_VM_GONE,
					 "the victim is gone afterwards");
	}
	kvmw_snap_free(&tn);
	kvmw_snap_free(&t0);
	kvmw_snap_free(&t1);
	free(s0.buf);
	free(s1.buf);
	kw_dump_free(&d);

	/* other flags, quiescent: identical too */
	{
		static const uint32_t flags[] = {
			KVMW_SNAP_NO_HIST,
			KVMW_SNAP_NO_HIST | KVMW_SNAP_NO_BREAKDOWN |
			KVMW_SNAP_NO_RIPS,
			KVMW_SNAP_RAW,
			KVMW_SNAP_KVM,
			KVMW_SNAP_KVM | KVMW_SNAP_RAW | KVMW_SNAP_NO_HIST,
		};

		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			char what[96];

			dev_snap(dev, flags[i], &s0);
			kw_dump_ok(&s, flags[i], &d, "flags");
			snprintf(what, sizeof(what),
				 "SNAP_FLAGS %#x: dump = device", flags[i]);
			same_stream(what, d.recs, d.len, s0.buf, s0.hdr.used);
			su_check(!d.intr, "%s: no NLM_F_DUMP_INTR", what);
			free(s0.buf);
			kw_dump_free(&d);
		}
	}

	/* a dump abandoned after its first datagram frees its snapshot */
	{
		struct kvmw_counters before;
		struct nlr_reply rep = { 0 };
		struct nlr_sock m;
		struct nlr_msg msg;
		double dt;

		su_counters(dev, &before);
		kw_open(&m);
		kw_msg(&msg, KVMW_NL_CMD_GET_STATS, NLM_F_REQUEST | NLM_F_DUMP);
		if (nlr_send(&m, &msg))
			su_die("send");
		r = nlr_read_reply(&m, m.seq, true, &rep, true, 10000);
		su_check(r == 1, "abandoned dump: first datagram read, more to come (%d)",
			 r);
		nlr_reply_free(&rep);
		nlr_close(&m);
		dt = wait_buffers(dev, before.buffers, 5);
		su_note("abandoned dump: its buffers freed %.3f s after close",
			dt);
	}

	for (unsigned int i = 0; i < nr_big; i++)
		rvm_destroy(&big[i]);
	rvm_destroy(&ch.late);
	for (int i = 0; i < 2; i++)
		kvmw_vm_destroy(worked[i]);
	kvmw_vm_destroy(gone);
	free(big);
	nlr_close(&s);
	su_counters(dev, &c1);
	su_eq("vms back", c1.vms, c0.vms);
	su_eq("vcpus back", c1.vcpus, c0.vcpus);
	su_eq("buffers back (the socket's state freed on close)", c1.buffers,
	      c0.buffers - 1);
	su_eq("stats consumers back (the socket's enable dropped)",
	      c1.stats_consumers, c0.stats_consumers - 1);
	su_eq("alloc_failures", c1.alloc_failures, c0.alloc_failures);
	close(dev);
}

/* =================================================================== */
/* same: netlink and the device over one window                         */
/* =================================================================== */

struct same_ctx {
	struct su_window w;
	struct nlr_sock *s;
	int nl_reset;
};

static void same_on_ready(struct kvmw_vm *vm, void *arg)
{
	struct same_ctx *c = arg;

	su_on_ready(vm, &c->w);
	c->nl_reset = kw_cmd(c->s, KVMW_NL_CMD_RESET, NULL);
}

static void part_same(void)
{
	struct kvmw_guest_spec spec;
	struct same_ctx ctx = { 0 };
	struct kvmw_filter f;
	struct kw_cfg cfg = { 0 };
	struct dev_snap ds;
	struct kvmw_snap tn;
	struct kw_dump d;
	struct nlr_sock s;
	struct kvmw_vm *vm;
	const struct kvmw_snap_vm *sv;
	char id[32];

	vm = kvmw_vm_create(2, 0);
	if (!vm)
		su_die("kvmw_vm_create");
	snprintf(id, sizeof(id), "%s", kvmw_vm_id(vm));
	f = su_filter_vm(id);
	ctx.w.fd = su_open_stats(&f);
	kw_open(&s);
	ctx.s = &s;
	cfg.set_enable = cfg.set_filter = true;
	cfg.enable = KVMW_ENABLE_STATS;
	cfg.filter = f;
	kw_set_ok(&s, &cfg, "enable, filter vm");

	memset(&spec, 0, sizeof(spec));
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_CPUID, 300, 0, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_OUT, 90, 0x80, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_IN, 60, 0x71, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_RDMSR, 45, 0x1b, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_WRMSR, 45, 0x6e0, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_MMIO_WRITE, 30, 0xd0000000, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_MMIO_READ, 30, 0xd0000000, 0);
	kvmw_spec_add(&spec, 2, 0, KVMW_OP_HYPERCALL, 36, 0, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_IPI, 30, 1, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_CPUID, 150, 1, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_OUT, 75, 0x81, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_RDMSR, 30, 0x1b, 0);
	kvmw_spec_add(&spec, 2, 1, KVMW_OP_MMIO_READ, 20, 0xd0001000, 0);
	spec.timeout_ms = 120000;
	spec.on_ready = same_on_ready;
	spec.on_ready_arg = &ctx;
	if (kvmw_vm_run(vm, &spec))
		su_die("run: %s", kvmw_vm_error(vm));
	su_check_guest("the VM", vm);
	su_check(ctx.w.done && !ctx.w.reset_err && !ctx.nl_reset,
		 "device and netlink reset at READY (%d, %s)", ctx.w.reset_err,
		 errname(ctx.nl_reset));

	for (int pass = 0; pass < 2; pass++) {
		struct su_vm_expect e = {
			.tag = pass ? "netlink, gone" : "netlink",
			.vm = vm, .spec = &spec, .w = &ctx.w,
			.pid = getpid(), .ppid = getppid(),
			.msr_early = su_icr_msr_early(), .gone = pass == 1,
		};
		char what[96];

		if (pass)
			kvmw_vm_close(vm);	/* gone: final numbers */
		dev_snap(ctx.w.fd, 0, &ds);
		kw_dump_ok(&s, 0, &d, e.tag);
		snprintf(what, sizeof(what), "%s: dump = device snapshot of the same window",
			 e.tag);
		same_stream(what, d.recs, d.len, ds.buf, ds.hdr.used);
		su_eq("NR_VMS", d.nr_vms, 1);
		su_eq("NR_VCPUS", d.nr_vcpus, 2);
		su_check(d.time_ns >= ds.hdr.time_ns,
			 "TIME_NS %llu after the device's %llu",
			 su_ull(d.time_ns), su_ull(ds.hdr.time_ns));
		/* and exact against what the guest did and KVM counted */
		kw_dump_parse(&d, &tn);
		sv = su_find_vm(&tn, id, getpid());
		if (sv)
			su_check_vm(&e, &tn, sv);
		else
			su_fail("%s: the VM is not in the dump", e.tag);
		kvmw_snap_free(&tn);
		free(ds.buf);
		kw_dump_free(&d);
	}

	/* SNAP_RESET through netlink as through the device: tiles time */
	dev_snap(ctx.w.fd, KVMW_SNAP_RESET, &ds);
	kw_dump_ok(&s, KVMW_SNAP_RESET, &d, "reset");
	same_stream("SNAP_RESET dump = device SNAP_RESET", d.recs, d.len,
		    ds.buf, ds.hdr.used);
	free(ds.buf);
	kw_dump_free(&d);
	dev_snap(ctx.w.fd, 0, &ds);
	kw_dump_ok(&s, 0, &d, "after reset");
	same_stream("after SNAP_RESET: dump = device", d.recs, d.len, ds.buf,
		    ds.hdr.used);
	kw_dump_parse(&d, &tn);
	/* gone before the new baseline: not news any more */
	su_eq("after SNAP_RESET the gone VM is not listed", tn.nr_vms, 0);
	kvmw_snap_free(&tn);
	free(ds.buf);
	kw_dump_free(&d);

	kvmw_vm_destroy(vm);
	nlr_close(&s);
	close(ctx.w.fd);
}

int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	kw_resolve();
	if (!strcmp(part, "dump")) {
		part_dump(argc > 2 ? (unsigned int)atoi(argv[2]) : 4,
			  argc > 3 ? (unsigned int)atoi(argv[3]) : 256);
	} else if (!strcmp(part, "same")) {
		part_same();
	} else {
		fprintf(stderr, "usage: test_nl_stats dump [VMS VCPUS]|same\n");
		return 2;
	}
	return su_done();
}
