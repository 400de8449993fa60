/* Shared machinery of shape inference: the driver (arity, typed inputs, dispatch) and
 * the error messages and input expectations every op's inference uses. */
#include "ir/infer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Formats a printf-style message into `buffer` (truncated if needed). */
static void format_message(char *buffer, size_t size, const char *format, va_list args) {
  vsnprintf(buffer, size, format, args);
}

int ir_node_error(dl_diag *diag, const ir_node *node, const char *format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  format_message(message, sizeof(message), format, args);
  va_end(args);
  return dl_error(diag, "node '%s' (%s): %s", node->name, ir_op_name(node->op), message);
}

const char *ir_format_type(const ir_graph *graph, const ir_type *type, char *buffer, size_t size) {
  const char *const *names = NULL;
  if (graph) {
    /* Symbol names are usable only if every symbolic dim refers to a known symbol. */
    names = (const char *const *)graph->symbols;
    for (int i = 0; i < type->rank && i < IR_MAX_RANK; i++)
      if (!ir_dim_is_static(type->dims[i]) &&
          ir_dim_symbol_index(type->dims[i]) >= graph->num_symbols)
        names = NULL;
  }
  if (type->rank < 0 || type->rank > IR_MAX_RANK) {
    snprintf(buffer, size, "%s[<rank %d>]", ir_dtype_name(type->dtype), type->rank);
    return buffer;
  }
  ir_type_format(type, names, buffer, size);
  return buffer;
}

int ir_input_error(const ir_graph *graph, dl_diag *diag, const ir_node *node, int index,
                   const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  format_message(message, sizeof(message), format, args);
  va_end(args);
  ir_value *input = ir_node_input(node, index);
  if (!input)
    return ir_node_error(diag, node, "input %d is missing but %s", index, message);
  char type_text[160];
  ir_format_type(graph, &input->type, type_text, sizeof(type_text));
  return ir_node_error(diag, node, "input %d '%s' has type %s but %s", index, input->name,
                       type_text, message);
}

int ir_expect_rank(const ir_graph *graph, const ir_node *node, int index, int min_rank,
                   int max_rank, dl_diag *diag) {
  ir_value *input = ir_node_input(node, index);
  const char *op = ir_op_name(node->op);
  if (!input)
    return ir_node_error(diag, node, "input %d is missing", index);
  int rank = input->type.rank;
  if (rank >= min_rank && (max_rank < 0 || rank <= max_rank))
    return 0;
  if (min_rank == max_rank)
    return ir_input_error(graph, diag, node, index, "%s needs rank %d", op, min_rank);
  if (max_rank < 0)
    return ir_input_error(graph, diag, node, index, "%s needs rank >= %d", op, min_rank);
  return ir_input_error(graph, diag, node, index, "%s needs rank %d to %d", op, min_rank, max_rank);
}

int ir_expect_float(const ir_graph *graph, const ir_node *node, int index, dl_diag *diag) {
  ir_value *input = ir_node_input(node, index);
  if (!input)
    return ir_node_error(diag, node, "input %d is missing", index);
  if (ir_dtype_is_float(input->type.dtype))
    return 0;
  return ir_input_error(graph, diag, node, index, "%s needs a floating-point type",
                        ir_op_name(node->op));
}

int ir_expect_op_dtype(const ir_graph *graph, const ir_node *node, int index, dl_diag *diag) {
  if (ir_op_has_flag(node->op, IR_OP_FLAG_FLOAT_ONLY))
    return ir_expect_float(graph, node, index, diag);
  ir_value *input = ir_node_input(node, index);
  if (!input)
    return ir_node_error(diag, node, "input %d is missing", index);
  if (ir_op_has_flag(node->op, IR_OP_FLAG_BOOL_ONLY) && input->type.dtype != IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, index, "%s needs bool", ir_op_name(node->op));
  if (ir_op_has_flag(node->op, IR_OP_FLAG_INTEGER_ONLY) && !ir_dtype_is_integer(input->type.dtype))
    return ir_input_error(graph, diag, node, index, "%s needs an integer type",
                          ir_op_name(node->op));
  return 0;
}

