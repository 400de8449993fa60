/* Unary elementwise ops, Clip and Cast lowered and run on the host twin against C
 * references; every lowered node's PTX is assembled by ptxas. */
#include <math.h>

#include "pointwise_test.h"

/* Reference of each float unary op, in double. */
static double reference_unary(ir_op op, double x) {
  switch (op) {
  case IR_OP_ABS:
    return fabs(x);
  case IR_OP_NEG:
    return -x;
  case IR_OP_RELU:
    return x < 0 ? 0 : x;
  case IR_OP_LEAKY_RELU:
    return x < 0 ? 0.2 * x : x;
  case IR_OP_SIGMOID:
    return 1.0 / (1.0 + exp(-x));
  case IR_OP_TANH:
    return tanh(x);
  case IR_OP_ERF:
    return erf(x);
  case IR_OP_EXP:
    return exp(x);
  case IR_OP_LOG:
    return log(x);
  case IR_OP_SQRT:
    return sqrt(x);
  case IR_OP_RECIPROCAL:
    return 1.0 / x;
  case IR_OP_FLOOR:
    return floor(x);
  case IR_OP_CEIL:
    return ceil(x);
  case IR_OP_HARD_SIGMOID:
    return fmax(0, fmin(1, 0.3 * x + 0.4));
  case IR_OP_HARD_SWISH:
    return x * fmax(0, fmin(1, x / 6 + 0.5));
  default:
    return NAN;
  }
}

/* The attributes the unary tests give LeakyRelu and HardSigmoid. */
static void set_unary_attributes(ir_graph *graph, ir_node *node) {
  if (node->op == IR_OP_LEAKY_RELU)
    ir_node_set_float(graph, node, "alpha", 0.2f);
  if (node->op == IR_OP_HARD_SIGMOID) {
    ir_node_set_float(graph, node, "alpha", 0.3f);
    ir_node_set_float(graph, node, "beta", 0.4f);
  }
}

static void run_float_unary(ir_op op, float low, float high, double rtol, double atol) {
  const int64_t dims[2] = {3, 77}; /* 231 elements: not a multiple of the block */
  size_t n = 231;
  ir_graph *graph = ir_graph_create("unary");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 2, dims);
  ir_node *node = pt_node(graph, op, &x, 1, 1);
  set_unary_attributes(graph, node);
  pt_infer(graph, node);
  float *input = pt_random_alloc(n, (uint32_t)op, low, high);
  input[0] = low, input[1] = high, input[2] = (low + high) / 2; /* the range's edges */
  float expected[231];
  for (size_t i = 0; i < n; i++)
    expected[i] = (float)reference_unary(op, input[i]);
  const void *inputs[1] = {input};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  print_message("%s\n", ir_op_name(op));
  pt_expect_close(outputs[0], expected, n, rtol, atol);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  free(input);
  ir_graph_destroy(graph);
}

static void test_exact_unary(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_ABS,          IR_OP_NEG,       IR_OP_RELU, IR_OP_LEAKY_RELU,
                              IR_OP_SQRT,         IR_OP_FLOOR,     IR_OP_CEIL, IR_OP_RECIPROCAL,
                              IR_OP_HARD_SIGMOID, IR_OP_HARD_SWISH};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    bool positive = ops[i] == IR_OP_SQRT || ops[i] == IR_OP_RECIPROCAL;
    run_float_unary(ops[i], positive ? 0.01f : -7.5f, 7.5f, PT_RTOL, PT_ATOL);
  }
}

/* Transcendentals come from the builder's own f32 polynomials (no libm): a few ulp, so
 * rtol 1e-4 holds; atol 1e-5 covers results near 0 (erf/tanh at tiny x, exp of -20). */
static void test_transcendental_unary(void **state) {
  (void)state;
  run_float_unary(IR_OP_EXP, -20.0f, 20.0f, PT_RTOL, PT_ATOL);
  run_float_unary(IR_OP_LOG, 1e-6f, 1e6f, PT_RTOL, PT_ATOL);
  run_float_unary(IR_OP_TANH, -9.0f, 9.0f, PT_RTOL, PT_ATOL);
  run_float_unary(IR_OP_SIGMOID, -30.0f, 30.0f, PT_RTOL, PT_ATOL);
  run_float_unary(IR_OP_ERF, -4.0f, 4.0f, PT_RTOL, PT_ATOL);
}

