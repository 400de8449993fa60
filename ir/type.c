/* Element type table (from dlrt/dtypes.def) and tensor type helpers. */
#include "ir/type.h"

#include <stdio.h>
#include <string.h>

#include "ir/checked_math.h"

typedef enum dtype_kind { KIND_NONE, KIND_FLOAT, KIND_SIGNED, KIND_UNSIGNED, KIND_BOOL } dtype_kind;

typedef struct dtype_info {
  const char *name;
  int bits;
  int onnx_code;
  dtype_kind kind;
} dtype_info;

static const dtype_info DTYPES[IR_DTYPE_COUNT] = {
    [IR_DTYPE_INVALID] = {"invalid", 0, 0, KIND_NONE},
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND)                                               \
  [IR_DTYPE_##ENUM] = {NAME, BITS, ONNX, KIND_##KIND},
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
};

static bool dtype_valid(ir_dtype dtype) { return dtype > IR_DTYPE_INVALID && dtype < IR_DTYPE_COUNT; }

const char *ir_dtype_name(ir_dtype dtype) {
  return dtype_valid(dtype) ? DTYPES[dtype].name : "invalid";
}

ir_dtype ir_dtype_from_name(const char *name) {
  for (int d = 1; d < IR_DTYPE_COUNT; d++)
    if (strcmp(DTYPES[d].name, name) == 0)
      return (ir_dtype)d;
  return IR_DTYPE_INVALID;
}

size_t ir_dtype_size(ir_dtype dtype) {
  return dtype_valid(dtype) ? (size_t)DTYPES[dtype].bits / 8 : 0;
}

int ir_dtype_bits(ir_dtype dtype) { return dtype_valid(dtype) ? DTYPES[dtype].bits : 0; }

bool ir_dtype_is_packed(ir_dtype dtype) {
  return dtype_valid(dtype) && DTYPES[dtype].bits < 8;
}

ir_dtype ir_dtype_from_onnx(int onnx_code) {
  for (int d = 1; d < IR_DTYPE_COUNT; d++)
    if (DTYPES[d].onnx_code == onnx_code)
      return (ir_dtype)d;
  return IR_DTYPE_INVALID;
}

int ir_dtype_to_onnx(ir_dtype dtype) { return dtype_valid(dtype) ? DTYPES[dtype].onnx_code : 0; }

static dtype_kind kind_of(ir_dtype dtype) {
  return dtype_valid(dtype) ? DTYPES[dtype].kind : KIND_NONE;
}

bool ir_dtype_is_float(ir_dtype dtype) { return kind_of(dtype) == KIND_FLOAT; }

bool ir_dtype_is_signed(ir_dtype dtype) { return kind_of(dtype) == KIND_SIGNED; }

bool ir_dtype_is_integer(ir_dtype dtype) {
  return kind_of(dtype) == KIND_SIGNED || kind_of(dtype) == KIND_UNSIGNED;
}

ir_type ir_type_make(ir_dtype dtype, int rank, const int64_t *dims) {
  ir_type type = {.dtype = dtype, .rank = rank};
  for (int i = 0; i < rank && i < IR_MAX_RANK; i++)
    type.dims[i] = dims[i];
  return type;
}

ir_type ir_type_scalar(ir_dtype dtype) { return ir_type_make(dtype, 0, NULL); }

bool ir_type_same_dims(const ir_type *a, const ir_type *b) {
  if (a->rank != b->rank)
    return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i])
      return false;
  return true;
}

bool ir_type_equal(const ir_type *a, const ir_type *b) {
  return a->dtype == b->dtype && ir_type_same_dims(a, b);
}

bool ir_type_is_static(const ir_type *type) {
  for (int i = 0; i < type->rank; i++)
    if (!ir_dim_is_static(type->dims[i]))
      return false;
  return true;
}

bool ir_type_element_count(const ir_type *type, int64_t *out_count) {
  for (int i = 0; i < type->rank; i++)
    if (!ir_dim_is_static(type->dims[i]))
      return false;
  /* 0 x 2^62 x 2^62 holds no elements: a zero wins over an overflow. */
  return dl_checked_product(type->dims, type->rank, out_count);
}

bool ir_type_byte_size(const ir_type *type, int64_t *out_bytes) {
  int64_t count;
  int64_t bits = ir_dtype_bits(type->dtype);
  if (!ir_type_element_count(type, &count) || bits == 0)
    return false;
  if (count > (INT64_MAX - 7) / bits)
    return false;
  *out_bytes = (count * bits + 7) / 8; /* packed types round up to a whole byte */
  return true;
}

int ir_type_format(const ir_type *type, const char *const *symbol_names, char *buffer,
                   size_t size) {
  size_t used = 0;
  int total = 0;
#define APPEND(...)                                                                        \
  do {                                                                                     \
    int n = snprintf(buffer + used, used < size ? size - used : 0, __VA_ARGS__);          \
    total += n;                                                                            \
    used = used + (size_t)n < size ? used + (size_t)n : size;                              \
  } while (0)
  if (size == 0)
    buffer = NULL;
  APPEND("%s[", ir_dtype_name(type->dtype));
  for (int i = 0; i < type->rank; i++) {
    int64_t dim = type->dims[i];
    const char *comma = i ? "," : "";
    if (ir_dim_is_static(dim))
      APPEND("%s%lld", comma, (long long)dim);
    else if (symbol_names)
      APPEND("%s%s", comma, symbol_names[ir_dim_symbol_index(dim)]);
    else
      APPEND("%s?%d", comma, ir_dim_symbol_index(dim));
  }
  APPEND("]");
#undef APPEND
  return total;
}
