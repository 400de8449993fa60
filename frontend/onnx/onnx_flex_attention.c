/* FlexAttention (ai.onnx.preview, opset 1) expanded at import. Without modifier subgraphs it
 * is the Attention op on rank-4 Q, K, V (same scale default, same grouping of query heads
 * onto KV heads). With score_mod or prob_mod the scores are materialized so the subgraphs
 * can be inlined on them: K and V heads repeated for grouped queries, MatMul(Q, K^T) * scale,
 * score_mod, Softmax over the keys, prob_mod, MatMul with V. Everything computes in f32
 * (the MatMul and Attention kernels' type); f16/bf16 as ONNX's default softmax precision
 * does, f64 rounded to f32 and back; modifiers on f64, whose precision would be f64, and an
 * explicit softmax_precision other than f32 are refused. */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

static const Onnx__GraphProto *modifier(const Onnx__NodeProto *proto, const char *name) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr && onnx_attr_type(attr) == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH ? attr->g
                                                                                      : NULL;
}

/* x [B, Hkv, S, D] with each head repeated `group` times: [B, Hkv * group, S, D]. */
static ir_value *repeat_heads(onnx_import *import, const char *base, ir_value *x, int64_t group) {
  if (group == 1)
    return x;
  const int64_t *d = x->type.dims;
  int64_t split[5] = {d[0], d[1], 1, d[2], d[3]}, wide[5] = {d[0], d[1], group, d[2], d[3]};
  int64_t merged[4] = {d[0], d[1] * group, d[2], d[3]};
  ir_value *five = onnx_build_reshape(import, base, x, split, 5, NULL);
  ir_value *expanded = onnx_build(import, IR_OP_EXPAND, base, five,
                                  five ? onnx_ints_constant(import, base, wide, 5) : NULL, NULL);
  return onnx_build_reshape(import, base, expanded, merged, 4, NULL);
}

/* Inlines modifier `body` on `x`; `x` itself when there is none. */
static ir_value *apply_modifier(onnx_import *import, const char *node, const char *what,
                                const Onnx__GraphProto *body, ir_value *x) {
  if (!body || !x)
    return x;
  if (body->n_output != 1)
    return onnx_error(import, "node '%s' (FlexAttention): %s must have one output", node, what),
           NULL;
  ir_value *out = NULL;
  const char *prefix = ir_arena_printf(import->graph->arena, "%s/%s", node, what);
  if (!prefix || onnx_inline_body(import, body, prefix, &x, 1, &out) != 0)
    return NULL;
  if (out->type.rank != 4 || memcmp(out->type.dims, x->type.dims, sizeof(int64_t) * 4) != 0 ||
      out->type.dtype != x->type.dtype)
    return onnx_error(import,
                      "node '%s' (FlexAttention): %s must keep its input's shape and "
                      "element type",
                      node, what),
           NULL;
  return out;
}

static ir_value *modified(onnx_import *import, const Onnx__NodeProto *proto, const char *node,
                          ir_value **qkv, float scale, const char *base) {
  int64_t group = qkv[0]->type.dims[1] / qkv[1]->type.dims[1];
  ir_value *k = repeat_heads(import, base, qkv[1], group);
  ir_value *v = repeat_heads(import, base, qkv[2], group);
  ir_node *transpose = k ? onnx_build_start(import, IR_OP_TRANSPOSE, base, &k, 1, NULL) : NULL;
  const int64_t perm[4] = {0, 1, 3, 2};
  ir_value *kt = NULL;
  if (!transpose || ir_node_set_ints(import->graph, transpose, "perm", perm, 4) != 0 ||
      !(kt = onnx_build_finish(import, transpose)))
    return NULL;
  ir_value *scores = onnx_build(import, IR_OP_MATMUL, base, qkv[0], kt, NULL);
  scores = onnx_build(import, IR_OP_MUL, base, scores,
                      onnx_float_scalar_constant(import, base, IR_DTYPE_F32, scale), NULL);
  scores = apply_modifier(import, node, "score_mod", modifier(proto, "score_mod"), scores);
  ir_node *softmax =
      scores ? onnx_build_start(import, IR_OP_SOFTMAX, base, &scores, 1, NULL) : NULL;
  ir_value *probs = NULL;
  if (!softmax || ir_node_set_int(import->graph, softmax, "axis", -1) != 0 ||
      !(probs = onnx_build_finish(import, softmax)))
    return NULL;
  probs = apply_modifier(import, node, "prob_mod", modifier(proto, "prob_mod"), probs);
  return onnx_build(import, IR_OP_MATMUL, base, probs, v, NULL);
}

