/* The memory plan: where every activation lives in one arena over the schedule (the top-level
 * nodes in body order; step s runs node s, graph inputs live from step -1, graph outputs until
 * step `steps`). Arena values are the graph inputs and the outputs of top-level nodes that are
 * not views; a view shares its root's bytes (ir_buffer_root); constants live in the weights
 * and values inside a dl.group in registers. plan-memory records the offsets in the IR
 * (ir_value.arena_offset); codegen adds each node's workspace, alive at that node only. */
#ifndef DLCC_IR_MEMORY_PLAN_H
#define DLCC_IR_MEMORY_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

enum { IR_ARENA_ALIGN = 256, IR_NO_LIFETIME = -2 };

typedef struct ir_memory_plan {
  int num_values; /* graph->num_values when planned */
  int steps;      /* top-level nodes */
  int64_t *offsets;  /* by value id: bytes into the arena; -1: not in the arena */
  int *first, *last; /* by value id: live steps of an arena root; IR_NO_LIFETIME otherwise */
  int *in_place_of;  /* by value id: the value whose bytes this output took at its node; -1 */
  const ir_value **roots; /* by value id: the arena roots (NULL for other values) */
  uint64_t *bytes;        /* by value id: an arena root's bytes, rounded up to IR_ARENA_ALIGN */
  int64_t *workspace_bytes, *workspace_offsets; /* by step; NULL until workspaces are added */
  uint64_t arena_bytes;      /* the end of the highest buffer */
  uint64_t live_lower_bound; /* most bytes live at one step (an in-place pair counted once) */
  int in_place_count;
} ir_memory_plan;

/* The value whose bytes `value` uses: itself, or the root of the views it is made by. */
const ir_value *ir_buffer_root(const ir_value *value);

/* Whether top-level `node` may write `output` over the bytes of `root`, an arena value it
 * reads that dies there: `node` is an elementwise op (ir_op_may_write_in_place) or a dl.group
 * of such ops only, every read of `root` has the output's dims and element size (no broadcast,
 * so each element is read by the thread that writes that index), no value is packed, all
 * outputs have one shape, and `root` is a node output (never a graph input or a constant).
 * `*why_not` (may be NULL) says which condition failed. */
bool ir_node_may_write_in_place(const ir_node *node, const ir_value *root, const ir_value *output,
                                const char **why_not);

/* Whether the node computing `value`, the update of `state` (ir/state.h), may write it into the
 * state's own bytes, so that no end-of-run copy is needed: `value` is a top-level node output
 * (not a view, not a graph output), that node either does not read `state` or may write over it
 * as ir_node_may_write_in_place says for arena values (an elementwise kernel reading `state` at
 * the output's index), and no node after it reads `state`. */
bool ir_state_update_in_place(const ir_graph *graph, const ir_value *state, const ir_value *value);

/* Plans every arena value: lifetimes over the schedule, in-place reuse where a node may write
 * an output over an input that dies there, then first fit by decreasing size, with each
 * step's workspace (`workspace_bytes[s]` bytes at step s; NULL: none) packed alongside. Fails
 * (naming the value) when an arena value has no static byte size. */
int ir_memory_plan_build(const ir_graph *graph, const int64_t *workspace_bytes,
                         ir_memory_plan *out_plan, dl_diag *diag);
/* The plan recorded in the IR; fails naming a value without an offset where one belongs. */
int ir_memory_plan_from_graph(const ir_graph *graph, ir_memory_plan *out_plan, dl_diag *diag);
/* Writes plan offsets into the IR (ir_value.arena_offset, views at their root's). */
void ir_memory_plan_record(const ir_memory_plan *plan, ir_graph *graph);
/* Whether any value of the graph has an arena offset. */
bool ir_graph_has_memory_plan(const ir_graph *graph);
/* Drops every recorded offset (a pass that changes the graph would leave them stale). */
void ir_graph_clear_memory_plan(ir_graph *graph);

/* Places each step's workspace (`workspace_bytes[s]` bytes, 0 for none) beside the buffers
 * live at that step, growing the arena if no gap fits, and updates the bounds. */
int ir_memory_plan_add_workspaces(ir_memory_plan *plan, const int64_t *workspace_bytes,
                                  dl_diag *diag);

/* Checks the plan: every buffer 256-byte aligned and inside the arena, and no two buffers live
 * at one step share a byte, except an output written in place over its input at identical
 * offsets where ir_node_may_write_in_place allows. The message names both tensors and the
 * node. */
int ir_memory_plan_verify(const ir_graph *graph, const ir_memory_plan *plan, dl_diag *diag);

void ir_memory_plan_deinit(ir_memory_plan *plan);

#endif
