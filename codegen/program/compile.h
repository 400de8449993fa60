/* Whole-graph compilation: lowers every node for the host (JIT-ed twins) and for each PTX
 * target, plans the activation arena, packs the weights, and describes the result as a
 * dlrt_program that libdlrt runs. */
#ifndef DLCC_CODEGEN_COMPILE_H
#define DLCC_CODEGEN_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/kernel_builder.h"
#include "dlrt/program.h"
#include "ir/diag.h"
#include "ir/graph.h"

typedef struct dl_compile_options {
  const char *name;               /* model name; prefixes kernel names ("main" if NULL) */
  const char *const *ptx_targets; /* e.g. {"sm_80"}: PTX modules to emit */
  int num_ptx_targets;
  bool host_twins; /* JIT the host lowering so the program runs on the host device */
  int opt_level;   /* LLVM optimization level of the kernels, 0..3 */
  /* CPU of the host twins: NULL/"generic" for portable x86-64, "native" for this machine
   * (JIT'd twins that run here and nowhere else: wider vectors, same results) */
  const char *host_cpu;
  /* The host twins are the checked lowering (DLRT_KERNEL_CHECKED): run them with
   * dlrt_options.sanitize or $DLRT_SANITIZE=1 (docs/sanitizer.md). */
  bool sanitize;
  /* Kernels that read indices (Gather) record the first out-of-range index of a run, which
   * libdlrt returns as DLRT_STATUS_INDEX_OUT_OF_RANGE naming the node; without it such an
   * index is clamped into range silently (docs/runtime.md). */
  bool check_indices;
} dl_compile_options;

/* What the compiler knows statically about the program (for --stats / --report). */
typedef struct dl_compile_stats {
  int kernel_count;
  int launch_count;
  int view_count;           /* nodes that became views (no kernel) */
  uint64_t arena_bytes;     /* planned activation arena */
  uint64_t live_lower_bound;/* max bytes simultaneously live: no plan can be smaller */
  uint64_t weight_bytes;
  int in_place_count;       /* outputs written over an input that died at their node */
  const char *memory_plan;  /* "ir", "codegen" or "replanned" (buffer_plan.h's dl_plan_source) */
} dl_compile_stats;

typedef struct dl_compiled dl_compiled;

/* The graph must be verified and fully static. NULL on error (every message in diag). */
dl_compiled *dl_compile_graph(const ir_graph *graph, const dl_compile_options *options,
                              dl_diag *diag);
/* Valid while `compiled` lives. */
const dlrt_program *dl_compiled_program(const dl_compiled *compiled);
const dl_compile_stats *dl_compiled_stats(const dl_compiled *compiled);
/* The name of the node each launch of the program belongs to, in launch order. */
const char *const *dl_compiled_launch_nodes(const dl_compiled *compiled);
/* The same nodes themselves (the compiled graph's: valid while it lives). */
const ir_node *const *dl_compiled_launch_ir_nodes(const dl_compiled *compiled);
/* PTX text of target `index` of the options (NULL if out of range). */
const char *dl_compiled_ptx(const dl_compiled *compiled, int index);
/* The host lowering's kernel builder (kernels NAME__host), still open for more IR unless host
 * twins were JIT'd; owned by `compiled`. Bundles add their data to its module. */
kernel_builder *dl_compiled_host_builder(dl_compiled *compiled);
void dl_compiled_destroy(dl_compiled *compiled);

#endif
