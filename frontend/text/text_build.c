/* Syntax tree → graph for the .dlir text IR. Names are resolved with lexical scope (a value
 * defined inside a region is not visible after the region ends); every error is located. */
#include "frontend/text/text_build.h"

#include <string.h>

#include "frontend/text/text_attr.h"
#include "frontend/text/text_literal.h"
#include "frontend/text/text_side_file.h"
#include "frontend/text/text_verify.h"
#include "ir/array.h"
#include "ir/infer.h"
#include "ir/limits.h"
#include "ir/state.h"

typedef struct builder {
  text_parser *parser;
  ir_graph *graph;
  text_side_files files;
  /* Indexed by value id: where the value was defined, and whether its region has ended. */
  text_location *value_locs;
  bool *hidden;
  size_t value_locs_capacity, hidden_capacity;
  text_location *node_locs; /* indexed by node id */
  size_t node_locs_capacity;
} builder;

/* Grows a per-id table (in the scratch arena, zero-filled) so that `id` is a valid index. */
#define GROW_FOR_ID(b, table, capacity, id)                                                        \
  ((table) = ir_array_reserve((b)->parser->arena, (table), &(capacity), (size_t)(id) + 1,         \
                              sizeof *(table)))

static int record_value(builder *b, const ir_value *value, text_location loc) {
  if (!GROW_FOR_ID(b, b->value_locs, b->value_locs_capacity, value->id) ||
      !GROW_FOR_ID(b, b->hidden, b->hidden_capacity, value->id))
    return text_error_at(b->parser, loc, "out of memory");
  b->value_locs[value->id] = loc;
  return 0;
}

/* `@arena[N]` after a value's type: its offset in the activation arena (the verifier checks
 * the plan as a whole once the graph is built). */
static int set_arena_offset(builder *b, ir_value *value, const text_typed_value *text) {
  if (!text->arena_offset)
    return 0;
  int64_t offset;
  if (text_literal_int64(b->parser, text->arena_offset, &offset) != 0)
    return -1;
  if (offset < 0)
    return text_error_at(b->parser, text->arena_offset->loc,
                         "arena offset %s of %%%s is negative", text->arena_offset->text,
                         text->name);
  value->has_arena_offset = true;
  value->arena_offset = (uint64_t)offset;
  return 0;
}

/* Checks that a new value may take `name` (non-empty, not defined yet anywhere). */
static int check_new_name(builder *b, const char *name, text_location loc) {
  if (!*name)
    return text_error_at(b->parser, loc, "value names cannot be empty");
  const ir_value *existing = ir_graph_find_value(b->graph, name);
  if (existing) {
    text_location first = b->value_locs[existing->id];
    return text_error_at(b->parser, loc,
                         "duplicate value name %%%s (first defined at line %d, column %d)", name,
                         first.line, first.column);
  }
  return 0;
}

static ir_value *lookup(builder *b, const text_operand *operand) {
  if (!operand->name) {
    text_error_at(b->parser, operand->loc, "'_' (absent input) is only allowed as a node input");
    return NULL;
  }
  ir_value *value = ir_graph_find_value(b->graph, operand->name);
  if (!value) {
    text_error_at(b->parser, operand->loc,
                  "undefined value %%%s (values must be defined "
                  "before they are used)",
                  operand->name);
    return NULL;
  }
  if (b->hidden[value->id]) {
    text_location at = b->value_locs[value->id];
    text_error_at(b->parser, operand->loc,
                  "value %%%s (line %d) is defined inside a region that has ended; use the "
                  "region's node outputs instead",
                  operand->name, at.line);
    return NULL;
  }
  return value;
}

static int build_dim(builder *b, const text_dim *dim, int64_t *out) {
  if (dim->is_number) {
    text_literal literal = {dim->loc, TEXT_LITERAL_NUMBER, dim->text};
    if (text_literal_int64(b->parser, &literal, out) != 0)
      return -1;
    if (*out < 0)
      return text_error_at(b->parser, dim->loc, "dimension %s is negative", dim->text);
    return 0;
  }
  for (int i = 0; i < b->graph->num_symbols; i++)
    if (strcmp(b->graph->symbols[i], dim->text) == 0) {
      *out = IR_DIM_SYMBOL(i);
      return 0;
    }
  return text_error_at(b->parser, dim->loc,
                       "unknown dimension symbol '%s' (declare it first: symbol %s)", dim->text,
                       dim->text);
}

