/* MatMul → tiled GEMM: numpy semantics (1-D operands, broadcast batch dimensions); a batch
 * that only A carries is folded into M so that every row shares one weight matrix. */
#include "codegen/ops/group.h"
#include "codegen/ops/tiled_gemm.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct matmul_plan {
  lower_context *ctx; /* the loaders and the store go through its group's hooks */
  int64_t m, n, k;
  int batch_rank;
  int64_t batch_dims[IR_MAX_RANK];                                  /* of the output */
  int64_t a_batch_stride[IR_MAX_RANK], b_batch_stride[IR_MAX_RANK]; /* 0 where broadcast */
} matmul_plan;

/* Element offset of the batch-th matrix of an operand with the given batch strides. */
static LLVMValueRef batch_offset(kernel_builder *kb, const matmul_plan *plan,
                                 const int64_t *strides, LLVMValueRef batch) {
  LLVMValueRef offset = kb_const_i32(kb, 0), rest = batch;
  for (int d = plan->batch_rank - 1; d >= 0; d--) {
    LLVMValueRef dim = kb_const_i32(kb, plan->batch_dims[d]);
    if (strides[d] != 0) {
      LLVMValueRef index = LLVMBuildURem(B, rest, dim, "");
      offset = LLVMBuildAdd(B, offset, LLVMBuildMul(B, index, kb_const_i32(kb, strides[d]), ""), "");
    }
    rest = LLVMBuildUDiv(B, rest, dim, "");
  }
  return offset;
}

static LLVMValueRef load_a(kernel_builder *kb, const void *user, LLVMValueRef batch,
                           LLVMValueRef row, LLVMValueRef col) {
  const matmul_plan *plan = user;
  LLVMValueRef index = LLVMBuildAdd(B, LLVMBuildMul(B, row, kb_const_i32(kb, plan->k), ""), col, "");
  index = LLVMBuildAdd(B, index, batch_offset(kb, plan, plan->a_batch_stride, batch), "");
  return lower_group_load_f32(plan->ctx, 0, index);
}

static LLVMValueRef load_b(kernel_builder *kb, const void *user, LLVMValueRef batch,
                           LLVMValueRef row, LLVMValueRef col) {
  const matmul_plan *plan = user;
  LLVMValueRef index = LLVMBuildAdd(B, LLVMBuildMul(B, row, kb_const_i32(kb, plan->n), ""), col, "");
  index = LLVMBuildAdd(B, index, batch_offset(kb, plan, plan->b_batch_stride, batch), "");
  return lower_group_load_f32(plan->ctx, 1, index);
}

static void store_y(kernel_builder *kb, const void *user, LLVMValueRef batch, LLVMValueRef row,
                    LLVMValueRef col, LLVMValueRef value) {
  const matmul_plan *plan = user;
  LLVMValueRef index = LLVMBuildMul(B, batch, kb_const_i32(kb, plan->m * plan->n), "");
  index = LLVMBuildAdd(B, index, LLVMBuildMul(B, row, kb_const_i32(kb, plan->n), ""), "");
  lower_group_store_f32(plan->ctx, LLVMBuildAdd(B, index, col, ""), value);
}

/* Batch strides of an operand whose matrices are `matrix` elements, right-aligned
 * against the output batch dims. */
static void operand_strides(const ir_type *type, int matrix_rank, int64_t matrix, matmul_plan *plan,
                            int64_t *strides) {
  int own_rank = type->rank - matrix_rank;
  int64_t stride = matrix;
  for (int d = plan->batch_rank - 1; d >= 0; d--) {
    int own = d - (plan->batch_rank - own_rank);
    if (own < 0 || type->dims[own] == 1) {
      strides[d] = 0;
      continue;
    }
    strides[d] = stride;
    stride *= type->dims[own];
  }
}

static int plan_matmul(const ir_node *node, matmul_plan *plan, int64_t *out_batch, dl_diag *diag) {
  const ir_type *a = &node->inputs[0]->type, *b = &node->inputs[1]->type;
  const ir_type *y = &node->outputs[0]->type;
  if (!lower_contraction_dtype(a->dtype) || b->dtype != a->dtype)
    return ir_node_error(diag, node, "the GPU MatMul supports f32, f16 and bf16 (got %s)",
                         ir_dtype_name(a->dtype));
  if (!ir_type_is_static(a) || !ir_type_is_static(b) || !ir_type_is_static(y))
    return ir_node_error(diag, node, "the GPU MatMul needs static shapes");
  int a_matrix_rank = a->rank == 1 ? 1 : 2, b_matrix_rank = b->rank == 1 ? 1 : 2;
  *plan = (matmul_plan){0};
  plan->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
  plan->k = a->dims[a->rank - 1];
  plan->n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
  plan->batch_rank = y->rank - (a->rank == 1 ? 0 : 1) - (b->rank == 1 ? 0 : 1);
  int64_t batch = 1;
  for (int d = 0; d < plan->batch_rank; d++)
    batch *= (plan->batch_dims[d] = y->dims[d]);
  operand_strides(a, a_matrix_rank, plan->m * plan->k, plan, plan->a_batch_stride);
  operand_strides(b, b_matrix_rank, plan->k * plan->n, plan, plan->b_batch_stride);
  if (b->rank <= 2 && batch > 1) {
    /* A's matrices are back to back and B is shared: one taller GEMM. */
    plan->m *= batch;
    plan->batch_rank = 0;
    batch = 1;
  }
  *out_batch = batch;
  return 0;
}

int lower_matmul(lower_context *ctx, const ir_node *node, lower_result *out) {
  matmul_plan plan_storage, *plan = &plan_storage; /* read only while the kernel is built */
  int64_t batch = 1;
  if (plan_matmul(node, plan, &batch, ctx->diag) != 0)
    return -1;
  plan->ctx = ctx;
  int param_count = 0;
  const kb_param *params = lower_group_params(ctx, &param_count);
  tiled_gemm_desc desc = {
      .kernel_name = lower_kernel_name(ctx, node, "matmul"),
      .params = params,
      .param_count = param_count,
      .args = lower_group_args(ctx),
      .m = plan->m,
      .n = plan->n,
      .k = plan->k,
      .batch = batch,
      .load_a = load_a,
      .load_b = load_b,
      .store_c = store_y,
      .user = plan,
  };
  return tiled_gemm_lower(ctx, node, &desc, out);
}
