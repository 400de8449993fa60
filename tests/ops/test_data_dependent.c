/* The data-dependent ops on the host twin, their dims records included, against C references
 * where the conformance cases are thin: NonZero of floats (NaN counts, -0 does not) and bool;
 * Compress with a condition shorter than the axis and an inner axis; Unique of i32 columns
 * sorted and in first-occurrence order; NonMaxSuppression without max_output_boxes_per_class
 * (no rows), with a score threshold, two classes. PTX through ptxas. */
#include <math.h>

#include "pointwise_test.h"

static const int64_t *dims_of(int output) { return op_harness_dims[output]; }

static void test_non_zero(void **state) {
  (void)state;
  const int64_t shape[2] = {2, 3};
  ir_graph *graph = ir_graph_create("non_zero");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_F32, 2, shape);
  ir_node *node = pt_node(graph, IR_OP_NON_ZERO, &x, 1, 1);
  pt_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dims[1], 6); /* the bound: every element */
  const float data[6] = {0.0f, NAN, -0.0f, 3.0f, 0.0f, -1.0f};
  const void *inputs[1] = {data};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_int_equal(dims_of(0)[0], 2);
  assert_int_equal(dims_of(0)[1], 3);
  const int64_t expected[6] = {0, 1, 1, /* rows */ 1, 0, 2 /* columns */};
  assert_memory_equal(outputs[0], expected, sizeof expected);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);

  const int64_t length = 5;
  graph = ir_graph_create("non_zero_bool");
  x = pt_input(graph, "x", IR_DTYPE_BOOL, 1, &length);
  node = pt_node(graph, IR_OP_NON_ZERO, &x, 1, 1);
  pt_infer(graph, node);
  const uint8_t flags[5] = {0, 0, 0, 0, 0};
  inputs[0] = flags;
  pt_run(graph, node, inputs, outputs);
  assert_int_equal(dims_of(0)[0], 1);
  assert_int_equal(dims_of(0)[1], 0); /* nothing is true: an empty result */
  free(outputs[0]);
  ir_graph_destroy(graph);
}

static void test_compress(void **state) {
  (void)state;
  const int64_t shape[3] = {2, 5, 2}, length = 4;
  ir_graph *graph = ir_graph_create("compress");
  ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_I16, 3, shape),
                     pt_input(graph, "keep", IR_DTYPE_BOOL, 1, &length)};
  ir_node *node = pt_node(graph, IR_OP_COMPRESS, in, 2, 1);
  ir_node_set_int(graph, node, "axis", -2);
  pt_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dims[1], 4); /* the condition's length bounds it */
  int16_t data[20];
  for (int i = 0; i < 20; i++)
    data[i] = (int16_t)(i * 3 - 7);
  const uint8_t keep[4] = {0, 1, 0, 1}; /* slice 4 is past the condition: dropped */
  const void *inputs[2] = {data, keep};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_int_equal(dims_of(0)[0], 2);
  assert_int_equal(dims_of(0)[1], 2);
  assert_int_equal(dims_of(0)[2], 2);
  const int16_t *y = outputs[0];
  for (int o = 0; o < 2; o++)
    for (int k = 0; k < 2; k++)
      for (int r = 0; r < 2; r++)
        assert_int_equal(y[(o * 2 + k) * 2 + r], data[(o * 5 + (k ? 3 : 1)) * 2 + r]);
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

