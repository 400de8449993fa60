/* Per-op element computations of constant folding (fold_ops.c), used by fold.c. */
#ifndef DLCC_IR_FOLD_OPS_H
#define DLCC_IR_FOLD_OPS_H

#include "ir/infer.h"

/* Computes output `index` of `node` into `out` (sized for its inferred type).
 * Returns 1 when computed, 0 when the values cannot be folded here (e.g. division by
 * zero: left to run time), -1 on an error reported to `diag`. */
int ir_fold_compute(const ir_graph *graph, const ir_node *node, int index, void *out,
                    dl_diag *diag);
/* Whether `op` has a folding computation. */
bool ir_fold_supports(ir_op op);

#endif
