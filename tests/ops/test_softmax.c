/* Softmax and LogSoftmax on the host twin against a double reference: innermost axis
 * (thread groups, rows shorter and longer than a block), inner axes (one thread per column),
 * large logits (max subtraction keeps them finite), f16. Tolerance: rtol 1e-4 / atol 1e-5 —
 * exp is the builder's f32 polynomial (a few ulp) and each row adds up to ~1000 terms. */
#include <math.h>

#include "pointwise_test.h"

static void reference_softmax(const float *x, int rank, const int64_t *dims, int axis,
                              bool log_form, float *y) {
  int64_t outer = 1, inner = 1, length = dims[axis];
  for (int d = 0; d < axis; d++)
    outer *= dims[d];
  for (int d = axis + 1; d < rank; d++)
    inner *= dims[d];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float *row = x + o * length * inner + i;
      double maximum = -INFINITY, sum = 0;
      for (int64_t r = 0; r < length; r++)
        maximum = fmax(maximum, row[r * inner]);
      for (int64_t r = 0; r < length; r++)
        sum += exp(row[r * inner] - maximum);
      for (int64_t r = 0; r < length; r++)
        y[o * length * inner + i + r * inner] =
            (float)(log_form ? row[r * inner] - maximum - log(sum)
                             : exp(row[r * inner] - maximum) / sum);
    }
}

static void run_op(ir_op op, int rank, const int64_t *dims, int axis, float scale,
                   bool expect_rows) {
  ir_graph *graph = ir_graph_create("softmax");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, rank, dims);
  ir_node *node = pt_node(graph, op, &x, 1, 1);
  ir_node_set_int(graph, node, "axis", axis);
  pt_infer(graph, node);
  assert_int_equal(lower_softmax_uses_rows(&x->type, axis < 0 ? axis + rank : axis), expect_rows);
  int64_t n = pt_count(rank, dims);
  float *data = pt_random_alloc((size_t)n, (uint32_t)n, -scale, scale);
  float *expected = malloc((size_t)n * sizeof(float));
  reference_softmax(data, rank, dims, axis < 0 ? axis + rank : axis, op == IR_OP_LOG_SOFTMAX,
                    expected);
  const void *inputs[1] = {data};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  print_message("%s rank %d axis %d (%s)\n", ir_op_name(op), rank, axis,
                expect_rows ? "rows" : "columns");
  pt_expect_close(outputs[0], expected, (size_t)n, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(expected);
  ir_graph_destroy(graph);
}

static void run_softmax(int rank, const int64_t *dims, int axis, float scale, bool expect_rows) {
  run_op(IR_OP_SOFTMAX, rank, dims, axis, scale, expect_rows);
}

static void test_rows(void **state) {
  (void)state;
  const int64_t short_rows[2] = {13, 10}, long_rows[2] = {3, 1000}, mid[3] = {2, 3, 257};
  run_softmax(2, short_rows, -1, 4, true); /* 32 threads a row, 8 rows per block */
  run_softmax(2, long_rows, 1, 4, true);   /* a row longer than the block */
  run_softmax(3, mid, 2, 4, true);
  /* Thread shares beyond the row cache stream the row three times (4 and 1 a step). */
  const int64_t streamed[2] = {2, 5000}, streamed_odd[2] = {2, 2001};
  pw_rows plan;
  pw_rows_plan_vector(2, 5000, &plan);
  assert_false(pw_row_cache_fits(&plan));
  pw_rows_plan_vector(3, 1000, &plan);
  assert_true(pw_row_cache_fits(&plan));
  run_softmax(2, streamed, 1, 4, true);
  run_softmax(2, streamed_odd, 1, 4, true);
}

static void test_columns(void **state) {
  (void)state;
  const int64_t dims[3] = {2, 5, 7}, tall[2] = {40, 6};
  run_softmax(3, dims, 1, 4, false);
  run_softmax(2, tall, 0, 4, false);
}

static void test_large_logits_stay_finite(void **state) {
  (void)state;
  const int64_t dims[2] = {4, 100};
  run_softmax(2, dims, 1, 1000, true); /* exp(1000) overflows without the max shift */
  const int64_t cols[2] = {100, 3};
  run_softmax(2, cols, 0, 1000, false);
}

/* f16 rows of 70 (one element a step) and 72 (4 halves a step, 8-byte accesses). */
static void run_half(int64_t columns) {
  const int64_t dims[2] = {5, columns};
  int n = (int)(5 * columns);
  ir_graph *graph = ir_graph_create("softmax_f16");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F16, 2, dims);
  ir_node *node = pt_node(graph, IR_OP_SOFTMAX, &x, 1, 1);
  pt_infer(graph, node);
  float *data = pt_random_alloc((size_t)n, 8, -3, 3);
  float *expected = malloc((size_t)n * sizeof(float)), *actual = malloc((size_t)n * sizeof(float));
  uint16_t *halves = malloc((size_t)n * sizeof(uint16_t));
  for (int i = 0; i < n; i++) {
    halves[i] = ir_f32_to_f16(data[i]);
    data[i] = ir_f16_to_f32(halves[i]);
  }
  reference_softmax(data, 2, dims, 1, false, expected);
  const void *inputs[1] = {halves};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < n; i++)
    actual[i] = ir_f16_to_f32(((uint16_t *)outputs[0])[i]);
  pt_expect_close(actual, expected, (size_t)n, 1e-3, 1e-6); /* one f16 rounding: 2^-11 */
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(expected), free(actual), free(halves);
  ir_graph_destroy(graph);
}

static void test_half(void **state) {
  (void)state;
  run_half(70);
  run_half(72);
  run_half(4100); /* streamed: exp recomputed in the last pass instead of parked */
}

/* LogSoftmax: cached, streamed (x read again, never the parked exps) and column rows; logits
 * 1000 apart, where log(softmax) would give -inf. */
static void test_log_softmax(void **state) {
  (void)state;
  const int64_t short_rows[2] = {13, 10}, streamed[2] = {2, 5000}, columns[3] = {2, 5, 7};
  run_op(IR_OP_LOG_SOFTMAX, 2, short_rows, -1, 4, true);
  run_op(IR_OP_LOG_SOFTMAX, 2, short_rows, 1, 1000, true);
  run_op(IR_OP_LOG_SOFTMAX, 2, streamed, 1, 4, true);
  run_op(IR_OP_LOG_SOFTMAX, 3, columns, 1, 4, false);
  run_op(IR_OP_LOG_SOFTMAX, 3, columns, 0, 1000, false);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_softmax), cmocka_unit_test(test_rows),
      cmocka_unit_test(test_columns),     cmocka_unit_test(test_large_logits_stay_finite),
      cmocka_unit_test(test_half),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
