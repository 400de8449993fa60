/* The kernel builder: GPU kernels defined once, in LLVM IR over a few SIMT primitives, and
 * lowered twice (nvptx64 PTX, and host x86-64 "twins" that run one block per call). */
#ifndef DLCC_CODEGEN_KERNEL_BUILDER_H
#define DLCC_CODEGEN_KERNEL_BUILDER_H

#include <llvm-c/Core.h>
#include <stdbool.h>
#include <stddef.h>

#include "dlrt/host_kernel.h"
#include "ir/diag.h"

typedef struct kernel_builder kernel_builder;
typedef struct kb_var kb_var;

typedef enum kb_target_kind { KB_TARGET_NVPTX, KB_TARGET_HOST } kb_target_kind;

typedef struct kb_target_options {
  kb_target_kind kind;
  const char *sm;       /* NVPTX: "sm_75".."sm_90"; NULL means "sm_80" */
  const char *host_cpu; /* host: NULL or "generic" for portable x86-64, "native" for this CPU */
  int opt_level;        /* 0..3; the LLVM pipeline default<On> (0 is treated as O0) */
  /* A kernel identical to an earlier one (same IR but for its name, same launch info) is
   * not emitted again: its name becomes an alias that kb_kernel_info_find resolves to the
   * earlier kernel, and kb_kernel_count/kb_kernel_info_at list distinct kernels only. */
  bool merge_identical;
  /* Host JIT (kb_jit_create): the kernels are split into this many parts, each optimized and
   * compiled to its own object in its own forked child, all at once. 0: one part per online
   * core (at most one per kernel; one for a module too small to gain from it). */
  int host_codegen_parts;
  /* Host: the checked lowering (docs/sanitizer.md). Every shared and global memory access of
   * the kernels, every barrier and every shuffle reports to dlrt_host_launch.sanitizer, and
   * the threads of each phase run in the order it gives. */
  bool sanitize;
  /* For the sanitizer's mutation tests only: the N-th kb_barrier (1-based) of every kernel
   * is dropped as if the kernel's author had forgotten it. 0: none. */
  int test_drop_barrier;
  /* The same for the N-th kb_fence of every kernel. 0: none. */
  int test_drop_fence;
} kb_target_options;

typedef enum kb_dim { KB_X = 0, KB_Y = 1, KB_Z = 2 } kb_dim;

/* Kernel parameter kinds. Pointers are global memory (addrspace 1 on NVPTX). */
typedef enum kb_param_kind { KB_PARAM_PTR, KB_PARAM_I32, KB_PARAM_I64, KB_PARAM_F32 } kb_param_kind;

typedef struct kb_param {
  const char *name;
  kb_param_kind kind;
} kb_param;

/* What the runtime needs to launch a kernel. */
typedef struct kb_kernel_info {
  const char *name;        /* the kernel (PTX entry) name */
  const char *host_symbol; /* host lowering: NAME__host, a dlrt_host_block_fn; else NULL */
  int param_count;
  const kb_param_kind *param_kinds;
  size_t shared_bytes;       /* static shared memory of one block */
  size_t host_scratch_bytes; /* dlrt_host_launch.scratch size (host lowering; 0 on NVPTX) */
  unsigned max_threads;      /* launch bound: threads per block must not exceed it */
  int barrier_count;         /* kb_barrier calls (the sanitizer's mutation tests drop each) */
  int fence_count;           /* kb_fence calls (likewise) */
} kb_kernel_info;

/* --- builder lifetime ------------------------------------------------------------------ */
/* One builder owns one LLVM context + module for one target; errors go to `diag`. */
kernel_builder *kb_create(const kb_target_options *options, const char *module_name, dl_diag *diag);
void kb_destroy(kernel_builder *kb);
LLVMContextRef kb_context(kernel_builder *kb);
LLVMModuleRef kb_module(kernel_builder *kb);
/* The builder that user code emits arithmetic with (LLVMBuild*). */
LLVMBuilderRef kb_llvm_builder(kernel_builder *kb);
/* i32 and f32 constants in the builder's context. */
LLVMValueRef kb_const_i32(kernel_builder *kb, long long value);
LLVMValueRef kb_const_f32(kernel_builder *kb, double value);
/* kb_llvm_builder and the memory-access calls below are macros that pass the caller's
 * source position, so that a checked kernel's report names where each access was built. */
