/* The integer-arithmetic ops expanded at import. MatMulInteger and QLinearMatMul form
 * (A - a_zero_point)(B - b_zero_point) exactly in i32, as a broadcast product [.., M, K, N]
 * summed over K (one fused reduction kernel). ConvInteger and QLinearConv convolve the
 * zero-point-shifted integers with the f32 Conv, which is exact while every partial sum stays
 * below 2^24 (checked from the element types, or from the weights when they are constants).
 * The QLinear forms then requantize as ONNX's reference does: the i32 result times
 * a_scale * b_scale / y_scale (that product in the scales' type), in f64, plus y_zero_point,
 * rounded half to even and saturated to the output type. */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

static ir_value *input(ir_value **inputs, int num_inputs, int i) {
  return i < num_inputs ? inputs[i] : NULL;
}

/* x - zero_point in `dtype`; a 1-D zero point of `rows` (!= 1) elements applies per row
 * (reshaped to [rows, 1, ..] of `rank` - axis dims). */
static ir_value *shifted(onnx_import *import, const char *base, ir_value *x, ir_value *zero_point,
                         ir_dtype dtype, int per_row_rank) {
  ir_value *wide = onnx_build_cast(import, base, x, dtype, NULL);
  if (!zero_point || !wide)
    return wide;
  ir_value *zp = onnx_build_cast(import, base, zero_point, dtype, NULL);
  if (zp && zp->type.rank == 1 && zp->type.dims[0] != 1 && per_row_rank > 1) {
    int64_t dims[IR_MAX_RANK] = {zp->type.dims[0]};
    for (int d = 1; d < per_row_rank; d++)
      dims[d] = 1;
    zp = onnx_build_reshape(import, base, zp, dims, per_row_rank, NULL);
  }
  return onnx_build(import, IR_OP_SUB, base, wide, zp, NULL);
}

/* (A - a_zp)(B - b_zp) in i32: [.., M, K, 1] * [.., 1, K, N] summed over K. */
static ir_value *integer_matmul(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                const char *base, ir_value *a, ir_value *a_zp, ir_value *b,
                                ir_value *b_zp) {
  const ir_type *ta = &a->type, *tb = &b->type;
  if (ta->rank < 2 || tb->rank < 2 || !ir_type_is_static(ta) || !ir_type_is_static(tb) ||
      ta->dims[ta->rank - 1] != tb->dims[tb->rank - 2]) {
    onnx_node_error(import, proto, index,
                    "needs A [.., M, K] and B [.., K, N] of rank 2 or more with static shapes");
    return NULL;
  }
  int64_t a_dims[IR_MAX_RANK + 1], b_dims[IR_MAX_RANK + 1];
  memcpy(a_dims, ta->dims, sizeof(int64_t) * (size_t)ta->rank);
  a_dims[ta->rank] = 1;
  memcpy(b_dims, tb->dims, sizeof(int64_t) * (size_t)(tb->rank - 2));
  b_dims[tb->rank - 2] = 1;
  b_dims[tb->rank - 1] = tb->dims[tb->rank - 2];
  b_dims[tb->rank] = tb->dims[tb->rank - 1];
  ir_value *a32 = shifted(import, base, a, a_zp, IR_DTYPE_I32, 2);
  ir_value *b32 = shifted(import, base, b, b_zp, IR_DTYPE_I32, 0);
  ir_value *product = onnx_build(
      import, IR_OP_MUL, base, onnx_build_reshape(import, base, a32, a_dims, ta->rank + 1, NULL),
      onnx_build_reshape(import, base, b32, b_dims, tb->rank + 1, NULL), NULL);
  int64_t k_axis = -2;
  ir_value *axes = onnx_ints_constant(import, base, &k_axis, 1);
  ir_node *sum = product && axes ? onnx_build_start(import, IR_OP_REDUCE_SUM, base,
                                                    (ir_value *[]){product, axes}, 2, NULL)
                                 : NULL;
  if (sum && ir_node_set_int(import->graph, sum, "keepdims", 0) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, sum);
}

/* round(acc * (s1 * s2 / s3) + zp) saturated to `to`, named `name`. `s1` may be per row of a
 * rank-`rank` result (then reshaped to [M, 1]) or per output channel ([C] → [C, 1, ..]). */
