// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications of the generic netlink family "kvmwatch" (issue 5).
 *
 * Usage: test_nl_notify PART
 *   notify	VM_NEW and VM_GONE, exactly once per VM, to every member of
 *		"notify" and to nobody else
 *   thresholds	a paced guest crosses an exit-rate threshold again and
 *		again: one notification per crossing, at most one per
 *		rate-limit window per vCPU (the others counted in the next
 *		one's SUPPRESSED), with the right VM, vCPU, reason and rate;
 *		multicast to every member (a member without thresholds
 *		keeps its own configuration); none once the socket that
 *		set the threshold is closed
 *   th-starve	one socket re-setting its thresholds every 300 ms does not
 *		hold back another socket's evaluation
 *   th-noenable
 *		a threshold fires for a socket that did not enable
 *		statistics, with no other consumer
 *   th-burst	80 crossings in one evaluation: KVMW_NL_NOTIFY_BURST go
 *		out, the rest at the next evaluation
 *
 * The module evaluates rates once a second (nl_notify.c): the rate of an
 * interval is the exits counted between two evaluations over the time
 * between them; a crossing is an interval above RATE after one at or
 * below it (or the vCPU's first). The guest's phases last 3 s or more,
 * so that each contains whole intervals: a fast phase (thousands of exits
 * per second) is above RATE (40/s) in every interval it touches, a slow
 * one (10/s) below in every interval it covers, whatever the phase of the
 * evaluation clock.
 *
 * Prints one "ok:" or "FAIL:" line per check; exit 0 only if none failed.
 */
#include <pthread.h>
#include <signal.h>

#include "nl_kvmw.h"
#include "nl_vms.h"

/* =================================================================== */
/* notifications                                                        */
/* =================================================================== */

struct note {
	double t;			/* seconds since the collector began */
	uint8_t cmd;
	bool well_formed;
	/* NOTIFY_VM_* */
	uint64_t serial;
	char id[32];
	int32_t pid, ppid;
	uint32_t nr_vcpus;
	/* NOTIFY_THRESHOLD */
	uint32_t portid, vcpu, isa, code, suppressed;
	uint64_t vm_serial, threshold, rate, interval_ns;
};

#define MAX_NOTES	512

struct collector {
	struct nlr_sock s;
	pthread_t thread;
	bool stop;			/* atomic */
	double t0;
	pthread_mutex_t lock;
	unsigned int n, lost, malformed;
	struct note notes[MAX_NOTES];
};

static bool parse_note(const struct nlr_rx *r, struct note *n)
{
	const struct nlattr *tb[KVMW_NL_ATTR_MAX + 1];
	const void *p;
	size_t len;
	unsigned int unknown;

	memset(n, 0, sizeof(*n));
	n->cmd = nlr_genl(r)->cmd;
	if (r->nlh->nlmsg_type != fam.id ||
	    nlr_genl(r)->version != KVMW_NL_VERSION)
		return false;
	p = nlr_attrs(r, &len);
	if (!nlr_parse(p, len, tb, KVMW_NL_ATTR_MAX, &unknown) || unknown)
		return false;
	if (n->cmd == KVMW_NL_CMD_NOTIFY_VM_NEW ||
	    n->cmd == KVMW_NL_CMD_NOTIFY_VM_GONE) {
		const struct nlattr *vb[KVMW_NL_VM_MAX + 1];

		if (!tb[KVMW_NL_ATTR_VM] ||
		    !nlr_parse(nlr_data(tb[KVMW_NL_ATTR_VM]),
			       nlr_len(tb[KVMW_NL_ATTR_VM]), vb, KVMW_NL_VM_MAX,
			       &unknown) || unknown ||
		    !vb[KVMW_NL_VM_SERIAL] || !nlr_str(vb[KVMW_NL_VM_ID]) ||
		    !vb[KVMW_NL_VM_PID] || !vb[KVMW_NL_VM_PPID] ||
		    !vb[KVMW_NL_VM_NR_VCPUS])
			return false;
		n->serial = nlr_u64(vb[KVMW_NL_VM_SERIAL]);
		snprintf(n->id, sizeof(n->id), "%s", nlr_str(vb[KVMW_NL_VM_ID]));
		n->pid = (int32_t)nlr_u32(vb[KVMW_NL_VM_PID]);
		n->ppid = (int32_t)nlr_u32(vb[KVMW_NL_VM_PPID]);
		n->nr_vcpus = nlr_u32(vb[KVMW_NL_VM_NR_VCPUS]);
		return true;
	}
	if (n->cmd == KVMW_NL_CMD_NOTIFY_THRESHOLD) {
		const struct nlattr *e[KVMW_NL_TE_MAX + 1];
		const struct nlattr *te = tb[KVMW_NL_ATTR_THRESHOLD_EVENT];

		if (!te || !nlr_parse(nlr_data(te), nlr_len(te), e,
				      KVMW_NL_TE_MAX, &unknown) || unknown)
			return false;
		for (int i = KVMW_NL_TE_PORTID; i <= KVMW_NL_TE_MAX; i++)
			if (!e[i])
				return false;
		n->portid = nlr_u32(e[KVMW_NL_TE_PORTID]);
		n->vm_serial = nlr_u64(e[KVMW_NL_TE_VM_SERIAL]);
		if (!nlr_str(e[KVMW_NL_TE_VM_ID]))
			return false;
		snprintf(n->id, sizeof(n->id), "%s", nlr_str(e[KVMW_NL_TE_VM_ID]));
		n->pid = (int32_t)nlr_u32(e[KVMW_NL_TE_PID]);
		n->vcpu = nlr_u32(e[KVMW_NL_TE_VCPU]);
		n->isa = nlr_u32(e[KVMW_NL_TE_ISA]);
		n->code = nlr_u32(e[KVMW_NL_TE_CODE]);
		n->threshold = nlr_u64(e[KVMW_NL_TE_THRESHOLD]);
		n->rate = nlr_u64(e[KVMW_NL_TE_RATE]);
		n->interval_ns = nlr_u64(e[KVMW_NL_TE_INTERVAL_NS]);
		n->suppressed = nlr_u32(e[KVMW_NL_TE_SUPPRESSED]);
		return true;
	}
	return false;
}

static void *collector_fn(void *arg)
{
	struct collector *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct nlr_rx *r = nlr_notify(&c->s, 100);
		struct note n;

		if (!r) {
			if (errno != ETIMEDOUT && errno != EINTR)
				c->lost++;	/* ENOBUFS: overrun */
			continue;
		}
		n.well_formed = parse_note(r, &n);
		n.t = su_now() - c->t0;
		pthread_mutex_lock(&c->lock);
		if (!n.well_formed)
			c->malformed++;
		if (c->n < MAX_NOTES)
			c->notes[c->n++] = n;
		else
			c->lost++;
		pthread_mutex_unlock(&c->lock);
		free(r);
	}
	return NULL;
}

/* A socket joined to "notify", read by its own thread from now on. */
static void collector_start(struct collector *c, double t0)
{
	int r;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	kw_open(&c->s);
	r = nlr_join(&c->s, notify_grp);
	if (r)
		su_die("joining \"notify\": %s", strerror(-r));
	c->t0 = t0;
}

static void collector_run(struct collector *c)
{
	if (pthread_create(&c->thread, NULL, collector_fn, c))
		su_die("pthread_create");
}

static void collector_stop(struct collector *c)
{
	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	pthread_join(c->thread, NULL);
}

static unsigned int count_notes(struct collector *c, uint8_t cmd)
{
	unsigned int n = 0;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++)
		n += c->notes[i].cmd == cmd;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void part_notify(void)
{
	struct collector l1, l2;
	struct nlr_sock quiet;
	struct rvm v[3];
	struct kvmw_snap s;
	uint64_t serial[3];
	int dev = dev_open();
	struct kvmw_filter f = su_filter_pid(getpid(), false);
	double t0 = su_now();

	collector_start(&l1, t0);
	collector_start(&l2, t0);
	collector_run(&l1);
	collector_run(&l2);
	kw_open(&quiet);	/* bound, never joined */
	if (kvmw_dev_filter(dev, &f))
		su_die("filter");
	kvm_init();
	for (int i = 0; i < 3; i++)
		if (rvm_create(&v[i], 2))
			su_die("KVM_CREATE_VM: %s", strerror(errno));
	su_snap(dev, KVMW_SNAP_NO_HIST, &s);
	for (int i = 0; i < 3; i++) {
		const struct kvmw_snap_vm *sv = su_find_vm(&s, v[i].id, getpid());

		serial[i] = sv ? sv->rec.serial : 0;
		if (!sv)
			su_fail("VM %s not in the device's snapshot", v[i].id);
	}
	kvmw_snap_free(&s);
	for (int i = 0; i < 3; i++)
		rvm_destroy(&v[i]);
	/* notifications go through a work item: give them time, and more */
	for (int i = 0; i < 100 && count_notes(&l1, KVMW_NL_CMD_NOTIFY_VM_GONE) < 3;
	     i++)
		usleep(20000);
	sleep_s(1.0);
	collector_stop(&l1);
	collector_stop(&l2);

	for (int li = 0; li < 2; li++) {
		struct collector *c = li ? &l2 : &l1;
		char tag[16];

		snprintf(tag, sizeof(tag), "listener %d", li + 1);
		su_eq("notifications lost or malformed", c->lost + c->malformed, 0);
		for (int i = 0; i < 3; i++) {
			unsigned int nnew = 0, ngone = 0;
			int order_ok = 1;
			double tnew = -1;

			for (unsigned int k = 0; k < c->n; k++) {
				const struct note *n = &c->notes[k];

				if (n->serial != serial[i] || !n->well_formed ||
				    (n->cmd != KVMW_NL_CMD_NOTIFY_VM_NEW &&
				     n->cmd != KVMW_NL_CMD_NOTIFY_VM_GONE))
					continue;
				if (n->cmd == KVMW_NL_CMD_NOTIFY_VM_NEW) {
					nnew++;
					tnew = n->t;
					su_check(!strcmp(n->id, v[i].id) &&
						 n->pid == getpid() &&
						 n->ppid == getppid() &&
						 n->nr_vcpus == 0,
						 "%s: VM_NEW %s: id %s pid %d ppid %d nr_vcpus %u",
						 tag, v[i].id, n->id, n->pid,
						 n->ppid, n->nr_vcpus);
				} else {
					ngone++;
					order_ok = tnew >= 0;
					su_check(!strcmp(n->id, v[i].id) &&
						 n->pid == getpid() &&
						 n->ppid == getppid() &&
						 n->nr_vcpus == 2,
						 "%s: VM_GONE %s: id %s pid %d ppid %d nr_vcpus %u",
						 tag, v[i].id, n->id, n->pid,
						 n->ppid, n->nr_vcpus);
				}
			}
			su_check(nnew == 1 && ngone == 1 && order_ok,
				 "%s: VM %s (serial %llu): %u new, %u gone, new first",
				 tag, v[i].id, su_ull(serial[i]), nnew, ngone);
		}
	}
	{
		struct nlr_rx *r = nlr_notify(&quiet, 200);

		su_check(!r, "a socket that did not join received nothing");
		free(r);
	}
	nlr_close(&quiet);
	nlr_close(&l1.s);
	nlr_close(&l2.s);
	close(dev);
}

/* ---- thresholds ---- */

#define TH_RATE		40	/* exits per second */
#define TH_W_A		1000	/* rate limit of socket A, ms */
#define TH_W_B		9000	/* of socket B */

struct phase {
	const char *name;
	int mode0;		/* vCPU 0; vCPU 1 is FAST throughout */
	double secs;
	double start;		/* filled in */
	uint64_t outs0;		/* vCPU 0's OUTs in it */
};

/* Thresholds on a socket that joined "notify" (a collector's). */
static void th_setup(struct nlr_sock *s, uint32_t rl_ms)
{
	struct kw_cfg c = { 0 };

	c.set_enable = c.set_filter = c.set_th = c.set_rl = true;
	c.enable = KVMW_ENABLE_STATS;
	c.filter = su_filter_pid(getpid(), false);
	c.nr_th = 1;
	c.th[0] = (struct kw_th){ su_isa(), su_code(SU_IO), TH_RATE };
	c.rl = rl_ms;
	kw_set_ok(s, &c, "threshold");
}

/* The threshold notifications of @port for @vcpu, in order. */
static unsigned int th_notes(struct collector *c, uint32_t port,
			     uint32_t vcpu, const struct note **out,
			     unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n; i++)
		if (c->notes[i].cmd == KVMW_NL_CMD_NOTIFY_THRESHOLD &&
		    c->notes[i].portid == port && c->notes[i].vcpu == vcpu &&
		    n < max)
			out[n++] = &c->notes[i];
	return n;
}

