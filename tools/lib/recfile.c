// SPDX-License-Identifier: GPL-2.0
/*
 * The recording format of docs/record-format.md. The writer appends whole
 * sections with one write() each, so a recorder killed at any moment
 * leaves whole sections and at most one cut short at the end; the reader
 * accepts exactly that (with a warning) and rejects anything else that
 * does not add up.
 *
 * Nothing read from a file is trusted or assumed aligned: every field is
 * memcpy()'d out after the lengths around it were checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exit_reason.h"
#include "recfile.h"
#include "util.h"

_Static_assert(sizeof(struct kvmw_recf_file_hdr) == 16, "file header");
_Static_assert(sizeof(struct kvmw_recf_sect) == 16, "section header");
_Static_assert(sizeof(struct kvmw_recf_header) ==
	       KVMW_RECF_HEADER_SIZE_VER0, "header size");
_Static_assert(sizeof(struct kvmw_recf_reason) ==
	       KVMW_RECF_REASON_SIZE_VER0, "reason size");
_Static_assert(sizeof(struct kvmw_recf_vm) == KVMW_RECF_VM_SIZE_VER0,
	       "vm size");
_Static_assert(sizeof(struct kvmw_recf_cpu) == KVMW_RECF_CPU_SIZE_VER0,
	       "cpu size");
_Static_assert(sizeof(struct kvmw_recf_trailer) ==
	       KVMW_RECF_TRAILER_SIZE_VER0, "trailer size");
_Static_assert(sizeof(struct kvmw_ev) == 40, "ring record header");

/* An EVENTS section is written once it holds this much. */
#define CHUNK_CAP	(64U << 10)
#define CHUNK_HDR	(sizeof(struct kvmw_recf_sect) + \
			 sizeof(struct kvmw_recf_chunk))
#define EV_MIN		sizeof(struct kvmw_ev)

/* ---- writer ---- */

static int write_all(struct kvmw_recf_writer *w, const void *buf, size_t len)
{
	const char *p = buf;

	if (w->err)
		return w->err;
	while (len) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? -errno : -EIO;
			return w->err;
		}
		p += n;
		len -= (size_t)n;
		w->off += (u64)n;
	}
	return 0;
}

int kvmw_recw_init(struct kvmw_recf_writer *w, int fd)
{
	struct kvmw_recf_file_hdr h = {
		.version = KVMW_RECF_VERSION,
		.hdr_size = sizeof(h),
	};

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	memcpy(h.magic, KVMW_RECF_MAGIC, KVMW_RECF_MAGIC_LEN);
	return write_all(w, &h, sizeof(h));
}

int kvmw_recw_section(struct kvmw_recf_writer *w, u32 type,
		      const void *payload, size_t len)
{
	struct kvmw_recf_sect s = { .type = type };
	size_t padded = (len + 7) & ~(size_t)7;
	unsigned char *buf;
	int err;

	if (w->err)
		return w->err;
	/* One write() per section: a killed recorder cuts at most one. */
	buf = calloc(1, sizeof(s) + padded);
	if (!buf)
		return w->err = -ENOMEM;
	s.len = padded;
	memcpy(buf, &s, sizeof(s));
	if (len)
		memcpy(buf + sizeof(s), payload, len);
	err = write_all(w, buf, sizeof(s) + padded);
	free(buf);
	return err;
}

int kvmw_recw_header(struct kvmw_recf_writer *w,
		     const struct kvmw_recf_header *h)
{
	struct kvmw_recf_header copy = *h;

	copy.size = sizeof(copy);
	return kvmw_recw_section(w, KVMW_RECF_HEADER, &copy, sizeof(copy));
}

