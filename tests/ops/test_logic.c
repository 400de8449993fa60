/* Logic, bit and remainder ops (And/Or/Xor, Bitwise*, BitShift, Mod, GreaterOrEqual,
 * LessOrEqual) on the host twin against C references, bit-exact; PTX checked with ptxas. */
#include <math.h>

#include "pointwise_test.h"

/* Runs `op` on two length-n vectors of `dtype` (or a [n] and a [1] operand when b_count is 1);
 * returns the output (caller frees). */
static void *run_pair(ir_op op, ir_dtype dtype, const void *a, const void *b, int64_t n,
                      int64_t b_count, const char *string_attribute, const char *value,
                      int64_t fmod) {
  ir_graph *graph = ir_graph_create("logic");
  ir_value *in[2] = {pt_input(graph, "a", dtype, 1, &n), pt_input(graph, "b", dtype, 1, &b_count)};
  ir_node *node = pt_node(graph, op, in, 2, 1);
  if (string_attribute)
    ir_node_set_string(graph, node, string_attribute, value);
  if (fmod)
    ir_node_set_int(graph, node, "fmod", fmod);
  const void *inputs[2] = {a, b};
  return pt_run_once(graph, node, inputs);
}

/* And, Or, Xor over every pair of bools, one operand broadcast too. */
static void test_bool_logic(void **state) {
  (void)state;
  const uint8_t a[4] = {0, 0, 1, 1}, b[4] = {0, 1, 0, 1}, one = 1;
  const ir_op ops[3] = {IR_OP_AND, IR_OP_OR, IR_OP_XOR};
  const uint8_t want[3][4] = {{0, 0, 0, 1}, {0, 1, 1, 1}, {0, 1, 1, 0}};
  for (int k = 0; k < 3; k++) {
    uint8_t *y = run_pair(ops[k], IR_DTYPE_BOOL, a, b, 4, 4, NULL, NULL, 0);
    assert_memory_equal(y, want[k], 4);
    free(y);
    y = run_pair(ops[k], IR_DTYPE_BOOL, a, &one, 4, 1, NULL, NULL, 0);
    for (int i = 0; i < 4; i++)
      assert_int_equal(y[i], want[k][2 + a[i]]);
    free(y);
  }
}

static void test_bitwise(void **state) {
  (void)state;
  const int16_t a[5] = {0x1234, -1, 0, -32768, 0x00ff}, b[5] = {0x0ff0, 0x5555, -1, 1, 0x7f00};
  const ir_op ops[3] = {IR_OP_BITWISE_AND, IR_OP_BITWISE_OR, IR_OP_BITWISE_XOR};
  for (int k = 0; k < 3; k++) {
    int16_t *y = run_pair(ops[k], IR_DTYPE_I16, a, b, 5, 5, NULL, NULL, 0);
    for (int i = 0; i < 5; i++)
      assert_int_equal(y[i], (int16_t)(k == 0 ? a[i] & b[i] : k == 1 ? a[i] | b[i] : a[i] ^ b[i]));
    free(y);
  }
  const uint64_t wide[3] = {0xffffffff00000000ull, 1, 0x8000000000000001ull};
  int64_t n = 3;
  ir_graph *graph = ir_graph_create("bitwise_not");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_U64, 1, &n);
  ir_node *node = pt_node(graph, IR_OP_BITWISE_NOT, &x, 1, 1);
  pt_infer(graph, node);
  const void *inputs[1] = {wide};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int i = 0; i < 3; i++)
    assert_true(((uint64_t *)outputs[0])[i] == ~wide[i]);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

/* Shifts by 0, within the width and by the width or more (0, as numpy gives). */
static void test_bit_shift(void **state) {
  (void)state;
  const uint8_t a[5] = {1, 0x81, 0xff, 7, 200}, b[5] = {0, 1, 7, 8, 200};
  uint8_t *left = run_pair(IR_OP_BIT_SHIFT, IR_DTYPE_U8, a, b, 5, 5, "direction", "LEFT", 0);
  uint8_t *right = run_pair(IR_OP_BIT_SHIFT, IR_DTYPE_U8, a, b, 5, 5, "direction", "RIGHT", 0);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(left[i], b[i] < 8 ? (uint8_t)(a[i] << b[i]) : 0);
    assert_int_equal(right[i], b[i] < 8 ? (uint8_t)(a[i] >> b[i]) : 0);
  }
  free(left), free(right);
  const uint64_t a64[3] = {1, 0x8000000000000000ull, 5}, b64[3] = {63, 63, 64};
  uint64_t *y = run_pair(IR_OP_BIT_SHIFT, IR_DTYPE_U64, a64, b64, 3, 3, "direction", "LEFT", 0);
  assert_true(y[0] == 0x8000000000000000ull && y[1] == 0 && y[2] == 0);
  free(y);
}

