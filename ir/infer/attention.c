/* Inference of RotaryEmbedding (opset 23, at the end) and Attention (opsets 23, 24): Q, K, V as
 * [batch, heads, sequence, head size] or 3-D [batch, sequence, heads * head size] (q_num_heads /
 * kv_num_heads then say how many heads); optional attn_mask, past_key, past_value and
 * nonpad_kv_seqlen; outputs Y, and optionally present_key, present_value and the QK scores. */
#include "ir/attention.h"

#include "ir/infer.h"

#include <math.h>

/* Heads and sizes of a Q, K or V input. */
static int read_part(ir_graph *graph, const ir_node *node, int input, int64_t heads_attr,
                     int64_t *heads, int64_t *sequence, int64_t *head_size, dl_diag *diag) {
  const ir_type *type = &node->inputs[input]->type;
  if (ir_expect_rank(graph, node, input, 3, 4, diag) != 0 ||
      ir_expect_static_dims(graph, node, input, 0, "Attention", diag) != 0)
    return -1;
  if (type->rank == 4) {
    *heads = type->dims[1], *sequence = type->dims[2], *head_size = type->dims[3];
    return 0;
  }
  if (heads_attr <= 0 || type->dims[2] % heads_attr != 0)
    return ir_input_error(graph, diag, node, input,
                          "a 3-D Attention input needs q_num_heads and kv_num_heads that divide "
                          "its last dim");
  *heads = heads_attr, *sequence = type->dims[1], *head_size = type->dims[2] / heads_attr;
  return 0;
}

int ir_attention_read(ir_graph *graph, const ir_node *node, ir_attention_shape *out,
                      dl_diag *diag) {
  ir_attention_shape s = {.three_d = node->inputs[0]->type.rank == 3};
  int64_t q_heads_attr, kv_heads_attr, k_heads, v_heads, v_sequence, k_size;
  if (ir_attr_int(node, "q_num_heads", 0, &q_heads_attr, diag) != 0 ||
      ir_attr_int(node, "kv_num_heads", 0, &kv_heads_attr, diag) != 0 ||
      ir_attr_int_default(node, "is_causal", &s.causal, diag) != 0 ||
      ir_attr_int_default(node, "qk_matmul_output_mode", &s.qk_mode, diag) != 0 ||
      ir_attr_float_default(node, "softcap", &s.softcap, diag) != 0 ||
      read_part(graph, node, 0, q_heads_attr, &s.q_heads, &s.q_sequence, &s.head_size, diag) != 0 ||
      read_part(graph, node, 1, kv_heads_attr, &k_heads, &s.kv_sequence, &k_size, diag) != 0 ||
      read_part(graph, node, 2, kv_heads_attr, &v_heads, &v_sequence, &s.v_head_size, diag) != 0)
    return -1;
  s.batch = node->inputs[0]->type.dims[0];
  s.kv_heads = k_heads;
  for (int i = 1; i < 3; i++) {
    if (ir_expect_same_dtype(graph, node, i, 0, diag) != 0)
      return -1;
    if (node->inputs[i]->type.rank != node->inputs[0]->type.rank ||
        node->inputs[i]->type.dims[0] != s.batch)
      return ir_input_error(graph, diag, node, i,
                            "Attention needs Q, K and V of one rank and batch");
  }
  if (k_size != s.head_size || v_heads != k_heads || v_sequence != s.kv_sequence || k_heads <= 0 ||
      s.q_heads % k_heads != 0)
    return ir_node_error(diag, node,
                         "Attention needs K's head size to be Q's, K and V to have one head count "
                         "and sequence, and kv heads to divide q heads");
  if (s.qk_mode < 0 || s.qk_mode > 3)
    return ir_node_error(diag, node, "attribute 'qk_matmul_output_mode' is %lld; it must be 0..3",
                         (long long)s.qk_mode);
  float default_scale = 1.0f / sqrtf((float)s.head_size);
  if (ir_attr_float(node, "scale", default_scale, &s.scale, diag) != 0)
    return -1;
  const ir_value *past_key = ir_node_input(node, 4), *past_value = ir_node_input(node, 5);
  if ((past_key == NULL) != (past_value == NULL))
    return ir_node_error(diag, node, "Attention needs past_key and past_value together");
  if (past_key) {
    const ir_type *pk = &past_key->type, *pv = &past_value->type;
    if (pk->rank != 4 || pv->rank != 4 || pk->dims[0] != s.batch || pk->dims[1] != k_heads ||
        pk->dims[3] != s.head_size || pv->dims[0] != s.batch || pv->dims[1] != k_heads ||
        pv->dims[2] != pk->dims[2] || pv->dims[3] != s.v_head_size)
      return ir_input_error(graph, diag, node, 4,
                            "Attention needs past_key [batch, kv heads, past, head size] and "
                            "past_value [batch, kv heads, past, v head size]");
    s.past_sequence = pk->dims[2];
  }
  s.total_sequence = s.past_sequence + s.kv_sequence;
  const ir_value *mask = ir_node_input(node, 3);
  if (mask) {
    const ir_type *m = &mask->type;
    if (m->rank < 2 || m->rank > 4 || !ir_type_is_static(m) ||
        (m->dtype != IR_DTYPE_BOOL && m->dtype != node->inputs[0]->type.dtype) ||
        m->dims[m->rank - 1] > s.total_sequence)
      return ir_input_error(
          graph, diag, node, 3,
          "Attention needs a bool or Q-typed mask of rank 2 to 4 whose last dim is "
          "at most the total sequence %lld",
          (long long)s.total_sequence);
    const int64_t full[4] = {s.batch, s.q_heads, s.q_sequence, s.total_sequence};
    for (int d = 0; d < m->rank - 1; d++) {
      int64_t against = full[4 - m->rank + d];
      if (m->dims[d] != 1 && m->dims[d] != against)
        return ir_input_error(graph, diag, node, 3,
                              "Attention's mask does not broadcast to "
                              "[batch, q heads, q sequence, total sequence]");
    }
  }
  const ir_value *nonpad = ir_node_input(node, 6);
  if (nonpad && (nonpad->type.rank != 1 || nonpad->type.dims[0] != s.batch ||
                 nonpad->type.dtype != IR_DTYPE_I64))
    return ir_input_error(graph, diag, node, 6, "Attention needs nonpad_kv_seqlen as i64 [batch]");
  *out = s;
  return 0;
}

