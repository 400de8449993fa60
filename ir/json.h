/* JSON output of a graph, for tools and scripts (`dlcc inspect --format=json`). */
#ifndef DLCC_IR_JSON_H
#define DLCC_IR_JSON_H

#include <stdio.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* Writes {"name", "symbols", "inputs", "outputs", "constants", "nodes"}: tensors as
 * {"name", "dtype", "shape"} (symbolic dims as their names), constants with "bytes" and
 * "elided", nodes with "op", "name", "inputs" (value names, null where absent), "outputs",
 * "attributes" (name → value) and, for groups, a "body". Returns 0, or -1 after adding a
 * message (out of memory, write failure). */
int ir_json_graph(const ir_graph *graph, FILE *out, dl_diag *diag);

#endif
