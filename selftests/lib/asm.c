// SPDX-License-Identifier: GPL-2.0
/*
 * x86 encodings for 32-bit code (default operand and address size 32).
 * ModRM "00 reg 101" is [disp32]; prefix 0x64 selects FS.
 */
#include <string.h>

#include "asm.h"

#define MODRM(mod, reg, rm)	(((mod) << 6) | ((reg) << 3) | (rm))
#define RM_DISP32		5
#define PFX_FS			0x64

void a_init(struct a_buf *a, void *host, uint32_t guest_addr, uint32_t cap)
{
	memset(a, 0, sizeof(*a));
	a->p = host;
	a->base = guest_addr;
	a->cap = cap;
}

uint32_t a_here(const struct a_buf *a)
{
	return a->base + a->len;
}

static void b(struct a_buf *a, uint8_t v)
{
	if (a->len >= a->cap) {
		a->overflow = 1;
		return;
	}
	a->p[a->len++] = v;
}

static void u32(struct a_buf *a, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b(a, v >> (8 * i));
}

/* op r/m32 with [disp32] operand, optional FS prefix */
static void mem_op(struct a_buf *a, int fs, uint8_t op, int reg, uint32_t addr)
{
	if (fs)
		b(a, PFX_FS);
	b(a, op);
	b(a, MODRM(0, reg, RM_DISP32));
	u32(a, addr);
}

void a_mov_imm(struct a_buf *a, enum a_reg r, uint32_t imm)
{
	b(a, 0xb8 + r);
	u32(a, imm);
}

void a_mov_load(struct a_buf *a, enum a_reg r, uint32_t addr)
{
	mem_op(a, 0, 0x8b, r, addr);
}

void a_mov_store(struct a_buf *a, uint32_t addr, enum a_reg r)
{
	mem_op(a, 0, 0x89, r, addr);
}

/* mov [base], src; base must not be ESP or EBP (they need SIB/disp) */
void a_mov_store_ind(struct a_buf *a, enum a_reg base, enum a_reg src)
{
	b(a, 0x89);
	b(a, MODRM(0, src, base));
}

/* mov r, [esp + disp8] */
void a_mov_load_esp(struct a_buf *a, enum a_reg r, uint8_t disp)
{
	b(a, 0x8b);
	b(a, MODRM(1, r, 4));
	b(a, 0x24);		/* SIB: base ESP, no index */
	b(a, disp);
}

void a_cmp_mem_reg(struct a_buf *a, uint32_t addr, enum a_reg r)
{
	mem_op(a, 0, 0x39, r, addr);
}

void a_cmp_mem_imm(struct a_buf *a, uint32_t addr, uint32_t imm)
{
	mem_op(a, 0, 0x81, 7, addr);
	u32(a, imm);
}

void a_cmp_imm(struct a_buf *a, enum a_reg r, uint32_t imm)
{
	b(a, 0x81);
	b(a, MODRM(3, 7, r));
	u32(a, imm);
}

void a_lock_inc_mem(struct a_buf *a, uint32_t addr)
{
	b(a, 0xf0);
	mem_op(a, 0, 0xff, 0, addr);
}

static void alu_imm(struct a_buf *a, int ext, enum a_reg r, uint32_t imm)
{
	b(a, 0x81);
	b(a, MODRM(3, ext, r));
	u32(a, imm);
}

void a_add_imm(struct a_buf *a, enum a_reg r, uint32_t imm)
{
	alu_imm(a, 0, r, imm);
}

void a_or_imm(struct a_buf *a, enum a_reg r, uint32_t imm)
{
	alu_imm(a, 1, r, imm);
}

void a_adc_imm(struct a_buf *a, enum a_reg r, uint32_t imm)
{
	alu_imm(a, 2, r, imm);
}

void a_xor(struct a_buf *a, enum a_reg dst, enum a_reg src)
{
	b(a, 0x31);
	b(a, MODRM(3, src, dst));
}

void a_inc(struct a_buf *a, enum a_reg r)
{
	b(a, 0x40 + r);
}

void a_dec(struct a_buf *a, enum a_reg r)
{
	b(a, 0x48 + r);
}

void a_push(struct a_buf *a, enum a_reg r)
{
	b(a, 0x50 + r);
}

void a_push_imm(struct a_buf *a, uint32_t imm)
{
	b(a, 0x68);
	u32(a, imm);
}

