/* Pass merge-matmuls: MatMuls that read the same input and have constant [K, N_i] weights
 * (the Q, K and V projections of hand-written or older exports), each with or without a
 * constant bias Add after it, become one MatMul over the weights side by side (and one Add of
 * the biases side by side), whose output each former result reads as a Slice of its columns:
 *
 *   q = Add(MatMul(h, Wq), bq)          qkv = Add(MatMul(h, [Wq Wk Wv]), [bq bk bv])
 *   k = Add(MatMul(h, Wk), bk)    ─▶    q = Slice(qkv, 0, Nq, axis -1), k = ..., v = ...
 *   v = Add(MatMul(h, Wv), bv)
 *
 * One GEMM launch instead of one per projection; the Slices are index maps, read in place by
 * whatever kernel consumes them. Every output column is the same dot product as before.
 * Merged are the MatMuls of one input that all have a bias (or all have none); a MatMul
 * whose output something other than its bias Add reads keeps its own. */
#include <stdlib.h>
#include <string.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/pattern.h"

enum { MERGE_MAX = 16 };

typedef struct projection {
  ir_node *matmul, *bias_add; /* bias_add NULL without a bias */
  ir_value *bias;
} projection;

static bool constant_matrix(const ir_value *w) {
  return w && w->kind == IR_VALUE_CONSTANT && w->data && w->type.rank == 2 &&
         ir_type_is_static(&w->type);
}

/* The constant bias Add reading only `matmul`'s output, with a bias of its columns. */
static ir_node *bias_add_of(const dl_pattern *p, const ir_node *matmul, ir_value **bias) {
  ir_value *y = matmul->outputs[0];
  ir_node *add = dl_pattern_sole_reader(p, y);
  ir_value *b = add && add->op == IR_OP_ADD ? dl_pattern_other(add, y) : NULL;
  if (!b || b == y || b->kind != IR_VALUE_CONSTANT || !b->data || b->type.rank != 1 ||
      b->type.dims[0] != y->type.dims[y->type.rank - 1] || b->type.dtype != y->type.dtype ||
      !ir_type_equal(&add->outputs[0]->type, &y->type))
    return NULL;
  *bias = b;
  return add;
}

/* The MatMuls after `first` (inclusive) with its input and weights of its K and dtype, with a
 * bias or without as `with_bias` says. */
static int collect(const dl_pattern *p, ir_node *first, bool with_bias, projection *out) {
  const ir_value *a = first->inputs[0], *w = first->inputs[1];
  int count = 0;
  for (ir_node *node = first; node && count < MERGE_MAX; node = node->next) {
    if (node->op != IR_OP_MATMUL || node->inputs[0] != a || !constant_matrix(node->inputs[1]) ||
        node->inputs[1]->type.dims[0] != w->type.dims[0] ||
        node->inputs[1]->type.dtype != w->type.dtype)
      continue;
    projection item = {.matmul = node};
    item.bias_add = bias_add_of(p, node, &item.bias);
    if ((item.bias_add != NULL) == with_bias)
      out[count++] = item;
  }
  return count;
}

/* The matrices (or vectors) `parts` side by side: rows of `rows`, each part's columns. */
static void *side_by_side(ir_value *const *parts, int count, int64_t rows, int64_t total) {
  size_t element = ir_dtype_size(parts[0]->type.dtype);
  char *data = malloc(element * (size_t)(rows * total));
  int64_t offset = 0;
  for (int i = 0; data && i < count; i++) {
    int64_t columns = parts[i]->type.dims[parts[i]->type.rank - 1];
    for (int64_t r = 0; r < rows; r++)
      memcpy(data + element * (size_t)(r * total + offset),
             (const char *)parts[i]->data + element * (size_t)(r * columns),
             element * (size_t)columns);
    offset += columns;
  }
  return data;
}

