/* The IR verifier: structural and type invariants every pass must keep. */
#ifndef DLCC_IR_VERIFY_H
#define DLCC_IR_VERIFY_H

#include "ir/diag.h"
#include "ir/graph.h"

/* Checks ops and arity, definition before use (region scoping), producer links, unique
 * value names, valid types, graph outputs, dl.group bodies, and that re-running shape
 * inference gives the recorded output types. Reports every problem; -1 if any. */
int ir_verify_graph(const ir_graph *graph, dl_diag *diag);

/* Checks that every constant has its data (none was elided from a text dump), which
 * running or compiling a graph needs. -1 with one message per elided constant. */
int ir_verify_constants_have_data(const ir_graph *graph, dl_diag *diag);

#endif
