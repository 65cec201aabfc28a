// SPDX-License-Identifier: GPL-2.0
/*
 * The BTF reader and the checks of "kvmwatch check" (tools/lib/btf.c), on
 * tiny BTF blobs built here: a base (vmlinux) with every kind, split
 * "kvm" and "kvm_amd" BTF on top of it, right and wrong; then malformed
 * blobs (each must be an error, never a crash) and, when the machine has
 * one, its own /sys/kernel/btf/vmlinux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf.h"
#include "tap.h"
#include "tests.h"

/* A BTF blob under construction: the type section as words, strings. */
struct bb {
	u32 w[1024];
	size_t nw;
	char s[2048];
	size_t ns;
	u32 str_base;	/* split: the base's string section length */
	u32 next_id;
};

static void bb_init(struct bb *b, const struct bb *base)
{
	memset(b, 0, sizeof(*b));
	if (base) {
		b->str_base = base->str_base + base->ns;
		b->next_id = base->next_id;
	} else {
		b->ns = 1;	/* "" at offset 0 */
		b->next_id = 1;
	}
}

static u32 bb_str(struct bb *b, const char *s)
{
	size_t n = strlen(s) + 1;
	u32 off = b->str_base + b->ns;

	if (!*s)
		return 0;	/* the base's "" */
	if (b->ns + n > sizeof(b->s))
		abort();
	memcpy(b->s + b->ns, s, n);
	b->ns += n;
	return off;
}

static void bb_w(struct bb *b, u32 w)
{
	if (b->nw >= ARRAY_SIZE(b->w))
		abort();
	b->w[b->nw++] = w;
}

static u32 bb_type(struct bb *b, const char *name, u32 kind, u32 vlen,
		   bool kflag, u32 size_or_type)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, (kflag ? 1U << 31 : 0) | kind << 24 | vlen);
	bb_w(b, size_or_type);
	return b->next_id++;
}

static u32 t_int(struct bb *b, const char *name, u32 size, u32 enc)
{
	u32 id = bb_type(b, name, KVMW_BTF_KIND_INT, 0, false, size);

	bb_w(b, enc << 24 | size * 8);
	return id;
}

static u32 t_ref(struct bb *b, u32 kind, const char *name, u32 type)
{
	return bb_type(b, name, kind, 0, false, type);
}

static void t_member(struct bb *b, const char *name, u32 type, u32 bits)
{
	bb_w(b, bb_str(b, name));
	bb_w(b, type);
	bb_w(b, bits);
}

/* FUNC_PROTO returning void with @n parameters, then a PTR to it. */
static u32 t_fnptr(struct bb *b, int n, ...)
{
	va_list ap;
	u32 proto;
	int i;

	proto = bb_type(b, "", KVMW_BTF_KIND_FUNC_PROTO, n, false, 0);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		bb_w(b, 0);
		bb_w(b, va_arg(ap, u32));
	}
	va_end(ap);
	return t_ref(b, KVMW_BTF_KIND_PTR, "", proto);
}

struct hdr {
	u16 magic;
	unsigned char version, flags;
	u32 hdr_len, type_off, type_len, str_off, str_len;
};

/* The blob: header, types, strings. Returns its length. */
static size_t bb_blob(const struct bb *b, unsigned char *out, size_t cap)
{
	struct hdr h = {
		.magic = KVMW_BTF_MAGIC, .version = 1, .hdr_len = 24,
		.type_off = 0, .type_len = b->nw * 4,
		.str_off = b->nw * 4, .str_len = b->ns,
	};
	size_t len = 24 + h.type_len + h.str_len;

	if (len > cap)
		abort();
	memcpy(out, &h, 24);
	memcpy(out + 24, b->w, h.type_len);
	memcpy(out + 24 + h.type_len, b->s, h.str_len);
	return len;
}

/* Base type ids, fixed by build_base(). */
enum {
	UINT = 1, INT, U32_, U32, ULL, U64_, U64, BOOL_, BOOL, KVM_VCPU,
	VOIDP, CONST_VOID, CONST_VOIDP, KVM_VCPUP, ARRAY, UNION, ENUM, FWD,
	VOLATILE, RESTRICT, PROTO, FUNC, VAR, DATASEC, FLOAT, DECL_TAG,
	TYPE_TAG, ENUM64, TASK, TAGGEDP, LOOP_A, LOOP_B, SELFP, NR_BASE
};

#define VCPU_SIZE	6552

