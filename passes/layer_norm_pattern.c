/* Pass layer-norm-pattern: LayerNormalization as exporters write it out (torch below opset
 * 17, hand-written models) becomes the one op, whose row kernel takes the mean, the variance
 * and the normalized row in one launch instead of four:
 *
 *   mean = ReduceMean(x, axes)            axes: the trailing k axes, keepdims
 *   d    = Sub(x, mean)
 *   sq   = Pow(d, 2) | Mul(d, d)
 *   var  = ReduceMean(sq, axes)
 *   std  = Sqrt(Add(var, eps))            eps: a one-element constant, either operand
 *   n    = Div(d, std) | Mul(d, Reciprocal(std))
 *   y    = Add(Mul(n, gamma), beta)       each optional; gamma and beta of the row's shape
 *
 * → LayerNormalization(x, gamma (ones without it), beta?, axis = rank - k, epsilon). f32
 * only (the kernel accumulates in f32, as the f32 ops did). Every intermediate must be read
 * by the pattern alone and not be a graph output; otherwise nothing changes. */
#include <stdlib.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/pattern.h"

enum { MAX_DEAD = 12 };

typedef struct layer_norm_match {
  ir_value *x, *gamma, *beta;
  int axis;
  double epsilon;
  ir_node *dead[MAX_DEAD];
  int dead_count;
  ir_node *last;
} layer_norm_match;

static void kill(layer_norm_match *m, ir_node *node) { m->dead[m->dead_count++] = node; }

/* The first reduced axis of a ReduceMean over trailing axes with keepdims, -1 otherwise. */
static int trailing_axes(const ir_node *mean) {
  int64_t keepdims = 1, noop = 0, axes[IR_MAX_RANK];
  int count = 0, rank = mean->inputs[0]->type.rank;
  if (ir_attr_int_default(mean, "keepdims", &keepdims, NULL) != 0 || keepdims != 1 ||
      ir_attr_int_default(mean, "noop_with_empty_axes", &noop, NULL) != 0)
    return -1;
  if (ir_node_input(mean, 1) &&
      (ir_node_constant_ints(mean, 1, axes, IR_MAX_RANK, &count, NULL) != 0 ||
       ir_normalize_axes(mean, "axes", axes, count, rank, NULL) != 0))
    return -1;
  if (count == 0)
    return noop ? -1 : 0; /* every axis */
  bool reduced[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++)
    reduced[axes[i]] = true;
  int first = rank - count;
  for (int d = 0; d < rank; d++)
    if (reduced[d] != (d >= first))
      return -1;
  return first;
}

/* A gamma or beta that LayerNormalization takes: it broadcasts to the row's shape and no
 * further (the product keeps x's shape), of x's dtype. */
static bool row_parameter(const ir_value *parameter, const ir_type *x, int axis) {
  const ir_type *type = &parameter->type;
  int k = x->rank - axis;
  if (type->dtype != x->dtype || type->rank > k)
    return false;
  for (int d = 0; d < type->rank; d++) {
    int64_t dim = type->dims[d], row = x->dims[x->rank - type->rank + d];
    if (dim != row && dim != 1)
      return false;
  }
  return true;
}

/* std = Sqrt(Add(ReduceMean(Pow(d, 2) | Mul(d, d)), eps)); the readers of d it accounts for. */
static int match_deviation(const dl_pattern *p, layer_norm_match *m, ir_value *std, ir_value *d) {
  ir_node *sqrt = dl_pattern_producer(std, IR_OP_SQRT);
  ir_node *add = sqrt ? dl_pattern_producer(sqrt->inputs[0], IR_OP_ADD) : NULL;
  if (!add || !dl_pattern_private(p, std, 1) || !dl_pattern_private(p, add->outputs[0], 1))
    return 0;
  ir_node *var = dl_pattern_producer(add->inputs[0], IR_OP_REDUCE_MEAN);
  ir_value *eps = add->inputs[1];
  if (!var) {
    var = dl_pattern_producer(add->inputs[1], IR_OP_REDUCE_MEAN);
    eps = add->inputs[0];
  }
  if (!var || !dl_pattern_scalar(eps, &m->epsilon) || m->epsilon < 0 ||
      !dl_pattern_private(p, var->outputs[0], 1) || trailing_axes(var) != m->axis)
    return 0;
  ir_value *square = var->inputs[0];
  ir_node *pow = dl_pattern_producer(square, IR_OP_POW);
  ir_node *mul = dl_pattern_producer(square, IR_OP_MUL);
  double exponent = 0;
  int readers = 0;
  if (pow && pow->inputs[0] == d && dl_pattern_scalar(pow->inputs[1], &exponent) && exponent == 2)
    readers = 1;
  else if (mul && mul->inputs[0] == d && mul->inputs[1] == d)
    readers = 2;
  if (!readers || !dl_pattern_private(p, square, 1))
    return 0;
  kill(m, sqrt), kill(m, add), kill(m, var), kill(m, pow ? pow : mul);
  return readers;
}

