/* Reduce* (Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp) and the global pools on the host twin against a C reference:
 * contiguous rows (thread groups of 32..256, rows longer than a block, several rows per
 * block), non-adjacent axes, strided (column) reductions, all axes, noop_with_empty_axes. */
#include <math.h>

#include "pointwise_test.h"

/* Sums and means take inputs in [0, 1): with every term positive, the f32 result differs
 * from the double reference only by accumulated rounding, well inside rtol 1e-4 even for
 * thousands of terms (max/min are exact). */
static void reference_reduce(ir_op op, const float *x, int rank, const int64_t *dims,
                             const bool *reduced, double *out, int64_t out_count) {
  for (int64_t o = 0; o < out_count; o++)
    out[o] = op == IR_OP_REDUCE_MAX    ? -INFINITY
             : op == IR_OP_REDUCE_MIN  ? INFINITY
             : op == IR_OP_REDUCE_PROD ? 1
                                       : 0;
  int64_t n = pt_count(rank, dims), length = n / (out_count ? out_count : 1);
  for (int64_t i = 0; i < n; i++) {
    int64_t rest = i, o = 0, scale = 1;
    for (int d = rank - 1; d >= 0; d--) {
      int64_t c = rest % dims[d];
      rest /= dims[d];
      if (!reduced[d])
        o += c * scale, scale *= dims[d];
    }
    double v = x[i];
    if (op == IR_OP_REDUCE_L1)
      v = fabs(v);
    if (op == IR_OP_REDUCE_L2 || op == IR_OP_REDUCE_SUM_SQUARE)
      v = v * v;
    if (op == IR_OP_REDUCE_LOG_SUM_EXP)
      v = exp(v);
    out[o] = op == IR_OP_REDUCE_MAX    ? fmax(out[o], v)
             : op == IR_OP_REDUCE_MIN  ? fmin(out[o], v)
             : op == IR_OP_REDUCE_PROD ? out[o] * v
                                       : out[o] + v;
  }
  for (int64_t o = 0; o < out_count; o++) {
    if (op == IR_OP_REDUCE_MEAN)
      out[o] /= (double)length;
    if (op == IR_OP_REDUCE_L2)
      out[o] = sqrt(out[o]);
    if (op == IR_OP_REDUCE_LOG_SUM || op == IR_OP_REDUCE_LOG_SUM_EXP)
      out[o] = log(out[o]);
  }
}

static void run_reduce(ir_op op, int rank, const int64_t *dims, const int64_t *axes, int count,
                       int keepdims, int noop) {
  ir_graph *graph = ir_graph_create("reduce");
  ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_F32, rank, dims), NULL};
  int64_t axes_dims[1] = {count};
  if (count > 0)
    in[1] = pt_constant(graph, "axes", IR_DTYPE_I64, 1, axes_dims, axes);
  ir_node *node = pt_node(graph, op, in, count > 0 ? 2 : 1, 1);
  ir_node_set_int(graph, node, "keepdims", keepdims);
  if (noop)
    ir_node_set_int(graph, node, "noop_with_empty_axes", 1);
  pt_infer(graph, node);
  int64_t n = pt_count(rank, dims);
  int64_t out_count = pt_count(node->outputs[0]->type.rank, node->outputs[0]->type.dims);
  /* sums of positive terms (LogSum's too); products of terms near 1, so long ones stay finite */
  bool sums = op == IR_OP_REDUCE_SUM || op == IR_OP_REDUCE_MEAN || op == IR_OP_REDUCE_LOG_SUM;
  bool product = op == IR_OP_REDUCE_PROD;
  float *x = pt_random_alloc((size_t)n, (uint32_t)(n + op), sums ? 0 : product ? 0.999f : -1,
                             product ? 1.001f : 1);
  bool reduced[IR_MAX_RANK] = {false};
  for (int d = 0; d < rank; d++)
    reduced[d] = count == 0 && !noop;
  for (int i = 0; i < count; i++)
    reduced[axes[i] < 0 ? axes[i] + rank : axes[i]] = true;
  double *reference = malloc((size_t)out_count * sizeof(double));
  float *expected = malloc((size_t)out_count * sizeof(float));
  reference_reduce(op, x, rank, dims, reduced, reference, out_count);
  for (int64_t o = 0; o < out_count; o++)
    expected[o] = (float)reference[o];
  const void *inputs[2] = {x, NULL};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  print_message("%s rank %d, %d axes -> %lld outputs\n", ir_op_name(op), rank, count,
                (long long)out_count);
  pt_expect_close(outputs[0], expected, (size_t)out_count, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(reference), free(expected);
  ir_graph_destroy(graph);
}

