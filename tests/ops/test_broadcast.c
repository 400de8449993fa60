/* Broadcasting ops (arithmetic, PRelu, Pow, comparisons, Max/Min/Sum, Where) on the host twin
 * against a C reference with its own broadcast indexing; PTX checked with ptxas. */
#include <math.h>

#include "pointwise_test.h"

typedef struct shape {
  int rank;
  int64_t dims[4];
} shape;

/* Offset in an operand of `operand` shape for output index `linear` of `out` shape. */
static int64_t broadcast_offset(const shape *out, const shape *operand, int64_t linear) {
  int64_t offset = 0, stride = 1;
  for (int d = out->rank - 1; d >= 0; d--) {
    int64_t coordinate = linear % out->dims[d];
    linear /= out->dims[d];
    int source = d - (out->rank - operand->rank);
    if (source < 0)
      continue;
    if (operand->dims[source] != 1)
      offset += coordinate * stride;
    stride *= operand->dims[source];
  }
  return offset;
}

static shape output_shape(const ir_node *node) {
  shape s = {.rank = node->outputs[0]->type.rank};
  memcpy(s.dims, node->outputs[0]->type.dims, sizeof(int64_t) * (size_t)s.rank);
  return s;
}

static double reference_binary(ir_op op, double a, double b) {
  switch (op) {
  case IR_OP_ADD:
    return a + b;
  case IR_OP_SUB:
    return a - b;
  case IR_OP_MUL:
    return a * b;
  case IR_OP_DIV:
    return a / b;
  case IR_OP_POW:
    return pow(a, b);
  case IR_OP_PRELU:
    return a < 0 ? a * b : a;
  case IR_OP_EQUAL:
    return a == b;
  case IR_OP_GREATER:
    return a > b;
  case IR_OP_LESS:
    return a < b;
  default:
    return NAN;
  }
}

/* One f32 binary op on shapes a and b; comparisons are checked as bool bytes. */
static void run_binary(ir_op op, shape a, shape b) {
  ir_graph *graph = ir_graph_create("binary");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_F32, a.rank, a.dims),
                     pt_input(graph, "b", IR_DTYPE_F32, b.rank, b.dims)};
  ir_node *node = pt_node(graph, op, in, 2, 1);
  pt_infer(graph, node);
  shape out = output_shape(node);
  int64_t n = pt_count(out.rank, out.dims), na = pt_count(a.rank, a.dims),
          nb = pt_count(b.rank, b.dims);
  bool positive = op == IR_OP_POW || op == IR_OP_DIV;
  float *da = pt_random_alloc((size_t)na, 1, positive ? 0.5f : -3, 3);
  float *db = pt_random_alloc((size_t)nb, 2, positive ? 0.5f : -3, 3);
  if (op == IR_OP_EQUAL || op == IR_OP_GREATER || op == IR_OP_LESS)
    for (int64_t i = 0; i < nb; i += 3) /* some exact ties */
      db[i] = da[i % na];
  const void *inputs[2] = {da, db};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  bool compare = node->outputs[0]->type.dtype == IR_DTYPE_BOOL;
  float *expected = malloc((size_t)n * sizeof(float)), *actual = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++) {
    expected[i] = (float)reference_binary(op, da[broadcast_offset(&out, &a, i)],
                                          db[broadcast_offset(&out, &b, i)]);
    actual[i] = compare ? (float)((uint8_t *)outputs[0])[i] : ((float *)outputs[0])[i];
  }
  print_message("%s a rank %d b rank %d: %lld elements\n", ir_op_name(op), a.rank, b.rank,
                (long long)n);
  /* Pow goes through exp2/log2 polynomials: a few ulp of the result (rtol 1e-4 holds). */
  pt_expect_close(actual, expected, (size_t)n, compare ? 0 : PT_RTOL, compare ? 0 : PT_ATOL);
  pt_check_ptx(graph, node);
  free(expected), free(actual), free(outputs[0]), free(da), free(db);
  ir_graph_destroy(graph);
}

