/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small reader of kernel BTF, without libbpf (the tool is linked
 * statically for a busybox initramfs), and the checks "kvmwatch check"
 * runs with it: KVM's private layout and tracepoint prototypes that the
 * module assumes, against the running kernel's BTF
 * (docs/design/exit-accounting.md 2.1, 2.3 and 4).
 *
 * Format: the kernel's include/uapi/linux/btf.h. A blob is a header, a
 * type section and a string section. Type ids start at 1 (0 is void).
 * Split BTF (a module's /sys/kernel/btf/<module>) continues the type ids
 * and string offsets of its base (/sys/kernel/btf/vmlinux): its first
 * type is the base's last + 1, and string offset base.str_len is its
 * first string.
 *
 * Every offset, length and type id of a blob is validated when it is
 * parsed, so nothing read later can leave the blob; type chains are
 * followed at most KVMW_BTF_MAX_DEPTH deep, so a loop is an error, never
 * a hang. A malformed blob is an error with a message, never a crash.
 */
#ifndef KVMW_BTF_H
#define KVMW_BTF_H

#include <stdbool.h>
#include <stddef.h>

#include "types.h"

#define KVMW_BTF_MAGIC		0xeb9f
#define KVMW_BTF_VERSION	1

/* Kinds, as BTF_KIND_* of include/uapi/linux/btf.h. */
enum {
	KVMW_BTF_KIND_UNKN = 0,
	KVMW_BTF_KIND_INT = 1,
	KVMW_BTF_KIND_PTR = 2,
	KVMW_BTF_KIND_ARRAY = 3,
	KVMW_BTF_KIND_STRUCT = 4,
	KVMW_BTF_KIND_UNION = 5,
	KVMW_BTF_KIND_ENUM = 6,
	KVMW_BTF_KIND_FWD = 7,
	KVMW_BTF_KIND_TYPEDEF = 8,
	KVMW_BTF_KIND_VOLATILE = 9,
	KVMW_BTF_KIND_CONST = 10,
	KVMW_BTF_KIND_RESTRICT = 11,
	KVMW_BTF_KIND_FUNC = 12,
	KVMW_BTF_KIND_FUNC_PROTO = 13,
	KVMW_BTF_KIND_VAR = 14,
	KVMW_BTF_KIND_DATASEC = 15,
	KVMW_BTF_KIND_FLOAT = 16,
	KVMW_BTF_KIND_DECL_TAG = 17,
	KVMW_BTF_KIND_TYPE_TAG = 18,
	KVMW_BTF_KIND_ENUM64 = 19,
	KVMW_BTF_KIND_MAX = 19,
};

/* INT encoding bits (BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL). */
#define KVMW_BTF_INT_SIGNED	(1U << 0)
#define KVMW_BTF_INT_CHAR	(1U << 1)
#define KVMW_BTF_INT_BOOL	(1U << 2)

/* Longest typedef/qualifier/pointer chain or nesting followed. */
#define KVMW_BTF_MAX_DEPTH	32

/* Room for any message this file writes into an err buffer. */
#define KVMW_BTF_ERR_LEN	256

struct kvmw_btf;

/* One type, decoded. Fields that do not apply to the kind are 0. */
struct kvmw_btf_type {
	u32 id;
	u32 kind;		/* KVMW_BTF_KIND_* */
	const char *name;	/* "" when anonymous */
	u32 vlen;		/* members, params, values, variables */
	bool kflag;
	/* INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT */
	u32 size;
	/*
	 * PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: the type
	 * referred to; FUNC: its FUNC_PROTO; FUNC_PROTO: the return type;
	 * VAR, DECL_TAG: the type; ARRAY: the element type.
	 */
	u32 type;
	u32 int_encoding;	/* INT: KVMW_BTF_INT_* */
	u32 int_offset;		/* INT: bit offset */
	u32 int_bits;		/* INT: number of bits */
	u32 index_type;		/* ARRAY */
	u32 nelems;		/* ARRAY */
};

struct kvmw_btf_member {
	const char *name;	/* "" for an anonymous struct or union */
	u32 type;
	u32 bit_offset;
	u32 bitfield_size;	/* 0 unless a bitfield */
};

struct kvmw_btf_param {
	const char *name;	/* "" in btf_trace_* prototypes */
	u32 type;		/* 0 for a trailing "..." */
};

/*
 * Parse a blob (copied; @data may go away). @base is NULL for vmlinux,
 * else the BTF this split BTF continues; it must outlive the result.
 * Returns 0, or -EINVAL with a message in @err (@errlen bytes, at most
 * KVMW_BTF_ERR_LEN are used).
 */
int kvmw_btf_parse(const void *data, size_t len, const struct kvmw_btf *base,
		   struct kvmw_btf **btf, char *err, size_t errlen);

/*
 * Read and parse a file such as /sys/kernel/btf/kvm. Returns 0, or a
 * negative errno: -ENOENT when the file does not exist, another errno
 * when it cannot be read, -EINVAL when it is not valid BTF; @err says
 * which, with the path.
 */
int kvmw_btf_load(const char *path, const struct kvmw_btf *base,
		  struct kvmw_btf **btf, char *err, size_t errlen);

void kvmw_btf_free(struct kvmw_btf *btf);

/* First id of this BTF's own types (1 unless split), and last id + 1. */
u32 kvmw_btf_start_id(const struct kvmw_btf *btf);
u32 kvmw_btf_end_id(const struct kvmw_btf *btf);

/* "INT", "STRUCT", ... or "UNKN". */
const char *kvmw_btf_kind_name(u32 kind);

/*
 * Decode type @id, its own or its base's. Id 0 decodes as void (kind
 * UNKN, size 0). Returns 0, or -1 if @id does not exist.
 */
int kvmw_btf_type(const struct kvmw_btf *btf, u32 id, struct kvmw_btf_type *t);

/* Member @i of a STRUCT or UNION; 0, or -1 if there is no such member. */
int kvmw_btf_member(const struct kvmw_btf *btf, u32 id, u32 i,
		    struct kvmw_btf_member *m);

/* Parameter @i of a FUNC_PROTO; 0, or -1 if there is no such parameter. */
int kvmw_btf_param(const struct kvmw_btf *btf, u32 id, u32 i,
		   struct kvmw_btf_param *p);

/*
 * Id of the type named @name of kind @kind (an exact name; for a struct
 * "task_struct", not "struct task_struct"). A split BTF's own types are
 * searched before its base's. 0 if there is none.
 */
u32 kvmw_btf_find(const struct kvmw_btf *btf, const char *name, u32 kind);

/*
 * Follow TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG from @id to the
 * first other type (0 for void). Returns 0, or -1 on a bad id or a chain
 * longer than KVMW_BTF_MAX_DEPTH (a loop).
 */
int kvmw_btf_resolve(const struct kvmw_btf *btf, u32 id, u32 *out);

/*
 * Size in bytes of an object of type @id (typedefs resolved, arrays
 * multiplied out, pointers 8). 0, or -1 for void, functions, bad ids or
 * loops.
 */
int kvmw_btf_size(const struct kvmw_btf *btf, u32 id, u64 *size);

/*
 * Type @id as C spells it, keeping typedef names: "struct kvm_vcpu *",
 * "u32", "bool", "unsigned int", "const void *", "__u64",
 * "void (*)(void *, u32)". Type tags are left out. Returns 0, or -1 on a
 * bad id, a loop or a truncated result (then @buf still holds a
 * terminated prefix).
 */
int kvmw_btf_render(const struct kvmw_btf *btf, u32 id, char *buf,
		    size_t len);

/*
 * Type @id in a canonical form, for comparing types whose spelling may
 * differ: typedefs resolved; integers by size and signedness ("u32" for
 * u32, __u32, unsigned int; "s32" for int; "bool" for a 1-byte BOOL or
 * _Bool); "struct NAME" for a STRUCT or its FWD; qualifiers kept except
 * at the top level (a parameter's own const does not change a function's
 * type): "const void *", "struct kvm_vcpu *". Same return as render.
 */
int kvmw_btf_canon(const struct kvmw_btf *btf, u32 id, char *buf,
		   size_t len);

/*
 * Member @name of struct or union @id (typedefs resolved), looked up as C
 * does, through anonymous struct and union members: its offset in bits
 * from the start of @id and its type. Returns 0, or -1 if @id is not a
 * struct or union or has no such member.
 */
int kvmw_btf_member_offset(const struct kvmw_btf *btf, u32 id,
			   const char *name, u32 *bit_offset, u32 *type,
			   u32 *bitfield_size);

/*
 * kvmwatch's assumptions, checked against the BTF in a directory laid
 * out like /sys/kernel/btf (vmlinux, kvm, kvm_amd).
 */
enum kvmw_check_status {
	KVMW_CHECK_OK,
	KVMW_CHECK_MISMATCH,
	KVMW_CHECK_UNVERIFIABLE,
	KVMW_CHECK_NR_STATUS,
};

#define KVMW_CHECK_NAME_LEN	48
#define KVMW_CHECK_DETAIL_LEN	512
#define KVMW_CHECKS_MAX		16

struct kvmw_check {
	char name[KVMW_CHECK_NAME_LEN];	/* "tracepoint kvm_exit", ... */
	enum kvmw_check_status status;
	/*
	 * Unverifiable because something failed (a malformed or unreadable
	 * BTF file), not because something is absent.
	 */
	bool error;
	char detail[KVMW_CHECK_DETAIL_LEN];
};

struct kvmw_check_report {
	unsigned int n;
	struct kvmw_check checks[KVMW_CHECKS_MAX];
	unsigned int count[KVMW_CHECK_NR_STATUS];
	unsigned int errors;
};

/* What the module reports about its build (struct kvmw_version). */
struct kvmw_check_module {
	bool known;		/* false: the values below are unknown */
	u32 svm_vmcb_offset;
	u32 kvm_vcpu_size;
	char why[160];		/* when !known: why ("cannot open ...") */
};

/* "ok", "MISMATCH", "unverifiable". */
const char *kvmw_check_status_name(enum kvmw_check_status s);

/*
 * Run every check against the BTF files in @btf_dir. @sys_module_dir
 * (/sys/module, or NULL) tells a module that is not loaded from one
 * loaded without BTF. Never fails: what cannot be checked is reported
 * unverifiable, with error set when a file was unreadable or malformed.
 */
void kvmw_btf_check_dir(const char *btf_dir, const char *sys_module_dir,
			const struct kvmw_check_module *mod,
			struct kvmw_check_report *rep);

#endif /* KVMW_BTF_H */
