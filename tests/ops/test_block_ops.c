/* DepthToSpace (DCR and CRD), SpaceToDepth and CenterCropPad (crop and pad by odd and even
 * amounts, axes) on the host twin against C references written from the ONNX definitions
 * (the reshape-transpose-reshape forms; slices about the centre); bit-exact; PTX through
 * ptxas. */
#include "pointwise_test.h"

#include <string.h>

static int32_t *iota(int64_t n) {
  int32_t *x = malloc((size_t)n * sizeof(int32_t));
  for (int64_t e = 0; e < n; e++)
    x[e] = (int32_t)(e * 7 + 3);
  return x;
}

static void run_depth_to_space(const char *mode) {
  const int64_t n = 2, c = 8, h = 3, w = 2, b = 2, dims[4] = {n, c, h, w};
  ir_graph *graph = ir_graph_create("depth_to_space");
  ir_value *in[1] = {pt_input(graph, "x", IR_DTYPE_I32, 4, dims)};
  ir_node *node = pt_node(graph, IR_OP_DEPTH_TO_SPACE, in, 1, 1);
  ir_node_set_int(graph, node, "blocksize", b);
  ir_node_set_string(graph, node, "mode", mode);
  int32_t *x = iota(n * c * h * w);
  const void *inputs[1] = {x};
  int32_t *y = pt_run_once(graph, node, inputs);
  int64_t cc = c / (b * b);
  for (int64_t i0 = 0; i0 < n; i0++)
    for (int64_t oc = 0; oc < cc; oc++)
      for (int64_t oh = 0; oh < h * b; oh++)
        for (int64_t ow = 0; ow < w * b; ow++) {
          int64_t i = oh % b, j = ow % b;
          int64_t channel =
              strcmp(mode, "DCR") == 0 ? (i * b + j) * cc + oc : oc * b * b + i * b + j;
          int32_t expected = x[((i0 * c + channel) * h + oh / b) * w + ow / b];
          assert_int_equal(y[((i0 * cc + oc) * h * b + oh) * w * b + ow], expected);
        }
  free(x), free(y);
}

static void test_depth_to_space(void **state) {
  (void)state;
  run_depth_to_space("DCR");
  run_depth_to_space("CRD");
}

static void test_space_to_depth(void **state) {
  (void)state;
  const int64_t n = 2, c = 3, h = 4, w = 6, b = 2, dims[4] = {n, c, h, w};
  ir_graph *graph = ir_graph_create("space_to_depth");
  ir_value *in[1] = {pt_input(graph, "x", IR_DTYPE_I32, 4, dims)};
  ir_node *node = pt_node(graph, IR_OP_SPACE_TO_DEPTH, in, 1, 1);
  ir_node_set_int(graph, node, "blocksize", b);
  int32_t *x = iota(n * c * h * w);
  const void *inputs[1] = {x};
  int32_t *y = pt_run_once(graph, node, inputs);
  for (int64_t i0 = 0; i0 < n; i0++)
    for (int64_t oc = 0; oc < c * b * b; oc++)
      for (int64_t oh = 0; oh < h / b; oh++)
        for (int64_t ow = 0; ow < w / b; ow++) {
          int64_t block = oc / c, ic = oc % c, i = block / b, j = block % b;
          int32_t expected = x[((i0 * c + ic) * h + oh * b + i) * w + ow * b + j];
          assert_int_equal(y[((i0 * c * b * b + oc) * (h / b) + oh) * (w / b) + ow], expected);
        }
  free(x), free(y);
}

/* [5, 4, 3] to [2, 7, 3] on axes 0 and -2: crop 3 (one at the start), pad 3 (one first). */
static void test_center_crop_pad(void **state) {
  (void)state;
  const int64_t dims[3] = {5, 4, 3}, two = 2, shape[2] = {2, 7}, axes[2] = {0, -2};
  ir_graph *graph = ir_graph_create("center_crop_pad");
  ir_value *in[2] = {pt_input(graph, "x", IR_DTYPE_I32, 3, dims),
                     pt_constant(graph, "shape", IR_DTYPE_I64, 1, &two, shape)};
  ir_node *node = pt_node(graph, IR_OP_CENTER_CROP_PAD, in, 2, 1);
  ir_node_set_ints(graph, node, "axes", axes, 2);
  int32_t *x = iota(5 * 4 * 3);
  const void *inputs[2] = {x, NULL}; /* one entry per node input; the shape is a constant */
  int32_t *y = pt_run_once(graph, node, inputs);
  for (int64_t a = 0; a < 2; a++)
    for (int64_t b = 0; b < 7; b++)
      for (int64_t c = 0; c < 3; c++) {
        int64_t ia = a + 1, ib = b - 1; /* crop (5 - 2) / 2 = 1; pad (7 - 4) / 2 = 1 */
        int32_t expected = ib >= 0 && ib < 4 ? x[(ia * 4 + ib) * 3 + c] : 0;
        assert_int_equal(y[(a * 7 + b) * 3 + c], expected);
      }
  free(x), free(y);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_depth_to_space),
                                     cmocka_unit_test(test_space_to_depth),
                                     cmocka_unit_test(test_center_crop_pad)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
