/* GatherND, OneHot, ReverseSequence, TensorScatter, EyeLike, LRN, Einsum and Det on the host
 * twin against C references, where the conformance cases are thin: batch dims and negative
 * index tuples, OneHot's modulo depth and a float depth, lengths of 0 and past the end, a
 * circular write that wraps, a non-square EyeLike below the diagonal in bool, an even LRN
 * window, Einsum's implicit output, broadcast ellipsis and trace on integers, Det that needs a
 * row swap and of a singular matrix. PTX through ptxas. */
#include <math.h>

#include "pointwise_test.h"

static void *run_node(ir_graph *graph, ir_node *node, const void *const *inputs) {
  pt_infer(graph, node);
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_check_ptx(graph, node);
  return outputs[0];
}

static void test_gather_nd(void **state) {
  (void)state;
  const int64_t data_shape[4] = {2, 3, 4, 5}, index_shape[3] = {2, 2, 2};
  ir_graph *graph = ir_graph_create("gather_nd");
  ir_value *in[2] = {pt_input(graph, "data", IR_DTYPE_I32, 4, data_shape),
                     pt_input(graph, "indices", IR_DTYPE_I64, 3, index_shape)};
  ir_node *node = pt_node(graph, IR_OP_GATHER_ND, in, 2, 1);
  ir_node_set_int(graph, node, "batch_dims", 1);
  int32_t data[120];
  for (int i = 0; i < 120; i++)
    data[i] = i * 7 - 50;
  const int64_t indices[8] = {0, 1, -1, -1, /* batch 1 */ 2, 0, 1, 3}; /* (a, b) tuples */
  const void *inputs[2] = {data, indices};
  int32_t *y = run_node(graph, node, inputs); /* [2, 2, 5] */
  for (int b = 0; b < 2; b++)
    for (int t = 0; t < 2; t++) {
      int64_t a = indices[(b * 2 + t) * 2], c = indices[(b * 2 + t) * 2 + 1];
      a = a < 0 ? a + 3 : a, c = c < 0 ? c + 4 : c;
      for (int e = 0; e < 5; e++)
        assert_int_equal(y[(b * 2 + t) * 5 + e], data[((b * 3 + a) * 4 + c) * 5 + e]);
    }
  free(y);
  ir_graph_destroy(graph);
}

static void test_one_hot(void **state) {
  (void)state;
  const int64_t index_shape[1] = {4}, two = 2;
  const float depth = 3.0f;
  const int32_t values[2] = {-1, 9};
  ir_graph *graph = ir_graph_create("one_hot");
  ir_value *in[3] = {pt_input(graph, "indices", IR_DTYPE_I64, 1, index_shape),
                     pt_constant(graph, "depth", IR_DTYPE_F32, 0, NULL, &depth),
                     pt_constant(graph, "values", IR_DTYPE_I32, 1, &two, values)};
  ir_node *node = pt_node(graph, IR_OP_ONE_HOT, in, 3, 1);
  ir_node_set_int(graph, node, "axis", 0);
  const int64_t indices[4] = {0, -1, 4, 2}; /* -1 → 2 and 4 → 1: modulo depth */
  const void *inputs[3] = {indices};
  int32_t *y = run_node(graph, node, inputs); /* [3, 4] */
  for (int d = 0; d < 3; d++)
    for (int i = 0; i < 4; i++) {
      int64_t wrapped = ((indices[i] % 3) + 3) % 3;
      assert_int_equal(y[d * 4 + i], wrapped == d ? 9 : -1);
    }
  free(y);
  ir_graph_destroy(graph);
}

