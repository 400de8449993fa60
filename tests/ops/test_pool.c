/* MaxPool/AveragePool/LpPool on the host twin against a C reference written from the ONNX
 * definition (window sizes for count_include_pad as onnxruntime computes them): pads,
 * strides, dilations, ceil_mode, auto_pad, 1-3 spatial dims, MaxPool's Indices output (row- and
 * column-major). */
#include <math.h>

#include "pointwise_test.h"

typedef struct pool_case {
  ir_op op;
  int rank;
  int64_t dims[5];
  int64_t kernel[3], strides[3], pads[6], dilations[3];
  int ceil_mode, count_include_pad /* LpPool: its p */;
  int with_indices; /* 1: row-major Indices; 2: column-major (storage_order=1) */
  const char *auto_pad;
} pool_case;

/* Reference over the node's inferred output shape and resolved pads (read back from
 * the same attributes, so SAME_* padding is checked through the output shape). */
static void reference_pool(const pool_case *t, const int64_t *out_dims, const int64_t *pads,
                           const float *x, float *y, int64_t *indices) {
  int spatial = t->rank - 2;
  int64_t planes = t->dims[0] * t->dims[1], in_plane = 1, out_plane = 1, window = 1;
  for (int d = 0; d < spatial; d++)
    in_plane *= t->dims[2 + d], out_plane *= out_dims[2 + d], window *= t->kernel[d];
  for (int64_t p = 0; p < planes; p++)
    for (int64_t o = 0; o < out_plane; o++) {
      int64_t oc[3], rest = o;
      for (int d = spatial - 1; d >= 0; d--)
        oc[d] = rest % out_dims[2 + d], rest /= out_dims[2 + d];
      double best = -INFINITY, sum = 0, lp_sum = 0;
      int64_t best_index = -1, valid = 0, size = 1;
      for (int d = 0; d < spatial; d++) { /* onnxruntime: end clipped to the padded extent */
        int64_t start = oc[d] * t->strides[d] - pads[d];
        int64_t end = start + (t->kernel[d] - 1) * t->dilations[d] + 1;
        int64_t limit = t->dims[2 + d] + pads[spatial + d];
        size *= ((end < limit ? end : limit) - start + t->dilations[d] - 1) / t->dilations[d];
      }
      for (int64_t k = 0; k < window; k++) {
        int64_t krest = k, offset = 0, stride = 1, coords[3];
        bool inside = true;
        for (int d = spatial - 1; d >= 0; d--) {
          int64_t kd = krest % t->kernel[d];
          krest /= t->kernel[d];
          int64_t c = coords[d] = oc[d] * t->strides[d] - pads[d] + kd * t->dilations[d];
          inside = inside && c >= 0 && c < t->dims[2 + d];
          offset += c * stride;
          stride *= t->dims[2 + d];
        }
        int64_t column_offset = 0;
        for (int d = spatial - 1; d >= 0; d--)
          column_offset = column_offset * t->dims[2 + d] + coords[d];
        if (!inside)
          continue;
        double v = x[p * in_plane + offset];
        valid++, sum += v, lp_sum += pow(fabs(v), t->count_include_pad);
        if (v > best)
          best = v, best_index = p * in_plane + (t->with_indices == 2 ? column_offset : offset);
      }
      if (t->op == IR_OP_LP_POOL)
        y[p * out_plane + o] = (float)pow(lp_sum, 1.0 / t->count_include_pad);
      else
        y[p * out_plane + o] = t->op == IR_OP_MAX_POOL
                                   ? (float)best
                                   : (float)(sum / (double)(t->count_include_pad ? size : valid));
      if (indices)
        indices[p * out_plane + o] = best_index;
    }
}

