/* Graph construction: values, nodes, regions and the name table. */
#include "ir/graph.h"
#include "ir/state.h"

#include <stdio.h>
#include <string.h>

#include "ir/array.h"

/* Open-addressing table from value name to value; grows at 50% load. */
typedef struct ir_name_table {
  ir_value **slots;
  int capacity;
  int count;
} ir_name_table;

static uint64_t name_hash(const char *name) {
  uint64_t hash = 1469598103934665603ull; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    hash = (hash ^ *p) * 1099511628211ull;
  return hash;
}

static int name_table_insert(ir_arena *arena, ir_name_table *table, ir_value *value) {
  if ((table->count + 1) * 2 > table->capacity) {
    int capacity = table->capacity ? table->capacity * 2 : 64;
    ir_value **slots = ir_arena_alloc_array(arena, (size_t)capacity, sizeof(ir_value *));
    if (!slots)
      return -1;
    for (int i = 0; i < table->capacity; i++) {
      ir_value *old = table->slots[i];
      if (!old)
        continue;
      uint64_t at = name_hash(old->name) & (uint64_t)(capacity - 1);
      while (slots[at])
        at = (at + 1) & (uint64_t)(capacity - 1);
      slots[at] = old;
    }
    table->slots = slots;
    table->capacity = capacity;
  }
  uint64_t mask = (uint64_t)(table->capacity - 1);
  uint64_t at = name_hash(value->name) & mask;
  while (table->slots[at])
    at = (at + 1) & mask;
  table->slots[at] = value;
  table->count++;
  return 0;
}

ir_value *ir_graph_find_value(const ir_graph *graph, const char *name) {
  const ir_name_table *table = graph->names;
  if (!table->capacity)
    return NULL;
  uint64_t mask = (uint64_t)(table->capacity - 1);
  for (uint64_t at = name_hash(name) & mask; table->slots[at]; at = (at + 1) & mask)
    if (strcmp(table->slots[at]->name, name) == 0)
      return table->slots[at];
  return NULL;
}

ir_graph *ir_graph_create(const char *name) {
  ir_arena *arena = ir_arena_create();
  if (!arena)
    return NULL;
  ir_graph *graph = ir_arena_alloc(arena, sizeof(ir_graph));
  ir_name_table *names = ir_arena_alloc(arena, sizeof(ir_name_table));
  if (!graph || !names) {
    ir_arena_destroy(arena);
    return NULL;
  }
  graph->arena = arena;
  graph->names = names;
  graph->name = ir_arena_strdup(arena, name && *name ? name : "main");
  graph->source_nodes = -1;
  return graph;
}

void ir_graph_destroy(ir_graph *graph) {
  if (!graph)
    return;
  dl_file_set_deinit(&graph->source_files);
  ir_arena_destroy(graph->arena);
}

const char *ir_graph_unique_name(ir_graph *graph, const char *base) {
  if (!base || !*base)
    return ir_arena_printf(graph->arena, "v%d", graph->num_values);
  if (!ir_graph_find_value(graph, base))
    return ir_arena_strdup(graph->arena, base);
  for (int suffix = 1;; suffix++) {
    char *candidate = ir_arena_printf(graph->arena, "%s.%d", base, suffix);
    if (!candidate || !ir_graph_find_value(graph, candidate))
      return candidate;
  }
}

/* Appends to a region's params or results. An array someone replaced without setting its
 * capacity (left below the count) is taken as exactly full, so it is copied, not overrun. */
static int append_to_region(ir_arena *arena, ir_value ***items, int *count, size_t *capacity,
                            ir_value *value) {
  if (*capacity < (size_t)*count)
    *capacity = (size_t)*count;
  return IR_ARRAY_APPEND(arena, *items, *count, *capacity, value);
}

static ir_value *new_value(ir_graph *graph, const char *name, ir_type type,
                           ir_value_kind kind) {
  if (name && *name && ir_graph_find_value(graph, name))
    return NULL;
  ir_value *value = ir_arena_alloc(graph->arena, sizeof(ir_value));
  if (!value)
    return NULL;
  value->name = ir_graph_unique_name(graph, name);
  value->type = type;
  value->kind = kind;
  value->id = graph->num_values++;
  if (!value->name || name_table_insert(graph->arena, graph->names, value) != 0)
    return NULL;
  return value;
}

