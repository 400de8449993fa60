/* Gemm → tiled GEMM: Y = alpha * op(A) op(B) + beta * C, with transA/transB read through
 * the loaders' strides and C broadcast to [M, N] in the epilogue. */
#include "codegen/ops/group.h"
#include "codegen/ops/tiled_gemm.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct gemm_plan {
  lower_context *ctx; /* the loaders and the store go through its group's hooks */
  int64_t m, n, k;
  bool trans_a, trans_b;
  bool packed_b; /* a constant transposed B the weights hold as [K][N] */
  float alpha, beta;
  bool has_c;
  int64_t c_row_stride, c_col_stride; /* 0 along broadcast axes */
} gemm_plan;

static LLVMValueRef linear(kernel_builder *kb, LLVMValueRef major, int64_t stride,
                           LLVMValueRef minor) {
  return LLVMBuildAdd(B, LLVMBuildMul(B, major, kb_const_i32(kb, stride), ""), minor, "");
}

static LLVMValueRef load_a(kernel_builder *kb, const void *user, LLVMValueRef batch,
                           LLVMValueRef row, LLVMValueRef col) {
  (void)batch;
  const gemm_plan *plan = user;
  LLVMValueRef index =
      plan->trans_a ? linear(kb, col, plan->m, row) : linear(kb, row, plan->k, col);
  return lower_group_load_f32(plan->ctx, 0, index);
}

static LLVMValueRef load_b(kernel_builder *kb, const void *user, LLVMValueRef batch,
                           LLVMValueRef row, LLVMValueRef col) {
  (void)batch;
  const gemm_plan *plan = user;
  LLVMValueRef index = plan->trans_b && !plan->packed_b ? linear(kb, col, plan->k, row)
                                                        : linear(kb, row, plan->n, col);
  return lower_group_load_f32(plan->ctx, 1, index);
}

static void store_y(kernel_builder *kb, const void *user, LLVMValueRef batch, LLVMValueRef row,
                    LLVMValueRef col, LLVMValueRef value) {
  (void)batch;
  const gemm_plan *plan = user;
  if (plan->alpha != 1.0f)
    value = LLVMBuildFMul(B, value, kb_const_f32(kb, plan->alpha), "");
  if (plan->has_c && plan->beta != 0.0f) {
    LLVMValueRef index = LLVMBuildAdd(B, LLVMBuildMul(B, row, kb_const_i32(kb, plan->c_row_stride), ""),
                                      LLVMBuildMul(B, col, kb_const_i32(kb, plan->c_col_stride), ""), "");
    LLVMValueRef c = lower_group_load_f32(plan->ctx, 2, index);
    value = plan->beta == 1.0f ? LLVMBuildFAdd(B, value, c, "")
                               : tg_fmuladd(kb, c, kb_const_f32(kb, plan->beta), value);
  }
  lower_group_store_f32(plan->ctx, linear(kb, row, plan->n, col), value);
}

static int plan_gemm(const ir_node *node, gemm_plan *plan, dl_diag *diag) {
  const ir_type *a = &node->inputs[0]->type, *b = &node->inputs[1]->type;
  const ir_value *c = ir_node_input(node, 2);
  int64_t trans_a, trans_b;
  *plan = (gemm_plan){0};
  if (ir_attr_int_default(node, "transA", &trans_a, diag) != 0 ||
      ir_attr_int_default(node, "transB", &trans_b, diag) != 0 ||
      ir_attr_float_default(node, "alpha", &plan->alpha, diag) != 0 ||
      ir_attr_float_default(node, "beta", &plan->beta, diag) != 0)
    return -1;
  if (!lower_contraction_dtype(a->dtype) || b->dtype != a->dtype ||
      (c && c->type.dtype != a->dtype))
    return ir_node_error(diag, node, "the GPU Gemm supports f32, f16 and bf16 (got %s)",
                         ir_dtype_name(a->dtype));
  if (a->rank != 2 || b->rank != 2 || !ir_type_is_static(a) || !ir_type_is_static(b) ||
      (c && !ir_type_is_static(&c->type)))
    return ir_node_error(diag, node, "the GPU Gemm needs static 2-D A and B");
  plan->trans_a = trans_a != 0, plan->trans_b = trans_b != 0;
  plan->m = a->dims[plan->trans_a ? 1 : 0];
  plan->k = a->dims[plan->trans_a ? 0 : 1];
  plan->n = b->dims[plan->trans_b ? 0 : 1];
  plan->has_c = c != NULL;
  if (c) {
    const ir_type *ct = &c->type;
    if (ct->rank > 2)
      return ir_node_error(diag, node, "Gemm's C has rank %d; it must be at most 2", ct->rank);
    int64_t c_rows = ct->rank == 2 ? ct->dims[0] : 1;
    int64_t c_cols = ct->rank >= 1 ? ct->dims[ct->rank - 1] : 1;
    plan->c_row_stride = c_rows == 1 ? 0 : c_cols;
    plan->c_col_stride = c_cols == 1 ? 0 : 1;
  }
  return 0;
}

int lower_gemm(lower_context *ctx, const ir_node *node, lower_result *out) {
  gemm_plan plan;
  if (plan_gemm(node, &plan, ctx->diag) != 0)
    return -1;
  plan.ctx = ctx;
  /* A constant transB weight (a classifier's [N][K]) goes into the weights as [K][N]: B's
   * slices are then staged as runs of adjacent n, not scattered 16 k at a time. */
  const lower_arg *args = lower_group_args(ctx);
  if (plan.trans_b)
    args = lower_group_args_packed(ctx, 1, (lower_packing){.rows = plan.n, .cols = plan.k},
                                   &plan.packed_b);
  int param_count = 0;
  const kb_param *params = lower_group_params(ctx, &param_count);
  tiled_gemm_desc desc = {
      .kernel_name = lower_kernel_name(ctx, node, "gemm"),
      .params = params,
      .param_count = param_count,
      .args = args,
      .m = plan.m,
      .n = plan.n,
      .k = plan.k,
      .batch = 1,
      .load_a = load_a,
      .a_m_contiguous = plan.trans_a,
      .load_b = load_b,
      .b_k_contiguous = plan.trans_b && !plan.packed_b,
      .store_c = store_y,
      .user = &plan,
  };
  return tiled_gemm_lower(ctx, node, &desc, out);
}
