/* Test harness for op lowerings: lowers one node with the host builder, JIT-compiles the
 * host twins and runs every launch over its grid; and checks the same lowering's PTX with
 * ptxas for sm_75, sm_80 and sm_90. */
#ifndef DLCC_TESTS_OP_HARNESS_H
#define DLCC_TESTS_OP_HARNESS_H

#include "codegen/ops/op_lowering.h"
#include "ir/diag.h"

/* inputs[i]: host data of node input i (NULL for an absent input or to use a constant's
 * data). outputs[i]: malloc'ed by the harness, output i's bytes; the caller frees them.
 * Returns 0, or -1 with the reason in diag. */
int op_harness_run(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                   void **outputs, dl_diag *diag);

/* Data-dependent ops (IR_OP_FLAG_DATA_DEPENDENT): the dims each output's kernels wrote in
 * the last op_harness_run (its actual dims; outputs are allocated at their types' bounds). */
enum { OP_HARNESS_MAX_OUTPUTS = 8 };
extern int64_t op_harness_dims[OP_HARNESS_MAX_OUTPUTS][IR_MAX_RANK];

/* The same with the checked lowering run under libdlrt's sanitizer when `sanitize` is set
 * (any report fails the run, the reports go to stderr), and the N-th kb_barrier (kb_fence) of
 * every kernel dropped when drop_barrier (drop_fence) is N > 0 (the sanitizer's mutation
 * tests). op_harness_run sanitizes when $DLCC_OP_SANITIZE is set (the ops.sanitize.* tests).
 * Either fails when a kernel leaves one of the node's counters nonzero. */
int op_harness_run_mutated(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                           void **outputs, int sanitize, int drop_barrier, int drop_fence,
                           dl_diag *diag);
int op_harness_sanitizing(void);
/* The most kb_barrier calls any kernel of the node's lowering makes; -1 on error. */
int op_harness_max_barriers(const ir_graph *graph, const ir_node *node, dl_diag *diag);
/* The most kb_fence calls any kernel of the node's lowering makes; -1 on error. */
int op_harness_max_fences(const ir_graph *graph, const ir_node *node, dl_diag *diag);

/* Lowers `node` for NVPTX sm_75/sm_80/sm_90, assembles each PTX with ptxas, checks there is
 * no `.extern .func`. Returns 0, or -1 with ptxas's message in diag. */
int op_harness_check_ptx(const ir_graph *graph, const ir_node *node, dl_diag *diag);

/* Largest |a-b| - (atol + rtol*|b|) over n floats, > 0 when out of tolerance; writes the
 * index of the worst element. */
double op_harness_excess(const float *actual, const float *expected, size_t n, double rtol,
                         double atol, size_t *out_worst);

#endif
