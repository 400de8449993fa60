/* RoiAlign on the host twin against a C transcription of ONNX's reference (f32 arithmetic):
 * avg and max, half_pixel and output_half_pixel, a fixed sampling_ratio and the adaptive one
 * (0: per-roi sample counts), rois partly outside the image, two images; PTX through ptxas. */
#include "pointwise_test.h"

#include <math.h>
#include <string.h>

enum { N = 2, C = 3, H = 6, W = 7, R = 4, PH = 3, PW = 2 };

static float reference(const float *x, const float *roi, int64_t image, int64_t c, int ph, int pw,
                       bool max, bool half, int sampling, float scale) {
  float offset = half ? 0.5f : 0, start_w = roi[0] * scale - offset;
  float start_h = roi[1] * scale - offset, end_w = roi[2] * scale - offset;
  float end_h = roi[3] * scale - offset, roi_w = end_w - start_w, roi_h = end_h - start_h;
  if (!half)
    roi_w = fmaxf(roi_w, 1), roi_h = fmaxf(roi_h, 1);
  float bin_h = roi_h / PH, bin_w = roi_w / PW;
  int grid_h = sampling > 0 ? sampling : (int)ceilf(roi_h / PH);
  int grid_w = sampling > 0 ? sampling : (int)ceilf(roi_w / PW);
  const float *plane = x + (image * C + c) * H * W;
  float result = 0;
  bool seen = false;
  for (int iy = 0; iy < grid_h; iy++)
    for (int ix = 0; ix < grid_w; ix++) {
      float y = start_h + ph * bin_h + (iy + 0.5f) * bin_h / grid_h;
      float xx = start_w + pw * bin_w + (ix + 0.5f) * bin_w / grid_w;
      float terms[4] = {0, 0, 0, 0};
      if (!(y < -1 || y > H || xx < -1 || xx > W)) {
        y = fmaxf(y, 0), xx = fmaxf(xx, 0);
        int y_low = (int)y, x_low = (int)xx, y_high, x_high;
        if (y_low >= H - 1)
          y_high = y_low = H - 1, y = (float)y_low;
        else
          y_high = y_low + 1;
        if (x_low >= W - 1)
          x_high = x_low = W - 1, xx = (float)x_low;
        else
          x_high = x_low + 1;
        float ly = y - y_low, lx = xx - x_low, hy = 1 - ly, hx = 1 - lx;
        terms[0] = hy * hx * plane[y_low * W + x_low];
        terms[1] = hy * lx * plane[y_low * W + x_high];
        terms[2] = ly * hx * plane[y_high * W + x_low];
        terms[3] = ly * lx * plane[y_high * W + x_high];
      }
      if (max) {
        float value = fmaxf(fmaxf(fmaxf(terms[0], terms[1]), terms[2]), terms[3]);
        result = seen ? fmaxf(result, value) : value;
        seen = true;
      } else {
        result += terms[0] + terms[1] + terms[2] + terms[3];
      }
    }
  int count = grid_h * grid_w;
  return max ? result : result / (float)(count < 1 ? 1 : count);
}

static void run_roi_align(bool max, bool half, int sampling) {
  const int64_t x_dims[4] = {N, C, H, W}, roi_dims[2] = {R, 4}, batch_dims[1] = {R};
  ir_graph *graph = ir_graph_create("roi_align");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_F32, 4, x_dims),
                     pt_input(graph, "rois", IR_DTYPE_F32, 2, roi_dims),
                     pt_input(graph, "batch", IR_DTYPE_I64, 1, batch_dims)};
  ir_node *node = pt_node(graph, IR_OP_ROI_ALIGN, in, 3, 1);
  ir_node_set_string(graph, node, "mode", max ? "max" : "avg");
  ir_node_set_string(graph, node, "coordinate_transformation_mode",
                     half ? "half_pixel" : "output_half_pixel");
  ir_node_set_int(graph, node, "output_height", PH);
  ir_node_set_int(graph, node, "output_width", PW);
  ir_node_set_int(graph, node, "sampling_ratio", sampling);
  ir_node_set_float(graph, node, "spatial_scale", 0.5f);
  float x[N * C * H * W];
  for (int e = 0; e < N * C * H * W; e++)
    x[e] = (float)((e * 17) % 23) * 0.25f - 2;
  const float rois[R * 4] = {0, 0, 8, 8, 2.5f, 1, 13, 11, -4, -3, 6, 20, 10, 9, 11, 9.5f};
  const int64_t batch[R] = {0, 1, 1, 0};
  const void *inputs[3] = {x, rois, batch};
  float *y = pt_run_once(graph, node, inputs);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++)
      for (int ph = 0; ph < PH; ph++)
        for (int pw = 0; pw < PW; pw++) {
          float expected =
              reference(x, rois + 4 * r, batch[r], c, ph, pw, max, half, sampling, 0.5f);
          assert_float_equal(y[((r * C + c) * PH + ph) * PW + pw], expected,
                             1e-5 + 1e-5 * fabsf(expected));
        }
  free(y);
}

static void test_roi_align(void **state) {
  (void)state;
  run_roi_align(false, true, 2);
  run_roi_align(false, false, 0);
  run_roi_align(true, false, 2);
  run_roi_align(true, true, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_roi_align)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
