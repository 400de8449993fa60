/* Element types in kernels: constants, storage types, scalar, packed and vector loads/stores,
 * and ONNX Cast conversions (f16/bf16 by bit arithmetic, so both targets agree, no libcalls;
 * the 8- and 4-bit floats in small_float.c). */
#include "codegen/ops/pointwise_util.h"

#include "codegen/llvm_build.h"
#define CTX (kb_context(kb))
#define I32 (LLVMInt32TypeInContext(CTX))

LLVMTypeRef pw_f32_type(kernel_builder *kb) { return LLVMFloatTypeInContext(CTX); }

LLVMTypeRef pw_storage_type(kernel_builder *kb, ir_dtype dtype) {
  switch (dtype) {
  case IR_DTYPE_F32:
    return LLVMFloatTypeInContext(CTX);
  case IR_DTYPE_F64:
    return LLVMDoubleTypeInContext(CTX);
  case IR_DTYPE_F16:
  case IR_DTYPE_BF16:
  case IR_DTYPE_I16:
  case IR_DTYPE_U16:
    return LLVMInt16TypeInContext(CTX); /* halves are kept as bits: converted by hand */
  case IR_DTYPE_I8:
  case IR_DTYPE_U8:
  case IR_DTYPE_BOOL:
  case IR_DTYPE_F8E4M3FN:
  case IR_DTYPE_F8E4M3FNUZ:
  case IR_DTYPE_F8E5M2:
  case IR_DTYPE_F8E5M2FNUZ:
  case IR_DTYPE_F4E2M1:
  case IR_DTYPE_F8E8M0:
  case IR_DTYPE_I4:
  case IR_DTYPE_U4:
  case IR_DTYPE_I2:
  case IR_DTYPE_U2:
    return LLVMInt8TypeInContext(CTX);
  case IR_DTYPE_I32:
  case IR_DTYPE_U32:
    return I32;
  case IR_DTYPE_I64:
  case IR_DTYPE_U64:
    return LLVMInt64TypeInContext(CTX);
  default:
    return NULL;
  }
}

bool pw_dtype_supported(ir_dtype dtype) {
  return dtype > IR_DTYPE_INVALID && dtype < IR_DTYPE_COUNT;
}

static bool is_small_float(ir_dtype dtype) {
  ir_small_float format;
  return ir_small_float_format(dtype, &format);
}

ir_dtype pw_compute_dtype(ir_dtype dtype) {
  return dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16 || is_small_float(dtype) ? IR_DTYPE_F32
                                                                                  : dtype;
}

static LLVMValueRef element_address(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                                    LLVMValueRef index) {
  return LLVMBuildInBoundsGEP2(B, type, base, &index, 1, "");
}

/* Packed types: element i is in byte i / (8 / bits), at bit (i % (8 / bits)) * bits. */
static LLVMValueRef load_packed(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base,
                                LLVMValueRef index) {
  LLVMTypeRef i8 = LLVMInt8TypeInContext(CTX), type = LLVMTypeOf(index);
  unsigned bits = (unsigned)ir_dtype_bits(dtype), per_byte = 8 / bits;
  LLVMValueRef byte_index =
      LLVMBuildLShr(B, index, LLVMConstInt(type, per_byte == 2 ? 1 : 2, 0), "");
  LLVMValueRef byte = LLVMBuildLoad2(B, i8, element_address(kb, i8, base, byte_index), "");
  LLVMValueRef slot = LLVMBuildAnd(B, index, LLVMConstInt(type, per_byte - 1, 0), "");
  LLVMValueRef shift =
      LLVMBuildTrunc(B, LLVMBuildMul(B, slot, LLVMConstInt(type, bits, 0), ""), i8, "");
  /* The element's bits to the top, then back down: sign- or zero-extended as its kind is. */
  LLVMValueRef top =
      LLVMBuildShl(B, LLVMBuildLShr(B, byte, shift, ""), LLVMConstInt(i8, 8 - bits, 0), "");
  return ir_dtype_is_signed(dtype) ? LLVMBuildAShr(B, top, LLVMConstInt(i8, 8 - bits, 0), "")
                                   : LLVMBuildLShr(B, top, LLVMConstInt(i8, 8 - bits, 0), "");
}

