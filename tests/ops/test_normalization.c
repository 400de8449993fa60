/* BatchNormalization (inference) and LayerNormalization on the host twin against double
 * references. rtol 1e-4 / atol 1e-5: sqrt and the row sums are the only inexact steps. */
#include <math.h>

#include "pointwise_test.h"

static void run_batch_norm(int rank, const int64_t *dims, float epsilon) {
  int64_t c = dims[1], n = pt_count(rank, dims), inner = n / (dims[0] * c);
  ir_graph *graph = ir_graph_create("batch_norm");
  float *parameters[4];
  for (int k = 0; k < 4; k++) /* scale, B, mean, var (var positive) */
    parameters[k] = pt_random_alloc((size_t)c, 20 + k, k == 3 ? 0.1f : -2, 2);
  ir_value *in[5] = {pt_input(graph, "x", IR_DTYPE_F32, rank, dims)};
  static const char *const NAMES[4] = {"scale", "B", "mean", "var"};
  for (int k = 0; k < 4; k++)
    in[1 + k] = pt_constant(graph, NAMES[k], IR_DTYPE_F32, 1, &c, parameters[k]);
  ir_node *node = pt_node(graph, IR_OP_BATCH_NORMALIZATION, in, 5, 1);
  ir_node_set_float(graph, node, "epsilon", epsilon);
  pt_infer(graph, node);
  float *x = pt_random_alloc((size_t)n, 3, -4, 4), *expected = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) {
    int64_t channel = (i / inner) % c;
    double factor = parameters[0][channel] / sqrt((double)parameters[3][channel] + epsilon);
    expected[i] = (float)((x[i] - parameters[2][channel]) * factor + parameters[1][channel]);
  }
  const void *inputs[5] = {x};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_expect_close(outputs[0], expected, (size_t)n, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(expected);
  for (int k = 0; k < 4; k++)
    free(parameters[k]);
  ir_graph_destroy(graph);
}

static void test_batch_normalization(void **state) {
  (void)state;
  const int64_t image[4] = {2, 3, 5, 7}, flat[2] = {9, 6}, one_by_one[4] = {1, 70, 1, 1};
  run_batch_norm(4, image, 1e-5f);
  run_batch_norm(2, flat, 1e-3f);
  run_batch_norm(4, one_by_one, 1e-5f);
  const int64_t aligned[4] = {2, 3, 4, 6}; /* planes of 24: 4 elements a thread, splat params */
  run_batch_norm(4, aligned, 1e-5f);
}

/* f64 BatchNormalization computes in f64 (an f32 detour would be off by ~1e-7). */
static void test_batch_normalization_f64(void **state) {
  (void)state;
  const int64_t shapes[2][4] = {{2, 3, 5, 7}, {2, 3, 4, 6}}; /* scalar and 4-wide paths */
  const float epsilon = 1e-5f;
  for (int s = 0; s < 2; s++) {
    const int64_t *dims = shapes[s], c = dims[1], n = pt_count(4, dims), inner = n / (dims[0] * c);
    ir_graph *graph = ir_graph_create("batch_norm_f64");
    double parameters[4][3], *x = malloc((size_t)n * sizeof(double));
    for (int k = 0; k < 4; k++) /* scale, B, mean, var (var positive) */
      for (int64_t i = 0; i < c; i++)
        parameters[k][i] = k == 3 ? 0.1 + 0.37 * (double)(i + 1) / 3 : 1.0 / 3 - 0.71 * (double)i;
    for (int64_t i = 0; i < n; i++)
      x[i] = sin((double)i) * 4;
    ir_value *in[5] = {pt_input(graph, "x", IR_DTYPE_F64, 4, dims)};
    static const char *const NAMES[4] = {"scale", "B", "mean", "var"};
    for (int k = 0; k < 4; k++)
      in[1 + k] = pt_constant(graph, NAMES[k], IR_DTYPE_F64, 1, &c, parameters[k]);
    ir_node *node = pt_node(graph, IR_OP_BATCH_NORMALIZATION, in, 5, 1);
    ir_node_set_float(graph, node, "epsilon", epsilon);
    pt_infer(graph, node);
    const void *inputs[5] = {x};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const double *y = outputs[0];
    for (int64_t i = 0; i < n; i++) {
      int64_t ch = (i / inner) % c;
      double factor = parameters[0][ch] / sqrt(parameters[3][ch] + (double)epsilon);
      double want = (x[i] - parameters[2][ch]) * factor + parameters[1][ch];
      if (fabs(y[i] - want) > 1e-14 * (fabs(want) + 1))
        fail_msg("element %lld: got %.17g, want %.17g", (long long)i, y[i], want);
    }
    pt_check_ptx(graph, node);
    free(outputs[0]), free(x);
    ir_graph_destroy(graph);
  }
}