static void run_pool(const pool_case *t) {
  int spatial = t->rank - 2;
  ir_graph *graph = ir_graph_create("pool");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, t->rank, t->dims);
  ir_node *node = pt_node(graph, t->op, &x, 1, t->with_indices ? 2 : 1);
  ir_node_set_ints(graph, node, "kernel_shape", t->kernel, spatial);
  ir_node_set_ints(graph, node, "strides", t->strides, spatial);
  ir_node_set_ints(graph, node, "dilations", t->dilations, spatial);
  if (t->auto_pad)
    ir_node_set_string(graph, node, "auto_pad", t->auto_pad);
  else
    ir_node_set_ints(graph, node, "pads", t->pads, 2 * spatial);
  ir_node_set_int(graph, node, "ceil_mode", t->ceil_mode);
  if (t->with_indices == 2)
    ir_node_set_int(graph, node, "storage_order", 1);
  if (t->op == IR_OP_AVERAGE_POOL)
    ir_node_set_int(graph, node, "count_include_pad", t->count_include_pad);
  if (t->op == IR_OP_LP_POOL)
    ir_node_set_int(graph, node, "p", t->count_include_pad);
  pt_infer(graph, node);
  /* SAME_UPPER pads for stride s: total = max((out-1)*s + (k-1)*dil + 1 - in, 0), more at the end.
   */
  const int64_t *out_dims = node->outputs[0]->type.dims;
  int64_t pads[6];
  memcpy(pads, t->pads, sizeof(pads));
  if (t->auto_pad)
    for (int d = 0; d < spatial; d++) {
      int64_t total = (out_dims[2 + d] - 1) * t->strides[d] + (t->kernel[d] - 1) * t->dilations[d] +
                      1 - t->dims[2 + d];
      total = total > 0 ? total : 0;
      pads[d] = total / 2, pads[spatial + d] = total - total / 2;
    }
  int64_t n = pt_count(t->rank, t->dims), m = pt_count(t->rank, out_dims);
  float *data = pt_random_alloc((size_t)n, (uint32_t)(n + m), -5, 5);
  float *expected = malloc((size_t)m * sizeof(float));
  int64_t *indices = malloc((size_t)m * sizeof(int64_t));
  reference_pool(t, out_dims, pads, data, expected, indices);
  const void *inputs[1] = {data};
  void *outputs[2];
  pt_run(graph, node, inputs, outputs);
  print_message("%s spatial %d -> %lld outputs\n", ir_op_name(t->op), spatial, (long long)m);
  pt_expect_close(outputs[0], expected, (size_t)m, PT_RTOL, PT_ATOL);
  if (t->with_indices) {
    assert_memory_equal(outputs[1], indices, (size_t)m * sizeof(int64_t));
    free(outputs[1]);
  }
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(expected), free(indices);
  ir_graph_destroy(graph);
}

