/* DeformConv on the host twin against a C reference of its definition (bilinear samples of
 * X at offset kernel taps, zeros outside): groups and offset groups, strides, dilations,
 * pads, mask and bias, offsets moving taps off the image; PTX through ptxas. */
#include "pointwise_test.h"

#include <math.h>

enum { N = 2, C = 4, H = 5, W = 6, M = 4, G = 2, OG = 2, KH = 2, KW = 3 };

static double bilinear(const float *plane, double y, double x) {
  double y0 = floor(y), x0 = floor(x), sum = 0;
  for (int k = 0; k < 4; k++) {
    int64_t yy = (int64_t)y0 + k / 2, xx = (int64_t)x0 + k % 2;
    double weight = (k / 2 ? y - y0 : 1 - (y - y0)) * (k % 2 ? x - x0 : 1 - (x - x0));
    if (yy >= 0 && yy < H && xx >= 0 && xx < W)
      sum += weight * plane[yy * W + xx];
  }
  return sum;
}

static void test_deform_conv(void **state) {
  (void)state;
  const int64_t strides[2] = {2, 1}, dilations[2] = {1, 2}, pads[4] = {1, 1, 0, 1};
  const int64_t oh = (H + 1 - (KH - 1) - 1) / 2 + 1, ow = (W + 2 - 2 * (KW - 1) - 1) + 1;
  const int64_t x_dims[4] = {N, C, H, W}, w_dims[4] = {M, C / G, KH, KW};
  const int64_t o_dims[4] = {N, OG * KH * KW * 2, oh, ow}, m_dims[4] = {N, OG * KH * KW, oh, ow};
  const int64_t b_dims[1] = {M};
  ir_graph *graph = ir_graph_create("deform_conv");
  ir_value *in[5] = {pt_input(graph, "x", IR_DTYPE_F32, 4, x_dims),
                     pt_input(graph, "w", IR_DTYPE_F32, 4, w_dims),
                     pt_input(graph, "offset", IR_DTYPE_F32, 4, o_dims),
                     pt_input(graph, "b", IR_DTYPE_F32, 1, b_dims),
                     pt_input(graph, "mask", IR_DTYPE_F32, 4, m_dims)};
  ir_node *node = pt_node(graph, IR_OP_DEFORM_CONV, in, 5, 1);
  ir_node_set_int(graph, node, "group", G);
  ir_node_set_int(graph, node, "offset_group", OG);
  ir_node_set_ints(graph, node, "strides", strides, 2);
  ir_node_set_ints(graph, node, "dilations", dilations, 2);
  ir_node_set_ints(graph, node, "pads", pads, 4);
  float x[N * C * H * W], w[M * (C / G) * KH * KW], b[M];
  float *offset = malloc((size_t)(N * OG * KH * KW * 2 * oh * ow) * sizeof(float));
  float *mask = malloc((size_t)(N * OG * KH * KW * oh * ow) * sizeof(float));
  for (int e = 0; e < N * C * H * W; e++)
    x[e] = (float)((e * 13) % 17) * 0.25f - 2;
  for (int e = 0; e < M * (C / G) * KH * KW; e++)
    w[e] = (float)((e * 5) % 7) * 0.5f - 1.5f;
  for (int e = 0; e < M; e++)
    b[e] = (float)e - 1.5f;
  for (int64_t e = 0; e < N * OG * KH * KW * 2 * oh * ow; e++) /* [-1.6, 1.6] */
    offset[e] = (float)((e * 29) % 33) * 0.1f - 1.6f;
  for (int64_t e = 0; e < N * OG * KH * KW * oh * ow; e++)
    mask[e] = (float)((e * 3) % 5) * 0.25f;
  const void *inputs[5] = {x, w, offset, b, mask};
  float *y = pt_run_once(graph, node, inputs);
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++)
      for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
          double expected = b[m];
          for (int64_t cj = 0; cj < C / G; cj++) {
            int64_t c = m / (M / G) * (C / G) + cj, og = c / (C / OG);
            for (int kh = 0; kh < KH; kh++)
              for (int kw = 0; kw < KW; kw++) {
                int64_t tap = (og * KH + kh) * KW + kw;
                double dy = offset[((n * OG * KH * KW + tap) * 2 * oh + i) * ow + j];
                double dx = offset[(((n * OG * KH * KW + tap) * 2 + 1) * oh + i) * ow + j];
                double py = (double)(i * strides[0] - pads[0] + kh * dilations[0]) + dy;
                double px = (double)(j * strides[1] - pads[1] + kw * dilations[1]) + dx;
                double sampled = bilinear(x + (n * C + c) * H * W, py, px);
                expected += w[((m * (C / G) + cj) * KH + kh) * KW + kw] * sampled *
                            mask[((n * OG * KH * KW + tap) * oh + i) * ow + j];
              }
          }
          assert_float_equal(y[((n * M + m) * oh + i) * ow + j], expected,
                             1e-4 + 1e-4 * fabs(expected));
        }
  free(y), free(offset), free(mask);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_deform_conv)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