void a_pop(struct a_buf *a, enum a_reg r)
{
	b(a, 0x58 + r);
}

void a_add_esp(struct a_buf *a, int8_t imm)
{
	b(a, 0x83);
	b(a, MODRM(3, 0, ESP));
	b(a, (uint8_t)imm);
}

/* add dword [esp + disp8], imm8 */
void a_add_esp_mem(struct a_buf *a, uint8_t disp, int8_t imm)
{
	b(a, 0x83);
	b(a, MODRM(1, 0, 4));
	b(a, 0x24);
	b(a, disp);
	b(a, (uint8_t)imm);
}

/* cmp dword [base], imm32; base must not be ESP or EBP */
void a_cmp_ind_imm(struct a_buf *a, enum a_reg base, uint32_t imm)
{
	b(a, 0x81);
	b(a, MODRM(0, 7, base));
	u32(a, imm);
}

void a_fs_cmp_imm(struct a_buf *a, uint32_t off, uint32_t imm)
{
	mem_op(a, 1, 0x81, 7, off);
	u32(a, imm);
}

void a_fs_store_imm(struct a_buf *a, uint32_t off, uint32_t imm)
{
	mem_op(a, 1, 0xc7, 0, off);
	u32(a, imm);
}

void a_fs_inc(struct a_buf *a, uint32_t off)
{
	mem_op(a, 1, 0xff, 0, off);
}

/* inc dword fs:[off + eax*4] */
void a_fs_inc_vec(struct a_buf *a, uint32_t off)
{
	b(a, PFX_FS);
	b(a, 0xff);
	b(a, MODRM(0, 0, 4));
	b(a, 0x85);		/* SIB: scale 4, index EAX, base none */
	u32(a, off);
}

void a_fs_load(struct a_buf *a, enum a_reg r, uint32_t off)
{
	mem_op(a, 1, 0x8b, r, off);
}

void a_fs_store(struct a_buf *a, uint32_t off, enum a_reg r)
{
	mem_op(a, 1, 0x89, r, off);
}

void a_fs_cmp(struct a_buf *a, uint32_t off, enum a_reg r)
{
	mem_op(a, 1, 0x39, r, off);
}

void a_jmp(struct a_buf *a, uint32_t target)
{
	b(a, 0xe9);
	u32(a, target - (a_here(a) + 4));
}

void a_jcc(struct a_buf *a, int cc, uint32_t target)
{
	b(a, 0x0f);
	b(a, 0x80 + cc);
	u32(a, target - (a_here(a) + 4));
}

uint32_t a_jcc_fwd(struct a_buf *a, int cc)
{
	b(a, 0x0f);
	b(a, 0x80 + cc);
	u32(a, 0);
	return a->len;		/* the rel32 ends here */
}

void a_patch(struct a_buf *a, uint32_t handle)
{
	uint32_t rel = a->len - handle;

	if (handle < 4 || handle > a->cap)
		return;
	memcpy(a->p + handle - 4, &rel, 4);
}

void a_cpuid(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0xa2);
}

void a_rdmsr(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0x32);
}

void a_wrmsr(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0x30);
}

void a_rdtsc(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0x31);
}

void a_hlt(struct a_buf *a)
{
	b(a, 0xf4);
}

void a_sti(struct a_buf *a)
{
	b(a, 0xfb);
}

void a_cli(struct a_buf *a)
{
	b(a, 0xfa);
}

void a_iret(struct a_buf *a)
{
	b(a, 0xcf);
}

void a_int(struct a_buf *a, uint8_t vec)
{
	b(a, 0xcd);
	b(a, vec);
}

void a_call(struct a_buf *a, uint32_t target)
{
	b(a, 0xe8);
	u32(a, target - (a_here(a) + 4));
}

void a_ret(struct a_buf *a)
{
	b(a, 0xc3);
}

void a_out_dx_al(struct a_buf *a)
{
	b(a, 0xee);
}

void a_out_dx_eax(struct a_buf *a)
{
	b(a, 0xef);
}

void a_in_al_dx(struct a_buf *a)
{
	b(a, 0xec);
}

void a_vmmcall(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0x01);
	b(a, 0xd9);
}

void a_vmcall(struct a_buf *a)
{
	b(a, 0x0f);
	b(a, 0x01);
	b(a, 0xc1);
}
