/* Ops along one axis (ArgMax/ArgMin, Hardmax, LpNormalization, CumSum/CumProd) and Trilu on
 * the host twin against C references; PTX checked with ptxas. */
#include <math.h>

#include "pointwise_test.h"

/* A one-node graph of `op` on x [2, 3, 4] (f32) with an integer `axis` attribute; returns
 * output 0 (caller frees). */
static void *run_axis_op(ir_op op, const float *x, int64_t axis, const char *flag,
                         int64_t flag_value) {
  const int64_t dims[3] = {2, 3, 4};
  ir_graph *graph = ir_graph_create("axis");
  ir_value *in = pt_input(graph, "x", IR_DTYPE_F32, 3, dims);
  ir_node *node = pt_node(graph, op, &in, 1, 1);
  ir_node_set_int(graph, node, "axis", axis);
  if (flag)
    ir_node_set_int(graph, node, flag, flag_value);
  const void *inputs[1] = {x};
  return pt_run_once(graph, node, inputs);
}

/* Index of the first (or last) extreme of x[o][.][i] along axis 1 of [2, 3, 4], NaN winning. */
static int64_t reference_arg(const float *x, int o, int i, bool max, bool last) {
  int64_t best = 0;
  for (int r = 1; r < 3; r++) {
    float v = x[(o * 3 + r) * 4 + i], b = x[(o * 3 + (int)best) * 4 + i];
    bool better = max ? (last ? v >= b : v > b) : (last ? v <= b : v < b);
    if (better || (isnan(v) && (last || !isnan(b))))
      best = r;
  }
  return best;
}

static void test_arg_max_min(void **state) {
  (void)state;
  float x[24];
  pt_random(x, 24, 5, -2, 2);
  x[4] = x[0];        /* a tie along the axis at (0, *, 0) */
  x[4 + 4 + 1] = NAN; /* a NaN at (0, 2, 1) */
  for (int max = 0; max < 2; max++)
    for (int last = 0; last < 2; last++) {
      int64_t *y = run_axis_op(max ? IR_OP_ARG_MAX : IR_OP_ARG_MIN, x, 1, "select_last_index",
                               last);
      for (int o = 0; o < 2; o++)
        for (int i = 0; i < 4; i++)
          if (y[o * 4 + i] != reference_arg(x, o, i, max, last))
            fail_msg("%s last=%d at (%d, %d): %lld", max ? "ArgMax" : "ArgMin", last, o, i,
                     (long long)y[o * 4 + i]);
      free(y);
    }
}

/* Hardmax: a one at the first maximum along the axis. */
static void test_hardmax(void **state) {
  (void)state;
  float x[24];
  pt_random(x, 24, 9, -2, 2);
  x[8] = x[4] = 5; /* a tie at (0, 1, 0) and (0, 2, 0): the first wins */
  float *y = run_axis_op(IR_OP_HARDMAX, x, 1, NULL, 0);
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < 4; i++) {
      int64_t hot = reference_arg(x, o, i, true, false);
      for (int r = 0; r < 3; r++)
        assert_true(y[(o * 3 + r) * 4 + i] == (r == hot ? 1.0f : 0.0f));
    }
  free(y);
}

static void test_lp_normalization(void **state) {
  (void)state;
  float x[24];
  pt_random(x, 24, 11, -2, 2);
  memset(x + 4, 0, 4 * sizeof(float)); /* a line of zeros stays zeros */
  for (int p = 1; p <= 2; p++) {
    float *y = run_axis_op(IR_OP_LP_NORMALIZATION, x, -1, "p", p);
    float expected[24];
    for (int line = 0; line < 6; line++) {
      double norm = 0;
      for (int r = 0; r < 4; r++)
        norm += p == 1 ? fabs(x[line * 4 + r]) : x[line * 4 + r] * x[line * 4 + r];
      norm = p == 1 ? norm : sqrt(norm);
      for (int r = 0; r < 4; r++)
        expected[line * 4 + r] = norm == 0 ? 0 : (float)(x[line * 4 + r] / norm);
    }
    pt_expect_close(y, expected, 24, PT_RTOL, PT_ATOL);
    free(y);
  }
}