static void test_arithmetic_broadcasting(void **state) {
  (void)state;
  const shape s2345 = {4, {2, 3, 4, 5}}, s5 = {1, {5}}, scalar = {0, {0}}, s1 = {1, {1}};
  const shape s2141 = {4, {2, 1, 4, 1}}, s315 = {3, {3, 1, 5}}, s3x1 = {2, {3, 1}};
  const shape s1x300 = {2, {1, 300}}, s7x300 = {2, {7, 300}};
  run_binary(IR_OP_ADD, s2345, s2345); /* same shape: one linear index */
  run_binary(IR_OP_ADD, s2345, s5);    /* trailing vector */
  run_binary(IR_OP_SUB, scalar, s2345);
  run_binary(IR_OP_MUL, s2141, s315); /* both sides broadcast */
  run_binary(IR_OP_DIV, s7x300, s1x300);
  run_binary(IR_OP_DIV, s7x300, s1);
  run_binary(IR_OP_MUL, s3x1, s1x300); /* outer product */
  run_binary(IR_OP_POW, s2345, s5);
  run_binary(IR_OP_PRELU, s2345, s5); /* a slope per channel of the last axis */
}

/* Negative bases with integral exponents (Pow(x - mean, 2) in decomposed LayerNorms), a
 * constant exponent of another dtype (i32). */
static void test_pow_negative_base(void **state) {
  (void)state;
  const int64_t dims[2] = {4, 8}, row[1] = {8};
  const float exponents_f[8] = {2, 3, 1, 0, -1, 2, 3, 0.5f};
  const int32_t exponents_i[8] = {2, 3, 1, 0, -1, 2, 3, 4};
  for (int integral = 0; integral < 2; integral++) {
    ir_graph *graph = ir_graph_create("pow");
    ir_value *in[2] = {
        pt_input(graph, "x", IR_DTYPE_F32, 2, dims),
        pt_constant(graph, "y", integral ? IR_DTYPE_I32 : IR_DTYPE_F32, 1, row,
                    integral ? (const void *)exponents_i : (const void *)exponents_f)};
    ir_node *node = pt_node(graph, IR_OP_POW, in, 2, 1);
    pt_infer(graph, node);
    float *x = pt_random_alloc(32, 9, -3, 3), expected[32];
    for (int i = 0; i < 32; i++)
      expected[i] =
          (float)pow(x[i], integral ? (double)exponents_i[i % 8] : (double)exponents_f[i % 8]);
    const void *inputs[2] = {x, NULL};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    pt_expect_close(outputs[0], expected, 32, PT_RTOL, PT_ATOL); /* NaN for x<0, y=0.5 too */
    pt_check_ptx(graph, node);
    free(outputs[0]), free(x);
    ir_graph_destroy(graph);
  }
}

/* Runs Pow elementwise on `n` bases and exponents of the given dtypes; returns the output. */
static void *run_pow(ir_dtype base, ir_dtype exponent, const void *x, const void *y, int64_t n) {
  ir_graph *graph = ir_graph_create("pow_int");
  ir_value *in[2] = {pt_input(graph, "x", base, 1, &n), pt_input(graph, "y", exponent, 1, &n)};
  ir_node *node = pt_node(graph, IR_OP_POW, in, 2, 1);
  pt_infer(graph, node);
  const void *inputs[2] = {x, y};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
  return outputs[0];
}

/* x^e with wrapping 64-bit arithmetic (truncated to the base's type by the caller); negative
 * e: 1 for x = 1, +-1 for x = -1, else 0. */
static int64_t reference_integer_pow(int64_t x, int64_t e) {
  if (e < 0)
    return x == 1 ? 1 : x == -1 ? (e % 2 ? -1 : 1) : 0;
  uint64_t result = 1;
  for (int64_t k = 0; k < e; k++)
    result *= (uint64_t)x;
  return (int64_t)result;
}

/* Integer ^ integer is exact in the base's type (results beyond 2^24 and 2^53 included,
 * wrapping past the type), whatever the exponent's integer type. */
