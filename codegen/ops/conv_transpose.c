/* ConvTranspose → one thread per output element (any spatial rank): y[n, m, o] = B[m] + the
 * sum over the input channels of m's group and the kernel taps k of x[n, c, i] * W[c, m', k]
 * for the taps where o + pad = i * stride + k * dilation has an integer i inside the input.
 * Undilated axes step through the taps a stride apart (only those can land on an input).
 * Computed in f32 (f64 for f64 data). A group root: inputs load through the group's
 * prologue and outputs store through its epilogue (a fused Relu, say). */
#include "codegen/ops/group.h"
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

typedef struct conv_transpose {
  lower_context *ctx;
  ir_dtype dtype, compute;
  int spatial;
  int64_t channels, group_channels, group_outputs; /* C, C / group, M / group */
  int64_t in[IR_MAX_RANK], kernel[IR_MAX_RANK];
  ir_window window;
  bool has_bias;
  LLVMValueRef *coords; /* the output element's (n, m, o...) */
  kb_var *sum;
} conv_transpose;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

/* Element `at` of root input `input`, through the group's prologue when it has one (the
 * kernel's parameters are the group's reads, not the op's inputs). */
static LLVMValueRef load(kernel_builder *kb, const conv_transpose *t, int input, LLVMValueRef at) {
  return pw_convert(kb, lower_group_load(t->ctx, input, at), t->dtype, t->compute);
}

/* Loops over the taps of spatial axes d.. ; x_at and w_at are the offsets so far, `valid`
 * whether every axis so far has an input position. */
static void sum_taps(kernel_builder *kb, conv_transpose *t, int d, LLVMValueRef x_at,
                     LLVMValueRef w_at, LLVMValueRef valid) {
  if (d == t->spatial) {
    LLVMValueRef x = load(kb, t, 0, LLVMBuildSelect(B, valid, x_at, c32(kb, 0), ""));
    LLVMValueRef product = LLVMBuildFMul(B, x, load(kb, t, 1, w_at), "");
    product = LLVMBuildSelect(B, valid, product, LLVMConstNull(LLVMTypeOf(product)), "");
    kb_var_store(kb, t->sum, LLVMBuildFAdd(B, kb_var_load(kb, t->sum), product, ""));
    return;
  }
  /* Without dilation only every stride-th tap can land on an input position: the loop
   * starts at the first, (o + pad) mod stride, and steps by the stride. */
  LLVMValueRef first = c32(kb, 0), step = c32(kb, 1);
  if (t->window.dilations[d] == 1 && t->window.strides[d] > 1) {
    step = c32(kb, t->window.strides[d]);
    LLVMValueRef rest = LLVMBuildSRem(
        B, LLVMBuildAdd(B, t->coords[2 + d], c32(kb, t->window.pads[d]), ""), step, "");
    first = LLVMBuildSRem(B, LLVMBuildAdd(B, rest, step, ""), step, "");
  }
  LLVMValueRef k = kb_for_begin(kb, first, c32(kb, t->kernel[d]), step);
  /* position = o + pad - k * dilation = i * stride */
  LLVMValueRef position =
      LLVMBuildSub(B, LLVMBuildAdd(B, t->coords[2 + d], c32(kb, t->window.pads[d]), ""),
                   LLVMBuildMul(B, k, c32(kb, t->window.dilations[d]), ""), "");
  LLVMValueRef stride = c32(kb, t->window.strides[d]);
  LLVMValueRef i = LLVMBuildSDiv(B, position, stride, "");
  LLVMValueRef here = LLVMBuildAnd(
      B, LLVMBuildICmp(B, LLVMIntSGE, position, c32(kb, 0), ""),
      LLVMBuildAnd(
          B, LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildSRem(B, position, stride, ""), c32(kb, 0), ""),
          LLVMBuildICmp(B, LLVMIntSLT, i, c32(kb, t->in[d]), ""), ""),
      "");
  sum_taps(kb, t, d + 1, LLVMBuildAdd(B, LLVMBuildMul(B, x_at, c32(kb, t->in[d]), ""), i, ""),
           LLVMBuildAdd(B, LLVMBuildMul(B, w_at, c32(kb, t->kernel[d]), ""), k, ""),
           LLVMBuildAnd(B, valid, here, ""));
  kb_for_end(kb);
}