/* Floor/Ceil at the edges: -0.0, halves, values past 2^23, infinities, NaN. */
static void test_floor_ceil_edges(void **state) {
  (void)state;
  const float values[] = {-0.0f,      0.0f,  -0.5f,    0.5f,      -1.0f, 2.5f,   -2.5f,
                          8388609.0f, -3e9f, INFINITY, -INFINITY, NAN,   1e-30f, -1e-30f};
  const int64_t dims[1] = {14};
  for (int ceil_mode = 0; ceil_mode < 2; ceil_mode++) {
    ir_graph *graph = ir_graph_create("floor");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 1, dims);
    ir_node *node = pt_node(graph, ceil_mode ? IR_OP_CEIL : IR_OP_FLOOR, &x, 1, 1);
    pt_infer(graph, node);
    const void *inputs[1] = {values};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const float *y = outputs[0];
    for (int i = 0; i < 14; i++) {
      float want = ceil_mode ? ceilf(values[i]) : floorf(values[i]);
      if (isnan(want))
        assert_true(isnan(y[i]));
      else
        assert_memory_equal(&y[i], &want, sizeof(float)); /* bit-exact, sign of zero too */
    }
    free(outputs[0]);
    pt_check_ptx(graph, node);
    ir_graph_destroy(graph);
  }
}

/* f64 Floor/Ceil: values between 2^23 and 2^52 still have fraction bits in f64 (an f32
 * threshold would return them unchanged); past 2^52, and past i64's range, they are integral. */
static void test_floor_ceil_f64(void **state) {
  (void)state;
  const double values[] = {
      0x1p40 + 0.5, -0x1p33 + 0.25, 0x1p52 - 0.5, -0x1p52 + 0.5, 8388609.5, -8388609.5, 0x1p52 + 1,
      -0x1p53 - 2,  1e19,           -1e300,       -0.0,          0.0,       -0.5,       0.5,
      2.5,          -2.5,           1e-300,       -1e-300,       INFINITY,  -INFINITY,  NAN};
  const int64_t n = sizeof values / sizeof values[0];
  for (int ceil_mode = 0; ceil_mode < 2; ceil_mode++) {
    ir_graph *graph = ir_graph_create("floor_f64");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_F64, 1, &n);
    ir_node *node = pt_node(graph, ceil_mode ? IR_OP_CEIL : IR_OP_FLOOR, &x, 1, 1);
    pt_infer(graph, node);
    const void *inputs[1] = {values};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const double *y = outputs[0];
    for (int64_t i = 0; i < n; i++) {
      double want = ceil_mode ? ceil(values[i]) : floor(values[i]);
      if (isnan(want))
        assert_true(isnan(y[i]));
      else if (memcmp(&y[i], &want, sizeof want) != 0)
        fail_msg("%s of %.17g: got %.17g, want %.17g", ceil_mode ? "Ceil" : "Floor", values[i],
                 y[i], want);
    }
    free(outputs[0]);
    pt_check_ptx(graph, node);
    ir_graph_destroy(graph);
  }
}

/* f64 ops that are plain IEEE operations stay f64: checked against C in double on values
 * with all 53 mantissa bits (an f32 detour would be off by ~1e-8 relative). One-operation
 * ops must match bit for bit; HardSigmoid/HardSwish (a multiply, an add, clamps) within
 * 1e-15 relative, whatever C's contraction of the reference. */