static void test_pow_integer(void **state) {
  (void)state;
  enum { N = 16 };
  const int64_t x64[N] = {3, 7, -3, 2, 0, 5, 0, 1, -1, -1, 2, 0, -2, 3, 10, -5};
  const int64_t e64[N] = {20, 22, 21, 62, 0, 0, 3, -5, -3, -4, -1, -1, 63, 40, 18, 27};
  int64_t *y64 = run_pow(IR_DTYPE_I64, IR_DTYPE_I64, x64, e64, N);
  int32_t x32[N], e32[N];
  for (int i = 0; i < N; i++) {
    if (y64[i] != reference_integer_pow(x64[i], e64[i]))
      fail_msg("i64 %lld^%lld: got %lld", (long long)x64[i], (long long)e64[i], (long long)y64[i]);
    x32[i] = (int32_t)x64[i], e32[i] = (int32_t)e64[i];
  }
  int32_t *y32 = run_pow(IR_DTYPE_I32, IR_DTYPE_I32, x32, e32, N);
  for (int i = 0; i < N; i++) /* 3^20 wraps to -808182895 */
    assert_int_equal(y32[i], (int32_t)reference_integer_pow(x32[i], e32[i]));
  const uint8_t x8[6] = {3, 2, 255, 1, 255, 0}; /* u8 base, i32 exponent: 255 is not -1 */
  const int32_t e8[6] = {5, 8, -1, -3, 2, 0};
  uint8_t *y8 = run_pow(IR_DTYPE_U8, IR_DTYPE_I32, x8, e8, 6);
  const uint8_t want8[6] = {243, 0, 0, 1, 1, 1};
  assert_memory_equal(y8, want8, sizeof want8);
  free(y64), free(y32), free(y8);
}

/* An integer base with a float exponent goes through the f32 pow and truncates toward 0. */
static void test_pow_integer_base_float_exponent(void **state) {
  (void)state;
  const int32_t x[4] = {2, 3, -2, 10};
  const float e[4] = {10, 2.5f, 3, 0.5f};
  int32_t *y = run_pow(IR_DTYPE_I32, IR_DTYPE_F32, x, e, 4);
  const int32_t want[4] = {1024, 15, -8, 3};
  assert_memory_equal(y, want, sizeof want);
  free(y);
}

/* The builder's pow is f32: an f64 base is refused rather than silently computed in f32. */
static void test_pow_f64_refused(void **state) {
  (void)state;
  const int64_t dims[1] = {4};
  ir_graph *graph = ir_graph_create("pow_f64");
  ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_F64, 1, dims),
                     pt_input(graph, "y", IR_DTYPE_F64, 1, dims)};
  ir_node *node = pt_node(graph, IR_OP_POW, in, 2, 1);
  pt_infer(graph, node);
  pt_expect_lower_error(graph, node, "(Pow): f64 Pow is unsupported: dlcc's math library is f32");
  ir_graph_destroy(graph);
}

/* f64 Add/Sub/Mul/Div stay f64: bit-exact against C in double on broadcast shapes. */
static void test_f64_arithmetic(void **state) {
  (void)state;
  const int64_t dims[2] = {3, 8}, row[1] = {8};
  double a[24], b[8];
  for (int i = 0; i < 24; i++)
    a[i] = 1.0 / 3 + (double)i * 0x1p-40 - (i % 5) * 7.25;
  for (int i = 0; i < 8; i++)
    b[i] = 0.1 * (double)(i + 1) - 0.45 + 0x1p-45;
  static const ir_op ops[4] = {IR_OP_ADD, IR_OP_SUB, IR_OP_MUL, IR_OP_DIV};
  for (int o = 0; o < 4; o++) {
    ir_graph *graph = ir_graph_create("f64");
    ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_F64, 2, dims),
                       pt_input(graph, "b", IR_DTYPE_F64, 1, row)};
    ir_node *node = pt_node(graph, ops[o], in, 2, 1);
    pt_infer(graph, node);
    const void *inputs[2] = {a, b};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    const double *y = outputs[0];
    for (int i = 0; i < 24; i++) {
      double want = reference_binary(ops[o], a[i], b[i % 8]);
      if (memcmp(&y[i], &want, sizeof want) != 0)
        fail_msg("f64 %s element %d: got %.17g, want %.17g", ir_op_name(ops[o]), i, y[i], want);
    }
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
}