static void build_base(struct bb *b)
{
	bb_init(b, NULL);
	t_int(b, "unsigned int", 4, 0);
	t_int(b, "int", 4, KVMW_BTF_INT_SIGNED);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "__u32", UINT);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "u32", U32_);
	t_int(b, "long long unsigned int", 8, 0);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "__u64", ULL);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "u64", U64_);
	t_int(b, "_Bool", 1, KVMW_BTF_INT_BOOL);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "bool", BOOL_);
	bb_type(b, "kvm_vcpu", KVMW_BTF_KIND_STRUCT, 1, false, VCPU_SIZE);
	t_member(b, "cpu", INT, 0);
	t_ref(b, KVMW_BTF_KIND_PTR, "", 0);
	t_ref(b, KVMW_BTF_KIND_CONST, "", 0);
	t_ref(b, KVMW_BTF_KIND_PTR, "", CONST_VOID);
	t_ref(b, KVMW_BTF_KIND_PTR, "", KVM_VCPU);
	/* One of every other kind, so a wrong record size shows. */
	bb_type(b, "", KVMW_BTF_KIND_ARRAY, 0, false, 0);
	bb_w(b, UINT);
	bb_w(b, INT);
	bb_w(b, 4);
	bb_type(b, "u", KVMW_BTF_KIND_UNION, 2, false, 4);
	t_member(b, "a", UINT, 0);
	t_member(b, "b", INT, 0);
	bb_type(b, "e", KVMW_BTF_KIND_ENUM, 2, false, 4);
	bb_w(b, bb_str(b, "E0"));
	bb_w(b, 0);
	bb_w(b, bb_str(b, "E1"));
	bb_w(b, 1);
	t_ref(b, KVMW_BTF_KIND_FWD, "fwd_s", 0);
	t_ref(b, KVMW_BTF_KIND_VOLATILE, "", UINT);
	t_ref(b, KVMW_BTF_KIND_RESTRICT, "", VOIDP);
	bb_type(b, "", KVMW_BTF_KIND_FUNC_PROTO, 2, false, INT);
	bb_w(b, bb_str(b, "fmt"));
	bb_w(b, CONST_VOIDP);
	bb_w(b, 0);		/* ... */
	bb_w(b, 0);
	bb_type(b, "f", KVMW_BTF_KIND_FUNC, 1, false, PROTO);
	bb_type(b, "v", KVMW_BTF_KIND_VAR, 0, false, UINT);
	bb_w(b, 1);
	bb_type(b, ".data", KVMW_BTF_KIND_DATASEC, 1, false, 4);
	bb_w(b, VAR);
	bb_w(b, 0);
	bb_w(b, 4);
	bb_type(b, "double", KVMW_BTF_KIND_FLOAT, 0, false, 8);
	bb_type(b, "tag", KVMW_BTF_KIND_DECL_TAG, 0, false, FUNC);
	bb_w(b, (u32)-1);
	t_ref(b, KVMW_BTF_KIND_TYPE_TAG, "user", UINT);
	bb_type(b, "e64", KVMW_BTF_KIND_ENUM64, 2, false, 8);
	bb_w(b, bb_str(b, "BIG"));
	bb_w(b, 0);
	bb_w(b, 1);
	bb_w(b, bb_str(b, "SMALL"));
	bb_w(b, 1);
	bb_w(b, 0);
	/* kind_flag: member offsets carry a bitfield size in bits 31:24. */
	bb_type(b, "task_struct", KVMW_BTF_KIND_STRUCT, 3, true, 16);
	t_member(b, "flags", UINT, 3U << 24 | 32);
	t_member(b, "", UNION, 64);
	t_member(b, "arr", ARRAY, 0);
	t_ref(b, KVMW_BTF_KIND_PTR, "", TYPE_TAG);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "loop_a", LOOP_B);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "loop_b", LOOP_A);
	t_ref(b, KVMW_BTF_KIND_PTR, "", SELFP);
}

/* What build_kvm() gets wrong. */
enum {
	KVM_GOOD = 0,
	KVM_WRONG = 1,		/* wrong types and counts; kvm_entry gone */
	KVM_NO_TRACE = 2,	/* no btf_trace_* at all */
	KVM_LOOP = 3,		/* btf_trace_kvm_exit is a typedef loop */
};

static void trace(struct bb *b, const char *tp, u32 type)
{
	char name[64];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, name, type);
}

static void build_kvm(struct bb *b, const struct bb *base, int how)
{
	bb_init(b, base);
	t_ref(b, KVMW_BTF_KIND_TYPEDEF, "gpa_t", U64);
	if (how == KVM_NO_TRACE)
		return;
	if (how == KVM_LOOP) {
		trace(b, "kvm_exit", LOOP_A);
		return;
	}
	if (how == KVM_GOOD) {
		trace(b, "kvm_exit", t_fnptr(b, 3, VOIDP, KVM_VCPUP, U32));
		trace(b, "kvm_entry", t_fnptr(b, 3, VOIDP, KVM_VCPUP, BOOL));
		/* unsigned int and u32 spelled in another way: same types */
		trace(b, "kvm_msr", t_fnptr(b, 5, VOIDP, UINT, U32_, U64, BOOL));
		trace(b, "kvm_pio", t_fnptr(b, 6, VOIDP, U32, UINT, UINT, UINT,
					    CONST_VOIDP));
		trace(b, "kvm_mmio", t_fnptr(b, 5, VOIDP, INT, INT, U64_,
					     VOIDP));
		trace(b, "kvm_userspace_exit", t_fnptr(b, 3, VOIDP, U32_, INT));
		return;
	}
	trace(b, "kvm_exit", t_fnptr(b, 3, VOIDP, KVM_VCPUP, U64));
	trace(b, "kvm_msr", t_fnptr(b, 4, VOIDP, UINT, U32, U64));
	trace(b, "kvm_pio", t_fnptr(b, 6, VOIDP, UINT, UINT, UINT, UINT,
				    VOIDP));
	trace(b, "kvm_mmio", t_fnptr(b, 4, KVM_VCPUP, INT, INT, U64));
	trace(b, "kvm_userspace_exit", INT);
}

