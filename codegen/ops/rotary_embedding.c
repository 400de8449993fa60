/* RotaryEmbedding (opset 23) → one thread per output element. The first rotary_embedding_dim
 * elements of each head vector rotate in pairs (x1, x2) by the angle of their position:
 * x1 cos - x2 sin and x1 sin + x2 cos; pairs are the two halves, or neighbours when
 * interleaved. cos/sin come from the caches at position_ids[b, s], or at [b, s] without
 * them. The rest of the vector is copied. Computed in f32. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct rotary {
  bool three_d, interleaved, positions;
  int64_t batch, heads, sequence, head_size, rotary_dim;
  int64_t cache_rows; /* with position_ids: positions are clamped into the caches */
  ir_dtype dtype, position_dtype;
} rotary;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

static LLVMValueRef load_f32(kernel_builder *kb, ir_dtype dtype, int param, LLVMValueRef at) {
  return pw_convert(kb, pw_load(kb, dtype, kb_param_value(kb, param), at), dtype, IR_DTYPE_F32);
}

static int rotary_kernel(kernel_builder *kb, const rotary *r, int64_t count, uint32_t grid) {
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  /* e → (b, s, h, t) in X's layout: [b, s, h * size] or [b, h, s, size]. */
  LLVMValueRef t = LLVMBuildURem(B, e, c32(kb, r->head_size), "t");
  LLVMValueRef rest = LLVMBuildUDiv(B, e, c32(kb, r->head_size), "");
  int64_t second = r->three_d ? r->heads : r->sequence;
  LLVMValueRef inner = LLVMBuildURem(B, rest, c32(kb, second), "");
  rest = LLVMBuildUDiv(B, rest, c32(kb, second), "");
  int64_t first = r->three_d ? r->sequence : r->heads;
  LLVMValueRef outer = LLVMBuildURem(B, rest, c32(kb, first), "");
  LLVMValueRef b = LLVMBuildUDiv(B, rest, c32(kb, first), "b");
  LLVMValueRef s = r->three_d ? outer : inner;
  int64_t half = r->rotary_dim / 2;
  /* Pair k of this element, whether it is the pair's second member, and its partner. */
  LLVMValueRef k, is_second, partner;
  if (r->interleaved) {
    k = LLVMBuildUDiv(B, t, c32(kb, 2), "");
    is_second = LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildURem(B, t, c32(kb, 2), ""), c32(kb, 1), "");
    partner = LLVMBuildXor(B, e, c32(kb, 1), "");
  } else {
    is_second = LLVMBuildICmp(B, LLVMIntUGE, t, c32(kb, half), "");
    k = LLVMBuildSelect(B, is_second, LLVMBuildSub(B, t, c32(kb, half), ""), t, "");
    partner = LLVMBuildSelect(B, is_second, LLVMBuildSub(B, e, c32(kb, half), ""),
                              LLVMBuildAdd(B, e, c32(kb, half), ""), "");
  }
  LLVMValueRef rotated = LLVMBuildICmp(B, LLVMIntULT, t, c32(kb, r->rotary_dim), "rotated");
  /* Outside the rotary part the partner and pair are not used: read element e itself and
   * pair 0, so every address stays inside its tensor. */
  partner = LLVMBuildSelect(B, rotated, partner, e, "");
  k = LLVMBuildSelect(B, rotated, k, c32(kb, 0), "");
  LLVMValueRef row = LLVMBuildAdd(B, LLVMBuildMul(B, b, c32(kb, r->sequence), ""), s, "");
  if (r->positions) {
    LLVMValueRef position = pw_load(kb, r->position_dtype, kb_param_value(kb, 3), row);
    LLVMTypeRef type = LLVMTypeOf(position);
    LLVMValueRef low = LLVMConstInt(type, 0, 1);
    LLVMValueRef high = LLVMConstInt(type, (unsigned long long)(r->cache_rows - 1), 1);
    position =
        LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, position, low, ""), low, position, "");
    position =
        LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, position, high, ""), high, position, "");
    row = LLVMBuildTrunc(B, position, LLVMInt32TypeInContext(kb_context(kb)), "position");
  }
  LLVMValueRef cache_at = LLVMBuildAdd(B, LLVMBuildMul(B, row, c32(kb, half), ""), k, "");
  LLVMValueRef cosine = load_f32(kb, r->dtype, 1, cache_at),
               sine = load_f32(kb, r->dtype, 2, cache_at);
  LLVMValueRef x = load_f32(kb, r->dtype, 0, e), other = load_f32(kb, r->dtype, 0, partner);
  /* first: x cos - other sin; second: other sin + x cos. */
  LLVMValueRef signed_sine = LLVMBuildSelect(B, is_second, sine, LLVMBuildFNeg(B, sine, ""), "");
  LLVMValueRef y = LLVMBuildFAdd(B, LLVMBuildFMul(B, x, cosine, ""),
                                 LLVMBuildFMul(B, other, signed_sine, ""), "");
  y = LLVMBuildSelect(B, rotated, y, x, "");
  pw_store(kb, r->dtype, kb_param_value(kb, r->positions ? 4 : 3), e,
           pw_convert(kb, y, IR_DTYPE_F32, r->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_rotary_embedding(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t count, interleaved, heads, rotary_dim;
  if (pw_check_value(ctx, node, node->inputs[0], "input", &count) != 0 ||
      ir_attr_int_default(node, "interleaved", &interleaved, ctx->diag) != 0 ||
      ir_attr_int_default(node, "num_heads", &heads, ctx->diag) != 0 ||
      ir_attr_int_default(node, "rotary_embedding_dim", &rotary_dim, ctx->diag) != 0)
    return -1;
  if (x->dtype != IR_DTYPE_F32 && x->dtype != IR_DTYPE_F16 && x->dtype != IR_DTYPE_BF16)
    return ir_node_error(ctx->diag, node, "no kernel for RotaryEmbedding on %s yet",
                         ir_dtype_name(x->dtype));
  rotary r = {.three_d = x->rank == 3,
              .interleaved = interleaved != 0,
              .positions = ir_node_input(node, 3) != NULL,
              .batch = x->dims[0],
              .dtype = x->dtype};
  r.heads = r.three_d ? heads : x->dims[1];
  r.sequence = r.three_d ? x->dims[1] : x->dims[2];
  r.head_size = r.three_d ? x->dims[2] / heads : x->dims[3];
  r.rotary_dim = rotary_dim ? rotary_dim : r.head_size;
  if (r.positions)
    r.position_dtype = node->inputs[3]->type.dtype, r.cache_rows = node->inputs[1]->type.dims[0];
  uint32_t grid = pw_grid_for(count);
  if (pw_launch_present_inputs(ctx, node, out, "rotary_embedding", grid, 0) != 0)
    return -1;
  return rotary_kernel(ctx->kb, &r, count, grid);
}
