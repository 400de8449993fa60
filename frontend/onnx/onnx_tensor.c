/* Tensors and initializers: TensorProto → IR constant. Raw and wide typed data are
 * used in place (the unpacked ModelProto is adopted by the graph arena); narrow typed
 * data (int32_data holding i8/u8/i16/u16/bool/f16/bf16/8-bit float values, or the bytes of
 * packed 4- and 2-bit types, already packed as raw data is) is converted. */
#include "onnx_internal.h"

#include <string.h>

#include "ir/limits.h"

/* The tensor's type; -1 with a message naming the tensor if dtype or shape is bad. */
static int tensor_type(onnx_import *import, const Onnx__TensorProto *tensor, const char *name,
                       ir_type *out) {
  ir_dtype dtype = ir_dtype_from_onnx(tensor->data_type);
  if (dtype == IR_DTYPE_INVALID)
    return onnx_error(import, "tensor '%s': unsupported element type (ONNX data type %d)", name,
                      (int)tensor->data_type);
  if (tensor->n_dims > IR_MAX_RANK)
    return onnx_error(import, "tensor '%s': unsupported rank %zu (dlcc supports up to %d)", name,
                      tensor->n_dims, IR_MAX_RANK);
  for (size_t i = 0; i < tensor->n_dims; i++)
    if (tensor->dims[i] < 0)
      return onnx_error(import, "tensor '%s': dimension %zu is negative (%lld)", name, i,
                        (long long)tensor->dims[i]);
  *out = ir_type_make(dtype, (int)tensor->n_dims, tensor->dims);
  int64_t bytes;
  if (!ir_type_byte_size(out, &bytes))
    return onnx_error(import, "tensor '%s': shape is too large (byte size overflows)", name);
  if (!dl_limits_tensor_fits(bytes))
    return onnx_error(import, "tensor '%s': " DL_TENSOR_LIMIT_FORMAT, name,
                      DL_TENSOR_LIMIT_ARGS(bytes));
  return 0;
}

/* Number of values stored in the typed field that matches `dtype`, and that field. */
static size_t typed_count(const Onnx__TensorProto *tensor, ir_dtype dtype,
                          const void **out_values) {
  switch (dtype) {
  case IR_DTYPE_F32:
    *out_values = tensor->float_data;
    return tensor->n_float_data;
  case IR_DTYPE_F64:
    *out_values = tensor->double_data;
    return tensor->n_double_data;
  case IR_DTYPE_I64:
    *out_values = tensor->int64_data;
    return tensor->n_int64_data;
  case IR_DTYPE_U32:
  case IR_DTYPE_U64:
    *out_values = tensor->uint64_data;
    return tensor->n_uint64_data;
  default:
    *out_values = tensor->int32_data;
    return tensor->n_int32_data;
  }
}

static size_t total_typed_count(const Onnx__TensorProto *tensor) {
  return tensor->n_float_data + tensor->n_double_data + tensor->n_int64_data +
         tensor->n_uint64_data + tensor->n_int32_data + tensor->n_string_data;
}

/* Converts the typed values into the IR's little-endian element layout. */
static const void *convert_typed(onnx_import *import, ir_dtype dtype, const void *values,
                                 int64_t count) {
  if (dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F64 || dtype == IR_DTYPE_I64 ||
      dtype == IR_DTYPE_U64 || dtype == IR_DTYPE_I32)
    return values; /* same layout: used in place */
  size_t element = ir_dtype_is_packed(dtype) ? 1 : ir_dtype_size(dtype); /* a packed byte */
  unsigned char *out = ir_arena_alloc_array(import->graph->arena, (size_t)count, element);
  if (!out)
    return NULL;
  for (int64_t i = 0; i < count; i++) {
    if (dtype == IR_DTYPE_U32) {
      uint32_t value = (uint32_t)((const uint64_t *)values)[i];
      memcpy(out + i * 4, &value, 4);
    } else if (element == 2) {
      uint16_t value = (uint16_t)((const int32_t *)values)[i];
      memcpy(out + i * 2, &value, 2);
    } else {
      out[i] = (unsigned char)((const int32_t *)values)[i];
    }
  }
  return out;
}

/* Locates the element data of `tensor` (raw, typed or external), checking its size. */
static int tensor_data(onnx_import *import, const Onnx__TensorProto *tensor, const char *name,
                       const ir_type *type, const void **out_data) {
  int64_t count = 0, bytes = 0;
  ir_type_element_count(type, &count);
  ir_type_byte_size(type, &bytes);
  if (tensor->segment)
    return onnx_error(import, "tensor '%s': unsupported: segmented tensors", name);
  bool external = tensor->has_data_location &&
                  tensor->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  if (external)
    return onnx_read_external_data(import, tensor, name, bytes, out_data);
  if (tensor->has_raw_data) {
    if (total_typed_count(tensor) > 0)
      return onnx_error(import, "tensor '%s': holds both raw_data and typed data", name);
    if ((int64_t)tensor->raw_data.len != bytes)
      return onnx_error(import,
                        "tensor '%s': raw_data has %zu bytes but its type %s needs %lld bytes",
                        name, tensor->raw_data.len, ir_dtype_name(type->dtype), (long long)bytes);
    *out_data = tensor->raw_data.data;
  } else {
    const void *values = NULL;
    size_t stored = typed_count(tensor, type->dtype, &values);
    if (ir_dtype_is_packed(type->dtype))
      count = bytes; /* one int32 per byte of packed elements */
    if (stored != total_typed_count(tensor))
      return onnx_error(import,
                        "tensor '%s': data is stored in a field that does not match "
                        "its element type %s",
                        name, ir_dtype_name(type->dtype));
    if ((int64_t)stored != count)
      return onnx_error(import, "tensor '%s': has %zu values but its shape needs %lld", name,
                        stored, (long long)count);
    *out_data = count ? convert_typed(import, type->dtype, values, count) : NULL;
    if (count && !*out_data)
      return onnx_error(import, "out of memory");
  }
  /* An empty tensor still needs non-NULL data: NULL means "elided" in the IR. */
  if (!*out_data && !(*out_data = ir_arena_alloc(import->graph->arena, 1)))
    return onnx_error(import, "out of memory");
  return 0;
}

int onnx_tensor_contents(onnx_import *import, const Onnx__TensorProto *tensor, const char *name,
                         ir_type *out_type, const void **out_data) {
  *out_data = NULL;
  if (tensor_type(import, tensor, name, out_type) != 0)
    return -1;
  return tensor_data(import, tensor, name, out_type, out_data);
}

ir_value *onnx_import_tensor(onnx_import *import, const Onnx__TensorProto *tensor,
                             const char *name) {
  if (!name)
    name = onnx_text(tensor->name);
  ir_type type;
  const void *data = NULL;
  if (onnx_tensor_contents(import, tensor, name, &type, &data) != 0)
    return NULL;
  ir_value *value = ir_graph_add_constant(import->graph, name, type, data);
  if (!value)
    onnx_error(import, "tensor '%s': the name is defined twice", name);
  return value;
}
