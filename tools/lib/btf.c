// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel BTF reader and the checks of "kvmwatch check"; see btf.h.
 *
 * Multi-byte fields are read with memcpy(): a blob's sections need not be
 * aligned in memory, and nothing here casts blob bytes to structures.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf.h"
#include "util.h"

#define HDR_LEN		24		/* struct btf_header, version 1 */
#define TYPE_LEN	12		/* struct btf_type */
/* Far above any kernel's (vmlinux: ~6 MiB) and below size_t trouble. */
#define MAX_BLOB	(256U << 20)
/* The kernel's BTF_MAX_TYPE is 0xfffff; leave room for growth. */
#define MAX_TYPES	(1U << 24)
/* Pointers of the kernels kvmwatch supports (x86-64). */
#define PTR_SIZE	8

struct kvmw_btf {
	const struct kvmw_btf *base;
	unsigned char *data;		/* the whole blob, owned */
	const unsigned char *types;	/* type section */
	u32 types_len;
	const char *strs;		/* string section */
	u32 str_len;
	u32 start_id;			/* id of the first own type */
	u32 nr;				/* own types */
	u32 start_str;			/* offset of the first own string */
	u32 *off;			/* own type i at types + off[i] */
};

static u32 rd32(const unsigned char *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u16 rd16(const unsigned char *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__printf(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *const kind_names[] = {
	[KVMW_BTF_KIND_UNKN] = "UNKN",
	[KVMW_BTF_KIND_INT] = "INT",
	[KVMW_BTF_KIND_PTR] = "PTR",
	[KVMW_BTF_KIND_ARRAY] = "ARRAY",
	[KVMW_BTF_KIND_STRUCT] = "STRUCT",
	[KVMW_BTF_KIND_UNION] = "UNION",
	[KVMW_BTF_KIND_ENUM] = "ENUM",
	[KVMW_BTF_KIND_FWD] = "FWD",
	[KVMW_BTF_KIND_TYPEDEF] = "TYPEDEF",
	[KVMW_BTF_KIND_VOLATILE] = "VOLATILE",
	[KVMW_BTF_KIND_CONST] = "CONST",
	[KVMW_BTF_KIND_RESTRICT] = "RESTRICT",
	[KVMW_BTF_KIND_FUNC] = "FUNC",
	[KVMW_BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
	[KVMW_BTF_KIND_VAR] = "VAR",
	[KVMW_BTF_KIND_DATASEC] = "DATASEC",
	[KVMW_BTF_KIND_FLOAT] = "FLOAT",
	[KVMW_BTF_KIND_DECL_TAG] = "DECL_TAG",
	[KVMW_BTF_KIND_TYPE_TAG] = "TYPE_TAG",
	[KVMW_BTF_KIND_ENUM64] = "ENUM64",
};

const char *kvmw_btf_kind_name(u32 kind)
{
	return kind <= KVMW_BTF_KIND_MAX ? kind_names[kind] : "UNKN";
}

/* Bytes that follow struct btf_type for @kind with @vlen entries. */
static u32 extra_len(u32 kind, u32 vlen)
{
	switch (kind) {
	case KVMW_BTF_KIND_INT:		/* u32 encoding/offset/bits */
	case KVMW_BTF_KIND_VAR:		/* struct btf_var */
	case KVMW_BTF_KIND_DECL_TAG:	/* struct btf_decl_tag */
		return 4;
	case KVMW_BTF_KIND_ARRAY:	/* struct btf_array */
		return 12;
	case KVMW_BTF_KIND_STRUCT:	/* struct btf_member[vlen] */
	case KVMW_BTF_KIND_UNION:
	case KVMW_BTF_KIND_DATASEC:	/* struct btf_var_secinfo[vlen] */
	case KVMW_BTF_KIND_ENUM64:	/* struct btf_enum64[vlen] */
		return 12 * vlen;
	case KVMW_BTF_KIND_ENUM:	/* struct btf_enum[vlen] */
	case KVMW_BTF_KIND_FUNC_PROTO:	/* struct btf_param[vlen] */
		return 8 * vlen;
	default:			/* PTR, FWD, TYPEDEF, qualifiers, */
		return 0;		/* FUNC, FLOAT, TYPE_TAG */
	}
}

u32 kvmw_btf_start_id(const struct kvmw_btf *btf)
{
	return btf->start_id;
}

u32 kvmw_btf_end_id(const struct kvmw_btf *btf)
{
	return btf->start_id + btf->nr;
}

/* The string at @off (own or base), or NULL if out of range. */
static const char *str_at(const struct kvmw_btf *btf, u32 off)
{
	while (btf && off < btf->start_str)
		btf = btf->base;
	if (!btf || off - btf->start_str >= btf->str_len)
		return NULL;
	/* Terminated: the section's last byte is NUL (checked at parse). */
	return btf->strs + (off - btf->start_str);
}

/* Raw record of type @id and the BTF that holds it; NULL if none. */
static const unsigned char *raw_type(const struct kvmw_btf *btf, u32 id,
				     const struct kvmw_btf **owner)
{
	while (btf && id < btf->start_id)
		btf = btf->base;
	if (!btf || id == 0 || id - btf->start_id >= btf->nr)
		return NULL;
	if (owner)
		*owner = btf;
	return btf->types + btf->off[id - btf->start_id];
}

static bool type_ref_ok(const struct kvmw_btf *btf, u32 id)
{
	return id < kvmw_btf_end_id(btf);
}

/* Own type @id at @p (its record is inside the section): validate it. */
static int check_type(const struct kvmw_btf *btf, u32 id,
		      const unsigned char *p, char *err, size_t errlen)
{
	u32 info = rd32(p + 4), kind = (info >> 24) & 0x1f;
	u32 vlen = info & 0xffff, st = rd32(p + 8), i, stride;
	const char *kn = kvmw_btf_kind_name(kind);
	const unsigned char *x = p + TYPE_LEN;
	bool has_name = true, has_type = true;

	if (!str_at(btf, rd32(p)))
		return fail(err, errlen,
			    "type [%u] %s: name offset %u outside the string section",
			    id, kn, rd32(p));

	switch (kind) {
	case KVMW_BTF_KIND_INT: {
		u32 data = rd32(x), enc = (data >> 24) & 0xf;
		u32 off = (data >> 16) & 0xff, bits = data & 0xff;

		if (vlen)
			return fail(err, errlen, "type [%u] INT: vlen %u",
				    id, vlen);
		if (st != 1 && st != 2 && st != 4 && st != 8 && st != 16)
			return fail(err, errlen, "type [%u] INT: size %u",
				    id, st);
		if (bits > 128 || off + bits > st * 8)
			return fail(err, errlen,
				    "type [%u] INT: %u bits at bit %u do not fit %u bytes",
				    id, bits, off, st);
		if (enc & (enc - 1))
			return fail(err, errlen,
				    "type [%u] INT: encoding %#x has several bits",
				    id, enc);
		break;
	}
	case KVMW_BTF_KIND_PTR:
	case KVMW_BTF_KIND_TYPEDEF:
	case KVMW_BTF_KIND_VOLATILE:
	case KVMW_BTF_KIND_CONST:
	case KVMW_BTF_KIND_RESTRICT:
	case KVMW_BTF_KIND_FUNC:
	case KVMW_BTF_KIND_FUNC_PROTO:
	case KVMW_BTF_KIND_VAR:
	case KVMW_BTF_KIND_DECL_TAG:
	case KVMW_BTF_KIND_TYPE_TAG:
		if (!type_ref_ok(btf, st))
			return fail(err, errlen,
				    "type [%u] %s: refers to type %u, beyond the last (%u)",
				    id, kn, st, kvmw_btf_end_id(btf) - 1);
		break;
	case KVMW_BTF_KIND_ARRAY:
		if (!type_ref_ok(btf, rd32(x)) || !type_ref_ok(btf, rd32(x + 4)))
			return fail(err, errlen,
				    "type [%u] ARRAY: element %u or index %u beyond the last type (%u)",
				    id, rd32(x), rd32(x + 4),
				    kvmw_btf_end_id(btf) - 1);
		break;
	}

	/* Entries: name offset and/or type id at these places, if any. */
	switch (kind) {
	case KVMW_BTF_KIND_STRUCT:	/* name, type, offset */
	case KVMW_BTF_KIND_UNION:
		stride = 12;
		break;
	case KVMW_BTF_KIND_FUNC_PROTO:	/* name, type */
		stride = 8;
		break;
	case KVMW_BTF_KIND_ENUM:	/* name, value */
		stride = 8;
		has_type = false;
		break;
	case KVMW_BTF_KIND_ENUM64:	/* name, value low, value high */
		stride = 12;
		has_type = false;
		break;
	case KVMW_BTF_KIND_DATASEC:	/* type, offset, size */
		stride = 12;
		has_name = false;
		break;
	default:			/* no entries (FUNC: vlen = linkage) */
		return 0;
	}
	for (i = 0; i < vlen; i++) {
		const unsigned char *e = x + stride * i;
		u32 name = has_name ? rd32(e) : 0;
		u32 type = has_type ? rd32(e + (has_name ? 4 : 0)) : 0;

		if (!str_at(btf, name))
			return fail(err, errlen,
				    "type [%u] %s: entry %u: name offset %u outside the string section",
				    id, kn, i, name);
		if (!type_ref_ok(btf, type))
			return fail(err, errlen,
				    "type [%u] %s: entry %u: refers to type %u, beyond the last (%u)",
				    id, kn, i, type, kvmw_btf_end_id(btf) - 1);
	}
	return 0;
}

/* Takes ownership of @data (malloc()ed) whatever happens. */
static int parse_owned(unsigned char *data, size_t len,
		       const struct kvmw_btf *base, struct kvmw_btf **out,
		       char *err, size_t errlen)
{
	u32 hdr_len, type_off, type_len, str_off, str_len, pos, cap = 0;
	struct kvmw_btf *btf;
	u64 data_len;
	u16 magic;
	size_t i;
	int ret;

	*out = NULL;
	btf = calloc(1, sizeof(*btf));
	if (!btf) {
		free(data);
		return fail(err, errlen, "out of memory");
	}
	btf->data = data;
	btf->base = base;

	ret = -EINVAL;
	if (len < HDR_LEN) {
		fail(err, errlen, "%zu bytes, too short for a BTF header", len);
		goto out;
	}
	if (len > MAX_BLOB) {
		fail(err, errlen, "%zu bytes, larger than any kernel's BTF", len);
		goto out;
	}
	magic = rd16(data);
	if (magic == 0x9feb) {
		fail(err, errlen, "BTF of the other byte order");
		goto out;
	}
	if (magic != KVMW_BTF_MAGIC) {
		fail(err, errlen, "bad magic %#06x, not BTF", magic);
		goto out;
	}
	if (data[2] != KVMW_BTF_VERSION) {
		fail(err, errlen, "BTF version %u, only %u is known", data[2],
		     KVMW_BTF_VERSION);
		goto out;
	}
	hdr_len = rd32(data + 4);
	if (hdr_len < HDR_LEN || hdr_len > len) {
		fail(err, errlen, "header length %u outside [%u, %zu]",
		     hdr_len, HDR_LEN, len);
		goto out;
	}
	/* A longer header is from a newer format: only if it adds nothing. */
	for (i = HDR_LEN; i < hdr_len; i++) {
		if (data[i]) {
			fail(err, errlen,
			     "header of %u bytes has unknown non-zero fields",
			     hdr_len);
			goto out;
		}
	}
	type_off = rd32(data + 8);
	type_len = rd32(data + 12);
	str_off = rd32(data + 16);
	str_len = rd32(data + 20);
	data_len = len - hdr_len;
	if ((u64)type_off + type_len > data_len) {
		fail(err, errlen,
		     "type section [%u, +%u) beyond the %llu bytes after the header",
		     type_off, type_len, (unsigned long long)data_len);
		goto out;
	}
	if ((u64)str_off + str_len > data_len) {
		fail(err, errlen,
		     "string section [%u, +%u) beyond the %llu bytes after the header",
		     str_off, str_len, (unsigned long long)data_len);
		goto out;
	}
	if (type_off % 4 || type_len % 4) {
		fail(err, errlen, "type section [%u, +%u) not 4-byte aligned",
		     type_off, type_len);
		goto out;
	}
	if (type_len && str_len && type_off < str_off + str_len &&
	    str_off < type_off + type_len) {
		fail(err, errlen, "type and string sections overlap");
		goto out;
	}
	btf->types = data + hdr_len + type_off;
	btf->types_len = type_len;
	btf->strs = (const char *)data + hdr_len + str_off;
	btf->str_len = str_len;
	if (!base && (!str_len || btf->strs[0])) {
		fail(err, errlen, "string section does not start with \"\"");
		goto out;
	}
	if (str_len && btf->strs[str_len - 1]) {
		fail(err, errlen, "string section not NUL-terminated");
		goto out;
	}
	if (base) {
		u64 s = (u64)base->start_str + base->str_len;

		if (s + str_len > UINT32_MAX) {
			fail(err, errlen, "string offsets overflow 32 bits");
			goto out;
		}
		btf->start_str = (u32)s;
		btf->start_id = kvmw_btf_end_id(base);
	} else {
		btf->start_id = 1;
	}

	/* Pass 1: where each type starts; every record inside the section. */
	for (pos = 0; pos < type_len;) {
		u32 id = btf->start_id + btf->nr, info, kind, need;

		if (type_len - pos < TYPE_LEN) {
			fail(err, errlen,
			     "type [%u]: %u bytes left in the type section, a type needs %u",
			     id, type_len - pos, TYPE_LEN);
			goto out;
		}
		info = rd32(btf->types + pos + 4);
		kind = (info >> 24) & 0x1f;
		if (kind == KVMW_BTF_KIND_UNKN || kind > KVMW_BTF_KIND_MAX) {
			fail(err, errlen, "type [%u]: unknown kind %u", id, kind);
			goto out;
		}
		need = TYPE_LEN + extra_len(kind, info & 0xffff);
		if (type_len - pos < need) {
			fail(err, errlen,
			     "type [%u] %s with %u entries runs past the type section",
			     id, kvmw_btf_kind_name(kind), info & 0xffff);
			goto out;
		}
		if (btf->nr >= MAX_TYPES ||
		    (u64)btf->start_id + btf->nr + 1 > UINT32_MAX) {
			fail(err, errlen, "more than %u types", MAX_TYPES);
			goto out;
		}
		if (btf->nr == cap) {
			u32 *n;

			cap = cap ? cap * 2 : 1024;
			n = realloc(btf->off, cap * sizeof(*n));
			if (!n) {
				fail(err, errlen, "out of memory");
				ret = -ENOMEM;
				goto out;
			}
			btf->off = n;
		}
		btf->off[btf->nr++] = pos;
		pos += need;
	}

	/* Pass 2: names and type references, now that the last id is known. */
	for (i = 0; i < btf->nr; i++) {
		if (check_type(btf, btf->start_id + (u32)i,
			       btf->types + btf->off[i], err, errlen))
			goto out;
	}
	*out = btf;
	return 0;
out:
	kvmw_btf_free(btf);
	return ret;
}

int kvmw_btf_parse(const void *data, size_t len, const struct kvmw_btf *base,
		   struct kvmw_btf **btf, char *err, size_t errlen)
{
	unsigned char *copy = malloc(len ? len : 1);

	*btf = NULL;
	if (!copy)
		return fail(err, errlen, "out of memory");
	if (len)
		memcpy(copy, data, len);
	return parse_owned(copy, len, base, btf, err, errlen);
}

int kvmw_btf_load(const char *path, const struct kvmw_btf *base,
		  struct kvmw_btf **btf, char *err, size_t errlen)
{
	size_t len = 0, cap = 1 << 16;
	unsigned char *buf = NULL, *n;
	char msg[KVMW_BTF_ERR_LEN];
	int fd, e, ret;
	ssize_t r;

	*btf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	/* sysfs reports sizes it does not always honour: read to EOF. */
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > 2 * (size_t)MAX_BLOB) {
				snprintf(err, errlen,
					 "cannot read %s: larger than any kernel's BTF",
					 path);
				free(buf);
				close(fd);
				return -EFBIG;
			}
			n = realloc(buf, cap);
			if (!n) {
				snprintf(err, errlen, "cannot read %s: %s", path,
					 strerror(ENOMEM));
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = n;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			snprintf(err, errlen, "cannot read %s: %s", path,
				 strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += r;
	}
	close(fd);
	ret = parse_owned(buf, len, base, btf, msg, sizeof(msg));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, msg);
	return ret;
}

void kvmw_btf_free(struct kvmw_btf *btf)
{
	if (!btf)
		return;
	free(btf->off);
	free(btf->data);
	free(btf);
}

int kvmw_btf_type(const struct kvmw_btf *btf, u32 id, struct kvmw_btf_type *t)
{
	const struct kvmw_btf *owner;
	const unsigned char *p;
	u32 info;

	memset(t, 0, sizeof(*t));
	t->name = "";
	if (id == 0)
		return 0;	/* void */
	p = raw_type(btf, id, &owner);
	if (!p)
		return -1;
	info = rd32(p + 4);
	t->id = id;
	t->kind = (info >> 24) & 0x1f;
	t->vlen = info & 0xffff;
	t->kflag = info >> 31;
	t->name = str_at(owner, rd32(p));	/* validated at parse */
	switch (t->kind) {
	case KVMW_BTF_KIND_INT:
		t->size = rd32(p + 8);
		t->int_encoding = (rd32(p + 12) >> 24) & 0xf;
		t->int_offset = (rd32(p + 12) >> 16) & 0xff;
		t->int_bits = rd32(p + 12) & 0xff;
		break;
	case KVMW_BTF_KIND_STRUCT:
	case KVMW_BTF_KIND_UNION:
	case KVMW_BTF_KIND_ENUM:
	case KVMW_BTF_KIND_ENUM64:
	case KVMW_BTF_KIND_DATASEC:
	case KVMW_BTF_KIND_FLOAT:
		t->size = rd32(p + 8);
		break;
	case KVMW_BTF_KIND_ARRAY:
		t->type = rd32(p + 12);
		t->index_type = rd32(p + 16);
		t->nelems = rd32(p + 20);
		break;
	case KVMW_BTF_KIND_FWD:
		break;
	default:
		t->type = rd32(p + 8);
		break;
	}
	return 0;
}

int kvmw_btf_member(const struct kvmw_btf *btf, u32 id, u32 i,
		    struct kvmw_btf_member *m)
{
	const struct kvmw_btf *owner;
	const unsigned char *p = raw_type(btf, id, &owner), *e;
	u32 info, kind, off;

	if (!p)
		return -1;
	info = rd32(p + 4);
	kind = (info >> 24) & 0x1f;
	if ((kind != KVMW_BTF_KIND_STRUCT && kind != KVMW_BTF_KIND_UNION) ||
	    i >= (info & 0xffff))
		return -1;
	e = p + TYPE_LEN + 12 * i;
	m->name = str_at(owner, rd32(e));
	m->type = rd32(e + 4);
	off = rd32(e + 8);
	if (info >> 31) {	/* kind_flag: bitfield size in bits 31:24 */
		m->bit_offset = off & 0xffffff;
		m->bitfield_size = off >> 24;
	} else {
		m->bit_offset = off;
		m->bitfield_size = 0;
	}
	return 0;
}

int kvmw_btf_param(const struct kvmw_btf *btf, u32 id, u32 i,
		   struct kvmw_btf_param *p)
{
	const struct kvmw_btf *owner;
	const unsigned char *r = raw_type(btf, id, &owner), *e;
	u32 info;

	if (!r)
		return -1;
	info = rd32(r + 4);
	if (((info >> 24) & 0x1f) != KVMW_BTF_KIND_FUNC_PROTO ||
	    i >= (info & 0xffff))
		return -1;
	e = r + TYPE_LEN + 8 * i;
	p->name = str_at(owner, rd32(e));
	p->type = rd32(e + 4);
	return 0;
}

static u32 find_own(const struct kvmw_btf *btf, const char *name, u32 kind)
{
	u32 i;

	for (i = 0; i < btf->nr; i++) {
		const unsigned char *p = btf->types + btf->off[i];
		const char *s;

		if (((rd32(p + 4) >> 24) & 0x1f) != kind)
			continue;
		s = str_at(btf, rd32(p));
		if (s && !strcmp(s, name))
			return btf->start_id + i;
	}
	return 0;
}

u32 kvmw_btf_find(const struct kvmw_btf *btf, const char *name, u32 kind)
{
	u32 id;

	for (; btf; btf = btf->base) {
		id = find_own(btf, name, kind);
		if (id)
			return id;
	}
	return 0;
}

static bool is_modifier(u32 kind)
{
	return kind == KVMW_BTF_KIND_TYPEDEF ||
	       kind == KVMW_BTF_KIND_CONST ||
	       kind == KVMW_BTF_KIND_VOLATILE ||
	       kind == KVMW_BTF_KIND_RESTRICT ||
	       kind == KVMW_BTF_KIND_TYPE_TAG;
}

int kvmw_btf_resolve(const struct kvmw_btf *btf, u32 id, u32 *out)
{
	struct kvmw_btf_type t;
	int depth;

	for (depth = 0; depth <= KVMW_BTF_MAX_DEPTH; depth++) {
		if (kvmw_btf_type(btf, id, &t))
			return -1;
		if (!is_modifier(t.kind)) {
			*out = id;
			return 0;
		}
		id = t.type;
	}
	return -1;
}

static int size_of(const struct kvmw_btf *btf, u32 id, u64 *size, int depth)
{
	struct kvmw_btf_type t;
	u64 elem;

	if (depth > KVMW_BTF_MAX_DEPTH || kvmw_btf_resolve(btf, id, &id) ||
	    kvmw_btf_type(btf, id, &t))
		return -1;
	switch (t.kind) {
	case KVMW_BTF_KIND_INT:
	case KVMW_BTF_KIND_STRUCT:
	case KVMW_BTF_KIND_UNION:
	case KVMW_BTF_KIND_ENUM:
	case KVMW_BTF_KIND_ENUM64:
	case KVMW_BTF_KIND_FLOAT:
	case KVMW_BTF_KIND_DATASEC:
		*size = t.size;
		return 0;
	case KVMW_BTF_KIND_PTR:
		*size = PTR_SIZE;
		return 0;
	case KVMW_BTF_KIND_ARRAY:
		if (size_of(btf, t.type, &elem, depth + 1))
			return -1;
		/* Both factors are below 2^32: the product fits. */
		*size = elem * t.nelems;
		return 0;
	case KVMW_BTF_KIND_VAR:
		return size_of(btf, t.type, size, depth + 1);
	default:
		return -1;
	}
}

int kvmw_btf_size(const struct kvmw_btf *btf, u32 id, u64 *size)
{
	return size_of(btf, id, size, 0);
}

/* Bounded string building: overflow is remembered, never written. */
struct sbuf {
	char *buf;
	size_t len, pos;
	bool bad;	/* truncated, or the type could not be rendered */
	unsigned int steps;	/* put_type() calls, bounded */
};

/*
 * Rendering stops at the first problem: a full buffer bounds the work
 * (every function prototype prints something), and so does this.
 */
#define MAX_RENDER_STEPS	100000

static void sb_puts(struct sbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (sb->pos + n >= sb->len) {
		n = sb->pos < sb->len - 1 ? sb->len - 1 - sb->pos : 0;
		sb->bad = true;
	}
	memcpy(sb->buf + sb->pos, s, n);
	sb->pos += n;
	sb->buf[sb->pos] = '\0';
}

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __printf(2, 3);

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_puts(sb, tmp);
}

static char sb_last(const struct sbuf *sb)
{
	return sb->pos ? sb->buf[sb->pos - 1] : '\0';
}

/* "T *" but "T **": what C prints. */
static void sb_star(struct sbuf *sb)
{
	sb_puts(sb, sb_last(sb) == '*' ? "*" : " *");
}

static const char *tag_name(u32 kind, bool kflag)
{
	switch (kind) {
	case KVMW_BTF_KIND_UNION:
		return "union";
	case KVMW_BTF_KIND_ENUM:
	case KVMW_BTF_KIND_ENUM64:
		return "enum";
	case KVMW_BTF_KIND_FWD:
		return kflag ? "union" : "struct";	/* FWD: kflag = union */
	default:
		return "struct";
	}
}

static const char *qual_name(u32 kind)
{
	switch (kind) {
	case KVMW_BTF_KIND_CONST:
		return "const";
	case KVMW_BTF_KIND_VOLATILE:
		return "volatile";
	default:
		return "restrict";
	}
}

static void put_type(const struct kvmw_btf *btf, u32 id, struct sbuf *sb,
		     bool canon, bool top, int depth);

/* "(P1, P2)" of FUNC_PROTO @t. */
static void put_params(const struct kvmw_btf *btf,
		       const struct kvmw_btf_type *t, struct sbuf *sb,
		       bool canon, int depth)
{
	struct kvmw_btf_param p;
	u32 i;

	sb_puts(sb, "(");
	for (i = 0; i < t->vlen && !sb->bad; i++) {
		if (kvmw_btf_param(btf, t->id, i, &p))
			break;
		if (i)
			sb_puts(sb, ", ");
		if (p.type == 0 && i == t->vlen - 1)
			sb_puts(sb, "...");
		else
			put_type(btf, p.type, sb, canon, true, depth + 1);
	}
	if (!t->vlen)
		sb_puts(sb, "void");
	sb_puts(sb, ")");
}

/* Pointer target, type tags skipped; -1 on a bad id or loop. */
static int skip_tags(const struct kvmw_btf *btf, u32 id,
		     struct kvmw_btf_type *t)
{
	int depth;

	for (depth = 0; depth <= KVMW_BTF_MAX_DEPTH; depth++) {
		if (kvmw_btf_type(btf, id, t))
			return -1;
		if (t->kind != KVMW_BTF_KIND_TYPE_TAG)
			return 0;
		id = t->type;
	}
	return -1;
}

static void put_type(const struct kvmw_btf *btf, u32 id, struct sbuf *sb,
		     bool canon, bool top, int depth)
{
	struct kvmw_btf_type t, to;

	if (sb->bad)
		return;
	if (++sb->steps > MAX_RENDER_STEPS || depth > KVMW_BTF_MAX_DEPTH ||
	    kvmw_btf_type(btf, id, &t)) {
		sb->bad = true;
		sb_puts(sb, "?");
		return;
	}
	if (id == 0) {
		sb_puts(sb, "void");
		return;
	}
	switch (t.kind) {
	case KVMW_BTF_KIND_INT:
		if (!canon) {
			sb_puts(sb, t.name);
		} else if (t.size == 1 && ((t.int_encoding & KVMW_BTF_INT_BOOL) ||
					   !strcmp(t.name, "_Bool"))) {
			sb_puts(sb, "bool");
		} else {
			sb_printf(sb, "%c%u",
				  t.int_encoding & KVMW_BTF_INT_SIGNED ? 's' : 'u',
				  t.size * 8);
			if (t.int_offset || t.int_bits != t.size * 8)
				sb_printf(sb, ":%u@%u", t.int_bits,
					  t.int_offset);
		}
		break;
	case KVMW_BTF_KIND_FLOAT:
		if (canon)
			sb_printf(sb, "f%u", t.size * 8);
		else
			sb_puts(sb, t.name);
		break;
	case KVMW_BTF_KIND_STRUCT:
	case KVMW_BTF_KIND_UNION:
	case KVMW_BTF_KIND_ENUM:
	case KVMW_BTF_KIND_ENUM64:
	case KVMW_BTF_KIND_FWD:
		sb_puts(sb, tag_name(t.kind, t.kflag));
		sb_puts(sb, " ");
		sb_puts(sb, *t.name ? t.name : "(anon)");
		break;
	case KVMW_BTF_KIND_TYPEDEF:
		if (canon)
			put_type(btf, t.type, sb, canon, top, depth + 1);
		else
			sb_puts(sb, t.name);
		break;
	case KVMW_BTF_KIND_TYPE_TAG:
		put_type(btf, t.type, sb, canon, top, depth + 1);
		break;
	case KVMW_BTF_KIND_CONST:
	case KVMW_BTF_KIND_VOLATILE:
	case KVMW_BTF_KIND_RESTRICT:
		/*
		 * Canonical: a parameter's own qualifiers, and restrict
		 * anywhere, do not change a function's type.
		 */
		if (canon && (top || t.kind == KVMW_BTF_KIND_RESTRICT)) {
			put_type(btf, t.type, sb, canon, top, depth + 1);
			break;
		}
		if (skip_tags(btf, t.type, &to)) {
			sb->bad = true;
			sb_puts(sb, "?");
			break;
		}
		if (to.kind == KVMW_BTF_KIND_PTR) {	/* "T * const" */
			put_type(btf, t.type, sb, canon, false, depth + 1);
			sb_puts(sb, " ");
			sb_puts(sb, qual_name(t.kind));
		} else {				/* "const T" */
			sb_puts(sb, qual_name(t.kind));
			sb_puts(sb, " ");
			put_type(btf, t.type, sb, canon, false, depth + 1);
		}
		break;
	case KVMW_BTF_KIND_PTR:
		if (skip_tags(btf, t.type, &to)) {
			sb->bad = true;
			sb_puts(sb, "?");
			break;
		}
		if (to.kind == KVMW_BTF_KIND_FUNC_PROTO) {	/* "R (*)(P)" */
			put_type(btf, to.type, sb, canon, false, depth + 1);
			sb_puts(sb, " (*)");
			put_params(btf, &to, sb, canon, depth + 1);
			break;
		}
		put_type(btf, t.type, sb, canon, false, depth + 1);
		sb_star(sb);
		break;
	case KVMW_BTF_KIND_ARRAY:
		put_type(btf, t.type, sb, canon, false, depth + 1);
		sb_printf(sb, "[%u]", t.nelems);
		break;
	case KVMW_BTF_KIND_FUNC_PROTO:
		put_type(btf, t.type, sb, canon, false, depth + 1);
		sb_puts(sb, " ");
		put_params(btf, &t, sb, canon, depth + 1);
		break;
	default:	/* FUNC, VAR, DATASEC, DECL_TAG: by name */
		sb_puts(sb, *t.name ? t.name : "(anon)");
		break;
	}
}

static int render(const struct kvmw_btf *btf, u32 id, char *buf, size_t len,
		  bool canon)
{
	struct sbuf sb = { buf, len, 0, false, 0 };

	if (!len)
		return -1;
	buf[0] = '\0';
	put_type(btf, id, &sb, canon, true, 0);
	return sb.bad ? -1 : 0;
}

int kvmw_btf_render(const struct kvmw_btf *btf, u32 id, char *buf, size_t len)
{
	return render(btf, id, buf, len, false);
}

int kvmw_btf_canon(const struct kvmw_btf *btf, u32 id, char *buf, size_t len)
{
	return render(btf, id, buf, len, true);
}

/* Members looked at in one lookup: nested anonymous members fan out. */
#define MAX_MEMBER_STEPS	(1U << 20)

static int member_offset(const struct kvmw_btf *btf, u32 id,
			 const char *name, u32 *bit_offset, u32 *type,
			 u32 *bitfield_size, int depth, u32 *steps)
{
	struct kvmw_btf_member m;
	struct kvmw_btf_type t;
	u32 i, inner;

	if (depth > KVMW_BTF_MAX_DEPTH || kvmw_btf_resolve(btf, id, &id) ||
	    kvmw_btf_type(btf, id, &t) ||
	    (t.kind != KVMW_BTF_KIND_STRUCT && t.kind != KVMW_BTF_KIND_UNION))
		return -1;
	for (i = 0; i < t.vlen && !kvmw_btf_member(btf, id, i, &m); i++) {
		if (++*steps > MAX_MEMBER_STEPS)
			return -1;
		if (*m.name) {
			if (strcmp(m.name, name))
				continue;
			*bit_offset = m.bit_offset;
			*type = m.type;
			*bitfield_size = m.bitfield_size;
			return 0;
		}
		/* Anonymous struct or union: its members are ours. */
		if (!member_offset(btf, m.type, name, &inner, type,
				   bitfield_size, depth + 1, steps)) {
			*bit_offset = m.bit_offset + inner;
			return 0;
		}
	}
	return -1;
}

int kvmw_btf_member_offset(const struct kvmw_btf *btf, u32 id,
			   const char *name, u32 *bit_offset, u32 *type,
			   u32 *bitfield_size)
{
	u32 steps = 0;

	return member_offset(btf, id, name, bit_offset, type, bitfield_size, 0,
			     &steps);
}

/*
 * The checks. What kvmwatch assumes is hard-coded here, each with where
 * the module takes it from; change both together.
 */

struct expect_param {
	const char *c;		/* as module/probes.h spells it */
	const char *canon;	/* kvmw_btf_canon() of a matching type */
};

struct expect_proto {
	const char *tracepoint;
	unsigned int nr;	/* parameters after "void *data" */
	struct expect_param p[5];
};

/*
 * The probes of module/probes.h, without their first parameter (void
 * *data). kvm_entry: the prototype with "bool force_immediate_exit"
 * (module/compat.h), which every supported kernel has (6.1.149+, 6.9+).
 */
static const struct expect_proto expect_protos[] = {
	{ "kvm_exit", 2, {
		{ "struct kvm_vcpu *", "struct kvm_vcpu *" },
		{ "u32", "u32" } } },
	{ "kvm_entry", 2, {
		{ "struct kvm_vcpu *", "struct kvm_vcpu *" },
		{ "bool", "bool" } } },
	{ "kvm_msr", 4, {
		{ "unsigned int", "u32" },
		{ "u32", "u32" },
		{ "u64", "u64" },
		{ "bool", "bool" } } },
	{ "kvm_pio", 5, {
		{ "unsigned int", "u32" },
		{ "unsigned int", "u32" },
		{ "unsigned int", "u32" },
		{ "unsigned int", "u32" },
		{ "const void *", "const void *" } } },
	{ "kvm_mmio", 4, {
		{ "int", "s32" },
		{ "int", "s32" },
		{ "u64", "u64" },
		{ "void *", "void *" } } },
	{ "kvm_userspace_exit", 2, {
		{ "__u32", "u32" },
		{ "int", "s32" } } },
};

/*
 * Struct members the module reads. The VMCB layout is the hardware's
 * (AMD APM vol. 2, appendix B), compiled in from asm/svm.h by
 * module/decode.h: kvmw_decode_svm() reads control.exit_code,
 * control.exit_info_1 and save.rip.
 */
struct expect_member {
	const char *strct, *member;
	u32 offset;
	const char *canon;
};

static const struct expect_member expect_vmcb[] = {
	{ "vmcb_control_area", "exit_code", 0x70, "u32" },
	{ "vmcb_control_area", "exit_info_1", 0x78, "u64" },
	{ "vmcb", "control", 0x0, "struct vmcb_control_area" },
	{ "vmcb", "save", 0x400, "struct vmcb_save_area" },
	{ "vmcb_save_area", "rip", 0x178, "u64" },
};

const char *kvmw_check_status_name(enum kvmw_check_status s)
{
	switch (s) {
	case KVMW_CHECK_OK:
		return "ok";
	case KVMW_CHECK_MISMATCH:
		return "MISMATCH";
	default:
		return "unverifiable";
	}
}

static void add_check(struct kvmw_check_report *rep,
		      enum kvmw_check_status status, bool error,
		      const char *name, const char *fmt, ...) __printf(5, 6);

static void add_check(struct kvmw_check_report *rep,
		      enum kvmw_check_status status, bool error,
		      const char *name, const char *fmt, ...)
{
	struct kvmw_check *c;
	va_list ap;

	if (rep->n >= KVMW_CHECKS_MAX)
		return;		/* cannot happen: the tables are shorter */
	c = &rep->checks[rep->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->status = status;
	c->error = error && status == KVMW_CHECK_UNVERIFIABLE;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	rep->count[status]++;
	if (c->error)
		rep->errors++;
}

/* A BTF file of the check, or why there is none. */
struct source {
	const char *name;		/* "vmlinux", "kvm", "kvm_amd" */
	struct kvmw_btf *btf;
	bool error;
	char why[KVMW_BTF_ERR_LEN + 128];
};

static void set_why(struct source *s, const char *fmt, ...) __printf(2, 3);

/* Messages are cut to fit: a long --btf-dir may not fit whole. */
static void set_why(struct source *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static void load_source(struct source *s, const char *dir,
			const char *sys_module_dir, const struct source *base)
{
	char path[PATH_MAX], mod[PATH_MAX], err[KVMW_BTF_ERR_LEN];
	int ret;

	if (base && !base->btf) {
		set_why(s, "needs vmlinux's BTF: %s", base->why);
		s->error = base->error;
		return;
	}
	ret = snprintf(path, sizeof(path), "%s/%s", dir, s->name);
	if (ret < 0 || (size_t)ret >= sizeof(path)) {
		s->error = true;
		set_why(s, "BTF directory name too long");
		return;
	}
	ret = kvmw_btf_load(path, base ? base->btf : NULL, &s->btf, err,
			    sizeof(err));
	if (!ret)
		return;
	if (ret != -ENOENT) {
		s->error = true;
		set_why(s, "%s", err);
	} else if (!base) {
		set_why(s, "no %s: kernel without BTF (CONFIG_DEBUG_INFO_BTF)",
			path);
	} else if (!sys_module_dir) {
		set_why(s, "no %s: %s not loaded, or loaded without BTF", path,
			s->name);
	} else {
		ret = snprintf(mod, sizeof(mod), "%s/%s", sys_module_dir,
			       s->name);
		if (ret >= 0 && (size_t)ret < sizeof(mod) && access(mod, F_OK))
			set_why(s, "%s not loaded", s->name);
		else
			set_why(s, "%s is loaded but has no BTF (no %s; CONFIG_MODULE_ALLOW_BTF_MISMATCH drops the BTF of a module built against another vmlinux)",
				s->name, path);
	}
}

/* Has @btf (its own types) any btf_trace_* typedef? */
static bool has_trace_typedefs(const struct kvmw_btf *btf)
{
	static const char prefix[] = "btf_trace_";
	struct kvmw_btf_type t;
	u32 id;

	for (id = kvmw_btf_start_id(btf); id < kvmw_btf_end_id(btf); id++)
		if (!kvmw_btf_type(btf, id, &t) &&
		    t.kind == KVMW_BTF_KIND_TYPEDEF &&
		    !strncmp(t.name, prefix, sizeof(prefix) - 1))
			return true;
	return false;
}

static void expected_proto(const struct expect_proto *e, char *buf,
			   size_t len)
{
	struct sbuf sb = { buf, len, 0, false, 0 };
	unsigned int i;

	buf[0] = '\0';
	sb_puts(&sb, "(void *");
	for (i = 0; i < e->nr; i++) {
		sb_puts(&sb, ", ");
		sb_puts(&sb, e->p[i].c);
	}
	sb_puts(&sb, ")");
}

static void check_proto(struct kvmw_check_report *rep,
			const struct source *kvm, bool any_trace,
			const struct expect_proto *e)
{
	char name[KVMW_CHECK_NAME_LEN], tname[64], want[160], got[256];
	char canon[128], diff[KVMW_CHECK_DETAIL_LEN] = "";
	struct kvmw_btf_param p;
	struct kvmw_btf_type t;
	size_t dl = 0;
	u32 id, i, nr;

	snprintf(name, sizeof(name), "tracepoint %s", e->tracepoint);
	if (!kvm->btf) {
		add_check(rep, KVMW_CHECK_UNVERIFIABLE, kvm->error, name,
			  "%s", kvm->why);
		return;
	}
	expected_proto(e, want, sizeof(want));
	snprintf(tname, sizeof(tname), "btf_trace_%s", e->tracepoint);
	id = kvmw_btf_find(kvm->btf, tname, KVMW_BTF_KIND_TYPEDEF);
	if (!id) {
		if (any_trace)
			add_check(rep, KVMW_CHECK_MISMATCH, false, name,
				  "no %s in kvm's BTF: the tracepoint is gone or renamed; probe %s",
				  tname, want);
		else
			add_check(rep, KVMW_CHECK_UNVERIFIABLE, false, name,
				  "kvm's BTF has no btf_trace_* typedefs (kernel without CONFIG_BPF_EVENTS?)");
		return;
	}
	/* typedef void (*btf_trace_<call>)(void *__data, proto); */
	if (kvmw_btf_type(kvm->btf, id, &t) ||
	    kvmw_btf_resolve(kvm->btf, t.type, &id) ||
	    kvmw_btf_type(kvm->btf, id, &t) ||
	    t.kind != KVMW_BTF_KIND_PTR ||
	    kvmw_btf_resolve(kvm->btf, t.type, &id) ||
	    kvmw_btf_type(kvm->btf, id, &t) ||
	    t.kind != KVMW_BTF_KIND_FUNC_PROTO) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "%s is not a pointer to a function (broken BTF?)",
			  tname);
		return;
	}
	/* On failure a "?" marks what could not be rendered. */
	kvmw_btf_render(kvm->btf, id, got, sizeof(got));
	if (t.type != 0) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "returns a value: %s; probe void %s", got, want);
		return;
	}
	nr = t.vlen;
	if (!nr || kvmw_btf_param(kvm->btf, id, 0, &p) ||
	    kvmw_btf_canon(kvm->btf, p.type, canon, sizeof(canon)) ||
	    strcmp(canon, "void *")) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "first parameter is not the probe's void *data: %s",
			  got);
		return;
	}
	if (nr - 1 != e->nr) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "%u parameters after data, the probe takes %u: BTF %s, probe %s",
			  nr - 1, e->nr, got, want);
		return;
	}
	for (i = 1; i < nr; i++) {
		const struct expect_param *w = &e->p[i - 1];
		char r[128];
		int n;

		if (kvmw_btf_param(kvm->btf, id, i, &p))
			break;	/* cannot happen: i < vlen */
		if (p.type == 0)
			snprintf(canon, sizeof(canon), "...");
		else if (kvmw_btf_canon(kvm->btf, p.type, canon, sizeof(canon)))
			snprintf(canon, sizeof(canon), "(unresolvable)");
		if (!strcmp(canon, w->canon))
			continue;
		if (kvmw_btf_render(kvm->btf, p.type, r, sizeof(r)))
			snprintf(r, sizeof(r), "%s", canon);
		n = snprintf(diff + dl, sizeof(diff) - dl,
			     "%sparameter %u is %s (%s), the probe's %s (%s)",
			     dl ? "; " : "", i, r, canon, w->c, w->canon);
		if (n > 0)
			dl = (size_t)n < sizeof(diff) - dl ? dl + n :
			     sizeof(diff) - 1;
	}
	if (dl)
		add_check(rep, KVMW_CHECK_MISMATCH, false, name, "%s: BTF %s",
			  diff, got);
	else
		add_check(rep, KVMW_CHECK_OK, false, name, "%s", got);
}