static void test_comparisons(void **state) {
  (void)state;
  const shape s = {2, {9, 33}}, row = {2, {1, 33}}, column = {2, {9, 1}};
  run_binary(IR_OP_EQUAL, s, row);
  run_binary(IR_OP_GREATER, column, s);
  run_binary(IR_OP_LESS, s, s);
}

/* Large enough that the grid-stride loop and the grid cap are both exercised is too slow
 * on the host twin; 300k elements gives a grid of 1172 blocks with a partial last block. */
static void test_many_blocks(void **state) {
  (void)state;
  const shape big = {2, {1000, 300}}, row = {1, {300}};
  run_binary(IR_OP_ADD, big, row);
}

static void test_integer_arithmetic(void **state) {
  (void)state;
  const int64_t dims[1] = {6};
  const int64_t a64[6] = {1LL << 40, -7, 7, 0, 9, -9}, b64[6] = {3, 2, -2, 5, 0, -1};
  const int32_t a32[6] = {-7, 7, -2147483647 - 1, 10, 0, 5}, b32[6] = {2, -2, -1, 0, 3, 5};
  for (int op = 0; op < 4; op++) {
    ir_op ops[4] = {IR_OP_ADD, IR_OP_MUL, IR_OP_SUB, IR_OP_DIV};
    ir_graph *graph = ir_graph_create("int");
    ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_I64, 1, dims),
                       pt_input(graph, "b", IR_DTYPE_I64, 1, dims)};
    ir_node *node = pt_node(graph, ops[op], in, 2, 1);
    pt_infer(graph, node);
    const void *inputs[2] = {a64, b64};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    for (int i = 0; i < 6; i++) {
      int64_t want = ops[op] == IR_OP_ADD   ? a64[i] + b64[i]
                     : ops[op] == IR_OP_MUL ? a64[i] * b64[i]
                     : ops[op] == IR_OP_SUB ? a64[i] - b64[i]
                     : b64[i] == 0          ? 0
                                            : a64[i] / b64[i];
      assert_true(((int64_t *)outputs[0])[i] == want);
    }
    free(outputs[0]);
    pt_check_ptx(graph, node);
    ir_graph_destroy(graph);
  }
  /* i32 division truncates toward zero and never traps (x/0 → 0, INT_MIN/-1 wraps). */
  ir_graph *graph = ir_graph_create("div32");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_I32, 1, dims),
                     pt_input(graph, "b", IR_DTYPE_I32, 1, dims)};
  ir_node *node = pt_node(graph, IR_OP_DIV, in, 2, 1);
  pt_infer(graph, node);
  const void *inputs[2] = {a32, b32};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  const int32_t want[6] = {-3, -3, -2147483647 - 1, 0, 0, 1};
  assert_memory_equal(outputs[0], want, sizeof(want));
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

static void test_half_add(void **state) {
  (void)state;
  const int64_t dims[2] = {4, 48}, row[1] = {48}; /* 4 halves a thread (8-byte accesses) */
  ir_graph *graph = ir_graph_create("f16");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_F16, 2, dims),
                     pt_input(graph, "b", IR_DTYPE_F16, 1, row)};
  ir_node *node = pt_node(graph, IR_OP_ADD, in, 2, 1);
  pt_infer(graph, node);
  static const int both[2] = {0, 1};
  assert_true(pw_map_is_vectorized(node, both, NULL, 2));
  float *fa = pt_random_alloc(192, 3, -10, 10), *fb = pt_random_alloc(48, 4, -10, 10);
  uint16_t ha[192], hb[48];
  for (int i = 0; i < 192; i++)
    ha[i] = ir_f32_to_f16(fa[i]);
  for (int i = 0; i < 48; i++)
    hb[i] = ir_f32_to_f16(fb[i]);
  const void *inputs[2] = {ha, hb};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 192; i++) { /* f32 sum rounded once to f16: exact */
    uint16_t want = ir_f32_to_f16(ir_f16_to_f32(ha[i]) + ir_f16_to_f32(hb[i % 48]));
    assert_int_equal(((uint16_t *)outputs[0])[i], want);
  }
  pt_check_ptx(graph, node);
  free(outputs[0]), free(fa), free(fb);
  ir_graph_destroy(graph);
}

