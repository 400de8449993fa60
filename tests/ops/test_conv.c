/* Conv lowering (implicit GEMM, and the direct kernel for depthwise) against a C reference. */
#include "dense_test_util.h"

#include <string.h>

typedef struct conv_case {
  int64_t batch, channels, height, width; /* height 0: a 1-D conv */
  int64_t out_channels, kernel_h, kernel_w, group;
  int64_t stride_h, stride_w, dilation_h, dilation_w;
  int64_t pads[4]; /* top, left, bottom, right */
  int bias, ptx;
  const char *auto_pad;
  const char *label;
} conv_case;

static int64_t or_one(int64_t v) { return v ? v : 1; }

/* Direct 2-D convolution in double; a 1-D case has height 1 and no vertical window. */
static void reference_conv(const conv_case *c, const ir_type *y, const float *x, const float *w,
                           const float *bias, float *out) {
  int one_d = c->height == 0;
  int64_t h = one_d ? 1 : c->height, kh = one_d ? 1 : c->kernel_h;
  int64_t oh_count = one_d ? 1 : y->dims[2], ow_count = y->dims[one_d ? 2 : 3];
  int64_t sh = or_one(c->stride_h), sw = or_one(c->stride_w);
  int64_t dh = or_one(c->dilation_h), dw = or_one(c->dilation_w);
  int64_t top = one_d ? 0 : c->pads[0], left = one_d ? c->pads[0] : c->pads[1];
  if (c->auto_pad) { /* SAME_UPPER: total pad split with the extra at the end */
    int64_t total_h = (oh_count - 1) * sh + (kh - 1) * dh + 1 - h;
    int64_t total_w = (ow_count - 1) * sw + (c->kernel_w - 1) * dw + 1 - c->width;
    top = total_h > 0 ? total_h / 2 : 0;
    left = total_w > 0 ? total_w / 2 : 0;
  }
  int64_t cg = c->channels / c->group, mg = c->out_channels / c->group;
  for (int64_t b = 0; b < c->batch; b++)
    for (int64_t m = 0; m < c->out_channels; m++)
      for (int64_t oh = 0; oh < oh_count; oh++)
        for (int64_t ow = 0; ow < ow_count; ow++) {
          double sum = c->bias ? bias[m] : 0;
          int64_t g = m / mg;
          for (int64_t ci = 0; ci < cg; ci++)
            for (int64_t r = 0; r < kh; r++)
              for (int64_t s = 0; s < c->kernel_w; s++) {
                int64_t ih = oh * sh - top + r * dh, iw = ow * sw - left + s * dw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= c->width)
                  continue;
                sum += (double)x[((b * c->channels + g * cg + ci) * h + ih) * c->width + iw] *
                       w[((m * cg + ci) * kh + r) * c->kernel_w + s];
              }
          out[((b * c->out_channels + m) * oh_count + oh) * ow_count + ow] = (float)sum;
        }
}

