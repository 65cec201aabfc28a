/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny x86 emitter for 32-bit protected-mode guest code: only the
 * instructions the workloads need, one function each, named after the
 * instruction they emit, so generated programs read like assembly.
 */
#ifndef KVMW_ASM_H
#define KVMW_ASM_H

#include <stddef.h>
#include <stdint.h>

enum a_reg { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

/* Condition codes for a_jcc(). */
#define CC_B	0x2	/* unsigned below */
#define CC_E	0x4
#define CC_NE	0x5

struct a_buf {
	uint8_t *p;		/* host view of the code */
	uint32_t base;		/* guest address of p[0] */
	uint32_t len;
	uint32_t cap;
	int overflow;		/* set when an emit did not fit */
};

void a_init(struct a_buf *a, void *host, uint32_t guest_addr, uint32_t cap);
/* Guest address of the next instruction: a label. */
uint32_t a_here(const struct a_buf *a);

void a_mov_imm(struct a_buf *a, enum a_reg r, uint32_t imm);
void a_mov_load(struct a_buf *a, enum a_reg r, uint32_t addr);
void a_mov_store(struct a_buf *a, uint32_t addr, enum a_reg r);
void a_mov_store_ind(struct a_buf *a, enum a_reg base, enum a_reg src);
void a_mov_load_esp(struct a_buf *a, enum a_reg r, uint8_t disp);
void a_cmp_mem_reg(struct a_buf *a, uint32_t addr, enum a_reg r);
void a_cmp_mem_imm(struct a_buf *a, uint32_t addr, uint32_t imm);
void a_cmp_imm(struct a_buf *a, enum a_reg r, uint32_t imm);
void a_lock_inc_mem(struct a_buf *a, uint32_t addr);
void a_add_imm(struct a_buf *a, enum a_reg r, uint32_t imm);
void a_adc_imm(struct a_buf *a, enum a_reg r, uint32_t imm);
void a_or_imm(struct a_buf *a, enum a_reg r, uint32_t imm);
void a_xor(struct a_buf *a, enum a_reg dst, enum a_reg src);
void a_inc(struct a_buf *a, enum a_reg r);
void a_dec(struct a_buf *a, enum a_reg r);
void a_push(struct a_buf *a, enum a_reg r);
void a_push_imm(struct a_buf *a, uint32_t imm);
void a_pop(struct a_buf *a, enum a_reg r);
void a_add_esp(struct a_buf *a, int8_t imm);
void a_add_esp_mem(struct a_buf *a, uint8_t disp, int8_t imm);
void a_cmp_ind_imm(struct a_buf *a, enum a_reg base, uint32_t imm);

/* FS-relative (per-vCPU data page) accesses. */
void a_fs_inc(struct a_buf *a, uint32_t off);
void a_fs_inc_vec(struct a_buf *a, uint32_t off);	/* fs:[off+eax*4]++ */
void a_fs_load(struct a_buf *a, enum a_reg r, uint32_t off);
void a_fs_store(struct a_buf *a, uint32_t off, enum a_reg r);
void a_fs_cmp(struct a_buf *a, uint32_t off, enum a_reg r);
void a_fs_cmp_imm(struct a_buf *a, uint32_t off, uint32_t imm);
void a_fs_store_imm(struct a_buf *a, uint32_t off, uint32_t imm);

/* Jumps to a known (earlier) label, and forward jumps patched later. */
void a_jmp(struct a_buf *a, uint32_t target);
void a_jcc(struct a_buf *a, int cc, uint32_t target);
uint32_t a_jcc_fwd(struct a_buf *a, int cc);	/* returns a patch handle */
void a_patch(struct a_buf *a, uint32_t handle);	/* jump lands here */

void a_cpuid(struct a_buf *a);
void a_rdmsr(struct a_buf *a);
void a_wrmsr(struct a_buf *a);
void a_rdtsc(struct a_buf *a);
void a_hlt(struct a_buf *a);
void a_sti(struct a_buf *a);
void a_cli(struct a_buf *a);
void a_iret(struct a_buf *a);
void a_int(struct a_buf *a, uint8_t vec);
void a_call(struct a_buf *a, uint32_t target);
void a_ret(struct a_buf *a);
void a_out_dx_al(struct a_buf *a);
void a_out_dx_eax(struct a_buf *a);
void a_in_al_dx(struct a_buf *a);
void a_vmmcall(struct a_buf *a);
void a_vmcall(struct a_buf *a);

#endif /* KVMW_ASM_H */