static void test_contiguous_rows(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_REDUCE_SUM, IR_OP_REDUCE_MEAN, IR_OP_REDUCE_MAX,
                              IR_OP_REDUCE_MIN};
  const int64_t long_rows[2] = {5, 1000}, short_rows[2] = {37, 20}, last[1] = {-1};
  for (int k = 0; k < 4; k++) {
    run_reduce(ops[k], 2, long_rows, last, 1, 1, 0);  /* 256 threads, 4 strides each */
    run_reduce(ops[k], 2, short_rows, last, 1, 0, 0); /* 32 threads, 8 rows per block */
  }
  const int64_t medium[3] = {3, 9, 100}, two_axes[2] = {1, 2};
  run_reduce(IR_OP_REDUCE_SUM, 3, medium, two_axes, 2, 1, 0); /* rows of 900 */
}

static void test_non_adjacent_and_strided_axes(void **state) {
  (void)state;
  const int64_t dims[3] = {6, 5, 40}, outer_inner[2] = {0, 2}, middle[1] = {1}, first[1] = {0};
  run_reduce(IR_OP_REDUCE_SUM, 3, dims, outer_inner, 2, 1, 0);
  run_reduce(IR_OP_REDUCE_MAX, 3, dims, outer_inner, 2, 0, 0);
  run_reduce(IR_OP_REDUCE_MEAN, 3, dims, middle, 1, 1, 0); /* one thread per output */
  run_reduce(IR_OP_REDUCE_MIN, 3, dims, first, 1, 0, 0);
  const int64_t four[4] = {2, 3, 4, 5}, alternate[2] = {1, 3};
  run_reduce(IR_OP_REDUCE_SUM, 4, four, alternate, 2, 1, 0);
}

/* Few outputs over a long strided range: the range is split across blocks (grid.y), the
 * partials combined by a second kernel; one split writes the output directly. */
static void test_split_strided_reductions(void **state) {
  (void)state;
  const int64_t tall[2] = {5000, 6}, mid[2] = {300, 70}, short_split[2] = {100, 40};
  const int64_t first[1] = {0};
  run_reduce(IR_OP_REDUCE_SUM, 2, tall, first, 1, 1, 0);         /* 40 splits */
  run_reduce(IR_OP_REDUCE_MAX, 2, mid, first, 1, 0, 0);          /* 3 chunks x 3 splits */
  run_reduce(IR_OP_REDUCE_MEAN, 2, short_split, first, 1, 1, 0); /* one split */
  const int64_t image[4] = {64, 3, 5, 5}, batch_and_space[3] = {0, 2, 3};
  run_reduce(IR_OP_REDUCE_MIN, 4, image, batch_and_space, 3, 1, 0); /* per-channel stats */
}

static void test_all_axes_and_noop(void **state) {
  (void)state;
  const int64_t dims[2] = {33, 70};
  run_reduce(IR_OP_REDUCE_SUM, 2, dims, NULL, 0, 0, 0); /* one row of 2310 */
  run_reduce(IR_OP_REDUCE_MAX, 2, dims, NULL, 0, 1, 0);
  run_reduce(IR_OP_REDUCE_SUM, 2, dims, NULL, 0, 1, 1); /* noop: a copy */
}