ir_value *ir_region_add_param(ir_graph *graph, ir_region *region, const char *name,
                              ir_type type) {
  ir_value *value = new_value(graph, name, type, IR_VALUE_PARAM);
  if (!value)
    return NULL;
  value->region = region;
  if (append_to_region(graph->arena, &region->params, &region->num_params,
                       &region->params_capacity, value))
    return NULL;
  return value;
}

int ir_region_add_result(ir_graph *graph, ir_region *region, ir_value *value) {
  return append_to_region(graph->arena, &region->results, &region->num_results,
                          &region->results_capacity, value);
}

ir_value *ir_graph_add_input(ir_graph *graph, const char *name, ir_type type) {
  return ir_region_add_param(graph, &graph->body, name, type);
}

int ir_graph_add_output(ir_graph *graph, ir_value *value) {
  return ir_region_add_result(graph, &graph->body, value);
}

ir_value *ir_graph_add_constant(ir_graph *graph, const char *name, ir_type type,
                                const void *data) {
  ir_value *value = new_value(graph, name, type, IR_VALUE_CONSTANT);
  if (!value)
    return NULL;
  value->data = data;
  if (IR_ARRAY_APPEND(graph->arena, graph->constants, graph->num_constants,
                      graph->constants_capacity, value))
    return NULL;
  return value;
}

ir_value *ir_graph_add_constant_copy(ir_graph *graph, const char *name, ir_type type,
                                     const void *data) {
  int64_t bytes;
  if (!ir_type_byte_size(&type, &bytes))
    return NULL;
  void *copy = ir_arena_alloc(graph->arena, (size_t)bytes);
  if (!copy)
    return NULL;
  if (bytes)
    memcpy(copy, data, (size_t)bytes);
  return ir_graph_add_constant(graph, name, type, copy);
}

int ir_graph_symbol(ir_graph *graph, const char *name) {
  for (int i = 0; i < graph->num_symbols; i++)
    if (strcmp(graph->symbols[i], name) == 0)
      return i;
  const char *copy = ir_arena_strdup(graph->arena, name);
  if (!copy || IR_ARRAY_APPEND(graph->arena, graph->symbols, graph->num_symbols,
                               graph->symbols_capacity, copy))
    return -1;
  return graph->num_symbols - 1;
}

static void region_append(ir_region *region, ir_node *node) {
  node->parent = region;
  node->prev = region->last;
  node->next = NULL;
  if (region->last)
    region->last->next = node;
  else
    region->first = node;
  region->last = node;
}

int ir_node_set_input(ir_graph *graph, ir_node *node, int index, ir_value *value) {
  if (index < 0)
    return -1;
  if (index >= node->num_inputs) {
    ir_value **inputs = ir_arena_alloc_array(graph->arena, (size_t)index + 2, sizeof(ir_value *));
    if (!inputs)
      return -1;
    for (int i = 0; i < node->num_inputs; i++)
      inputs[i] = node->inputs[i];
    node->inputs = inputs;
    node->num_inputs = index + 1;
  }
  node->inputs[index] = value;
  return 0;
}

void ir_region_insert_before(ir_region *region, ir_node *before, ir_node *node) {
  if (!before) {
    region_append(region, node);
    return;
  }
  node->parent = region;
  node->next = before;
  node->prev = before->prev;
  if (before->prev)
    before->prev->next = node;
  else
    region->first = node;
  before->prev = node;
}

void ir_region_remove(ir_region *region, ir_node *node) {
  if (node->prev)
    node->prev->next = node->next;
  else
    region->first = node->next;
  if (node->next)
    node->next->prev = node->prev;
  else
    region->last = node->prev;
  node->prev = node->next = NULL;
  node->parent = NULL;
}

