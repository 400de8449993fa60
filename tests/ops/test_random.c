/* RandomUniformLike on the host twin: draws inside [low, high), uniform (a chi-square test
 * over 16 bins and the mean), deterministic for a node, different for another seed; f64 and
 * f16 outputs; the counter input (fresh draws per counter value, the same for one value);
 * bad counters refused by inference; PTX through ptxas. */
#include "dense_test_util.h"

#include <math.h>
#include <string.h>

enum { N = 65536, BINS = 16 };

/* The draws of a RandomUniformLike over an f32 [N] input, of `dtype`, with `seed` (NAN: none). */
static void *draw(ir_dtype dtype, float seed, float low, float high) {
  int64_t dims[1] = {N};
  ir_graph *graph = ir_graph_create("random");
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims));
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_RANDOM_UNIFORM_LIKE, "u", &x, 1, NULL, 1);
  ir_node_set_dtype(graph, node, "dtype", dtype);
  ir_node_set_float(graph, node, "low", low);
  ir_node_set_float(graph, node, "high", high);
  if (!isnan(seed))
    ir_node_set_float(graph, node, "seed", seed);
  dense_infer(graph, node);
  float *input = calloc(N, sizeof *input);
  const void *inputs[1] = {input};
  void *outputs[1] = {NULL};
  dense_run(graph, node, inputs, outputs, NULL);
  dense_check_ptx(graph, node);
  free(input);
  ir_graph_destroy(graph);
  return outputs[0];
}

static void test_uniform_f32(void **state) {
  (void)state;
  float *u = draw(IR_DTYPE_F32, NAN, -2.0f, 6.0f);
  int counts[BINS] = {0};
  double sum = 0;
  for (int i = 0; i < N; i++) {
    assert_true(u[i] >= -2.0f && u[i] < 6.0f);
    counts[(int)((u[i] + 2.0f) / 8.0f * BINS)]++;
    sum += u[i];
  }
  double chi2 = 0, expected = (double)N / BINS;
  for (int b = 0; b < BINS; b++)
    chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
  assert_true(chi2 < 37.7); /* the 0.999 quantile of chi-square with 15 degrees of freedom */
  assert_true(fabs(sum / N - 2.0) < 0.05); /* sd of the mean: 8 / sqrt(12 N) = 0.009 */
  float *again = draw(IR_DTYPE_F32, NAN, -2.0f, 6.0f);
  assert_memory_equal(u, again, N * sizeof *u); /* the same node draws the same numbers */
  float *seeded = draw(IR_DTYPE_F32, 3.0f, -2.0f, 6.0f);
  int same = 0;
  for (int i = 0; i < N; i++)
    same += seeded[i] == u[i];
  assert_true(same < N / 1000);
  free(u), free(again), free(seeded);
}

static void test_uniform_other_types(void **state) {
  (void)state;
  double *d = draw(IR_DTYPE_F64, 1.0f, 0.0f, 1.0f);
  double sum = 0;
  for (int i = 0; i < N; i++) {
    assert_true(d[i] >= 0.0 && d[i] < 1.0);
    sum += d[i];
  }
  assert_true(fabs(sum / N - 0.5) < 0.01);
  uint16_t *h = draw(IR_DTYPE_F16, 1.0f, 0.0f, 1.0f);
  int distinct_top = 0;
  for (int i = 0; i < N; i++) {
    assert_true(h[i] <= 0x3c00); /* [0, 1] in f16 bits (the top of the range may round up) */
    distinct_top += h[i] > 0x3b00;
  }
  assert_true(distinct_top > 0);
  free(d), free(h);
}

/* The f32 draws in [0, 1) of a node seeded 3 whose counter input holds `counter`. */
static float *draw_counted(int64_t counter) {
  int64_t dims[1] = {N};
  ir_graph *graph = ir_graph_create("random_counted");
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims)),
                         ir_graph_add_input(graph, "step", ir_type_scalar(IR_DTYPE_I64))};
  ir_node *node =
      ir_graph_add_node(graph, NULL, IR_OP_RANDOM_UNIFORM_LIKE, "u", inputs, 2, NULL, 1);
  ir_node_set_float(graph, node, "seed", 3.0f);
  dense_infer(graph, node);
  float *input = calloc(N, sizeof *input);
  const void *data[2] = {input, &counter};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, NULL);
  dense_check_ptx(graph, node);
  free(input);
  ir_graph_destroy(graph);
  return outputs[0];
}

static int count_equal(const float *a, const float *b) {
  int same = 0;
  for (int i = 0; i < N; i++)
    same += a[i] == b[i];
  return same;
}

static void test_counter(void **state) {
  (void)state;
  float *first = draw_counted(0), *second = draw_counted(1), *again = draw_counted(1);
  float *uncounted = draw(IR_DTYPE_F32, 3.0f, 0.0f, 1.0f);
  float *late = draw_counted(1000000007);
  assert_memory_equal(second, again, N * sizeof *second);
  assert_true(count_equal(first, second) < N / 1000);
  assert_true(count_equal(first, uncounted) < N / 1000);
  assert_true(count_equal(second, late) < N / 1000);
  double sum = 0;
  int below_quarter = 0;
  for (int i = 0; i < N; i++) {
    assert_true(late[i] >= 0.0f && late[i] < 1.0f);
    sum += late[i];
    below_quarter += late[i] < 0.25f;
  }
  assert_true(fabs(sum / N - 0.5) < 0.01);
  assert_true(fabs((double)below_quarter / N - 0.25) < 0.01); /* sd 0.0017 */
  free(first), free(second), free(again), free(uncounted), free(late);
}

/* A counter that is not an int64 scalar is refused naming the input. */
static void test_counter_type_refused(void **state) {
  (void)state;
  static const ir_type counters[] = {{.dtype = IR_DTYPE_F32, .rank = 0},
                                     {.dtype = IR_DTYPE_I32, .rank = 0},
                                     {.dtype = IR_DTYPE_I64, .rank = 1, .dims = {1}}};
  for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
    ir_graph *graph = ir_graph_create("bad_counter");
    int64_t dims[1] = {4};
    ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims)),
                           ir_graph_add_input(graph, "step", counters[k])};
    ir_node *node =
        ir_graph_add_node(graph, NULL, IR_OP_RANDOM_UNIFORM_LIKE, "u", inputs, 2, NULL, 1);
    dl_diag diag;
    dl_diag_init(&diag);
    assert_int_not_equal(ir_infer_node(graph, node, &diag), 0);
    assert_non_null(strstr(dl_diag_message(&diag, 0), "the counter must be an int64 scalar"));
    assert_non_null(strstr(dl_diag_message(&diag, 0), "'step'"));
    dl_diag_deinit(&diag);
    ir_graph_destroy(graph);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_uniform_f32),
      cmocka_unit_test(test_uniform_other_types),
      cmocka_unit_test(test_counter),
      cmocka_unit_test(test_counter_type_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
