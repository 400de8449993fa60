/* Gradient rule of Conv, made of Convs and a ConvTranspose (docs/autodiff.md):
 * - input: ConvTranspose of the gradient by the same weights, strides, dilations, pads and
 *   group, with output_padding giving back the rows a stride skipped at the end;
 * - weights: a Conv that swaps the batch and channel axes, so the batch is what it sums over:
 *   the input as [C/G, G*N, S] (batch C/G, channels N per group) by the gradient as
 *   [G*M/G, N, O] (kernel O = the output's size) with stride = the dilation and dilation =
 *   the stride, then sliced to the kernel's size and transposed to [M, C/G, K];
 * - bias: the gradient summed over every axis but the channel.
 * Both are existing kernels (no gradient-only kernel to validate); the price is a weight-
 * gradient Conv whose kernel is as large as the output. */
#include "ir/infer.h"
#include "ir/infer/window.h"
#include "passes/autodiff/grad.h"

ir_value *ad_window_op(grad_context *ctx, ir_op op, ir_value *x, ir_value *w,
                       const ad_window *window, const int64_t *output_padding) {
  ir_value *inputs[2] = {x, w};
  ir_node *node = ir_build_start(&ctx->build, op, inputs, 2);
  int rank = window->rank;
  ir_build_set_ints(&ctx->build, node, "strides", window->strides, rank);
  ir_build_set_ints(&ctx->build, node, "dilations", window->dilations, rank);
  ir_build_set_ints(&ctx->build, node, "pads", window->pads, 2 * rank);
  ir_build_set_int(&ctx->build, node, "group", window->group);
  if (output_padding)
    ir_build_set_ints(&ctx->build, node, "output_padding", output_padding, rank);
  return ir_build_finish(&ctx->build, node);
}

/* The end rows a stride leaves out: what ConvTranspose's output_padding adds back so that the
 * gradient has the input's size. */
void ad_output_padding(const ad_window *window, const int64_t *kernel, const int64_t *input,
                       const int64_t *output, int64_t *out) {
  for (int d = 0; d < window->rank; d++) {
    int64_t extent = (kernel[d] - 1) * window->dilations[d] + 1;
    int64_t natural = window->strides[d] * (output[d] - 1) + extent - window->pads[d] -
                      window->pads[window->rank + d];
    out[d] = input[d] - natural;
  }
}

/* The node's window with pads resolved (auto_pad) for its input 0's spatial dims. */
int ad_read_window(grad_context *ctx, const int64_t *kernel, ad_window *out) {
  const ir_value *x = ad_input(ctx, 0);
  ir_window window;
  int64_t sizes[IR_MAX_RANK];
  out->rank = x->type.rank - 2;
  if (ir_window_read(ctx->node, out->rank, kernel, &window, ctx->build.diag) != 0 ||
      ir_window_output(ctx->node, &window, x->type.dims + 2, sizes, ctx->build.diag) != 0)
    return ad_error(ctx, "its window could not be read (the message before says why)");
  for (int d = 0; d < out->rank; d++) {
    out->kernel[d] = window.kernel[d];
    out->strides[d] = window.strides[d];
    out->dilations[d] = window.dilations[d];
    out->pads[d] = window.pads[d];
    out->pads[out->rank + d] = window.pads[window.spatial_rank + d];
  }
  out->ceil_mode = window.ceil_mode;
  out->group = 1;
  return 0;
}

static ir_value *input_grad(grad_context *ctx, ir_value *g, const ad_window *window) {
  ir_value *x = ad_input(ctx, 0), *w = ad_input(ctx, 1);
  int64_t padding[IR_MAX_RANK];
  ad_output_padding(window, w->type.dims + 2, x->type.dims + 2, g->type.dims + 2, padding);
  return ad_window_op(ctx, IR_OP_CONV_TRANSPOSE, g, w, window, padding);
}

