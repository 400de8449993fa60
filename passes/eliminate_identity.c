/* Pass eliminate-identity: removes Identity, inference-mode Dropout and the other nodes whose
 * output equals their input (ir_node_is_noop: a Cast to the same type, a Reshape, Expand or
 * Tile to the same shape, an identity Transpose) by rewiring uses; a used mask of such a Dropout (all true) becomes an
 * Expand of a true constant first. Graph outputs keep their names. */
#include <stdint.h>
#include <stdlib.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

/* A Dropout is an identity when it drops nothing and its mask output is unused (`uses`:
 * counted once for the whole pass). */
static bool is_inference_dropout(const ir_node *node, const int *uses) {
  return ir_dropout_keeps_everything(node) &&
         (node->num_outputs < 2 || uses[node->outputs[1]->id] == 0);
}

static bool is_identity(const ir_node *node, const int *uses) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->num_outputs < 1)
    return false;
  if (node->op == IR_OP_DROPOUT)
    return is_inference_dropout(node, uses);
  return ir_node_is_noop(node);
}

/* When the identity's output is yielded (a graph output), its name must survive: the
 * producer of the input takes over the output value instead. Returns false when that is
 * impossible (the input is a graph input, a constant, or itself yielded). */
static bool adopt_yielded_output(ir_graph *graph, ir_node *node) {
  ir_value *input = node->inputs[0], *output = node->outputs[0];
  ir_node *producer = input->producer;
  if (input->kind != IR_VALUE_RESULT || !producer || producer->parent != node->parent ||
      dl_region_yields(node->parent, input))
    return false;
  /* Whole-graph rewrite, but only for yielded identities: one per output at most. */
  dl_replace_all_uses(graph, input, output);
  producer->outputs[input->producer_index] = output;
  output->producer = producer;
  output->producer_index = input->producer_index;
  input->producer = NULL;
  return true;
}

/* The all-true mask of a Dropout that drops nothing, computed by an Expand of a true scalar
 * placed before it; the mask value (and its name) moves to the Expand, and the Dropout's
 * mask output becomes a fresh unused value. */
static int materialize_mask(ir_graph *graph, ir_node *dropout, dl_diag *diag) {
  ir_value *mask = dropout->outputs[1];
  const uint8_t yes = 1;
  int64_t dims[IR_MAX_RANK];
  for (int d = 0; d < mask->type.rank; d++)
    dims[d] = mask->type.dims[d];
  ir_value *inputs[2] = {
      ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, "true"),
                                 ir_type_scalar(IR_DTYPE_BOOL), &yes),
      ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, "mask_shape"),
                                 ir_type_make(IR_DTYPE_I64, 1, (int64_t[]){mask->type.rank}), dims)};
  const char *name = ir_graph_unique_name(graph, "mask");
  ir_node *expand = inputs[0] && inputs[1]
                        ? ir_graph_add_node(graph, dropout->parent, IR_OP_EXPAND, name, inputs, 2,
                                            (const char *const[]){NULL}, 1)
                        : NULL;
  if (!expand)
    return ir_node_error(diag, dropout, "eliminate-identity: out of memory");
  dl_move_before(expand, dropout);
  ir_value *unused = dl_take_output(expand, 0, mask);
  dl_take_output(dropout, 1, unused);
  unused->type = mask->type;
  return ir_infer_node(graph, expand, diag);
}

/* One walk: each node's inputs are first redirected past the identities removed before it
 * (through `forward`, indexed by value id), then an identity is removed and its output
 * forwarded to its input. */
int dl_pass_eliminate_identity(ir_graph *graph, dl_diag *diag) {
  int *uses = dl_count_uses(graph);
  ir_value **forward = calloc((size_t)graph->num_values + 1, sizeof(ir_value *));
  if (!uses || !forward) {
    free(uses);
    free(forward);
    return dl_error(diag, "eliminate-identity: out of memory");
  }
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node) {
    ir_node *next = ir_graph_next_node(graph, node);
    dl_forward_inputs(forward, node);
    /* A used mask moves to an Expand (its new values have ids past `uses` and `forward`,
     * and nothing visited later refers to them); the Dropout is then an identity. */
    bool mask_moved = false;
    if (node->op == IR_OP_DROPOUT && node->num_outputs > 1 && ir_dropout_keeps_everything(node) &&
        uses[node->outputs[1]->id] > 0) {
      if (materialize_mask(graph, node, diag) != 0) {
        free(uses);
        free(forward);
        return -1;
      }
      mask_moved = true;
    }
    if (mask_moved || is_identity(node, uses)) {
      ir_value *input = node->inputs[0], *output = node->outputs[0];
      bool removable = true;
      if (!uses[output->id]) {
        /* unused: nothing to redirect */
      } else if (dl_region_yields(node->parent, output)) {
        removable = adopt_yielded_output(graph, node);
        if (removable)
          forward[input->id] = output;
      } else {
        forward[output->id] = input;
      }
      if (removable)
        ir_region_remove(node->parent, node);
    }
    node = next;
  }
  dl_forward_results(graph, forward);
  free(uses);
  free(forward);
  return 0;
}
