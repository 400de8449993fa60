/* Conv → implicit GEMM on the tiled kernel, one group per grid z: M = output channels of
 * the group, N = batch * out_h * out_w, K = input channels of the group * kernel_h * kernel_w;
 * the B loader computes the im2col address (with padding) instead of materializing it, and
 * constant weights are packed for the A loader at compile time. */
#include "codegen/ops/conv.h"

#include "codegen/ops/group.h"
#include "codegen/ops/tiled_gemm.h"
#include "ir/infer.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

/* Below this many output channels per group a GEMM tile would be mostly idle. */
enum { CONV_GEMM_MIN_CHANNELS = 16 };

int conv_plan_read(const ir_node *node, conv_plan *plan, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  const ir_type *y = &node->outputs[0]->type;
  const ir_value *bias = ir_node_input(node, 2);
  *plan = (conv_plan){0};
  if (!lower_contraction_dtype(x->dtype) || w->dtype != x->dtype ||
      (bias && bias->type.dtype != x->dtype))
    return ir_node_error(diag, node, "the GPU Conv supports f32, f16 and bf16 (got %s)",
                         ir_dtype_name(x->dtype));
  if (!ir_type_is_static(x) || !ir_type_is_static(w) || !ir_type_is_static(y))
    return ir_node_error(diag, node, "the GPU Conv needs static shapes");
  if (x->rank != 3 && x->rank != 4)
    return ir_node_error(diag, node, "the GPU Conv supports 1-D and 2-D convolution, not %d-D",
                         x->rank - 2);
  int spatial = x->rank - 2;
  ir_window window;
  int64_t out_spatial[IR_MAX_RANK];
  if (ir_window_read(node, spatial, &w->dims[2], &window, diag) != 0 ||
      ir_window_output(node, &window, &x->dims[2], out_spatial, diag) != 0 ||
      ir_attr_int_default(node, "group", &plan->group, diag) != 0)
    return -1;
  int h = spatial == 2 ? 0 : -1, wi = spatial - 1; /* axis of height (none for 1-D), width */
  plan->batch = x->dims[0];
  plan->in_channels = x->dims[1];
  plan->in_h = h < 0 ? 1 : x->dims[2 + h];
  plan->in_w = x->dims[2 + wi];
  plan->out_channels = y->dims[1];
  plan->out_h = h < 0 ? 1 : y->dims[2 + h];
  plan->out_w = y->dims[2 + wi];
  plan->in_per_group = plan->in_channels / plan->group;
  plan->out_per_group = plan->out_channels / plan->group;
  plan->kernel_h = h < 0 ? 1 : window.kernel[h];
  plan->kernel_w = window.kernel[wi];
  plan->stride_h = h < 0 ? 1 : window.strides[h];
  plan->stride_w = window.strides[wi];
  plan->dilation_h = h < 0 ? 1 : window.dilations[h];
  plan->dilation_w = window.dilations[wi];
  plan->pad_top = h < 0 ? 0 : window.pads[h];
  plan->pad_left = window.pads[wi];
  plan->has_bias = bias != NULL;
  int64_t elements = 0, weights = 0, outputs = 0;
  if (!ir_type_element_count(x, &elements) || !ir_type_element_count(w, &weights) ||
      !ir_type_element_count(y, &outputs) || elements > INT32_MAX || weights > INT32_MAX ||
      outputs > INT32_MAX)
    return ir_node_error(diag, node, "the GPU Conv needs tensors below 2^31 elements");
  return 0;
}