static void check_te(const struct note *n, const char *tag, uint64_t serial,
		     const char *id)
{
	su_check(n->well_formed && n->vm_serial == serial &&
		 !strcmp(n->id, id) && n->pid == getpid() &&
		 n->isa == su_isa() && n->code == su_code(SU_IO) &&
		 n->threshold == TH_RATE && n->rate > TH_RATE &&
		 n->interval_ns >= 500000000ULL && n->interval_ns <= 5000000000ULL,
		 "%s: at %.1f s: vm %s serial %llu pid %d vcpu %u isa %u code %#x threshold %llu rate %llu/s over %.2f s, suppressed %u",
		 tag, n->t, n->id, su_ull(n->vm_serial), n->pid, n->vcpu, n->isa,
		 n->code, su_ull(n->threshold), su_ull(n->rate),
		 n->interval_ns / 1e9, n->suppressed);
}

/* A notification for a crossing at phase @p: during it (or just after). */
static void check_in_phase(const struct note *n, const struct phase *p,
			   const char *tag)
{
	su_check(n->t >= p->start && n->t <= p->start + p->secs + 0.5,
		 "%s: notified at %.1f s, during %s [%.1f, %.1f]", tag, n->t,
		 p->name, p->start, p->start + p->secs);
}

static void part_thresholds(void)
{
	struct phase ph[] = {
		{ "P1 fast", PACE_FAST, 3, 0, 0 }, { "P2 slow", PACE_SLOW, 3, 0, 0 },
		{ "P3 fast", PACE_FAST, 3, 0, 0 }, { "P4 slow", PACE_SLOW, 3, 0, 0 },
		{ "P5 fast", PACE_FAST, 3, 0, 0 }, { "P6 slow", PACE_SLOW, 8, 0, 0 },
		{ "P7 fast", PACE_FAST, 3, 0, 0 }, { "P8 slow", PACE_SLOW, 2, 0, 0 },
	};
	const struct note *na[8], *nb[8], *nx[8];
	struct collector *ca, *cb, *cc;
	struct kw_conf cc0, cc1;
	struct kvmw_counters c0, c1;
	struct kvmw_filter f = su_filter_pid(getpid(), false);
	struct pacer p;
	struct kvmw_snap s;
	uint64_t serial = 0, o;
	uint32_t port_a, port_b;
	int dev = dev_open();
	double t0 = su_now(), fast_rate;
	unsigned int n;

	ca = calloc(1, sizeof(*ca));
	cb = calloc(1, sizeof(*cb));
	cc = calloc(1, sizeof(*cc));
	if (!ca || !cb || !cc)
		su_die("out of memory");
	su_counters(dev, &c0);
	pacer_create(&p);
	if (kvmw_dev_filter(dev, &f))
		su_die("filter");
	su_snap(dev, KVMW_SNAP_NO_HIST, &s);
	if (su_find_vm(&s, p.id, getpid()))
		serial = su_find_vm(&s, p.id, getpid())->rec.serial;
	kvmw_snap_free(&s);
	su_check(serial != 0, "paced VM %s has serial %llu", p.id, su_ull(serial));

	/* C: joined, no threshold; A and B: thresholds, joined too */
	collector_start(cc, t0);
	kw_conf(&cc->s, &cc0);
	collector_start(ca, t0);
	collector_start(cb, t0);
	pacer_mode(&p, 0, PACE_SLOW);
	pacer_mode(&p, 1, PACE_FAST);
	pacer_start(&p);
	th_setup(&ca->s, TH_W_A);
	th_setup(&cb->s, TH_W_B);
	port_a = ca->s.portid;
	port_b = cb->s.portid;
	collector_run(ca);
	collector_run(cb);
	collector_run(cc);
	/* the first evaluation primes, the second may fire: below R here */
	sleep_s(3.0);
	{
		uint64_t o1 = pacer_outs(&p, 1);

		sleep_s(1.0);
		fast_rate = (double)(pacer_outs(&p, 1) - o1);
	}
	su_note("a FAST vCPU does %.0f OUTs/s (threshold %d/s, SLOW %d/s)",
		fast_rate, TH_RATE, 1000000 / PACE_SLOW_US);
	su_check(fast_rate >= 4 * TH_RATE,
		 "FAST is well above the threshold (%.0f >= %d)", fast_rate,
		 4 * TH_RATE);

	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		if (!strcmp(ph[i].name, "P7 fast")) {
			/* A goes: no more of its notifications */
			collector_stop(ca);
			nlr_close(&ca->s);
		}
		ph[i].start = su_now() - t0;
		o = pacer_outs(&p, 0);
		pacer_mode(&p, 0, ph[i].mode0);
		sleep_s(ph[i].secs);
		ph[i].outs0 = pacer_outs(&p, 0) - o;
		su_note("%s: %.1f..%.1f s, vCPU 0 did %llu OUTs", ph[i].name,
			ph[i].start, ph[i].start + ph[i].secs,
			su_ull(ph[i].outs0));
	}
	sleep_s(1.5);
	collector_stop(cb);
	collector_stop(cc);
	kw_conf(&cc->s, &cc1);

	/* A (W 1 s): every crossing of vCPU 0 until it closed, once each */
	n = th_notes(cc, port_a, 0, na, 8);
	su_eq("A: vCPU 0 notifications (P1, P3, P5; closed before P7)", n, 3);
	for (unsigned int i = 0; i < n && i < 3; i++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "A vcpu0 #%u", i + 1);
		check_te(na[i], tag, serial, p.id);
		check_in_phase(na[i], &ph[2 * i], tag);
		su_eq("  suppressed", na[i]->suppressed, 0);
	}
	/* B (W 9 s): P1; P3 within 9 s of it: suppressed; P5, P7 notified */
	n = th_notes(cc, port_b, 0, nb, 8);
	su_eq("B: vCPU 0 notifications (P1, P5, P7; P3 rate-limited)", n, 3);
	if (n == 3) {
		static const unsigned int at[] = { 0, 4, 6 };
		static const unsigned int sup[] = { 0, 1, 0 };

		for (unsigned int i = 0; i < 3; i++) {
			char tag[32];

			snprintf(tag, sizeof(tag), "B vcpu0 #%u", i + 1);
			check_te(nb[i], tag, serial, p.id);
			check_in_phase(nb[i], &ph[at[i]], tag);
			su_eq("  suppressed (crossings not notified before it)",
			      nb[i]->suppressed, sup[i]);
		}
		su_check(nb[1]->t - nb[0]->t >= TH_W_B / 1000.0,
			 "B: second notification %.1f s after the first (window %d ms)",
			 nb[1]->t - nb[0]->t, TH_W_B);
	}
	/* vCPU 1 stayed above: one crossing, one notification each */
	n = th_notes(cc, port_a, 1, nx, 8);
	su_eq("A: vCPU 1 (always above) notified once", n, 1);
	if (n)
		check_te(nx[0], "A vcpu1", serial, p.id);
	n = th_notes(cc, port_b, 1, nx, 8);
	su_eq("B: vCPU 1 (always above) notified once", n, 1);
	if (n)
		check_te(nx[0], "B vcpu1", serial, p.id);
	/* nothing else: no third socket, no other VM */
	n = 0;
	for (unsigned int i = 0; i < cc->n; i++)
		n += cc->notes[i].cmd == KVMW_NL_CMD_NOTIFY_THRESHOLD &&
		     ((cc->notes[i].portid != port_a &&
		       cc->notes[i].portid != port_b) ||
		      cc->notes[i].vm_serial != serial);
	su_eq("threshold notifications from elsewhere", n, 0);
	su_eq("C: lost or malformed", cc->lost + cc->malformed, 0);
	/* every member got the same ones: B saw all of C's */
	{
		unsigned int tc = 0, tb = 0;

		for (unsigned int i = 0; i < cc->n; i++)
			tc += cc->notes[i].cmd == KVMW_NL_CMD_NOTIFY_THRESHOLD;
		for (unsigned int i = 0; i < cb->n; i++)
			tb += cb->notes[i].cmd == KVMW_NL_CMD_NOTIFY_THRESHOLD;
		su_eq("B received every threshold notification C did", tb, tc);
		su_eq("C received A's and B's: 3 + 1 + 3 + 1", tc, 8);
	}
	su_check(kw_same_conf(&cc0, &cc1) && cc1.nr_th == 0 && cc1.enable == 0,
		 "C's own configuration untouched (no threshold, not enabled)");

	pacer_destroy(&p);
	nlr_close(&cb->s);
	nlr_close(&cc->s);
	su_counters(dev, &c1);
	su_eq("buffers back (threshold state freed with its sockets)",
	      c1.buffers, c0.buffers);
	su_eq("stats consumers back", c1.stats_consumers, c0.stats_consumers);
	free(ca);
	free(cb);
	free(cc);
	close(dev);
}

