/* GridSample → one thread per output element (any spatial rank): the grid's normalized
 * position (last grid axis in reverse axis order) is denormalized (align_corners or not),
 * rounded half to even for nearest, moved inside by border or reflection padding, then X is
 * read at the nearest pixel or at the 2 (linear) or 4 (cubic, A = -0.75) taps of each axis,
 * each tap's index padded again (zeros: outside reads 0). Arithmetic as ONNX's reference:
 * coordinates and weights in f32, reflection in f64. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include <string.h>

#include "codegen/llvm_build.h"

enum { GRID_ZEROS, GRID_BORDER, GRID_REFLECTION };
enum { GRID_NEAREST, GRID_LINEAR, GRID_CUBIC };

typedef struct grid_sample {
  ir_dtype dtype, grid_dtype;
  int spatial, mode, padding;
  bool align_corners;
  int64_t in[IR_MAX_RANK], channels, in_size, out_size;
} grid_sample;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }
static LLVMValueRef f32(kernel_builder *kb, double value) { return kb_const_f32(kb, value); }
static LLVMValueRef f64(kernel_builder *kb, double value) {
  return LLVMConstReal(LLVMDoubleTypeInContext(kb_context(kb)), value);
}

/* The reflectable range of an axis: pixel centres with align_corners, else pixel edges. */
static double border_low(const grid_sample *g) { return g->align_corners ? 0 : -0.5; }
static double border_high(const grid_sample *g, int axis) {
  return (double)g->in[axis] - (g->align_corners ? 1 : 0.5);
}

/* v (f64) reflected by the near border until inside [low, high]. */
static LLVMValueRef reflect(kernel_builder *kb, LLVMValueRef v, double low, double high) {
  double range = high - low;
  if (range <= 0)
    return f64(kb, low);
  LLVMValueRef below = LLVMBuildFCmp(B, LLVMRealOLT, v, f64(kb, low), "");
  LLVMValueRef above = LLVMBuildFCmp(B, LLVMRealOGT, v, f64(kb, high), "");
  LLVMValueRef distance = LLVMBuildSelect(B, below, LLVMBuildFSub(B, f64(kb, low), v, ""),
                                          LLVMBuildFSub(B, v, f64(kb, high), ""), "");
  LLVMValueRef turns = pw_trunc(kb, LLVMBuildFDiv(B, distance, f64(kb, range), ""));
  LLVMValueRef rest = LLVMBuildFSub(B, distance, LLVMBuildFMul(B, turns, f64(kb, range), ""), "");
  LLVMValueRef half = pw_trunc(kb, LLVMBuildFMul(B, turns, f64(kb, 0.5), ""));
  LLVMValueRef even =
      LLVMBuildFCmp(B, LLVMRealOEQ, turns, LLVMBuildFMul(B, half, f64(kb, 2), ""), "");
  LLVMValueRef from_low = LLVMBuildFAdd(B, f64(kb, low), rest, "");
  LLVMValueRef from_high = LLVMBuildFSub(B, f64(kb, high), rest, "");
  LLVMValueRef result =
      LLVMBuildSelect(B, above, LLVMBuildSelect(B, even, from_high, from_low, ""), v, "");
  return LLVMBuildSelect(B, below, LLVMBuildSelect(B, even, from_low, from_high, ""), result, "");
}

/* The input coordinate (f32) of axis `axis` for normalized position `n`, padded. */
static LLVMValueRef coordinate(kernel_builder *kb, const grid_sample *g, int axis, LLVMValueRef n) {
  double length = (double)g->in[axis];
  LLVMValueRef x = LLVMBuildFAdd(B, n, f32(kb, 1), "");
  if (g->align_corners)
    x = LLVMBuildFMul(B, LLVMBuildFDiv(B, x, f32(kb, 2), ""), f32(kb, length - 1), "");
  else
    x = LLVMBuildFDiv(B, LLVMBuildFSub(B, LLVMBuildFMul(B, x, f32(kb, length), ""), f32(kb, 1), ""),
                      f32(kb, 2), "");
  if (g->mode == GRID_NEAREST)
    x = pw_round_half_even(kb, x);
  if (g->padding == GRID_BORDER) {
    x = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, f32(kb, 0), ""), f32(kb, 0), x, "");
    x = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, x, f32(kb, length - 1), ""),
                        f32(kb, length - 1), x, "");
  } else if (g->padding == GRID_REFLECTION) {
    LLVMValueRef wide = LLVMBuildFPExt(B, x, LLVMDoubleTypeInContext(kb_context(kb)), "");
    x = LLVMBuildFPTrunc(B, reflect(kb, wide, border_low(g), border_high(g, axis)), pw_f32_type(kb),
                         "");
  }
  /* Far outside every tap reads padding: clamp so the index conversion stays exact. */
  x = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, f32(kb, -8), ""), f32(kb, -8), x, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, x, f32(kb, length + 8), ""),
                         f32(kb, length + 8), x, "");
}