static void test_exact_unary_f64(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_ABS,        IR_OP_NEG,          IR_OP_RELU,
                              IR_OP_LEAKY_RELU, IR_OP_SQRT,         IR_OP_RECIPROCAL,
                              IR_OP_FLOOR,      IR_OP_HARD_SIGMOID, IR_OP_HARD_SWISH};
  enum { N = 231 };
  const int64_t n = N;
  double values[N];
  uint64_t random = 12345;
  for (int i = 0; i < N; i++) {
    random = random * 6364136223846793005ull + 1442695040888963407ull;
    values[i] = -7.5 + 15.0 * (double)(random >> 11) * 0x1p-53;
  }
  values[0] = 1.0 + 0x1p-40, values[1] = 1e300, values[2] = 2.0;
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    ir_op op = ops[k];
    bool positive = op == IR_OP_SQRT || op == IR_OP_RECIPROCAL;
    ir_graph *graph = ir_graph_create("unary_f64");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_F64, 1, &n);
    ir_node *node = pt_node(graph, op, &x, 1, 1);
    set_unary_attributes(graph, node);
    pt_infer(graph, node);
    double input[N];
    for (int i = 0; i < N; i++)
      input[i] = positive ? fabs(values[i]) : values[i];
    const void *inputs[1] = {input};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const double *y = outputs[0];
    bool exact = op != IR_OP_HARD_SIGMOID && op != IR_OP_HARD_SWISH;
    for (int i = 0; i < N; i++) {
      double v = input[i], want;
      switch (op) {
      case IR_OP_LEAKY_RELU: /* the attribute is a float: alpha is exactly (double)0.2f */
        want = v < 0 ? v * (double)0.2f : v;
        break;
      case IR_OP_HARD_SIGMOID:
        want = fmax(0, fmin(1, v * (double)0.3f + (double)0.4f));
        break;
      case IR_OP_HARD_SWISH:
        want = v * fmax(0, fmin(1, v * (1.0 / 6.0) + 0.5));
        break;
      default:
        want = reference_unary(op, v);
      }
      bool ok = exact ? memcmp(&y[i], &want, sizeof want) == 0
                      : fabs(y[i] - want) <= 1e-15 * fabs(want) + 1e-300;
      if (!ok)
        fail_msg("f64 %s of %.17g: got %.17g, want %.17g", ir_op_name(op), v, y[i], want);
    }
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
}

/* Runs f64 Exp or Log on `n` values; returns the output (caller frees). */
static double *run_f64_math(ir_op op, const double *x, int64_t n) {
  ir_graph *graph = ir_graph_create("f64_math");
  ir_value *input = pt_input(graph, "x", IR_DTYPE_F64, 1, &n);
  ir_node *node = pt_node(graph, op, &input, 1, 1);
  const void *inputs[1] = {x};
  return pt_run_once(graph, node, inputs);
}

/* Within 2 ulps (relative 4.5e-16) of libm, or one subnormal step (results that underflow
 * are rounded once more), or equal (infinities, zeros); NaN for NaN. */
static void expect_libm(ir_op op, const double *x, const double *y, int n) {
  for (int i = 0; i < n; i++) {
    double want = op == IR_OP_EXP ? exp(x[i]) : log(x[i]);
    double error = fabs(y[i] - want);
    bool same = isnan(want) ? isnan(y[i])
                            : y[i] == want || error <= 4.5e-16 * fabs(want) || error <= 0x1p-1074;
    if (!same)
      fail_msg("f64 %s(%.17g) = %.17g, libm %.17g", ir_op_name(op), x[i], y[i], want);
  }
}

/* f64 Exp and Log are computed in f64: over their ranges and at the specials (0, negatives,
 * subnormals, overflow, underflow into the subnormals, inf, NaN). */
static void test_f64_exp_log(void **state) {
  (void)state;
  enum { N = 4000 };
  static double x[N];
  const double specials[] = {0, -0.0, 1, -1, 709.7, 709.8, -700, -744, 1e-300, INFINITY,
                             -INFINITY, NAN, 0.5, 4.9e-324, 2.2250738585072014e-308, 1e308, -3};
  const int count = sizeof specials / sizeof specials[0];
  for (int i = 0; i < N; i++)
    x[i] = -700 + 1409.0 * i / N + 1e-3 * (i % 7);
  memcpy(x, specials, sizeof specials);
  double *y = run_f64_math(IR_OP_EXP, x, N);
  expect_libm(IR_OP_EXP, x, y, N);
  free(y);
  y = run_f64_math(IR_OP_LOG, specials, count);
  expect_libm(IR_OP_LOG, specials, y, count);
  free(y);
  for (int i = 0; i < N; i++) /* positive magnitudes from 1e-300 to 1e300, and near 1 */
    x[i] = i % 2 ? pow(10, -300 + 600.0 * i / N) : 1 + (i - N / 2) * 1e-6;
  y = run_f64_math(IR_OP_LOG, x, N);
  expect_libm(IR_OP_LOG, x, y, N);
  free(y);
}

