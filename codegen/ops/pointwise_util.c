/* Shared helpers of the pointwise/reduction/pooling lowerings (see pointwise_util.h):
 * typed element access and conversions, launches, broadcast maps, group reductions. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <math.h>
#include <string.h>

#define B (kb_llvm_builder(kb))
#define CTX (kb_context(kb))
#define I32 (LLVMInt32TypeInContext(CTX))

LLVMValueRef pw_i32(kernel_builder *kb, int64_t value) {
  return LLVMConstInt(I32, (unsigned long long)value, 1);
}

LLVMValueRef pw_f32(kernel_builder *kb, double value) {
  return LLVMConstReal(LLVMFloatTypeInContext(CTX), value);
}

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
                                pw_f32(kb, 1.0 / 16777216.0), ""));
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
  LLVMValueRef sum = LLVMBuildFAdd(B, as_f32(kb, a), pw_f32(kb, 0.5), "");
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

int pw_check_value(lower_context *ctx, const ir_node *node, const ir_value *value, const char *what,
                   int64_t *out_count) {
  int64_t count = 0;
  if (!value)
    return ir_node_error(ctx->diag, node, "%s is missing", what);
  if (!ir_type_is_static(&value->type) || !ir_type_element_count(&value->type, &count))
    return ir_node_error(ctx->diag, node, "%s '%s' needs a static shape to be compiled", what,
                         value->name);
  if (count > ((int64_t)1 << 30))
    return ir_node_error(ctx->diag, node, "%s '%s' has %lld elements; kernels take at most 2^30",
                         what, value->name, (long long)count);
  if (!pw_dtype_supported(value->type.dtype))
    return ir_node_error(ctx->diag, node, "%s '%s' has element type %s, which has no kernel", what,
                         value->name, ir_dtype_name(value->type.dtype));
  if (out_count)
    *out_count = count;
  return 0;
}

/* --- kernels and launches ------------------------------------------------------------------ */
int pw_kernel_begin(kernel_builder *kb, const lower_launch *launch) {
  static const char *const NAMES[LOWER_MAX_ARGS] = {"p0",  "p1",  "p2",  "p3", "p4",  "p5",
                                                    "p6",  "p7",  "p8",  "p9", "p10", "p11",
                                                    "p12", "p13", "p14", "p15"};
  kb_param params[LOWER_MAX_ARGS];
  for (int i = 0; i < launch->arg_count; i++)
    params[i] = (kb_param){NAMES[i], KB_PARAM_PTR};
  unsigned threads = launch->block[0] * launch->block[1] * launch->block[2];
  return kb_kernel_begin(kb, launch->kernel, params, launch->arg_count, threads);
}

uint32_t pw_grid_for(int64_t work_items) {
  int64_t grid = (work_items + PW_BLOCK - 1) / PW_BLOCK;
  return (uint32_t)(grid < 1 ? 1 : grid > PW_MAX_GRID ? PW_MAX_GRID : grid);
}

LLVMValueRef pw_grid_stride_begin(kernel_builder *kb, int64_t count, uint32_t grid) {
  LLVMValueRef first =
      LLVMBuildAdd(B, LLVMBuildMul(B, kb_block_index(kb, KB_X), pw_i32(kb, PW_BLOCK), ""),
                   kb_thread_index(kb, KB_X), "");
  return kb_for_begin(kb, first, pw_i32(kb, count), pw_i32(kb, (int64_t)grid * PW_BLOCK));
}

int pw_grid_stride_end(kernel_builder *kb) { return kb_for_end(kb); }

/* --- broadcasting ---------------------------------------------------------------------------- */
void pw_broadcast_plan(const ir_type *output, const ir_type *const *operands, int count,
                       pw_broadcast *out) {
  memset(out, 0, sizeof(*out));
  out->operand_count = count;
  int64_t dims[IR_MAX_RANK];
  int64_t strides[PW_MAX_OPERANDS][IR_MAX_RANK];
  int rank = output->rank;
  for (int d = 0; d < rank; d++)
    dims[d] = output->dims[d];
  for (int k = 0; k < count; k++) {
    const ir_type *t = operands[k];
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
      int source = d - (rank - t->rank);
      int64_t size = source >= 0 ? t->dims[source] : 1;
      strides[k][d] = size == 1 ? 0 : stride;
      stride *= size;
    }
  }
  /* Drop size-1 dims, then merge a dim into the one before it where every operand is
   * contiguous across the pair (or broadcast along both). */
  for (int d = 0; d < rank; d++) {
    if (dims[d] == 1)
      continue;
    int last = out->rank - 1;
    bool mergeable = last >= 0;
    for (int k = 0; k < count && mergeable; k++)
      mergeable = out->strides[k][last] == strides[k][d] * dims[d];
    if (mergeable) {
      out->dims[last] *= dims[d];
      for (int k = 0; k < count; k++)
        out->strides[k][last] = strides[k][d];
      continue;
    }
    out->dims[out->rank] = dims[d];
    for (int k = 0; k < count; k++)
      out->strides[k][out->rank] = strides[k][d];
    out->rank++;
  }
}