/* A table section: count, entry size, then the entries. */
static int write_table(struct kvmw_recf_writer *w, u32 type,
		       const void *entries, size_t n, size_t entry_size)
{
	struct kvmw_recf_table t = { .count = (u32)n,
				     .entry_size = (u32)entry_size };
	unsigned char *buf;
	int err;

	if (n > UINT32_MAX / entry_size)
		return w->err = -EINVAL;
	buf = malloc(sizeof(t) + n * entry_size);
	if (!buf)
		return w->err = -ENOMEM;
	memcpy(buf, &t, sizeof(t));
	if (n)
		memcpy(buf + sizeof(t), entries, n * entry_size);
	err = kvmw_recw_section(w, type, buf, sizeof(t) + n * entry_size);
	free(buf);
	return err;
}

int kvmw_recw_reasons(struct kvmw_recf_writer *w)
{
	static const u32 isas[] = { KVMW_ISA_VMX, KVMW_ISA_SVM };
	struct kvmw_recf_reason *t = NULL;
	size_t i, j, n = 0, cap = 0;
	int err;

	for (i = 0; i < ARRAY_SIZE(isas); i++) {
		const struct kvmw_exit_name *names;
		size_t nr = kvmw_exit_reasons(isas[i], &names);
		void *p = realloc(t, (cap = n + nr) * sizeof(*t));

		if (!p) {
			free(t);
			return w->err = -ENOMEM;
		}
		t = p;
		for (j = 0; j < nr; j++, n++) {
			memset(&t[n], 0, sizeof(t[n]));
			t[n].isa = isas[i];
			t[n].code = names[j].code;
			snprintf(t[n].name, sizeof(t[n].name), "%s",
				 names[j].name);
		}
	}
	err = write_table(w, KVMW_RECF_REASONS, t, n, sizeof(*t));
	free(t);
	return err;
}

int kvmw_recw_vms(struct kvmw_recf_writer *w, const struct kvmw_recf_vm *v,
		  size_t n)
{
	return write_table(w, KVMW_RECF_VMS, v, n, sizeof(*v));
}

int kvmw_recw_flush(struct kvmw_recf_writer *w)
{
	struct kvmw_recf_sect s = { .type = KVMW_RECF_EVENTS };
	struct kvmw_recf_chunk c = { .cpu = w->chunk_cpu, .nr = w->chunk_nr };
	int err;

	if (w->err)
		return w->err;
	if (!w->chunk_nr)
		return 0;
	s.len = w->chunk_len - sizeof(s);
	memcpy(w->chunk, &s, sizeof(s));
	memcpy(w->chunk + sizeof(s), &c, sizeof(c));
	err = write_all(w, w->chunk, w->chunk_len);
	if (!err)
		w->events += w->chunk_nr;
	w->chunk_len = CHUNK_HDR;
	w->chunk_nr = 0;
	return err;
}

int kvmw_recw_event(struct kvmw_recf_writer *w, unsigned int cpu,
		    const struct kvmw_ev *ev)
{
	u16 size = ev->size;
	int err;

	if (w->err)
		return w->err;
	if (size < EV_MIN || size % 8 || size > KVMW_EV_MAX_SIZE)
		return -EINVAL;
	if (!w->chunk) {
		w->chunk = malloc(CHUNK_CAP);
		if (!w->chunk)
			return w->err = -ENOMEM;
		w->chunk_cap = CHUNK_CAP;
		w->chunk_len = CHUNK_HDR;
	}
	if (w->chunk_nr && (cpu != w->chunk_cpu ||
			    w->chunk_len + size > w->chunk_cap)) {
		err = kvmw_recw_flush(w);
		if (err)
			return err;
	}
	w->chunk_cpu = cpu;
	memcpy(w->chunk + w->chunk_len, ev, size);
	w->chunk_len += size;
	w->chunk_nr++;
	return 0;
}