static void test_reverse_sequence(void **state) {
  (void)state;
  const int64_t shape[3] = {5, 3, 2}, batch = 3; /* time 5, batch 3, inner 2 */
  ir_graph *graph = ir_graph_create("reverse_sequence");
  ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_F32, 3, shape),
                     pt_input(graph, "lengths", IR_DTYPE_I32, 1, &batch)};
  ir_node *node = pt_node(graph, IR_OP_REVERSE_SEQUENCE, in, 2, 1);
  float x[30];
  for (int i = 0; i < 30; i++)
    x[i] = (float)i;
  const int32_t lengths[3] = {0, 5, 3};
  const void *inputs[2] = {x, lengths};
  float *y = run_node(graph, node, inputs);
  for (int t = 0; t < 5; t++)
    for (int b = 0; b < 3; b++)
      for (int e = 0; e < 2; e++) {
        int from = t < lengths[b] ? lengths[b] - 1 - t : t;
        assert_true(y[(t * 3 + b) * 2 + e] == x[(from * 3 + b) * 2 + e]);
      }
  free(y);
  ir_graph_destroy(graph);
}

static void run_tensor_scatter(bool circular) {
  const int64_t past_shape[3] = {2, 5, 2}, update_shape[3] = {2, 3, 2}, batch = 2;
  ir_graph *graph = ir_graph_create("tensor_scatter");
  ir_value *in[3] = {pt_input(graph, "past", IR_DTYPE_F32, 3, past_shape),
                     pt_input(graph, "update", IR_DTYPE_F32, 3, update_shape),
                     circular ? pt_input(graph, "at", IR_DTYPE_I64, 1, &batch) : NULL};
  ir_node *node = pt_node(graph, IR_OP_TENSOR_SCATTER, in, circular ? 3 : 2, 1);
  if (circular)
    ir_node_set_string(graph, node, "mode", "circular");
  float past[20], update[12];
  for (int i = 0; i < 20; i++)
    past[i] = (float)-i;
  for (int i = 0; i < 12; i++)
    update[i] = (float)(100 + i);
  const int64_t at[2] = {4, 1}; /* batch 0 wraps: positions 4, 0, 1 */
  const void *inputs[3] = {past, update, at};
  float *y = run_node(graph, node, inputs);
  float expected[20];
  memcpy(expected, past, sizeof past);
  for (int b = 0; b < 2; b++)
    for (int s = 0; s < 3; s++) {
      int64_t position = circular ? (at[b] + s) % 5 : s;
      for (int e = 0; e < 2; e++)
        expected[(b * 5 + position) * 2 + e] = update[(b * 3 + s) * 2 + e];
    }
  assert_memory_equal(y, expected, sizeof expected);
  free(y);
  ir_graph_destroy(graph);
}

static void test_tensor_scatter(void **state) {
  (void)state;
  run_tensor_scatter(false);
  run_tensor_scatter(true);
}

static void test_eye_like(void **state) {
  (void)state;
  const int64_t shape[2] = {3, 5};
  ir_graph *graph = ir_graph_create("eye_like");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 2, shape);
  ir_node *node = pt_node(graph, IR_OP_EYE_LIKE, &x, 1, 1);
  ir_node_set_int(graph, node, "k", -1);
  ir_node_set_dtype(graph, node, "dtype", IR_DTYPE_BOOL);
  float data[15] = {0};
  const void *inputs[1] = {data};
  uint8_t *y = run_node(graph, node, inputs);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 5; c++)
      assert_int_equal(y[r * 5 + c], c - r == -1);
  free(y);
  ir_graph_destroy(graph);
}

static void test_lrn(void **state) {
  (void)state;
  const int64_t shape[4] = {1, 6, 2, 1};
  ir_graph *graph = ir_graph_create("lrn");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 4, shape);
  ir_node *node = pt_node(graph, IR_OP_LRN, &x, 1, 1);
  ir_node_set_int(graph, node, "size", 4);
  ir_node_set_float(graph, node, "alpha", 0.5f);
  ir_node_set_float(graph, node, "beta", 0.75f);
  ir_node_set_float(graph, node, "bias", 2.0f);
  float data[12], expected[12];
  pt_random(data, 12, 7, -2, 2);
  for (int c = 0; c < 6; c++)
    for (int e = 0; e < 2; e++) {
      double sum = 0;
      for (int k = c - 1; k <= c + 2; k++) /* floor(3/2) = 1 before, ceil(3/2) = 2 after */
        if (k >= 0 && k < 6)
          sum += (double)data[k * 2 + e] * data[k * 2 + e];
      expected[c * 2 + e] = (float)(data[c * 2 + e] / pow(2.0 + 0.5 / 4 * sum, 0.75));
    }
  const void *inputs[1] = {data};
  float *y = run_node(graph, node, inputs);
  pt_expect_close(y, expected, 12, PT_RTOL, PT_ATOL);
  free(y);
  ir_graph_destroy(graph);
}