int ir_infer_attention(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_attention_shape s;
  if (ir_expect_float(graph, node, 0, diag) != 0 || ir_attention_read(graph, node, &s, diag) != 0)
    return -1;
  ir_dtype dtype = node->inputs[0]->type.dtype;
  ir_type y = s.three_d ? (ir_type){.dtype = dtype,
                                    .rank = 3,
                                    .dims = {s.batch, s.q_sequence, s.q_heads * s.v_head_size}}
                        : (ir_type){.dtype = dtype,
                                    .rank = 4,
                                    .dims = {s.batch, s.q_heads, s.q_sequence, s.v_head_size}};
  ir_type outputs[4] = {
      y,
      {.dtype = dtype, .rank = 4, .dims = {s.batch, s.kv_heads, s.total_sequence, s.head_size}},
      {.dtype = dtype, .rank = 4, .dims = {s.batch, s.kv_heads, s.total_sequence, s.v_head_size}},
      {.dtype = dtype, .rank = 4, .dims = {s.batch, s.q_heads, s.q_sequence, s.total_sequence}}};
  for (int i = 0; i < node->num_outputs; i++)
    if (ir_set_output_type(node, i, outputs[i], diag) != 0)
      return -1;
  return 0;
}

/* RotaryEmbedding(X, cos_cache, sin_cache, position_ids?): X as [batch, heads, sequence, head
 * size] or 3-D [batch, sequence, heads * head size] (num_heads given); caches [positions,
 * rotary dim / 2] indexed by position_ids [batch, sequence], or [batch, sequence, rotary dim
 * / 2] without them. The output has X's type. */
int ir_infer_rotary_embedding(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t heads, rotary_dim, interleaved;
  if (ir_expect_rank(graph, node, 0, 3, 4, diag) != 0 ||
      ir_expect_float(graph, node, 0, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "RotaryEmbedding", diag) != 0 ||
      ir_attr_int_default(node, "num_heads", &heads, diag) != 0 ||
      ir_attr_int_default(node, "rotary_embedding_dim", &rotary_dim, diag) != 0 ||
      ir_attr_int_default(node, "interleaved", &interleaved, diag) != 0)
    return -1;
  if (x->rank == 3 && (heads <= 0 || x->dims[2] % heads != 0))
    return ir_input_error(graph, diag, node, 0,
                          "a 3-D RotaryEmbedding input needs num_heads dividing its last dim");
  int64_t sequence = x->rank == 3 ? x->dims[1] : x->dims[2];
  int64_t head_size = x->rank == 3 ? x->dims[2] / heads : x->dims[3];
  if (rotary_dim == 0)
    rotary_dim = head_size;
  if (rotary_dim < 0 || rotary_dim > head_size || rotary_dim % 2 != 0)
    return ir_node_error(diag, node,
                         "attribute 'rotary_embedding_dim' is %lld; it must be even and at most "
                         "the head size %lld",
                         (long long)rotary_dim, (long long)head_size);
  const ir_value *positions = ir_node_input(node, 3);
  for (int i = 1; i < 3; i++) {
    const ir_type *cache = &node->inputs[i]->type;
    if (ir_expect_same_dtype(graph, node, i, 0, diag) != 0)
      return -1;
    bool fits = positions
                    ? cache->rank == 2 && cache->dims[0] > 0 && cache->dims[1] == rotary_dim / 2
                    : cache->rank == 3 && cache->dims[0] == x->dims[0] &&
                          cache->dims[1] == sequence && cache->dims[2] == rotary_dim / 2;
    if (!fits)
      return ir_input_error(graph, diag, node, i,
                            positions ? "RotaryEmbedding needs a cache [positions, rotary dim / 2]"
                                      : "RotaryEmbedding needs a cache [batch, sequence, rotary "
                                        "dim / 2] without position_ids");
  }
  if (positions &&
      (positions->type.rank != 2 || positions->type.dims[0] != x->dims[0] ||
       positions->type.dims[1] != sequence ||
       (positions->type.dtype != IR_DTYPE_I64 && positions->type.dtype != IR_DTYPE_I32)))
    return ir_input_error(graph, diag, node, 3,
                          "RotaryEmbedding needs position_ids of i64 [batch, sequence]");
  return ir_set_output_type(node, 0, *x, diag);
}