#define VMCB_OFF	(VCPU_SIZE * 8)

static void build_amd(struct bb *b, const struct bb *base, u32 vmcb_bits,
		      u32 exit_code_bits)
{
	u32 ctrl, save, anon, vmcb, vmcbp;

	bb_init(b, base);
	ctrl = bb_type(b, "vmcb_control_area", KVMW_BTF_KIND_STRUCT, 2, false,
		       1024);
	t_member(b, "exit_code", U32, exit_code_bits);
	t_member(b, "exit_info_1", U64, 0x78 * 8);
	save = bb_type(b, "vmcb_save_area", KVMW_BTF_KIND_STRUCT, 1, false,
		       744);
	t_member(b, "rip", U64, 0x178 * 8);
	/* 6.12: struct vmcb { control; union { save; ... }; } */
	anon = bb_type(b, "", KVMW_BTF_KIND_UNION, 1, false, 744);
	t_member(b, "save", save, 0);
	vmcb = bb_type(b, "vmcb", KVMW_BTF_KIND_STRUCT, 2, false, 1768);
	t_member(b, "control", ctrl, 0);
	t_member(b, "", anon, 0x400 * 8);
	vmcbp = t_ref(b, KVMW_BTF_KIND_PTR, "", vmcb);
	bb_type(b, "vcpu_svm", KVMW_BTF_KIND_STRUCT, 2, false, 7248);
	t_member(b, "vcpu", KVM_VCPU, 0);
	t_member(b, "vmcb", vmcbp, vmcb_bits);
}

static unsigned char blob_base[8192], blob_split[8192], blob_tmp[8192];
static size_t len_base;

static struct kvmw_btf *parse(const void *data, size_t len,
			      const struct kvmw_btf *base, char *err)
{
	struct kvmw_btf *btf;

	err[0] = '\0';
	if (kvmw_btf_parse(data, len, base, &btf, err, KVMW_BTF_ERR_LEN))
		return NULL;
	return btf;
}

static void expect_render(const struct kvmw_btf *btf, u32 id,
			  const char *c, const char *canon)
{
	char buf[128];

	tap_ok(!kvmw_btf_render(btf, id, buf, sizeof(buf)), "render [%u]", id);
	tap_eq_str(buf, c, "[%u] renders as %s", id, c);
	tap_ok(!kvmw_btf_canon(btf, id, buf, sizeof(buf)), "canon [%u]", id);
	tap_eq_str(buf, canon, "[%u] canonical %s", id, canon);
}