/*
 * Member @m of struct @sname in @btf, at byte @want of type @want_canon.
 * @what names @btf in messages.
 */
static void check_member(struct kvmw_check_report *rep, const char *name,
			 const struct kvmw_btf *btf, const char *what,
			 const char *sname, const char *m, u32 want,
			 const char *want_canon, const char *want_from)
{
	char canon[128], r[128];
	u32 sid, bits, type, bf;

	sid = kvmw_btf_find(btf, sname, KVMW_BTF_KIND_STRUCT);
	if (!sid) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "no struct %s in %s's BTF", sname, what);
		return;
	}
	if (kvmw_btf_member_offset(btf, sid, m, &bits, &type, &bf)) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "struct %s has no member %s (%s's BTF)", sname, m,
			  what);
		return;
	}
	if (kvmw_btf_canon(btf, type, canon, sizeof(canon)))
		snprintf(canon, sizeof(canon), "(unresolvable)");
	if (kvmw_btf_render(btf, type, r, sizeof(r)))
		snprintf(r, sizeof(r), "%s", canon);
	if (bf || bits % 8) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "a bitfield or not byte aligned: bit %u, %u bits, %s",
			  bits, bf, r);
		return;
	}
	if (bits / 8 != want) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "at byte %#x (%u) in %s's BTF, %s %#x (%u)",
			  bits / 8, bits / 8, what, want_from, want, want);
		return;
	}
	if (strcmp(canon, want_canon)) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "at byte %#x, but of type %s (%s), expected %s",
			  want, r, canon, want_canon);
		return;
	}
	add_check(rep, KVMW_CHECK_OK, false, name, "at byte %#x (%u), %s", want,
		  want, r);
}

