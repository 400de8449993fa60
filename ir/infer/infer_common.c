/* Shared machinery of shape inference: the driver (arity, typed inputs, dispatch),
 * error messages, typed attribute reads, constant inputs and broadcasting. */
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
  if (check_inputs_typed(node, info, diag) != 0)
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

static int attr_kind_error(const ir_node *node, const ir_attr *attr, ir_attr_kind wanted,
                           dl_diag *diag) {
  return ir_node_error(diag, node, "attribute '%s' is %s but must be %s", attr->name,
                       ir_attr_kind_name(attr->kind), ir_attr_kind_name(wanted));
}

int ir_attr_int(const ir_node *node, const char *name, int64_t fallback, int64_t *out,
                dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = fallback;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_INT)
    return attr_kind_error(node, attr, IR_ATTR_INT, diag);
  *out = attr->as.i;
  return 0;
}

int ir_attr_float(const ir_node *node, const char *name, float fallback, float *out,
                  dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = fallback;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_FLOAT)
    return attr_kind_error(node, attr, IR_ATTR_FLOAT, diag);
  *out = attr->as.f;
  return 0;
}

int ir_attr_string(const ir_node *node, const char *name, const char *fallback, const char **out,
                   dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = fallback;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_STRING)
    return attr_kind_error(node, attr, IR_ATTR_STRING, diag);
  *out = attr->as.s;
  return 0;
}

int ir_attr_ints(const ir_node *node, const char *name, const int64_t **out, int *out_count,
                 dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = NULL;
  *out_count = -1;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_INTS)
    return attr_kind_error(node, attr, IR_ATTR_INTS, diag);
  *out = attr->as.ints;
  *out_count = attr->count;
  return 0;
}

int ir_attr_floats(const ir_node *node, const char *name, const float **out, int *out_count,
                   dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = NULL;
  *out_count = -1;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_FLOATS)
    return attr_kind_error(node, attr, IR_ATTR_FLOATS, diag);
  *out = attr->as.floats;
  *out_count = attr->count;
  return 0;
}

int ir_attr_dtype(const ir_node *node, const char *name, ir_dtype fallback, ir_dtype *out,
                  dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  *out = fallback;
  if (!attr)
    return 0;
  if (attr->kind != IR_ATTR_DTYPE)
    return attr_kind_error(node, attr, IR_ATTR_DTYPE, diag);
  if (attr->as.dtype <= IR_DTYPE_INVALID || attr->as.dtype >= IR_DTYPE_COUNT)
    return ir_node_error(diag, node, "attribute '%s' holds an invalid element type %d", name,
                         (int)attr->as.dtype);
  *out = attr->as.dtype;
  return 0;
}

int ir_node_constant_ints(const ir_node *node, int input_index, int64_t *out, int capacity,
                          int *out_count, dl_diag *diag) {
  ir_value *input = ir_node_input(node, input_index);
  *out_count = 0;
  if (!input)
    return ir_node_error(diag, node, "input %d is missing but must be a constant", input_index);
  if (input->kind != IR_VALUE_CONSTANT)
    return ir_node_error(diag, node,
                         "input %d '%s' must be a constant (dlcc needs it at compile time to "
                         "know output shapes) but is computed at run time",
                         input_index, input->name);
  if (!input->data)
    return ir_node_error(diag, node, "input %d '%s' is a constant whose data was elided",
                         input_index, input->name);
  ir_dtype dtype = input->type.dtype;
  if (dtype != IR_DTYPE_I64 && dtype != IR_DTYPE_I32)
    return ir_node_error(diag, node, "input %d '%s' has element type %s but must be i64 or i32",
                         input_index, input->name, ir_dtype_name(dtype));
  if (input->type.rank > 1)
    return ir_node_error(diag, node, "input %d '%s' has rank %d but must be a scalar or 1-D",
                         input_index, input->name, input->type.rank);
  int64_t count;
  if (!ir_type_element_count(&input->type, &count))
    return ir_node_error(diag, node, "input %d '%s' has a symbolic length", input_index,
                         input->name);
  if (count > capacity)
    return ir_node_error(diag, node, "input %d '%s' has %lld values; at most %d are supported",
                         input_index, input->name, (long long)count, capacity);
  for (int64_t i = 0; i < count; i++) {
    if (dtype == IR_DTYPE_I64) {
      int64_t value;
      memcpy(&value, (const char *)input->data + i * 8, 8);
      out[i] = value;
    } else {
      int32_t value;
      memcpy(&value, (const char *)input->data + i * 4, 4);
      out[i] = value;
    }
  }
  *out_count = (int)count;
  return 0;
}