typedef struct kb_source {
  const char *file;
  int line;
  const char *function;
  const void *frame; /* the caller's stack frame: tells its callers and callees apart */
} kb_source;
#define KB_SOURCE ((kb_source){__FILE__, __LINE__, __func__, __builtin_frame_address(0)})
LLVMBuilderRef kb_llvm_builder_from(kernel_builder *kb, kb_source source);
#define kb_llvm_builder(kb) kb_llvm_builder_from((kb), KB_SOURCE)
kb_target_kind kb_target(const kernel_builder *kb);
/* Nonzero once any builder error was reported (errors are sticky: later calls still
 * return well-typed placeholder values so that user code never crashes). */
int kb_failed(const kernel_builder *kb);

/* --- kernels --------------------------------------------------------------------------- */
int kb_kernel_begin(kernel_builder *kb, const char *name, const kb_param *params, int param_count,
                    unsigned max_threads);
/* Declares that every launch of the open kernel uses exactly this block (call before any
 * per-thread code). The host twin then loops over constant thread counts, which LLVM
 * vectorizes without remainder loops, and returns at once for any other block; the PTX is
 * unchanged (its .maxntid bound stays). */
int kb_kernel_fix_block(kernel_builder *kb, unsigned x, unsigned y, unsigned z);
/* Value of parameter `index` (block-uniform). */
LLVMValueRef kb_param_value(kernel_builder *kb, int index);
/* Checks phases, lays out host scratch, closes the kernel. 0 ok, -1 error. */
int kb_kernel_end(kernel_builder *kb);
int kb_kernel_count(const kernel_builder *kb);
const kb_kernel_info *kb_kernel_info_at(const kernel_builder *kb, int index);
const kb_kernel_info *kb_kernel_info_find(const kernel_builder *kb, const char *name);
/* The index (for kb_kernel_info_at) of the kernel that `name` runs, or -1. */
int kb_kernel_index(const kernel_builder *kb, const char *name);

/* --- SIMT primitives (all i32) ---------------------------------------------------------- */
LLVMValueRef kb_thread_index(kernel_builder *kb, kb_dim dim); /* per-thread */
LLVMValueRef kb_linear_thread_index(kernel_builder *kb);      /* per-thread, x fastest */
LLVMValueRef kb_lane_index(kernel_builder *kb);               /* linear index % 32 */
LLVMValueRef kb_block_index(kernel_builder *kb, kb_dim dim);  /* uniform */
LLVMValueRef kb_block_dim(kernel_builder *kb, kb_dim dim);    /* uniform */
LLVMValueRef kb_grid_dim(kernel_builder *kb, kb_dim dim);     /* uniform */
/* blockIdx * blockDim + threadIdx along `dim` (per-thread, no-wrap arithmetic). */
LLVMValueRef kb_global_index(kernel_builder *kb, kb_dim dim);
/* base[index] of `type` (in-bounds GEP); the store's element type is the value's type. */
LLVMValueRef kb_load_element(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                             LLVMValueRef index);
int kb_store_element(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value);
LLVMValueRef kb_load_element_from(kernel_builder *kb, kb_source source, LLVMTypeRef type,
                                  LLVMValueRef base, LLVMValueRef index);
int kb_store_element_from(kernel_builder *kb, kb_source source, LLVMValueRef base,
                          LLVMValueRef index, LLVMValueRef value);