static ir_value *weight_grad(grad_context *ctx, ir_value *g, const ad_window *window) {
  ir_value *x = ad_input(ctx, 0), *w = ad_input(ctx, 1);
  int rank = window->rank;
  int64_t n = x->type.dims[0], groups = window->group;
  int64_t c_per_group = x->type.dims[1] / groups, m_per_group = w->type.dims[0] / groups;
  int64_t dims[IR_MAX_RANK + 2], perm[IR_MAX_RANK + 2];
  /* x [N, G*Cg, S] → [N, G, Cg, S] → [Cg, G, N, S] → [Cg, G*N, S] */
  dims[0] = n, dims[1] = groups, dims[2] = c_per_group;
  perm[0] = 2, perm[1] = 1, perm[2] = 0;
  for (int d = 0; d < rank; d++)
    dims[3 + d] = x->type.dims[2 + d], perm[3 + d] = 3 + d;
  ir_value *x_split = ad_reshape_dims(ctx, x, dims, rank + 3);
  ir_value *x_swapped = ir_build_transpose(&ctx->build, x_split, perm, rank + 3);
  dims[0] = c_per_group, dims[1] = groups * n;
  for (int d = 0; d < rank; d++)
    dims[2 + d] = x->type.dims[2 + d];
  ir_value *x_batch = ad_reshape_dims(ctx, x_swapped, dims, rank + 2);
  /* g [N, G*Mg, O] → [N, G, Mg, O] → [G, Mg, N, O] → [G*Mg, N, O] */
  dims[0] = n, dims[1] = groups, dims[2] = m_per_group;
  perm[0] = 1, perm[1] = 2, perm[2] = 0;
  for (int d = 0; d < rank; d++)
    dims[3 + d] = g->type.dims[2 + d];
  ir_value *g_split = ad_reshape_dims(ctx, g, dims, rank + 3);
  ir_value *g_swapped = ir_build_transpose(&ctx->build, g_split, perm, rank + 3);
  dims[0] = groups * m_per_group, dims[1] = n;
  for (int d = 0; d < rank; d++)
    dims[2 + d] = g->type.dims[2 + d];
  ir_value *g_kernel = ad_reshape_dims(ctx, g_swapped, dims, rank + 2);
  ad_window swapped = *window;
  for (int d = 0; d < rank; d++)
    swapped.strides[d] = window->dilations[d], swapped.dilations[d] = window->strides[d];
  ir_value *full = ad_window_op(ctx, IR_OP_CONV, x_batch, g_kernel, &swapped, NULL);
  /* [Cg, M, K' >= K] → [Cg, M, K] → [M, Cg, K] */
  if (full) {
    int64_t starts[IR_MAX_RANK], ends[IR_MAX_RANK], axes[IR_MAX_RANK];
    int count = 0;
    for (int d = 0; d < rank; d++)
      if (full->type.dims[2 + d] != w->type.dims[2 + d]) {
        starts[count] = 0, ends[count] = w->type.dims[2 + d], axes[count] = 2 + d;
        count++;
      }
    if (count > 0) {
      ir_value *inputs[4] = {full, ir_build_ints(&ctx->build, starts, count),
                             ir_build_ints(&ctx->build, ends, count),
                             ir_build_ints(&ctx->build, axes, count)};
      full = ir_build_finish(&ctx->build, ir_build_start(&ctx->build, IR_OP_SLICE, inputs, 4));
    }
  }
  perm[0] = 1, perm[1] = 0;
  for (int d = 0; d < rank; d++)
    perm[2 + d] = 2 + d;
  return ir_build_transpose(&ctx->build, full, perm, rank + 2);
}

int grad_conv(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *x = ad_input(ctx, 0), *w = ad_input(ctx, 1), *g = output_grads[0];
  ad_window window;
  int64_t group = 1;
  if (!ad_require_static(ctx, x) || !ad_require_static(ctx, w) ||
      ir_attr_int_default(ctx->node, "group", &group, ctx->build.diag) != 0 ||
      ad_read_window(ctx, w->type.dims + 2, &window) != 0)
    return -1;
  window.group = group;
  if (ad_wanted(ctx, 0))
    input_grads[0] = input_grad(ctx, g, &window);
  if (ad_wanted(ctx, 1))
    input_grads[1] = weight_grad(ctx, g, &window);
  if (ad_wanted(ctx, 2)) {
    int64_t axes[IR_MAX_RANK];
    int count = 0;
    for (int d = 0; d < g->type.rank; d++)
      if (d != 1)
        axes[count++] = d;
    input_grads[2] = ad_reduce_sum(ctx, g, axes, count, false);
  }
  return ad_status(ctx);
}