/* Pixel index `i` (i32) of `axis` padded: a safe index, and whether it reads X (zeros). */
static LLVMValueRef pixel_index(kernel_builder *kb, const grid_sample *g, int axis, LLVMValueRef i,
                                LLVMValueRef *valid) {
  LLVMValueRef last = c32(kb, g->in[axis] - 1);
  *valid = LLVMBuildICmp(B, LLVMIntULE, i, last, "");
  if (g->padding == GRID_REFLECTION) {
    LLVMValueRef wide = LLVMBuildSIToFP(B, i, LLVMDoubleTypeInContext(kb_context(kb)), "");
    i = LLVMBuildFPToSI(B, reflect(kb, wide, border_low(g), border_high(g, axis)),
                        LLVMInt32TypeInContext(kb_context(kb)), "");
  }
  if (g->padding != GRID_ZEROS)
    *valid = LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0);
  i = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, i, c32(kb, 0), ""), c32(kb, 0), i, "");
  return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, i, last, ""), last, i, "");
}

/* Weight of tap k (0..taps-1) for the fraction t: linear 1 - t, t; cubic Keys (A = -0.75). */
static LLVMValueRef tap_weight(kernel_builder *kb, int mode, int k, LLVMValueRef t) {
  if (mode == GRID_LINEAR)
    return k == 0 ? LLVMBuildFSub(B, f32(kb, 1), t, "") : t;
  const double a = -0.75;
  LLVMValueRef s = k == 0   ? LLVMBuildFAdd(B, t, f32(kb, 1), "")
                   : k == 1 ? t
                   : k == 2 ? LLVMBuildFSub(B, f32(kb, 1), t, "")
                            : LLVMBuildFSub(B, f32(kb, 2), t, "");
  LLVMValueRef s2 = LLVMBuildFMul(B, s, s, "");
  if (k == 1 || k == 2) /* ((a + 2) s - (a + 3)) s^2 + 1 */
    return LLVMBuildFAdd(
        B,
        LLVMBuildFMul(B,
                      LLVMBuildFSub(B, LLVMBuildFMul(B, f32(kb, a + 2), s, ""), f32(kb, a + 3), ""),
                      s2, ""),
        f32(kb, 1), "");
  /* ((a s - 5 a) s + 8 a) s - 4 a */
  LLVMValueRef v = LLVMBuildFSub(B, LLVMBuildFMul(B, f32(kb, a), s, ""), f32(kb, 5 * a), "");
  v = LLVMBuildFAdd(B, LLVMBuildFMul(B, v, s, ""), f32(kb, 8 * a), "");
  return LLVMBuildFSub(B, LLVMBuildFMul(B, v, s, ""), f32(kb, 4 * a), "");
}

