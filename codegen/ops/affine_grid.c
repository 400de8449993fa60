/* AffineGrid → one thread per output element (n, spatial position, component j):
 * theta[n, j, :] applied to the position's homogeneous base coordinates (x along the last
 * axis, then y, then z), each base coordinate start + i * step as ONNX's reference makes it
 * (pixel centres in [-1, 1], or the corners with align_corners). In f64, like the
 * reference's matmul, then stored in theta's type. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

static LLVMValueRef f64(kernel_builder *kb, double value) {
  return LLVMConstReal(LLVMDoubleTypeInContext(kb_context(kb)), value);
}

int lower_affine_grid(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *theta = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t count, theta_count, align;
  if (pw_check_value(ctx, node, node->inputs[0], "theta", &theta_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_attr_int_default(node, "align_corners", &align, ctx->diag) != 0)
    return -1;
  if (!ir_dtype_is_float(theta->dtype) || ir_dtype_bits(theta->dtype) < 16)
    return ir_node_error(ctx->diag, node, "no AffineGrid kernel for %s",
                         ir_dtype_name(theta->dtype));
  if (count == 0)
    return 0;
  int spatial = y->rank - 2;
  uint32_t grid = pw_grid_for(count);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "affine_grid"), grid, PW_BLOCK);
  if (!launch)
    return ir_node_error(ctx->diag, node, "too many launches for one node");
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  kernel_builder *kb = ctx->kb;
  if (pw_kernel_begin(kb, launch) != 0)
    return -1;
  LLVMTypeRef f64_type = LLVMDoubleTypeInContext(kb_context(kb));
  LLVMValueRef coords[IR_MAX_RANK];
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  mv_unravel(kb, e, y->rank, y->dims, coords);
  LLVMValueRef row = LLVMBuildAdd(B, LLVMBuildMul(B, coords[0], kb_const_i32(kb, spatial), ""),
                                  coords[y->rank - 1], "");
  LLVMValueRef row_at = LLVMBuildMul(B, row, kb_const_i32(kb, spatial + 1), "");
  LLVMValueRef sum = NULL;
  for (int k = 0; k <= spatial; k++) {
    LLVMValueRef coefficient = pw_convert(kb,
                                          pw_load(kb, theta->dtype, kb_param_value(kb, 0),
                                                  LLVMBuildAdd(B, row_at, kb_const_i32(kb, k), "")),
                                          theta->dtype, IR_DTYPE_F64);
    LLVMValueRef term = coefficient; /* the homogeneous 1 */
    if (k < spatial) {
      int axis = spatial - k; /* output axis of component k: x is the last spatial one */
      double size = (double)y->dims[axis];
      double step = align ? (size > 1 ? 2.0 / (size - 1) : 0) : 2.0 / size;
      double start = align ? -1 : -1 + step / 2;
      LLVMValueRef i = LLVMBuildSIToFP(B, coords[axis], f64_type, "");
      LLVMValueRef base =
          LLVMBuildFAdd(B, f64(kb, start), LLVMBuildFMul(B, i, f64(kb, step), ""), "");
      term = LLVMBuildFMul(B, coefficient, base, "");
    }
    sum = sum ? LLVMBuildFAdd(B, sum, term, "") : term;
  }
  pw_store(kb, y->dtype, kb_param_value(kb, 1), e, pw_convert(kb, sum, IR_DTYPE_F64, y->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}
