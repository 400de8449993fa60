/* Pass fold-constants: evaluates nodes whose inputs are all constants (ir/fold.h does the
 * arithmetic; this file only registers it as a pass). */
#include "ir/fold.h"
#include "passes/pass.h"

int dl_pass_fold_constants(ir_graph *graph, dl_diag *diag) { return ir_fold_graph(graph, diag); }