static void test_base(const struct kvmw_btf *btf)
{
	struct kvmw_btf_member m;
	struct kvmw_btf_type t;
	u32 id, bits, type, bf;
	char buf[16];
	u64 size;

	tap_eq_u64(kvmw_btf_start_id(btf), 1, "base starts at id 1");
	tap_eq_u64(kvmw_btf_end_id(btf), NR_BASE, "base: every type indexed");
	tap_eq_u64(kvmw_btf_find(btf, "task_struct", KVMW_BTF_KIND_STRUCT),
		   TASK, "find struct task_struct after one of every kind");
	tap_eq_u64(kvmw_btf_find(btf, "v", KVMW_BTF_KIND_VAR), VAR,
		   "find VAR v");
	tap_eq_u64(kvmw_btf_find(btf, "e64", KVMW_BTF_KIND_ENUM64), ENUM64,
		   "find ENUM64 e64");
	tap_eq_u64(kvmw_btf_find(btf, "task_struct", KVMW_BTF_KIND_UNION), 0,
		   "the kind must match too");
	tap_eq_u64(kvmw_btf_find(btf, "nosuch", KVMW_BTF_KIND_STRUCT), 0,
		   "an unknown name: 0");
	tap_ok(!kvmw_btf_type(btf, FWD, &t) && t.kind == KVMW_BTF_KIND_FWD &&
	       !strcmp(t.name, "fwd_s"), "FWD fwd_s decoded");
	tap_ok(!kvmw_btf_type(btf, ARRAY, &t) && t.type == UINT &&
	       t.index_type == INT && t.nelems == 4, "ARRAY decoded");
	tap_ok(kvmw_btf_type(btf, NR_BASE, &t), "id past the last: error");

	tap_ok(!kvmw_btf_resolve(btf, U32, &id) && id == UINT,
	       "u32 -> __u32 -> unsigned int");
	tap_ok(kvmw_btf_resolve(btf, LOOP_A, &id), "typedef loop: error");
	tap_ok(!kvmw_btf_size(btf, ARRAY, &size) && size == 16,
	       "unsigned int[4]: 16 bytes");
	tap_ok(!kvmw_btf_size(btf, KVM_VCPUP, &size) && size == 8,
	       "pointer: 8 bytes");
	tap_ok(kvmw_btf_size(btf, LOOP_A, &size), "size of a loop: error");

	expect_render(btf, U32, "u32", "u32");
	expect_render(btf, U32_, "__u32", "u32");
	expect_render(btf, UINT, "unsigned int", "u32");
	expect_render(btf, INT, "int", "s32");
	expect_render(btf, U64, "u64", "u64");
	expect_render(btf, BOOL, "bool", "bool");
	expect_render(btf, VOIDP, "void *", "void *");
	expect_render(btf, CONST_VOIDP, "const void *", "const void *");
	expect_render(btf, KVM_VCPUP, "struct kvm_vcpu *", "struct kvm_vcpu *");
	expect_render(btf, ARRAY, "unsigned int[4]", "u32[4]");
	expect_render(btf, UNION, "union u", "union u");
	expect_render(btf, ENUM64, "enum e64", "enum e64");
	expect_render(btf, FWD, "struct fwd_s", "struct fwd_s");
	expect_render(btf, VOLATILE, "volatile unsigned int", "u32");
	expect_render(btf, RESTRICT, "void * restrict", "void *");
	expect_render(btf, PROTO, "int (const void *, ...)",
		      "s32 (const void *, ...)");
	expect_render(btf, FLOAT, "double", "f64");
	expect_render(btf, TAGGEDP, "unsigned int *", "u32 *");
	tap_ok(kvmw_btf_render(btf, LOOP_A, buf, sizeof(buf)) == 0,
	       "a typedef is rendered by name, loop or not");
	tap_ok(kvmw_btf_canon(btf, LOOP_A, buf, sizeof(buf)),
	       "canonical form of a typedef loop: error");
	tap_ok(kvmw_btf_render(btf, SELFP, buf, sizeof(buf)),
	       "pointer to itself: error");
	tap_ok(kvmw_btf_render(btf, KVM_VCPUP, buf, 8) && !strcmp(buf, "struct "),
	       "too small a buffer: error, terminated prefix");

	tap_ok(!kvmw_btf_member(btf, TASK, 0, &m) && m.bit_offset == 32 &&
	       m.bitfield_size == 3, "kind_flag member: offset and bitfield");
	tap_ok(!kvmw_btf_member_offset(btf, TASK, "b", &bits, &type, &bf) &&
	       bits == 64 && type == INT,
	       "member through an anonymous union");
	tap_ok(kvmw_btf_member_offset(btf, TASK, "nosuch", &bits, &type, &bf),
	       "no such member: error");
	tap_ok(kvmw_btf_member_offset(btf, UINT, "a", &bits, &type, &bf),
	       "member of a non-struct: error");
}

/* Run the checks on blobs written to a directory. */
static char dir[] = "/tmp/kvmwatch-btf.XXXXXX";
static char sysmod[sizeof(dir) + 16];

static void put(const char *name, const void *data, size_t len)
{
	char path[sizeof(dir) + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (!data)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static const struct kvmw_check *find_check(const struct kvmw_check_report *r,
					   const char *name)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->checks[i].name, name))
			return &r->checks[i];
	return NULL;
}

static bool expect_check(const struct kvmw_check_report *r, const char *name,
			 enum kvmw_check_status st, const char *needle)
{
	const struct kvmw_check *c = find_check(r, name);
	bool ok = c && c->status == st && (!needle || strstr(c->detail, needle));

	tap_ok(ok, "%s: %s%s%s", name, kvmw_check_status_name(st),
	       needle ? " mentioning " : "", needle ? needle : "");
	if (!ok && c)
		tap_diag("got %s: %s", kvmw_check_status_name(c->status),
			 c->detail);
	return ok;
}

static const char *const tracepoints[] = {
	"kvm_exit", "kvm_entry", "kvm_msr", "kvm_pio", "kvm_mmio",
	"kvm_userspace_exit",
};

static const char *const vmcb_checks[] = {
	"vmcb_control_area.exit_code", "vmcb_control_area.exit_info_1",
	"vmcb.control", "vmcb.save", "vmcb_save_area.rip",
};

static void put_kvm(const struct bb *base, int how)
{
	struct bb b;

	build_kvm(&b, base, how);
	put("kvm", blob_split, bb_blob(&b, blob_split, sizeof(blob_split)));
}

static void put_amd(const struct bb *base, u32 vmcb_bits, u32 exit_code_bits)
{
	struct bb b;

	build_amd(&b, base, vmcb_bits, exit_code_bits);
	put("kvm_amd", blob_split, bb_blob(&b, blob_split, sizeof(blob_split)));
}