LLVMValueRef pw_load(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index) {
  if (ir_dtype_is_packed(dtype))
    return load_packed(kb, dtype, base, index);
  LLVMTypeRef type = pw_storage_type(kb, dtype);
  return LLVMBuildLoad2(B, type, element_address(kb, type, base, index), "");
}

void pw_store(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
              LLVMValueRef value) {
  LLVMBuildStore(B, value, element_address(kb, pw_storage_type(kb, dtype), base, index));
}

LLVMValueRef pw_pack_element(kernel_builder *kb, ir_dtype dtype, LLVMValueRef value, int slot) {
  unsigned bits = (unsigned)ir_dtype_bits(dtype);
  LLVMTypeRef i8 = LLVMInt8TypeInContext(CTX);
  LLVMValueRef low = LLVMBuildAnd(B, value, LLVMConstInt(i8, (1u << bits) - 1, 0), "");
  return LLVMBuildShl(B, low, LLVMConstInt(i8, (unsigned)slot * bits, 0), "");
}

void pw_store_packed_byte(kernel_builder *kb, LLVMValueRef base, LLVMValueRef byte_index,
                          LLVMValueRef byte) {
  LLVMBuildStore(B, byte, element_address(kb, LLVMInt8TypeInContext(CTX), base, byte_index));
}

static unsigned vector_alignment(ir_dtype dtype, unsigned width) {
  size_t bytes = ir_dtype_size(dtype) * width;
  return (unsigned)(bytes > 16 ? 16 : bytes);
}

LLVMValueRef pw_load_vector(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base,
                            LLVMValueRef index, unsigned width) {
  LLVMTypeRef element = pw_storage_type(kb, dtype);
  LLVMValueRef load = LLVMBuildLoad2(B, LLVMVectorType(element, width),
                                     element_address(kb, element, base, index), "");
  LLVMSetAlignment(load, vector_alignment(dtype, width));
  return load;
}

void pw_store_vector(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                     LLVMValueRef value) {
  LLVMTypeRef element = pw_storage_type(kb, dtype);
  LLVMValueRef store = LLVMBuildStore(B, value, element_address(kb, element, base, index));
  LLVMSetAlignment(store, vector_alignment(dtype, LLVMGetVectorSize(LLVMTypeOf(value))));
}

/* --- half and bfloat16 by bit arithmetic (identical on both targets, no libcalls) -------- */
static LLVMValueRef u32(kernel_builder *kb, uint32_t value) { return LLVMConstInt(I32, value, 0); }
static LLVMValueRef as_f32(kernel_builder *kb, LLVMValueRef bits) {
  return LLVMBuildBitCast(B, bits, pw_f32_type(kb), "");
}
static LLVMValueRef as_bits(kernel_builder *kb, LLVMValueRef f) {
  return LLVMBuildBitCast(B, f, I32, "");
}

static LLVMValueRef half_to_f32(kernel_builder *kb, LLVMValueRef h16) {
  LLVMValueRef h = LLVMBuildZExt(B, h16, I32, "");
  LLVMValueRef sign = LLVMBuildShl(B, LLVMBuildAnd(B, h, u32(kb, 0x8000), ""), u32(kb, 16), "");
  LLVMValueRef exponent = LLVMBuildAnd(B, LLVMBuildLShr(B, h, u32(kb, 10), ""), u32(kb, 31), "");
  LLVMValueRef mantissa = LLVMBuildAnd(B, h, u32(kb, 0x3ff), "");
  LLVMValueRef shifted = LLVMBuildShl(B, mantissa, u32(kb, 13), "");
  LLVMValueRef normal =
      LLVMBuildOr(B, LLVMBuildShl(B, LLVMBuildAdd(B, exponent, u32(kb, 112), ""), u32(kb, 23), ""),
                  shifted, "");
  LLVMValueRef special = LLVMBuildOr(B, u32(kb, 0x7f800000), shifted, "");
  /* Subnormals: mantissa * 2^-24 is exact in f32. */
  LLVMValueRef tiny =
      as_bits(kb, LLVMBuildFMul(B, LLVMBuildUIToFP(B, mantissa, pw_f32_type(kb), ""),
                                kb_const_f32(kb, 1.0 / 16777216.0), ""));
  LLVMValueRef magnitude =
      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, exponent, u32(kb, 0), ""), tiny,
                      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, exponent, u32(kb, 31), ""),
                                      special, normal, ""),
                      "");
  return as_f32(kb, LLVMBuildOr(B, sign, magnitude, ""));
}

