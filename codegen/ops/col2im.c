/* Col2Im → one thread per image element (n, c, p): the sum over the block's taps k of the
 * column entry [n, c * prod(block) + k, l] where p + pad = l * stride + k * dilation has an
 * integer block position l inside the blocks (a gather: no atomics). Computed in f32 (f64
 * for f64 data); integers summed in their own type. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

typedef struct col2im {
  ir_dtype dtype, compute;
  int rank;
  int64_t block[IR_MAX_RANK], dilations[IR_MAX_RANK], strides[IR_MAX_RANK];
  int64_t pads[2 * IR_MAX_RANK], blocks[IR_MAX_RANK], kernel, count;
  LLVMValueRef *coords;
  kb_var *sum;
} col2im;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

static LLVMValueRef add(kernel_builder *kb, ir_dtype compute, LLVMValueRef a, LLVMValueRef b) {
  return ir_dtype_is_float(compute) ? LLVMBuildFAdd(B, a, b, "") : LLVMBuildAdd(B, a, b, "");
}

/* Taps of axes d..: k_at and l_at are the tap and block offsets so far. */
static void sum_taps(kernel_builder *kb, col2im *c, int d, LLVMValueRef row, LLVMValueRef k_at,
                     LLVMValueRef l_at, LLVMValueRef valid) {
  if (d == c->rank) {
    LLVMValueRef at = LLVMBuildAdd(
        B, LLVMBuildMul(B, LLVMBuildAdd(B, row, k_at, ""), c32(kb, c->count), ""), l_at, "");
    at = LLVMBuildSelect(B, valid, at, c32(kb, 0), "");
    LLVMValueRef v =
        pw_convert(kb, pw_load(kb, c->dtype, kb_param_value(kb, 0), at), c->dtype, c->compute);
    v = LLVMBuildSelect(B, valid, v, LLVMConstNull(LLVMTypeOf(v)), "");
    kb_var_store(kb, c->sum, add(kb, c->compute, kb_var_load(kb, c->sum), v));
    return;
  }
  LLVMValueRef k = kb_for_begin(kb, c32(kb, 0), c32(kb, c->block[d]), c32(kb, 1));
  LLVMValueRef position =
      LLVMBuildSub(B, LLVMBuildAdd(B, c->coords[2 + d], c32(kb, c->pads[d]), ""),
                   LLVMBuildMul(B, k, c32(kb, c->dilations[d]), ""), "");
  LLVMValueRef stride = c32(kb, c->strides[d]), l = LLVMBuildSDiv(B, position, stride, "");
  LLVMValueRef here = LLVMBuildAnd(
      B, LLVMBuildICmp(B, LLVMIntSGE, position, c32(kb, 0), ""),
      LLVMBuildAnd(
          B, LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildSRem(B, position, stride, ""), c32(kb, 0), ""),
          LLVMBuildICmp(B, LLVMIntSLT, l, c32(kb, c->blocks[d]), ""), ""),
      "");
  sum_taps(kb, c, d + 1, row,
           LLVMBuildAdd(B, LLVMBuildMul(B, k_at, c32(kb, c->block[d]), ""), k, ""),
           LLVMBuildAdd(B, LLVMBuildMul(B, l_at, c32(kb, c->blocks[d]), ""), l, ""),
           LLVMBuildAnd(B, valid, here, ""));
  kb_for_end(kb);
}

int lower_col2im(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t count, in_count, image[IR_MAX_RANK];
  col2im c = {.dtype = x->dtype, .kernel = 1, .count = x->dims[2]};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &in_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_col2im_read(node, image, c.block, c.dilations, c.pads, c.strides, c.blocks, &c.rank,
                     ctx->diag) != 0)
    return -1;
  if (x->dtype == IR_DTYPE_BOOL || ir_dtype_bits(x->dtype) < 8)
    return ir_node_error(ctx->diag, node, "no Col2Im kernel for %s", ir_dtype_name(x->dtype));
  c.compute = pw_compute_dtype(x->dtype);
  for (int d = 0; d < c.rank; d++)
    c.kernel *= c.block[d];
  if (count == 0)
    return 0;
  uint32_t grid = pw_grid_for(count);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "col2im"), grid, PW_BLOCK);
  if (!launch)
    return ir_node_error(ctx->diag, node, "too many launches for one node");
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  kernel_builder *kb = ctx->kb;
  if (pw_kernel_begin(kb, launch) != 0)
    return -1;
  LLVMValueRef coords[IR_MAX_RANK];
  c.coords = coords;
  c.sum = kb_thread_var(kb, pw_storage_type(kb, c.compute), "sum");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  mv_unravel(kb, e, y->rank, y->dims, coords);
  /* column row of (n, c, tap 0): (n * C + c) * prod(block) */
  LLVMValueRef row = LLVMBuildMul(
      B, LLVMBuildAdd(B, LLVMBuildMul(B, coords[0], c32(kb, y->dims[1]), ""), coords[1], ""),
      c32(kb, c.kernel), "");
  kb_var_store(kb, c.sum, LLVMConstNull(pw_storage_type(kb, c.compute)));
  sum_taps(kb, &c, 0, row, c32(kb, 0), c32(kb, 0),
           LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0));
  pw_store(kb, c.dtype, kb_param_value(kb, 1), e,
           pw_convert(kb, kb_var_load(kb, c.sum), c.compute, c.dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}