static void test_checks(const struct bb *base)
{
	struct kvmw_check_module mod = {
		.known = true, .svm_vmcb_offset = VCPU_SIZE,
		.kvm_vcpu_size = VCPU_SIZE,
	};
	struct kvmw_check_report *r = calloc(1, sizeof(*r));
	char name[64];
	size_t i;

	if (!r || !mkdtemp(dir)) {
		perror("test_btf");
		exit(2);
	}
	snprintf(sysmod, sizeof(sysmod), "%s/module", dir);
	put("vmlinux", blob_base, len_base);
	put_kvm(base, KVM_GOOD);
	put_amd(base, VMCB_OFF, 0x70 * 8);

	kvmw_btf_check_dir(dir, NULL, &mod, r);
	tap_eq_u64(r->n, 14, "14 checks");
	tap_eq_u64(r->count[KVMW_CHECK_OK], 14, "all ok on matching BTF");
	for (i = 0; i < r->n; i++)
		if (r->checks[i].status != KVMW_CHECK_OK)
			tap_diag("%s: %s", r->checks[i].name,
				 r->checks[i].detail);
	expect_check(r, "tracepoint kvm_exit", KVMW_CHECK_OK,
		     "void (void *, struct kvm_vcpu *, u32)");
	expect_check(r, "tracepoint kvm_msr", KVMW_CHECK_OK,
		     "(void *, unsigned int, __u32, u64, bool)");
	expect_check(r, "vcpu_svm.vmcb", KVMW_CHECK_OK, "struct vmcb *");
	expect_check(r, "vmcb.save", KVMW_CHECK_OK, "0x400");

	/* The module compiled with another layout. */
	mod.svm_vmcb_offset = VCPU_SIZE + 8;
	mod.kvm_vcpu_size = VCPU_SIZE + 8;
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	tap_eq_u64(r->count[KVMW_CHECK_MISMATCH], 2,
		   "module built for another kvm_vcpu: 2 mismatches");
	expect_check(r, "vcpu_svm.vmcb", KVMW_CHECK_MISMATCH, "0x19a0 (6560)");
	expect_check(r, "struct kvm_vcpu size", KVMW_CHECK_MISMATCH, "6560");

	/* The module unknown: what needs its values is unverifiable. */
	mod.known = false;
	snprintf(mod.why, sizeof(mod.why), "cannot open /dev/kvmwatch");
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "vcpu_svm.vmcb", KVMW_CHECK_UNVERIFIABLE,
		     "cannot open /dev/kvmwatch");
	expect_check(r, "struct kvm_vcpu size", KVMW_CHECK_UNVERIFIABLE,
		     "6552 bytes in BTF");
	expect_check(r, "vcpu_svm.vcpu", KVMW_CHECK_OK, NULL);
	tap_eq_u64(r->errors, 0, "unknown module: not an error");
	mod.known = true;
	mod.svm_vmcb_offset = VCPU_SIZE;
	mod.kvm_vcpu_size = VCPU_SIZE;

	/* kvm_amd's layout changed. */
	put_amd(base, VMCB_OFF - 64, 0x74 * 8);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "vcpu_svm.vmcb", KVMW_CHECK_MISMATCH, "0x1990 (6544)");
	expect_check(r, "vmcb_control_area.exit_code", KVMW_CHECK_MISMATCH,
		     "0x74");
	expect_check(r, "vmcb_control_area.exit_info_1", KVMW_CHECK_OK, NULL);
	expect_check(r, "vcpu_svm.vcpu", KVMW_CHECK_OK, NULL);
	put_amd(base, VMCB_OFF, 0x70 * 8);

	/* Wrong prototypes. */
	put_kvm(base, KVM_WRONG);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "tracepoint kvm_exit", KVMW_CHECK_MISMATCH,
		     "parameter 2 is u64 (u64), the probe's u32 (u32)");
	expect_check(r, "tracepoint kvm_entry", KVMW_CHECK_MISMATCH,
		     "no btf_trace_kvm_entry");
	expect_check(r, "tracepoint kvm_msr", KVMW_CHECK_MISMATCH,
		     "3 parameters after data, the probe takes 4");
	expect_check(r, "tracepoint kvm_pio", KVMW_CHECK_MISMATCH,
		     "parameter 5 is void * (void *), the probe's const void *");
	expect_check(r, "tracepoint kvm_mmio", KVMW_CHECK_MISMATCH,
		     "first parameter");
	expect_check(r, "tracepoint kvm_userspace_exit", KVMW_CHECK_MISMATCH,
		     "not a pointer to a function");
	expect_check(r, "struct kvm_vcpu size", KVMW_CHECK_OK, NULL);

	put_kvm(base, KVM_NO_TRACE);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "tracepoint kvm_exit", KVMW_CHECK_UNVERIFIABLE,
		     "CONFIG_BPF_EVENTS");

	put_kvm(base, KVM_LOOP);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "tracepoint kvm_exit", KVMW_CHECK_MISMATCH,
		     "not a pointer to a function");

	/* kvm_amd not loaded, or loaded without BTF. */
	put_kvm(base, KVM_GOOD);
	put("kvm_amd", NULL, 0);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "vcpu_svm.vmcb", KVMW_CHECK_UNVERIFIABLE,
		     "kvm_amd not loaded, or loaded without BTF");
	for (i = 0; i < ARRAY_SIZE(vmcb_checks); i++)
		expect_check(r, vmcb_checks[i], KVMW_CHECK_UNVERIFIABLE,
			     "kvm_amd");
	expect_check(r, "tracepoint kvm_pio", KVMW_CHECK_OK, NULL);
	tap_eq_u64(r->count[KVMW_CHECK_OK], 7, "kvm's 7 checks still ok");
	mkdir(sysmod, 0700);
	kvmw_btf_check_dir(dir, sysmod, &mod, r);
	expect_check(r, "vcpu_svm.vcpu", KVMW_CHECK_UNVERIFIABLE,
		     "kvm_amd not loaded");
	snprintf(name, sizeof(name), "%s/kvm_amd", sysmod);
	mkdir(name, 0700);
	kvmw_btf_check_dir(dir, sysmod, &mod, r);
	expect_check(r, "vcpu_svm.vcpu", KVMW_CHECK_UNVERIFIABLE,
		     "kvm_amd is loaded but has no BTF");
	tap_eq_u64(r->errors, 0, "absent BTF: not an error");
	rmdir(name);
	rmdir(sysmod);

	/* kvm without BTF; then kvm's BTF corrupt. */
	put("kvm", NULL, 0);
	put_amd(base, VMCB_OFF, 0x70 * 8);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	for (i = 0; i < ARRAY_SIZE(tracepoints); i++) {
		snprintf(name, sizeof(name), "tracepoint %s", tracepoints[i]);
		expect_check(r, name, KVMW_CHECK_UNVERIFIABLE,
			     "kvm not loaded, or loaded without BTF");
	}
	tap_eq_u64(r->count[KVMW_CHECK_OK], 7, "kvm_amd's 7 checks still ok");
	put("kvm", "\x9f\xeb\x01\x00", 4);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	expect_check(r, "tracepoint kvm_exit", KVMW_CHECK_UNVERIFIABLE,
		     "too short");
	tap_eq_u64(r->errors, 7, "corrupt kvm BTF: 7 errors");

	/* No vmlinux BTF: nothing can be checked. */
	put("vmlinux", NULL, 0);
	kvmw_btf_check_dir(dir, NULL, &mod, r);
	tap_eq_u64(r->count[KVMW_CHECK_UNVERIFIABLE], 14,
		   "no vmlinux BTF: all unverifiable");
	tap_eq_u64(r->errors, 0, "no vmlinux BTF: not an error");

	put("kvm", NULL, 0);
	put("kvm_amd", NULL, 0);
	rmdir(dir);
	free(r);
}