/* Columns of a [2, 6] i32 matrix: 0 and 3 equal, 1 and 4 equal, 2 and 5 distinct. */
static void run_unique(bool sorted) {
  const int64_t shape[2] = {2, 6};
  ir_graph *graph = ir_graph_create("unique");
  ir_value *x = pt_input(graph, "x", IR_DTYPE_I32, 2, shape);
  ir_node *node = pt_node(graph, IR_OP_UNIQUE, &x, 1, 4);
  ir_node_set_int(graph, node, "axis", 1);
  ir_node_set_int(graph, node, "sorted", sorted);
  pt_infer(graph, node);
  const int32_t data[12] = {5, -1, 7, 5, -1, 5, /* row 1 */ 2, 9, 0, 2, 9, -3};
  const void *inputs[1] = {data};
  void *outputs[4];
  pt_run(graph, node, inputs, outputs);
  assert_int_equal(dims_of(0)[0], 2);
  assert_int_equal(dims_of(0)[1], 4);
  assert_int_equal(dims_of(1)[0], 4);
  assert_int_equal(dims_of(2)[0], 6);
  assert_int_equal(dims_of(3)[0], 4);
  /* sorted columns: (-1,9) (5,-3) (5,2) (7,0); first occurrences 1 5 0 2 */
  const int64_t sorted_first[4] = {1, 5, 0, 2}, sorted_inverse[6] = {2, 0, 3, 2, 0, 1};
  const int64_t order_first[4] = {0, 1, 2, 5}, order_inverse[6] = {0, 1, 2, 0, 1, 3};
  const int64_t sorted_counts[4] = {2, 1, 2, 1}, order_counts[4] = {2, 2, 1, 1};
  const int64_t *first = sorted ? sorted_first : order_first;
  const int32_t *values = outputs[0];
  for (int k = 0; k < 4; k++)
    for (int r = 0; r < 2; r++)
      assert_int_equal(values[r * 4 + k], data[r * 6 + first[k]]);
  assert_memory_equal(outputs[1], first, 4 * sizeof(int64_t));
  assert_memory_equal(outputs[2], sorted ? sorted_inverse : order_inverse, 6 * sizeof(int64_t));
  assert_memory_equal(outputs[3], sorted ? sorted_counts : order_counts, 4 * sizeof(int64_t));
  pt_check_ptx(graph, node);
  for (int o = 0; o < 4; o++)
    free(outputs[o]);
  ir_graph_destroy(graph);
}

static void test_unique(void **state) {
  (void)state;
  run_unique(true);
  run_unique(false);
}

/* 1 batch, 2 classes, 4 boxes: boxes 0 and 1 overlap (IoU 0.81), 2 is apart, 3 is empty. */
static void run_nms(bool with_limit, float score_threshold) {
  const int64_t box_shape[3] = {1, 4, 4}, score_shape[3] = {1, 2, 4}, one = 1;
  ir_graph *graph = ir_graph_create("nms");
  int64_t limit = 3;
  float iou = 0.5f;
  ir_value *in[5] = {pt_input(graph, "boxes", IR_DTYPE_F32, 3, box_shape),
                     pt_input(graph, "scores", IR_DTYPE_F32, 3, score_shape),
                     with_limit ? pt_constant(graph, "limit", IR_DTYPE_I64, 1, &one, &limit) : NULL,
                     pt_constant(graph, "iou", IR_DTYPE_F32, 0, NULL, &iou),
                     pt_constant(graph, "score", IR_DTYPE_F32, 0, NULL, &score_threshold)};
  ir_node *node = pt_node(graph, IR_OP_NON_MAX_SUPPRESSION, in, 5, 1);
  pt_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dims[0], 8);
  const float boxes[16] = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 5, 5, 6, 6, 2, 2, 2, 3};
  const float scores[8] = {0.9f, 0.95f, 0.3f, 0.8f, /* class 1 */ 0.1f, 0.2f, 0.6f, 0.6f};
  const void *inputs[5] = {boxes, scores};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  const int64_t *rows = outputs[0];
  if (!with_limit) {
    assert_int_equal(dims_of(0)[0], 0);
  } else {
    /* class 0: 1 (0.95), 3 (0.8, empty: never overlaps), 0 suppressed by 1, 2 (0.3) over the
     * limit of 3; class 1 (threshold 0.25 drops boxes 0 and 1): 2 then 3 (tie: lower index) */
    const int64_t all[5][3] = {{0, 0, 1}, {0, 0, 3}, {0, 0, 2}, {0, 1, 2}, {0, 1, 3}};
    int64_t expected = score_threshold > 0.5f ? 4 : 5; /* 0.55: class 0's box 2 goes */
    const int64_t high[4][3] = {{0, 0, 1}, {0, 0, 3}, {0, 1, 2}, {0, 1, 3}};
    assert_int_equal(dims_of(0)[0], expected);
    assert_int_equal(dims_of(0)[1], 3);
    if (expected == 5)
      assert_memory_equal(rows, all, sizeof all);
    else
      assert_memory_equal(rows, high, sizeof high);
  }
  pt_check_ptx(graph, node);
  free(outputs[0]);
  ir_graph_destroy(graph);
}

static void test_non_max_suppression(void **state) {
  (void)state;
  run_nms(false, 0.0f);
  run_nms(true, 0.25f);
  run_nms(true, 0.55f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_non_zero),
      cmocka_unit_test(test_compress),
      cmocka_unit_test(test_unique),
      cmocka_unit_test(test_non_max_suppression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