int kvmw_recw_trailer(struct kvmw_recf_writer *w,
		      const struct kvmw_recf_trailer *t,
		      const struct kvmw_recf_cpu *cpus, size_t n)
{
	struct kvmw_recf_trailer copy = *t;
	unsigned char *buf;
	size_t len;
	int err;

	err = kvmw_recw_flush(w);
	if (err)
		return err;
	if (n > KVMW_RECF_MAX_RINGS)
		return w->err = -EINVAL;
	copy.size = sizeof(copy);
	copy.nr_cpus = (u32)n;
	copy.cpu_size = sizeof(*cpus);
	copy.events = w->events;
	len = sizeof(copy) + n * sizeof(*cpus);
	buf = malloc(len);
	if (!buf)
		return w->err = -ENOMEM;
	memcpy(buf, &copy, sizeof(copy));
	if (n)
		memcpy(buf + sizeof(copy), cpus, n * sizeof(*cpus));
	err = kvmw_recw_section(w, KVMW_RECF_TRAILER, buf, len);
	free(buf);
	return err;
}

void kvmw_recw_free(struct kvmw_recf_writer *w)
{
	free(w->chunk);
	w->chunk = NULL;
	w->chunk_len = 0;
	w->chunk_cap = 0;
}

/* ---- reader ---- */

__printf(3, 4)
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copy a growable structure's known prefix; zero what the file lacks. */
static void copy_prefix(void *dst, size_t dst_size, const void *src,
			size_t src_size)
{
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
}

static void terminate(char *s, size_t size)
{
	s[size - 1] = '\0';
}

static int read_header(struct kvmw_recf *r, const unsigned char *p,
		       u64 len, size_t off, char *err, size_t errlen)
{
	struct kvmw_recf_header *h = &r->hdr;
	u32 size;

	if (len < sizeof(size))
		return fail(err, errlen, "header at byte %zu: empty", off);
	memcpy(&size, p, sizeof(size));
	if (size < KVMW_RECF_HEADER_SIZE_VER0 || size % 8 || size > len)
		return fail(err, errlen,
			    "header at byte %zu: size %u (want %u to %llu, a multiple of 8)",
			    off, size, KVMW_RECF_HEADER_SIZE_VER0,
			    (unsigned long long)len);
	copy_prefix(h, sizeof(*h), p, size);
	terminate(h->release, sizeof(h->release));
	terminate(h->vendor, sizeof(h->vendor));
	terminate(h->hostname, sizeof(h->hostname));
	terminate(h->tool_version, sizeof(h->tool_version));
	terminate(h->command, sizeof(h->command));
	terminate(h->filter.vm, sizeof(h->filter.vm));
	if (!h->nr_rings || h->nr_rings > KVMW_RECF_MAX_RINGS)
		return fail(err, errlen,
			    "header at byte %zu: %u rings (want 1 to %u)",
			    off, h->nr_rings, KVMW_RECF_MAX_RINGS);
	r->cpu_records = calloc(h->nr_rings, sizeof(*r->cpu_records));
	if (!r->cpu_records)
		return -ENOMEM;
	return 0;
}

/*
 * A table section: entries of at least @min bytes, copied by their known
 * prefix into a grown array of @size-byte elements. Returns the number of
 * entries appended, or -errno.
 */
static long read_table(const unsigned char *p, u64 len, size_t off,
		       size_t min, void **arr, size_t *nr, size_t size,
		       const char *what, char *err, size_t errlen)
{
	struct kvmw_recf_table t;
	unsigned char *out;
	u32 i;

	if (len < sizeof(t))
		return fail(err, errlen, "%s at byte %zu: empty", what, off);
	memcpy(&t, p, sizeof(t));
	if (t.entry_size < min || t.entry_size % 8)
		return fail(err, errlen,
			    "%s at byte %zu: entry size %u (want >= %zu, a multiple of 8)",
			    what, off, t.entry_size, min);
	if ((u64)t.count * t.entry_size != len - sizeof(t))
		return fail(err, errlen,
			    "%s at byte %zu: %u entries of %u bytes, but %llu bytes of entries",
			    what, off, t.count, t.entry_size,
			    (unsigned long long)(len - sizeof(t)));
	if (!t.count)
		return 0;
	out = realloc(*arr, (*nr + t.count) * size);
	if (!out)
		return -ENOMEM;
	*arr = out;
	for (i = 0; i < t.count; i++)
		copy_prefix(out + (*nr + i) * size, size,
			    p + sizeof(t) + (size_t)i * t.entry_size,
			    t.entry_size);
	*nr += t.count;
	return t.count;
}