/* The builder's other transcendentals are f32: on f64 the lowering refuses (naming the node)
 * rather than silently computing in f32. */
static void test_f64_transcendentals_refused(void **state) {
  (void)state;
  static const ir_op ops[] = {IR_OP_TANH, IR_OP_ERF, IR_OP_SIGMOID};
  const int64_t dims[1] = {8};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    ir_graph *graph = ir_graph_create("f64_math");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_F64, 1, dims);
    ir_node *node = pt_node(graph, ops[k], &x, 1, 1);
    pt_infer(graph, node);
    char expected[128];
    snprintf(expected, sizeof expected, "(%s): f64 %s is unsupported: dlcc's math library is f32",
             ir_op_name(ops[k]), ir_op_name(ops[k]));
    pt_expect_lower_error(graph, node, expected);
    ir_graph_destroy(graph);
  }
}

static void test_integer_unary(void **state) {
  (void)state;
  const int32_t values[6] = {-5, 0, 7, -2147483647, 2147483647, -1};
  const int64_t dims[1] = {6};
  static const ir_op ops[] = {IR_OP_ABS, IR_OP_NEG, IR_OP_RELU};
  for (size_t k = 0; k < 3; k++) {
    ir_graph *graph = ir_graph_create("int_unary");
    ir_value *x = pt_input(graph, "x", IR_DTYPE_I32, 1, dims);
    ir_node *node = pt_node(graph, ops[k], &x, 1, 1);
    pt_infer(graph, node);
    const void *inputs[1] = {values};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const int32_t *y = outputs[0];
    for (int i = 0; i < 6; i++) {
      int32_t v = values[i];
      int32_t want = ops[k] == IR_OP_ABS   ? (v < 0 ? -v : v)
                     : ops[k] == IR_OP_NEG ? -v
                                           : (v < 0 ? 0 : v);
      assert_int_equal(y[i], want);
    }
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
}

static void test_not(void **state) {
  (void)state;
  const uint8_t values[5] = {0, 1, 1, 0, 1};
  const int64_t dims[1] = {5};
  ir_graph *graph = ir_graph_create("not");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_BOOL, 1, dims);
  ir_node *node = pt_node(graph, IR_OP_NOT, &x, 1, 1);
  pt_infer(graph, node);
  const void *inputs[1] = {values};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 5; i++)
    assert_int_equal(((uint8_t *)outputs[0])[i], !values[i]);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

/* Clip with constant bounds, only a max, a runtime min input, and on int32. */
static void test_clip(void **state) {
  (void)state;
  const int64_t dims[2] = {5, 61}, scalar_dims[1] = {1};
  size_t n = 305;
  float *input = pt_random_alloc(n, 7, -4, 4);
  input[3] = NAN;
  const float low = -1.5f, high = 2.0f;
  for (int variant = 0; variant < 3; variant++) {
    ir_graph *graph = ir_graph_create("clip");
    ir_value *inputs_v[3] = {pt_input(graph, "x", IR_DTYPE_F32, 2, dims), NULL, NULL};
    if (variant == 0)
      inputs_v[1] = pt_constant(graph, "min", IR_DTYPE_F32, 0, NULL, &low);
    if (variant == 2)
      inputs_v[1] = pt_input(graph, "min", IR_DTYPE_F32, 1, scalar_dims);
    if (variant != 2)
      inputs_v[2] = pt_constant(graph, "max", IR_DTYPE_F32, 0, NULL, &high);
    ir_node *node = pt_node(graph, IR_OP_CLIP, inputs_v, 3, 1);
    pt_infer(graph, node);
    float *expected = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
      float v = input[i];
      if (variant != 1 && v < low)
        v = low;
      if (variant != 2 && v > high)
        v = high;
      expected[i] = v;
    }
    const void *inputs[3] = {input, variant == 2 ? &low : NULL, NULL};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    pt_expect_close(outputs[0], expected, n, 0, 0);
    pt_check_ptx(graph, node);
    free(outputs[0]);
    free(expected);
    ir_graph_destroy(graph);
  }
  free(input);
}