LLVMValueRef pw_decompose_offset(kernel_builder *kb, LLVMValueRef linear, int rank,
                                 const int64_t *dims, const int64_t *strides) {
  LLVMValueRef offset = pw_i32(kb, 0), rest = linear;
  for (int d = rank - 1; d >= 0; d--) {
    LLVMValueRef coordinate = d == 0 ? rest : LLVMBuildURem(B, rest, pw_i32(kb, dims[d]), "");
    if (strides[d] != 0)
      offset = LLVMBuildAdd(B, offset, LLVMBuildMul(B, coordinate, pw_i32(kb, strides[d]), ""), "");
    if (d > 0)
      rest = LLVMBuildUDiv(B, rest, pw_i32(kb, dims[d]), "");
  }
  return offset;
}

void pw_broadcast_offsets(kernel_builder *kb, const pw_broadcast *plan, LLVMValueRef linear,
                          LLVMValueRef *out_offsets) {
  int64_t contiguous[IR_MAX_RANK];
  int64_t stride = 1;
  for (int d = plan->rank - 1; d >= 0; d--) {
    contiguous[d] = stride;
    stride *= plan->dims[d];
  }
  for (int k = 0; k < plan->operand_count; k++) {
    bool same = true, scalar = true;
    for (int d = 0; d < plan->rank; d++) {
      same = same && plan->strides[k][d] == contiguous[d];
      scalar = scalar && plan->strides[k][d] == 0;
    }
    out_offsets[k] =
        same     ? linear
        : scalar ? pw_i32(kb, 0)
                 : pw_decompose_offset(kb, linear, plan->rank, plan->dims, plan->strides[k]);
  }
}

/* --- row reductions --------------------------------------------------------------------------- */
static void rows_plan(int64_t rows, int64_t length, unsigned width, pw_rows *out) {
  int64_t steps = (length + width - 1) / width;
  unsigned group = PW_WARP;
  while (group < PW_BLOCK && group < steps)
    group *= 2;
  out->rows = rows;
  out->length = length;
  out->width = width;
  out->group = group;
  out->rows_per_block = PW_BLOCK / group;
  int64_t grid = (rows + out->rows_per_block - 1) / out->rows_per_block;
  out->grid = (uint32_t)(grid < 1 ? 1 : grid);
}

void pw_rows_plan(int64_t rows, int64_t length, pw_rows *out) { rows_plan(rows, length, 1, out); }

void pw_rows_plan_vector(int64_t rows, int64_t length, pw_rows *out) {
  rows_plan(rows, length, length % 4 == 0 ? 4 : 1, out);
}

LLVMValueRef pw_rows_loop_begin(kernel_builder *kb, const pw_rows *plan) {
  kb_if_begin(kb, pw_rows_valid(kb, plan));
  LLVMValueRef step = kb_for_begin(kb, pw_rows_lane(kb, plan),
                                   pw_i32(kb, plan->length / plan->width), pw_i32(kb, plan->group));
  return LLVMBuildMul(B, step, pw_i32(kb, plan->width), "position");
}

void pw_rows_loop_end(kernel_builder *kb) {
  kb_for_end(kb);
  kb_if_end(kb);
}

LLVMValueRef pw_rows_offset(kernel_builder *kb, const pw_rows *plan, LLVMValueRef position) {
  return LLVMBuildAdd(B, LLVMBuildMul(B, pw_rows_row(kb, plan), pw_i32(kb, plan->length), ""),
                      position, "");
}

void pw_load_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                     unsigned width, LLVMValueRef *out) {
  if (width == 1) {
    out[0] = pw_convert(kb, pw_load(kb, dtype, base, index), dtype, IR_DTYPE_F32);
    return;
  }
  LLVMValueRef vector = pw_load_vector(kb, dtype, base, index, width);
  for (unsigned l = 0; l < width; l++)
    out[l] =
        pw_convert(kb, LLVMBuildExtractElement(B, vector, pw_i32(kb, l), ""), dtype, IR_DTYPE_F32);
}

void pw_store_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                      unsigned width, const LLVMValueRef *values) {
  if (width == 1) {
    pw_store(kb, dtype, base, index, pw_convert(kb, values[0], IR_DTYPE_F32, dtype));
    return;
  }
  LLVMValueRef vector = LLVMGetUndef(LLVMVectorType(pw_storage_type(kb, dtype), width));
  for (unsigned l = 0; l < width; l++)
    vector = LLVMBuildInsertElement(B, vector, pw_convert(kb, values[l], IR_DTYPE_F32, dtype),
                                    pw_i32(kb, l), "");
  pw_store_vector(kb, dtype, base, index, vector);
}

LLVMValueRef pw_rows_row(kernel_builder *kb, const pw_rows *plan) {
  LLVMValueRef first =
      LLVMBuildMul(B, kb_block_index(kb, KB_X), pw_i32(kb, plan->rows_per_block), "");
  LLVMValueRef within = LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), pw_i32(kb, plan->group), "");
  return LLVMBuildAdd(B, first, within, "row");
}