int ir_expect_same_dtype(const ir_graph *graph, const ir_node *node, int index, int reference,
                         dl_diag *diag) {
  ir_value *input = ir_node_input(node, index);
  ir_value *other = ir_node_input(node, reference);
  if (!input || !other)
    return ir_node_error(diag, node, "input %d is missing", input ? reference : index);
  if (input->type.dtype == other->type.dtype)
    return 0;
  return ir_input_error(graph, diag, node, index, "%s needs the element type %s of input %d",
                        ir_op_name(node->op), ir_dtype_name(other->type.dtype), reference);
}

int ir_expect_static_dims(const ir_graph *graph, const ir_node *node, int index, int first,
                          const char *what, dl_diag *diag) {
  ir_value *input = ir_node_input(node, index);
  if (!input)
    return ir_node_error(diag, node, "input %d is missing", index);
  for (int i = first < 0 ? 0 : first; i < input->type.rank; i++)
    if (!ir_dim_is_static(input->type.dims[i]))
      return ir_input_error(graph, diag, node, index,
                            "dimension %d is symbolic and %s needs it static", i, what);
  return 0;
}

/* Each input's type must be valid before an op can use it: either its producer was
 * not inferred yet (order problem) or it was created without a type. */
static int check_inputs_typed(const ir_node *node, const ir_op_info *info, dl_diag *diag) {
  int status = 0;
  for (int i = 0; i < node->num_inputs; i++) {
    ir_value *input = node->inputs[i];
    if (!input) {
      if (i < info->min_inputs)
        status = ir_node_error(diag, node, "input %d is required but absent", i);
      continue;
    }
    if (input->type.dtype <= IR_DTYPE_INVALID || input->type.dtype >= IR_DTYPE_COUNT ||
        input->type.rank < 0 || input->type.rank > IR_MAX_RANK)
      status = ir_node_error(diag, node,
                             "input %d '%s' has no valid type (is its producer "
                             "inferred before this node?)",
                             i, input->name);
  }
  return status;
}

int ir_infer_node(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_op_info *info = ir_op_get(node->op);
  if (!info)
    return dl_error(diag, "node '%s': invalid op %d", node->name, (int)node->op);
  if (node->num_inputs < info->min_inputs || node->num_inputs > info->max_inputs) {
    if (info->min_inputs == info->max_inputs)
      return ir_node_error(diag, node, "has %d inputs but %s takes %d", node->num_inputs,
                           info->name, info->min_inputs);
    return ir_node_error(diag, node, "has %d inputs but %s takes %d to %d", node->num_inputs,
                         info->name, info->min_inputs, info->max_inputs);
  }
  if (node->num_outputs < info->min_outputs || node->num_outputs > info->max_outputs) {
    if (info->min_outputs == info->max_outputs)
      return ir_node_error(diag, node, "has %d outputs but %s gives %d", node->num_outputs,
                           info->name, info->min_outputs);
    return ir_node_error(diag, node, "has %d outputs but %s gives %d to %d", node->num_outputs,
                         info->name, info->min_outputs, info->max_outputs);
  }
  if (check_inputs_typed(node, info, diag) != 0 || ir_check_attribute_kinds(node, diag) != 0)
    return -1;
  return info->infer(graph, node, diag);
}

/* True when some input lacks a type because an earlier node failed: that failure was
 * already reported, so the node is skipped instead of piling up follow-on errors. */
static bool input_left_untyped(const ir_node *node) {
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] && node->inputs[i]->type.dtype == IR_DTYPE_INVALID &&
        node->inputs[i]->producer)
      return true;
  return false;
}

int ir_infer_graph(ir_graph *graph, dl_diag *diag) {
  int failures = 0;
  /* Top-level nodes only: a dl.group infers its own body (ir_infer_group). */
  for (ir_node *node = graph->body.first; node; node = node->next) {
    if (failures && input_left_untyped(node))
      continue;
    if (ir_infer_node(graph, node, diag) != 0)
      failures++;
  }
  return failures ? -1 : 0;
}
