/* Col2Im and MaxUnpool on the host twin against C references that scatter, as the ONNX
 * definitions do: Col2Im 2-D with pads, strides and dilations, and 3-D; MaxUnpool into its
 * pooled-from shape and into a larger output_shape; PTX through ptxas. */
#include "pointwise_test.h"

#include <math.h>

static void run_col2im(int rank, const int64_t *image, const int64_t *block,
                       const int64_t *dilations, const int64_t *pads, const int64_t *strides) {
  int64_t blocks[3], kernel = 1, count = 1, pixels = 1, channels = 2, batch = 2;
  for (int d = 0; d < rank; d++) {
    blocks[d] =
        (image[d] + pads[d] + pads[rank + d] - dilations[d] * (block[d] - 1) - 1) / strides[d] + 1;
    kernel *= block[d], count *= blocks[d], pixels *= image[d];
  }
  const int64_t dims[3] = {batch, channels * kernel, count}, length = rank;
  ir_graph *graph = ir_graph_create("col2im");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_F32, 3, dims),
                     pt_constant(graph, "image", IR_DTYPE_I64, 1, &length, image),
                     pt_constant(graph, "block", IR_DTYPE_I64, 1, &length, block)};
  ir_node *node = pt_node(graph, IR_OP_COL2IM, in, 3, 1);
  ir_node_set_ints(graph, node, "dilations", dilations, rank);
  ir_node_set_ints(graph, node, "pads", pads, 2 * rank);
  ir_node_set_ints(graph, node, "strides", strides, rank);
  int64_t n = batch * channels * kernel * count;
  float *x = malloc((size_t)n * sizeof(float));
  double *expected = calloc((size_t)(batch * channels * pixels), sizeof(double));
  for (int64_t e = 0; e < n; e++)
    x[e] = (float)((e * 11) % 13) - 6;
  for (int64_t row = 0; row < batch * channels * kernel; row++)
    for (int64_t l = 0; l < count; l++) {
      int64_t k = row % kernel, rest_k = k, rest_l = l, at[3], p = 0;
      bool inside = true;
      for (int d = rank - 1; d >= 0; d--) {
        at[d] = rest_l % blocks[d] * strides[d] - pads[d] + rest_k % block[d] * dilations[d];
        inside &= at[d] >= 0 && at[d] < image[d];
        rest_l /= blocks[d], rest_k /= block[d];
      }
      for (int d = 0; d < rank; d++)
        p = p * image[d] + at[d];
      if (inside)
        expected[row / kernel * pixels + p] += x[row * count + l];
    }
  const void *inputs[3] = {x, NULL, NULL}; /* one entry per node input; the shapes are constants */
  float *y = pt_run_once(graph, node, inputs);
  for (int64_t e = 0; e < batch * channels * pixels; e++)
    assert_float_equal(y[e], expected[e], 1e-4);
  free(x), free(y), free(expected);
}

static void test_col2im(void **state) {
  (void)state;
  const int64_t image[2] = {6, 7}, block[2] = {2, 3}, dilations[2] = {2, 1}, pads[4] = {1, 0, 0, 2};
  const int64_t strides[2] = {1, 2};
  run_col2im(2, image, block, dilations, pads, strides);
  const int64_t image3[3] = {3, 4, 5}, block3[3] = {2, 1, 3}, ones[3] = {1, 1, 1};
  const int64_t pads3[6] = {0, 1, 1, 1, 0, 0};
  run_col2im(3, image3, block3, ones, pads3, ones);
}

/* X [1, 2, 2, 3] pooled from [1, 2, 4, 6] by a 2x2 window: each element goes back to its
 * index; with output_shape [1, 2, 5, 8] the unpooled block sits at the origin. */
static void run_max_unpool(bool larger) {
  const int64_t dims[4] = {1, 2, 2, 3}, four = 4, shape[4] = {1, 2, 5, 8};
  const int64_t kernel[2] = {2, 2}, strides[2] = {2, 2};
  ir_graph *graph = ir_graph_create("max_unpool");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_F32, 4, dims),
                     pt_input(graph, "i", IR_DTYPE_I64, 4, dims),
                     larger ? pt_constant(graph, "shape", IR_DTYPE_I64, 1, &four, shape) : NULL};
  ir_node *node = pt_node(graph, IR_OP_MAX_UNPOOL, in, larger ? 3 : 2, 1);
  ir_node_set_ints(graph, node, "kernel_shape", kernel, 2);
  ir_node_set_ints(graph, node, "strides", strides, 2);
  float x[12];
  int64_t indices[12];
  for (int e = 0; e < 12; e++) { /* element (c, h, w) came from (2h + e % 2, 2w + (e / 2) % 2) */
    int c = e / 6, h = e / 3 % 2, w = e % 3;
    x[e] = (float)e + 1;
    indices[e] = (c * 4 + 2 * h + e % 2) * 6 + 2 * w + (e / 2) % 2;
  }
  const void *inputs[3] = {x, indices, NULL}; /* one entry per node input */
  float *y = pt_run_once(graph, node, inputs);
  int64_t rows = larger ? 5 : 4, cols = larger ? 8 : 6;
  float expected[2 * 5 * 8] = {0};
  for (int e = 0; e < 12; e++) {
    int64_t c = indices[e] / 24, r = indices[e] / 6 % 4, col = indices[e] % 6;
    expected[(c * rows + r) * cols + col] = x[e];
  }
  for (int64_t e = 0; e < 2 * rows * cols; e++)
    assert_float_equal(y[e], expected[e], 0);
  free(y);
}

static void test_max_unpool(void **state) {
  (void)state;
  run_max_unpool(false);
  run_max_unpool(true);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_col2im),
                                     cmocka_unit_test(test_max_unpool)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