static void test_clip_int32(void **state) {
  (void)state;
  const int32_t values[6] = {-100, -3, 0, 4, 9, 1000}, low = -3, high = 5;
  const int64_t dims[1] = {6};
  ir_graph *graph = ir_graph_create("clip_i32");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_I32, 1, dims),
                     pt_constant(graph, "min", IR_DTYPE_I32, 0, NULL, &low),
                     pt_constant(graph, "max", IR_DTYPE_I32, 0, NULL, &high)};
  ir_node *node = pt_node(graph, IR_OP_CLIP, in, 3, 1);
  pt_infer(graph, node);
  const void *inputs[3] = {values, NULL, NULL};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  const int32_t want[6] = {-3, -3, 0, 4, 5, 5};
  assert_memory_equal(outputs[0], want, sizeof(want));
  free(outputs[0]);
  pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
}

/* f32 → f16/bf16 must round to nearest even exactly like ir_f32_to_f16 (subnormals,
 * overflow to inf, NaN), and back again exactly. */
static void test_cast_half(void **state) {
  (void)state;
  enum { N = 4096 };
  float *values = pt_random_alloc(N, 11, -70000, 70000);
  for (int i = 0; i < 1024; i++) /* small magnitudes hit subnormal halves */
    values[i] = ldexpf(values[i] / 70000.0f, -(i % 40));
  const float edges[] = {0.0f,     -0.0f,      INFINITY,          -INFINITY, NAN,
                         65504.0f, 65520.0f,   65519.0f,          5.96e-8f,  2.98e-8f,
                         2.99e-8f, 6.1035e-5f, 1.0f + 1.0f / 2048};
  memcpy(values, edges, sizeof(edges));
  for (int half = 0; half < 2; half++) {
    ir_dtype dtype = half == 0 ? IR_DTYPE_F16 : IR_DTYPE_BF16;
    uint16_t *bits = pt_run_cast(IR_DTYPE_F32, dtype, -1, values, N, half == 0);
    for (int i = 0; i < N; i++) {
      uint16_t want = half == 0 ? ir_f32_to_f16(values[i]) : ir_f32_to_bf16(values[i]);
      if (isnan(values[i]))
        assert_true((bits[i] & 0x7fff) > (half == 0 ? 0x7c00 : 0x7f80));
      else if (bits[i] != want)
        fail_msg("%s of %.9g: got 0x%04x, want 0x%04x", ir_dtype_name(dtype), values[i], bits[i],
                 want);
    }
    float *back = pt_run_cast(dtype, IR_DTYPE_F32, -1, bits, N, half == 0);
    for (int i = 0; i < N; i++) {
      float want = half == 0 ? ir_f16_to_f32(bits[i]) : ir_bf16_to_f32(bits[i]);
      if (isnan(want))
        assert_true(isnan(back[i]));
      else
        assert_memory_equal(&back[i], &want, sizeof(float));
    }
    free(back);
    free(bits);
  }
  free(values);
}

