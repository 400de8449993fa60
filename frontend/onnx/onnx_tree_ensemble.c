/* TreeEnsemble (ai.onnx.ml, opset 5) expanded at import into arithmetic on the rows of X:
 * every node's test is a comparison of one feature column with its split (BRANCH_MEMBER: an
 * Or of equalities with its set of membership_values; a NaN feature goes the true way where
 * nodes_missing_value_tracks_true says so); a leaf is reached with the product of the tests
 * (as 0/1 numbers) on its path, and each target's column sums its leaves' weights times
 * that. aggregate_function SUM or AVERAGE; post_transform NONE, SOFTMAX or LOGISTIC; the
 * other forms are refused, naming the node. */
#include "onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MODE_LEQ, MODE_LT, MODE_GTE, MODE_GT, MODE_EQ, MODE_NEQ, MODE_MEMBER };

typedef struct forest {
  onnx_import *import;
  const Onnx__NodeProto *proto;
  int index;
  const char *base;
  ir_value *x;
  ir_dtype dtype;
  int64_t rows;
  /* per node */
  const int64_t *features, *true_ids, *false_ids, *true_leafs, *false_leafs, *tracks_true;
  size_t nodes;
  const void *modes, *splits, *members; /* tensor contents */
  ir_dtype modes_type, splits_type, members_type;
  int64_t member_count;
  int64_t *member_start; /* per node: first membership value (MEMBER nodes), else -1 */
  /* per leaf */
  const int64_t *leaf_targets;
  const void *leaf_weights;
  ir_dtype weights_type;
  size_t leaves;
  ir_value **columns; /* per target: the running sum, NULL while none */
  int64_t targets;
} forest;

static const Onnx__AttributeProto *attr(const forest *f, const char *name) {
  return onnx_find_attr(f->proto, name);
}

/* The ints of attribute `name` if it has `count` of them, else NULL. */
static const int64_t *ints(const forest *f, const char *name, size_t count) {
  const Onnx__AttributeProto *a = attr(f, name);
  return a && a->n_ints == count ? a->ints : NULL;
}

static int tensor(forest *f, const char *name, size_t count, const void **data, ir_dtype *dtype) {
  const Onnx__AttributeProto *a = attr(f, name);
  ir_type type;
  if (!a || !a->t || onnx_tensor_contents(f->import, a->t, name, &type, data) != 0)
    return -1;
  int64_t elements;
  if (!ir_type_element_count(&type, &elements) || (count && elements != (int64_t)count))
    return -1;
  *dtype = type.dtype;
  f->member_count = elements;
  return 0;
}

static ir_value *scalar(forest *f, double value) {
  return onnx_float_scalar_constant(f->import, f->base, f->dtype, value);
}

static ir_value *as_number(forest *f, ir_value *condition) {
  return onnx_build_cast(f->import, f->base, condition, f->dtype, NULL);
}

/* Column `feature` of X as an [N] vector. */
static ir_value *feature(forest *f, int64_t column) {
  ir_value *inputs[2] = {f->x, onnx_ints_constant(f->import, f->base, &column, 1)};
  ir_node *node = onnx_build_start(f->import, IR_OP_GATHER, f->base, inputs, 2, NULL);
  if (node && ir_node_set_int(f->import->graph, node, "axis", 1) != 0)
    return NULL;
  int64_t rows = f->rows;
  return onnx_build_reshape(f->import, f->base, onnx_build_finish(f->import, node), &rows, 1, NULL);
}

/* The node's test as 0/1 numbers of X's type. */
static ir_value *test(forest *f, size_t n) {
  ir_value *x = feature(f, f->features[n]);
  int mode = (int)ir_element_get_int(f->modes_type, f->modes, (int64_t)n);
  ir_value *split = scalar(f, ir_element_get_float(f->splits_type, f->splits, (int64_t)n));
  ir_value *holds = NULL;
  switch (mode) {
  case MODE_LEQ:
    holds = onnx_build(f->import, IR_OP_LESS_OR_EQUAL, f->base, x, split, NULL);
    break;
  case MODE_LT:
    holds = onnx_build(f->import, IR_OP_LESS, f->base, x, split, NULL);
    break;
  case MODE_GTE:
    holds = onnx_build(f->import, IR_OP_GREATER_OR_EQUAL, f->base, x, split, NULL);
    break;
  case MODE_GT:
    holds = onnx_build(f->import, IR_OP_GREATER, f->base, x, split, NULL);
    break;
  case MODE_EQ:
  case MODE_NEQ:
    holds = onnx_build(f->import, IR_OP_EQUAL, f->base, x, split, NULL);
    if (mode == MODE_NEQ)
      holds = onnx_build(f->import, IR_OP_NOT, f->base, holds, NULL, NULL);
    break;
  default: /* MEMBER: the values from its start up to the next NaN */
    for (int64_t k = f->member_start[n]; k >= 0 && k < f->member_count; k++) {
      double value = ir_element_get_float(f->members_type, f->members, k);
      if (isnan(value))
        break;
      ir_value *equal = onnx_build(f->import, IR_OP_EQUAL, f->base, x, scalar(f, value), NULL);
      holds = holds ? onnx_build(f->import, IR_OP_OR, f->base, holds, equal, NULL) : equal;
    }
    if (!holds) /* an empty set */
      holds = onnx_build(f->import, IR_OP_NOT, f->base,
                         onnx_build(f->import, IR_OP_EQUAL, f->base, x, x, NULL), NULL, NULL);
  }
  if (f->tracks_true && f->tracks_true[n]) {
    ir_value *missing =
        onnx_build(f->import, IR_OP_NOT, f->base,
                   onnx_build(f->import, IR_OP_EQUAL, f->base, x, x, NULL), NULL, NULL);
    holds = onnx_build(f->import, IR_OP_OR, f->base, holds, missing, NULL);
  }
  return as_number(f, holds);
}

