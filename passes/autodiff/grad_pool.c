/* Gradient rules of MaxPool and AveragePool, made of Conv, ConvTranspose and elementwise ops.
 * Each image channel is one batch item of a one-channel image ([N*C, 1, S]); with T the taps of
 * the kernel and E the one-hot kernels [T, 1, K] (E[t] is 1 at tap t only):
 * - AveragePool: ConvTranspose of g / count (count: the elements each window averaged, a
 *   constant) by a kernel of ones spreads each output's share over its window.
 * - MaxPool: Conv by E lists every window's taps ([N*C, T, O]); the first tap equal to the
 *   output (and inside the image) takes the gradient, and ConvTranspose by E puts each tap's
 *   gradient back where it was read, summing where windows overlap — a fixed-order sum, no
 *   atomics, and ties go to the first tap as in the forward kernel. */
#include <stdlib.h>
#include <string.h>

#include "ir/infer.h"
#include "passes/autodiff/grad.h"

typedef struct pool_geometry {
  ad_window window;
  int64_t in[IR_MAX_RANK], out[IR_MAX_RANK]; /* spatial sizes */
  int64_t end_pads[IR_MAX_RANK];             /* the node's own (before the ceil-mode ones) */
  int64_t taps, outputs;                     /* kernel and output elements */
  int64_t images;                            /* N * C */
} pool_geometry;

static int read_geometry(grad_context *ctx, pool_geometry *out) {
  ir_value *x = ad_input(ctx, 0), *y = ctx->node->outputs[0];
  if (!ad_require_static(ctx, x) || ad_read_window(ctx, NULL, &out->window) != 0)
    return -1;
  out->taps = 1, out->outputs = 1, out->images = x->type.dims[0] * x->type.dims[1];
  for (int d = 0; d < out->window.rank; d++) {
    out->in[d] = x->type.dims[2 + d], out->out[d] = y->type.dims[2 + d];
    out->taps *= out->window.kernel[d], out->outputs *= out->out[d];
    /* In ceil mode the last window may reach past the end pad: pad the end by as much, so the
     * Conv and ConvTranspose below see the same windows. */
    int64_t extent = (out->window.kernel[d] - 1) * out->window.dilations[d] + 1;
    int64_t reach = (out->out[d] - 1) * out->window.strides[d] + extent;
    int64_t *end = &out->window.pads[out->window.rank + d];
    out->end_pads[d] = *end;
    if (reach > out->in[d] + out->window.pads[d] + *end)
      *end = reach - out->in[d] - out->window.pads[d];
  }
  return 0;
}

/* Coordinates of flat index `index` over `dims` (rank of them). */
static void unflatten(int64_t index, const int64_t *dims, int rank, int64_t *out) {
  for (int d = rank - 1; d >= 0; d--) {
    out[d] = index % dims[d];
    index /= dims[d];
  }
}

/* The input coordinate tap `tap` of output `output` reads on axis d, per axis in `out`. */
static void tap_coordinates(const pool_geometry *p, int64_t tap, int64_t output, int64_t *out) {
  int64_t k[IR_MAX_RANK], o[IR_MAX_RANK];
  unflatten(tap, p->window.kernel, p->window.rank, k);
  unflatten(output, p->out, p->window.rank, o);
  for (int d = 0; d < p->window.rank; d++)
    out[d] = o[d] * p->window.strides[d] + k[d] * p->window.dilations[d] - p->window.pads[d];
}

/* x (or g) as [N*C, 1, sizes]. */
static ir_value *as_images(grad_context *ctx, ir_value *value, const pool_geometry *p,
                           const int64_t *sizes) {
  int64_t dims[IR_MAX_RANK + 2] = {p->images, 1};
  memcpy(dims + 2, sizes, sizeof(int64_t) * (size_t)p->window.rank);
  return ad_reshape_dims(ctx, value, dims, p->window.rank + 2);
}

/* A float constant [leading..., sizes...] of `dtype` filled by values[i]. */
static ir_value *float_constant(grad_context *ctx, ir_dtype dtype, const int64_t *dims, int rank,
                                const double *values, int64_t count) {
  void *data = calloc((size_t)count + 1, 8);
  if (!data) {
    ad_error(ctx, "out of memory");
    return NULL;
  }
  for (int64_t i = 0; i < count; i++)
    ir_element_set_float(dtype, data, i, values[i]);
  ir_value *value = ir_build_constant(&ctx->build, ir_type_make(dtype, rank, dims), data);
  free(data);
  return value;
}

/* The one-hot kernels E [T, 1, K]. */
static ir_value *one_hot_kernels(grad_context *ctx, const pool_geometry *p, ir_dtype dtype) {
  int64_t dims[IR_MAX_RANK + 2] = {p->taps, 1}, count = p->taps * p->taps;
  memcpy(dims + 2, p->window.kernel, sizeof(int64_t) * (size_t)p->window.rank);
  double *values = calloc((size_t)count, sizeof(double));
  if (!values) {
    ad_error(ctx, "out of memory");
    return NULL;
  }
  for (int64_t t = 0; t < p->taps; t++)
    values[t * p->taps + t] = 1.0;
  ir_value *kernels = float_constant(ctx, dtype, dims, p->window.rank + 2, values, count);
  free(values);
  return kernels;
}