int onnx_expand_flex_attention(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_value **inputs, int num_inputs, const char **names,
                               int num_outputs) {
  (void)num_outputs;
  const char *node = onnx_node_display_name(import, proto, index);
  if (num_inputs != 3 || !inputs[0] || !inputs[1] || !inputs[2])
    return onnx_node_error(import, proto, index, "needs Q, K and V");
  const ir_type *q = &inputs[0]->type, *k = &inputs[1]->type, *v = &inputs[2]->type;
  ir_dtype dtype = q->dtype;
  if (q->rank != 4 || k->rank != 4 || v->rank != 4 || !ir_type_is_static(q) ||
      !ir_type_is_static(k) || !ir_type_is_static(v) || !ir_dtype_is_float(dtype) ||
      k->dtype != dtype || v->dtype != dtype)
    return onnx_node_error(import, proto, index,
                           "needs float Q, K, V of one type, rank 4 and static shapes");
  if (k->dims[0] != q->dims[0] || v->dims[0] != q->dims[0] || v->dims[1] != k->dims[1] ||
      v->dims[2] != k->dims[2] || k->dims[3] != q->dims[3] || k->dims[1] <= 0 ||
      q->dims[1] % k->dims[1] != 0)
    return onnx_node_error(import, proto, index,
                           "needs Q [B, Hq, L, E], K [B, Hkv, S, E], V [B, Hkv, S, Ev] with Hq "
                           "a multiple of Hkv");
  const Onnx__AttributeProto *precision = onnx_find_attr(proto, "softmax_precision");
  if (precision && ir_dtype_from_onnx((int)precision->i) != IR_DTYPE_F32)
    return onnx_node_error(import, proto, index,
                           "unsupported: softmax_precision other than float (%lld)",
                           (long long)precision->i);
  const Onnx__AttributeProto *scale_attr = onnx_find_attr(proto, "scale");
  float scale = scale_attr ? scale_attr->f : (float)(1.0 / sqrt((double)q->dims[3]));
  const char *base = ir_arena_printf(import->graph->arena, "%s/flex", node);
  if (!base)
    return onnx_error(import, "out of memory");
  bool narrow = dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16;
  bool mods = modifier(proto, "score_mod") || modifier(proto, "prob_mod");
  if (mods && dtype == IR_DTYPE_F64)
    return onnx_node_error(import, proto, index,
                           "unsupported: modifiers on f64 inputs (their softmax precision is f64; "
                           "dlcc computes FlexAttention in f32)");
  /* The Attention kernel reads f16/bf16 itself; everything else computes in f32. */
  ir_dtype compute = narrow && !mods ? dtype : IR_DTYPE_F32;
  ir_value *qkv[3];
  for (int i = 0; i < 3; i++)
    if (!(qkv[i] = onnx_build_cast(import, base, inputs[i], compute, NULL)))
      return -1;
  ir_value *y;
  if (mods) {
    y = modified(import, proto, node, qkv, scale, base);
  } else {
    ir_node *attention =
        onnx_build_start(import, IR_OP_ATTENTION, node, qkv, 3, compute == dtype ? names[0] : NULL);
    if (!attention || ir_node_set_float(import->graph, attention, "scale", scale) != 0)
      return -1;
    y = onnx_build_finish(import, attention);
    if (y && compute == dtype)
      return 0;
  }
  return onnx_build_cast(import, base, y, dtype, names[0]) ? 0 : -1;
}
