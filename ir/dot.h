/* Graphviz DOT output of a graph, for pictures of models (`dlcc inspect --format=dot`). */
#ifndef DLCC_IR_DOT_H
#define DLCC_IR_DOT_H

#include <stdio.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* Ops are boxes labelled with op and node name; graph inputs and outputs have their own
 * shapes; constant inputs (weights) are folded into the consumer's label ("W: f32[64,3,7,7]")
 * so large models stay readable; edges carry tensor types; dl.group regions are clusters.
 * Returns 0, or -1 after adding a message when writing failed. */
int ir_dot_graph(const ir_graph *graph, FILE *out, dl_diag *diag);

#endif