static LLVMValueRef f32_to_half(kernel_builder *kb, LLVMValueRef f) {
  LLVMValueRef bits = as_bits(kb, f);
  LLVMValueRef sign = LLVMBuildAnd(B, LLVMBuildLShr(B, bits, u32(kb, 16), ""), u32(kb, 0x8000), "");
  LLVMValueRef a = LLVMBuildAnd(B, bits, u32(kb, 0x7fffffff), "");
  LLVMValueRef nan = LLVMBuildICmp(B, LLVMIntUGT, a, u32(kb, 0x7f800000), "");
  LLVMValueRef special = LLVMBuildSelect(B, nan, u32(kb, 0x7e00), u32(kb, 0x7c00), "");
  /* Normal range: rebias the exponent and round the 13 dropped bits to nearest even. */
  LLVMValueRef rebiased = LLVMBuildSub(B, a, u32(kb, 0x38000000), "");
  LLVMValueRef odd = LLVMBuildAnd(B, LLVMBuildLShr(B, rebiased, u32(kb, 13), ""), u32(kb, 1), "");
  LLVMValueRef normal = LLVMBuildLShr(
      B, LLVMBuildAdd(B, LLVMBuildAdd(B, rebiased, u32(kb, 0xfff), ""), odd, ""), u32(kb, 13), "");
  /* Subnormal range: adding 0.5 makes the FPU round at 2^-24, the half's last bit. */
  LLVMValueRef sum = LLVMBuildFAdd(B, as_f32(kb, a), kb_const_f32(kb, 0.5), "");
  LLVMValueRef subnormal = LLVMBuildSub(B, as_bits(kb, sum), u32(kb, 0x3f000000), "");
  LLVMValueRef magnitude =
      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntUGE, a, u32(kb, 0x477ff000), ""), special,
                      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntUGE, a, u32(kb, 0x38800000), ""),
                                      normal, subnormal, ""),
                      "");
  LLVMValueRef result = LLVMBuildOr(B, sign, magnitude, "");
  return LLVMBuildTrunc(B, result, LLVMInt16TypeInContext(CTX), "");
}

static LLVMValueRef bf16_to_f32(kernel_builder *kb, LLVMValueRef h16) {
  return as_f32(kb, LLVMBuildShl(B, LLVMBuildZExt(B, h16, I32, ""), u32(kb, 16), ""));
}

static LLVMValueRef f32_to_bf16(kernel_builder *kb, LLVMValueRef f) {
  LLVMValueRef bits = as_bits(kb, f);
  LLVMValueRef odd = LLVMBuildAnd(B, LLVMBuildLShr(B, bits, u32(kb, 16), ""), u32(kb, 1), "");
  LLVMValueRef rounded = LLVMBuildAdd(B, LLVMBuildAdd(B, bits, u32(kb, 0x7fff), ""), odd, "");
  LLVMValueRef nan = LLVMBuildFCmp(B, LLVMRealUNO, f, f, "");
  LLVMValueRef quiet = LLVMBuildOr(B, bits, u32(kb, 0x00400000), "");
  LLVMValueRef chosen = LLVMBuildSelect(B, nan, quiet, rounded, "");
  return LLVMBuildTrunc(B, LLVMBuildLShr(B, chosen, u32(kb, 16), ""), LLVMInt16TypeInContext(CTX),
                        "");
}