static int build_type(builder *b, const text_type *text, ir_type *out) {
  ir_dtype dtype = ir_dtype_from_name(text->dtype);
  if (dtype == IR_DTYPE_INVALID) {
    char known[256] = "";
    for (int d = IR_DTYPE_INVALID + 1; d < IR_DTYPE_COUNT; d++)
      snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", d > 1 ? ", " : "",
               ir_dtype_name((ir_dtype)d));
    return text_error_at(b->parser, text->loc, "unknown dtype '%s' (known: %s)", text->dtype,
                         known);
  }
  if (text->dims.count > IR_MAX_RANK)
    return text_error_at(b->parser, text->loc, "rank %d is above the maximum of %d",
                         text->dims.count, IR_MAX_RANK);
  int64_t dims[IR_MAX_RANK];
  for (int i = 0; i < text->dims.count; i++)
    if (build_dim(b, text->dims.items[i], &dims[i]) != 0)
      return -1;
  *out = ir_type_make(dtype, text->dims.count, dims);
  int64_t bytes;
  if (ir_type_is_static(out) && !ir_type_byte_size(out, &bytes))
    return text_error_at(b->parser, text->loc, "type is too large (more than 2^63 bytes)");
  return 0;
}

static int build_symbol(builder *b, const text_item *item) {
  for (int i = 0; i < b->graph->num_symbols; i++)
    if (strcmp(b->graph->symbols[i], item->symbol) == 0)
      return text_error_at(b->parser, item->loc, "duplicate dimension symbol '%s'", item->symbol);
  if (ir_graph_symbol(b->graph, item->symbol) < 0)
    return text_error_at(b->parser, item->loc, "out of memory");
  return 0;
}

static int build_input(builder *b, const text_typed_value *text) {
  ir_type type;
  if (build_type(b, text->type, &type) != 0 || check_new_name(b, text->name, text->loc) != 0)
    return -1;
  ir_value *value = ir_graph_add_input(b->graph, text->name, type);
  if (!value)
    return text_error_at(b->parser, text->loc, "out of memory");
  return record_value(b, value, text->loc) || set_arena_offset(b, value, text) ? -1 : 0;
}

/* "constant" or "state": what a CONST or STATE line defines, for messages. */
static const char *data_owner(const text_item *item) {
  return item->kind == TEXT_ITEM_STATE ? "state" : "constant";
}

static int constant_data(builder *b, const text_item *item, const ir_type *type, int64_t bytes,
                         const void **out) {
  const text_typed_value *text = item->value;
  const char *what = data_owner(item);
  if (item->const_kind == TEXT_CONST_ELIDED) {
    *out = NULL;
    return 0;
  }
  if (item->const_kind == TEXT_CONST_FILE) {
    int64_t offset, size;
    if (text_literal_int64(b->parser, item->offset, &offset) != 0 ||
        text_literal_int64(b->parser, item->size, &size) != 0)
      return -1;
    if (offset < 0 || size != bytes)
      return text_error_at(b->parser, item->size->loc,
                           "%s %%%s: offset %s size %s does not fit its type (%lld "
                           "bytes at a non-negative offset)",
                           what, text->name, item->offset->text, item->size->text, (long long)bytes);
    return text_side_file_data(b->parser, &b->files, b->graph, item->file, text->loc,
                               (uint64_t)offset, (uint64_t)size, ir_dtype_size(type->dtype), out);
  }
  int64_t count;
  ir_type_element_count(type, &count);
  if (count != item->elements.count)
    return text_error_at(b->parser, text->loc, "%s %%%s needs %lld values, found %d", what,
                         text->name, (long long)count, item->elements.count);
  unsigned char *data = ir_arena_alloc(b->graph->arena, bytes ? (size_t)bytes : 1);
  if (!data)
    return text_error_at(b->parser, text->loc, "out of memory");
  memset(data, 0, bytes ? (size_t)bytes : 1); /* the unused bits of a packed last byte */
  for (int i = 0; i < item->elements.count; i++)
    if (text_literal_element(b->parser, item->elements.items[i], type->dtype, data, i) != 0)
      return -1;
  *out = data;
  return 0;
}

/* A CONST line, or a STATE line (a state whose initial value is given like a constant's). */
static int build_constant(builder *b, const text_item *item) {
  const text_typed_value *text = item->value;
  const char *what = data_owner(item);
  ir_type type;
  if (build_type(b, text->type, &type) != 0 || check_new_name(b, text->name, text->loc) != 0)
    return -1;
  int64_t bytes;
  if (!ir_type_byte_size(&type, &bytes))
    return text_error_at(b->parser, text->loc,
                         "%s %%%s needs a static shape (no dimension symbols)", what, text->name);
  if (!dl_limits_tensor_fits(bytes))
    return text_error_at(b->parser, text->loc, "%s %%%s: " DL_TENSOR_LIMIT_FORMAT, what,
                         text->name, DL_TENSOR_LIMIT_ARGS(bytes));
  const void *data;
  if (constant_data(b, item, &type, bytes, &data) != 0)
    return -1;
  ir_value *value = item->kind == TEXT_ITEM_STATE
                        ? ir_graph_add_state(b->graph, text->name, type, data)
                        : ir_graph_add_constant(b->graph, text->name, type, data);
  if (!value)
    return text_error_at(b->parser, text->loc, "out of memory");
  return record_value(b, value, text->loc) || set_arena_offset(b, value, text) ? -1 : 0;
}