/* sizeof(struct kvm_vcpu) of the module's build, in kvm's BTF. */
static void check_vcpu_size(struct kvmw_check_report *rep,
			    const struct source *kvm,
			    const struct kvmw_check_module *mod)
{
	const char *name = "struct kvm_vcpu size";
	struct kvmw_btf_type t;
	u32 sid;

	if (!kvm->btf) {
		add_check(rep, KVMW_CHECK_UNVERIFIABLE, kvm->error, name, "%s",
			  kvm->why);
		return;
	}
	sid = kvmw_btf_find(kvm->btf, "kvm_vcpu", KVMW_BTF_KIND_STRUCT);
	if (!sid || kvmw_btf_type(kvm->btf, sid, &t)) {
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "no struct kvm_vcpu in kvm's BTF");
		return;
	}
	if (!mod->known)
		add_check(rep, KVMW_CHECK_UNVERIFIABLE, false, name,
			  "%u bytes in BTF; the module's is unknown: %s",
			  t.size, mod->why);
	else if (t.size != mod->kvm_vcpu_size)
		add_check(rep, KVMW_CHECK_MISMATCH, false, name,
			  "%u bytes in kvm's BTF, the module was compiled with %u",
			  t.size, mod->kvm_vcpu_size);
	else
		add_check(rep, KVMW_CHECK_OK, false, name, "%u bytes", t.size);
}

