/* Pass cse: common subexpression elimination. A node that computes what an earlier node of
 * the same region computes (same op, same inputs, same attributes) is removed and its
 * outputs' readers read the earlier node's outputs; constants with the same type and bytes
 * become one. Not merged: nodes that draw random numbers (IR_OP_FLAG_RANDOM), nodes with
 * bodies (control flow, groups), data-dependent outputs, and a node whose output its region
 * yields (a graph output keeps its name and its producer). One walk with a hash table:
 * linear in the graph. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "passes/pass.h"
#include "passes/rewrite.h"

typedef struct cse_table {
  const ir_node **slots; /* open addressing, NULL: empty */
  uint64_t mask;
} cse_table;

/* Slots of an open-addressing table for `count` entries: a power of two, at most half full. */
static uint64_t table_size(int count) {
  uint64_t size = 1;
  while (size < 2 * (uint64_t)count + 2)
    size <<= 1;
  return size;
}

static uint64_t mix(uint64_t hash, uint64_t value) {
  hash ^= value + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
  return hash;
}

static uint64_t hash_bytes(uint64_t hash, const void *data, size_t size) {
  const unsigned char *bytes = data;
  for (size_t i = 0; i < size; i++)
    hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  return hash;
}

static bool attr_equal(const ir_attr *a, const ir_attr *b) {
  if (a->kind != b->kind || a->count != b->count)
    return false;
  switch (a->kind) {
  case IR_ATTR_INT:
    return a->as.i == b->as.i;
  case IR_ATTR_FLOAT: /* bitwise: -0 and 0 differ, a NaN equals itself */
    return memcmp(&a->as.f, &b->as.f, sizeof(float)) == 0;
  case IR_ATTR_STRING:
    return strcmp(a->as.s, b->as.s) == 0;
  case IR_ATTR_INTS:
    return a->count == 0 || memcmp(a->as.ints, b->as.ints, (size_t)a->count * sizeof(int64_t)) == 0;
  case IR_ATTR_FLOATS:
    return a->count == 0 || memcmp(a->as.floats, b->as.floats, (size_t)a->count * sizeof(float)) == 0;
  case IR_ATTR_STRINGS:
    for (int i = 0; i < a->count; i++)
      if (strcmp(a->as.strings[i], b->as.strings[i]) != 0)
        return false;
    return true;
  case IR_ATTR_DTYPE:
    return a->as.dtype == b->as.dtype;
  }
  return false;
}

static bool attrs_equal(const ir_node *a, const ir_node *b) {
  if (a->num_attrs != b->num_attrs)
    return false;
  for (int i = 0; i < a->num_attrs; i++) {
    const ir_attr *other = ir_node_attr(b, a->attrs[i].name);
    if (!other || !attr_equal(&a->attrs[i], other))
      return false;
  }
  return true;
}

static bool same_computation(const ir_node *a, const ir_node *b) {
  if (a->op != b->op || a->parent != b->parent || a->num_inputs != b->num_inputs ||
      a->num_outputs != b->num_outputs)
    return false;
  for (int k = 0; k < a->num_inputs; k++)
    if (a->inputs[k] != b->inputs[k])
      return false;
  for (int j = 0; j < a->num_outputs; j++)
    if (!ir_type_equal(&a->outputs[j]->type, &b->outputs[j]->type))
      return false;
  return attrs_equal(a, b);
}

/* Attribute names are hashed, not values (order-independent and cheap; equality decides). */
static uint64_t node_hash(const ir_node *node) {
  uint64_t hash = mix((uint64_t)node->op, (uint64_t)(uintptr_t)node->parent);
  for (int k = 0; k < node->num_inputs; k++)
    hash = mix(hash, node->inputs[k] ? (uint64_t)node->inputs[k]->id + 1 : 0);
  for (int i = 0; i < node->num_attrs; i++)
    hash += hash_bytes(0xcbf29ce484222325ull, node->attrs[i].name, strlen(node->attrs[i].name));
  return hash;
}

static bool mergeable(const ir_node *node) {
  if (node->body || node->num_outputs == 0 || ir_op_has_flag(node->op, IR_OP_FLAG_RANDOM) ||
      ir_op_has_flag(node->op, IR_OP_FLAG_DATA_DEPENDENT))
    return false;
  for (int j = 0; j < node->num_outputs; j++)
    if (dl_region_yields(node->parent, node->outputs[j]))
      return false;
  return true;
}

/* The earlier node computing the same as `node`, after recording `node` when there is none. */
static const ir_node *find_or_add(cse_table *table, const ir_node *node) {
  for (uint64_t slot = node_hash(node) & table->mask;; slot = (slot + 1) & table->mask) {
    if (!table->slots[slot]) {
      table->slots[slot] = node;
      return NULL;
    }
    if (same_computation(table->slots[slot], node))
      return table->slots[slot];
  }
}

static bool bound_value(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->num_bound_inputs; i++)
    if (graph->bound_inputs[i].value == value)
      return true;
  return false;
}

/* Constants with equal type and bytes forward to the first of them. */
static int merge_constants(ir_graph *graph, ir_value **forward) {
  uint64_t size = table_size(graph->num_constants);
  ir_value **slots = calloc(size, sizeof(ir_value *));
  if (!slots)
    return -1;
  for (int i = 0; i < graph->num_constants; i++) {
    ir_value *constant = graph->constants[i];
    int64_t bytes = 0;
    if (!constant->data || !ir_type_byte_size(&constant->type, &bytes) ||
        bound_value(graph, constant) ||
        dl_region_yields(&graph->body, constant))
      continue;
    uint64_t hash = hash_bytes(mix((uint64_t)constant->type.dtype, (uint64_t)constant->type.rank),
                               constant->type.dims, sizeof(int64_t) * (size_t)constant->type.rank);
    hash = hash_bytes(hash, constant->data, (size_t)bytes);
    for (uint64_t slot = hash & (size - 1);; slot = (slot + 1) & (size - 1)) {
      ir_value *other = slots[slot];
      if (!other) {
        slots[slot] = constant;
        break;
      }
      if (ir_type_equal(&other->type, &constant->type) &&
          memcmp(other->data, constant->data, (size_t)bytes) == 0) {
        forward[constant->id] = other;
        break;
      }
    }
  }
  free(slots);
  return 0;
}

int dl_pass_cse(ir_graph *graph, dl_diag *diag) {
  uint64_t size = table_size(graph->num_nodes);
  cse_table table = {.slots = calloc(size, sizeof(ir_node *)), .mask = size - 1};
  ir_value **forward = calloc((size_t)graph->num_values + 1, sizeof(ir_value *));
  if (!table.slots || !forward || merge_constants(graph, forward) != 0) {
    free(table.slots);
    free(forward);
    return dl_error(diag, "cse: out of memory");
  }
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node) {
    ir_node *next = ir_graph_next_node(graph, node);
    dl_forward_inputs(forward, node);
    const ir_node *earlier = mergeable(node) ? find_or_add(&table, node) : NULL;
    if (earlier) {
      for (int j = 0; j < node->num_outputs; j++)
        forward[node->outputs[j]->id] = earlier->outputs[j];
      ir_region_remove(node->parent, node);
    }
    node = next;
  }
  dl_forward_results(graph, forward);
  free(table.slots);
  free(forward);
  return 0;
}
