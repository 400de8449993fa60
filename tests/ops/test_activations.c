/* The activations and float tests added to the unary ops (Elu, Celu, Selu, ThresholdedRelu,
 * Softplus, Softsign, Mish, Gelu, Swish, Shrink, Round, Sign, IsInf, IsNaN) on the host twin against
 * C references in double; PTX checked with ptxas. */
#include <math.h>

#include "pointwise_test.h"

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* The reference with the attributes set_attributes gives. */
static double reference(ir_op op, double x) {
  switch (op) {
  case IR_OP_ELU:
    return x < 0 ? 0.7 * expm1(x) : x;
  case IR_OP_CELU:
    return fmax(0, x) + fmin(0, 2.0 * expm1(x / 2.0));
  case IR_OP_SELU:
    return x > 0 ? 1.0507009873554805 * x : 1.0507009873554805 * 1.6732632423543772 * expm1(x);
  case IR_OP_THRESHOLDED_RELU:
    return x > 1.5 ? x : 0;
  case IR_OP_SOFTPLUS:
    return softplus(x);
  case IR_OP_SOFTSIGN:
    return x / (1 + fabs(x));
  case IR_OP_MISH:
    return x * tanh(softplus(x));
  case IR_OP_GELU:
    return 0.5 * x * (1 + erf(x / sqrt(2.0)));
  case IR_OP_SWISH:
    return x / (1 + exp(-0.25 * x));
  case IR_OP_SHRINK:
    return x < -1.5 ? x + 0.5 : x > 1.5 ? x - 0.5 : 0;
  case IR_OP_ROUND:
    return nearbyint(x); /* the default rounding mode: half to even */
  case IR_OP_SIGN:
    return x > 0 ? 1 : x < 0 ? -1 : 0;
  default:
    return NAN;
  }
}

static void set_attributes(ir_graph *graph, ir_node *node) {
  if (node->op == IR_OP_ELU)
    ir_node_set_float(graph, node, "alpha", 0.7f);
  if (node->op == IR_OP_CELU)
    ir_node_set_float(graph, node, "alpha", 2.0f);
  if (node->op == IR_OP_THRESHOLDED_RELU)
    ir_node_set_float(graph, node, "alpha", 1.5f);
  if (node->op == IR_OP_SWISH)
    ir_node_set_float(graph, node, "alpha", 0.25f);
  if (node->op == IR_OP_SHRINK) {
    ir_node_set_float(graph, node, "lambd", 1.5f);
    ir_node_set_float(graph, node, "bias", 0.5f);
  }
}

/* `n` values of x through a one-node graph of `op` on `dtype` (f32 or f16 bits); returns the
 * output (caller frees). */
static void *run_unary(ir_op op, ir_dtype dtype, const void *x, int64_t n,
                       void (*attributes)(ir_graph *, ir_node *)) {
  ir_graph *graph = ir_graph_create("activation");
  ir_value *input = pt_input(graph, "x", dtype, 1, &n);
  ir_node *node = pt_node(graph, op, &input, 1, 1);
  if (attributes)
    attributes(graph, node);
  const void *inputs[1] = {x};
  return pt_run_once(graph, node, inputs);
}

/* 231 values across [-9, 9] with the small ones where expm1/log1p matter: rtol 1e-4 (atol
 * 1e-9) holds even at x = 1e-6, where plain exp(x) - 1 would be off by several percent. */
static void test_activations(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_ELU,      IR_OP_CELU,     IR_OP_SELU, IR_OP_THRESHOLDED_RELU,
                              IR_OP_SOFTPLUS, IR_OP_SOFTSIGN, IR_OP_MISH, IR_OP_GELU,
                              IR_OP_SHRINK,   IR_OP_SIGN,     IR_OP_SWISH};
  enum { N = 231 };
  float *x = pt_random_alloc(N, 7, -9, 9);
  const float special[] = {0,     -0.0f,  1e-6f, -1e-6f, 3e-4f, -3e-4f,
                           0.49f, -0.51f, 1.5f,  -1.5f,  -30,   30};
  memcpy(x, special, sizeof special);
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    float *y = run_unary(ops[k], IR_DTYPE_F32, x, N, set_attributes);
    float expected[N];
    for (int i = 0; i < N; i++)
      expected[i] = (float)reference(ops[k], x[i]);
    print_message("%s\n", ir_op_name(ops[k]));
    /* Gelu's 1 + erf(x) loses the tail below x = -4 in f32, as any f32 Gelu does */
    pt_expect_close(y, expected, N, PT_RTOL, ops[k] == IR_OP_GELU ? 1e-6 : 1e-9);
    free(y);
  }
  free(x);
}

/* Gelu's tanh form against its formula in double. */
static void set_tanh(ir_graph *graph, ir_node *node) {
  ir_node_set_string(graph, node, "approximate", "tanh");
}