static void set_hdr(unsigned char *b, size_t field, u32 v)
{
	memcpy(b + field, &v, sizeof(v));
}

/* @blob (copied to blob_tmp, patched by the caller) must be rejected. */
static void expect_reject(size_t len, const struct kvmw_btf *base,
			  const char *needle, const char *what)
{
	struct kvmw_btf *btf;
	char err[KVMW_BTF_ERR_LEN];

	btf = parse(blob_tmp, len, base, err);
	tap_ok(!btf && strstr(err, needle), "%s: rejected (%s)", what, needle);
	if (btf || !strstr(err, needle))
		tap_diag("error: '%s'", err);
	kvmw_btf_free(btf);
}

/* Offsets in struct btf_header. */
enum {
	H_HDR_LEN = 4,
	H_TYPE_OFF = 8,
	H_TYPE_LEN = 12,
	H_STR_OFF = 16,
	H_STR_LEN = 20,
};

static void test_malformed(const struct bb *base, const struct kvmw_btf *bbtf)
{
	size_t len = len_base, split_len, n, bad = 0;
	u32 type_len, first_name;
	struct kvmw_btf *btf;
	char err[KVMW_BTF_ERR_LEN];
	struct bb b;

	memcpy(&type_len, blob_base + H_TYPE_LEN, 4);

#define FRESH()	memcpy(blob_tmp, blob_base, len)
	FRESH();
	blob_tmp[0] = 0;
	expect_reject(len, NULL, "bad magic", "bad magic");
	FRESH();
	blob_tmp[0] = 0xeb;
	blob_tmp[1] = 0x9f;
	expect_reject(len, NULL, "other byte order", "byte-swapped magic");
	FRESH();
	blob_tmp[2] = 2;
	expect_reject(len, NULL, "version 2", "unknown version");
	FRESH();
	set_hdr(blob_tmp, H_HDR_LEN, 8);
	expect_reject(len, NULL, "header length 8", "hdr_len too small");
	FRESH();
	set_hdr(blob_tmp, H_HDR_LEN, len + 1);
	expect_reject(len, NULL, "header length", "hdr_len beyond the file");
	FRESH();
	set_hdr(blob_tmp, H_HDR_LEN, 28);	/* a "newer" header... */
	expect_reject(len, NULL, "unknown non-zero", "hdr_len 28 with data");
	expect_reject(20, NULL, "too short", "shorter than a header");
	expect_reject(0, NULL, "too short", "empty");
	FRESH();
	set_hdr(blob_tmp, H_TYPE_LEN, type_len + 4096);
	expect_reject(len, NULL, "type section", "type section beyond file");
	FRESH();
	set_hdr(blob_tmp, H_TYPE_OFF, 0xfffffff0);
	expect_reject(len, NULL, "type section", "type_off + type_len wraps");
	FRESH();
	set_hdr(blob_tmp, H_STR_LEN, 0xffffff00);
	expect_reject(len, NULL, "string section", "string section beyond file");
	FRESH();
	set_hdr(blob_tmp, H_TYPE_OFF, 2);
	set_hdr(blob_tmp, H_TYPE_LEN, type_len - 4);
	expect_reject(len, NULL, "aligned", "misaligned type section");
	FRESH();
	set_hdr(blob_tmp, H_STR_OFF, type_len - 8);
	set_hdr(blob_tmp, H_STR_LEN, 16);
	expect_reject(len, NULL, "overlap", "sections overlap");
	FRESH();
	blob_tmp[24 + type_len] = 'x';
	expect_reject(len, NULL, "does not start", "first string not \"\"");
	FRESH();
	blob_tmp[len - 1] = 'x';
	expect_reject(len, NULL, "not NUL-terminated", "last string unterminated");
	FRESH();
	first_name = base->ns + 10;		/* name of type 1 */
	memcpy(blob_tmp + 24, &first_name, 4);
	expect_reject(len, NULL, "name offset", "name offset out of range");
	FRESH();
	blob_tmp[24 + 7] = 20;			/* kind of type 1 */
	expect_reject(len, NULL, "unknown kind 20", "unknown kind");
	FRESH();
	blob_tmp[24 + 7] = 0;
	expect_reject(len, NULL, "unknown kind 0", "kind 0");
	FRESH();
	blob_tmp[24 + 8] = 3;			/* INT size 3 */
	expect_reject(len, NULL, "INT: size 3", "INT of 3 bytes");

	/* Truncated anywhere: the header then claims more than there is. */
	for (n = 0; n < len; n++) {
		FRESH();
		btf = parse(blob_tmp, n, NULL, err);
		if (btf) {
			kvmw_btf_free(btf);
			bad++;
		}
	}
	tap_eq_u64(bad, 0, "every truncation of the base rejected");
	/* ... and the sections shrunk to match: records cut short. */
	FRESH();
	set_hdr(blob_tmp, H_TYPE_LEN, type_len - 4);
	set_hdr(blob_tmp, H_STR_OFF, type_len - 4);
	memmove(blob_tmp + 24 + type_len - 4, blob_base + 24 + type_len,
		base->ns);
	expect_reject(len - 4, NULL, "bytes left", "last record cut short");

	/* Split BTF: references and strings checked against base + own. */
	bb_init(&b, base);
	t_ref(&b, KVMW_BTF_KIND_PTR, "", NR_BASE + 1);
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	expect_reject(split_len, bbtf, "beyond the last", "split: PTR to id past the end");
	bb_init(&b, base);
	bb_type(&b, "s", KVMW_BTF_KIND_STRUCT, 1, false, 4);
	t_member(&b, "m", NR_BASE + 5, 0);
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	expect_reject(split_len, bbtf, "entry 0", "split: member type past the end");
	bb_init(&b, base);
	bb_w(&b, b.str_base + 100);		/* past the split's strings */
	bb_w(&b, KVMW_BTF_KIND_INT << 24);
	bb_w(&b, 4);
	bb_w(&b, 32);
	bb_str(&b, "x");
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	expect_reject(split_len, bbtf, "name offset", "split: string offset out of range");
	bb_init(&b, base);
	bb_type(&b, "s", KVMW_BTF_KIND_STRUCT, 3, false, 4);
	t_member(&b, "m", INT, 0);
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	expect_reject(split_len, bbtf, "runs past", "split: struct with missing members");
	bb_init(&b, base);
	t_ref(&b, KVMW_BTF_KIND_TYPEDEF, "own_loop", NR_BASE);
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	btf = parse(blob_tmp, split_len, bbtf, err);
	if (!tap_ok(!!btf, "split: a typedef to itself parses"))
		tap_diag("%s", err);
	if (btf) {
		u32 id;

		tap_ok(kvmw_btf_resolve(btf, NR_BASE, &id),
		       "split: resolving it is an error, not a hang");
		kvmw_btf_free(btf);
	}

	/* Loops that fan out: must end quickly, as errors. */
	bb_init(&b, base);
	t_ref(&b, KVMW_BTF_KIND_PTR, "", NR_BASE + 1);	/* NR_BASE */
	bb_type(&b, "", KVMW_BTF_KIND_FUNC_PROTO, 2, false, NR_BASE);
	bb_w(&b, 0);
	bb_w(&b, NR_BASE);
	bb_w(&b, 0);
	bb_w(&b, NR_BASE);
	bb_type(&b, "wide", KVMW_BTF_KIND_STRUCT, 200, false, 8);
	for (n = 0; n < 200; n++)		/* NR_BASE + 2, all anonymous */
		t_member(&b, "", NR_BASE + 2, 0);
	split_len = bb_blob(&b, blob_tmp, sizeof(blob_tmp));
	btf = parse(blob_tmp, split_len, bbtf, err);
	if (!tap_ok(!!btf, "split with fanning-out loops parses"))
		tap_diag("%s", err);
	if (btf) {
		char buf[256];
		u32 bits, type, bf;

		tap_ok(kvmw_btf_render(btf, NR_BASE, buf, sizeof(buf)),
		       "pointer to a prototype taking itself twice: error");
		tap_ok(kvmw_btf_canon(btf, NR_BASE + 1, buf, sizeof(buf)),
		       "that prototype, canonical: error");
		tap_ok(kvmw_btf_member_offset(btf, NR_BASE + 2, "x", &bits,
					      &type, &bf),
		       "struct of 200 anonymous copies of itself: not found");
		kvmw_btf_free(btf);
	}
#undef FRESH
}