#define kb_load_element(kb, ...) kb_load_element_from((kb), KB_SOURCE, __VA_ARGS__)
#define kb_store_element(kb, ...) kb_store_element_from((kb), KB_SOURCE, __VA_ARGS__)
/* Static shared memory: a pointer (addrspace 3 on NVPTX) to `count` elements, 16-aligned. */
LLVMValueRef kb_shared_array(kernel_builder *kb, LLVMTypeRef element, unsigned count);
/* Read-only table in constant memory (addrspace 4 on NVPTX): `count` constants. */
LLVMValueRef kb_constant_array(kernel_builder *kb, LLVMTypeRef element, LLVMValueRef *values,
                               unsigned count);
/* The same in global memory (addrspace 1 on NVPTX): for tables too large for the 64 KiB
 * constant bank that every kernel of a PTX module shares. */
LLVMValueRef kb_global_table(kernel_builder *kb, LLVMTypeRef element, LLVMValueRef *values,
                             unsigned count);
/* __syncthreads(); only at block-uniform points (not inside kb_if / kb_for). */
int kb_barrier(kernel_builder *kb);
/* __threadfence(): a device-scope memory fence in every thread of the block: each thread's
 * memory accesses before it are visible device-wide before its accesses after it. Only at
 * block-uniform points; it ends the phase (values cannot cross it) but is no barrier. With
 * one thread's atomic it orders blocks: writers fence, barrier, then count (release); the
 * counting thread's block sees the count, barrier, then fences and reads (acquire). The
 * host sanitizer knows this pattern (docs/sanitizer.md). */
int kb_fence(kernel_builder *kb);
/* The value of `var` in linear thread `thread` (block-uniform i32), as a block-uniform value
 * for every thread: that thread stores it in a shared word, a kb_barrier, every thread
 * loads it. Only at block-uniform points. */
LLVMValueRef kb_block_broadcast(kernel_builder *kb, kb_var *var, LLVMValueRef thread);
/* Warp shuffles among 32 lanes (value: 32- or 64-bit int/float; lane argument uniform).
 * A lane whose source is outside the warp (down/up) or the block gets its own value. */
LLVMValueRef kb_shuffle_xor(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane_mask);
LLVMValueRef kb_shuffle_down(kernel_builder *kb, LLVMValueRef value, LLVMValueRef delta);
LLVMValueRef kb_shuffle_up(kernel_builder *kb, LLVMValueRef value, LLVMValueRef delta);
LLVMValueRef kb_shuffle_idx(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane);
/* Reduction over the 32 lanes of each warp; every lane gets the result (a phase boundary,
 * like the shuffles it is made of). Value: 32- or 64-bit int or float; max/min propagate NaN. */
typedef enum kb_reduce_op { KB_REDUCE_ADD, KB_REDUCE_MAX, KB_REDUCE_MIN } kb_reduce_op;
LLVMValueRef kb_warp_reduce(kernel_builder *kb, LLVMValueRef value, kb_reduce_op op);
/* atomicAdd (i32/i64/f32) on global or shared memory; returns the old value. */
LLVMValueRef kb_atomic_add(kernel_builder *kb, LLVMValueRef pointer, LLVMValueRef value);
/* Any atomicrmw (max, min, umax, xchg, and, or, fmax, ...) on 32/64-bit values; returns the
 * old value. Float max/min become compare-and-swap loops where the GPU lacks them. */
LLVMValueRef kb_atomic_rmw(kernel_builder *kb, LLVMAtomicRMWBinOp op, LLVMValueRef pointer,
                           LLVMValueRef value);
/* atomicCAS on an i32/i64 in global or shared memory: stores `desired` where the value is
 * `expected`; returns the old value. */
LLVMValueRef kb_atomic_cas(kernel_builder *kb, LLVMValueRef pointer, LLVMValueRef expected,
                           LLVMValueRef desired);
LLVMValueRef kb_atomic_add_from(kernel_builder *kb, kb_source source, LLVMValueRef pointer,
                                LLVMValueRef value);
LLVMValueRef kb_atomic_rmw_from(kernel_builder *kb, kb_source source, LLVMAtomicRMWBinOp op,
                                LLVMValueRef pointer, LLVMValueRef value);
