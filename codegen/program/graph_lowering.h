/* Every node of a graph lowered into one kernel builder for one target (the step both PTX and
 * host compilation start from), and the LLVM IR text of such a module. */
#ifndef DLCC_CODEGEN_GRAPH_LOWERING_H
#define DLCC_CODEGEN_GRAPH_LOWERING_H

#include <stddef.h>

#include "codegen/kernel_builder.h"
#include "codegen/ops/op_lowering.h"
#include "codegen/program/compile.h"
#include "codegen/program/state_copies.h"

typedef struct dl_graph_lowering {
  kernel_builder *kb; /* the module holding every kernel of the graph */
  /* Launches, one entry per body node in order, then one per state update's copy. */
  lower_result *results;
  int node_count;
  dl_state_copies updates; /* the copies' nodes: results[node_count + i] is updates.nodes[i] */
} dl_graph_lowering;

/* The kernel builder options of a whole-graph compile: the NVPTX target `sm`, or with `sm`
 * NULL the host (options->host_cpu); identical kernels merged. */
kb_target_options dl_graph_target(const dl_compile_options *options, const char *sm);

/* Lowers every node of the verified, static `graph` for the NVPTX target `sm` (the host when
 * NULL) as `options` say, kernel names prefixed by the model name. Every node that cannot
 * be lowered is reported; -1 then (deinit still needed). */
int dl_graph_lowering_build(const ir_graph *graph, const dl_compile_options *options,
                            const char *sm, dl_graph_lowering *out, dl_diag *diag);
void dl_graph_lowering_deinit(dl_graph_lowering *lowering);

/* The kernels' LLVM IR after the builder's optimization pipeline (options->opt_level): for
 * the NVPTX target `sm` ("sm_80"), or with `sm` NULL the host lowering for
 * options->host_cpu. The same lowering calls dl_compile_graph makes, so the kernels are the
 * ones its PTX and host twins are made of. *out is malloc'ed (caller frees). */
int dl_compile_llvm_ir(const ir_graph *graph, const dl_compile_options *options, const char *sm,
                       char **out, size_t *out_size, dl_diag *diag);

#endif
