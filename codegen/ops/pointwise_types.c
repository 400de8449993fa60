/* Element types in kernels: constants, storage types, scalar and vector loads/stores, and
 * ONNX Cast conversions (f16/bf16 by bit arithmetic, so both targets agree, no libcalls). */
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

ir_dtype pw_compute_dtype(ir_dtype dtype) {
  return dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16 ? IR_DTYPE_F32 : dtype;
}

static LLVMValueRef element_address(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                                    LLVMValueRef index) {
  return LLVMBuildInBoundsGEP2(B, type, base, &index, 1, "");
}

LLVMValueRef pw_load(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index) {
  LLVMTypeRef type = pw_storage_type(kb, dtype);
  return LLVMBuildLoad2(B, type, element_address(kb, type, base, index), "");
}

void pw_store(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
              LLVMValueRef value) {
  LLVMBuildStore(B, value, element_address(kb, pw_storage_type(kb, dtype), base, index));
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

LLVMValueRef pw_convert(kernel_builder *kb, LLVMValueRef value, ir_dtype from, ir_dtype to) {
  if (from == to)
    return value;
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
