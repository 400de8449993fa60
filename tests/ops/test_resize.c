/* Resize on the host twin against a plain C reference of the separable interpolation: linear
 * (half_pixel) and cubic (align_corners) on the last two axes of a 4-D f32 tensor, nearest on
 * u8 with sizes and axes, cubic on u8 saturating at 0 and 255, tf_crop_and_resize
 * extrapolation; PTX through ptxas; the tap budget's error names the node. */
#include "pointwise_test.h"

#include <math.h>
#include <string.h>

typedef struct resize_case {
  const char *mode, *coordinates;
  ir_dtype dtype;
  int64_t dims[4], out[4];
} resize_case;

static double source_of(const resize_case *c, int axis, int64_t y) {
  double in = (double)c->dims[axis], out = (double)c->out[axis], scale = out / in;
  if (strcmp(c->coordinates, "align_corners") == 0)
    return out == 1 ? 0 : (double)y * (in - 1) / (out - 1);
  if (strcmp(c->coordinates, "asymmetric") == 0)
    return (double)y / scale;
  return ((double)y + 0.5) / scale - 0.5;
}

static double cubic_weight(double t) { /* A = -0.75 */
  const double a = -0.75;
  t = fabs(t);
  if (t <= 1)
    return ((a + 2) * t - (a + 3)) * t * t + 1;
  return t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
}

/* Weight of input index i for output y of `axis` (indices outside clamp to the edge, so a
 * clamped index collects the weights of those beyond it). */
static double axis_weight(const resize_case *c, int axis, int64_t y, int64_t i) {
  if (c->dims[axis] == c->out[axis])
    return y == i;
  double x = source_of(c, axis, y), base = floor(x);
  int64_t size = c->dims[axis], first;
  int taps;
  if (strcmp(c->mode, "nearest") == 0) { /* round_prefer_floor */
    int64_t at = x - base > 0.5 ? (int64_t)base + 1 : (int64_t)base;
    at = at < 0 ? 0 : at >= size ? size - 1 : at;
    return at == i;
  }
  bool linear = strcmp(c->mode, "linear") == 0;
  taps = linear ? 2 : 4;
  first = (int64_t)base - (linear ? 0 : 1);
  double sum = 0;
  for (int k = 0; k < taps; k++) {
    int64_t at = first + k;
    double t = x - (double)at;
    double w = linear ? 1 - fabs(t) : cubic_weight(t);
    at = at < 0 ? 0 : at >= size ? size - 1 : at;
    if (at == i)
      sum += w;
  }
  return sum;
}

static double reference(const resize_case *c, const double *x, const int64_t *o) {
  double sum = 0;
  for (int64_t h = 0; h < c->dims[2]; h++)
    for (int64_t w = 0; w < c->dims[3]; w++) {
      double weight = axis_weight(c, 2, o[2], h) * axis_weight(c, 3, o[3], w);
      if (weight != 0)
        sum += weight * x[((o[0] * c->dims[1] + o[1]) * c->dims[2] + h) * c->dims[3] + w];
    }
  return sum;
}

static void run_resize(const resize_case *c, bool by_sizes) {
  ir_graph *graph = ir_graph_create("resize");
  const int64_t two = 2, four = 4;
  float scales[4] = {1, 1, (float)c->out[2] / (float)c->dims[2],
                     (float)c->out[3] / (float)c->dims[3]};
  int64_t sizes[2] = {c->out[2], c->out[3]};
  ir_value *in[4] = {pt_input(graph, "x", c->dtype, 4, c->dims), NULL, NULL, NULL};
  if (by_sizes)
    in[3] = pt_constant(graph, "sizes", IR_DTYPE_I64, 1, &two, sizes);
  else
    in[2] = pt_constant(graph, "scales", IR_DTYPE_F32, 1, &four, scales);
  ir_node *node = pt_node(graph, IR_OP_RESIZE, in, 4, 1);
  ir_node_set_string(graph, node, "mode", c->mode);
  ir_node_set_string(graph, node, "coordinate_transformation_mode", c->coordinates);
  if (by_sizes) {
    const int64_t axes[2] = {-2, 3};
    ir_node_set_ints(graph, node, "axes", axes, 2);
  }
  int64_t n = c->dims[0] * c->dims[1] * c->dims[2] * c->dims[3];
  int64_t m = c->out[0] * c->out[1] * c->out[2] * c->out[3];
  double *x = malloc((size_t)n * sizeof(double));
  float *x32 = malloc((size_t)n * sizeof(float));
  uint8_t *x8 = malloc((size_t)n);
  for (int64_t e = 0; e < n; e++) {
    x8[e] = (uint8_t)((e * 97) % 256);
    x32[e] = (float)((e * 37) % 19) * 0.25f - 2;
    x[e] = c->dtype == IR_DTYPE_U8 ? x8[e] : x32[e];
  }
  const void *inputs[4] = {c->dtype == IR_DTYPE_U8 ? (void *)x8 : x32}; /* one per node input */
  void *output = pt_run_once(graph, node, inputs);
  for (int64_t e = 0; e < m; e++) {
    int64_t o[4] = {e / (c->out[1] * c->out[2] * c->out[3]),
                    e / (c->out[2] * c->out[3]) % c->out[1], e / c->out[3] % c->out[2],
                    e % c->out[3]};
    double expected = reference(c, x, o);
    if (c->dtype == IR_DTYPE_U8) {
      expected = fmin(fmax(nearbyint(expected), 0), 255);
      assert_true(fabs(((uint8_t *)output)[e] - expected) <= 1); /* f32 vs double rounding */
    } else {
      double actual = ((float *)output)[e];
      if (fabs(actual - expected) > 1e-4 + 1e-4 * fabs(expected))
        fail_msg("%s %s: element %lld is %g, expected %g", c->mode, c->coordinates, (long long)e,
                 actual, expected);
    }
  }
  free(output), free(x), free(x32), free(x8);
}

