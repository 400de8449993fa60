/* Private state of the kernel builder, shared by its source files (not a public header). */
#ifndef DLCC_CODEGEN_KB_INTERNAL_H
#define DLCC_CODEGEN_KB_INTERNAL_H

#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/kernel_builder.h"
#include "ir/arena.h"

enum { KB_UNIFORM = -1, KB_MAX_CONTROL_DEPTH = 64, KB_WARP = 32 };

/* One "phase": code between two phase boundaries (barrier, shuffle, uniform control flow).
 * The host lowering wraps each phase in loops over the block's threads. */
typedef struct kb_phase {
  int in_uniform_loop;   /* phase may run more than once per block */
  LLVMValueRef linear;   /* host: linear thread index (insert reloads after it) */
  LLVMValueRef slot;     /* host: the same as i64, for scratch slot addresses */
  LLVMValueRef spill_at; /* host: first instruction of the closing latch */
  LLVMValueRef x_latch;  /* host: branch back to the x loop's body (carries llvm.loop) */
} kb_phase;

typedef struct kb_var_access {
  int phase;
  int written;
} kb_var_access;

struct kb_var {
  LLVMTypeRef type;
  const char *name;
  unsigned size;
  LLVMValueRef slot;     /* alloca in the entry block (both targets) */
  LLVMValueRef function; /* the kernel it belongs to */
  kb_var_access *accesses;
  int access_count, access_capacity;
  struct kb_var *next;
};

typedef enum kb_control_kind {
  KB_CTRL_UNIFORM_FOR,
  KB_CTRL_UNIFORM_IF,
  KB_CTRL_FOR,
  KB_CTRL_IF
} kb_control_kind;

typedef struct kb_control {
  kb_control_kind kind;
  LLVMBasicBlockRef header, exit, else_block;
  LLVMValueRef induction, step;
  int has_else;
} kb_control;

typedef struct kb_block_tag {
  LLVMBasicBlockRef block;
  int phase;
} kb_block_tag;

/* The open host thread loop nest (z, y, x) of the current phase. */
typedef struct kb_thread_loop {
  LLVMValueRef x, y, z;
  LLVMValueRef position; /* checked twins: the loop counter (x, y, z follow its order) */
  LLVMBasicBlockRef x_body, y_body, z_body;
} kb_thread_loop;

/* A kb_shared_array of the open kernel (the checked lowering names and bounds it). */
typedef struct kb_shared_record {
  LLVMValueRef pointer; /* host: shared_base + offset, built in the prologue */
  size_t offset, bytes;
} kb_shared_record;

/* A position in the source of a lowering. */
typedef struct kb_position {
  const char *file, *function;
  int line;
} kb_position;

/* A function of the lowering that is building: its stack frame and its last position. */
enum { KB_MAX_FRAMES = 16 };
typedef struct kb_frame {
  const void *frame;
  kb_position position;
} kb_frame;

/* Where a lowering built something (kb_llvm_builder / KB_SOURCE; kb_site.c): the position
 * and the positions of its callers, innermost first (which of a builder call and a helper
 * computing one of its arguments runs last depends on the C compiler). */
enum { KB_SITE_DEPTH = 3 };
typedef struct kb_site {
  kb_position chain[KB_SITE_DEPTH];
  LLVMMetadataRef location; /* its debug location: line = site number (1-based) */
  LLVMValueRef text;        /* "file:line (function)" as a global string, made on demand */
} kb_site;

typedef struct kb_kernel_state {
  kb_kernel_info info;
  int errors_at_begin;
  kb_param *params;
  LLVMValueRef function;
  LLVMBasicBlockRef prologue;   /* entry: uniform loads, allocas; branch added at end */
  LLVMBasicBlockRef first_body; /* first block after the prologue */
  LLVMValueRef *param_values;
  LLVMValueRef launch, scratch, shared_base; /* host */
  LLVMValueRef grid[3], block[3], block_index[3];
  LLVMValueRef launch_block[3]; /* host, with a fixed block: the launch's block (the guard) */
  unsigned fixed_block[3];      /* kb_kernel_fix_block; 0 when not fixed */
  int phase;                    /* current phase or KB_UNIFORM */
  kb_phase *phases;
  int phase_count, phase_capacity;
  kb_block_tag *tags;
  int tag_count, tag_capacity;
  kb_control control[KB_MAX_CONTROL_DEPTH];
  int control_depth;
  int uniform_loop_depth, per_thread_depth;
  kb_thread_loop loop;
  kb_var *vars;
  int shuffle_count;
  size_t shared_bytes;
  kb_shared_record *shared_arrays;
  int shared_count, shared_capacity;
  int barrier_count; /* kb_barrier calls so far (test_drop_barrier) */
  int fence_count;   /* kb_fence calls so far (test_drop_fence) */
  int site_records;  /* checked lowering: access records made for this kernel */
} kb_kernel_state;