LLVMValueRef conv_load_input(kernel_builder *kb, const conv_plan *plan, LLVMValueRef b,
                             LLVMValueRef c, LLVMValueRef ih, LLVMValueRef iw) {
  /* Unsigned compares reject negative rows/columns too. */
  LLVMValueRef inside =
      LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, ih, kb_const_i32(kb, plan->in_h), ""),
                   LLVMBuildICmp(B, LLVMIntULT, iw, kb_const_i32(kb, plan->in_w), ""), "inside");
  LLVMValueRef safe_h = LLVMBuildSelect(B, inside, ih, kb_const_i32(kb, 0), "");
  LLVMValueRef safe_w = LLVMBuildSelect(B, inside, iw, kb_const_i32(kb, 0), "");
  LLVMValueRef plane =
      LLVMBuildAdd(B, LLVMBuildMul(B, b, kb_const_i32(kb, plan->in_channels), ""), c, "");
  LLVMValueRef index =
      LLVMBuildAdd(B, LLVMBuildMul(B, plane, kb_const_i32(kb, plan->in_h), ""), safe_h, "");
  index = LLVMBuildAdd(B, LLVMBuildMul(B, index, kb_const_i32(kb, plan->in_w), ""), safe_w, "");
  LLVMValueRef value = lower_group_load_f32(plan->ctx, 0, index);
  return LLVMBuildSelect(B, inside, value, kb_const_f32(kb, 0), "");
}

/* The implicit GEMM's view of a Conv: the plan, the weights' layout, and the column terms
 * of the thread's staged B column (made once by prepare_column, reused on every K step). */
typedef struct conv_gemm {
  conv_plan plan;     /* first: store_output reads `user` as a conv_plan */
  bool packed_weight; /* the weights are [group][K][M per group] (lower_conv) */
  /* the window's top-left corner (top, left) and the index of x[b][0][top][left] (outside
   * the image when the corner is in the padding; only taps inside it are loaded) */
  kb_var *corner, *top, *left;
} conv_gemm;

/* A[m][k] of group g: weights are [M, C/g, kh, kw] row-major, i.e. [g][M/g][K], or packed
 * [g][K][M/g]. */
static LLVMValueRef load_weight(kernel_builder *kb, const void *user, LLVMValueRef group,
                                LLVMValueRef row, LLVMValueRef col) {
  const conv_gemm *gemm = user;
  const conv_plan *plan = &gemm->plan;
  int64_t k = plan->in_per_group * plan->kernel_h * plan->kernel_w;
  LLVMValueRef slow = gemm->packed_weight ? col : row, fast = gemm->packed_weight ? row : col;
  int64_t slow_size = gemm->packed_weight ? k : plan->out_per_group;
  int64_t fast_size = gemm->packed_weight ? plan->out_per_group : k;
  LLVMValueRef index =
      LLVMBuildAdd(B, LLVMBuildMul(B, group, kb_const_i32(kb, slow_size), ""), slow, "");
  index = LLVMBuildAdd(B, LLVMBuildMul(B, index, kb_const_i32(kb, fast_size), ""), fast, "");
  return lower_group_load_f32(plan->ctx, 1, index);
}

/* Column n = (b, oh, ow): image b, window top-left corner (oh * sh - pt, ow * sw - pl). */
static void prepare_column(kernel_builder *kb, void *user, LLVMValueRef group, LLVMValueRef col) {
  (void)group;
  conv_gemm *gemm = user;
  LLVMTypeRef i32 = LLVMInt32TypeInContext(kb_context(kb));
  gemm->corner = kb_thread_var(kb, i32, "corner");
  gemm->top = kb_thread_var(kb, i32, "top");
  gemm->left = kb_thread_var(kb, i32, "left");
  const conv_plan *plan = &gemm->plan;
  int64_t plane = plan->out_h * plan->out_w;
  LLVMValueRef pixel = LLVMBuildURem(B, col, kb_const_i32(kb, plane), "");
  LLVMValueRef oh = LLVMBuildUDiv(B, pixel, kb_const_i32(kb, plan->out_w), "oh");
  LLVMValueRef ow = LLVMBuildURem(B, pixel, kb_const_i32(kb, plan->out_w), "ow");
  LLVMValueRef image = LLVMBuildUDiv(B, col, kb_const_i32(kb, plane), "b");
  LLVMValueRef top = LLVMBuildSub(B, LLVMBuildMul(B, oh, kb_const_i32(kb, plan->stride_h), ""),
                                  kb_const_i32(kb, plan->pad_top), "");
  LLVMValueRef left = LLVMBuildSub(B, LLVMBuildMul(B, ow, kb_const_i32(kb, plan->stride_w), ""),
                                   kb_const_i32(kb, plan->pad_left), "");
  LLVMValueRef corner =
      LLVMBuildMul(B, image, kb_const_i32(kb, plan->in_channels * plan->in_h * plan->in_w), "");
  corner = LLVMBuildAdd(B, corner, LLVMBuildMul(B, top, kb_const_i32(kb, plan->in_w), ""), "");
  kb_var_store(kb, gemm->corner, LLVMBuildAdd(B, corner, left, "corner"));
  kb_var_store(kb, gemm->top, top);
  kb_var_store(kb, gemm->left, left);
}

