/* Constant folding of small shape arithmetic (Shape → Gather → Concat → Reshape chains of
 * exported models), so that shape-determining inputs become constants during import. */
#ifndef DLCC_IR_FOLD_H
#define DLCC_IR_FOLD_H

#include <stdbool.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* Outputs with more elements than this are left to run time. */
enum { IR_FOLD_MAX_ELEMENTS = 4096 };

/* If `node` is foldable (its op is one of the shape-arithmetic ops, every input is a
 * constant with data — Shape only needs the dims it reports static — and each output has at
 * most IR_FOLD_MAX_ELEMENTS elements; Gather/Slice of a Shape output also fold when they
 * pick only static dims), turns each output value into a constant in place
 * and removes the node from its region. Infers the node first if needed. *out_folded
 * says whether it happened; -1 only on a real error (bad constant data). */
int ir_fold_node(ir_graph *graph, ir_node *node, bool *out_folded, dl_diag *diag);
/* Folds every foldable node of the graph body in order (a fold can enable later ones).
 * Reports every error; -1 if any. */
int ir_fold_graph(ir_graph *graph, dl_diag *diag);

#endif
