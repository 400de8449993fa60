/* Det: one thread per matrix copies it into the workspace and eliminates with partial
 * pivoting (LU, as LAPACK's getrf that numpy uses): the determinant is the product of the
 * pivots, negated for each row swap. f32 (f64 for f64). */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct det {
  ir_dtype dtype, compute;
  int64_t n;
  LLVMValueRef matrix; /* this thread's copy in the workspace */
} det;

static LLVMValueRef cell(kernel_builder *kb, const det *d, LLVMValueRef row, LLVMValueRef column) {
  return LLVMBuildAdd(B, LLVMBuildMul(B, row, kb_const_i32(kb, d->n), ""), column, "");
}

static LLVMValueRef get(kernel_builder *kb, const det *d, LLVMValueRef row, LLVMValueRef column) {
  return pw_load(kb, d->compute, d->matrix, cell(kb, d, row, column));
}

static void put(kernel_builder *kb, const det *d, LLVMValueRef row, LLVMValueRef column,
                LLVMValueRef value) {
  pw_store(kb, d->compute, d->matrix, cell(kb, d, row, column), value);
}

/* Step k: the largest |a[r][k]| (r >= k) becomes the pivot row; returns the pivot. */
static LLVMValueRef pivot(kernel_builder *kb, const det *d, LLVMValueRef k, kb_var *sign) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(kb_context(kb));
  LLVMValueRef one = kb_const_i32(kb, 1), n = kb_const_i32(kb, d->n);
  kb_var *best = kb_thread_var(kb, i32, "best");
  kb_var_store(kb, best, k);
  LLVMValueRef r = kb_for_begin(kb, LLVMBuildAdd(B, k, one, ""), n, one);
  LLVMValueRef larger = LLVMBuildFCmp(B, LLVMRealOGT, pw_fabs(kb, get(kb, d, r, k)),
                                      pw_fabs(kb, get(kb, d, kb_var_load(kb, best), k)), "");
  kb_var_store(kb, best, LLVMBuildSelect(B, larger, r, kb_var_load(kb, best), ""));
  kb_for_end(kb);
  LLVMValueRef p = kb_var_load(kb, best);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntNE, p, k, ""));
  LLVMValueRef c = kb_for_begin(kb, kb_const_i32(kb, 0), n, one);
  LLVMValueRef a = get(kb, d, k, c), b = get(kb, d, p, c);
  put(kb, d, k, c, b);
  put(kb, d, p, c, a);
  kb_for_end(kb);
  kb_var_store(kb, sign, LLVMBuildFNeg(B, kb_var_load(kb, sign), ""));
  kb_if_end(kb);
  return get(kb, d, k, k);
}

int lower_det(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  det d = {.dtype = x->dtype,
           .compute = x->dtype == IR_DTYPE_F64 ? IR_DTYPE_F64 : IR_DTYPE_F32,
           .n = x->dims[x->rank - 1]};
  int64_t matrices = 1;
  for (int k = 0; k + 2 < x->rank; k++)
    matrices *= x->dims[k];
  int64_t cells = d.n * d.n;
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "det");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, matrices);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  lower_add_arg(launch, LOWER_ARG_WORKSPACE, 0);
  out->workspace_bytes = (matrices * cells * (int64_t)ir_dtype_size(d.compute) + 255) / 256 * 256;
  static const kb_param PARAMS[3] = {
      {"x", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}, {"workspace", KB_PARAM_PTR}};
  LLVMValueRef m = mv_kernel_begin(kb, name, PARAMS, 3, matrices);
  LLVMTypeRef type = pw_storage_type(kb, d.compute);
  LLVMValueRef base = LLVMBuildMul(B, m, kb_const_i32(kb, cells), "");
  LLVMValueRef wide = LLVMBuildSExt(B, base, LLVMInt64TypeInContext(kb_context(kb)), "");
  d.matrix = LLVMBuildInBoundsGEP2(B, type, kb_param_value(kb, 2), &wide, 1, "matrix");
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1), n = kb_const_i32(kb, d.n);
  LLVMValueRef i = kb_for_begin(kb, zero, kb_const_i32(kb, cells), one);
  pw_store(kb, d.compute, d.matrix, i,
           pw_convert(kb, pw_load(kb, d.dtype, kb_param_value(kb, 0), LLVMBuildAdd(B, base, i, "")),
                      d.dtype, d.compute));
  kb_for_end(kb);
  kb_var *result = kb_thread_var(kb, type, "result");
  kb_var_store(kb, result, LLVMConstReal(type, 1));
  LLVMValueRef k = kb_for_begin(kb, zero, n, one);
  LLVMValueRef pivot_value = pivot(kb, &d, k, result);
  kb_var_store(kb, result, LLVMBuildFMul(B, kb_var_load(kb, result), pivot_value, ""));
  kb_if_begin(kb, LLVMBuildFCmp(B, LLVMRealONE, pivot_value, LLVMConstReal(type, 0), ""));
  LLVMValueRef r = kb_for_begin(kb, LLVMBuildAdd(B, k, one, ""), n, one);
  LLVMValueRef factor = LLVMBuildFDiv(B, get(kb, &d, r, k), pivot_value, "");
  LLVMValueRef c = kb_for_begin(kb, k, n, one);
  put(kb, &d, r, c,
      LLVMBuildFSub(B, get(kb, &d, r, c), LLVMBuildFMul(B, factor, get(kb, &d, k, c), ""), ""));
  kb_for_end(kb);
  kb_for_end(kb);
  kb_if_end(kb);
  kb_for_end(kb);
  pw_store(kb, d.dtype, kb_param_value(kb, 1), m,
           pw_convert(kb, kb_var_load(kb, result), d.compute, d.dtype));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the Det kernel");
  return 0;
}
