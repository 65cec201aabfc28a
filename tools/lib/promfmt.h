/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics as Prometheus text exposition (format 0.0.4), for
 * "kvmwatch exporter": a pure function of a snapshot, the VMs' names and
 * the module's counters, so the unit tests compare its bytes. The metrics
 * are documented in docs/exporter.md.
 */
#ifndef KVMW_PROMFMT_H
#define KVMW_PROMFMT_H

#include <stdio.h>

#include <linux/kvmwatch.h>

#include "doctor.h"
#include "snapshot.h"
#include "types.h"

struct kvmw_prom_in {
	/* Cumulative (KVMW_SNAP_RAW) statistics; gone VMs are skipped. */
	const struct kvmw_snap *snap;
	/* One per VM of @snap, NULL for no name; or NULL for none at all. */
	const char *const *vm_names;
	/* KVMW_IOC_COUNTERS, or NULL to leave the module metrics out. */
	const struct kvmw_counters *counters;
	/* kvmwatch_scrape_duration_seconds; left out when negative. */
	double scrape_seconds;
	/*
	 * The kvmwatch_doctor_* families, or NULL to leave them out:
	 * findings of the statistics kinds over the last window
	 * (doctor->window_ns; 0 before the first window closed, with no
	 * findings) of @doctor_snap, with @doctor_names one per VM of it.
	 */
	const struct kvmw_findings *doctor;
	const struct kvmw_snap *doctor_snap;
	const char *const *doctor_names;
};

/* Write the exposition to @f. 0, or -1 if writing failed. */
int kvmw_prom_write(FILE *f, const struct kvmw_prom_in *in);

/* The Content-Type of the exposition, for HTTP. */
#define KVMW_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif /* KVMW_PROMFMT_H */