static void test_cast_integers_and_bool(void **state) {
  (void)state;
  const float floats[6] = {-2.7f, -0.0f, 0.4f, 3.9f, 250.0f, NAN};
  int32_t *i32 = pt_run_cast(IR_DTYPE_F32, IR_DTYPE_I32, -1, floats, 5, true);
  const int32_t want_i32[5] = {-2, 0, 0, 3, 250}; /* truncation toward zero */
  assert_memory_equal(i32, want_i32, sizeof(want_i32));
  uint8_t *flags = pt_run_cast(IR_DTYPE_F32, IR_DTYPE_BOOL, -1, floats, 6, true);
  const uint8_t want_flags[6] = {1, 0, 1, 1, 1, 1}; /* NaN is true */
  assert_memory_equal(flags, want_flags, sizeof(want_flags));
  float *from_bool = pt_run_cast(IR_DTYPE_BOOL, IR_DTYPE_F32, -1, want_flags, 6, true);
  for (int i = 0; i < 6; i++)
    assert_true(from_bool[i] == (float)want_flags[i]);
  uint8_t *u8 = pt_run_cast(IR_DTYPE_F32, IR_DTYPE_U8, -1, floats + 2, 3, true);
  assert_int_equal(u8[0], 0), assert_int_equal(u8[1], 3), assert_int_equal(u8[2], 250);
  const int64_t wide[3] = {-5000000000LL, -1, 1LL << 40};
  float *from_i64 = pt_run_cast(IR_DTYPE_I64, IR_DTYPE_F32, -1, wide, 3, true);
  for (int i = 0; i < 3; i++)
    assert_true(from_i64[i] == (float)wide[i]);
  int64_t *widened = pt_run_cast(IR_DTYPE_I32, IR_DTYPE_I64, -1, want_i32, 5, true);
  for (int i = 0; i < 5; i++)
    assert_true(widened[i] == want_i32[i]);
  const uint8_t bytes[3] = {0, 200, 255};
  int32_t *from_u8 = pt_run_cast(IR_DTYPE_U8, IR_DTYPE_I32, -1, bytes, 3, true);
  assert_int_equal(from_u8[1], 200), assert_int_equal(from_u8[2], 255); /* zero-extended */
  const double doubles[4] = {1e-40, -3.5, 1e39, 0.1};
  float *narrowed = pt_run_cast(IR_DTYPE_F64, IR_DTYPE_F32, -1, doubles, 4, true);
  for (int i = 0; i < 4; i++) /* round to nearest; 1e39 overflows to inf */
    assert_true(narrowed[i] == (float)doubles[i]);
  const int16_t shorts[3] = {-32768, -1, 32767};
  uint16_t *as_unsigned = pt_run_cast(IR_DTYPE_I16, IR_DTYPE_U16, -1, shorts, 3, true);
  assert_int_equal(as_unsigned[0], 32768), assert_int_equal(as_unsigned[1], 65535);
  double *widened_float = pt_run_cast(IR_DTYPE_I16, IR_DTYPE_F64, -1, shorts, 3, true);
  assert_true(widened_float[0] == -32768.0 && widened_float[2] == 32767.0);
  free(i32), free(flags), free(from_bool), free(u8), free(from_i64), free(widened), free(from_u8);
  free(narrowed), free(as_unsigned), free(widened_float);
}

/* More elements than PW_MAX_GRID blocks of PW_BLOCK threads cover: the grid-stride loop
 * must visit the rest (the harness poisons outputs, so a skipped element shows). */
static void test_grid_stride_beyond_grid_cap(void **state) {
  (void)state;
  const int64_t n = (int64_t)PW_MAX_GRID * PW_BLOCK + 1001;
  ir_graph *graph = ir_graph_create("big");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 1, &n);
  ir_node *node = pt_node(graph, IR_OP_NEG, &x, 1, 1);
  pt_infer(graph, node);
  float *input = malloc((size_t)n * sizeof(float));
  assert_non_null(input);
  for (int64_t i = 0; i < n; i++)
    input[i] = (float)(i % 1000);
  const void *inputs[1] = {input};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  const float *y = outputs[0];
  for (int64_t i = 0; i < n; i++)
    if (y[i] != -(float)(i % 1000))
      fail_msg("element %lld: got %g", (long long)i, (double)y[i]);
  free(outputs[0]);
  free(input);
  pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
}

static void test_symbolic_shape_is_an_error(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("symbolic");
  int64_t dims[2] = {IR_DIM_SYMBOL(ir_graph_symbol(graph, "batch")), 4};
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 2, dims);
  ir_node *node = pt_node(graph, IR_OP_RELU, &x, 1, 1);
  pt_infer(graph, node);
  pt_expect_lower_error(graph, node, "static shape");
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_unary),
      cmocka_unit_test(test_transcendental_unary),
      cmocka_unit_test(test_floor_ceil_edges),
      cmocka_unit_test(test_floor_ceil_f64),
      cmocka_unit_test(test_exact_unary_f64),
      cmocka_unit_test(test_f64_exp_log),
      cmocka_unit_test(test_f64_transcendentals_refused),
      cmocka_unit_test(test_integer_unary),
      cmocka_unit_test(test_not),
      cmocka_unit_test(test_clip),
      cmocka_unit_test(test_clip_int32),
      cmocka_unit_test(test_cast_half),
      cmocka_unit_test(test_cast_integers_and_bool),
      cmocka_unit_test(test_grid_stride_beyond_grid_cap),
      cmocka_unit_test(test_symbolic_shape_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