static void test_variadic(void **state) {
  (void)state;
  const shape shapes[3] = {{2, {4, 1}}, {1, {37}}, {2, {4, 37}}}, out = {2, {4, 37}};
  static const ir_op ops[4] = {IR_OP_MAX, IR_OP_MIN, IR_OP_SUM, IR_OP_MEAN};
  float *data[3];
  for (int k = 0; k < 3; k++)
    data[k] = pt_random_alloc((size_t)pt_count(shapes[k].rank, shapes[k].dims), 10 + k, -5, 5);
  data[2][5] = NAN; /* Max/Min propagate NaN like numpy */
  for (int o = 0; o < 4; o++) {
    ir_graph *graph = ir_graph_create("variadic");
    ir_value *in[3];
    for (int k = 0; k < 3; k++)
      in[k] = pt_input(graph,
                       k == 0   ? "a"
                       : k == 1 ? "b"
                                : "c",
                       IR_DTYPE_F32, shapes[k].rank, shapes[k].dims);
    ir_node *node = pt_node(graph, ops[o], in, 3, 1);
    pt_infer(graph, node);
    const void *inputs[3] = {data[0], data[1], data[2]};
    void *outputs[1];
    pt_run(graph, node, inputs, outputs);
    float expected[148];
    for (int64_t i = 0; i < 148; i++) {
      double r = data[0][broadcast_offset(&out, &shapes[0], i)];
      for (int k = 1; k < 3; k++) {
        double v = data[k][broadcast_offset(&out, &shapes[k], i)];
        r = ops[o] == IR_OP_SUM || ops[o] == IR_OP_MEAN ? r + v
            : isnan(r) || isnan(v)                      ? NAN
            : ops[o] == IR_OP_MAX  ? fmax(r, v)
                                   : fmin(r, v);
      }
      expected[i] = (float)(ops[o] == IR_OP_MEAN ? r / 3 : r);
    }
    pt_expect_close(outputs[0], expected, 148, PT_RTOL, PT_ATOL);
    pt_check_ptx(graph, node);
    free(outputs[0]);
    ir_graph_destroy(graph);
  }
  for (int k = 0; k < 3; k++)
    free(data[k]);
}

static void run_where(shape cs, shape xs, shape ys, shape out);

static void test_where(void **state) {
  (void)state;
  const shape cs = {2, {5, 1}}, xs = {1, {40}}, ys = {0, {0}}, out = {2, {5, 40}};
  run_where(cs, xs, ys, out); /* column condition: splat per group of 4 */
  const shape cs2 = {2, {5, 40}}, ys2 = {2, {1, 40}};
  run_where(cs2, xs, ys2, out); /* bool condition read 4 bytes at a time */
  const shape cs3 = {1, {3}}, xs3 = {2, {5, 3}}, out3 = {2, {5, 3}};
  run_where(cs3, xs3, ys, out3); /* scalar path */
}

