/* Pass attention-pattern: scaled dot-product attention as exporters write it out becomes the
 * Attention op, one kernel (an online softmax per output element) where the primitives took
 * three or four (the scores' MatMul, Softmax, the MatMul with V, a scaling map):
 *
 *   s = MatMul(q, kt)                 q [..., Sq, D], kt [..., D, Skv] (q and kt optionally
 *                                     Mul or Div by a one-element constant before)
 *   s = Mul|Div(s, c)                 optional, a one-element constant
 *   s = Add(s, mask)                  optional, a float mask of the scores' shape or
 *                                     broadcast over all leading dims, its last dim Skv
 *   o = MatMul(Softmax(s, axis -1), v)       v [..., Skv, Dv]
 *
 * → o = Reshape(Attention(Q, K, V, mask) {scale = the product of the constants}), where the
 * leading dims of q, kt and v (equal, none broadcast) become Attention's heads: Q =
 * Reshape(q, [1, N, Sq, D]), K = Reshape(Transpose(kt), [1, N, Skv, D]), V likewise. These
 * are index maps, so `fuse` gives them to Attention's prologue with whatever Slices and
 * Transposes made q, kt and v: nothing is copied. Refused when an intermediate is read
 * elsewhere or is a graph output, and when the kernel's multiply-adds (N·Sq·Skv·D·Dv: each
 * output element recomputes its row's scores) pass ATTENTION_MAX_WORK, where the separate
 * GEMMs are the better deal. */
#include <string.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/pattern.h"

enum { MAX_DEAD = 8 };
static const double ATTENTION_MAX_WORK = 64.0 * 1024 * 1024;

typedef struct attention_match {
  ir_value *q, *kt, *v, *mask;
  double scale;
  ir_node *dead[MAX_DEAD];
  int dead_count;
  ir_node *last; /* the MatMul with V */
} attention_match;

static void kill(attention_match *m, ir_node *node) { m->dead[m->dead_count++] = node; }

/* The one-element constant factor of a Mul or Div `node` (1 / c for a Div) and, in
 * `*operand`, what it scales; false when `node` is neither. */
static bool scale_of(const ir_node *node, double *factor, ir_value **operand) {
  double c = 0;
  if (node && node->op == IR_OP_DIV && dl_pattern_scalar(node->inputs[1], &c) && c != 0) {
    *factor = 1.0 / c;
    *operand = node->inputs[0];
    return true;
  }
  for (int k = 0; node && node->op == IR_OP_MUL && k < 2; k++)
    if (dl_pattern_scalar(node->inputs[k], &c)) {
      *factor = c;
      *operand = node->inputs[1 - k];
      return true;
    }
  return false;
}

/* Strips a Mul or Div of `*value` by a one-element constant (read by the pattern alone),
 * folding the constant into the scale. */
static void strip_scale(const dl_pattern *p, attention_match *m, ir_value **value) {
  ir_node *node = *value && (*value)->kind == IR_VALUE_RESULT ? (*value)->producer : NULL;
  double factor = 1;
  ir_value *operand = NULL;
  if (!node || node->parent->owner || !dl_pattern_private(p, *value, 1) ||
      !scale_of(node, &factor, &operand))
    return;
  m->scale *= factor;
  kill(m, node);
  *value = operand;
}

/* Whether `value` is the scores' MatMul, perhaps scaled: the Add operand that is not the
 * mask. */
static bool scores_operand(const ir_value *value) {
  ir_node *node = value && value->kind == IR_VALUE_RESULT ? value->producer : NULL;
  double factor;
  ir_value *operand = NULL;
  if (node && scale_of(node, &factor, &operand))
    node = operand->kind == IR_VALUE_RESULT ? operand->producer : NULL;
  return node && node->op == IR_OP_MATMUL;
}

static bool same_leading(const ir_type *a, const ir_type *b) {
  return a->rank == b->rank &&
         !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)(a->rank - 2));
}