static int grid_sample_kernel(kernel_builder *kb, const grid_sample *g, int64_t count,
                              uint32_t grid_blocks) {
  int r = g->spatial, taps = g->mode == GRID_NEAREST ? 1 : g->mode == GRID_LINEAR ? 2 : 4;
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid_blocks);
  LLVMValueRef position = LLVMBuildURem(B, e, c32(kb, g->out_size), "");
  LLVMValueRef plane = LLVMBuildUDiv(B, e, c32(kb, g->out_size), ""); /* n * C + c */
  LLVMValueRef n = LLVMBuildUDiv(B, plane, c32(kb, g->channels), "");
  LLVMValueRef grid_at =
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, n, c32(kb, g->out_size), ""), position, ""),
                   c32(kb, r), "");
  LLVMValueRef base[IR_MAX_RANK], weights[IR_MAX_RANK][4];
  for (int axis = 0; axis < r; axis++) {
    LLVMValueRef normalized =
        pw_convert(kb,
                   pw_load(kb, g->grid_dtype, kb_param_value(kb, 1),
                           LLVMBuildAdd(B, grid_at, c32(kb, r - 1 - axis), "")),
                   g->grid_dtype, IR_DTYPE_F32);
    LLVMValueRef x = coordinate(kb, g, axis, normalized);
    LLVMValueRef whole = g->mode == GRID_NEAREST ? x : pw_floor(kb, x, false);
    base[axis] = LLVMBuildFPToSI(B, whole, LLVMInt32TypeInContext(kb_context(kb)), "");
    if (g->mode == GRID_CUBIC)
      base[axis] = LLVMBuildSub(B, base[axis], c32(kb, 1), "");
    LLVMValueRef t = LLVMBuildFSub(B, x, whole, "");
    for (int k = 0; k < taps; k++)
      weights[axis][k] = g->mode == GRID_NEAREST ? f32(kb, 1) : tap_weight(kb, g->mode, k, t);
  }
  LLVMValueRef sum = f32(kb, 0), plane_at = LLVMBuildMul(B, plane, c32(kb, g->in_size), "");
  int combinations = 1;
  for (int axis = 0; axis < r; axis++)
    combinations *= taps;
  for (int combination = 0; combination < combinations; combination++) {
    LLVMValueRef offset = c32(kb, 0), weight = NULL;
    LLVMValueRef valid = LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0);
    for (int axis = 0, rest = combination; axis < r; axis++, rest /= taps) {
      int k = rest % taps;
      LLVMValueRef inside,
          i = pixel_index(kb, g, axis, LLVMBuildAdd(B, base[axis], c32(kb, k), ""), &inside);
      valid = LLVMBuildAnd(B, valid, inside, "");
      offset = LLVMBuildAdd(B, LLVMBuildMul(B, offset, c32(kb, g->in[axis]), ""), i, "");
      weight = weight ? LLVMBuildFMul(B, weight, weights[axis][k], "") : weights[axis][k];
    }
    LLVMValueRef value = pw_convert(
        kb, pw_load(kb, g->dtype, kb_param_value(kb, 0), LLVMBuildAdd(B, plane_at, offset, "")),
        g->dtype, IR_DTYPE_F32);
    value = LLVMBuildSelect(B, valid, LLVMBuildFMul(B, weight, value, ""), f32(kb, 0), "");
    sum = LLVMBuildFAdd(B, sum, value, "");
  }
  pw_store(kb, g->dtype, kb_param_value(kb, 2), e, pw_convert(kb, sum, IR_DTYPE_F32, g->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_grid_sample(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t count, in_count, grid_count, align;
  const char *padding;
  grid_sample g = {.dtype = x->dtype,
                   .grid_dtype = node->inputs[1]->type.dtype,
                   .spatial = x->rank - 2,
                   .channels = x->dims[1],
                   .in_size = 1,
                   .out_size = 1};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &in_count) != 0 ||
      pw_check_value(ctx, node, node->inputs[1], "grid", &grid_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_grid_sample_mode(node, &g.mode, ctx->diag) != 0 ||
      ir_attr_int_default(node, "align_corners", &align, ctx->diag) != 0 ||
      ir_attr_string_default(node, "padding_mode", &padding, ctx->diag) != 0)
    return -1;
  if (!ir_dtype_is_float(x->dtype) || ir_dtype_bits(x->dtype) < 16)
    return ir_node_error(ctx->diag, node, "no GridSample kernel for %s", ir_dtype_name(x->dtype));
  if (g.mode == GRID_CUBIC && g.spatial > 3)
    return ir_node_error(ctx->diag, node, "cubic GridSample of %d spatial axes (at most 3)",
                         g.spatial);
  g.align_corners = align != 0;
  g.padding = strcmp(padding, "border") == 0       ? GRID_BORDER
              : strcmp(padding, "reflection") == 0 ? GRID_REFLECTION
                                                   : GRID_ZEROS;
  for (int d = 0; d < g.spatial; d++) {
    g.in[d] = x->dims[2 + d];
    g.in_size *= g.in[d];
    g.out_size *= y->dims[2 + d];
  }
  if (count == 0)
    return 0;
  if (in_count == 0)
    return ir_node_error(ctx->diag, node, "GridSample of an empty input");
  uint32_t grid = pw_grid_for(count);
  if (pw_launch_present_inputs(ctx, node, out, "grid_sample", grid, 0) != 0)
    return -1;
  return grid_sample_kernel(ctx->kb, &g, count, grid);
}