/* Cheap deterministic PRNG (xorshift32). */
static u32 rnd_state = 0x6b766d77;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Everything the checks do to a BTF, on every type of it. */
static void walk(const struct kvmw_btf *btf)
{
	char buf[256];
	u32 id, out, bits, type, bf;
	u64 size;

	for (id = 0; id < kvmw_btf_end_id(btf) + 2; id++) {
		struct kvmw_btf_member m;
		struct kvmw_btf_param p;
		struct kvmw_btf_type t;

		kvmw_btf_type(btf, id, &t);
		kvmw_btf_member(btf, id, 0, &m);
		kvmw_btf_param(btf, id, 0, &p);
		kvmw_btf_resolve(btf, id, &out);
		kvmw_btf_size(btf, id, &size);
		kvmw_btf_render(btf, id, buf, sizeof(buf));
		kvmw_btf_canon(btf, id, buf, sizeof(buf));
		kvmw_btf_member_offset(btf, id, "b", &bits, &type, &bf);
	}
	kvmw_btf_find(btf, "task_struct", KVMW_BTF_KIND_STRUCT);
}

static void test_fuzz(const struct bb *base, const struct kvmw_btf *bbtf)
{
	unsigned int i, j, parsed = 0, split_parsed = 0;
	size_t split_len;
	struct kvmw_btf *btf;
	char err[KVMW_BTF_ERR_LEN];
	struct bb b;

	for (i = 0; i < 3000; i++) {
		memcpy(blob_tmp, blob_base, len_base);
		for (j = 0; j < 1 + rnd() % 4; j++)
			blob_tmp[rnd() % len_base] ^= 1U << (rnd() % 8);
		btf = parse(blob_tmp, len_base, NULL, err);
		if (btf) {
			parsed++;
			walk(btf);
			kvmw_btf_free(btf);
		}
	}
	build_amd(&b, base, VMCB_OFF, 0x70 * 8);
	split_len = bb_blob(&b, blob_split, sizeof(blob_split));
	for (i = 0; i < 3000; i++) {
		memcpy(blob_tmp, blob_split, split_len);
		for (j = 0; j < 1 + rnd() % 4; j++)
			blob_tmp[rnd() % split_len] ^= 1U << (rnd() % 8);
		btf = parse(blob_tmp, split_len, bbtf, err);
		if (btf) {
			split_parsed++;
			walk(btf);
			kvmw_btf_free(btf);
		}
	}
	/* Getting here is the test; the counts show both paths ran. */
	tap_ok(parsed > 0 && parsed < 3000,
	       "3000 mutated base blobs: %u parsed and walked, the rest rejected, no crash",
	       parsed);
	tap_ok(split_parsed > 0 && split_parsed < 3000,
	       "3000 mutated split blobs: %u parsed and walked, the rest rejected, no crash",
	       split_parsed);
}