static int read_reasons(struct kvmw_recf *r, const unsigned char *p, u64 len,
			size_t off, char *err, size_t errlen)
{
	size_t first = r->nr_reasons, i;
	long n;

	n = read_table(p, len, off, KVMW_RECF_REASON_SIZE_VER0,
		       (void **)&r->reasons, &r->nr_reasons,
		       sizeof(*r->reasons), "reasons", err, errlen);
	if (n < 0)
		return (int)n;
	for (i = first; i < r->nr_reasons; i++)
		terminate(r->reasons[i].name, sizeof(r->reasons[i].name));
	return 0;
}

static int read_vms(struct kvmw_recf *r, const unsigned char *p, u64 len,
		    size_t off, char *err, size_t errlen)
{
	size_t first = r->nr_vms, i;
	long n;

	n = read_table(p, len, off, KVMW_RECF_VM_SIZE_VER0,
		       (void **)&r->vms, &r->nr_vms, sizeof(*r->vms), "VMs",
		       err, errlen);
	if (n < 0)
		return (int)n;
	for (i = first; i < r->nr_vms; i++) {
		terminate(r->vms[i].id, sizeof(r->vms[i].id));
		terminate(r->vms[i].name, sizeof(r->vms[i].name));
	}
	return 0;
}

static int read_events(struct kvmw_recf *r, const unsigned char *p, u64 len,
		       size_t off, char *err, size_t errlen)
{
	struct kvmw_recf_chunk c;
	u64 pos = sizeof(c);
	u32 i;

	if (len < sizeof(c))
		return fail(err, errlen, "events at byte %zu: empty", off);
	memcpy(&c, p, sizeof(c));
	if (c.cpu >= r->hdr.nr_rings)
		return fail(err, errlen,
			    "events at byte %zu: CPU %u, but %u rings",
			    off, c.cpu, r->hdr.nr_rings);
	for (i = 0; i < c.nr; i++) {
		size_t at = off + sizeof(struct kvmw_recf_sect) + pos;
		struct kvmw_ev ev;

		if (len - pos < EV_MIN)
			return fail(err, errlen,
				    "events at byte %zu: record %u of %u at byte %zu runs past the section",
				    off, i, c.nr, at);
		memcpy(&ev, p + pos, sizeof(ev));
		if (ev.size < EV_MIN || ev.size % 8 ||
		    ev.size > KVMW_EV_MAX_SIZE)
			return fail(err, errlen,
				    "record at byte %zu: size %u (want %zu to %u, a multiple of 8)",
				    at, ev.size, EV_MIN, KVMW_EV_MAX_SIZE);
		if (ev.size > len - pos)
			return fail(err, errlen,
				    "record at byte %zu: its %u bytes run past the section",
				    at, ev.size);
		if (!r->nr_events || ev.time_ns < r->first_ns)
			r->first_ns = ev.time_ns;
		if (ev.time_ns > r->last_ns)
			r->last_ns = ev.time_ns;
		r->nr_events++;
		pos += ev.size;
	}
	if (pos != len)
		return fail(err, errlen,
			    "events at byte %zu: %llu bytes after its %u records",
			    off, (unsigned long long)(len - pos), c.nr);
	r->cpu_records[c.cpu] += c.nr;
	r->nr_chunks++;
	return 0;
}