static int add_leaf(forest *f, int64_t leaf, ir_value *reached) {
  if (leaf < 0 || (size_t)leaf >= f->leaves)
    return onnx_node_error(f->import, f->proto, f->index, "leaf %lld does not exist",
                           (long long)leaf);
  int64_t target = f->leaf_targets[leaf];
  if (target < 0 || target >= f->targets)
    return onnx_node_error(f->import, f->proto, f->index, "leaf %lld has target %lld of %lld",
                           (long long)leaf, (long long)target, (long long)f->targets);
  double weight = ir_element_get_float(f->weights_type, f->leaf_weights, leaf);
  ir_value *term =
      reached ? onnx_build(f->import, IR_OP_MUL, f->base, reached, scalar(f, weight), NULL) : NULL;
  if (!term)
    return -1;
  ir_value *sum = f->columns[target];
  f->columns[target] = sum ? onnx_build(f->import, IR_OP_ADD, f->base, sum, term, NULL) : term;
  return f->columns[target] ? 0 : -1;
}

/* Walks the tree below node `n`, reached with `reached` (NULL: every row, at the root). */
static int walk(forest *f, int64_t n, ir_value *reached, size_t depth) {
  if (n < 0 || (size_t)n >= f->nodes || depth > f->nodes)
    return onnx_node_error(f->import, f->proto, f->index,
                           "node %lld does not exist or the tree has a cycle", (long long)n);
  ir_value *holds = test(f, (size_t)n);
  ir_value *fails = onnx_build(f->import, IR_OP_SUB, f->base, scalar(f, 1.0), holds, NULL);
  ir_value *true_way =
      reached ? onnx_build(f->import, IR_OP_MUL, f->base, reached, holds, NULL) : holds;
  ir_value *false_way =
      reached ? onnx_build(f->import, IR_OP_MUL, f->base, reached, fails, NULL) : fails;
  if (!true_way || !false_way)
    return -1;
  int status = f->true_leafs[n] ? add_leaf(f, f->true_ids[n], true_way)
                                : walk(f, f->true_ids[n], true_way, depth + 1);
  if (status == 0)
    status = f->false_leafs[n] ? add_leaf(f, f->false_ids[n], false_way)
                               : walk(f, f->false_ids[n], false_way, depth + 1);
  return status;
}

static int read_forest(forest *f) {
  const Onnx__AttributeProto *features = attr(f, "nodes_featureids");
  f->nodes = features ? features->n_ints : 0;
  f->features = features ? features->ints : NULL;
  f->true_ids = ints(f, "nodes_truenodeids", f->nodes);
  f->false_ids = ints(f, "nodes_falsenodeids", f->nodes);
  f->true_leafs = ints(f, "nodes_trueleafs", f->nodes);
  f->false_leafs = ints(f, "nodes_falseleafs", f->nodes);
  f->tracks_true = ints(f, "nodes_missing_value_tracks_true", f->nodes); /* optional */
  bool tracks_ok = f->tracks_true || !attr(f, "nodes_missing_value_tracks_true");
  const Onnx__AttributeProto *targets = attr(f, "leaf_targetids");
  f->leaves = targets ? targets->n_ints : 0;
  f->leaf_targets = targets ? targets->ints : NULL;
  if (!f->nodes || !f->true_ids || !f->false_ids || !f->true_leafs || !f->false_leafs ||
      !tracks_ok || !f->leaves ||
      tensor(f, "leaf_weights", f->leaves, &f->leaf_weights, &f->weights_type) != 0 ||
      tensor(f, "nodes_splits", f->nodes, &f->splits, &f->splits_type) != 0 ||
      tensor(f, "nodes_modes", f->nodes, &f->modes, &f->modes_type) != 0)
    return onnx_node_error(f->import, f->proto, f->index,
                           "its node and leaf attributes are missing or of different lengths");
  f->member_count = 0;
  bool has_members = attr(f, "membership_values") &&
                     tensor(f, "membership_values", 0, &f->members, &f->members_type) == 0;
  int64_t next = 0;
  for (size_t n = 0; n < f->nodes; n++) {
    int mode = (int)ir_element_get_int(f->modes_type, f->modes, (int64_t)n);
    if (mode < MODE_LEQ || mode > MODE_MEMBER || f->features[n] < 0 ||
        f->features[n] >= f->x->type.dims[1])
      return onnx_node_error(f->import, f->proto, f->index,
                             "tree node %zu has mode %d or feature %lld out of range", n, mode,
                             (long long)f->features[n]);
    f->member_start[n] = -1;
    if (mode != MODE_MEMBER)
      continue;
    if (!has_members)
      return onnx_node_error(f->import, f->proto, f->index,
                             "BRANCH_MEMBER needs membership_values");
    f->member_start[n] = next;
    while (next < f->member_count &&
           !isnan(ir_element_get_float(f->members_type, f->members, next)))
      next++;
    next++; /* past the NaN that ends this node's set */
  }
  return 0;
}

