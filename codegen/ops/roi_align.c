/* RoiAlign → one thread per output element (roi, c, ph, pw): the bin's sampling_ratio^2
 * points (or ceil(roi size / output size) a side when it is 0, decided per roi at run time)
 * are each bilinearly interpolated from the roi's image of the batch (points beyond one
 * pixel outside count 0), then averaged (avg) or, as ONNX's reference does for max, the
 * largest weighted corner of any point is taken. f32 arithmetic in the reference's order. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include <string.h>

#include "codegen/llvm_build.h"

typedef struct roi_align {
  ir_dtype dtype, index_dtype;
  bool max, half_pixel;
  int64_t batch, channels, height, width, out_h, out_w, sampling;
  float scale;
} roi_align;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }
static LLVMValueRef f32(kernel_builder *kb, double value) { return kb_const_f32(kb, value); }

static LLVMValueRef fmax_of(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, a, b, ""), b, a, "");
}

static LLVMValueRef load_f32(kernel_builder *kb, ir_dtype dtype, int param, LLVMValueRef at) {
  return pw_convert(kb, pw_load(kb, dtype, kb_param_value(kb, param), at), dtype, IR_DTYPE_F32);
}

/* Samples per bin side: sampling_ratio, or ceil(size / bins) of this roi. */
static LLVMValueRef grid_side(kernel_builder *kb, const roi_align *r, LLVMValueRef size,
                              int64_t bins) {
  if (r->sampling > 0)
    return c32(kb, r->sampling);
  LLVMValueRef side = pw_floor(kb, LLVMBuildFDiv(B, size, f32(kb, (double)bins), ""), true);
  side =
      LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, side, f32(kb, 0), ""), f32(kb, 0), side, "");
  side = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, side, f32(kb, 1 << 16), ""),
                         f32(kb, 1 << 16), side, "");
  return LLVMBuildFPToSI(B, side, LLVMInt32TypeInContext(kb_context(kb)), "");
}

/* Clamped low index, high index and fraction of coordinate v (>= 0 already) on an axis. */
static void corners(kernel_builder *kb, LLVMValueRef v, int64_t size, LLVMValueRef *low,
                    LLVMValueRef *high, LLVMValueRef *fraction) {
  LLVMValueRef index = LLVMBuildFPToSI(B, v, LLVMInt32TypeInContext(kb_context(kb)), "");
  LLVMValueRef at_end = LLVMBuildICmp(B, LLVMIntSGE, index, c32(kb, size - 1), "");
  *low = LLVMBuildSelect(B, at_end, c32(kb, size - 1), index, "");
  *high = LLVMBuildSelect(B, at_end, c32(kb, size - 1), LLVMBuildAdd(B, index, c32(kb, 1), ""), "");
  v = LLVMBuildSelect(B, at_end, LLVMBuildSIToFP(B, *low, pw_f32_type(kb), ""), v, "");
  *fraction = LLVMBuildFSub(B, v, LLVMBuildSIToFP(B, *low, pw_f32_type(kb), ""), "");
}