static int read_trailer(struct kvmw_recf *r, const unsigned char *p, u64 len,
			size_t off, char *err, size_t errlen)
{
	struct kvmw_recf_trailer *t = &r->trailer;
	u32 size, i;

	if (len < sizeof(size))
		return fail(err, errlen, "trailer at byte %zu: empty", off);
	memcpy(&size, p, sizeof(size));
	if (size < KVMW_RECF_TRAILER_SIZE_VER0 || size % 8 || size > len)
		return fail(err, errlen,
			    "trailer at byte %zu: size %u (want %u to %llu, a multiple of 8)",
			    off, size, KVMW_RECF_TRAILER_SIZE_VER0,
			    (unsigned long long)len);
	copy_prefix(t, sizeof(*t), p, size);
	if (t->cpu_size < KVMW_RECF_CPU_SIZE_VER0 || t->cpu_size % 8)
		return fail(err, errlen,
			    "trailer at byte %zu: CPU entry size %u (want >= %u, a multiple of 8)",
			    off, t->cpu_size, KVMW_RECF_CPU_SIZE_VER0);
	if ((u64)t->nr_cpus * t->cpu_size != len - size)
		return fail(err, errlen,
			    "trailer at byte %zu: %u CPUs of %u bytes, but %llu bytes of entries",
			    off, t->nr_cpus, t->cpu_size,
			    (unsigned long long)(len - size));
	if (t->nr_cpus > r->hdr.nr_rings)
		return fail(err, errlen,
			    "trailer at byte %zu: %u CPUs, but %u rings", off,
			    t->nr_cpus, r->hdr.nr_rings);
	r->cpus = calloc(t->nr_cpus ? t->nr_cpus : 1, sizeof(*r->cpus));
	if (!r->cpus)
		return -ENOMEM;
	for (i = 0; i < t->nr_cpus; i++)
		copy_prefix(&r->cpus[i], sizeof(r->cpus[i]),
			    p + size + (size_t)i * t->cpu_size, t->cpu_size);
	r->nr_cpus = t->nr_cpus;
	r->has_trailer = true;
	return 0;
}

/* The trailer's counts against what the file holds. */
static int check_trailer(struct kvmw_recf *r, char *err, size_t errlen)
{
	bool *seen = calloc(r->hdr.nr_rings, sizeof(*seen));
	size_t i;
	int ret = 0;

	if (!seen)
		return -ENOMEM;
	for (i = 0; i < r->nr_cpus && !ret; i++) {
		const struct kvmw_recf_cpu *c = &r->cpus[i];

		if (c->cpu >= r->hdr.nr_rings || seen[c->cpu])
			ret = fail(err, errlen,
				   "trailer: CPU %u listed twice or out of range (%u rings)",
				   c->cpu, r->hdr.nr_rings);
		else if (c->received != r->cpu_records[c->cpu])
			ret = fail(err, errlen,
				   "trailer: CPU %u received %llu records, the file holds %llu",
				   c->cpu, (unsigned long long)c->received,
				   (unsigned long long)r->cpu_records[c->cpu]);
		else
			seen[c->cpu] = true;
	}
	for (i = 0; i < r->hdr.nr_rings && !ret; i++)
		if (!seen[i] && r->cpu_records[i])
			ret = fail(err, errlen,
				   "trailer: no entry for CPU %zu, which has %llu record%s",
				   i, (unsigned long long)r->cpu_records[i],
				   r->cpu_records[i] == 1 ? "" : "s");
	if (!ret && r->trailer.events != r->nr_events)
		ret = fail(err, errlen,
			   "trailer: %llu events, the file holds %llu",
			   (unsigned long long)r->trailer.events,
			   (unsigned long long)r->nr_events);
	free(seen);
	return ret;
}

static int read_file_hdr(struct kvmw_recf *r, char *err, size_t errlen)
{
	struct kvmw_recf_file_hdr h;
	size_t n = r->len < KVMW_RECF_MAGIC_LEN ? r->len : KVMW_RECF_MAGIC_LEN;

	if (memcmp(r->buf, KVMW_RECF_MAGIC, n))
		return fail(err, errlen,
			    "not a kvmwatch recording (bad magic)");
	if (r->len < sizeof(h))
		return fail(err, errlen, "truncated at byte %zu%s", r->len,
			    r->len ? "" : " (empty file)");
	memcpy(&h, r->buf, sizeof(h));
	if (h.version != KVMW_RECF_VERSION)
		return fail(err, errlen,
			    "unsupported version %u (this kvmwatch reads version %u)",
			    h.version, KVMW_RECF_VERSION);
	if (h.hdr_size < sizeof(h) || h.hdr_size % 8)
		return fail(err, errlen, "bad file header size %u",
			    h.hdr_size);
	if (h.hdr_size > r->len)
		return fail(err, errlen, "truncated at byte %zu", r->len);
	r->first = h.hdr_size;
	return 0;
}