static void run_global_pool(ir_op op, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t dims[4] = {n, c, h, w};
  ir_graph *graph = ir_graph_create("global_pool");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 4, dims);
  ir_node *node = pt_node(graph, op, &x, 1, 1);
  pt_infer(graph, node);
  int64_t planes = n * c, plane = h * w;
  float *data =
      pt_random_alloc((size_t)(planes * plane), 99, op == IR_OP_GLOBAL_MAX_POOL ? -1 : 0, 1);
  float *expected = malloc((size_t)planes * sizeof(float));
  for (int64_t p = 0; p < planes; p++) {
    double r = op == IR_OP_GLOBAL_MAX_POOL ? -INFINITY : 0;
    for (int64_t i = 0; i < plane; i++)
      r = op == IR_OP_GLOBAL_MAX_POOL ? fmax(r, data[p * plane + i]) : r + data[p * plane + i];
    expected[p] = (float)(op == IR_OP_GLOBAL_MAX_POOL ? r : r / (double)plane);
  }
  const void *inputs[1] = {data};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_expect_close(outputs[0], expected, (size_t)planes, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(expected);
  ir_graph_destroy(graph);
}

static void test_global_pools(void **state) {
  (void)state;
  run_global_pool(IR_OP_GLOBAL_AVERAGE_POOL, 2, 13, 7, 7); /* ResNet's 7x7 head */
  run_global_pool(IR_OP_GLOBAL_MAX_POOL, 2, 13, 7, 7);
  run_global_pool(IR_OP_GLOBAL_AVERAGE_POOL, 1, 3, 30, 31); /* planes longer than a block */
  run_global_pool(IR_OP_GLOBAL_MAX_POOL, 3, 5, 1, 3);       /* short planes: per thread */
}

static void test_max_propagates_nan(void **state) {
  (void)state;
  const int64_t dims[2] = {2, 64};
  ir_graph *graph = ir_graph_create("nan");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 2, dims);
  const int64_t axis[1] = {1}, axis_dims[1] = {1};
  ir_value *in[2] = {x, pt_constant(graph, "axes", IR_DTYPE_I64, 1, axis_dims, axis)};
  ir_node *node = pt_node(graph, IR_OP_REDUCE_MAX, in, 2, 1);
  pt_infer(graph, node);
  float data[128];
  pt_random(data, 128, 5, -1, 1);
  data[77] = NAN;
  const void *inputs[2] = {data, NULL};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_false(isnan(((float *)outputs[0])[0]));
  assert_true(isnan(((float *)outputs[0])[1]));
  free(outputs[0]);
  pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
}

/* i32/i64 Sum/Max/Min accumulate in their own type (exact, wrapping sums); one shape per
 * kernel shape: rows (thread groups), columns (thread per output), split ranges. */