static int roi_align_kernel(kernel_builder *kb, const roi_align *r, int64_t count, uint32_t grid) {
  LLVMTypeRef float_type = pw_f32_type(kb), i32 = LLVMInt32TypeInContext(kb_context(kb));
  kb_var *result = kb_thread_var(kb, float_type, "result"), *seen = kb_thread_var(kb, i32, "seen");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  const int64_t dims[4] = {count / (r->channels * r->out_h * r->out_w), r->channels, r->out_h,
                           r->out_w};
  LLVMValueRef coords[4];
  mv_unravel(kb, e, 4, dims, coords);
  LLVMValueRef roi = coords[0], ph = coords[2], pw = coords[3];
  LLVMValueRef image =
      mv_load_index(kb, r->index_dtype, kb_param_value(kb, 2), roi, r->batch, NULL);
  LLVMValueRef plane = LLVMBuildMul(
      B, LLVMBuildAdd(B, LLVMBuildMul(B, image, c32(kb, r->channels), ""), coords[1], ""),
      c32(kb, r->height * r->width), "");
  LLVMValueRef box[4], offset = f32(kb, r->half_pixel ? 0.5 : 0);
  for (int k = 0; k < 4; k++)
    box[k] =
        LLVMBuildFSub(B,
                      LLVMBuildFMul(B,
                                    load_f32(kb, r->dtype, 1,
                                             LLVMBuildAdd(B, LLVMBuildMul(B, roi, c32(kb, 4), ""),
                                                          c32(kb, k), "")),
                                    f32(kb, r->scale), ""),
                      offset, "");
  LLVMValueRef roi_w = LLVMBuildFSub(B, box[2], box[0], ""),
               roi_h = LLVMBuildFSub(B, box[3], box[1], "");
  if (!r->half_pixel)
    roi_w = fmax_of(kb, roi_w, f32(kb, 1)), roi_h = fmax_of(kb, roi_h, f32(kb, 1));
  LLVMValueRef bin_h = LLVMBuildFDiv(B, roi_h, f32(kb, (double)r->out_h), "");
  LLVMValueRef bin_w = LLVMBuildFDiv(B, roi_w, f32(kb, (double)r->out_w), "");
  LLVMValueRef grid_h = grid_side(kb, r, roi_h, r->out_h),
               grid_w = grid_side(kb, r, roi_w, r->out_w);
  LLVMValueRef top = LLVMBuildFAdd(
      B, box[1], LLVMBuildFMul(B, LLVMBuildSIToFP(B, ph, float_type, ""), bin_h, ""), "");
  LLVMValueRef left = LLVMBuildFAdd(
      B, box[0], LLVMBuildFMul(B, LLVMBuildSIToFP(B, pw, float_type, ""), bin_w, ""), "");
  kb_var_store(kb, result, f32(kb, 0));
  kb_var_store(kb, seen, c32(kb, 0));
  LLVMValueRef iy = kb_for_begin(kb, c32(kb, 0), grid_h, c32(kb, 1));
  LLVMValueRef step_y = LLVMBuildFAdd(B, LLVMBuildSIToFP(B, iy, float_type, ""), f32(kb, 0.5), "");
  LLVMValueRef y = LLVMBuildFAdd(B, top,
                                 LLVMBuildFDiv(B, LLVMBuildFMul(B, step_y, bin_h, ""),
                                               LLVMBuildSIToFP(B, grid_h, float_type, ""), ""),
                                 "");
  LLVMValueRef ix = kb_for_begin(kb, c32(kb, 0), grid_w, c32(kb, 1));
  LLVMValueRef step_x = LLVMBuildFAdd(B, LLVMBuildSIToFP(B, ix, float_type, ""), f32(kb, 0.5), "");
  LLVMValueRef x = LLVMBuildFAdd(B, left,
                                 LLVMBuildFDiv(B, LLVMBuildFMul(B, step_x, bin_w, ""),
                                               LLVMBuildSIToFP(B, grid_w, float_type, ""), ""),
                                 "");
  LLVMValueRef outside =
      LLVMBuildOr(B,
                  LLVMBuildOr(B, LLVMBuildFCmp(B, LLVMRealOLT, y, f32(kb, -1), ""),
                              LLVMBuildFCmp(B, LLVMRealOGT, y, f32(kb, (double)r->height), ""), ""),
                  LLVMBuildOr(B, LLVMBuildFCmp(B, LLVMRealOLT, x, f32(kb, -1), ""),
                              LLVMBuildFCmp(B, LLVMRealOGT, x, f32(kb, (double)r->width), ""), ""),
                  "");
  LLVMValueRef y_low, y_high, ly, x_low, x_high, lx;
  corners(kb, fmax_of(kb, y, f32(kb, 0)), r->height, &y_low, &y_high, &ly);
  corners(kb, fmax_of(kb, x, f32(kb, 0)), r->width, &x_low, &x_high, &lx);
  LLVMValueRef hy = LLVMBuildFSub(B, f32(kb, 1), ly, ""), hx = LLVMBuildFSub(B, f32(kb, 1), lx, "");
  LLVMValueRef weights[4] = {LLVMBuildFMul(B, hy, hx, ""), LLVMBuildFMul(B, hy, lx, ""),
                             LLVMBuildFMul(B, ly, hx, ""), LLVMBuildFMul(B, ly, lx, "")};
  LLVMValueRef rows[2] = {y_low, y_high}, cols[2] = {x_low, x_high}, terms[4];
  for (int k = 0; k < 4; k++) {
    LLVMValueRef at = LLVMBuildAdd(
        B, plane,
        LLVMBuildAdd(B, LLVMBuildMul(B, rows[k / 2], c32(kb, r->width), ""), cols[k % 2], ""), "");
    at = LLVMBuildSelect(B, outside, plane, at, ""); /* outside: position 0, weight 0 */
    LLVMValueRef weight = LLVMBuildSelect(B, outside, f32(kb, 0), weights[k], "");
    terms[k] = LLVMBuildFMul(B, weight, load_f32(kb, r->dtype, 0, at), "");
  }
  if (r->max) {
    LLVMValueRef value =
        fmax_of(kb, fmax_of(kb, fmax_of(kb, terms[0], terms[1]), terms[2]), terms[3]);
    LLVMValueRef first = LLVMBuildICmp(B, LLVMIntEQ, kb_var_load(kb, seen), c32(kb, 0), "");
    kb_var_store(kb, result,
                 LLVMBuildSelect(B, first, value, fmax_of(kb, kb_var_load(kb, result), value), ""));
    kb_var_store(kb, seen, c32(kb, 1));
  } else {
    LLVMValueRef sum = LLVMBuildFAdd(
        B, LLVMBuildFAdd(B, LLVMBuildFAdd(B, terms[0], terms[1], ""), terms[2], ""), terms[3], "");
    kb_var_store(kb, result, LLVMBuildFAdd(B, kb_var_load(kb, result), sum, ""));
  }
  kb_for_end(kb);
  kb_for_end(kb);
  LLVMValueRef value = kb_var_load(kb, result);
  if (!r->max) {
    LLVMValueRef samples = LLVMBuildMul(B, grid_h, grid_w, "");
    samples = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, samples, c32(kb, 1), ""), c32(kb, 1),
                              samples, "");
    value = LLVMBuildFDiv(B, value, LLVMBuildSIToFP(B, samples, float_type, ""), "");
  }
  pw_store(kb, r->dtype, kb_param_value(kb, 3), e, pw_convert(kb, value, IR_DTYPE_F32, r->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_roi_align(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t count, in_count, rois_count;
  const char *mode, *coordinates;
  roi_align r = {.dtype = x->dtype,
                 .index_dtype = node->inputs[2]->type.dtype,
                 .batch = x->dims[0],
                 .channels = x->dims[1],
                 .height = x->dims[2],
                 .width = x->dims[3]};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &in_count) != 0 ||
      pw_check_value(ctx, node, node->inputs[1], "rois", &rois_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_attr_int_default(node, "output_height", &r.out_h, ctx->diag) != 0 ||
      ir_attr_int_default(node, "output_width", &r.out_w, ctx->diag) != 0 ||
      ir_attr_int_default(node, "sampling_ratio", &r.sampling, ctx->diag) != 0 ||
      ir_attr_float_default(node, "spatial_scale", &r.scale, ctx->diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, ctx->diag) != 0 ||
      ir_attr_string_default(node, "coordinate_transformation_mode", &coordinates, ctx->diag) != 0)
    return -1;
  if (!ir_dtype_is_float(x->dtype) || ir_dtype_bits(x->dtype) < 16)
    return ir_node_error(ctx->diag, node, "no RoiAlign kernel for %s", ir_dtype_name(x->dtype));
  r.max = strcmp(mode, "max") == 0;
  r.half_pixel = strcmp(coordinates, "half_pixel") == 0;
  if (count == 0)
    return 0;
  if (in_count == 0)
    return ir_node_error(ctx->diag, node, "RoiAlign of an empty input");
  uint32_t grid = pw_grid_for(count);
  if (pw_launch_present_inputs(ctx, node, out, "roi_align", grid, 0) != 0)
    return -1;
  return roi_align_kernel(ctx->kb, &r, count, grid);
}