static int read_section(struct kvmw_recf *r, u32 type, const unsigned char *p,
			u64 len, size_t off, char *err, size_t errlen)
{
	switch (type) {
	case KVMW_RECF_HEADER:
		return fail(err, errlen, "second header at byte %zu", off);
	case KVMW_RECF_REASONS:
		return read_reasons(r, p, len, off, err, errlen);
	case KVMW_RECF_VMS:
		return read_vms(r, p, len, off, err, errlen);
	case KVMW_RECF_EVENTS:
		return read_events(r, p, len, off, err, errlen);
	case KVMW_RECF_TRAILER:
		return read_trailer(r, p, len, off, err, errlen);
	}
	return 0;	/* a newer writer's section: skipped */
}

static int walk(struct kvmw_recf *r, char *err, size_t errlen)
{
	size_t off = r->first;
	int ret;

	while (off < r->len) {
		struct kvmw_recf_sect s;
		const unsigned char *p;
		bool first = off == r->first;

		if (r->has_trailer)
			return fail(err, errlen,
				    "data after the trailer at byte %zu", off);
		if (r->len - off < sizeof(s)) {
			if (first)
				return fail(err, errlen,
					    "truncated at byte %zu", r->len);
			r->truncated_at = off;
			break;
		}
		memcpy(&s, r->buf + off, sizeof(s));
		if (s.len % 8)
			return fail(err, errlen,
				    "section at byte %zu: length %llu is not a multiple of 8",
				    off, (unsigned long long)s.len);
		if (s.len > r->len - off - sizeof(s)) {
			if (first)
				return fail(err, errlen,
					    "truncated at byte %zu", r->len);
			r->truncated_at = off;
			break;
		}
		p = r->buf + off + sizeof(s);
		if (first && s.type != KVMW_RECF_HEADER)
			return fail(err, errlen,
				    "the first section (byte %zu) is of type %u, not the header",
				    off, s.type);
		if (first)
			ret = read_header(r, p, s.len, off, err, errlen);
		else
			ret = read_section(r, s.type, p, s.len, off, err,
					   errlen);
		if (ret)
			return ret;
		off += sizeof(s) + s.len;
	}
	if (off == r->first)
		return fail(err, errlen, "truncated at byte %zu (no header)",
			    r->len);
	r->end = r->truncated_at ? r->truncated_at : off;
	return 0;
}

int kvmw_recf_parse(struct kvmw_recf *r, const void *buf, size_t len,
		    char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (errlen)
		err[0] = '\0';
	r->buf = buf;
	r->len = len;
	if (len && !buf)
		return fail(err, errlen, "no data");
	ret = read_file_hdr(r, err, errlen);
	if (!ret)
		ret = walk(r, err, errlen);
	if (!ret && r->has_trailer)
		ret = check_trailer(r, err, errlen);
	if (ret) {
		if (ret == -ENOMEM && errlen)
			snprintf(err, errlen, "out of memory");
		kvmw_recf_close(r);
		return ret;
	}
	if (r->truncated_at)
		snprintf(r->warning, sizeof(r->warning),
			 "truncated at byte %zu: the section at byte %llu is incomplete and was ignored; no trailer: loss counts are unknown",
			 r->len, (unsigned long long)r->truncated_at);
	else if (!r->has_trailer)
		snprintf(r->warning, sizeof(r->warning),
			 "no trailer (the recorder did not finish): loss counts are unknown");
	return 0;
}