static void run_integer_reduce(ir_op op, ir_dtype dtype, int64_t rows, int64_t columns, int axis) {
  const int64_t dims[2] = {rows, columns}, axis_value[1] = {axis}, axis_dims[1] = {1};
  ir_graph *graph = ir_graph_create("int_reduce");
  ir_value *in[2] = {pt_input(graph, "x", dtype, 2, dims),
                     pt_constant(graph, "axes", IR_DTYPE_I64, 1, axis_dims, axis_value)};
  ir_node *node = pt_node(graph, op, in, 2, 1);
  pt_infer(graph, node);
  int64_t n = rows * columns, outputs = axis == 0 ? columns : rows;
  int64_t *values = malloc((size_t)n * sizeof(int64_t)), *want = malloc((size_t)outputs * 8);
  void *data = malloc((size_t)n * 8);
  for (int64_t i = 0; i < n; i++) {
    values[i] = (i * 7919 % 2001) - 1000 + (dtype == IR_DTYPE_I64 ? (i % 3) * (1LL << 40) : 0);
    if (dtype == IR_DTYPE_I64)
      ((int64_t *)data)[i] = values[i];
    else
      ((int32_t *)data)[i] = (int32_t)values[i];
  }
  for (int64_t o = 0; o < outputs; o++) {
    int64_t r = op == IR_OP_REDUCE_SUM ? 0 : op == IR_OP_REDUCE_MAX ? INT64_MIN : INT64_MAX;
    for (int64_t k = 0; k < (axis == 0 ? rows : columns); k++) {
      int64_t v = values[axis == 0 ? k * columns + o : o * columns + k];
      r = op == IR_OP_REDUCE_SUM   ? r + v
          : op == IR_OP_REDUCE_MAX ? (v > r ? v : r)
                                   : (v < r ? v : r);
    }
    want[o] = r;
  }
  const void *inputs[2] = {data, NULL};
  void *outputs_data[1];
  pt_run(graph, node, inputs, outputs_data);
  for (int64_t o = 0; o < outputs; o++) {
    int64_t got =
        dtype == IR_DTYPE_I64 ? ((int64_t *)outputs_data[0])[o] : ((int32_t *)outputs_data[0])[o];
    if (got != want[o])
      fail_msg("%s %s output %lld: got %lld, want %lld", ir_op_name(op), ir_dtype_name(dtype),
               (long long)o, (long long)got, (long long)want[o]);
  }
  pt_check_ptx(graph, node);
  free(outputs_data[0]), free(values), free(want), free(data);
  ir_graph_destroy(graph);
}

static void test_integer_reductions(void **state) {
  (void)state;
  static const ir_op ops[3] = {IR_OP_REDUCE_SUM, IR_OP_REDUCE_MAX, IR_OP_REDUCE_MIN};
  for (int k = 0; k < 3; k++) {
    run_integer_reduce(ops[k], IR_DTYPE_I64, 5, 700, 1);  /* rows */
    run_integer_reduce(ops[k], IR_DTYPE_I32, 9, 20, 0);   /* columns */
    run_integer_reduce(ops[k], IR_DTYPE_I64, 3000, 5, 0); /* split */
  }
}

/* The reductions made of a map, a combine and a finish, on each kernel shape: rows (4-wide and
 * scalar), columns, split. */
static void test_mapped_reductions(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_REDUCE_PROD, IR_OP_REDUCE_L1,      IR_OP_REDUCE_L2,
                              IR_OP_REDUCE_SUM_SQUARE, IR_OP_REDUCE_LOG_SUM,
                              IR_OP_REDUCE_LOG_SUM_EXP};
  const int64_t rows[2] = {5, 1000}, odd_rows[2] = {37, 21}, columns[3] = {9, 20, 3};
  const int64_t split[2] = {3000, 5}, last[1] = {-1}, first[1] = {0}, middle[1] = {1};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    run_reduce(ops[k], 2, rows, last, 1, 1, 0);
    run_reduce(ops[k], 2, odd_rows, last, 1, 0, 0);
    run_reduce(ops[k], 3, columns, middle, 1, 1, 0);
    run_reduce(ops[k], 2, split, first, 1, 0, 0);
    run_reduce(ops[k], 3, columns, NULL, 0, 1, 0); /* every axis */
  }
}

/* An empty reduced set gives each op's value of nothing: 0, 1 for Prod, -inf for the logs. */
static void test_empty_set(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_REDUCE_SUM, IR_OP_REDUCE_PROD, IR_OP_REDUCE_L1,
                              IR_OP_REDUCE_L2, IR_OP_REDUCE_SUM_SQUARE, IR_OP_REDUCE_LOG_SUM,
                              IR_OP_REDUCE_LOG_SUM_EXP};
  static const float want[] = {0, 1, 0, 0, 0, -INFINITY, -INFINITY};
  const int64_t dims[3] = {2, 0, 4}, axes[1] = {1}, axes_dims[1] = {1};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    ir_graph *graph = ir_graph_create("empty");
    ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_F32, 3, dims),
                       pt_constant(graph, "axes", IR_DTYPE_I64, 1, axes_dims, axes)};
    ir_node *node = pt_node(graph, ops[k], in, 2, 1);
    pt_infer(graph, node);
    float x = 0;
    const void *inputs[2] = {&x, NULL};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    for (int o = 0; o < 8; o++)
      if (((float *)outputs[0])[o] != want[k])
        fail_msg("%s of nothing gave %g", ir_op_name(ops[k]), (double)((float *)outputs[0])[o]);
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
}