static ir_value *merged_constant(ir_graph *graph, ir_value *const *parts, int count, int64_t rows,
                                 int rank, const char *base) {
  int64_t total = 0;
  for (int i = 0; i < count; i++)
    total += parts[i]->type.dims[parts[i]->type.rank - 1];
  void *data = side_by_side(parts, count, rows, total);
  ir_type type = rank == 2 ? ir_type_make(parts[0]->type.dtype, 2, (int64_t[]){rows, total})
                           : ir_type_make(parts[0]->type.dtype, 1, (int64_t[]){total});
  ir_value *value = data ? ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, base),
                                                      type, data)
                         : NULL;
  free(data);
  return value;
}

static ir_value *i64_constant(ir_graph *graph, const char *base, int64_t value) {
  return ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, base),
                                    ir_type_make(IR_DTYPE_I64, 1, (int64_t[]){1}), &value);
}

static int merge(dl_pattern *p, projection *items, int count, dl_diag *diag) {
  ir_graph *graph = p->graph;
  ir_node *first = items[0].matmul;
  ir_value *weights[MERGE_MAX], *biases[MERGE_MAX];
  for (int i = 0; i < count; i++)
    weights[i] = items[i].matmul->inputs[1], biases[i] = items[i].bias;
  int64_t k = weights[0]->type.dims[0];
  ir_value *inputs[2] = {first->inputs[0], merged_constant(graph, weights, count, k, 2,
                                                           "merged_weights")};
  ir_node *matmul = inputs[1] ? dl_pattern_build(p, first, IR_OP_MATMUL, inputs, 2, ".merged")
                              : NULL;
  if (!matmul || ir_infer_node(graph, matmul, diag) != 0)
    return ir_node_error(diag, first, "merge-matmuls: could not build the merged MatMul");
  ir_value *merged = matmul->outputs[0];
  if (items[0].bias_add) {
    ir_value *add_inputs[2] = {merged, merged_constant(graph, biases, count, 1, 1, "merged_bias")};
    ir_node *add = add_inputs[1] ? dl_pattern_build(p, first, IR_OP_ADD, add_inputs, 2, ".bias")
                                 : NULL;
    if (!add || ir_infer_node(graph, add, diag) != 0)
      return ir_node_error(diag, first, "merge-matmuls: could not build the merged bias");
    merged = add->outputs[0];
  }
  int64_t offset = 0;
  for (int i = 0; i < count; i++) {
    ir_node *last = items[i].bias_add ? items[i].bias_add : items[i].matmul;
    int64_t columns = weights[i]->type.dims[1];
    ir_value *slice_inputs[4] = {merged, i64_constant(graph, "merged.start", offset),
                                 i64_constant(graph, "merged.end", offset + columns),
                                 i64_constant(graph, "merged.axis", -1)};
    offset += columns;
    ir_node *slice = slice_inputs[1] && slice_inputs[2] && slice_inputs[3]
                         ? dl_pattern_build(p, last, IR_OP_SLICE, slice_inputs, 4, "")
                         : NULL;
    ir_node *dead[2] = {items[i].matmul, items[i].bias_add};
    if (!slice || dl_pattern_commit(p, slice, last, dead, items[i].bias_add ? 2 : 1, diag) != 0)
      return ir_node_error(diag, last, "merge-matmuls: could not slice the merged output");
  }
  return 0;
}

int dl_pass_merge_matmuls(ir_graph *graph, dl_diag *diag) {
  dl_pattern p;
  if (dl_pattern_init(&p, graph, diag) != 0)
    return -1;
  int status = 0;
  for (ir_node *node = graph->body.first; node && status == 0; node = node->next) {
    if (node->op != IR_OP_MATMUL || !constant_matrix(node->inputs[1]) ||
        node->inputs[0]->type.rank < 2)
      continue;
    ir_value *bias = NULL;
    bool with_bias = bias_add_of(&p, node, &bias) != NULL;
    projection items[MERGE_MAX];
    int count = collect(&p, node, with_bias, items);
    if (count < 2)
      continue;
    ir_node *before = node->prev;
    status = merge(&p, items, count, diag);
    node = before ? before : graph->body.first; /* the merged nodes stand where `node` stood */
  }
  dl_pattern_deinit(&p);
  return status;
}