#define kb_atomic_add(kb, ...) kb_atomic_add_from((kb), KB_SOURCE, __VA_ARGS__)
#define kb_atomic_rmw(kb, ...) kb_atomic_rmw_from((kb), KB_SOURCE, __VA_ARGS__)
/* Calls an LLVM intrinsic by name (e.g. "llvm.nvvm.read.ptx.sreg.laneid"); an unknown name
 * is reported through dl_diag and yields undef of `return_type`. */
LLVMValueRef kb_intrinsic(kernel_builder *kb, const char *name, LLVMTypeRef return_type,
                          LLVMTypeRef *overloads, unsigned overload_count, LLVMValueRef *args,
                          unsigned arg_count);

/* --- per-thread mutable state ------------------------------------------------------------ */
/* The only way a per-thread value may live across a barrier, shuffle or uniform loop. */
kb_var *kb_thread_var(kernel_builder *kb, LLVMTypeRef type, const char *name);
LLVMValueRef kb_var_load(kernel_builder *kb, kb_var *var);
int kb_var_store(kernel_builder *kb, kb_var *var, LLVMValueRef value);

/* --- control flow ----------------------------------------------------------------------- */
/* Block-uniform loop (bounds uniform, i32, step > 0): may contain barriers and shuffles.
 * Returns the induction variable. */
LLVMValueRef kb_uniform_for_begin(kernel_builder *kb, LLVMValueRef begin, LLVMValueRef end,
                                  LLVMValueRef step);
int kb_uniform_for_end(kernel_builder *kb);
/* Block-uniform if (condition uniform): may contain barriers and shuffles. */
int kb_uniform_if_begin(kernel_builder *kb, LLVMValueRef condition);
int kb_uniform_if_else(kernel_builder *kb);
int kb_uniform_if_end(kernel_builder *kb);
/* Per-thread loop and if (no barriers/shuffles inside). */
LLVMValueRef kb_for_begin(kernel_builder *kb, LLVMValueRef begin, LLVMValueRef end,
                          LLVMValueRef step);
int kb_for_end(kernel_builder *kb);
int kb_if_begin(kernel_builder *kb, LLVMValueRef condition);
int kb_if_else(kernel_builder *kb);
int kb_if_end(kernel_builder *kb);

/* --- math (f32; dlcc's own code, identical on both targets, no libm) ------------------- */
LLVMValueRef kb_exp(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_log(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_tanh(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_erf(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_sigmoid(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_pow(kernel_builder *kb, LLVMValueRef x, LLVMValueRef y);
/* sqrt and 1/sqrt also take f64 (IEEE-rounded llvm.sqrt on both targets). */
LLVMValueRef kb_sqrt(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef kb_rsqrt(kernel_builder *kb, LLVMValueRef x);

/* --- emission ---------------------------------------------------------------------------- */
/* Verifies the module and optimizes it (default<On>); emission calls it if needed. */
int kb_finish(kernel_builder *kb);
/* Textual LLVM IR / PTX / object file; *out is malloc'ed (caller frees), NUL-terminated. */
int kb_emit_llvm_ir(kernel_builder *kb, char **out, size_t *out_size);
int kb_emit_ptx(kernel_builder *kb, char **out, size_t *out_size);
int kb_emit_object(kernel_builder *kb, char **out, size_t *out_size);

/* --- in-process JIT of the host lowering (LLVM ORC) ------------------------------------ */
typedef struct kb_jit kb_jit;
/* Emits the host objects of `kb` (kb_target_options.host_codegen_parts) and links them into
 * a fresh JIT; NULL on error. */
kb_jit *kb_jit_create(kernel_builder *kb, dl_diag *diag);
/* How many objects (code generation parts) the JIT linked. */
int kb_jit_object_count(const kb_jit *jit);
/* The host twin of kernel `name` (NULL + diag error if missing). */
dlrt_host_block_fn kb_jit_lookup(kb_jit *jit, const char *name);
void kb_jit_destroy(kb_jit *jit);

#endif