/* g [N*C, T or 1, O] spread back over the windows by `kernels` [T or 1, 1, K]. */
static ir_value *spread(grad_context *ctx, ir_value *g, ir_value *kernels, const pool_geometry *p) {
  int64_t padding[IR_MAX_RANK];
  ad_output_padding(&p->window, p->window.kernel, p->in, p->out, padding);
  ir_value *images = ad_window_op(ctx, IR_OP_CONV_TRANSPOSE, g, kernels, &p->window, padding);
  return ad_reshape(ctx, images, &ad_input(ctx, 0)->type);
}

int grad_average_pool(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  pool_geometry p;
  int64_t include_pad = 0;
  if (read_geometry(ctx, &p) != 0 ||
      ir_attr_int_default(ctx->node, "count_include_pad", &include_pad, ctx->build.diag) != 0)
    return -1;
  ir_dtype dtype = ad_input(ctx, 0)->type.dtype;
  double *counts = calloc((size_t)p.outputs, sizeof(double));
  if (!counts)
    return ad_error(ctx, "out of memory");
  for (int64_t o = 0; o < p.outputs; o++)
    for (int64_t t = 0; t < p.taps; t++) {
      int64_t c[IR_MAX_RANK];
      bool counted = true;
      tap_coordinates(&p, t, o, c);
      for (int d = 0; d < p.window.rank; d++) { /* as the forward kernel counts */
        int64_t low = include_pad ? -p.window.pads[d] : 0;
        int64_t high = p.in[d] + (include_pad ? p.end_pads[d] : 0);
        counted = counted && c[d] >= low && c[d] < high;
      }
      counts[o] += counted ? 1.0 : 0.0;
    }
  for (int64_t o = 0; o < p.outputs; o++)
    counts[o] = counts[o] > 0 ? 1.0 / counts[o] : 0.0;
  ir_value *shares =
      float_constant(ctx, dtype, p.out, p.window.rank, counts, p.outputs); /* 1 / count */
  free(counts);
  int64_t ones_dims[IR_MAX_RANK + 2] = {1, 1};
  memcpy(ones_dims + 2, p.window.kernel, sizeof(int64_t) * (size_t)p.window.rank);
  double *ones = malloc(sizeof(double) * (size_t)p.taps);
  if (!ones)
    return ad_error(ctx, "out of memory");
  for (int64_t t = 0; t < p.taps; t++)
    ones[t] = 1.0;
  ir_value *kernel = float_constant(ctx, dtype, ones_dims, p.window.rank + 2, ones, p.taps);
  free(ones);
  ir_value *g = as_images(ctx, output_grads[0], &p, p.out);
  input_grads[0] = spread(ctx, ad_mul(ctx, g, shares), kernel, &p);
  return ad_status(ctx);
}

int grad_max_pool(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  pool_geometry p;
  if (read_geometry(ctx, &p) != 0)
    return -1;
  ir_value *x = ad_input(ctx, 0);
  ir_dtype dtype = x->type.dtype;
  /* inside[t, o]: tap t of window o reads the image, not the padding */
  int64_t inside_dims[IR_MAX_RANK + 1] = {p.taps};
  memcpy(inside_dims + 1, p.out, sizeof(int64_t) * (size_t)p.window.rank);
  bool *inside = calloc((size_t)(p.taps * p.outputs), sizeof(bool));
  if (!inside)
    return ad_error(ctx, "out of memory");
  for (int64_t t = 0; t < p.taps; t++)
    for (int64_t o = 0; o < p.outputs; o++) {
      int64_t c[IR_MAX_RANK];
      bool in = true;
      tap_coordinates(&p, t, o, c);
      for (int d = 0; d < p.window.rank; d++)
        in = in && c[d] >= 0 && c[d] < p.in[d];
      inside[t * p.outputs + o] = in;
    }
  ir_value *inside_mask = ir_build_constant(
      &ctx->build, ir_type_make(IR_DTYPE_BOOL, p.window.rank + 1, inside_dims), inside);
  free(inside);
  ir_value *kernels = one_hot_kernels(ctx, &p, dtype);
  ir_value *taps =
      ad_window_op(ctx, IR_OP_CONV, as_images(ctx, x, &p, p.in), kernels, &p.window, NULL);
  ir_value *y = as_images(ctx, ctx->node->outputs[0], &p, p.out);
  ir_value *hit = ad_binary(ctx, IR_OP_AND, ad_binary(ctx, IR_OP_EQUAL, taps, y), inside_mask);
  /* the first hit of each window: a running count of hits over the taps equal to 1 */
  ir_value *hits = ir_build_where(&ctx->build, hit, ir_build_scalar(&ctx->build, dtype, 1.0),
                                  ir_build_scalar(&ctx->build, dtype, 0.0));
  int64_t tap_axis = 1;
  ir_value *cumulative_inputs[2] = {hits, ir_build_ints(&ctx->build, &tap_axis, 1)};
  ir_value *running = ir_build_finish(
      &ctx->build, ir_build_start(&ctx->build, IR_OP_CUM_SUM, cumulative_inputs, 2));
  ir_value *first = ad_binary(ctx, IR_OP_AND, hit, ad_compare(ctx, IR_OP_EQUAL, running, 1.0));
  ir_value *g = as_images(ctx, output_grads[0], &p, p.out);
  input_grads[0] = spread(ctx, ad_mask(ctx, first, g), kernels, &p);
  return ad_status(ctx);
}