/* Python's floored remainder and C's truncated one, by 0 and -1 included (0, never a trap). */
static void test_integer_mod(void **state) {
  (void)state;
  enum { N = 9 };
  const int32_t a[N] = {7, -7, 7, -7, 0, 5, INT32_MIN, INT32_MIN, 6};
  const int32_t b[N] = {3, 3, -3, -3, 4, 0, -1, 7, 3};
  for (int fmod = 0; fmod < 2; fmod++) {
    int32_t *y = run_pair(IR_OP_MOD, IR_DTYPE_I32, a, b, N, N, NULL, NULL, fmod);
    for (int i = 0; i < N; i++) {
      int64_t want = 0;
      if (b[i] != 0 && b[i] != -1) {
        want = (int64_t)a[i] % b[i];
        if (!fmod && want != 0 && (want < 0) != (b[i] < 0))
          want += b[i];
      }
      if (y[i] != want)
        fail_msg("fmod=%d: %d mod %d gave %d, expected %lld", fmod, a[i], b[i], y[i],
                 (long long)want);
    }
    free(y);
  }
  const uint8_t ua[3] = {250, 7, 9}, ub[3] = {7, 0, 255};
  uint8_t *uy = run_pair(IR_OP_MOD, IR_DTYPE_U8, ua, ub, 3, 3, NULL, NULL, 0);
  assert_true(uy[0] == 250 % 7 && uy[1] == 0 && uy[2] == 9);
  free(uy);
}

/* fmod bit-exact against C's fmodf, quotients up to 2^28 and the special values. */
static void test_float_mod(void **state) {
  (void)state;
  enum { N = 14 };
  const float a[N] = {-4.3f, 7.2f, 5.0f,     4.3f, -7.2f, 8.0f, 1e8f,
                      -3.0f, 1.0f, INFINITY, 2.5f, -0.0f, 0.1f, 33554431.0f};
  const float b[N] = {2.1f, -3.4f,    8.0f, -2.1f, 3.4f, 5.0f,  0.3f,
                      3.0f, INFINITY, 2.0f, 0.0f,  1.0f, 1e-7f, 0.125f};
  float *y = run_pair(IR_OP_MOD, IR_DTYPE_F32, a, b, N, N, NULL, NULL, 1);
  for (int i = 0; i < N; i++) {
    float want = fmodf(a[i], b[i]);
    if (isnan(want) ? !isnan(y[i]) : memcmp(&want, &y[i], sizeof want) != 0)
      fail_msg("fmod(%.9g, %.9g) gave %.9g, expected %.9g", (double)a[i], (double)b[i],
               (double)y[i], (double)want);
  }
  free(y);
  const double da[3] = {-4.3, 7.2, 1e10}, db[3] = {2.1, -3.4, 3.7};
  double *dy = run_pair(IR_OP_MOD, IR_DTYPE_F64, da, db, 3, 3, NULL, NULL, 1);
  for (int i = 0; i < 3; i++)
    assert_true(fabs(dy[i] - fmod(da[i], db[i])) <= 1e-15 * fabs(da[i]));
  free(dy);
}

/* Float Mod without fmod=1 is refused by inference, naming the node. */
static void test_float_mod_needs_fmod(void **state) {
  (void)state;
  int64_t n = 2;
  ir_graph *graph = ir_graph_create("mod");
  ir_value *in[2] = {pt_input(graph, "a", IR_DTYPE_F32, 1, &n),
                     pt_input(graph, "b", IR_DTYPE_F32, 1, &n)};
  ir_node *node = pt_node(graph, IR_OP_MOD, in, 2, 1);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(graph, node, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "Mod on floats needs fmod=1"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* >= and <= on floats (NaN false), signed and unsigned integers (255 is not -1). */
static void test_or_equal_comparisons(void **state) {
  (void)state;
  const float fa[4] = {1, 2, NAN, -0.0f}, fb[4] = {1, 1, 1, 0.0f};
  uint8_t *ge = run_pair(IR_OP_GREATER_OR_EQUAL, IR_DTYPE_F32, fa, fb, 4, 4, NULL, NULL, 0);
  uint8_t *le = run_pair(IR_OP_LESS_OR_EQUAL, IR_DTYPE_F32, fa, fb, 4, 4, NULL, NULL, 0);
  const uint8_t want_ge[4] = {1, 1, 0, 1}, want_le[4] = {1, 0, 0, 1};
  assert_memory_equal(ge, want_ge, 4);
  assert_memory_equal(le, want_le, 4);
  free(ge), free(le);
  const uint8_t ua[3] = {255, 0, 7}, ub[3] = {1, 0, 8};
  ge = run_pair(IR_OP_GREATER_OR_EQUAL, IR_DTYPE_U8, ua, ub, 3, 3, NULL, NULL, 0);
  const uint8_t want_u[3] = {1, 1, 0};
  assert_memory_equal(ge, want_u, 3);
  free(ge);
  const int8_t sa[3] = {-1, 0, 7}, sb[3] = {1, 0, 8};
  le = run_pair(IR_OP_LESS_OR_EQUAL, IR_DTYPE_I8, sa, sb, 3, 3, NULL, NULL, 0);
  const uint8_t want_s[3] = {1, 1, 1};
  assert_memory_equal(le, want_s, 3);
  free(le);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bool_logic),
      cmocka_unit_test(test_bitwise),
      cmocka_unit_test(test_bit_shift),
      cmocka_unit_test(test_integer_mod),
      cmocka_unit_test(test_float_mod),
      cmocka_unit_test(test_float_mod_needs_fmod),
      cmocka_unit_test(test_or_equal_comparisons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