static int32_t *run_einsum(const char *equation, int count, const int64_t (*shapes)[3],
                           const int *ranks, const int32_t *const *data) {
  ir_graph *graph = ir_graph_create("einsum");
  ir_value *in[3];
  const char *names[3] = {"a", "b", "c"};
  for (int k = 0; k < count; k++)
    in[k] = pt_input(graph, names[k], IR_DTYPE_I32, ranks[k], shapes[k]);
  ir_node *node = pt_node(graph, IR_OP_EINSUM, in, count, 1);
  ir_node_set_string(graph, node, "equation", equation);
  const void *inputs[3] = {data[0], count > 1 ? data[1] : NULL};
  int32_t *y = run_node(graph, node, inputs);
  ir_graph_destroy(graph);
  return y;
}

static void test_einsum(void **state) {
  (void)state;
  int32_t a[12], b[12];
  for (int i = 0; i < 12; i++)
    a[i] = i - 4, b[i] = 3 * i % 7 - 2;
  const int32_t *operands[2] = {a, b};
  /* implicit output: "ij,jk" is "ij,jk->ik", a [2,3] by [3,4] product */
  const int64_t product_shapes[2][3] = {{2, 3}, {3, 4}};
  int32_t *y = run_einsum("ij, jk", 2, product_shapes, (const int[]){2, 2}, operands);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 4; k++) {
      int32_t sum = 0;
      for (int j = 0; j < 3; j++)
        sum += a[i * 3 + j] * b[j * 4 + k];
      assert_int_equal(y[i * 4 + k], sum);
    }
  free(y);
  /* the ellipsis broadcasts b's size-1 dim: row-wise dot products with one vector */
  const int64_t dot_shapes[2][3] = {{4, 3}, {1, 3}};
  y = run_einsum("...j,...j->...", 2, dot_shapes, (const int[]){2, 2}, operands);
  for (int i = 0; i < 4; i++) {
    int32_t sum = 0;
    for (int j = 0; j < 3; j++)
      sum += a[i * 3 + j] * b[j];
    assert_int_equal(y[i], sum);
  }
  free(y);
  /* a repeated label: the trace */
  const int64_t square[1][3] = {{3, 3}};
  y = run_einsum("ii", 1, square, (const int[]){2}, operands);
  assert_int_equal(y[0], a[0] + a[4] + a[8]);
  free(y);
}

static void test_det(void **state) {
  (void)state;
  const int64_t shape[3] = {2, 3, 3};
  ir_graph *graph = ir_graph_create("det");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 3, shape);
  ir_node *node = pt_node(graph, IR_OP_DET, &x, 1, 1);
  const float data[18] = {0, 2, 1, 3, -1, 4, 2, 5, -2, /* a zero first pivot: a swap */
                          1, 2, 3, 2, 4,  6, 7, 1, 5}; /* rows 0 and 1 dependent: 0 */
  const void *inputs[1] = {data};
  float *y = run_node(graph, node, inputs);
  /* 0(2 - 20) - 2(-6 - 8) + 1(15 + 2) = 45 */
  assert_float_equal(y[0], 45.0f, 1e-4);
  assert_float_equal(y[1], 0.0f, 1e-5);
  free(y);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gather_nd),        cmocka_unit_test(test_one_hot),
      cmocka_unit_test(test_reverse_sequence), cmocka_unit_test(test_tensor_scatter),
      cmocka_unit_test(test_eye_like),         cmocka_unit_test(test_lrn),
      cmocka_unit_test(test_einsum),           cmocka_unit_test(test_det),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