static void test_gelu_tanh(void **state) {
  (void)state;
  enum { N = 64 };
  float *x = pt_random_alloc(N, 3, -6, 6);
  float *y = run_unary(IR_OP_GELU, IR_DTYPE_F32, x, N, set_tanh);
  float expected[N];
  for (int i = 0; i < N; i++) {
    double v = x[i];
    expected[i] = (float)(0.5 * v * (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))));
  }
  pt_expect_close(y, expected, N, PT_RTOL, PT_ATOL);
  free(y), free(x);
}

/* Round: halves to even, the sign of zero kept, large values, infinities and NaN as they are;
 * bit-exact. Sign of NaN is NaN. */
static void test_round_and_sign_edges(void **state) {
  (void)state;
  const float x[] = {0.5f,  1.5f,      2.5f,        -0.5f,      -1.5f,
                     -2.5f, -0.4f,     0.49999997f, 8388607.5f, 16777215.0f,
                     1e30f, -INFINITY, NAN,         -0.0f,      2.5000002f};
  const int64_t n = sizeof x / sizeof x[0];
  float *y = run_unary(IR_OP_ROUND, IR_DTYPE_F32, x, n, NULL);
  for (int i = 0; i < n; i++) {
    float want = nearbyintf(x[i]);
    if (isnan(want) ? !isnan(y[i]) : memcmp(&want, &y[i], sizeof want) != 0)
      fail_msg("Round(%.9g) gave %.9g, expected %.9g", (double)x[i], (double)y[i], (double)want);
  }
  free(y);
  float *s = run_unary(IR_OP_SIGN, IR_DTYPE_F32, x, n, NULL);
  assert_true(isnan(s[12]) && s[11] == -1 && s[13] == 0 && s[0] == 1 && s[3] == -1);
  free(s);
  const int8_t ints[4] = {-128, 0, 5, -1};
  int8_t *si = run_unary(IR_OP_SIGN, IR_DTYPE_I8, ints, 4, NULL);
  const int8_t want_i[4] = {-1, 0, 1, -1};
  assert_memory_equal(si, want_i, 4);
  free(si);
  const uint16_t u[3] = {0, 1, 65535};
  uint16_t *su = run_unary(IR_OP_SIGN, IR_DTYPE_U16, u, 3, NULL);
  const uint16_t want_u[3] = {0, 1, 1};
  assert_memory_equal(su, want_u, sizeof want_u);
  free(su);
}

static void set_negative_only(ir_graph *graph, ir_node *node) {
  if (node->op == IR_OP_IS_INF)
    ir_node_set_int(graph, node, "detect_positive", 0);
}

/* IsInf (both signs, then -inf only) and IsNaN give bool bytes; f16 inputs too. */
static void test_is_inf_is_nan(void **state) {
  (void)state;
  const float x[6] = {INFINITY, -INFINITY, NAN, 0, 3.4e38f, -1};
  uint8_t *inf = run_unary(IR_OP_IS_INF, IR_DTYPE_F32, x, 6, NULL);
  uint8_t *negative = run_unary(IR_OP_IS_INF, IR_DTYPE_F32, x, 6, set_negative_only);
  uint8_t *nan = run_unary(IR_OP_IS_NAN, IR_DTYPE_F32, x, 6, NULL);
  const uint8_t want_inf[6] = {1, 1, 0, 0, 0, 0}, want_negative[6] = {0, 1, 0, 0, 0, 0};
  const uint8_t want_nan[6] = {0, 0, 1, 0, 0, 0};
  assert_memory_equal(inf, want_inf, 6);
  assert_memory_equal(negative, want_negative, 6);
  assert_memory_equal(nan, want_nan, 6);
  free(inf), free(negative), free(nan);
  const uint16_t half[4] = {0x7c00, 0xfc00, 0x7e00, 0x7bff}; /* inf, -inf, NaN, 65504 */
  inf = run_unary(IR_OP_IS_INF, IR_DTYPE_F16, half, 4, NULL);
  nan = run_unary(IR_OP_IS_NAN, IR_DTYPE_F16, half, 4, NULL);
  const uint8_t want_half_inf[4] = {1, 1, 0, 0}, want_half_nan[4] = {0, 0, 1, 0};
  assert_memory_equal(inf, want_half_inf, 4);
  assert_memory_equal(nan, want_half_nan, 4);
  free(inf), free(nan);
}

/* Ops built on the f32 math library refuse f64; bool has no Sign. */
static void test_refusals(void **state) {
  (void)state;
  const int64_t n = 3;
  ir_graph *graph = ir_graph_create("refusals");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F64, 1, &n);
  ir_node *node = pt_node(graph, IR_OP_ELU, &x, 1, 1);
  pt_infer(graph, node);
  pt_expect_lower_error(graph, node, "f64 Elu is unsupported");
  ir_value *flag = pt_input(graph, "flag", IR_DTYPE_BOOL, 1, &n);
  ir_node *sign = pt_node(graph, IR_OP_SIGN, &flag, 1, 1);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(graph, sign, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "Sign needs a numeric type"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_activations),
      cmocka_unit_test(test_gelu_tanh),
      cmocka_unit_test(test_round_and_sign_edges),
      cmocka_unit_test(test_is_inf_is_nan),
      cmocka_unit_test(test_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
