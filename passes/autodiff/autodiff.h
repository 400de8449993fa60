/* Reverse-mode automatic differentiation of a graph (docs/autodiff.md): appends the nodes that
 * compute the gradient of a scalar loss with respect to chosen values, built from the graph's
 * own ops by the per-op rules of ir/ops.def's GRAD column. An API, not a pipeline pass: it needs
 * a loss and gives back values. */
#ifndef DLCC_PASSES_AUTODIFF_AUTODIFF_H
#define DLCC_PASSES_AUTODIFF_AUTODIFF_H

#include "ir/diag.h"
#include "ir/graph.h"

/* Appends to the graph body the nodes computing d loss / d wrt[i] for each i into
 * out_grads[i] (same type as wrt[i]). loss: a float scalar (rank 0) computed in the graph body;
 * wrt: values of the graph (constants, states, graph inputs or node outputs). A wrt the loss
 * does not depend on gets zeros. Refuses (returns -1, diag names the node and op) when the
 * path from a wrt to the loss crosses an op without a gradient rule. */
int dl_autodiff(ir_graph *graph, ir_value *loss, ir_value *const *wrt, int num_wrt,
                ir_value **out_grads, dl_diag *diag);

#endif
