/* Typed attribute reads and constant integer inputs for shape inference. */
#include "ir/infer.h"

#include <string.h>

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

/* The node's attribute `name`, else the op's default; of kind `kind`. */
static const ir_attr *attribute_or_default(const ir_node *node, const char *name, ir_attr_kind kind,
                                           dl_diag *diag) {
  const ir_attr *attr = ir_node_attr(node, name);
  if (!attr)
    attr = ir_op_attribute_default(node->op, name);
  if (!attr) {
    ir_node_error(diag, node, "attribute '%s' is required", name);
    return NULL;
  }
  if (attr->kind != kind) {
    attr_kind_error(node, attr, kind, diag);
    return NULL;
  }
  return attr;
}

int ir_attr_int_default(const ir_node *node, const char *name, int64_t *out, dl_diag *diag) {
  const ir_attr *attr = attribute_or_default(node, name, IR_ATTR_INT, diag);
  *out = attr ? attr->as.i : 0;
  return attr ? 0 : -1;
}

int ir_attr_float_default(const ir_node *node, const char *name, float *out, dl_diag *diag) {
  const ir_attr *attr = attribute_or_default(node, name, IR_ATTR_FLOAT, diag);
  *out = attr ? attr->as.f : 0.0f;
  return attr ? 0 : -1;
}

int ir_attr_string_default(const ir_node *node, const char *name, const char **out, dl_diag *diag) {
  const ir_attr *attr = attribute_or_default(node, name, IR_ATTR_STRING, diag);
  *out = attr ? attr->as.s : "";
  return attr ? 0 : -1;
}

int ir_check_attribute_kinds(const ir_node *node, dl_diag *diag) {
  ir_op op;
  const ir_attr *fallback;
  for (int i = 0; (fallback = ir_op_attribute_default_at(i, &op)); i++) {
    const ir_attr *attr = op == node->op ? ir_node_attr(node, fallback->name) : NULL;
    if (attr && attr->kind != fallback->kind)
      return attr_kind_error(node, attr, fallback->kind, diag);
  }
  return 0;
}

/* The checks both constant readers share: present, constant, with data, rank <= 1, at most
 * `capacity` values; `*out_count` gets the count. */
static int check_constant_list(const ir_node *node, int input_index, int capacity, int *out_count,
                               const ir_value **out_input, dl_diag *diag) {
  ir_value *input = ir_node_input(node, input_index);
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
  *out_count = (int)count;
  *out_input = input;
  return 0;
}

int ir_node_constant_ints(const ir_node *node, int input_index, int64_t *out, int capacity,
                          int *out_count, dl_diag *diag) {
  const ir_value *input = NULL;
  int count = 0;
  *out_count = 0;
  if (check_constant_list(node, input_index, capacity, &count, &input, diag) != 0)
    return -1;
  ir_dtype dtype = input->type.dtype;
  if (dtype != IR_DTYPE_I64 && dtype != IR_DTYPE_I32)
    return ir_node_error(diag, node, "input %d '%s' has element type %s but must be i64 or i32",
                         input_index, input->name, ir_dtype_name(dtype));
  for (int i = 0; i < count; i++) {
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
  *out_count = count;
  return 0;
}

int ir_node_constant_floats(const ir_node *node, int input_index, double *out, int capacity,
                            int *out_count, dl_diag *diag) {
  const ir_value *input = NULL;
  int count = 0;
  *out_count = 0;
  if (check_constant_list(node, input_index, capacity, &count, &input, diag) != 0)
    return -1;
  if (!ir_dtype_is_float(input->type.dtype))
    return ir_node_error(diag, node, "input %d '%s' has element type %s but must be a float",
                         input_index, input->name, ir_dtype_name(input->type.dtype));
  for (int i = 0; i < count; i++)
    out[i] = ir_element_get_float(input->type.dtype, input->data, i);
  *out_count = count;
  return 0;
}