static void test_host(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	char err[KVMW_BTF_ERR_LEN], buf[64];
	struct kvmw_btf *btf;
	u32 id, bits, type, bf;
	int ret;

	if (access(path, R_OK)) {
		tap_skip("no readable /sys/kernel/btf/vmlinux",
			 "host vmlinux BTF parses");
		return;
	}
	ret = kvmw_btf_load(path, NULL, &btf, err, sizeof(err));
	if (!tap_ok(!ret, "host vmlinux BTF parses")) {
		tap_diag("%s", err);
		return;
	}
	id = kvmw_btf_find(btf, "task_struct", KVMW_BTF_KIND_STRUCT);
	tap_ok(id != 0, "host BTF has struct task_struct");
	tap_ok(!kvmw_btf_member_offset(btf, id, "pid", &bits, &type, &bf) &&
	       !kvmw_btf_canon(btf, type, buf, sizeof(buf)) &&
	       !strcmp(buf, "s32"),
	       "host task_struct.pid is a 32-bit signed int (pid_t)");
	kvmw_btf_free(btf);
	ret = kvmw_btf_load("/nonexistent/btf", NULL, &btf, err, sizeof(err));
	tap_eq_u64(ret, (u64)-ENOENT, "a missing file: -ENOENT");
}

void test_btf(void)
{
	char err[KVMW_BTF_ERR_LEN];
	struct kvmw_btf *bbtf;
	struct bb base;

	build_base(&base);
	len_base = bb_blob(&base, blob_base, sizeof(blob_base));
	bbtf = parse(blob_base, len_base, NULL, err);
	if (!tap_ok(!!bbtf, "synthetic base BTF parses")) {
		tap_diag("%s", err);
		return;
	}
	test_base(bbtf);
	test_checks(&base);
	test_malformed(&base, bbtf);
	test_fuzz(&base, bbtf);
	kvmw_btf_free(bbtf);
	test_host();
}