LLVMValueRef pw_rows_lane(kernel_builder *kb, const pw_rows *plan) {
  return LLVMBuildAnd(B, kb_thread_index(kb, KB_X), pw_i32(kb, plan->group - 1), "lane");
}

LLVMValueRef pw_rows_valid(kernel_builder *kb, const pw_rows *plan) {
  return LLVMBuildICmp(B, LLVMIntSLT, pw_rows_row(kb, plan), pw_i32(kb, plan->rows), "");
}

LLVMValueRef pw_rows_shared(kernel_builder *kb) {
  /* 8-byte slots: room for f32, i32 and i64 accumulators alike. */
  return kb_shared_array(kb, LLVMInt64TypeInContext(CTX), PW_BLOCK / PW_WARP);
}

LLVMValueRef pw_reduce_identity(kernel_builder *kb, pw_reduce_op op) {
  return pw_reduce_identity_of(kb, op, IR_DTYPE_F32);
}

LLVMValueRef pw_reduce_identity_of(kernel_builder *kb, pw_reduce_op op, ir_dtype dtype) {
  if (dtype == IR_DTYPE_I32 || dtype == IR_DTYPE_I64) {
    LLVMTypeRef type = pw_storage_type(kb, dtype);
    unsigned bits = LLVMGetIntTypeWidth(type);
    unsigned long long top = 1ull << (bits - 1); /* the most negative value's bits */
    return op == PW_REDUCE_SUM   ? LLVMConstNull(type)
           : op == PW_REDUCE_MAX ? LLVMConstInt(type, top, 0)
                                 : LLVMConstInt(type, top - 1, 0);
  }
  return op == PW_REDUCE_SUM   ? pw_f32(kb, 0.0)
         : op == PW_REDUCE_MAX ? pw_f32(kb, -INFINITY)
                               : pw_f32(kb, INFINITY);
}

LLVMValueRef pw_reduce_combine(kernel_builder *kb, pw_reduce_op op, LLVMValueRef a,
                               LLVMValueRef b) {
  if (LLVMGetTypeKind(LLVMTypeOf(a)) == LLVMIntegerTypeKind) { /* signed integers */
    if (op == PW_REDUCE_SUM)
      return LLVMBuildAdd(B, a, b, "");
    LLVMIntPredicate better = op == PW_REDUCE_MAX ? LLVMIntSGT : LLVMIntSLT;
    return LLVMBuildSelect(B, LLVMBuildICmp(B, better, a, b, ""), a, b, "");
  }
  if (op == PW_REDUCE_SUM)
    return LLVMBuildFAdd(B, a, b, "");
  LLVMRealPredicate better = op == PW_REDUCE_MAX ? LLVMRealOGT : LLVMRealOLT;
  LLVMValueRef chosen = LLVMBuildSelect(B, LLVMBuildFCmp(B, better, a, b, ""), a, b, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealUNO, a, a, ""), a, chosen, "");
}

int pw_group_reduce(kernel_builder *kb, const pw_rows *plan, kb_var *value, pw_reduce_op op,
                    LLVMValueRef shared) {
  /* Butterfly within each warp: every lane ends with the warp's result. */
  for (int mask = PW_WARP / 2; mask > 0; mask /= 2) {
    LLVMValueRef other = kb_shuffle_xor(kb, kb_var_load(kb, value), pw_i32(kb, mask));
    kb_var_store(kb, value, pw_reduce_combine(kb, op, kb_var_load(kb, value), other));
  }
  if (plan->group <= PW_WARP)
    return kb_failed(kb) ? -1 : 0;
  /* Warps of one group meet in shared memory; each thread combines its group's warps in
   * the same order, so all threads hold the same result. */
  LLVMTypeRef type = LLVMTypeOf(kb_var_load(kb, value));
  LLVMValueRef warp = LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), pw_i32(kb, PW_WARP), "");
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_lane_index(kb), pw_i32(kb, 0), ""));
  LLVMBuildStore(B, kb_var_load(kb, value), element_address(kb, type, shared, warp));
  kb_if_end(kb);
  kb_barrier(kb);
  unsigned warps = plan->group / PW_WARP;
  LLVMValueRef first =
      LLVMBuildMul(B, LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), pw_i32(kb, plan->group), ""),
                   pw_i32(kb, warps), "");
  LLVMValueRef total = LLVMBuildLoad2(B, type, element_address(kb, type, shared, first), "");
  for (unsigned w = 1; w < warps; w++) {
    LLVMValueRef slot =
        element_address(kb, type, shared, LLVMBuildAdd(B, first, pw_i32(kb, w), ""));
    total = pw_reduce_combine(kb, op, total, LLVMBuildLoad2(B, type, slot, ""));
  }
  kb_var_store(kb, value, total);
  kb_barrier(kb); /* the scratch is free again for the next reduction */
  return kb_failed(kb) ? -1 : 0;
}
