/* DeformConv (2-D) → one thread per output element (n, m, oh, ow): the sum over the input
 * channels of m's group and the kernel taps of W[m, c, kh, kw] * mask * X[n, c] sampled
 * bilinearly (taps outside the image read 0, as GridSample's zeros padding) at the tap's
 * position moved by its offset (of the channel's offset group), plus B[m]. A group root like
 * Conv: loads through the prologue, stores through the epilogue. Computed in f32. */
#include "codegen/ops/group.h"
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

typedef struct deform_conv {
  lower_context *ctx;
  ir_dtype dtype;
  ir_window window;
  int64_t channels, height, width, group_channels, group_outputs, offset_channels;
  int64_t kernel_h, kernel_w, out_h, out_w;
  bool has_bias, has_mask;
} deform_conv;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

static LLVMValueRef load(kernel_builder *kb, const deform_conv *d, int input, LLVMValueRef at) {
  return pw_convert(kb, lower_group_load(d->ctx, input, at), d->dtype, IR_DTYPE_F32);
}

/* X[plane + y * W + x] weighted, 0 where (y, x) is outside the image. */
static LLVMValueRef corner(kernel_builder *kb, const deform_conv *d, LLVMValueRef plane,
                           LLVMValueRef y, LLVMValueRef x, LLVMValueRef weight) {
  LLVMValueRef inside = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, y, c32(kb, d->height), ""),
                                     LLVMBuildICmp(B, LLVMIntULT, x, c32(kb, d->width), ""), "");
  LLVMValueRef at =
      LLVMBuildAdd(B, plane, LLVMBuildAdd(B, LLVMBuildMul(B, y, c32(kb, d->width), ""), x, ""), "");
  LLVMValueRef value = load(kb, d, 0, LLVMBuildSelect(B, inside, at, plane, ""));
  return LLVMBuildSelect(B, inside, LLVMBuildFMul(B, weight, value, ""), kb_const_f32(kb, 0), "");
}

/* Bilinear sample of the plane at (y, x) (f32), clamped far outside so indices stay exact. */
static LLVMValueRef sample(kernel_builder *kb, const deform_conv *d, LLVMValueRef plane,
                           LLVMValueRef y, LLVMValueRef x) {
  LLVMValueRef point[2] = {y, x}, low[2], fraction[2];
  const int64_t size[2] = {d->height, d->width};
  for (int a = 0; a < 2; a++) {
    LLVMValueRef v = point[a];
    v = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, v, kb_const_f32(kb, -2), ""),
                        kb_const_f32(kb, -2), v, "");
    v = LLVMBuildSelect(B,
                        LLVMBuildFCmp(B, LLVMRealOGT, v, kb_const_f32(kb, (double)size[a] + 2), ""),
                        kb_const_f32(kb, (double)size[a] + 2), v, "");
    LLVMValueRef whole = pw_floor(kb, v, false);
    fraction[a] = LLVMBuildFSub(B, v, whole, "");
    low[a] = LLVMBuildFPToSI(B, whole, LLVMInt32TypeInContext(kb_context(kb)), "");
  }
  LLVMValueRef one = kb_const_f32(kb, 1), sum = kb_const_f32(kb, 0);
  for (int k = 0; k < 4; k++) {
    int dy = k / 2, dx = k % 2;
    LLVMValueRef wy = dy ? fraction[0] : LLVMBuildFSub(B, one, fraction[0], "");
    LLVMValueRef wx = dx ? fraction[1] : LLVMBuildFSub(B, one, fraction[1], "");
    sum = LLVMBuildFAdd(B, sum,
                        corner(kb, d, plane, LLVMBuildAdd(B, low[0], c32(kb, dy), ""),
                               LLVMBuildAdd(B, low[1], c32(kb, dx), ""),
                               LLVMBuildFMul(B, wy, wx, "")),
                        "");
  }
  return sum;
}

