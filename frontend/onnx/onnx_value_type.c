/* Value types: ValueInfoProto (graph inputs) → ir_type. Named dims (dim_param) become
 * graph symbols unless the options bind them to a size ("batch=8"). */
#include "onnx_internal.h"

#include <string.h>

/* Parses "name=value"; returns false if malformed. */
static bool parse_binding(const char *binding, size_t *out_name_length, int64_t *out_value) {
  const char *equals = binding ? strchr(binding, '=') : NULL;
  if (!equals || equals == binding || !equals[1])
    return false;
  int64_t value = 0;
  for (const char *c = equals + 1; *c; c++) {
    if (*c < '0' || *c > '9' || value > (INT64_MAX - 9) / 10)
      return false;
    value = value * 10 + (*c - '0');
  }
  *out_name_length = (size_t)(equals - binding);
  *out_value = value;
  return true;
}

int onnx_check_dim_bindings(onnx_import *import) {
  const dl_onnx_options *options = import->options;
  int status = 0;
  for (int i = 0; options && i < options->num_dim_bindings; i++) {
    size_t length;
    int64_t value;
    const char *binding = options->dim_bindings[i];
    if (!parse_binding(binding, &length, &value)) {
      status = onnx_error(import, "dimension binding '%s' must read NAME=SIZE with SIZE >= 0",
                          onnx_text(binding));
      continue;
    }
    /* One name bound twice: refused rather than letting either win. */
    for (int j = 0; j < i; j++)
      if (strncmp(options->dim_bindings[j], binding, length + 1) == 0)
        status = onnx_error(import, "dimension '%.*s' is bound twice: '%s' and '%s'", (int)length,
                            binding, options->dim_bindings[j], binding);
  }
  return status;
}

/* The size bound to `name` by the options, or -1. */
static int64_t bound_size(const onnx_import *import, const char *name) {
  const dl_onnx_options *options = import->options;
  for (int i = 0; options && i < options->num_dim_bindings; i++) {
    size_t length;
    int64_t value;
    if (parse_binding(options->dim_bindings[i], &length, &value) && strlen(name) == length &&
        strncmp(options->dim_bindings[i], name, length) == 0)
      return value;
  }
  return -1;
}

static int dimension(onnx_import *import, const char *value_name, size_t index,
                     const Onnx__TensorShapeProto__Dimension *dim, int64_t *out) {
  if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
    if (dim->dim_value < 0)
      return onnx_error(import, "value '%s': dimension %zu is negative (%lld)", value_name, index,
                        (long long)dim->dim_value);
    *out = dim->dim_value;
    return 0;
  }
  if (dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM || !dim->dim_param ||
      !*dim->dim_param)
    return onnx_error(import,
                      "value '%s': dimension %zu has neither a size nor a name; "
                      "give it one in the model",
                      value_name, index);
  int64_t bound = bound_size(import, dim->dim_param);
  if (bound >= 0) {
    *out = bound;
    return 0;
  }
  int symbol = ir_graph_symbol(import->graph, dim->dim_param);
  if (symbol < 0)
    return onnx_error(import, "out of memory");
  *out = IR_DIM_SYMBOL(symbol);
  return 0;
}

int onnx_value_type(onnx_import *import, const Onnx__ValueInfoProto *info, ir_type *out) {
  const char *name = onnx_text(info->name);
  const Onnx__TypeProto *type = info->type;
  if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !type->tensor_type)
    return onnx_error(import, "value '%s': unsupported type (dlcc handles dense tensors only)",
                      name);
  const Onnx__TypeProto__Tensor *tensor = type->tensor_type;
  ir_dtype dtype = ir_dtype_from_onnx(tensor->elem_type);
  if (!tensor->has_elem_type || dtype == IR_DTYPE_INVALID)
    return onnx_error(import, "value '%s': unsupported element type (ONNX data type %d)", name,
                      (int)tensor->elem_type);
  if (!tensor->shape)
    return onnx_error(import,
                      "value '%s': has no shape (dlcc needs the rank of every "
                      "graph input)",
                      name);
  if (tensor->shape->n_dim > IR_MAX_RANK)
    return onnx_error(import, "value '%s': unsupported rank %zu (dlcc supports up to %d)", name,
                      tensor->shape->n_dim, IR_MAX_RANK);
  int64_t dims[IR_MAX_RANK];
  for (size_t i = 0; i < tensor->shape->n_dim; i++)
    if (dimension(import, name, i, tensor->shape->dim[i], &dims[i]) != 0)
      return -1;
  *out = ir_type_make(dtype, (int)tensor->shape->n_dim, dims);
  int64_t bytes;
  if (ir_type_is_static(out) && !ir_type_byte_size(out, &bytes))
    return onnx_error(import, "value '%s': shape is too large (byte size overflows)", name);
  return 0;
}