static int64_t leading_count(const ir_type *type) {
  int64_t count = 1;
  for (int d = 0; d < type->rank - 2; d++)
    count *= type->dims[d];
  return count;
}

/* A mask Attention takes as [1, 1 or N, 1 or Sq, Skv]: right-aligned against the scores,
 * its leading dims all 1 or all the scores'. */
static bool mask_fits(const ir_value *mask, const ir_type *scores, ir_dtype dtype) {
  const ir_type *m = &mask->type;
  int r = scores->rank;
  if (m->dtype != dtype || m->rank < 1 || m->rank > r || !ir_type_is_static(m) ||
      m->dims[m->rank - 1] != scores->dims[r - 1])
    return false;
  if (m->rank >= 2 && m->dims[m->rank - 2] != 1 && m->dims[m->rank - 2] != scores->dims[r - 2])
    return false;
  bool ones = true, all = m->rank == r;
  for (int d = 0; d < m->rank - 2; d++) {
    ones = ones && m->dims[d] == 1;
    all = all && m->dims[d] == scores->dims[d];
  }
  return ones || all;
}

static bool match_attention(const dl_pattern *p, attention_match *m, ir_node *last) {
  ir_node *softmax = dl_pattern_producer(last->inputs[0], IR_OP_SOFTMAX);
  int64_t axis = -1;
  if (!softmax || !dl_pattern_private(p, last->inputs[0], 1) ||
      ir_attr_int_default(softmax, "axis", &axis, NULL) != 0 ||
      (axis != -1 && axis != softmax->inputs[0]->type.rank - 1))
    return false;
  m->scale = 1.0;
  m->v = last->inputs[1];
  ir_value *scores = softmax->inputs[0];
  ir_node *add = dl_pattern_producer(scores, IR_OP_ADD);
  if (add && dl_pattern_private(p, scores, 1)) {
    int s = scores_operand(add->inputs[0]) ? 0 : 1;
    m->mask = add->inputs[1 - s];
    scores = add->inputs[s];
    kill(m, add);
  }
  strip_scale(p, m, &scores);
  ir_node *matmul = dl_pattern_producer(scores, IR_OP_MATMUL);
  if (!matmul || !dl_pattern_private(p, scores, 1))
    return false;
  m->q = matmul->inputs[0];
  m->kt = matmul->inputs[1];
  strip_scale(p, m, &m->q);
  strip_scale(p, m, &m->kt);
  kill(m, matmul), kill(m, softmax), kill(m, last);
  m->last = last;
  const ir_type *q = &m->q->type, *kt = &m->kt->type, *v = &m->v->type;
  ir_dtype dtype = q->dtype;
  if (q->rank < 2 || q->rank > IR_MAX_RANK - 1 || !same_leading(q, kt) || !same_leading(q, v) ||
      !ir_type_is_static(q) || !ir_type_is_static(kt) || !ir_type_is_static(v) ||
      kt->dtype != dtype || v->dtype != dtype ||
      (dtype != IR_DTYPE_F32 && dtype != IR_DTYPE_F16 && dtype != IR_DTYPE_BF16))
    return false;
  if (m->mask && !mask_fits(m->mask, &softmax->inputs[0]->type, dtype))
    return false;
  int r = q->rank;
  double work = (double)leading_count(q) * (double)q->dims[r - 2] * (double)kt->dims[r - 1] *
                (double)q->dims[r - 1] * (double)v->dims[r - 1];
  return work <= ATTENTION_MAX_WORK;
}

/* A node of `op` over `inputs` before `before` (its output typed by inference). */
static ir_value *add_before(dl_pattern *p, ir_node *before, ir_op op, ir_value *const *inputs,
                            int count, const char *suffix, dl_diag *diag) {
  ir_node *node = dl_pattern_build(p, before, op, inputs, count, suffix);
  if (!node || ir_infer_node(p->graph, node, diag) != 0)
    return NULL;
  return node->outputs[0];
}