static int deform_conv_kernel(kernel_builder *kb, const deform_conv *d, int64_t count,
                              uint32_t grid) {
  kb_var *sum = kb_thread_var(kb, pw_f32_type(kb), "sum");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  LLVMValueRef ow = LLVMBuildURem(B, e, c32(kb, d->out_w), "");
  LLVMValueRef rest = LLVMBuildUDiv(B, e, c32(kb, d->out_w), "");
  LLVMValueRef oh = LLVMBuildURem(B, rest, c32(kb, d->out_h), "");
  rest = LLVMBuildUDiv(B, rest, c32(kb, d->out_h), "");
  int64_t outputs = d->group_outputs * (d->channels / d->group_channels);
  LLVMValueRef m = LLVMBuildURem(B, rest, c32(kb, outputs), "");
  LLVMValueRef n = LLVMBuildUDiv(B, rest, c32(kb, outputs), "");
  LLVMValueRef group = LLVMBuildUDiv(B, m, c32(kb, d->group_outputs), "");
  LLVMValueRef pixel = LLVMBuildAdd(B, LLVMBuildMul(B, oh, c32(kb, d->out_w), ""), ow, "");
  int64_t out_plane = d->out_h * d->out_w, taps = d->kernel_h * d->kernel_w;
  LLVMValueRef top = LLVMBuildSub(B, LLVMBuildMul(B, oh, c32(kb, d->window.strides[0]), ""),
                                  c32(kb, d->window.pads[0]), "");
  LLVMValueRef left = LLVMBuildSub(B, LLVMBuildMul(B, ow, c32(kb, d->window.strides[1]), ""),
                                   c32(kb, d->window.pads[1]), "");
  kb_var_store(kb, sum, d->has_bias ? load(kb, d, 3, m) : kb_const_f32(kb, 0));
  LLVMValueRef j = kb_for_begin(kb, c32(kb, 0), c32(kb, d->group_channels), c32(kb, 1));
  LLVMValueRef c = LLVMBuildAdd(B, LLVMBuildMul(B, group, c32(kb, d->group_channels), ""), j, "");
  LLVMValueRef offset_group = LLVMBuildUDiv(B, c, c32(kb, d->offset_channels), "");
  LLVMValueRef plane =
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, n, c32(kb, d->channels), ""), c, ""),
                   c32(kb, d->height * d->width), "");
  /* mask channel of tap 0: (n * offset_groups + og) * taps; offsets twice that */
  LLVMValueRef mask_row = LLVMBuildMul(
      B,
      LLVMBuildAdd(B, LLVMBuildMul(B, n, c32(kb, d->channels / d->offset_channels), ""),
                   offset_group, ""),
      c32(kb, taps), "");
  LLVMValueRef kh = kb_for_begin(kb, c32(kb, 0), c32(kb, d->kernel_h), c32(kb, 1));
  LLVMValueRef kw = kb_for_begin(kb, c32(kb, 0), c32(kb, d->kernel_w), c32(kb, 1));
  LLVMValueRef tap = LLVMBuildAdd(B, LLVMBuildMul(B, kh, c32(kb, d->kernel_w), ""), kw, "");
  LLVMValueRef channel = LLVMBuildAdd(B, mask_row, tap, "");
  LLVMValueRef offset_at = LLVMBuildAdd(
      B, LLVMBuildMul(B, LLVMBuildMul(B, channel, c32(kb, 2), ""), c32(kb, out_plane), ""), pixel,
      "");
  LLVMValueRef dy = load(kb, d, 2, offset_at);
  LLVMValueRef dx = load(kb, d, 2, LLVMBuildAdd(B, offset_at, c32(kb, out_plane), ""));
  LLVMValueRef y =
      LLVMBuildAdd(B, top, LLVMBuildMul(B, kh, c32(kb, d->window.dilations[0]), ""), "");
  LLVMValueRef x =
      LLVMBuildAdd(B, left, LLVMBuildMul(B, kw, c32(kb, d->window.dilations[1]), ""), "");
  LLVMValueRef value =
      sample(kb, d, plane, LLVMBuildFAdd(B, LLVMBuildSIToFP(B, y, pw_f32_type(kb), ""), dy, ""),
             LLVMBuildFAdd(B, LLVMBuildSIToFP(B, x, pw_f32_type(kb), ""), dx, ""));
  if (d->has_mask)
    value = LLVMBuildFMul(
        B, value,
        load(kb, d, 4,
             LLVMBuildAdd(B, LLVMBuildMul(B, channel, c32(kb, out_plane), ""), pixel, "")),
        "");
  /* W[m, j, kh, kw] */
  LLVMValueRef w_at = LLVMBuildAdd(
      B,
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, m, c32(kb, d->group_channels), ""), j, ""),
                   c32(kb, taps), ""),
      tap, "");
  kb_var_store(kb, sum,
               LLVMBuildFAdd(B, kb_var_load(kb, sum),
                             LLVMBuildFMul(B, load(kb, d, 1, w_at), value, ""), ""));
  kb_for_end(kb);
  kb_for_end(kb);
  kb_for_end(kb);
  lower_group_store(d->ctx, e, pw_convert(kb, kb_var_load(kb, sum), IR_DTYPE_F32, d->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_deform_conv(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *w = &node->inputs[1]->type;
  const ir_type *y = &node->outputs[0]->type;
  int64_t count, group, offset_groups, checked;
  deform_conv d = {.ctx = ctx, .dtype = x->dtype};
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] && pw_check_value(ctx, node, node->inputs[i], "input", &checked) != 0)
      return -1;
  if (pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_deform_conv_read(node, &d.window, &group, &offset_groups, ctx->diag) != 0)
    return -1;
  if (!ir_dtype_is_float(x->dtype) || ir_dtype_bits(x->dtype) < 16)
    return ir_node_error(ctx->diag, node, "no DeformConv kernel for %s", ir_dtype_name(x->dtype));
  d.channels = x->dims[1], d.height = x->dims[2], d.width = x->dims[3];
  d.group_channels = x->dims[1] / group, d.group_outputs = w->dims[0] / group;
  d.offset_channels = x->dims[1] / offset_groups;
  d.kernel_h = w->dims[2], d.kernel_w = w->dims[3], d.out_h = y->dims[2], d.out_w = y->dims[3];
  d.has_bias = ir_node_input(node, 3) != NULL, d.has_mask = ir_node_input(node, 4) != NULL;
  if (count == 0)
    return 0;
  uint32_t grid = pw_grid_for(count);
  int param_count = 0;
  const char *name = lower_kernel_name(ctx, node, "deform_conv");
  const kb_param *params = lower_group_params(ctx, &param_count);
  lower_launch *launch = lower_add_launch(out, name, grid, PW_BLOCK);
  if (!params || !launch || kb_kernel_begin(ctx->kb, name, params, param_count, PW_BLOCK) != 0)
    return ir_node_error(ctx->diag, node, "could not begin the DeformConv kernel");
  lower_group_bind(ctx->group, launch);
  return deform_conv_kernel(ctx->kb, &d, count, grid);
}
