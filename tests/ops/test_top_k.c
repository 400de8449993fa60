/* TopK on the host twin against a C reference (a stable sort of each line): largest and
 * smallest, the last axis and an inner one, ties (lower index first), K up to the length, i32 and
 * u64 data (unsigned order); PTX through ptxas. Bit-exact. */
#include "pointwise_test.h"

/* Whether (a, ai) comes before (b, bi): by value, ties by index. */
static bool before(double a, int64_t ai, double b, int64_t bi, bool largest) {
  if (a != b)
    return largest ? a > b : a < b;
  return ai < bi;
}

static void run_top_k(ir_dtype dtype, int64_t outer, int64_t length, int64_t inner, int64_t k,
                      bool largest) {
  const int64_t dims[3] = {outer, length, inner}, one = 1;
  ir_graph *graph = ir_graph_create("top_k");
  ir_value *in[2] = {pt_input(graph, "x", dtype, 3, dims),
                     pt_constant(graph, "k", IR_DTYPE_I64, 1, &one, &k)};
  ir_node *node = pt_node(graph, IR_OP_TOP_K, in, 2, 2);
  ir_node_set_int(graph, node, "axis", inner > 1 ? 1 : -2); /* -2: a negative axis */
  ir_node_set_int(graph, node, "largest", largest);
  pt_infer(graph, node);
  int64_t n = outer * length * inner, out_count = outer * k * inner;
  int32_t *x32 = malloc((size_t)n * sizeof(int32_t));
  uint64_t *x64 = malloc((size_t)n * sizeof(uint64_t));
  for (int64_t e = 0; e < n; e++) { /* few distinct values: many ties */
    x32[e] = (int32_t)((e * 7919) % 11) - 5;
    x64[e] = (e * 7919) % 11 == 3 ? UINT64_MAX - 1 : (uint64_t)((e * 7919) % 11);
  }
  int64_t *expected_index = malloc((size_t)(out_count + 1) * sizeof(int64_t));
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      int64_t previous = -1;
      for (int64_t r = 0; r < k; r++) {
        int64_t best = -1;
        for (int64_t j = 0; j < length; j++) {
          int64_t e = (o * length + j) * inner + i, pe = (o * length + previous) * inner + i;
          double v = dtype == IR_DTYPE_I32 ? x32[e] : (double)x64[e];
          double pv = previous < 0 ? 0 : dtype == IR_DTYPE_I32 ? x32[pe] : (double)x64[pe];
          int64_t be = (o * length + best) * inner + i;
          double bv = best < 0 ? 0 : dtype == IR_DTYPE_I32 ? x32[be] : (double)x64[be];
          if ((previous < 0 || before(pv, previous, v, j, largest)) &&
              (best < 0 || before(v, j, bv, best, largest)))
            best = j;
        }
        expected_index[(o * k + r) * inner + i] = best;
        previous = best;
      }
    }
  const void *inputs[2] = {dtype == IR_DTYPE_I32 ? (void *)x32 : x64};
  void *outputs[2];
  pt_run(graph, node, inputs, outputs);
  const int64_t *indices = outputs[1];
  for (int64_t e = 0; e < out_count; e++) {
    int64_t o = e / (k * inner), i = e % inner;
    int64_t source = (o * length + expected_index[e]) * inner + i;
    assert_int_equal(indices[e], expected_index[e]);
    if (dtype == IR_DTYPE_I32)
      assert_int_equal(((int32_t *)outputs[0])[e], x32[source]);
    else
      assert_true(((uint64_t *)outputs[0])[e] == x64[source]);
  }
  pt_check_ptx(graph, node);
  free(outputs[0]), free(outputs[1]), free(x32), free(x64), free(expected_index);
  ir_graph_destroy(graph);
}

static void test_top_k(void **state) {
  (void)state;
  run_top_k(IR_DTYPE_I32, 3, 20, 1, 5, true);
  run_top_k(IR_DTYPE_I32, 3, 20, 1, 20, false); /* a full stable sort */
  run_top_k(IR_DTYPE_I32, 2, 9, 4, 3, true);    /* an inner axis */
  run_top_k(IR_DTYPE_U64, 2, 12, 1, 4, true);   /* values above 2^63 are the largest */
  run_top_k(IR_DTYPE_U64, 2, 12, 3, 2, false);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_top_k)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
