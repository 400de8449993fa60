/* What `dlcc compile --stats / --report` tells about a compiled model: the compiler's static
 * figures (dl_compile_stats) and, for GPU targets, ptxas's registers, spills and shared
 * memory per kernel. */
#ifndef DLCC_TOOLS_COMPILE_STATS_H
#define DLCC_TOOLS_COMPILE_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include "codegen/kb_ptxas.h"
#include "codegen/program/compile.h"
#include "tools/dlcc/compile_options.h"
#include "tools/dlcc/model_prepare.h"

typedef struct compile_stats {
  const compile_options *options;
  const char *name; /* the model name kernels are prefixed with */
  const ir_graph *graph;
  const cli_stages *stages; /* nodes after each stage of the preparation */
  const dl_compiled *compiled;
  dl_compile_stats program;
  /* Modeled, not measured: bytes each launch's pointer arguments address (each tensor read or
   * written once per launch) and the operations of its node (ir_node_flops; a node's later
   * launches add none), per launch and summed over one inference. */
  int64_t *launch_bytes, *launch_flops;
  int64_t dram_bytes, flops;
  const char *ptxas_path; /* NULL for the host target */
  bool ptxas_ran;         /* false: ptxas was not found (not an error for statistics) */
  kb_ptxas_result ptxas;  /* when it ran */
} compile_stats;

/* Totals over ptxas's kernels. */
typedef struct compile_ptxas_total {
  int max_registers;
  int stack_bytes, spill_store_bytes, spill_load_bytes; /* summed */
  int max_shared_bytes;
} compile_ptxas_total;

/* Fills `out` from `compiled`; for a GPU target runs ptxas on its PTX when ptxas is found.
 * -1 when ptxas rejects the PTX (dlcc emitted invalid PTX: a compiler bug; its log is in
 * `diag`). `out` needs compile_stats_deinit either way. */
int compile_stats_collect(const compile_options *options, const char *name,
                          const ir_graph *graph, const cli_stages *stages,
                          const dl_compiled *compiled, compile_stats *out, dl_diag *diag);
compile_ptxas_total compile_stats_ptxas_total(const compile_stats *stats);
/* The human-readable summary (--stats). */
void compile_stats_print(const compile_stats *stats, FILE *out);
/* The same as JSON (--report) to `out`; 0, or -1 (out of memory: a message in `diag`). */
int compile_stats_write_json(const compile_stats *stats, FILE *out, dl_diag *diag);
void compile_stats_deinit(compile_stats *stats);

#endif
