/* Outputs whose size depends on the data (ops with IR_OP_FLAG_DATA_DEPENDENT): typed at an
 * upper bound, their kernels write the actual dims into a record in the arena, which the
 * program's output descriptions point at (dlrt_tensor_desc.dims_offset). */
#ifndef DLCC_CODEGEN_PROGRAM_OUTPUT_DIMS_H
#define DLCC_CODEGEN_PROGRAM_OUTPUT_DIMS_H

#include <stdint.h>

#include "dlrt/program.h"
#include "ir/diag.h"
#include "ir/graph.h"

enum { DL_NO_DIMS_RECORD = -1 };

/* Refuses a node that reads a data-dependent value: only graph outputs may (its consumers
 * would need the actual size at compile time). Every such node is reported; -1 then. */
int dl_output_dims_check(const ir_graph *graph, dl_diag *diag);

/* Places the dims record of every output of a data-dependent node after everything else in
 * the arena (*arena_size grows): records[value id] gets its offset, DL_NO_DIMS_RECORD for
 * other values. `records` has graph->num_values entries. */
void dl_output_dims_place(const ir_graph *graph, int64_t *records, uint64_t *arena_size);

/* Marks the graph outputs with a dims record data-dependent in their descriptions. */
void dl_output_dims_describe(const ir_graph *graph, const int64_t *records,
                             dlrt_tensor_desc *outputs);

#endif