ir_node *ir_graph_add_node(ir_graph *graph, ir_region *region, ir_op op, const char *name,
                           ir_value *const *inputs, int num_inputs,
                           const char *const *output_names, int num_outputs) {
  ir_node *node = ir_arena_alloc(graph->arena, sizeof(ir_node));
  if (!node || num_inputs < 0 || num_outputs < 0)
    return NULL;
  node->op = op;
  node->id = graph->num_nodes++;
  node->name = name && *name ? ir_arena_strdup(graph->arena, name)
                             : ir_arena_printf(graph->arena, "%s_%d", ir_op_name(op), node->id);
  node->inputs = ir_arena_alloc_array(graph->arena, (size_t)num_inputs + 1, sizeof(ir_value *));
  node->outputs =
      ir_arena_alloc_array(graph->arena, (size_t)num_outputs + 1, sizeof(ir_value *));
  if (!node->name || !node->inputs || !node->outputs)
    return NULL;
  node->num_inputs = num_inputs;
  for (int i = 0; i < num_inputs; i++)
    node->inputs[i] = inputs[i];
  node->num_outputs = num_outputs;
  for (int i = 0; i < num_outputs; i++) {
    const char *output_name = output_names ? output_names[i] : NULL;
    ir_value *output = new_value(graph, output_name, (ir_type){0}, IR_VALUE_RESULT);
    if (!output)
      return NULL;
    output->producer = node;
    output->producer_index = i;
    node->outputs[i] = output;
  }
  region_append(region ? region : &graph->body, node);
  return node;
}

ir_region *ir_node_create_body(ir_graph *graph, ir_node *node) {
  if (!node->body) {
    node->body = ir_arena_alloc(graph->arena, sizeof(ir_region));
    if (node->body)
      node->body->owner = node;
  }
  return node->body;
}

static ir_attr *attr_slot(ir_graph *graph, ir_node *node, const char *name) {
  for (int i = 0; i < node->num_attrs; i++)
    if (strcmp(node->attrs[i].name, name) == 0)
      return &node->attrs[i];
  ir_attr *attrs = ir_arena_alloc_array(graph->arena, (size_t)node->num_attrs + 1, sizeof(ir_attr));
  const char *copy = ir_arena_strdup(graph->arena, name);
  if (!attrs || !copy)
    return NULL;
  if (node->num_attrs)
    memcpy(attrs, node->attrs, (size_t)node->num_attrs * sizeof(ir_attr));
  node->attrs = attrs;
  ir_attr *slot = &attrs[node->num_attrs++];
  slot->name = copy;
  return slot;
}

int ir_node_set_int(ir_graph *graph, ir_node *node, const char *name, int64_t value) {
  ir_attr *attr = attr_slot(graph, node, name);
  if (!attr)
    return -1;
  attr->kind = IR_ATTR_INT;
  attr->count = 0;
  attr->as.i = value;
  return 0;
}

int ir_node_set_float(ir_graph *graph, ir_node *node, const char *name, float value) {
  ir_attr *attr = attr_slot(graph, node, name);
  if (!attr)
    return -1;
  attr->kind = IR_ATTR_FLOAT;
  attr->count = 0;
  attr->as.f = value;
  return 0;
}

int ir_node_set_string(ir_graph *graph, ir_node *node, const char *name, const char *value) {
  ir_attr *attr = attr_slot(graph, node, name);
  const char *copy = ir_arena_strdup(graph->arena, value);
  if (!attr || !copy)
    return -1;
  attr->kind = IR_ATTR_STRING;
  attr->count = 0;
  attr->as.s = copy;
  return 0;
}

int ir_node_set_dtype(ir_graph *graph, ir_node *node, const char *name, ir_dtype value) {
  ir_attr *attr = attr_slot(graph, node, name);
  if (!attr)
    return -1;
  attr->kind = IR_ATTR_DTYPE;
  attr->count = 0;
  attr->as.dtype = value;
  return 0;
}

static void *copy_array(ir_graph *graph, const void *values, int count, size_t size) {
  void *copy = ir_arena_alloc_array(graph->arena, count > 0 ? (size_t)count : 1, size);
  if (copy && count > 0)
    memcpy(copy, values, (size_t)count * size);
  return copy;
}

int ir_node_set_ints(ir_graph *graph, ir_node *node, const char *name, const int64_t *values,
                     int count) {
  ir_attr *attr = attr_slot(graph, node, name);
  int64_t *copy = copy_array(graph, values, count, sizeof(int64_t));
  if (!attr || !copy || count < 0)
    return -1;
  attr->kind = IR_ATTR_INTS;
  attr->count = count;
  attr->as.ints = copy;
  return 0;
}