static int conv_transpose_kernel(kernel_builder *kb, conv_transpose *t, const ir_type *y,
                                 int64_t count, uint32_t grid) {
  LLVMValueRef coords[IR_MAX_RANK];
  LLVMTypeRef type = pw_storage_type(kb, t->compute);
  t->sum = kb_thread_var(kb, type, "sum");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  mv_unravel(kb, e, y->rank, y->dims, coords);
  t->coords = coords;
  LLVMValueRef m = coords[1];
  LLVMValueRef group = LLVMBuildUDiv(B, m, c32(kb, t->group_outputs), "group");
  LLVMValueRef within = LLVMBuildURem(B, m, c32(kb, t->group_outputs), "");
  kb_var_store(kb, t->sum, t->has_bias ? load(kb, t, 2, m) : LLVMConstNull(type));
  LLVMValueRef j = kb_for_begin(kb, c32(kb, 0), c32(kb, t->group_channels), c32(kb, 1));
  LLVMValueRef c =
      LLVMBuildAdd(B, LLVMBuildMul(B, group, c32(kb, t->group_channels), ""), j, "channel");
  LLVMValueRef image = LLVMBuildAdd(B, LLVMBuildMul(B, coords[0], c32(kb, t->channels), ""), c, "");
  LLVMValueRef filter =
      LLVMBuildAdd(B, LLVMBuildMul(B, c, c32(kb, t->group_outputs), ""), within, "");
  sum_taps(kb, t, 0, image, filter, LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0));
  kb_for_end(kb);
  lower_group_store(t->ctx, e, pw_convert(kb, kb_var_load(kb, t->sum), t->compute, t->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_conv_transpose(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  const ir_type *y = &node->outputs[0]->type;
  int64_t count, group, in_count, w_count;
  int64_t spatial_out[IR_MAX_RANK];
  conv_transpose t = {.ctx = ctx, .dtype = x->dtype, .spatial = x->rank - 2};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &in_count) != 0 ||
      pw_check_value(ctx, node, node->inputs[1], "weights", &w_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_attr_int_default(node, "group", &group, ctx->diag) != 0 ||
      ir_conv_transpose_geometry(node, &t.window, spatial_out, ctx->diag) != 0)
    return -1;
  if (!ir_dtype_is_float(x->dtype) || ir_dtype_bits(x->dtype) < 16)
    return ir_node_error(ctx->diag, node, "no ConvTranspose kernel for %s",
                         ir_dtype_name(x->dtype));
  t.compute = x->dtype == IR_DTYPE_F64 ? IR_DTYPE_F64 : IR_DTYPE_F32;
  t.channels = x->dims[1];
  t.group_channels = x->dims[1] / group;
  t.group_outputs = w->dims[1];
  t.has_bias = ir_node_input(node, 2) != NULL;
  for (int d = 0; d < t.spatial; d++)
    t.in[d] = x->dims[2 + d], t.kernel[d] = w->dims[2 + d];
  if (count == 0)
    return 0;
  uint32_t grid = pw_grid_for(count);
  int param_count = 0;
  const char *name = lower_kernel_name(ctx, node, "conv_transpose");
  const kb_param *params = lower_group_params(ctx, &param_count);
  lower_launch *launch = lower_add_launch(out, name, grid, PW_BLOCK);
  if (!params || !launch || kb_kernel_begin(ctx->kb, name, params, param_count, PW_BLOCK) != 0)
    return ir_node_error(ctx->diag, node, "could not begin the ConvTranspose kernel");
  lower_group_bind(ctx->group, launch);
  return conv_transpose_kernel(ctx->kb, &t, y, count, grid);
}
