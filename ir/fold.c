/* Constant folding driver: decides whether a node can fold, computes its outputs
 * (fold_ops.c) and turns them into constants in place. */
#include "ir/fold.h"

#include "ir/fold_ops.h"

/* The dims [start, end) of input 0 that a READS_DIMS node reads: a Shape node's, clamped like
 * its inference; all of them for the others (Size). */
static void shape_range(const ir_node *shape, int *out_start, int *out_end) {
  int rank = shape->inputs[0]->type.rank;
  int64_t start = 0, end = rank;
  if (shape->op != IR_OP_SHAPE) {
    *out_start = 0, *out_end = rank;
    return;
  }
  ir_attr_int_default(shape, "start", &start, NULL);
  ir_attr_int(shape, "end", rank, &end, NULL);
  start = start < 0 ? start + rank : start;
  end = end < 0 ? end + rank : end;
  *out_start = (int)(start < 0 ? 0 : start > rank ? rank : start);
  *out_end = (int)(end < *out_start ? *out_start : end > rank ? rank : end);
}

/* Every input is a constant with data; a READS_DIMS op needs only the dims it reads static. */
static bool inputs_known(const ir_node *node) {
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    if (!input)
      continue;
    if (ir_op_has_flag(node->op, IR_OP_FLAG_READS_DIMS) && i == 0) {
      int start, end;
      if (input->type.dtype == IR_DTYPE_INVALID)
        return false;
      shape_range(node, &start, &end);
      for (int d = start; d < end; d++)
        if (!ir_dim_is_static(input->type.dims[d]))
          return false;
      continue;
    }
    if (input->kind != IR_VALUE_CONSTANT || !input->data)
      return false;
  }
  return true;
}

/* For `value` = Shape(x) of an x with symbolic dims: its elements as an i64 array in
 * which symbolic dims stay negative (IR_DIM_SYMBOL), so that Gather or Slice picking
 * only static dims can still fold (x.shape[1] with a symbolic batch). NULL otherwise. */
static int64_t *partial_shape_elements(ir_graph *graph, const ir_value *value) {
  const ir_node *shape = value->producer;
  if (value->kind != IR_VALUE_RESULT || !shape || shape->op != IR_OP_SHAPE ||
      value->type.dtype != IR_DTYPE_I64 || shape->inputs[0]->type.dtype == IR_DTYPE_INVALID)
    return NULL;
  int start, end;
  shape_range(shape, &start, &end);
  int64_t *elements =
      ir_arena_alloc_array(graph->arena, (size_t)(end - start) + 1, sizeof(int64_t));
  for (int d = start; elements && d < end; d++)
    elements[d - start] = shape->inputs[0]->type.dims[d];
  return elements;
}

static bool outputs_typed(const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    if (node->outputs[i]->type.dtype == IR_DTYPE_INVALID)
      return false;
  return true;
}

static bool outputs_small(const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++) {
    int64_t count;
    if (!ir_type_element_count(&node->outputs[i]->type, &count) || count > IR_FOLD_MAX_ELEMENTS)
      return false;
  }
  return true;
}

static bool has_negative_element(const ir_value *value, const void *data) {
  int64_t count = 0;
  ir_type_element_count(&value->type, &count);
  for (int64_t i = 0; i < count; i++)
    if (ir_element_get_int(IR_DTYPE_I64, data, i) < 0)
      return true;
  return false;
}

/* Gather(Shape(x), indices) or Slice(Shape(x), ...) that selects only static dims. */
static int fold_partial_shape(ir_graph *graph, ir_node *node, bool *out_folded, dl_diag *diag) {
  ir_value *source = node->inputs[0];
  for (int i = 1; i < node->num_inputs; i++)
    if (node->inputs[i] && (node->inputs[i]->kind != IR_VALUE_CONSTANT || !node->inputs[i]->data))
      return 0;
  int64_t *elements = partial_shape_elements(graph, source);
  int64_t bytes;
  if (!elements || node->num_outputs != 1 || !outputs_typed(node) || !outputs_small(node) ||
      !ir_type_byte_size(&node->outputs[0]->type, &bytes))
    return 0;
  void *data = ir_arena_alloc(graph->arena, (size_t)bytes);
  if (!data)
    return ir_node_error(diag, node, "out of memory while folding");
  /* Lend the elements to the Shape output only for this computation. */
  source->data = elements;
  int status = ir_fold_compute(graph, node, 0, data, diag);
  source->data = NULL;
  if (status <= 0 || has_negative_element(node->outputs[0], data))
    return status < 0 ? -1 : 0;
  if (ir_value_make_constant(graph, node->outputs[0], data) != 0)
    return ir_node_error(diag, node, "out of memory while folding");
  ir_region_remove(node->parent, node);
  *out_folded = true;
  return 0;
}

int ir_fold_node(ir_graph *graph, ir_node *node, bool *out_folded, dl_diag *diag) {
  *out_folded = false;
  if (!ir_fold_supports(node->op) || node->body || !node->parent)
    return 0;
  if ((node->op == IR_OP_GATHER || node->op == IR_OP_SLICE) && node->inputs[0] &&
      node->inputs[0]->kind == IR_VALUE_RESULT)
    return fold_partial_shape(graph, node, out_folded, diag);
  if (!inputs_known(node))
    return 0;
  if (!outputs_typed(node) && ir_infer_node(graph, node, diag) != 0)
    return -1;
  if (!outputs_small(node))
    return 0;
  /* Compute every output before changing anything, so a refusal leaves the graph as is. */
  void *data[16];
  if (node->num_outputs > 16)
    return 0;
  for (int i = 0; i < node->num_outputs; i++) {
    int64_t bytes;
    if (!ir_type_byte_size(&node->outputs[i]->type, &bytes))
      return 0;
    data[i] = ir_arena_alloc(graph->arena, (size_t)bytes);
    if (!data[i])
      return ir_node_error(diag, node, "out of memory while folding");
    int status = ir_fold_compute(graph, node, i, data[i], diag);
    if (status <= 0)
      return status;
  }
  for (int i = 0; i < node->num_outputs; i++)
    if (ir_value_make_constant(graph, node->outputs[i], data[i]) != 0)
      return ir_node_error(diag, node, "out of memory while folding");
  ir_region_remove(node->parent, node);
  *out_folded = true;
  return 0;
}

int ir_fold_graph(ir_graph *graph, dl_diag *diag) {
  int failures = 0;
  for (ir_node *node = graph->body.first, *next; node; node = next) {
    next = node->next; /* folding unlinks the node */
    bool folded;
    if (ir_fold_node(graph, node, &folded, diag) != 0)
      failures++;
  }
  return failures ? -1 : 0;
}