/* The first of @srcs whose BTF has struct @sname, or NULL. */
static const struct source *find_struct(const struct source *const *srcs,
					size_t n, const char *sname)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (srcs[i]->btf &&
		    kvmw_btf_find(srcs[i]->btf, sname, KVMW_BTF_KIND_STRUCT))
			return srcs[i];
	return NULL;
}

void kvmw_btf_check_dir(const char *btf_dir, const char *sys_module_dir,
			const struct kvmw_check_module *mod,
			struct kvmw_check_report *rep)
{
	struct source vmlinux = { .name = "vmlinux" };
	struct source kvm = { .name = "kvm" }, amd = { .name = "kvm_amd" };
	/* Where VMCB structures may be: kvm_amd's, kvm's, vmlinux's BTF. */
	const struct source *const vmcb_srcs[] = { &amd, &kvm, &vmlinux };
	const char *name;
	bool any_trace;
	size_t i;
	u32 sid;

	memset(rep, 0, sizeof(*rep));
	load_source(&vmlinux, btf_dir, sys_module_dir, NULL);
	load_source(&kvm, btf_dir, sys_module_dir, &vmlinux);
	load_source(&amd, btf_dir, sys_module_dir, &vmlinux);

	any_trace = kvm.btf && has_trace_typedefs(kvm.btf);
	for (i = 0; i < ARRAY_SIZE(expect_protos); i++)
		check_proto(rep, &kvm, any_trace, &expect_protos[i]);