static void check_conv(const conv_case *c) {
  int one_d = c->height == 0;
  ir_graph *graph = ir_graph_create("conv");
  int64_t x_dims[4] = {c->batch, c->channels, one_d ? c->width : c->height, c->width};
  int64_t w_dims[4] = {c->out_channels, c->channels / c->group, one_d ? c->kernel_w : c->kernel_h,
                       c->kernel_w};
  int rank = one_d ? 3 : 4;
  ir_type x_type = dense_type(IR_DTYPE_F32, rank, x_dims);
  ir_type w_type = dense_type(IR_DTYPE_F32, rank, w_dims);
  ir_type b_type = dense_type(IR_DTYPE_F32, 1, &c->out_channels);
  float *x = dense_random_array((size_t)dense_count(&x_type), 21);
  float *w = dense_random_array((size_t)dense_count(&w_type), 22);
  float *bias = dense_random_array((size_t)c->out_channels, 23);
  ir_value *inputs[3] = {ir_graph_add_input(graph, "x", x_type),
                         ir_graph_add_constant(graph, "w", w_type, w),
                         c->bias ? ir_graph_add_constant(graph, "bias", b_type, bias) : NULL};
  ir_node *node =
      ir_graph_add_node(graph, NULL, IR_OP_CONV, "conv", inputs, c->bias ? 3 : 2, NULL, 1);
  int spatial = rank - 2;
  int64_t strides[2] = {or_one(c->stride_h), or_one(c->stride_w)};
  int64_t dilations[2] = {or_one(c->dilation_h), or_one(c->dilation_w)};
  int64_t pads[4];
  memcpy(pads, c->pads, sizeof pads);
  if (one_d) {
    strides[0] = strides[1], dilations[0] = dilations[1];
    pads[1] = c->pads[1];
  }
  ir_node_set_ints(graph, node, "strides", one_d ? &strides[0] : strides, spatial);
  ir_node_set_ints(graph, node, "dilations", one_d ? &dilations[0] : dilations, spatial);
  if (c->auto_pad)
    ir_node_set_string(graph, node, "auto_pad", c->auto_pad);
  else
    ir_node_set_ints(graph, node, "pads", pads, 2 * spatial);
  ir_node_set_int(graph, node, "group", c->group);
  dense_infer(graph, node);
  const ir_type *y = &node->outputs[0]->type;
  const void *data[3] = {x, NULL, NULL};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, c->label);
  size_t count = (size_t)dense_count(y);
  float *expected = malloc(count * sizeof *expected);
  reference_conv(c, y, x, w, bias, expected);
  dense_expect_close(outputs[0], expected, count, 1e-4);
  if (c->ptx)
    dense_check_ptx(graph, node);
  free(expected);
  free(outputs[0]);
  free(x);
  free(w);
  free(bias);
  ir_graph_destroy(graph);
}

static void test_same_padding_with_bias(void **state) {
  (void)state;
  check_conv(&(conv_case){.batch = 1,
                          .channels = 3,
                          .height = 8,
                          .width = 8,
                          .out_channels = 16,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 1,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .ptx = 1,
                          .label = "1x3x8x8 -> 16, 3x3"});
}

static void test_stride_two_ragged(void **state) {
  (void)state;
  /* 20 output channels and 5x6 outputs: neither fills a tile; asymmetric pads. */
  check_conv(&(conv_case){.batch = 2,
                          .channels = 5,
                          .height = 9,
                          .width = 11,
                          .out_channels = 20,
                          .kernel_h = 5,
                          .kernel_w = 3,
                          .group = 1,
                          .stride_h = 2,
                          .stride_w = 2,
                          .pads = {2, 0, 1, 1},
                          .bias = 1,
                          .ptx = 1});
}

static void test_dilation(void **state) {
  (void)state;
  check_conv(&(conv_case){.batch = 1,
                          .channels = 4,
                          .height = 12,
                          .width = 10,
                          .out_channels = 24,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 1,
                          .dilation_h = 2,
                          .dilation_w = 3,
                          .pads = {2, 3, 2, 3}});
}

static void test_groups(void **state) {
  (void)state;
  /* Two groups of 16 output channels: the GEMM path, one group per grid z. */
  check_conv(&(conv_case){.batch = 2,
                          .channels = 6,
                          .height = 7,
                          .width = 7,
                          .out_channels = 32,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 2,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .ptx = 1});
  /* Four output channels per group: the direct kernel. */
  check_conv(&(conv_case){.batch = 1,
                          .channels = 6,
                          .height = 7,
                          .width = 5,
                          .out_channels = 8,
                          .kernel_h = 3,
                          .kernel_w = 2,
                          .group = 2,
                          .pads = {0, 1, 1, 0}});
}

static void test_depthwise(void **state) {
  (void)state;
  /* MobileNet's depthwise 3x3, stride 2, with its channel multiplier of 1 (and of 2). */
  check_conv(&(conv_case){.batch = 1,
                          .channels = 32,
                          .height = 15,
                          .width = 15,
                          .out_channels = 32,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 32,
                          .stride_h = 2,
                          .stride_w = 2,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .ptx = 1,
                          .label = "depthwise 32x15x15 s2"});
  check_conv(&(conv_case){.batch = 2,
                          .channels = 3,
                          .height = 6,
                          .width = 6,
                          .out_channels = 6,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 3,
                          .pads = {1, 1, 1, 1}});
}