/* One broadcast dimension; false when the two cannot be broadcast together. A symbol
 * against 1 or itself stays the symbol; against a static N > 1 it must be N or 1 at run
 * time, and either way the result is N. */
static bool broadcast_dim(int64_t a, int64_t b, int64_t *out) {
  if (a == b || b == 1) {
    *out = a;
    return true;
  }
  if (a == 1) {
    *out = b;
    return true;
  }
  if (!ir_dim_is_static(a) && ir_dim_is_static(b) && b != 0) {
    *out = b;
    return true;
  }
  if (!ir_dim_is_static(b) && ir_dim_is_static(a) && a != 0) {
    *out = a;
    return true;
  }
  return false;
}

int ir_broadcast_shapes(const ir_type *a, const ir_type *b, ir_type *out) {
  if (a->rank < 0 || a->rank > IR_MAX_RANK || b->rank < 0 || b->rank > IR_MAX_RANK)
    return -1;
  ir_type result = {.dtype = a->dtype, .rank = a->rank > b->rank ? a->rank : b->rank};
  for (int i = 0; i < result.rank; i++) {
    /* Align from the right: missing leading dims count as 1. */
    int at_a = a->rank - result.rank + i, at_b = b->rank - result.rank + i;
    int64_t dim_a = at_a >= 0 ? a->dims[at_a] : 1;
    int64_t dim_b = at_b >= 0 ? b->dims[at_b] : 1;
    if (!broadcast_dim(dim_a, dim_b, &result.dims[i]))
      return -1;
  }
  *out = result;
  return 0;
}

int ir_normalize_axis(int64_t axis, int rank, int *out) {
  if (axis < -(int64_t)rank || axis >= rank)
    return -1;
  *out = (int)(axis < 0 ? axis + rank : axis);
  return 0;
}

int ir_set_output_type(const ir_node *node, int index, ir_type type, dl_diag *diag) {
  if (index < 0 || index >= node->num_outputs)
    return ir_node_error(diag, node, "has no output %d", index);
  if (type.dtype <= IR_DTYPE_INVALID || type.dtype >= IR_DTYPE_COUNT)
    return ir_node_error(diag, node, "output %d would have an invalid element type", index);
  if (type.rank < 0 || type.rank > IR_MAX_RANK)
    return ir_node_error(diag, node, "output %d would have rank %d; at most %d is supported", index,
                         type.rank, IR_MAX_RANK);
  /* Static dims times the element size must fit in int64 (symbolic dims count as 1;
   * the runtime checks their product against real sizes). */
  int64_t bytes = (int64_t)ir_dtype_size(type.dtype);
  for (int i = 0; i < type.rank; i++) {
    int64_t dim = type.dims[i];
    if (!ir_dim_is_static(dim))
      continue;
    if (dim != 0 && bytes > INT64_MAX / dim) {
      char text[160];
      return ir_node_error(diag, node, "output %d would have type %s whose byte size overflows",
                           index, ir_format_type(NULL, &type, text, sizeof(text)));
    }
    bytes *= dim;
  }
  for (int i = type.rank; i < IR_MAX_RANK; i++)
    type.dims[i] = 0; /* so equal types compare equal byte for byte */
  node->outputs[index]->type = type;
  return 0;
}

int ir_normalize_axes(const ir_node *node, const char *what, int64_t *axes, int count, int rank,
                      dl_diag *diag) {
  bool seen[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++) {
    int axis;
    if (rank > IR_MAX_RANK || ir_normalize_axis(axes[i], rank, &axis) != 0)
      return ir_node_error(diag, node, "%s value %lld is out of range for rank %d", what,
                           (long long)axes[i], rank);
    if (seen[axis])
      return ir_node_error(diag, node, "%s names axis %d twice", what, axis);
    seen[axis] = true;
    axes[i] = axis;
  }
  return 0;
}