static ir_value *shape_constant(ir_graph *graph, const int64_t *dims, int rank) {
  ir_type type = ir_type_make(IR_DTYPE_I64, 1, (int64_t[]){rank});
  return ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, "attention.shape"), type,
                                    dims);
}

/* `value` as [1, heads, rows, columns] (no node when it has that shape). */
static ir_value *as_heads(dl_pattern *p, ir_node *before, ir_value *value, int64_t heads,
                          const char *suffix, dl_diag *diag) {
  const ir_type *t = &value->type;
  int64_t dims[4] = {1, heads, t->rank >= 2 ? t->dims[t->rank - 2] : 1, t->dims[t->rank - 1]};
  ir_type wanted = ir_type_make(t->dtype, 4, dims);
  if (ir_type_equal(t, &wanted))
    return value;
  ir_value *inputs[2] = {value, shape_constant(p->graph, dims, 4)};
  return inputs[1] ? add_before(p, before, IR_OP_RESHAPE, inputs, 2, suffix, diag) : NULL;
}

static int rewrite(dl_pattern *p, attention_match *m, dl_diag *diag) {
  ir_graph *graph = p->graph;
  ir_node *last = m->last;
  const ir_type *kt = &m->kt->type;
  int r = kt->rank;
  int64_t heads = leading_count(kt), perm[IR_MAX_RANK];
  for (int d = 0; d < r; d++)
    perm[d] = d;
  perm[r - 2] = r - 1, perm[r - 1] = r - 2;
  ir_node *transpose = dl_pattern_build(p, last, IR_OP_TRANSPOSE, &m->kt, 1, ".keys");
  if (!transpose || ir_node_set_ints(graph, transpose, "perm", perm, r) != 0 ||
      ir_infer_node(graph, transpose, diag) != 0)
    return ir_node_error(diag, last, "attention-pattern: could not transpose the keys");
  bool per_head_mask = m->mask && m->mask->type.rank == r && r > 2 && leading_count(&m->mask->type) > 1;
  ir_value *inputs[4];
  inputs[0] = as_heads(p, last, m->q, heads, ".q", diag);
  inputs[1] = as_heads(p, last, transpose->outputs[0], heads, ".k", diag);
  inputs[2] = as_heads(p, last, m->v, heads, ".v", diag);
  inputs[3] = m->mask ? as_heads(p, last, m->mask, per_head_mask ? heads : 1, ".mask", diag) : NULL;
  for (int i = 0; i < (m->mask ? 4 : 3); i++)
    if (!inputs[i])
      return ir_node_error(diag, last, "attention-pattern: could not reshape the operands");
  ir_node *attention =
      dl_pattern_build(p, last, IR_OP_ATTENTION, inputs, m->mask ? 4 : 3, ".attention");
  if (!attention || ir_node_set_float(graph, attention, "scale", (float)m->scale) != 0 ||
      ir_infer_node(graph, attention, diag) != 0)
    return ir_node_error(diag, last, "attention-pattern: could not build the Attention node");
  const ir_type *o = &last->outputs[0]->type;
  ir_value *reshape_inputs[2] = {attention->outputs[0], shape_constant(graph, o->dims, o->rank)};
  ir_node *reshape =
      reshape_inputs[1] ? dl_pattern_build(p, last, IR_OP_RESHAPE, reshape_inputs, 2, "") : NULL;
  if (!reshape)
    return ir_node_error(diag, last, "attention-pattern: out of memory");
  return dl_pattern_commit(p, reshape, last, m->dead, m->dead_count, diag);
}

int dl_pass_attention_pattern(ir_graph *graph, dl_diag *diag) {
  dl_pattern p;
  if (dl_pattern_init(&p, graph, diag) != 0)
    return -1;
  int status = 0;
  for (ir_node *node = graph->body.first; node && status == 0;) {
    ir_node *next = node->next;
    attention_match m = {0};
    if (node->op == IR_OP_MATMUL && match_attention(&p, &m, node))
      status = rewrite(&p, &m, diag);
    node = next;
  }
  dl_pattern_deinit(&p);
  return status;
}