/*
 * Every SET_CONFIG with THRESHOLDS re-arms the evaluation: one socket that
 * re-sets its (empty) thresholds faster than once a second must not keep
 * another's from being evaluated.
 */
static void part_th_starve(void)
{
	struct collector *cd;
	struct nlr_sock noisy;
	struct kw_cfg empty = { .set_th = true };
	struct pacer p;
	const struct note *nd[8];
	double t0 = su_now(), fast_at, end;
	unsigned int n;

	cd = calloc(1, sizeof(*cd));
	if (!cd)
		su_die("out of memory");
	pacer_create(&p);
	pacer_mode(&p, 0, PACE_SLOW);
	pacer_mode(&p, 1, PACE_PAUSE);
	pacer_start(&p);
	collector_start(cd, t0);
	th_setup(&cd->s, 100);
	collector_run(cd);
	kw_open(&noisy);
	sleep_s(3.0);		/* primed, below */
	pacer_mode(&p, 0, PACE_FAST);
	fast_at = su_now() - t0;
	end = su_now() + 5.0;
	while (su_now() < end) {
		kw_set_ok(&noisy, &empty, "noisy");
		usleep(300000);
	}
	pthread_mutex_lock(&cd->lock);
	n = th_notes(cd, cd->s.portid, 0, nd, 8);
	su_check(n == 1 && nd[0]->t <= fast_at + 2.5,
		 "crossing at %.1f s notified within 2.5 s while another socket re-set its thresholds every 300 ms until %.1f s: %u notification(s), first at %.1f s",
		 fast_at, end - t0, n, n ? nd[0]->t : -1.0);
	pthread_mutex_unlock(&cd->lock);
	/* once the noise stops, evaluation resumes */
	sleep_s(2.5);
	collector_stop(cd);
	n = th_notes(cd, cd->s.portid, 0, nd, 8);
	su_note("with the noise stopped: %u notification(s) in all, first at %.1f s",
		n, n ? nd[0]->t : -1.0);
	pacer_destroy(&p);
	nlr_close(&noisy);
	nlr_close(&cd->s);
	free(cd);
}