static int build_nodes(builder *b, const text_list *nodes, ir_region *region);

/* A node's region: parameters, nodes and yields; afterwards everything defined inside
 * goes out of scope. */
static int build_region(builder *b, ir_node *node, const text_region *text) {
  ir_region *body = ir_node_create_body(b->graph, node);
  if (!body)
    return text_error_at(b->parser, text->loc, "out of memory");
  int first_inside = b->graph->num_values;
  for (int i = 0; i < text->params.count; i++) {
    const text_typed_value *param = text->params.items[i];
    ir_type type;
    if (build_type(b, param->type, &type) != 0 || check_new_name(b, param->name, param->loc) != 0)
      return -1;
    ir_value *value = ir_region_add_param(b->graph, body, param->name, type);
    if (!value)
      return text_error_at(b->parser, param->loc, "out of memory");
    if (record_value(b, value, param->loc) != 0 || set_arena_offset(b, value, param) != 0)
      return -1;
  }
  if (build_nodes(b, &text->nodes, body) != 0)
    return -1;
  for (int i = 0; i < text->yields.count; i++) {
    const text_operand *operand = text->yields.items[i];
    ir_value *value = lookup(b, operand);
    if (!value)
      return -1;
    if (ir_region_add_result(b->graph, body, value) != 0)
      return text_error_at(b->parser, operand->loc, "out of memory");
  }
  for (int id = first_inside; id < b->graph->num_values; id++)
    b->hidden[id] = true;
  return 0;
}

static int check_arity(builder *b, const text_node *text, ir_op op) {
  const ir_op_info *info = ir_op_get(op);
  int inputs = text->operands.count, outputs = text->results.count;
  if (inputs < info->min_inputs || inputs > info->max_inputs)
    return text_error_at(b->parser, text->op_loc, "%s takes %d to %d inputs, found %d", info->name,
                         info->min_inputs, info->max_inputs, inputs);
  if (outputs < info->min_outputs || outputs > info->max_outputs)
    return text_error_at(b->parser, text->loc, "%s has %d to %d outputs, found %d", info->name,
                         info->min_outputs, info->max_outputs, outputs);
  return 0;
}

/* Resolves inputs, checks output names and types: everything that can fail before the
 * node exists, so a failed node leaves no half-made value behind. */
static int prepare_node(builder *b, const text_node *text, ir_value **inputs, const char **names,
                        ir_type *types) {
  for (int i = 0; i < text->operands.count; i++) {
    const text_operand *operand = text->operands.items[i];
    inputs[i] = NULL;
    if (operand->name && !(inputs[i] = lookup(b, operand)))
      return -1;
  }
  for (int i = 0; i < text->results.count; i++) {
    const text_typed_value *result = text->results.items[i];
    if (build_type(b, result->type, &types[i]) != 0 ||
        check_new_name(b, result->name, result->loc) != 0)
      return -1;
    for (int j = 0; j < i; j++)
      if (strcmp(names[j], result->name) == 0)
        return text_error_at(b->parser, result->loc, "duplicate value name %%%s", result->name);
    names[i] = result->name;
  }
  return 0;
}

static int build_node(builder *b, const text_node *text, ir_region *region) {
  ir_op op = ir_op_from_name(text->op);
  if (op == IR_OP_INVALID)
    return text_error_at(b->parser, text->op_loc, "unknown op '%s'", text->op);
  if (check_arity(b, text, op) != 0)
    return -1;
  if (text->region && op != IR_OP_GROUP)
    return text_error_at(b->parser, text->op_loc, "only dl.group nodes have a region, not %s",
                         text->op);
  ir_arena *scratch = b->parser->arena;
  ir_value **inputs =
      ir_arena_alloc_array(scratch, (size_t)text->operands.count + 1, sizeof(ir_value *));
  const char **names =
      ir_arena_alloc_array(scratch, (size_t)text->results.count + 1, sizeof(char *));
  ir_type *types = ir_arena_alloc_array(scratch, (size_t)text->results.count + 1, sizeof(ir_type));
  if (!inputs || !names || !types)
    return text_error_at(b->parser, text->loc, "out of memory");
  if (prepare_node(b, text, inputs, names, types) != 0)
    return -1;
  ir_node *node = ir_graph_add_node(b->graph, region, op, text->name, inputs, text->operands.count,
                                    names, text->results.count);
  if (!node)
    return text_error_at(b->parser, text->loc, "out of memory");
  if (text->name && !*text->name) /* an explicit empty name, unlike the default */
    node->name = ir_arena_strdup(b->graph->arena, "");
  if (!GROW_FOR_ID(b, b->node_locs, b->node_locs_capacity, node->id))
    return text_error_at(b->parser, text->loc, "out of memory");
  b->node_locs[node->id] = text->loc;
  for (int i = 0; i < node->num_outputs; i++) {
    node->outputs[i]->type = types[i];
    const text_typed_value *result = text->results.items[i];
    if (record_value(b, node->outputs[i], result->loc) != 0 ||
        set_arena_offset(b, node->outputs[i], result) != 0)
      return -1;
  }
  for (int i = 0; i < text->attrs.count; i++)
    if (text_build_attr(b->parser, b->graph, node, text->attrs.items[i]) != 0)
      return -1;
  return text->region ? build_region(b, node, text->region) : 0;
}