static void test_one_d_and_auto_pad(void **state) {
  (void)state;
  check_conv(&(conv_case){.batch = 2,
                          .channels = 3,
                          .height = 0,
                          .width = 30,
                          .out_channels = 17,
                          .kernel_w = 4,
                          .group = 1,
                          .stride_w = 2,
                          .pads = {1, 2},
                          .bias = 1,
                          .ptx = 1});
  check_conv(&(conv_case){.batch = 1,
                          .channels = 3,
                          .height = 10,
                          .width = 9,
                          .out_channels = 16,
                          .kernel_h = 4,
                          .kernel_w = 3,
                          .group = 1,
                          .stride_h = 2,
                          .stride_w = 2,
                          .auto_pad = "SAME_UPPER"});
}

static void test_thin_tiles(void **state) {
  (void)state;
  /* 16 output channels over 96x96 (9216 columns): the 16x256 tile shape. */
  check_conv(&(conv_case){.batch = 1,
                          .channels = 3,
                          .height = 96,
                          .width = 96,
                          .out_channels = 16,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 1,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .ptx = 1,
                          .label = "thin tile 3->16 at 96x96"});
  /* Two groups of 12 with a stride: thin tiles with grid z = 2 and ragged edges. */
  check_conv(&(conv_case){.batch = 2,
                          .channels = 4,
                          .height = 101,
                          .width = 83,
                          .out_channels = 24,
                          .kernel_h = 3,
                          .kernel_w = 2,
                          .group = 2,
                          .stride_h = 1,
                          .stride_w = 1,
                          .pads = {0, 1, 2, 0}});
}

static void test_split_k(void **state) {
  (void)state;
  /* 128 channels at 7x7 into 64: one output tile, K = 1152 split four ways. */
  check_conv(&(conv_case){.batch = 1,
                          .channels = 128,
                          .height = 7,
                          .width = 7,
                          .out_channels = 64,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 1,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .ptx = 1,
                          .label = "split-K conv"});
}

static void test_pointwise_and_resnet_sized(void **state) {
  (void)state;
  check_conv(&(conv_case){.batch = 1,
                          .channels = 64,
                          .height = 14,
                          .width = 14,
                          .out_channels = 128,
                          .kernel_h = 1,
                          .kernel_w = 1,
                          .group = 1,
                          .bias = 1,
                          .label = "1x1 64->128 at 14x14"});
  /* 1x1 windows read the images as matrices: several images (column n = image, pixel),
   * groups, and a ragged N over more than one tile (full tiles staged without the test). */
  check_conv(&(conv_case){.batch = 3,
                          .channels = 32,
                          .height = 10,
                          .width = 10,
                          .out_channels = 64,
                          .kernel_h = 1,
                          .kernel_w = 1,
                          .group = 2,
                          .bias = 1,
                          .ptx = 1,
                          .label = "1x1 grouped, 3 images of 10x10"});
  check_conv(&(conv_case){.batch = 2,
                          .channels = 24,
                          .width = 70,
                          .out_channels = 20,
                          .kernel_w = 1,
                          .group = 1,
                          .label = "1-D 1x1, 2 images of 70"});
  check_conv(&(conv_case){.batch = 1,
                          .channels = 64,
                          .height = 56,
                          .width = 56,
                          .out_channels = 64,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .group = 1,
                          .pads = {1, 1, 1, 1},
                          .bias = 1,
                          .label = "ResNet 1x64x56x56 3x3"});
}

static void test_three_d_is_reported(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("conv3d");
  int64_t x_dims[5] = {1, 2, 4, 4, 4}, w_dims[5] = {4, 2, 3, 3, 3};
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 5, x_dims)),
                         ir_graph_add_input(graph, "w", ir_type_make(IR_DTYPE_F32, 5, w_dims))};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_CONV, "volume", inputs, 2, NULL, 1);
  dense_infer(graph, node);
  dl_diag diag;
  dl_diag_init(&diag);
  void *outputs[1] = {NULL};
  assert_int_equal(op_harness_run(graph, node, NULL, outputs, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "'volume' (Conv)"));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "3-D"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_padding_with_bias),
      cmocka_unit_test(test_stride_two_ragged),
      cmocka_unit_test(test_dilation),
      cmocka_unit_test(test_groups),
      cmocka_unit_test(test_depthwise),
      cmocka_unit_test(test_one_d_and_auto_pad),
      cmocka_unit_test(test_thin_tiles),
      cmocka_unit_test(test_split_k),
      cmocka_unit_test(test_pointwise_and_resnet_sized),
      cmocka_unit_test(test_three_d_is_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