/* f64 sums accumulate in f64 (1e-10 terms survive next to 1, as in f32 they would not), in
 * order; Prod and L1 of i64 exactly (Prod wrapping like numpy). */
static void test_f64_and_integer_products(void **state) {
  (void)state;
  const int64_t dims[2] = {2, 3};
  const double x[6] = {1, 1e-10, 1e-10, 2, 3e-10, -1e-10};
  ir_graph *graph = ir_graph_create("f64");
  ir_value *in = pt_input(graph, "x", IR_DTYPE_F64, 2, dims);
  ir_node *node = pt_node(graph, IR_OP_REDUCE_SUM, &in, 1, 1);
  ir_node_set_int(graph, node, "keepdims", 0);
  pt_infer(graph, node);
  const void *inputs[1] = {x};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  double want = ((((1 + 1e-10) + 1e-10) + 2) + 3e-10) - 1e-10;
  assert_true(((double *)outputs[0])[0] == want && want != 3);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  const int64_t ix[6] = {3, -5, 7, 1 << 20, 1 << 20, -(1 << 20)};
  ir_value *ints = pt_input(graph, "ints", IR_DTYPE_I64, 2, dims);
  ir_node *prod = pt_node(graph, IR_OP_REDUCE_PROD, &ints, 1, 1);
  ir_node *l1 = pt_node(graph, IR_OP_REDUCE_L1, &ints, 1, 1);
  pt_infer(graph, prod), pt_infer(graph, l1);
  inputs[0] = ix;
  pt_run(graph, prod, inputs, outputs);
  assert_true(((int64_t *)outputs[0])[0] == (int64_t)((uint64_t)105 << 60)); /* wrapped */
  free(outputs[0]);
  pt_run(graph, l1, inputs, outputs);
  assert_true(((int64_t *)outputs[0])[0] == 15 + 3 * (1 << 20));
  free(outputs[0]);
  ir_graph_destroy(graph);
}

/* Unsupported cases fail with a message naming the node and op, not a crash. */
static void test_unsupported_is_an_error(void **state) {
  (void)state;
  const int64_t dims[2] = {3, 40};
  ir_graph *graph = ir_graph_create("int_reduce");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_I32, 2, dims);
  ir_node *node = pt_node(graph, IR_OP_REDUCE_MEAN, &x, 1, 1);
  pt_infer(graph, node);
  pt_expect_lower_error(graph, node,
                        "node 'ReduceMean' (ReduceMean): no kernel for ReduceMean on i32");
  ir_value *bytes = pt_input(graph, "bytes", IR_DTYPE_U8, 2, dims);
  ir_node *max = pt_node(graph, IR_OP_REDUCE_MAX, &bytes, 1, 1);
  pt_infer(graph, max);
  pt_expect_lower_error(graph, max, "no kernel for ReduceMax on u8");
  ir_node *l2 = pt_node(graph, IR_OP_REDUCE_L2, &x, 1, 1); /* a square root of an integer */
  pt_infer(graph, l2);
  pt_expect_lower_error(graph, l2, "no kernel for ReduceL2 on i32");
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_contiguous_rows),
      cmocka_unit_test(test_non_adjacent_and_strided_axes),
      cmocka_unit_test(test_split_strided_reductions),
      cmocka_unit_test(test_all_axes_and_noop),
      cmocka_unit_test(test_global_pools),
      cmocka_unit_test(test_max_propagates_nan),
      cmocka_unit_test(test_integer_reductions),
      cmocka_unit_test(test_mapped_reductions),
      cmocka_unit_test(test_empty_set),
      cmocka_unit_test(test_f64_and_integer_products),
      cmocka_unit_test(test_unsupported_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
