/* Trigonometric and hyperbolic ops on the host twin against libm in double, in ulps of the f32
 * result; edges (+-1, infinities, NaN) exactly; f64 Sin against libm; the f64 refusal of the
 * f32-math ones. PTX checked with ptxas. */
#include <math.h>

#include "pointwise_test.h"

/* Distance in representable f32 values (0 for equal values and for two NaNs). */
static int64_t ulps(float a, float b) {
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b) ? 0 : INT64_MAX;
  int32_t ia, ib;
  memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
  int64_t oa = ia < 0 ? (int64_t)INT32_MIN - ia : ia, ob = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
  return oa > ob ? oa - ob : ob - oa;
}

static double reference(ir_op op, double x) {
  switch (op) {
  case IR_OP_SIN:
    return sin(x);
  case IR_OP_COS:
    return cos(x);
  case IR_OP_TAN:
    return tan(x);
  case IR_OP_ASIN:
    return asin(x);
  case IR_OP_ACOS:
    return acos(x);
  case IR_OP_ATAN:
    return atan(x);
  case IR_OP_SINH:
    return sinh(x);
  case IR_OP_COSH:
    return cosh(x);
  case IR_OP_ASINH:
    return asinh(x);
  case IR_OP_ACOSH:
    return acosh(x);
  default:
    return atanh(x);
  }
}

static void *run(ir_op op, ir_dtype dtype, const void *x, int64_t n) {
  ir_graph *graph = ir_graph_create("trigonometry");
  ir_value *input = pt_input(graph, "x", dtype, 1, &n);
  ir_node *node = pt_node(graph, op, &input, 1, 1);
  const void *inputs[1] = {x};
  return pt_run_once(graph, node, inputs);
}

/* `n` values in [low, high) plus `edges`; every result within `max_ulps` of libm's, rounded. */
static void check_op(ir_op op, float low, float high, const float *edges, int edge_count,
                     int64_t max_ulps) {
  enum { N = 2000 };
  float *x = pt_random_alloc(N, (uint32_t)op, low, high);
  memcpy(x, edges, (size_t)edge_count * sizeof(float));
  float *y = run(op, IR_DTYPE_F32, x, N);
  int64_t worst = 0;
  for (int i = 0; i < N; i++) {
    float want = (float)reference(op, x[i]);
    int64_t d = ulps(y[i], want);
    if (d > max_ulps)
      fail_msg("%s(%.9g) = %.9g, libm %.9g (%lld ulps)", ir_op_name(op), (double)x[i],
               (double)y[i], (double)want, (long long)d);
    worst = d > worst ? d : worst;
  }
  print_message("%s: at most %lld ulps\n", ir_op_name(op), (long long)worst);
  free(y), free(x);
}

/* The f64-computed ones round once: within 1 ulp (ties aside, the correctly rounded value). */
static void test_circular(void **state) {
  (void)state;
  const float angles[] = {0, -0.0f, 1e-30f, 3.14159274f, -1.57079637f, 1e5f, INFINITY, NAN, 7e5f};
  const float unit[] = {1, -1, 0, 0.99999994f, -0.99999994f, 1.5f, -2, NAN, 1e-20f};
  const float wide[] = {INFINITY, -INFINITY, 0, 1, -1, 0.41421357f, 1e30f, NAN, 2.4142137f};
  check_op(IR_OP_SIN, -100, 100, angles, 9, 1);
  check_op(IR_OP_COS, -100, 100, angles, 9, 1);
  check_op(IR_OP_TAN, -100, 100, angles, 8, 1);
  check_op(IR_OP_ASIN, -1, 1, unit, 9, 1);
  check_op(IR_OP_ACOS, -1, 1, unit, 9, 1);
  check_op(IR_OP_ATAN, -1e4f, 1e4f, wide, 9, 1);
  check_op(IR_OP_ATAN, -2, 2, wide, 9, 1);
}

/* The f32-math ones: a few ulps, small arguments included. */
static void test_hyperbolic(void **state) {
  (void)state;
  const float small[] = {0, -0.0f, 1e-6f, -3e-4f, 0.999f, 1.001f, 89, -89, INFINITY, NAN};
  const float acosh_edges[] = {1, 1.0000001f, 1.5f, 3e30f, 0.5f, INFINITY, NAN};
  const float atanh_edges[] = {0, 1e-7f, -1, 1, 0.99999994f, -0.5f, 1.5f, NAN};
  check_op(IR_OP_SINH, -10, 10, small, 10, 4);
  check_op(IR_OP_COSH, -10, 10, small, 10, 4);
  check_op(IR_OP_ASINH, -1e3f, 1e3f, small, 10, 4);
  check_op(IR_OP_ASINH, -2, 2, small, 10, 4);
  check_op(IR_OP_ACOSH, 1, 1e3f, acosh_edges, 7, 4);
  check_op(IR_OP_ATANH, -1, 1, atanh_edges, 8, 4);
}

/* f64 Sin, Atan computed in f64 (relative 1e-15 of libm); f64 Sinh is refused. */
static void test_f64(void **state) {
  (void)state;
  const double x[5] = {0.5, -3.0, 100.25, 1e-8, 1234.5};
  double *y = run(IR_OP_SIN, IR_DTYPE_F64, x, 5);
  double *a = run(IR_OP_ATAN, IR_DTYPE_F64, x, 5);
  for (int i = 0; i < 5; i++) {
    assert_true(fabs(y[i] - sin(x[i])) <= 1e-15 * fabs(sin(x[i])) + 1e-300);
    assert_true(fabs(a[i] - atan(x[i])) <= 1e-15 * fabs(atan(x[i])));
  }
  free(y), free(a);
  const int64_t n = 2;
  ir_graph *graph = ir_graph_create("refused");
  ir_value *input = pt_input(graph, "x", IR_DTYPE_F64, 1, &n);
  ir_node *node = pt_node(graph, IR_OP_SINH, &input, 1, 1);
  pt_infer(graph, node);
  pt_expect_lower_error(graph, node, "f64 Sinh is unsupported");
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_circular),
      cmocka_unit_test(test_hyperbolic),
      cmocka_unit_test(test_f64),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