static void run_where(shape cs, shape xs, shape ys, shape out) {
  int64_t nc = pt_count(cs.rank, cs.dims), nx = pt_count(xs.rank, xs.dims),
          ny = pt_count(ys.rank, ys.dims);
  int64_t n = pt_count(out.rank, out.dims);
  ir_graph *graph = ir_graph_create("where");
  ir_value *in[3] = {pt_input(graph, "c", IR_DTYPE_BOOL, cs.rank, cs.dims),
                     pt_input(graph, "x", IR_DTYPE_F32, xs.rank, xs.dims),
                     pt_input(graph, "y", IR_DTYPE_F32, ys.rank, ys.dims)};
  ir_node *node = pt_node(graph, IR_OP_WHERE, in, 3, 1);
  pt_infer(graph, node);
  uint8_t *condition = malloc((size_t)nc);
  for (int64_t i = 0; i < nc; i++)
    condition[i] = (uint8_t)((i * 7 + i / 3) % 3 == 0);
  float *x = pt_random_alloc((size_t)nx, 5, -1, 1), *y = pt_random_alloc((size_t)ny, 6, 10, 11);
  const void *inputs[3] = {condition, x, y};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  float *expected = malloc((size_t)n * sizeof(float));
  for (int64_t i = 0; i < n; i++)
    expected[i] = condition[broadcast_offset(&out, &cs, i)] ? x[broadcast_offset(&out, &xs, i)]
                                                            : y[broadcast_offset(&out, &ys, i)];
  pt_expect_close(outputs[0], expected, (size_t)n, 0, 0);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(y), free(condition), free(expected);
  ir_graph_destroy(graph);
}

/* Which shapes get 4 elements a thread: every operand contiguous (or constant) across
 * aligned groups of 4 outputs. Both paths are run by the tests above. */
static bool vectorized(shape a, shape b) {
  ir_graph *graph = ir_graph_create("vector");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_F32, a.rank, a.dims),
                     pt_input(graph, "b", IR_DTYPE_F32, b.rank, b.dims)};
  ir_node *node = pt_node(graph, IR_OP_ADD, in, 2, 1);
  pt_infer(graph, node);
  static const int both[2] = {0, 1};
  bool result = pw_map_is_vectorized(node, both, NULL, 2);
  ir_graph_destroy(graph);
  return result;
}

static void test_vector_path_choice(void **state) {
  (void)state;
  const shape s2345 = {4, {2, 3, 4, 5}}, s5 = {1, {5}}, scalar = {0, {0}};
  const shape s7x300 = {2, {7, 300}}, s1x300 = {2, {1, 300}}, s3x1 = {2, {3, 1}}, s6 = {1, {6}};
  const shape s3x300 = {2, {3, 300}}, s3x1x300 = {3, {3, 1, 300}};
  assert_true(vectorized(s2345, s2345));     /* collapses to one run of 120 */
  assert_true(vectorized(scalar, s2345));    /* a splat */
  assert_true(vectorized(s7x300, s1x300));   /* rows of 300 */
  assert_false(vectorized(s2345, s5));       /* rows of 5 straddle groups of 4 */
  assert_true(vectorized(s3x1, s1x300));     /* column operand: one value per group */
  assert_true(vectorized(s3x300, s3x1x300)); /* both sides broadcast, rows of 300 */
  assert_false(vectorized(s6, s6));          /* 6 is not a multiple of 4 */
}

static void test_int64_vectorized(void **state) {
  (void)state;
  const int64_t dims[1] = {8};
  const int64_t a[8] = {1LL << 40, -7, 7, 0, 9, -9, 3, 4},
                b[8] = {3, 2, -2, 5, 0, -1, 1LL << 41, 6};
  ir_graph *graph = ir_graph_create("i64");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_I64, 1, dims),
                     pt_input(graph, "b", IR_DTYPE_I64, 1, dims)};
  ir_node *node = pt_node(graph, IR_OP_MUL, in, 2, 1);
  pt_infer(graph, node);
  const void *inputs[2] = {a, b};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 8; i++)
    assert_true(((int64_t *)outputs[0])[i] == a[i] * b[i]);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arithmetic_broadcasting),
      cmocka_unit_test(test_pow_negative_base),
      cmocka_unit_test(test_pow_integer),
      cmocka_unit_test(test_pow_integer_base_float_exponent),
      cmocka_unit_test(test_pow_f64_refused),
      cmocka_unit_test(test_f64_arithmetic),
      cmocka_unit_test(test_comparisons),
      cmocka_unit_test(test_many_blocks),
      cmocka_unit_test(test_integer_arithmetic),
      cmocka_unit_test(test_half_add),
      cmocka_unit_test(test_variadic),
      cmocka_unit_test(test_where),
      cmocka_unit_test(test_vector_path_choice),
      cmocka_unit_test(test_int64_vectorized),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