static void test_max_pool(void **state) {
  (void)state;
  const pool_case cases[] = {
      /* ResNet stem: 3x3 stride 2 pad 1, with Indices. */
      {IR_OP_MAX_POOL, 4, {2, 3, 9, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0, 0, 1, NULL},
      /* ceil_mode: the last window hangs off the edge. */
      {IR_OP_MAX_POOL, 4, {1, 2, 7, 7}, {2, 2}, {2, 2}, {0}, {1, 1}, 1, 0, 0, NULL},
      /* Dilated, asymmetric pads. */
      {IR_OP_MAX_POOL, 4, {1, 2, 10, 11}, {3, 2}, {1, 2}, {0, 1, 2, 0}, {2, 3}, 0, 0, 1, NULL},
      /* auto_pad SAME_UPPER. */
      {IR_OP_MAX_POOL, 4, {1, 3, 8, 7}, {3, 3}, {2, 2}, {0}, {1, 1}, 0, 0, 0, "SAME_UPPER"},
      /* 3-D and 1-D. */
      {IR_OP_MAX_POOL, 5, {1, 2, 5, 6, 7}, {2, 2, 3}, {2, 1, 2}, {0}, {1, 1, 1}, 0, 0, 0, NULL},
      {IR_OP_MAX_POOL, 3, {2, 3, 20}, {4}, {3}, {1, 2}, {1}, 1, 0, 1, NULL},
      /* storage_order=1: column-major Indices, 2-D and 3-D. */
      {IR_OP_MAX_POOL, 4, {2, 2, 7, 5}, {3, 2}, {2, 1}, {1, 0, 1, 1}, {1, 1}, 0, 0, 2, NULL},
      {IR_OP_MAX_POOL, 5, {1, 2, 4, 5, 6}, {2, 2, 3}, {1, 2, 2}, {0}, {1, 1, 1}, 0, 0, 2, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_pool(&cases[i]);
}

static void test_average_pool(void **state) {
  (void)state;
  const pool_case cases[] = {
      {IR_OP_AVERAGE_POOL, 4, {1, 2, 6, 5}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 0, 0, 0, NULL},
      {IR_OP_AVERAGE_POOL, 4, {1, 2, 6, 5}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 0, 1, 0, NULL},
      /* ceil_mode + count_include_pad: windows past the padded end count only up to it. */
      {IR_OP_AVERAGE_POOL, 4, {1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, 1, 0, NULL},
      {IR_OP_AVERAGE_POOL, 4, {2, 3, 7, 7}, {2, 2}, {2, 2}, {0}, {1, 1}, 1, 0, 0, NULL},
      {IR_OP_AVERAGE_POOL, 3, {2, 3, 20}, {4}, {3}, {2, 1}, {1}, 0, 1, 0, NULL},
      {IR_OP_AVERAGE_POOL, 4, {1, 4, 224, 224}, {2, 2}, {2, 2}, {0}, {1, 1}, 0, 0, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_pool(&cases[i]);
}

/* LpPool: p = 1, 2 (exact products) and 3 (kb_pow), padding adding nothing. */
static void test_lp_pool(void **state) {
  (void)state;
  const pool_case cases[] = {
      {IR_OP_LP_POOL, 4, {1, 2, 6, 5}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 0, 2, 0, NULL},
      {IR_OP_LP_POOL, 4, {2, 3, 7, 7}, {2, 2}, {2, 2}, {0}, {1, 1}, 0, 1, 0, NULL},
      {IR_OP_LP_POOL, 3, {2, 3, 20}, {4}, {3}, {2, 1}, {2}, 0, 3, 0, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_pool(&cases[i]);
}

static void test_unsupported_is_an_error(void **state) {
  (void)state;
  const int64_t dims[4] = {1, 2, 6, 6}, kernel[2] = {2, 2};
  ir_graph *graph = ir_graph_create("pool_errors");
  ir_value *wide = pt_input(graph, "wide", IR_DTYPE_F64, 4, dims);
  ir_node *doubles = pt_node(graph, IR_OP_MAX_POOL, &wide, 1, 1);
  ir_node_set_ints(graph, doubles, "kernel_shape", kernel, 2);
  pt_infer(graph, doubles);
  assert_false(lower_pool_supports(IR_OP_MAX_POOL, IR_DTYPE_F64));
  pt_expect_lower_error(graph, doubles, "no kernel for MaxPool on f64");
  ir_graph_destroy(graph);
}

/* f16 AveragePool: f32 accumulation, one f16 rounding of each mean (rtol 1e-3). */
static void test_average_pool_half(void **state) {
  (void)state;
  const int64_t dims[4] = {1, 3, 8, 8}, kernel[2] = {3, 3}, strides[2] = {2, 2};
  const int64_t pads[4] = {1, 1, 1, 1};
  ir_graph *graph = ir_graph_create("average_pool_f16");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F16, 4, dims);
  ir_node *node = pt_node(graph, IR_OP_AVERAGE_POOL, &x, 1, 1);
  ir_node_set_ints(graph, node, "kernel_shape", kernel, 2);
  ir_node_set_ints(graph, node, "strides", strides, 2);
  ir_node_set_ints(graph, node, "pads", pads, 4);
  pt_infer(graph, node);
  float *data = pt_random_alloc(192, 17, -4, 4), expected[48], actual[48];
  uint16_t halves[192];
  for (int i = 0; i < 192; i++)
    halves[i] = ir_f32_to_f16(data[i]), data[i] = ir_f16_to_f32(halves[i]);
  const pool_case shape = {
      IR_OP_AVERAGE_POOL, 4, {1, 3, 8, 8}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0, 0, 0, NULL};
  reference_pool(&shape, node->outputs[0]->type.dims, shape.pads, data, expected, NULL);
  const void *inputs[1] = {halves};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 48; i++)
    actual[i] = ir_f16_to_f32(((uint16_t *)outputs[0])[i]);
  pt_expect_close(actual, expected, 48, 1e-3, 1e-3);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data);
  ir_graph_destroy(graph);
}

/* Quantized MaxPool: i8 and u8 maxima are exact through the f32 accumulator. */
static void test_max_pool_bytes(void **state) {
  (void)state;
  const int64_t dims[4] = {1, 2, 5, 5}, kernel[2] = {3, 3}, strides[2] = {2, 2},
                pads[4] = {1, 1, 1, 1};
  for (int is_signed = 0; is_signed < 2; is_signed++) {
    ir_graph *graph = ir_graph_create("max_pool_bytes");
    ir_value *x = pt_input(graph, "x", is_signed ? IR_DTYPE_I8 : IR_DTYPE_U8, 4, dims);
    ir_node *node = pt_node(graph, IR_OP_MAX_POOL, &x, 1, 1);
    ir_node_set_ints(graph, node, "kernel_shape", kernel, 2);
    ir_node_set_ints(graph, node, "strides", strides, 2);
    ir_node_set_ints(graph, node, "pads", pads, 4);
    pt_infer(graph, node);
    uint8_t data[50];
    for (int i = 0; i < 50; i++)
      data[i] = (uint8_t)(i * 37 + 11); /* covers negative i8 and large u8 values */
    const void *inputs[1] = {data};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    for (int p = 0; p < 2; p++)
      for (int oy = 0; oy < 3; oy++)
        for (int ox = 0; ox < 3; ox++) {
          int best = -1000;
          for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
              int y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx;
              if (y < 0 || y >= 5 || xx < 0 || xx >= 5)
                continue;
              uint8_t raw = data[p * 25 + y * 5 + xx];
              int v = is_signed ? (int)(int8_t)raw : (int)raw;
              best = v > best ? v : best;
            }
          uint8_t got = ((uint8_t *)outputs[0])[p * 9 + oy * 3 + ox];
          assert_int_equal(is_signed ? (int)(int8_t)got : (int)got, best);
        }
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_max_pool),       cmocka_unit_test(test_average_pool),
      cmocka_unit_test(test_lp_pool),        cmocka_unit_test(test_unsupported_is_an_error),
      cmocka_unit_test(test_max_pool_bytes), cmocka_unit_test(test_average_pool_half),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