int kvmw_recf_open(struct kvmw_recf *r, const char *path, char *err,
		   size_t errlen)
{
	struct stat st;
	void *map = NULL;
	int fd, ret;

	memset(r, 0, sizeof(*r));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   fd, 0);
		if (map == MAP_FAILED) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return ret;
		}
	}
	close(fd);
	ret = kvmw_recf_parse(r, map, (size_t)st.st_size, err, errlen);
	if (ret) {
		if (map)
			munmap(map, (size_t)st.st_size);
		return ret;
	}
	r->map = map;
	r->map_len = (size_t)st.st_size;
	return 0;
}

void kvmw_recf_close(struct kvmw_recf *r)
{
	free(r->reasons);
	free(r->vms);
	free(r->cpus);
	free(r->cpu_records);
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

int kvmw_recf_events(const struct kvmw_recf *r, kvmw_recf_ev_fn fn,
		     void *arg)
{
	union {
		struct kvmw_ev ev;
		u64 words[KVMW_EV_MAX_SIZE / 8];
	} copy;
	size_t off = r->first;

	/* Every length below was checked by kvmw_recf_parse(). */
	while (off < r->end) {
		struct kvmw_recf_sect s;
		struct kvmw_recf_chunk c;
		size_t pos;
		u32 i;

		memcpy(&s, r->buf + off, sizeof(s));
		if (s.type == KVMW_RECF_EVENTS) {
			memcpy(&c, r->buf + off + sizeof(s), sizeof(c));
			pos = off + sizeof(s) + sizeof(c);
			for (i = 0; i < c.nr; i++) {
				struct kvmw_ev h;
				int ret;

				memcpy(&h, r->buf + pos, sizeof(h));
				memset(&copy, 0, sizeof(copy));
				memcpy(&copy, r->buf + pos, h.size);
				ret = fn(arg, c.cpu, &copy.ev);
				if (ret)
					return ret;
				pos += h.size;
			}
		}
		off += sizeof(s) + s.len;
	}
	return 0;
}

u64 kvmw_recf_duration_ns(const struct kvmw_recf *r)
{
	u64 end = r->has_trailer ? r->trailer.end_mono_ns : r->last_ns;

	return end > r->hdr.start_mono_ns ? end - r->hdr.start_mono_ns : 0;
}

const char *kvmw_recf_reason_name(const struct kvmw_recf *r, u32 isa,
				  u32 code)
{
	u32 basic = kvmw_exit_decode(isa, code).basic;
	size_t i;

	for (i = 0; i < r->nr_reasons; i++)
		if (r->reasons[i].isa == isa && r->reasons[i].code == basic &&
		    r->reasons[i].name[0])
			return r->reasons[i].name;
	return NULL;
}

void kvmw_recf_loss(const struct kvmw_recf *r, struct kvmw_recf_cpu *sum)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < r->nr_cpus; i++) {
		sum->produced += r->cpus[i].produced;
		sum->received += r->cpus[i].received;
		sum->missed += r->cpus[i].missed;
		sum->lost += r->cpus[i].lost;
		sum->torn += r->cpus[i].torn;
	}
}

/* ---- families, for headers ("trace -e" parses them: evfmt.h) ---- */

static const struct {
	const char *name;
	u64 bit;
} families[] = {
	{ "exit", KVMW_ENABLE_EXIT },
	{ "io", KVMW_ENABLE_IO },
	{ "halt", KVMW_ENABLE_HALT },
	{ "dirty", KVMW_ENABLE_DIRTY },
	{ "sched", KVMW_ENABLE_SCHED },
	{ "irq", KVMW_ENABLE_IRQ },
	{ "pf", KVMW_ENABLE_PF },
	{ "hcall", KVMW_ENABLE_HCALL },
	{ "vm", KVMW_ENABLE_VM },
	{ "stats", KVMW_ENABLE_STATS },
};

int kvmw_families_text(char *buf, size_t len, u64 f)
{
	size_t i;
	int total = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(families); i++) {
		int w;

		if (!(f & families[i].bit))
			continue;
		w = snprintf(buf + ((size_t)total < len ? (size_t)total : len),
			     (size_t)total < len ? len - (size_t)total : 0,
			     "%s%s", total ? "," : "", families[i].name);
		total += w;
	}
	return total;
}