/* B[k][n] = x[b][group * in_per_group + c][top + r * dh][left + s * dw] with k = (c, r, s)
 * and the corner from the thread's column (the tiled kernel stages column `col` only in
 * the thread that prepared it): the corner's index plus an offset that depends on k alone
 * (the same for every thread of a row of the block: scalar on the host), 0 in the padding. */
static LLVMValueRef load_patch(kernel_builder *kb, const void *user, LLVMValueRef group,
                               LLVMValueRef row, LLVMValueRef col) {
  (void)col;
  const conv_gemm *gemm = user;
  const conv_plan *plan = &gemm->plan;
  int64_t window = plan->kernel_h * plan->kernel_w;
  LLVMValueRef c = LLVMBuildUDiv(B, row, kb_const_i32(kb, window), "c");
  LLVMValueRef tap = LLVMBuildURem(B, row, kb_const_i32(kb, window), "");
  LLVMValueRef dr = LLVMBuildMul(B, LLVMBuildUDiv(B, tap, kb_const_i32(kb, plan->kernel_w), ""),
                                 kb_const_i32(kb, plan->dilation_h), "dr");
  LLVMValueRef ds = LLVMBuildMul(B, LLVMBuildURem(B, tap, kb_const_i32(kb, plan->kernel_w), ""),
                                 kb_const_i32(kb, plan->dilation_w), "ds");
  LLVMValueRef channel =
      LLVMBuildAdd(B, LLVMBuildMul(B, group, kb_const_i32(kb, plan->in_per_group), ""), c, "");
  LLVMValueRef offset = LLVMBuildMul(B, channel, kb_const_i32(kb, plan->in_h * plan->in_w), "");
  offset = LLVMBuildAdd(B, offset, LLVMBuildMul(B, dr, kb_const_i32(kb, plan->in_w), ""), "");
  offset = LLVMBuildAdd(B, offset, ds, "offset");
  /* Unsigned compares reject negative rows/columns too. */
  LLVMValueRef ih = LLVMBuildAdd(B, kb_var_load(kb, gemm->top), dr, "ih");
  LLVMValueRef iw = LLVMBuildAdd(B, kb_var_load(kb, gemm->left), ds, "iw");
  LLVMValueRef inside =
      LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, ih, kb_const_i32(kb, plan->in_h), ""),
                   LLVMBuildICmp(B, LLVMIntULT, iw, kb_const_i32(kb, plan->in_w), ""), "inside");
  LLVMValueRef index = LLVMBuildAdd(B, kb_var_load(kb, gemm->corner), offset, "");
  index = LLVMBuildSelect(B, inside, index, kb_const_i32(kb, 0), "");
  LLVMValueRef value = lower_group_load_f32(plan->ctx, 0, index);
  return LLVMBuildSelect(B, inside, value, kb_const_f32(kb, 0), "");
}

/* A 1x1 window with stride 1 and no padding reads each image as it is: B = x[b] as a
 * [C][H*W] matrix, column n = (b, pixel). */
static bool pointwise_window(const conv_plan *plan) {
  return plan->kernel_h == 1 && plan->kernel_w == 1 && plan->stride_h == 1 && plan->stride_w == 1 &&
         plan->pad_top == 0 && plan->pad_left == 0 && plan->out_h == plan->in_h &&
         plan->out_w == plan->in_w;
}

/* B[k][n] of a pointwise window: x[b][group * in_per_group + k][pixel]. With one image the
 * index is affine in n, so adjacent columns are a vector load on the host. */