/* A kernel name merged into an earlier identical kernel (kb_merge.c). */
typedef struct kb_alias {
  const char *name;
  int kernel; /* index into kernel_builder.kernels */
} kb_alias;

/* A string-keyed multimap to kernel indices (kb_name_index.c), memory from the arena. */
typedef struct kb_index_slot {
  const char *key; /* NULL: an empty slot */
  uint64_t hash;
  int value;
} kb_index_slot;
typedef struct kb_string_index {
  kb_index_slot *slots; /* open addressing, capacity a power of two */
  int capacity, count;
  kb_index_slot *order; /* every entry in the order added (for rehashing) */
  int order_capacity;
} kb_string_index;
/* Adds key → value (keys may repeat); 0, or -1 when out of memory. */
int kb_index_add(kernel_builder *kb, kb_string_index *index, const char *key, int value);
/* The next value under `key` after *cursor (start with 0), in the order added; -1 at the end. */
int kb_index_next(const kb_string_index *index, const char *key, int *cursor);

struct kernel_builder {
  dl_diag *diag;
  ir_arena *arena;
  int failed, finished;
  int closed;             /* verified, no more kernels (kb_close_module) */
  int host_codegen_parts; /* kb_target_options.host_codegen_parts */
  int error_count;        /* errors reported so far (kb_fail and LLVM diagnostics) */
  kb_target_kind kind;
  const char *sm;
  unsigned ptx_version;
  int opt_level;
  LLVMContextRef context;
  LLVMModuleRef module;
  LLVMBuilderRef builder;
  LLVMTargetMachineRef machine;
  LLVMTypeRef i1, i8, i32, i64, f32, f64, ptr, void_type;
  unsigned global_as, shared_as, constant_as;
  int in_kernel;
  kb_kernel_state k;
  kb_kernel_info *kernels;
  int kernel_count, kernel_capacity;
  int merge_identical;       /* kb_target_options.merge_identical */
  const char **fingerprints; /* per kernel when merging (kb_merge.c) */
  int fingerprint_capacity;
  kb_alias *aliases;
  int alias_count, alias_capacity;
  kb_string_index names;        /* kernel and alias names → index into kernels */
  kb_string_index fingerprint_index; /* fingerprints → index into kernels */
  LLVMModuleRef metadata_module; /* host: holds access_group (kb_host_parallel.c) */
  LLVMMetadataRef access_group;
  int sanitize;          /* kb_target_options.sanitize (host only) */
  int test_drop_barrier; /* kb_target_options.test_drop_barrier */
  int test_drop_fence;   /* kb_target_options.test_drop_fence */
  kb_site *sites;        /* sanitize: every source position that built kernel code */
  int site_count, site_capacity, last_site;
  kb_frame frames[KB_MAX_FRAMES]; /* the functions that noted positions, outermost first */
  int frame_depth;
  LLVMMetadataRef site_scope; /* the debug scope of the site locations */
};

/* kb_core.c */
int kb_fail(kernel_builder *kb, const char *format, ...) __attribute__((format(printf, 2, 3)));
int kb_check_in_kernel(kernel_builder *kb, const char *what);
LLVMBasicBlockRef kb_new_block(kernel_builder *kb, const char *name);
void *kb_grow(kernel_builder *kb, void *array, int *capacity, int needed, size_t element);
LLVMValueRef kb_placeholder(kernel_builder *kb, LLVMTypeRef type);
/* An alloca at the end of the prologue (entry block). */
LLVMValueRef kb_prologue_alloca(kernel_builder *kb, LLVMTypeRef type, const char *name);
/* Error unless the builder is at a block-uniform point (not inside kb_if / kb_for). */
int kb_check_uniform_point(kernel_builder *kb, const char *what);
/* Emits `emit(kb, context)` at the end of the prologue, then restores the position. */
LLVMValueRef kb_in_prologue(kernel_builder *kb, LLVMValueRef (*emit)(kernel_builder *, void *),
                            void *context);

/* kb_merge.c: the index of an earlier kernel identical to the one being finished, or -1
 * (its fingerprint in *out_fingerprint, to record with it); kb_merge_into deletes the kernel
 * being finished and makes its name an alias of kernel `twin`. */
int kb_merge_find_twin(kernel_builder *kb, const char **out_fingerprint);
int kb_merge_into(kernel_builder *kb, int twin);

/* kb_phase.c: the phase state machine shared by both lowerings. */
int kb_open_phase(kernel_builder *kb);   /* enter per-thread code (no-op if open) */
void kb_close_phase(kernel_builder *kb); /* back to block-uniform code */
int kb_check_phases(kernel_builder *kb);
/* Phase of the block that defines `value`, KB_UNIFORM for constants and uniform code. */
int kb_value_phase(kernel_builder *kb, LLVMValueRef value);