static int build_nodes(builder *b, const text_list *nodes, ir_region *region) {
  for (int i = 0; i < nodes->count; i++)
    if (build_node(b, nodes->items[i], region) != 0)
      return -1;
  return 0;
}

/* `bind %input = %constant`: a graph input whose value was fixed at compile time. */
static int build_binding(builder *b, const text_item *item) {
  ir_value *input = lookup(b, item->output), *value = input ? lookup(b, item->bound) : NULL;
  if (!value)
    return -1;
  if (value->kind != IR_VALUE_CONSTANT)
    return text_error_at(b->parser, item->bound->loc, "'%s' is not a constant", value->name);
  if (ir_graph_bound_value(b->graph, input))
    return text_error_at(b->parser, item->loc, "input '%s' is bound twice", input->name);
  if (ir_graph_bind_input(b->graph, input, value) != 0)
    return text_error_at(b->parser, item->loc,
                         "'%s' cannot be bound to '%s': it must be a graph input of the "
                         "constant's type",
                         input->name, value->name);
  return 0;
}

/* `update %state = %value`: the value the state holds after a run. */
static int build_update(builder *b, const text_item *item) {
  ir_value *state = lookup(b, item->output), *value = state ? lookup(b, item->bound) : NULL;
  if (!value)
    return -1;
  if (state->kind != IR_VALUE_STATE)
    return text_error_at(b->parser, item->output->loc,
                         "'%s' is not a state (declare it with: state %%%s: TYPE = ...)",
                         state->name, state->name);
  if (ir_graph_state_update(b->graph, state))
    return text_error_at(b->parser, item->loc, "state '%s' is updated twice", state->name);
  if (!ir_type_equal(&state->type, &value->type)) {
    char want[160], got[160];
    ir_format_type(b->graph, &state->type, want, sizeof(want));
    ir_format_type(b->graph, &value->type, got, sizeof(got));
    return text_error_at(b->parser, item->bound->loc,
                         "state '%s' has type %s but its update '%s' has %s", state->name, want,
                         value->name, got);
  }
  if (ir_graph_set_state_update(b->graph, state, value) != 0)
    return text_error_at(b->parser, item->loc, "out of memory");
  return 0;
}

static int build_item(builder *b, const text_item *item) {
  switch (item->kind) {
  case TEXT_ITEM_SYMBOL:
    return build_symbol(b, item);
  case TEXT_ITEM_INPUT:
    return build_input(b, item->value);
  case TEXT_ITEM_CONST:
  case TEXT_ITEM_STATE:
    return build_constant(b, item);
  case TEXT_ITEM_UPDATE:
    return build_update(b, item);
  case TEXT_ITEM_NODE:
    return build_node(b, item->node, NULL);
  case TEXT_ITEM_OUTPUT: {
    ir_value *value = lookup(b, item->output);
    if (!value)
      return -1;
    if (ir_graph_add_output(b->graph, value) != 0)
      return text_error_at(b->parser, item->loc, "out of memory");
    return 0;
  }
  case TEXT_ITEM_BIND:
    return build_binding(b, item);
  }
  return -1;
}

ir_graph *text_build_graph(text_parser *parser, const text_module *module, const char *base_dir) {
  int64_t version;
  if (text_literal_int64(parser, module->version, &version) != 0)
    return NULL;
  if (version != 1) {
    text_error_at(parser, module->version->loc,
                  "unsupported .dlir version %s (this dlcc reads version 1)",
                  module->version->text);
    return NULL;
  }
  builder b = {.parser = parser, .files = {.base_dir = base_dir}};
  b.graph = ir_graph_create(module->graph_name);
  if (!b.graph) {
    dl_error(parser->diag, "%s: out of memory", parser->display_name);
    return NULL;
  }
  int status = 0;
  for (int i = 0; i < module->items.count && status == 0; i++)
    status = build_item(&b, module->items.items[i]);
  if (status == 0)
    status = text_verify_graph(parser, b.graph, b.node_locs);
  if (status != 0) {
    ir_graph_destroy(b.graph);
    return NULL;
  }
  return b.graph;
}