static int requantize(onnx_import *import, const char *base, ir_value *acc, ir_value *s1,
                      ir_value *s2, ir_value *s3, ir_value *zp, ir_dtype to, const char *name,
                      int s1_rank, int s2_rank) {
  ir_value *scales[2] = {s1, s2};
  int ranks[2] = {s1_rank, s2_rank};
  for (int i = 0; i < 2; i++) {
    const ir_type *t = scales[i] ? &scales[i]->type : NULL;
    if (t && t->rank == 1 && t->dims[0] != 1 && ranks[i] > 1) {
      int64_t dims[IR_MAX_RANK] = {t->dims[0]};
      for (int d = 1; d < ranks[i]; d++)
        dims[d] = 1;
      scales[i] = onnx_build_reshape(import, base, scales[i], dims, ranks[i], NULL);
    }
  }
  ir_value *multiplier =
      onnx_build(import, IR_OP_DIV, base,
                 onnx_build(import, IR_OP_MUL, base, scales[0], scales[1], NULL), s3, NULL);
  ir_value *y =
      onnx_build(import, IR_OP_MUL, base, onnx_build_cast(import, base, acc, IR_DTYPE_F64, NULL),
                 onnx_build_cast(import, base, multiplier, IR_DTYPE_F64, NULL), NULL);
  if (zp)
    y = onnx_build(import, IR_OP_ADD, base, y,
                   onnx_build_cast(import, base, zp, IR_DTYPE_F64, NULL), NULL);
  y = onnx_build(import, IR_OP_ROUND, base, y, NULL, NULL);
  double low = to == IR_DTYPE_I8 ? -128 : 0, high = to == IR_DTYPE_I8 ? 127 : 255;
  ir_value *clip_in[3] = {y, onnx_float_scalar_constant(import, base, IR_DTYPE_F64, low),
                          onnx_float_scalar_constant(import, base, IR_DTYPE_F64, high)};
  y = y && clip_in[1] && clip_in[2]
          ? onnx_build_finish(import, onnx_build_start(import, IR_OP_CLIP, base, clip_in, 3, NULL))
          : NULL;
  return onnx_build_cast(import, base, y, to, name) ? 0 : -1;
}

static bool is_8bit(const ir_value *v) {
  return v && (v->type.dtype == IR_DTYPE_U8 || v->type.dtype == IR_DTYPE_I8);
}

int onnx_expand_integer_matmul(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_value **inputs, int num_inputs, const char **names,
                               int num_outputs) {
  (void)num_outputs;
  const char *node = onnx_node_display_name(import, proto, index);
  const char *base = ir_arena_printf(import->graph->arena, "%s/int", node);
  bool qlinear = strcmp(onnx_text(proto->op_type), "QLinearMatMul") == 0;
  ir_value *a = input(inputs, num_inputs, 0);
  ir_value *b = input(inputs, num_inputs, qlinear ? 3 : 1);
  if (!base || !is_8bit(a) || !is_8bit(b))
    return base ? onnx_node_error(import, proto, index, "needs 8-bit integer A and B") : -1;
  if (!qlinear) {
    ir_value *y = integer_matmul(import, proto, index, base, a, input(inputs, num_inputs, 2), b,
                                 input(inputs, num_inputs, 3));
    return y && onnx_build(import, IR_OP_IDENTITY, base, y, NULL, names[0]) ? 0 : -1;
  }
  if (!input(inputs, num_inputs, 1) || !input(inputs, num_inputs, 4) ||
      !input(inputs, num_inputs, 6))
    return onnx_node_error(import, proto, index, "needs a_scale, b_scale and y_scale");
  ir_value *y_zp = input(inputs, num_inputs, 7);
  ir_value *acc = integer_matmul(import, proto, index, base, a, input(inputs, num_inputs, 2), b,
                                 input(inputs, num_inputs, 5));
  ir_dtype to = y_zp ? y_zp->type.dtype : a->type.dtype;
  return acc ? requantize(import, base, acc, inputs[1], inputs[4], inputs[6], y_zp, to, names[0], 2,
                          0)
             : -1;
}

