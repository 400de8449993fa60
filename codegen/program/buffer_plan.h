/* Where every value of a graph lives at run time: the weights blob (constants), the
 * activation arena (inputs, outputs, intermediates, workspaces), or an alias of another
 * value (views). Arena offsets are plan-memory's (ir/memory_plan.h), recorded in the IR or,
 * for a graph that never ran the pass, computed here by the same planner. */
#ifndef DLCC_CODEGEN_BUFFER_PLAN_H
#define DLCC_CODEGEN_BUFFER_PLAN_H

#include <stdint.h>

#include "codegen/ops/op_lowering.h"
#include "codegen/program/state_copies.h"
#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/memory_plan.h"

enum { DL_BUFFER_ALIGN = IR_ARENA_ALIGN };

typedef enum dl_location_kind {
  DL_LOCATION_NONE = 0, /* not needed at run time (folded shapes, unused constants) */
  DL_LOCATION_ARENA,
  DL_LOCATION_WEIGHT,
} dl_location_kind;

typedef struct dl_location {
  dl_location_kind kind;
  uint64_t offset; /* bytes into the arena or the weights blob */
} dl_location;

/* Where the activations' offsets came from. */
typedef enum dl_plan_source {
  DL_PLAN_FROM_IR,         /* plan-memory's, recorded in the graph */
  DL_PLAN_IN_CODEGEN,      /* the graph had none: the same planner ran here */
  DL_PLAN_WITH_WORKSPACES, /* planned again with the node workspaces, which did not fit */
} dl_plan_source;

/* A constant's copy in the weights laid out as a kernel asked (lower_arg.packing): one per
 * constant and packing, in place of the constant's own copy when nothing reads that. */
typedef struct dl_packed_weight {
  const ir_value *constant;
  lower_packing packing;
  uint64_t offset; /* bytes into the weights blob */
} dl_packed_weight;

typedef struct dl_buffer_plan {
  dl_location *values; /* indexed by ir_value.id */
  dl_packed_weight *packed;
  int num_packed;
  int num_values;
  uint64_t *workspace_offsets; /* indexed by node position in the body */
  uint64_t arena_bytes;
  uint64_t live_lower_bound;
  uint64_t weight_bytes;
  int num_views;
  int in_place_count; /* outputs written over an input that died at their node */
  int in_place_state_updates; /* updates written into their state (no end-of-run copy) */
  dl_plan_source source;
} dl_buffer_plan;

/* `workspace_bytes[i]` is the workspace node i (body order) asks for; it lives at node i only.
 * `results` (NULL, or node i's lowering at i) says which constants kernels read packed
 * (packed_weights.c). `updates` (NULL: none) says which state updates are written in place:
 * their values get their states' locations. A top-level dl.group is planned like a node (its
 * outputs; values inside it need no buffer). The plan is verified (ir_memory_plan_verify) before it
 * is returned. */
int dl_buffer_plan_build(const ir_graph *graph, const int64_t *workspace_bytes,
                         const lower_result *results, const dl_state_copies *updates,
                         dl_buffer_plan *out_plan, dl_diag *diag);
void dl_buffer_plan_deinit(dl_buffer_plan *plan);
/* packed_weights.c: the packed copies the launches of `results` bind (plan->packed), and
 * constants only ever read packed taken out of the weights (their kind NONE). 0 or -1. */
int dl_packed_weights_collect(const ir_graph *graph, const lower_result *results,
                              dl_buffer_plan *plan, dl_diag *diag);
/* The packed copy of `constant` laid out as `packing`; NULL if none was collected. */
const dl_packed_weight *dl_packed_weight_find(const dl_buffer_plan *plan, const ir_value *constant,
                                              lower_packing packing);
/* Writes the packed copy into the weights blob at its offset. */
void dl_packed_weight_write(const dl_packed_weight *packed, void *weights);
/* The value a view chain ends at (the value that owns the bytes). */
const ir_value *dl_buffer_root(const ir_value *value);

#endif