/* --- Cast ---------------------------------------------------------------------------------- */
static bool is_half(ir_dtype dtype) { return dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16; }
static bool is_real(ir_dtype dtype) { return dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F64; }

/* An i8 holding a value of a 4- or 2-bit integer type, wrapped into its range. */
static LLVMValueRef wrap_packed(kernel_builder *kb, LLVMValueRef value, ir_dtype to) {
  LLVMTypeRef i8 = LLVMInt8TypeInContext(CTX);
  LLVMValueRef unused = LLVMConstInt(i8, 8u - (unsigned)ir_dtype_bits(to), 0);
  LLVMValueRef top = LLVMBuildShl(B, value, unused, "");
  return ir_dtype_is_signed(to) ? LLVMBuildAShr(B, top, unused, "")
                                : LLVMBuildLShr(B, top, unused, "");
}

LLVMValueRef pw_convert(kernel_builder *kb, LLVMValueRef value, ir_dtype from, ir_dtype to) {
  return pw_convert_cast(kb, value, from, to, true, IR_ROUND_UP);
}

LLVMValueRef pw_convert_cast(kernel_builder *kb, LLVMValueRef value, ir_dtype from, ir_dtype to,
                             bool saturate, ir_round_mode mode) {
  if (from == to)
    return value;
  if (is_small_float(from))
    return pw_convert(kb, pw_small_float_to_f32(kb, value, from), IR_DTYPE_F32, to);
  if (is_small_float(to)) {
    ir_dtype real = from == IR_DTYPE_F64 ? IR_DTYPE_F64 : IR_DTYPE_F32; /* f64 rounds once */
    return pw_small_float_from_real(kb, pw_convert(kb, value, from, real), to, saturate, mode);
  }
  if (ir_dtype_is_packed(to)) /* through the 8-bit integer of the same kind */
    return wrap_packed(
        kb, pw_convert(kb, value, from, ir_dtype_is_signed(to) ? IR_DTYPE_I8 : IR_DTYPE_U8), to);
  if (ir_dtype_is_packed(from)) /* held sign- or zero-extended in an i8 */
    return pw_convert(kb, value, ir_dtype_is_signed(from) ? IR_DTYPE_I8 : IR_DTYPE_U8, to);
  if (is_half(from)) {
    value = from == IR_DTYPE_F16 ? half_to_f32(kb, value) : bf16_to_f32(kb, value);
    return pw_convert(kb, value, IR_DTYPE_F32, to);
  }
  if (is_half(to)) {
    value = pw_convert(kb, value, from, IR_DTYPE_F32);
    return to == IR_DTYPE_F16 ? f32_to_half(kb, value) : f32_to_bf16(kb, value);
  }
  LLVMTypeRef target = pw_storage_type(kb, to);
  if (to == IR_DTYPE_BOOL) {
    LLVMValueRef nonzero =
        is_real(from) ? LLVMBuildFCmp(B, LLVMRealUNE, value, LLVMConstNull(LLVMTypeOf(value)), "")
                      : LLVMBuildICmp(B, LLVMIntNE, value, LLVMConstNull(LLVMTypeOf(value)), "");
    return LLVMBuildZExt(B, nonzero, target, "");
  }
  bool from_signed = ir_dtype_is_signed(from) && from != IR_DTYPE_BOOL;
  if (is_real(from) && is_real(to))
    return LLVMBuildFPCast(B, value, target, "");
  if (is_real(from)) {
    /* Through i64 so that out-of-range values wrap instead of becoming poison. */
    if (to == IR_DTYPE_U64)
      return LLVMBuildFPToUI(B, value, target, "");
    LLVMValueRef wide = LLVMBuildFPToSI(B, value, LLVMInt64TypeInContext(CTX), "");
    return LLVMBuildTrunc(B, wide, target, "");
  }
  if (is_real(to))
    return from_signed ? LLVMBuildSIToFP(B, value, target, "")
                       : LLVMBuildUIToFP(B, value, target, "");
  return LLVMBuildIntCast2(B, value, target, from_signed, "");
}