/*
 * A threshold on a socket that did not enable statistics, while nobody
 * else has them enabled: the uapi asks for nothing more than the
 * threshold, so it must fire as well.
 */
static void part_th_noenable(void)
{
	struct collector *ce;
	struct kvmw_counters c;
	struct kw_cfg cfg = { 0 };
	struct pacer p;
	const struct note *ne[8];
	int dev = dev_open();
	double t0 = su_now(), fast_at;
	unsigned int n;

	ce = calloc(1, sizeof(*ce));
	if (!ce)
		su_die("out of memory");
	pacer_create(&p);
	pacer_mode(&p, 0, PACE_SLOW);
	pacer_mode(&p, 1, PACE_PAUSE);
	pacer_start(&p);
	collector_start(ce, t0);
	cfg.set_filter = cfg.set_th = true;
	cfg.filter = su_filter_pid(getpid(), false);
	cfg.nr_th = 1;
	cfg.th[0] = (struct kw_th){ su_isa(), su_code(SU_IO), TH_RATE };
	kw_set_ok(&ce->s, &cfg, "threshold, no ENABLE");
	collector_run(ce);
	su_counters(dev, &c);
	/* uapi: a socket with thresholds keeps the exit probes attached */
	su_eq("statistics consumers: the thresholds' own, nobody enabled them",
	      c.stats_consumers, 1);
	sleep_s(3.0);
	pacer_mode(&p, 0, PACE_FAST);
	fast_at = su_now() - t0;
	sleep_s(3.5);
	collector_stop(ce);
	n = th_notes(ce, ce->s.portid, 0, ne, 8);
	su_check(n == 1,
		 "a threshold without ENABLE: crossing at %.1f s, %u notification(s) (want 1; exits counted only while some consumer has KVMW_ENABLE_STATS)",
		 fast_at, n);
	pacer_destroy(&p);
	nlr_close(&ce->s);
	free(ce);
	close(dev);
}