static ir_value *finish(forest *f, int64_t aggregate, int64_t post, const char *output) {
  const Onnx__AttributeProto *roots = attr(f, "tree_roots");
  ir_value *parts[1024];
  for (int64_t t = 0; t < f->targets; t++) {
    ir_value *column = f->columns[t];
    if (!column) /* no leaf gives this target anything */
      column = onnx_build(f->import, IR_OP_EXPAND, f->base, scalar(f, 0.0),
                          onnx_ints_constant(f->import, f->base, &f->rows, 1), NULL);
    if (aggregate == 0) /* AVERAGE */
      column =
          onnx_build(f->import, IR_OP_DIV, f->base, column, scalar(f, (double)roots->n_ints), NULL);
    int64_t shape[2] = {f->rows, 1};
    parts[t] = onnx_build_reshape(f->import, f->base, column, shape, 2, NULL);
    if (!parts[t])
      return NULL;
  }
  ir_node *concat = onnx_build_start(f->import, IR_OP_CONCAT, f->base, parts, (int)f->targets,
                                     post == 0 ? output : NULL);
  if (concat && ir_node_set_int(f->import->graph, concat, "axis", 1) != 0)
    return NULL;
  ir_value *y = onnx_build_finish(f->import, concat);
  if (post == 0 || !y)
    return y;
  if (post == 2) /* LOGISTIC */
    return onnx_build(f->import, IR_OP_SIGMOID, f->base, y, NULL, output);
  ir_node *softmax = onnx_build_start(f->import, IR_OP_SOFTMAX, f->base, &y, 1, output);
  if (softmax && ir_node_set_int(f->import->graph, softmax, "axis", 1) != 0)
    return NULL;
  return onnx_build_finish(f->import, softmax);
}

int onnx_expand_tree_ensemble(onnx_import *import, const Onnx__NodeProto *proto, int index,
                              ir_value **inputs, int num_inputs, const char **names,
                              int num_outputs) {
  (void)num_outputs;
  forest f = {.import = import,
              .proto = proto,
              .index = index,
              .base = onnx_node_display_name(import, proto, index)};
  if (num_inputs != 1 || !(f.x = inputs[0]) || f.x->type.rank != 2 ||
      !ir_dtype_is_float(f.x->type.dtype) || f.x->type.dims[0] < 0 || f.x->type.dims[1] < 0)
    return onnx_node_error(import, proto, index, "needs a float X of static shape [N, F]");
  f.dtype = f.x->type.dtype, f.rows = f.x->type.dims[0];
  const Onnx__AttributeProto *aggregate = attr(&f, "aggregate_function");
  const Onnx__AttributeProto *post = attr(&f, "post_transform");
  const Onnx__AttributeProto *targets = attr(&f, "n_targets");
  const Onnx__AttributeProto *roots = attr(&f, "tree_roots");
  int64_t aggregate_kind = aggregate ? aggregate->i : 1, post_kind = post ? post->i : 0;
  f.targets = targets ? targets->i : 0;
  if (aggregate_kind > 1 || aggregate_kind < 0 ||
      (post_kind != 0 && post_kind != 1 && post_kind != 2))
    return onnx_node_error(import, proto, index,
                           "unsupported: aggregate_function %lld or post_transform %lld (dlcc "
                           "has SUM, AVERAGE; NONE, SOFTMAX, LOGISTIC)",
                           (long long)aggregate_kind, (long long)post_kind);
  if (f.targets < 1 || f.targets > 1024 || !roots || roots->n_ints == 0)
    return onnx_node_error(import, proto, index, "needs n_targets (1 to 1024) and tree_roots");
  f.member_start = calloc(
      attr(&f, "nodes_featureids") ? attr(&f, "nodes_featureids")->n_ints + 1 : 1, sizeof(int64_t));
  f.columns = calloc((size_t)f.targets, sizeof(ir_value *));
  int status = f.member_start && f.columns ? read_forest(&f) : onnx_error(import, "out of memory");
  for (size_t r = 0; status == 0 && r < roots->n_ints; r++)
    status = walk(&f, roots->ints[r], NULL, 0);
  if (status == 0 && !finish(&f, aggregate_kind, post_kind, names[0]))
    status = -1;
  free(f.member_start);
  free(f.columns);
  return status;
}