static void test_resize_modes(void **state) {
  (void)state;
  const resize_case linear = {"linear", "half_pixel", IR_DTYPE_F32, {2, 3, 3, 4}, {2, 3, 6, 10}};
  const resize_case cubic = {"cubic", "align_corners", IR_DTYPE_F32, {1, 2, 5, 4}, {1, 2, 3, 7}};
  const resize_case nearest = {"nearest", "asymmetric", IR_DTYPE_U8, {1, 3, 4, 4}, {1, 3, 7, 3}};
  const resize_case saturating = {"cubic", "half_pixel", IR_DTYPE_U8, {1, 1, 4, 4}, {1, 1, 10, 14}};
  run_resize(&linear, false);
  run_resize(&cubic, true);
  run_resize(&nearest, true);
  run_resize(&saturating, false);
}

/* tf_crop_and_resize: positions outside the input take extrapolation_value. */
static void test_resize_extrapolation(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("resize");
  const int64_t dims[2] = {1, 4}, four = 4, two = 2, sizes[2] = {1, 5};
  const float roi[4] = {0, 0.5f, 1, 1.5f}, x[4] = {1, 2, 3, 4};
  ir_value *in[4] = {pt_input(graph, "x", IR_DTYPE_F32, 2, dims),
                     pt_constant(graph, "roi", IR_DTYPE_F32, 1, &four, roi), NULL,
                     pt_constant(graph, "sizes", IR_DTYPE_I64, 1, &two, sizes)};
  ir_node *node = pt_node(graph, IR_OP_RESIZE, in, 4, 1);
  ir_node_set_string(graph, node, "mode", "linear");
  ir_node_set_string(graph, node, "coordinate_transformation_mode", "tf_crop_and_resize");
  ir_node_set_float(graph, node, "extrapolation_value", -7);
  const void *inputs[4] = {x}; /* one entry per node input */
  float *y = pt_run_once(graph, node, inputs);
  /* x_ori = 1.5 + 0.75 * i: 1.5, 2.25, 3, then beyond 3. */
  const float expected[5] = {2.5f, 3.25f, 4, -7, -7};
  for (int i = 0; i < 5; i++)
    assert_float_equal(y[i], expected[i], 1e-6);
  free(y);
}

static void test_resize_too_many_taps(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("resize");
  const int64_t dims[2] = {1, 8}, two = 2, sizes[2] = {1, 40000}; /* 80000 taps */
  ir_value *in[4] = {pt_input(graph, "x", IR_DTYPE_F32, 2, dims), NULL, NULL,
                     pt_constant(graph, "sizes", IR_DTYPE_I64, 1, &two, sizes)};
  ir_node *node = pt_node(graph, IR_OP_RESIZE, in, 4, 1);
  ir_node_set_string(graph, node, "mode", "linear");
  pt_infer(graph, node);
  void *outputs[1];
  dl_diag diag;
  dl_diag_init(&diag);
  const void *inputs[4] = {NULL}; /* one entry per node input */
  assert_int_not_equal(op_harness_run(graph, node, inputs, outputs, &diag), 0);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "node 'Resize' (Resize)"));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "interpolation taps"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_resize_modes),
                                     cmocka_unit_test(test_resize_extrapolation),
                                     cmocka_unit_test(test_resize_too_many_taps)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