/* n = Div(d, std) or Mul(d, Reciprocal(std)), d = Sub(x, ReduceMean(x)). */
static bool match_normalize(const dl_pattern *p, layer_norm_match *m, ir_node *n) {
  ir_value *d = n->inputs[0], *std = n->inputs[1];
  if (n->op == IR_OP_MUL) {
    ir_node *reciprocal = dl_pattern_producer(n->inputs[1], IR_OP_RECIPROCAL);
    if (!reciprocal) {
      reciprocal = dl_pattern_producer(n->inputs[0], IR_OP_RECIPROCAL);
      d = n->inputs[1];
    }
    if (!reciprocal || !dl_pattern_private(p, reciprocal->outputs[0], 1))
      return false;
    kill(m, reciprocal);
    std = reciprocal->inputs[0];
  } else if (n->op != IR_OP_DIV) {
    return false;
  }
  ir_node *sub = dl_pattern_producer(d, IR_OP_SUB);
  ir_node *mean = sub ? dl_pattern_producer(sub->inputs[1], IR_OP_REDUCE_MEAN) : NULL;
  if (!mean || mean->inputs[0] != sub->inputs[0] || !dl_pattern_private(p, mean->outputs[0], 1))
    return false;
  m->x = sub->inputs[0];
  m->axis = trailing_axes(mean);
  if (m->axis < 0 || m->x->type.dtype != IR_DTYPE_F32)
    return false;
  int readers = match_deviation(p, m, std, d);
  if (!readers || !dl_pattern_private(p, d, readers + 1))
    return false;
  kill(m, sub), kill(m, mean), kill(m, n);
  m->last = n;
  return true;
}

/* The optional Mul by gamma, then Add of beta, after the normalization (either order of
 * operands; each intermediate read by the next step alone). */
static void match_affine(const dl_pattern *p, layer_norm_match *m) {
  const ir_type *x = &m->x->type;
  ir_node *next = dl_pattern_sole_reader(p, m->last->outputs[0]);
  if (next && next->op == IR_OP_MUL) {
    ir_value *gamma = dl_pattern_other(next, m->last->outputs[0]);
    if (!gamma || !row_parameter(gamma, x, m->axis))
      return;
    m->gamma = gamma;
    kill(m, next);
    m->last = next;
    next = dl_pattern_sole_reader(p, next->outputs[0]);
  }
  if (next && next->op == IR_OP_ADD) {
    ir_value *beta = dl_pattern_other(next, m->last->outputs[0]);
    if (!beta || !row_parameter(beta, x, m->axis))
      return;
    m->beta = beta;
    kill(m, next);
    m->last = next;
  }
}

/* Ones of the row's shape: the scale of a pattern without gamma. */
static ir_value *unit_scale(ir_graph *graph, const ir_type *x, int axis) {
  ir_type type = {.dtype = IR_DTYPE_F32, .rank = x->rank - axis};
  int64_t count = 1;
  for (int d = axis; d < x->rank; d++)
    count *= type.dims[d - axis] = x->dims[d];
  float *ones = malloc(sizeof(float) * (size_t)count);
  if (!ones)
    return NULL;
  for (int64_t i = 0; i < count; i++)
    ones[i] = 1.0f;
  ir_value *value =
      ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, "layer_norm.ones"), type, ones);
  free(ones);
  return value;
}

static int rewrite(dl_pattern *p, layer_norm_match *m, dl_diag *diag) {
  ir_value *scale = m->gamma ? m->gamma : unit_scale(p->graph, &m->x->type, m->axis);
  ir_value *inputs[3] = {m->x, scale, m->beta};
  ir_node *node = scale ? dl_pattern_build(p, m->last, IR_OP_LAYER_NORMALIZATION, inputs,
                                           m->beta ? 3 : 2, "")
                        : NULL;
  if (!node || ir_node_set_int(p->graph, node, "axis", m->axis) != 0 ||
      ir_node_set_float(p->graph, node, "epsilon", (float)m->epsilon) != 0)
    return ir_node_error(diag, m->last, "layer-norm-pattern: out of memory");
  return dl_pattern_commit(p, node, m->last, m->dead, m->dead_count, diag);
}

int dl_pass_layer_norm_pattern(ir_graph *graph, dl_diag *diag) {
  dl_pattern p;
  if (dl_pattern_init(&p, graph, diag) != 0)
    return -1;
  int status = 0;
  for (ir_node *node = graph->body.first; node && status == 0;) {
    ir_node *next = node->next;
    layer_norm_match m = {0};
    if ((node->op == IR_OP_DIV || node->op == IR_OP_MUL) && match_normalize(&p, &m, node)) {
      match_affine(&p, &m);
      next = m.last->next;
      status = rewrite(&p, &m, diag);
    }
    node = next;
  }
  dl_pattern_deinit(&p);
  return status;
}
