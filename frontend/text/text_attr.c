/* Typed node attributes of the text IR: the printed kind (int, float, string, dtype, ints,
 * floats, strings) decides how the value is read, so a dump states exactly what it sets. */
#include "frontend/text/text_attr.h"

#include <string.h>

#include "frontend/text/text_literal.h"

/* The ir_node_set_* setters fail only when memory runs out. */
static int set_status(text_parser *parser, const text_attr *attr, int status) {
  return status == 0 ? 0 : text_error_at(parser, attr->loc, "out of memory");
}

static int scalar_attr(text_parser *parser, ir_graph *graph, ir_node *node, const text_attr *attr,
                       ir_attr_kind kind) {
  const text_literal *value = attr->scalar;
  switch (kind) {
  case IR_ATTR_INT: {
    int64_t number;
    if (text_literal_int64(parser, value, &number) != 0)
      return -1;
    return set_status(parser, attr, ir_node_set_int(graph, node, attr->name, number));
  }
  case IR_ATTR_FLOAT: {
    float number;
    if (text_literal_float(parser, value, &number) != 0)
      return -1;
    return set_status(parser, attr, ir_node_set_float(graph, node, attr->name, number));
  }
  case IR_ATTR_STRING:
    if (value->kind != TEXT_LITERAL_STRING)
      return text_error_at(parser, value->loc, "attribute '%s' is a string: write it quoted",
                           attr->name);
    return set_status(parser, attr, ir_node_set_string(graph, node, attr->name, value->text));
  case IR_ATTR_DTYPE: {
    ir_dtype dtype =
        value->kind == TEXT_LITERAL_WORD ? ir_dtype_from_name(value->text) : IR_DTYPE_INVALID;
    if (dtype == IR_DTYPE_INVALID)
      return text_error_at(parser, value->loc, "attribute '%s': unknown dtype '%s'", attr->name,
                           value->text);
    return set_status(parser, attr, ir_node_set_dtype(graph, node, attr->name, dtype));
  }
  default:
    return -1;
  }
}

static int list_attr(text_parser *parser, ir_graph *graph, ir_node *node, const text_attr *attr,
                     ir_attr_kind kind) {
  int count = attr->elements.count;
  const text_literal *const *elements = (const text_literal *const *)attr->elements.items;
  size_t size = kind == IR_ATTR_INTS     ? sizeof(int64_t)
                : kind == IR_ATTR_FLOATS ? sizeof(float)
                                         : sizeof(char *);
  void *values = ir_arena_alloc_array(parser->arena, (size_t)count + 1, size);
  if (!values)
    return text_error_at(parser, attr->loc, "out of memory");
  for (int i = 0; i < count; i++) {
    if (kind == IR_ATTR_INTS) {
      if (text_literal_int64(parser, elements[i], (int64_t *)values + i) != 0)
        return -1;
    } else if (kind == IR_ATTR_FLOATS) {
      if (text_literal_float(parser, elements[i], (float *)values + i) != 0)
        return -1;
    } else {
      if (elements[i]->kind != TEXT_LITERAL_STRING)
        return text_error_at(parser, elements[i]->loc,
                             "attribute '%s' holds strings: write each one quoted", attr->name);
      ((const char **)values)[i] = elements[i]->text;
    }
  }
  if (kind == IR_ATTR_INTS)
    return set_status(parser, attr, ir_node_set_ints(graph, node, attr->name, values, count));
  if (kind == IR_ATTR_FLOATS)
    return set_status(parser, attr, ir_node_set_floats(graph, node, attr->name, values, count));
  return set_status(parser, attr, ir_node_set_strings(graph, node, attr->name, values, count));
}

static bool kind_from_name(const char *name, ir_attr_kind *out) {
  static const ir_attr_kind KINDS[] = {IR_ATTR_INT,  IR_ATTR_FLOAT,  IR_ATTR_STRING,
                                       IR_ATTR_INTS, IR_ATTR_FLOATS, IR_ATTR_STRINGS,
                                       IR_ATTR_DTYPE};
  for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
    if (strcmp(name, ir_attr_kind_name(KINDS[i])) == 0) {
      *out = KINDS[i];
      return true;
    }
  return false;
}

int text_build_attr(text_parser *parser, ir_graph *graph, ir_node *node, const text_attr *attr) {
  if (ir_node_attr(node, attr->name))
    return text_error_at(parser, attr->loc, "duplicate attribute '%s'", attr->name);
  ir_attr_kind kind;
  if (!kind_from_name(attr->kind, &kind))
    return text_error_at(parser, attr->kind_loc,
                         "unknown attribute kind '%s' (int, float, string, dtype, ints, "
                         "floats or strings)",
                         attr->kind);
  bool wants_list = kind == IR_ATTR_INTS || kind == IR_ATTR_FLOATS || kind == IR_ATTR_STRINGS;
  if (wants_list != attr->is_list)
    return text_error_at(parser, attr->loc,
                         wants_list ? "attribute '%s' of kind %s needs a list: [a, b, ...]"
                                    : "attribute '%s' of kind %s needs one value, not a list",
                         attr->name, attr->kind);
  return wants_list ? list_attr(parser, graph, node, attr, kind)
                    : scalar_attr(parser, graph, node, attr, kind);
}
