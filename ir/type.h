/* Element types and tensor types (element type + shape) of the graph IR. */
#ifndef DLCC_IR_TYPE_H
#define DLCC_IR_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rows of dlrt/dtypes.def (shared with the runtime), after IR_DTYPE_INVALID = 0 so a
 * zeroed type is invalid: ir_dtype = dlrt_dtype + 1 (codegen/program/dlrt_dtype.h). */
typedef enum ir_dtype {
  IR_DTYPE_INVALID = 0,
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND) IR_DTYPE_##ENUM,
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
  IR_DTYPE_COUNT
} ir_dtype;

const char *ir_dtype_name(ir_dtype dtype);            /* "f32"; "invalid" */
ir_dtype ir_dtype_from_name(const char *name);        /* IR_DTYPE_INVALID if unknown */
size_t ir_dtype_size(ir_dtype dtype); /* bytes per element; 0 for packed types (below) */
int ir_dtype_bits(ir_dtype dtype);    /* bits per element: 64 ... 2 */
/* 4- and 2-bit types, packed several to a byte (dlrt/dtypes.def says how). */
bool ir_dtype_is_packed(ir_dtype dtype);
ir_dtype ir_dtype_from_onnx(int onnx_code);           /* IR_DTYPE_INVALID if unsupported */
int ir_dtype_to_onnx(ir_dtype dtype);
bool ir_dtype_is_float(ir_dtype dtype);
bool ir_dtype_is_integer(ir_dtype dtype); /* signed or unsigned, not bool */
bool ir_dtype_is_signed(ir_dtype dtype);

enum { IR_MAX_RANK = 8 };

/* A dimension is a static size >= 0, or symbolic: IR_DIM_SYMBOL(k) refers to
 * the graph's k-th dimension symbol (e.g. "batch"). Static-only code checks
 * ir_dim_is_static() and reports an error for symbolic dimensions. */
#define IR_DIM_SYMBOL(k) (-(int64_t)(k)-1)
static inline bool ir_dim_is_static(int64_t dim) { return dim >= 0; }
static inline int ir_dim_symbol_index(int64_t dim) { return (int)(-dim - 1); }

typedef struct ir_type {
  ir_dtype dtype;
  int rank;
  int64_t dims[IR_MAX_RANK];
} ir_type;

ir_type ir_type_make(ir_dtype dtype, int rank, const int64_t *dims);
ir_type ir_type_scalar(ir_dtype dtype);
bool ir_type_equal(const ir_type *a, const ir_type *b);
/* The same rank and dims, whatever the element types. */
bool ir_type_same_dims(const ir_type *a, const ir_type *b);
bool ir_type_is_static(const ir_type *type);
/* Element count; false if a dimension is symbolic or the count overflows int64. */
bool ir_type_element_count(const ir_type *type, int64_t *out_count);
/* Byte size; false if symbolic or the byte count overflows int64. */
bool ir_type_byte_size(const ir_type *type, int64_t *out_bytes);
/* Writes e.g. "f32[1,3,224,224]" (or "f32[]" for a scalar); returns length like snprintf.
 * Symbolic dims print as the symbol index "?k" unless names are given. */
int ir_type_format(const ir_type *type, const char *const *symbol_names, char *buffer,
                   size_t size);

/* The 8- and 4-bit float formats: exponent and mantissa widths, exponent bias and which
 * special values the format has. */
typedef enum ir_float_specials {
  IR_SPECIALS_IEEE, /* all-ones exponent: infinities and NaNs (e5m2) */
  IR_SPECIALS_FN,   /* no infinities; all-ones exponent and mantissa is NaN (e4m3fn) */
  IR_SPECIALS_FNUZ, /* no infinities, no negative zero; the negative-zero code is NaN */
  IR_SPECIALS_NONE, /* no infinities, no NaN (e2m1) */
  IR_SPECIALS_E8M0  /* exponent only: no sign, no zero, NaN 0xff (its own conversions) */
} ir_float_specials;
/* How Cast rounds to f8e8m0 (its `round_mode`): up (the default), down, to nearest. */
typedef enum ir_round_mode { IR_ROUND_UP, IR_ROUND_DOWN, IR_ROUND_NEAREST } ir_round_mode;
typedef struct ir_small_float {
  int exponent_bits, mantissa_bits, bias;
  ir_float_specials specials;
} ir_small_float;
/* The format of an 8- or 4-bit float dtype; false for any other dtype. */
bool ir_small_float_format(ir_dtype dtype, ir_small_float *out);
/* Codes of a format's magnitudes and special values (the sign bit is 1 << (E + M)). */
uint32_t ir_small_float_max_code(const ir_small_float *format); /* largest finite magnitude */
uint32_t ir_small_float_nan_code(const ir_small_float *format, uint32_t sign);
/* What a value beyond the largest finite one (or an infinity) becomes: with `saturate` (and
 * always in formats without NaN) the largest finite value, else infinity or NaN. */
uint32_t ir_small_float_overflow_code(const ir_small_float *format, uint32_t sign, bool saturate);
/* Exact conversions as ONNX Cast does them: to the nearest, ties to even; NaN stays NaN (in
 * e2m1, which has none, it becomes a zero of the opposite sign, as ml_dtypes does). */
float ir_small_float_to_f32(ir_dtype dtype, uint32_t code);
uint32_t ir_small_float_from_double(ir_dtype dtype, double value, bool saturate);
/* f8e8m0 from an f32 as ONNX's reference rounds it (the sign is dropped; with `saturate` the
 * largest power, 2^127, never rounds up to NaN). ir_small_float_from_double rounds up. */
uint32_t ir_e8m0_from_f32(float value, bool saturate, ir_round_mode mode);
/* Cast's round_mode attribute value ("up", "down", "nearest"); false if unknown. */
bool ir_round_mode_from_name(const char *name, ir_round_mode *out);

/* Element access on little-endian tensor data (constants, folding); packed types read and
 * write their bits in place. Integer reads of float data truncate toward zero (saturating);
 * float reads of integers convert. Stores into 8- and 4-bit floats saturate (Cast's default;
 * ir_element_set_float_cast chooses). */
int64_t ir_element_get_int(ir_dtype dtype, const void *data, int64_t index);
double ir_element_get_float(ir_dtype dtype, const void *data, int64_t index);
/* Stores `value` converted to `dtype` (wrapping for integers, rounding for f16/bf16). */
void ir_element_set_int(ir_dtype dtype, void *data, int64_t index, int64_t value);
void ir_element_set_float(ir_dtype dtype, void *data, int64_t index, double value);
void ir_element_set_float_cast(ir_dtype dtype, void *data, int64_t index, double value,
                               bool saturate);
/* The bits of element `index` of a packed (4- or 2-bit) tensor, and a store of them. */
uint32_t ir_element_packed_get(ir_dtype dtype, const void *data, int64_t index);
void ir_element_packed_set(ir_dtype dtype, void *data, int64_t index, uint32_t bits);
/* Copies element `in_index` of `in` to element `out_index` of `out` (same dtype). */
void ir_element_copy(ir_dtype dtype, void *out, int64_t out_index, const void *in,
                     int64_t in_index);
/* IEEE half and bfloat16 conversions (round to nearest even). */
float ir_f16_to_f32(uint16_t bits);
uint16_t ir_f32_to_f16(float value);
float ir_bf16_to_f32(uint16_t bits);
uint16_t ir_f32_to_bf16(float value);

#endif