typedef struct layer_norm_case {
  int rank;
  int64_t dims[4];
  int axis;
  int scale_rank;
  int64_t scale_dims[4];
  int bias_rank; /* 0: no bias input */
  int64_t bias_dims[4];
  int outputs; /* 1..3: with Mean and InvStdDev */
  bool rms;    /* RMSNormalization: no centring, no bias, one output */
} layer_norm_case;

static void run_layer_norm(const layer_norm_case *t) {
  const float epsilon = 1e-5f;
  ir_graph *graph = ir_graph_create("layer_norm");
  int64_t n = pt_count(t->rank, t->dims), length = 1;
  for (int d = t->axis < 0 ? t->axis + t->rank : t->axis; d < t->rank; d++)
    length *= t->dims[d];
  int64_t rows = n / length, scale_count = pt_count(t->scale_rank, t->scale_dims);
  int64_t bias_count = t->bias_rank ? pt_count(t->bias_rank, t->bias_dims) : 0;
  float *scale = pt_random_alloc((size_t)scale_count, 31, -2, 2);
  float *bias = pt_random_alloc((size_t)(bias_count + 1), 32, -2, 2);
  ir_value *in[3] = {
      pt_input(graph, "x", IR_DTYPE_F32, t->rank, t->dims),
      pt_constant(graph, "scale", IR_DTYPE_F32, t->scale_rank, t->scale_dims, scale),
      t->bias_rank ? pt_constant(graph, "bias", IR_DTYPE_F32, t->bias_rank, t->bias_dims, bias)
                   : NULL};
  ir_op op = t->rms ? IR_OP_RMS_NORMALIZATION : IR_OP_LAYER_NORMALIZATION;
  ir_node *node = pt_node(graph, op, in, t->bias_rank ? 3 : 2, t->outputs);
  ir_node_set_int(graph, node, "axis", t->axis);
  pt_infer(graph, node);
  float *x = pt_random_alloc((size_t)n, 33, -3, 5), *expected = malloc((size_t)n * sizeof(float));
  float *means = malloc((size_t)rows * sizeof(float)),
        *inverse = malloc((size_t)rows * sizeof(float));
  for (int64_t row = 0; row < rows; row++) {
    const float *v = x + row * length;
    double mean = 0, variance = 0;
    for (int64_t r = 0; r < length && !t->rms; r++)
      mean += v[r];
    mean /= (double)length;
    for (int64_t r = 0; r < length; r++)
      variance += (v[r] - mean) * (v[r] - mean);
    double inv = 1.0 / sqrt(variance / (double)length + epsilon);
    means[row] = (float)mean, inverse[row] = (float)inv;
    for (int64_t r = 0; r < length; r++) {
      /* Scale and bias broadcast over the row's trailing elements. */
      double y = (v[r] - mean) * inv * scale[r % scale_count];
      if (t->bias_rank)
        y += bias[r % bias_count];
      expected[row * length + r] = (float)y;
    }
  }
  const void *inputs[3] = {x};
  void *outputs[3];
  pt_run(graph, node, inputs, outputs);
  print_message("%s rows %lld length %lld outputs %d\n", ir_op_name(op), (long long)rows,
                (long long)length, t->outputs);
  pt_expect_close(outputs[0], expected, (size_t)n, PT_RTOL, PT_ATOL);
  if (t->outputs > 1)
    pt_expect_close(outputs[1], means, (size_t)rows, PT_RTOL, PT_ATOL);
  if (t->outputs > 2)
    pt_expect_close(outputs[2], inverse, (size_t)rows, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  for (int k = 0; k < t->outputs; k++)
    free(outputs[k]);
  free(x), free(expected), free(means), free(inverse), free(scale), free(bias);
  ir_graph_destroy(graph);
}

static void test_layer_normalization(void **state) {
  (void)state;
  const layer_norm_case cases[] = {
      {2, {5, 300}, -1, 1, {300}, 1, {300}, 1, false},   /* rows longer than a block */
      {3, {3, 4, 50}, 1, 2, {4, 50}, 1, {50}, 3, false}, /* two axes; bias broadcast */
      {3, {7, 3, 10}, 2, 1, {10}, 0, {0}, 2, false},     /* short rows, no bias */
      {2, {2, 768}, 1, 1, {1}, 1, {768}, 1, false},      /* scalar-like scale */
      {2, {2, 5000}, 1, 1, {5000}, 1, {5000}, 3, false}, /* streamed, 4 a step */
      {2, {3, 1031}, 1, 1, {1031}, 0, {0}, 1, false},    /* streamed, 1 a step */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_layer_norm(&cases[i]);
}

/* RMSNormalization: x / sqrt(mean(x^2) + epsilon) * scale, through the same kernel. */
static void test_rms_normalization(void **state) {
  (void)state;
  const layer_norm_case cases[] = {
      {2, {5, 300}, -1, 1, {300}, 0, {0}, 1, true},    /* rows longer than a block */
      {3, {3, 4, 50}, 1, 2, {4, 50}, 0, {0}, 1, true}, /* two axes */
      {4, {2, 3, 4, 5}, 0, 1, {5}, 0, {0}, 1, true},   /* the whole tensor; scale broadcast */
      {2, {2, 5000}, 1, 1, {5000}, 0, {0}, 1, true},   /* streamed */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_layer_norm(&cases[i]);
}

/* f16 activations and parameters: statistics in f32, one f16 rounding of the result
 * (2^-11 relative, so rtol 1e-3), checked against the f32 reference of the f16 inputs. */
static void test_layer_normalization_half(void **state) {
  (void)state;
  const int64_t dims[2] = {6, 96}, row[1] = {96};
  float *x = pt_random_alloc(576, 41, -3, 3), *scale = pt_random_alloc(96, 42, -2, 2);
  float *bias = pt_random_alloc(96, 43, -1, 1), expected[576], actual[576];
  uint16_t hx[576], hs[96], hb[96];
  for (int i = 0; i < 576; i++)
    hx[i] = ir_f32_to_f16(x[i]), x[i] = ir_f16_to_f32(hx[i]);
  for (int i = 0; i < 96; i++) {
    hs[i] = ir_f32_to_f16(scale[i]), scale[i] = ir_f16_to_f32(hs[i]);
    hb[i] = ir_f32_to_f16(bias[i]), bias[i] = ir_f16_to_f32(hb[i]);
  }
  ir_graph *graph = ir_graph_create("layer_norm_f16");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_F16, 2, dims),
                     pt_constant(graph, "scale", IR_DTYPE_F16, 1, row, hs),
                     pt_constant(graph, "bias", IR_DTYPE_F16, 1, row, hb)};
  ir_node *node = pt_node(graph, IR_OP_LAYER_NORMALIZATION, in, 3, 1);
  pt_infer(graph, node);
  for (int r = 0; r < 6; r++) {
    double mean = 0, variance = 0;
    for (int c = 0; c < 96; c++)
      mean += x[r * 96 + c] / 96.0;
    for (int c = 0; c < 96; c++)
      variance += (x[r * 96 + c] - mean) * (x[r * 96 + c] - mean) / 96.0;
    for (int c = 0; c < 96; c++)
      expected[r * 96 + c] =
          (float)((x[r * 96 + c] - mean) / sqrt(variance + 1e-5) * scale[c] + bias[c]);
  }
  const void *inputs[3] = {hx};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 576; i++)
    actual[i] = ir_f16_to_f32(((uint16_t *)outputs[0])[i]);
  pt_expect_close(actual, expected, 576, 1e-3, 1e-3);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(scale), free(bias);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_normalization),
      cmocka_unit_test(test_batch_normalization_f64),
      cmocka_unit_test(test_layer_normalization),
      cmocka_unit_test(test_rms_normalization),
      cmocka_unit_test(test_layer_normalization_half),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
