/* Pass combine-views: a chain of two reshaping views (Reshape, Flatten, Squeeze, Unsqueeze)
 * becomes one Reshape of the first one's input to the second one's static shape, and a
 * Transpose of a Transpose one Transpose by the composed permutation (which
 * eliminate-identity removes when it is the identity). The second node is rewritten in
 * place, keeping its output value (name and readers); the first is left to dce when nothing
 * else reads it. Symbolic dims are left alone (a Reshape needs its shape as a constant). */
#include <stdint.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

static bool reshapes(ir_op op) {
  return op == IR_OP_RESHAPE || op == IR_OP_FLATTEN || op == IR_OP_SQUEEZE ||
         op == IR_OP_UNSQUEEZE;
}

/* The producer of `node`'s first input when it is an `op`-like node of the same region. */
static ir_node *chained(const ir_node *node, bool (*like)(ir_op)) {
  ir_value *input = node->num_inputs ? node->inputs[0] : NULL;
  ir_node *producer = input ? input->producer : NULL;
  return producer && producer->parent == node->parent && producer->num_outputs == 1 &&
                 like(producer->op)
             ? producer
             : NULL;
}

static bool transposes(ir_op op) { return op == IR_OP_TRANSPOSE; }

/* `perm` of a Transpose, the reversal when it has none. */
static bool permutation_of(const ir_node *node, int64_t *perm) {
  int rank = node->inputs[0]->type.rank;
  const ir_attr *attr = ir_node_attr(node, "perm");
  if (attr && (attr->kind != IR_ATTR_INTS || attr->count != rank))
    return false;
  for (int i = 0; i < rank; i++)
    perm[i] = attr ? attr->as.ints[i] : rank - 1 - i;
  return true;
}

/* Replaces `second` by `replacement` (same region, before it), which takes over its output. */
static int take_over(ir_graph *graph, ir_node *second, ir_node *replacement, dl_diag *diag) {
  dl_move_before(replacement, second);
  dl_take_output(replacement, 0, second->outputs[0]);
  ir_region_remove(second->parent, second);
  return ir_infer_node(graph, replacement, diag);
}

static int combine_reshapes(ir_graph *graph, ir_node *second, ir_node *first, dl_diag *diag) {
  const ir_type *type = &second->outputs[0]->type;
  int64_t dims[IR_MAX_RANK];
  for (int d = 0; d < type->rank; d++) {
    if (type->dims[d] < 0)
      return 0;
    dims[d] = type->dims[d];
  }
  ir_value *inputs[2] = {
      first->inputs[0],
      ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, "shape"),
                                 ir_type_make(IR_DTYPE_I64, 1, (int64_t[]){type->rank}), dims)};
  ir_node *reshape = inputs[1] ? ir_graph_add_node(graph, second->parent, IR_OP_RESHAPE,
                                                   second->name, inputs, 2, NULL, 1)
                               : NULL;
  if (!reshape)
    return ir_node_error(diag, second, "combine-views: out of memory");
  return take_over(graph, second, reshape, diag);
}

static int combine_transposes(ir_graph *graph, ir_node *second, ir_node *first, dl_diag *diag) {
  int64_t inner[IR_MAX_RANK], outer[IR_MAX_RANK], composed[IR_MAX_RANK];
  int rank = first->inputs[0]->type.rank;
  if (rank > IR_MAX_RANK || !permutation_of(first, inner) || !permutation_of(second, outer))
    return 0;
  for (int i = 0; i < rank; i++) /* out[i] = mid[outer[i]] = in[inner[outer[i]]] */
    composed[i] = inner[outer[i]];
  ir_node *transpose = ir_graph_add_node(graph, second->parent, IR_OP_TRANSPOSE, second->name,
                                         &first->inputs[0], 1, NULL, 1);
  if (!transpose || ir_node_set_ints(graph, transpose, "perm", composed, rank) != 0)
    return ir_node_error(diag, second, "combine-views: out of memory");
  return take_over(graph, second, transpose, diag);
}

int dl_pass_combine_views(ir_graph *graph, dl_diag *diag) {
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node) {
    ir_node *next = ir_graph_next_node(graph, node);
    ir_node *first;
    int status = 0;
    if (reshapes(node->op) && node->num_outputs == 1 && (first = chained(node, reshapes)))
      status = combine_reshapes(graph, node, first, diag);
    else if (node->op == IR_OP_TRANSPOSE && (first = chained(node, transposes)))
      status = combine_transposes(graph, node, first, diag);
    if (status != 0)
      return -1;
    node = next;
  }
  return 0;
}