/* Largest |v - zero_point| an 8-bit input can hold: from its data when constant, else its type. */
static double largest_shift(const ir_value *v, const ir_value *zp) {
  bool is_signed = v->type.dtype == IR_DTYPE_I8;
  double low = is_signed ? -128 : 0, high = is_signed ? 127 : 255, largest = 0;
  int64_t count = 0, zp_count = 0;
  if (v->kind == IR_VALUE_CONSTANT && v->data && ir_type_element_count(&v->type, &count)) {
    low = high = 0;
    for (int64_t i = 0; i < count; i++) {
      double x = ir_element_get_float(v->type.dtype, v->data, i);
      low = i == 0 || x < low ? x : low, high = i == 0 || x > high ? x : high;
    }
  }
  if (!zp || !(zp->kind == IR_VALUE_CONSTANT && zp->data) ||
      !ir_type_element_count(&zp->type, &zp_count))
    return 255; /* a zero point anywhere in the type's range */
  for (int64_t i = 0; i < zp_count; i++) {
    double z = ir_element_get_float(zp->type.dtype, zp->data, i);
    largest = fmax(largest, fmax(fabs(high - z), fabs(low - z)));
  }
  return zp_count ? largest : fmax(fabs(high), fabs(low));
}

int onnx_expand_integer_conv(onnx_import *import, const Onnx__NodeProto *proto, int index,
                             ir_value **inputs, int num_inputs, const char **names,
                             int num_outputs) {
  (void)num_outputs;
  const char *node = onnx_node_display_name(import, proto, index);
  const char *base = ir_arena_printf(import->graph->arena, "%s/int", node);
  bool qlinear = strcmp(onnx_text(proto->op_type), "QLinearConv") == 0;
  ir_value *x = input(inputs, num_inputs, 0), *w = input(inputs, num_inputs, qlinear ? 3 : 1);
  ir_value *x_zp = input(inputs, num_inputs, 2);
  ir_value *w_zp = input(inputs, num_inputs, qlinear ? 5 : 3);
  if (!base || !is_8bit(x) || !is_8bit(w) || !ir_type_is_static(&w->type) || w->type.rank < 3)
    return base ? onnx_node_error(import, proto, index,
                                  "needs 8-bit integer X and W (static, rank 3 or more)")
                : -1;
  /* Exact in f32 while every sum of products stays below 2^24. */
  int64_t terms = 1;
  for (int d = 1; d < w->type.rank; d++)
    terms *= w->type.dims[d];
  double bound = (double)terms * largest_shift(x, x_zp) * largest_shift(w, w_zp);
  if (bound >= 16777216.0)
    return onnx_node_error(import, proto, index,
                           "unsupported: sums of up to %.0f, past f32's exact integers (2^24), "
                           "for dlcc's f32 convolution",
                           bound);
  ir_value *conv_in[3] = {shifted(import, base, x, x_zp, IR_DTYPE_F32, 0),
                          shifted(import, base, w, w_zp, IR_DTYPE_F32, w->type.rank), NULL};
  ir_value *bias = qlinear ? input(inputs, num_inputs, 8) : NULL;
  if (bias && !(conv_in[2] = onnx_build_cast(import, base, bias, IR_DTYPE_F32, NULL)))
    return -1;
  if (!conv_in[0] || !conv_in[1])
    return -1;
  ir_node *conv = onnx_build_start(import, IR_OP_CONV, node, conv_in, bias ? 3 : 2, NULL);
  if (!conv || onnx_convert_attrs(import, proto, index, conv) != 0)
    return -1;
  ir_value *acc = onnx_build_cast(import, base, onnx_build_finish(import, conv), IR_DTYPE_I32,
                                  qlinear ? NULL : names[0]);
  if (!qlinear || !acc)
    return acc ? 0 : -1;
  if (!input(inputs, num_inputs, 1) || !input(inputs, num_inputs, 4) ||
      !input(inputs, num_inputs, 6))
    return onnx_node_error(import, proto, index, "needs x_scale, w_scale and y_scale");
  ir_value *y_zp = input(inputs, num_inputs, 7);
  ir_dtype to = y_zp ? y_zp->type.dtype : x->type.dtype;
  /* w_scale per output channel: [C] → [C, 1, ..] against [N, C, ..] needs a leading 1. */
  ir_value *w_scale = inputs[4];
  if (w_scale->type.rank == 1 && w_scale->type.dims[0] != 1) {
    int64_t dims[IR_MAX_RANK] = {1, w_scale->type.dims[0]};
    for (int d = 2; d < x->type.rank; d++)
      dims[d] = 1;
    w_scale = onnx_build_reshape(import, base, w_scale, dims, x->type.rank, NULL);
  }
  return requantize(import, base, acc, inputs[1], w_scale, inputs[6], y_zp, to, names[0], 0, 0);
}