/* kb_remat.c: recompute block-uniform arithmetic at a use in another phase; -1 if the
 * value is not block-uniform arithmetic. */
int kb_rematerialize(kernel_builder *kb, LLVMValueRef value, LLVMValueRef user);

/* kb_host.c: host lowering of the phase loops and thread variables. */
void kb_host_open_thread_loop(kernel_builder *kb);
void kb_host_close_thread_loop(kernel_builder *kb);
void kb_host_prologue(kernel_builder *kb);
int kb_host_lay_out_scratch(kernel_builder *kb);
/* kb_host_parallel.c: marks every phase's x loop parallel (after the scratch layout). */
int kb_host_mark_parallel(kernel_builder *kb);
/* Shuffle scratch: value buffers 0 and 1 (8 bytes a thread), then lane buffer 2 (4 bytes). */
LLVMValueRef kb_host_shuffle_slot(kernel_builder *kb, int buffer, LLVMValueRef thread);
enum { KB_SHUFFLE_LANE_BUFFER = 2, KB_SHUFFLE_BYTES_PER_THREAD = 8 + 8 + 4 };

/* kb_nvptx.c: NVPTX specifics. */
void kb_nvptx_annotate(kernel_builder *kb);
LLVMValueRef kb_nvptx_sreg(kernel_builder *kb, const char *register_name, kb_dim dim);
LLVMValueRef kb_nvptx_shuffle(kernel_builder *kb, const char *mode, LLVMValueRef value,
                              LLVMValueRef lane);

/* kb_target.c: target machines. */
int kb_target_init(kernel_builder *kb, const kb_target_options *options);

/* kb_math_pow.c: powf(x, y) through f64, emitted with `b` (inside dlcc.math.pow). */
LLVMValueRef kb_math_pow_f32(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y);

/* kb_isolate.c: runs `work` (LLVM's backend) in a forked child so that a fatal LLVM error
 * becomes a dl_diag error; *out is malloc'ed and NUL-terminated. */
typedef int (*kb_isolated_work)(kernel_builder *kb, void *context, char **out, size_t *out_size);
int kb_run_isolated(kernel_builder *kb, kb_isolated_work work, void *context, char **out,
                    size_t *out_size);
/* Runs work(kb, contexts[i]) for every i, each in its own child, all at once (one after the
 * other in process); on error every output is freed and NULL. */
int kb_run_isolated_each(kernel_builder *kb, kb_isolated_work work, void **contexts, int count,
                         char **outs, size_t *out_sizes);
void kb_free_outputs(char **outs, int count);
/* DLCC_CODEGEN_IN_PROCESS=1: LLVM's backend runs in this process (for a debugger). */
int kb_codegen_in_process(void);

/* kb_emit.c: kb_finish in two steps, for code generation that optimizes in a child:
 * kb_close_module checks and verifies the module and takes no more kernels;
 * kb_optimize_module runs the pipeline on kb->module and verifies the result. */
int kb_close_module(kernel_builder *kb);
int kb_optimize_module(kernel_builder *kb);
/* The object file of kb->module as it is, emitted in this process. */
int kb_emit_object_here(kernel_builder *kb, char **out, size_t *out_size);

/* kb_parallel_emit.c: host objects of the module's kernels, split into parts that are
 * optimized and compiled concurrently (kb_target_options.host_codegen_parts); *out_objects
 * and *out_sizes are malloc'ed arrays of *out_count objects (free with kb_free_outputs). */
int kb_emit_host_objects(kernel_builder *kb, char ***out_objects, size_t **out_sizes,
                         int *out_count);

/* kb_site.c: source positions of the checked lowering. Instructions carry the site that
 * built them as a debug location while a kernel is built; kb_site_of reads it back and
 * kb_site_clear removes them all from the kernel before it is checked and emitted. */
void kb_note_source(kernel_builder *kb, kb_source source); /* the current position */
int kb_site_of(LLVMValueRef instruction);           /* 0: unknown */
LLVMValueRef kb_site_text(kernel_builder *kb, int site); /* a global C string */
void kb_site_clear(kernel_builder *kb);

/* kb_sanitize.c: the checked lowering (kb_target_options.sanitize). */
void kb_sanitize_event(kernel_builder *kb, int event); /* dlrt_host_event, at a uniform point */
LLVMValueRef kb_sanitize_thread_order(kernel_builder *kb, LLVMValueRef position);
int kb_sanitize_instrument(kernel_builder *kb);       /* at kb_kernel_end, before merging */

/* kb_diagnostics.c */
void kb_install_diagnostics(kernel_builder *kb);
int kb_llvm_error(kernel_builder *kb, LLVMErrorRef error, const char *what);

#endif
