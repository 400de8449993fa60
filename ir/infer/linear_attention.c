/* Inference of LinearAttention (opset 27): query [batch, sequence, q heads * key size], key
 * [.., kv heads * key size], value [.., kv heads * value size], past_state [batch, kv heads,
 * key size, value size], decay and beta as the update rule asks. The output is query-shaped
 * with value size per head, present_state past_state's shape. dlcc computes it in f32; the
 * importer casts narrower float types around it. */
#include "ir/linear_attention.h"

#include "ir/infer.h"

#include <math.h>
#include <string.h>

enum { IN_QUERY, IN_KEY, IN_VALUE, IN_PAST, IN_DECAY, IN_BETA };

static int read_rule(const ir_node *node, ir_linear_attention_shape *s, dl_diag *diag) {
  const char *rule;
  if (ir_attr_string_default(node, "update_rule", &rule, diag) != 0)
    return -1;
  if (strcmp(rule, "linear") != 0 && strcmp(rule, "gated") != 0 && strcmp(rule, "delta") != 0 &&
      strcmp(rule, "gated_delta") != 0)
    return ir_node_error(diag, node,
                         "update_rule '%s' is not one of linear, gated, delta, gated_delta", rule);
  s->gated = strncmp(rule, "gated", 5) == 0;
  s->delta = strstr(rule, "delta") != NULL;
  if (s->gated != (ir_node_input(node, IN_DECAY) != NULL))
    return ir_node_error(diag, node, "update_rule '%s' %s the decay input", rule,
                         s->gated ? "needs" : "forbids");
  if (s->delta != (ir_node_input(node, IN_BETA) != NULL))
    return ir_node_error(diag, node, "update_rule '%s' %s the beta input", rule,
                         s->delta ? "needs" : "forbids");
  return 0;
}

/* Input `index` is [batch, sequence, last]; sets *out_last. */
static int packed_input(ir_graph *graph, const ir_node *node, int index,
                        const ir_linear_attention_shape *s, int64_t *out_last, dl_diag *diag) {
  const ir_type *t = &node->inputs[index]->type;
  if (t->rank != 3 || !ir_type_is_static(t) || t->dtype != IR_DTYPE_F32 ||
      (index != IN_QUERY && (t->dims[0] != s->batch || t->dims[1] != s->sequence)))
    return ir_input_error(graph, diag, node, index,
                          "LinearAttention needs f32 [batch, sequence, heads * size] inputs "
                          "with static shapes");
  *out_last = t->dims[2];
  return 0;
}

int ir_linear_attention_read(ir_graph *graph, const ir_node *node, ir_linear_attention_shape *out,
                             dl_diag *diag) {
  ir_linear_attention_shape s = {0};
  const ir_type *q = &node->inputs[IN_QUERY]->type;
  int64_t q_last = 0, k_last = 0, v_last = 0;
  if (ir_attr_int_default(node, "q_num_heads", &s.q_heads, diag) != 0 ||
      ir_attr_int_default(node, "kv_num_heads", &s.kv_heads, diag) != 0 ||
      read_rule(node, &s, diag) != 0)
    return -1;
  s.batch = q->rank == 3 ? q->dims[0] : 0;
  s.sequence = q->rank == 3 ? q->dims[1] : 0;
  if (packed_input(graph, node, IN_QUERY, &s, &q_last, diag) != 0 ||
      packed_input(graph, node, IN_KEY, &s, &k_last, diag) != 0 ||
      packed_input(graph, node, IN_VALUE, &s, &v_last, diag) != 0)
    return -1;
  if (s.q_heads <= 0 || s.kv_heads <= 0 || s.q_heads % s.kv_heads != 0)
    return ir_node_error(diag, node,
                         "q_num_heads %lld must be a positive multiple of "
                         "kv_num_heads %lld",
                         (long long)s.q_heads, (long long)s.kv_heads);
  if (q_last % s.q_heads != 0 || v_last % s.kv_heads != 0 ||
      k_last != q_last / s.q_heads * s.kv_heads)
    return ir_node_error(diag, node,
                         "query's, key's and value's last dims (%lld, %lld, %lld) "
                         "do not split into %lld query and %lld key/value heads of one key size",
                         (long long)q_last, (long long)k_last, (long long)v_last,
                         (long long)s.q_heads, (long long)s.kv_heads);
  s.key_size = q_last / s.q_heads;
  s.value_size = v_last / s.kv_heads;
  const ir_value *past = ir_node_input(node, IN_PAST);
  if (past) {
    const ir_type *p = &past->type;
    if (p->rank != 4 || p->dtype != IR_DTYPE_F32 || p->dims[0] != s.batch ||
        p->dims[1] != s.kv_heads || p->dims[2] != s.key_size || p->dims[3] != s.value_size)
      return ir_input_error(graph, diag, node, IN_PAST,
                            "LinearAttention needs past_state f32 [batch, kv heads, key size, "
                            "value size]");
  }
  int64_t last = 0;
  if (s.gated) {
    if (packed_input(graph, node, IN_DECAY, &s, &last, diag) != 0)
      return -1;
    if (last != s.kv_heads && last != s.kv_heads * s.key_size)
      return ir_input_error(
          graph, diag, node, IN_DECAY,
          "LinearAttention's decay needs last dim kv heads or kv heads * key size");
    s.decay_per_head = last == s.kv_heads && s.key_size != 1;
  }
  if (s.delta) {
    if (packed_input(graph, node, IN_BETA, &s, &last, diag) != 0)
      return -1;
    if (last != s.kv_heads && last != 1)
      return ir_input_error(graph, diag, node, IN_BETA,
                            "LinearAttention's beta needs last dim kv heads or 1");
    s.beta_shared = last == 1;
  }
  if (ir_attr_float_default(node, "scale", &s.scale, diag) != 0)
    return -1;
  if (s.scale == 0.0f)
    s.scale = (float)(1.0 / sqrt((double)s.key_size));
  *out = s;
  return 0;
}

int ir_infer_linear_attention(ir_graph *graph, ir_node *node, dl_diag *diag) {
  ir_linear_attention_shape s;
  if (ir_linear_attention_read(graph, node, &s, diag) != 0)
    return -1;
  ir_type output = {
      .dtype = IR_DTYPE_F32, .rank = 3, .dims = {s.batch, s.sequence, s.q_heads * s.value_size}};
  ir_type state = {
      .dtype = IR_DTYPE_F32, .rank = 4, .dims = {s.batch, s.kv_heads, s.key_size, s.value_size}};
  if (ir_set_output_type(node, 0, output, diag) != 0)
    return -1;
  return ir_set_output_type(node, 1, state, diag);
}