int ir_node_set_floats(ir_graph *graph, ir_node *node, const char *name, const float *values,
                       int count) {
  ir_attr *attr = attr_slot(graph, node, name);
  float *copy = copy_array(graph, values, count, sizeof(float));
  if (!attr || !copy || count < 0)
    return -1;
  attr->kind = IR_ATTR_FLOATS;
  attr->count = count;
  attr->as.floats = copy;
  return 0;
}

int ir_node_set_strings(ir_graph *graph, ir_node *node, const char *name,
                        const char *const *values, int count) {
  ir_attr *attr = attr_slot(graph, node, name);
  const char **copy = ir_arena_alloc_array(graph->arena, count > 0 ? (size_t)count : 1,
                                           sizeof(char *));
  if (!attr || !copy || count < 0)
    return -1;
  for (int i = 0; i < count; i++)
    if (!(copy[i] = ir_arena_strdup(graph->arena, values[i])))
      return -1;
  attr->kind = IR_ATTR_STRINGS;
  attr->count = count;
  attr->as.strings = copy;
  return 0;
}

const ir_attr *ir_node_attr(const ir_node *node, const char *name) {
  for (int i = 0; i < node->num_attrs; i++)
    if (strcmp(node->attrs[i].name, name) == 0)
      return &node->attrs[i];
  return NULL;
}

const char *ir_attr_kind_name(ir_attr_kind kind) {
  static const char *const NAMES[] = {"int", "float", "string", "ints", "floats", "strings", "dtype"};
  return (unsigned)kind < sizeof(NAMES) / sizeof(NAMES[0]) ? NAMES[kind] : "invalid";
}

ir_node *ir_graph_next_node(const ir_graph *graph, ir_node *node) {
  if (!node)
    return graph->body.first;
  if (node->body && node->body->first)
    return node->body->first;
  while (node) {
    if (node->next)
      return node->next;
    ir_region *parent = node->parent;
    node = parent ? parent->owner : NULL;
  }
  return NULL;
}

int ir_value_use_count(const ir_graph *graph, const ir_value *value) {
  int uses = 0;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    for (int i = 0; i < node->num_inputs; i++)
      uses += node->inputs[i] == value;
    if (node->body)
      for (int i = 0; i < node->body->num_results; i++)
        uses += node->body->results[i] == value;
  }
  for (int i = 0; i < graph->body.num_results; i++)
    uses += graph->body.results[i] == value;
  for (int i = 0; i < graph->num_state_updates; i++)
    uses += graph->state_updates[i].value == value;
  return uses;
}

int ir_value_make_constant(ir_graph *graph, ir_value *value, const void *data) {
  if (IR_ARRAY_APPEND(graph->arena, graph->constants, graph->num_constants,
                      graph->constants_capacity, value))
    return -1;
  value->kind = IR_VALUE_CONSTANT;
  value->data = data;
  value->producer = NULL;
  value->producer_index = 0;
  value->region = NULL;
  return 0;
}

static bool is_graph_input(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->body.num_params; i++)
    if (graph->body.params[i] == value)
      return true;
  return false;
}

int ir_graph_bind_input(ir_graph *graph, ir_value *input, ir_value *value) {
  if (!input || !value || value->kind != IR_VALUE_CONSTANT || !is_graph_input(graph, input) ||
      ir_graph_bound_value(graph, input) || !ir_type_equal(&input->type, &value->type))
    return -1;
  ir_bound_input bound = {.input = input, .value = value};
  if (IR_ARRAY_APPEND(graph->arena, graph->bound_inputs, graph->num_bound_inputs,
                      graph->bound_inputs_capacity, bound))
    return -1;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i] == input)
        node->inputs[i] = value;
  return 0;
}

const ir_value *ir_graph_bound_value(const ir_graph *graph, const ir_value *input) {
  for (int i = 0; i < graph->num_bound_inputs; i++)
    if (graph->bound_inputs[i].input == input)
      return graph->bound_inputs[i].value;
  return NULL;
}