	check_vcpu_size(rep, &kvm, mod);

	/* struct vcpu_svm { struct kvm_vcpu vcpu; struct vmcb *vmcb; ... */
	name = "vcpu_svm.vcpu";
	if (!amd.btf)
		add_check(rep, KVMW_CHECK_UNVERIFIABLE, amd.error, name, "%s",
			  amd.why);
	else
		check_member(rep, name, amd.btf, "kvm_amd", "vcpu_svm", "vcpu",
			     0, "struct kvm_vcpu", "kvmwatch expects");
	name = "vcpu_svm.vmcb";
	if (!amd.btf) {
		add_check(rep, KVMW_CHECK_UNVERIFIABLE, amd.error, name, "%s",
			  amd.why);
	} else if (!mod->known) {
		u32 bits, type, bf;

		sid = kvmw_btf_find(amd.btf, "vcpu_svm", KVMW_BTF_KIND_STRUCT);
		if (sid && !kvmw_btf_member_offset(amd.btf, sid, "vmcb", &bits,
						   &type, &bf))
			add_check(rep, KVMW_CHECK_UNVERIFIABLE, false, name,
				  "at byte %#x (%u) in BTF; the module's offset is unknown: %s",
				  bits / 8, bits / 8, mod->why);
		else
			add_check(rep, KVMW_CHECK_UNVERIFIABLE, false, name,
				  "the module's offset is unknown: %s",
				  mod->why);
	} else {
		check_member(rep, name, amd.btf, "kvm_amd", "vcpu_svm", "vmcb",
			     mod->svm_vmcb_offset, "struct vmcb *",
			     "the module was compiled with");
	}

	for (i = 0; i < ARRAY_SIZE(expect_vmcb); i++) {
		const struct expect_member *e = &expect_vmcb[i];
		const struct source *s;
		char n[KVMW_CHECK_NAME_LEN];

		snprintf(n, sizeof(n), "%s.%s", e->strct, e->member);
		s = find_struct(vmcb_srcs, ARRAY_SIZE(vmcb_srcs), e->strct);
		if (s)
			check_member(rep, n, s->btf, s->name, e->strct,
				     e->member, e->offset, e->canon,
				     "asm/svm.h has");
		else if (!amd.btf)
			add_check(rep, KVMW_CHECK_UNVERIFIABLE, amd.error, n,
				  "%s", amd.why);
		else
			add_check(rep, KVMW_CHECK_UNVERIFIABLE, false, n,
				  "struct %s is in no BTF", e->strct);
	}

	kvmw_btf_free(amd.btf);
	kvmw_btf_free(kvm.btf);
	kvmw_btf_free(vmlinux.btf);
}