/*
 * The burst cap: 5 sockets with 16 thresholds each on one vCPU cross
 * together, 80 crossings in one evaluation. At most KVMW_NL_NOTIFY_BURST
 * go out in it; "what the cap holds back is sent at the next
 * evaluation", a second later and still inside the fast phase: every
 * crossing is notified once, none is suppressed, no socket is starved.
 */
#define BURST_SOCKS	5

/*
 * Threshold notifications of the first evaluation that sent any before
 * @until: those received within 0.5 s of the first (evaluations are 1 s
 * apart).
 */
static unsigned int first_burst(const struct collector *cc, double until)
{
	double first = -1;
	unsigned int n = 0;

	for (unsigned int i = 0; i < cc->n; i++) {
		const struct note *e = &cc->notes[i];

		if (e->cmd != KVMW_NL_CMD_NOTIFY_THRESHOLD || e->t >= until)
			continue;
		if (first < 0)
			first = e->t;
		n += e->t < first + 0.5;
	}
	return n;
}

static void part_th_burst(void)
{
	struct nlr_sock s[BURST_SOCKS];
	struct collector *cc;
	struct kw_cfg cfg = { 0 };
	struct pacer p;
	double t0 = su_now(), at[2];
	unsigned int per[2][BURST_SOCKS] = { { 0 } }, total[2] = { 0 };
	unsigned int sup[2] = { 0 }, starved = 0;

	cc = calloc(1, sizeof(*cc));
	if (!cc)
		su_die("out of memory");
	pacer_create(&p);
	pacer_mode(&p, 0, PACE_SLOW);
	pacer_mode(&p, 1, PACE_PAUSE);
	pacer_start(&p);
	collector_start(cc, t0);
	collector_run(cc);
	cfg.set_filter = cfg.set_th = cfg.set_rl = true;
	cfg.filter = su_filter_pid(getpid(), false);
	cfg.rl = 100;
	cfg.nr_th = KVMW_NL_THRESHOLDS_MAX;
	for (unsigned int i = 0; i < cfg.nr_th; i++)
		cfg.th[i] = (struct kw_th){ su_isa(), su_code(SU_IO), TH_RATE };
	for (int i = 0; i < BURST_SOCKS; i++) {
		kw_open(&s[i]);
		cfg.set_enable = i == 0;
		cfg.enable = KVMW_ENABLE_STATS;
		kw_set_ok(&s[i], &cfg, "16 thresholds");
	}
	sleep_s(3.0);
	for (int k = 0; k < 2; k++) {
		at[k] = su_now() - t0;
		pacer_mode(&p, 0, PACE_FAST);
		sleep_s(3.0);
		pacer_mode(&p, 0, PACE_SLOW);
		sleep_s(3.0);
	}
	collector_stop(cc);
	for (unsigned int i = 0; i < cc->n; i++) {
		const struct note *n = &cc->notes[i];
		int k = n->t >= at[1] ? 1 : 0;

		if (n->cmd != KVMW_NL_CMD_NOTIFY_THRESHOLD)
			continue;
		total[k]++;
		sup[k] += n->suppressed;
		for (int j = 0; j < BURST_SOCKS; j++)
			per[k][j] += n->portid == s[j].portid;
	}
	for (int k = 0; k < 2; k++)
		su_note("crossing %d at %.1f s: %u notifications, SUPPRESSED summing to %u; per socket (oldest first) %u %u %u %u %u",
			k + 1, at[k], total[k], sup[k], per[k][0], per[k][1],
			per[k][2], per[k][3], per[k][4]);
	su_eq("crossing 1: every crossing notified once (64, then 16)",
	      total[0], BURST_SOCKS * KVMW_NL_THRESHOLDS_MAX);
	su_eq("crossing 2: the same", total[1],
	      BURST_SOCKS * KVMW_NL_THRESHOLDS_MAX);
	su_eq("nothing counted as suppressed (the cap delays, never drops)",
	      sup[0] + sup[1], 0);
	su_eq("crossing 1: the first evaluation sent KVMW_NL_NOTIFY_BURST",
	      first_burst(cc, at[1]), KVMW_NL_NOTIFY_BURST);
	for (int j = 0; j < BURST_SOCKS; j++)
		starved += !per[0][j] && !per[1][j];
	su_eq("sockets that never got a notification in two crossings",
	      starved, 0);
	pacer_destroy(&p);
	for (int i = 0; i < BURST_SOCKS; i++)
		nlr_close(&s[i]);
	nlr_close(&cc->s);
	free(cc);
}

int main(int argc, char **argv)
{
	const char *part = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	kw_resolve();
	if (!strcmp(part, "notify")) {
		part_notify();
	} else if (!strcmp(part, "thresholds")) {
		part_thresholds();
	} else if (!strcmp(part, "th-starve")) {
		part_th_starve();
	} else if (!strcmp(part, "th-noenable")) {
		part_th_noenable();
	} else if (!strcmp(part, "th-burst")) {
		part_th_burst();
	} else {
		fprintf(stderr, "usage: test_nl_notify notify|thresholds|th-starve|th-noenable|th-burst\n");
		return 2;
	}
	return su_done();
}