static LLVMValueRef load_pixel(kernel_builder *kb, const void *user, LLVMValueRef group,
                               LLVMValueRef row, LLVMValueRef col) {
  const conv_plan *plan = user;
  int64_t plane = plan->out_h * plan->out_w;
  LLVMValueRef channel =
      LLVMBuildAdd(B, LLVMBuildMul(B, group, kb_const_i32(kb, plan->in_per_group), ""), row, "");
  LLVMValueRef image = kb_const_i32(kb, 0), pixel = col;
  if (plan->batch > 1) {
    image = LLVMBuildUDiv(B, col, kb_const_i32(kb, plane), "b");
    pixel = LLVMBuildURem(B, col, kb_const_i32(kb, plane), "pixel");
  }
  LLVMValueRef index =
      LLVMBuildAdd(B, LLVMBuildMul(B, image, kb_const_i32(kb, plan->in_channels), ""), channel, "");
  index = LLVMBuildAdd(B, LLVMBuildMul(B, index, kb_const_i32(kb, plane), ""), pixel, "");
  return lower_group_load_f32(plan->ctx, 0, index);
}

static void store_output(kernel_builder *kb, const void *user, LLVMValueRef group, LLVMValueRef row,
                         LLVMValueRef col, LLVMValueRef value) {
  const conv_plan *plan = user;
  int64_t plane = plan->out_h * plan->out_w;
  LLVMValueRef channel =
      LLVMBuildAdd(B, LLVMBuildMul(B, group, kb_const_i32(kb, plan->out_per_group), ""), row, "");
  if (plan->has_bias)
    value = LLVMBuildFAdd(B, value, lower_group_load_f32(plan->ctx, 2, channel), "");
  LLVMValueRef b = LLVMBuildUDiv(B, col, kb_const_i32(kb, plane), "");
  LLVMValueRef pixel = LLVMBuildURem(B, col, kb_const_i32(kb, plane), "");
  LLVMValueRef index =
      LLVMBuildAdd(B, LLVMBuildMul(B, b, kb_const_i32(kb, plan->out_channels), ""), channel, "");
  index = LLVMBuildAdd(B, LLVMBuildMul(B, index, kb_const_i32(kb, plane), ""), pixel, "");
  lower_group_store_f32(plan->ctx, index, value);
}

int lower_conv(lower_context *ctx, const ir_node *node, lower_result *out) {
  conv_gemm gemm = {0};
  conv_plan plan;
  if (conv_plan_read(node, &plan, ctx->diag) != 0)
    return -1;
  plan.ctx = ctx;
  if (plan.out_per_group < CONV_GEMM_MIN_CHANNELS)
    return conv_lower_direct(ctx, node, &plan, out);
  gemm.plan = plan;
  /* Constant weights go into the weights blob transposed per group, [g][K][M/g]: a K step's
   * A slice is then 16 runs of adjacent m, staged as vector copies on the host and as
   * coalesced, conflict-free copies on the GPU, instead of a scatter into the [k][m] slice. */
  lower_packing packing = {.rows = plan.out_per_group,
                           .cols = plan.in_per_group * plan.kernel_h * plan.kernel_w};
  const lower_arg *args = lower_group_args_packed(ctx, 1, packing, &gemm.packed_weight);
  int param_count = 0;
  const kb_param *params = lower_group_params(ctx, &param_count);
  tiled_gemm_desc desc = {
      .kernel_name = lower_kernel_name(ctx, node, "conv"),
      .params = params,
      .param_count = param_count,
      .args = args,
      .m = plan.out_per_group,
      .n = plan.batch * plan.out_h * plan.out_w,
      .k = plan.in_per_group * plan.kernel_h * plan.kernel_w,
      .batch = plan.group,
      .load_a = load_weight,
      .a_m_contiguous = gemm.packed_weight,
      .load_b = pointwise_window(&plan) ? load_pixel : load_patch,
      .store_c = store_output,
      .prepare_b_column = pointwise_window(&plan) ? NULL : prepare_column,
      .user = &gemm,
  };
  return tiled_gemm_lower(ctx, node, &desc, out);
}