/* CumSum (i32) and CumProd (f64) along a constant axis, every exclusive/reverse combination. */
static void test_cumulative(void **state) {
  (void)state;
  const int64_t dims[2] = {2, 3}, scalar_dims[1] = {0};
  const int32_t ints[6] = {1, 2, 3, 4, 5, 6};
  const double reals[6] = {1.5, -2, 3, 0.5, 4, -1};
  for (int axis = 0; axis < 2; axis++)
    for (int flags = 0; flags < 4; flags++) {
      bool exclusive = flags & 1, reverse = flags & 2;
      for (int product = 0; product < 2; product++) {
        ir_graph *graph = ir_graph_create("cumulative");
        const int64_t axis_value = axis;
        ir_value *in[2] = {pt_input(graph, "x", product ? IR_DTYPE_F64 : IR_DTYPE_I32, 2, dims),
                           pt_constant(graph, "axis", IR_DTYPE_I64, 0, scalar_dims, &axis_value)};
        ir_node *node = pt_node(graph, product ? IR_OP_CUM_PROD : IR_OP_CUM_SUM, in, 2, 1);
        ir_node_set_int(graph, node, "exclusive", exclusive);
        ir_node_set_int(graph, node, "reverse", reverse);
        pt_infer(graph, node);
        const void *inputs[2] = {product ? (const void *)reals : (const void *)ints, NULL};
        void *outputs[1];
        pt_run(graph, node, inputs, outputs);
        for (int i = 0; i < 6; i++) {
          int row = i / 3, col = i % 3, length = axis ? 3 : 2, at = axis ? col : row;
          double total = product ? 1 : 0;
          for (int r = 0; r < length; r++) {
            bool before = reverse ? r > at : r < at;
            if (!(before || (!exclusive && r == at)))
              continue;
            int j = axis ? row * 3 + r : r * 3 + col;
            total = product ? total * reals[j] : total + ints[j];
          }
          double got = product ? ((double *)outputs[0])[i] : ((int32_t *)outputs[0])[i];
          if (got != total)
            fail_msg("%s axis %d exclusive %d reverse %d [%d]: %g, expected %g",
                     product ? "CumProd" : "CumSum", axis, exclusive, reverse, i, got, total);
        }
        pt_check_ptx(graph, node);
        free(outputs[0]);
        ir_graph_destroy(graph);
      }
    }
}

/* Trilu with k given at run time (its value is read by the kernel), upper and lower, batched. */
static void test_trilu(void **state) {
  (void)state;
  const int64_t dims[3] = {2, 3, 5}, k_dims[1] = {0};
  int64_t x[30];
  for (int i = 0; i < 30; i++)
    x[i] = i + 1;
  const int64_t ks[4] = {0, 2, -1, -7};
  for (int upper = 0; upper < 2; upper++) {
    ir_graph *graph = ir_graph_create("trilu");
    ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_I64, 3, dims),
                       pt_input(graph, "k", IR_DTYPE_I64, 0, k_dims)};
    ir_node *node = pt_node(graph, IR_OP_TRILU, in, 2, 1);
    ir_node_set_int(graph, node, "upper", upper);
    pt_infer(graph, node);
    for (int t = 0; t < 4; t++) {
      const void *inputs[2] = {x, &ks[t]};
      void *outputs[1];
      pt_run(graph, node, inputs, outputs);
      for (int i = 0; i < 30; i++) {
        int64_t diagonal = (i % 5) - (i / 5) % 3;
        bool keep = upper ? diagonal >= ks[t] : diagonal <= ks[t];
        assert_true(((int64_t *)outputs[0])[i] == (keep ? x[i] : 0));
      }
      free(outputs[0]);
    }
    pt_check_ptx(graph, node);
    ir_graph_destroy(graph);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arg_max_min),      cmocka_unit_test(test_hardmax),
      cmocka_unit_test(test_lp_normalization), cmocka_unit_test(test_cumulative),
      cmocka_unit_test(test_trilu),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
