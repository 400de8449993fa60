/* Opset normalization: rewrites the attribute forms of older opsets into the inputs
 * and attributes of the latest opset, which is the only form the IR knows
 * (ONNX docs/Changelog.md records when each attribute became an input). */
#include "onnx_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct attr_to_input {
  const char *op;
  const char *attr;     /* ints attribute of the older form */
  int input;            /* input index in the latest form */
  int64_t before_opset; /* the attribute form is used below this opset */
} attr_to_input;

/* Longest attribute list turned into an input (pads of a rank-8 tensor hold 16). */
enum { ONNX_MAX_CONVERTED_INTS = 4096 };

/* Integer-list attributes that became constant i64 inputs. */
static const attr_to_input INT_LIST_INPUTS[] = {
    {"Slice", "starts", 1, 10},         {"Slice", "ends", 2, 10},
    {"Slice", "axes", 3, 10},           {"ReduceMax", "axes", 1, 18},
    {"ReduceMean", "axes", 1, 18},      {"ReduceMin", "axes", 1, 18},
    {"ReduceSum", "axes", 1, 13},       {"ReduceL1", "axes", 1, 18},
    {"ReduceL2", "axes", 1, 18},        {"ReduceLogSum", "axes", 1, 18},
    {"ReduceLogSumExp", "axes", 1, 18}, {"ReduceProd", "axes", 1, 18},
    {"ReduceSumSquare", "axes", 1, 18}, {"Squeeze", "axes", 1, 13},
    {"Unsqueeze", "axes", 1, 13},       {"Split", "split", 1, 13},
    {"Reshape", "shape", 1, 5},         {"Pad", "pads", 1, 11},
    {"Pad", "paddings", 1, 2},
};

/* Float attributes that became scalar inputs of the data input's element type. */
static const attr_to_input FLOAT_INPUTS[] = {
    {"Clip", "min", 1, 11},
    {"Clip", "max", 2, 11},
    {"Pad", "value", 2, 11},
};

/* Attributes of older opsets that carry nothing the latest form needs. */
static const char *const DROPPED_ATTRS[] = {"consumed_inputs", "is_test", "spatial",
                                            "training_mode", NULL};

static bool applies(const attr_to_input *rule, const char *op, int64_t opset) {
  return strcmp(rule->op, op) == 0 && opset < rule->before_opset;
}

bool onnx_attr_is_normalized(onnx_import *import, const Onnx__NodeProto *proto, const char *attr) {
  const char *op = onnx_text(proto->op_type);
  for (const char *const *name = DROPPED_ATTRS; *name; name++)
    if (strcmp(*name, attr) == 0)
      return true;
  for (size_t i = 0; i < sizeof(INT_LIST_INPUTS) / sizeof(INT_LIST_INPUTS[0]); i++)
    if (applies(&INT_LIST_INPUTS[i], op, import->opset) &&
        strcmp(INT_LIST_INPUTS[i].attr, attr) == 0)
      return true;
  for (size_t i = 0; i < sizeof(FLOAT_INPUTS) / sizeof(FLOAT_INPUTS[0]); i++)
    if (applies(&FLOAT_INPUTS[i], op, import->opset) && strcmp(FLOAT_INPUTS[i].attr, attr) == 0)
      return true;
  if (import->opset < 7 && (strcmp(attr, "broadcast") == 0 ||
                            (strcmp(attr, "axis") == 0 && onnx_find_attr(proto, "broadcast"))))
    return true; /* legacy broadcasting, aligned to numpy's by onnx_broadcast.c */
  if (strcmp(op, "Dropout") == 0 && import->opset < 12 && strcmp(attr, "ratio") == 0)
    return true;
  if (strcmp(op, "ConstantOfShape") == 0 && strcmp(attr, "value") == 0)
    return true;
  if (strcmp(op, "Upsample") == 0 && strcmp(attr, "scales") == 0)
    return true; /* opset 7: becomes input 2 */
  return false;
}

static int convert_attr_inputs(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_node *node) {
  const char *op = onnx_text(proto->op_type);
  for (size_t i = 0; i < sizeof(INT_LIST_INPUTS) / sizeof(INT_LIST_INPUTS[0]); i++) {
    const attr_to_input *rule = &INT_LIST_INPUTS[i];
    const Onnx__AttributeProto *attr = onnx_find_attr(proto, rule->attr);
    if (!attr || !applies(rule, op, import->opset))
      continue;
    if (onnx_attr_type(attr) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS ||
        attr->n_ints > ONNX_MAX_CONVERTED_INTS)
      return onnx_node_error(import, proto, index,
                             "attribute '%s' must be a list of at most %d ints", rule->attr,
                             ONNX_MAX_CONVERTED_INTS);
    char base[256];
    snprintf(base, sizeof(base), "%s.%s", node->name, rule->attr);
    ir_value *value = onnx_ints_constant(import, base, attr->ints, (int)attr->n_ints);
    if (!value || onnx_set_node_input(import, node, rule->input, value) != 0)
      return -1;
  }
  for (size_t i = 0; i < sizeof(FLOAT_INPUTS) / sizeof(FLOAT_INPUTS[0]); i++) {
    const attr_to_input *rule = &FLOAT_INPUTS[i];
    const Onnx__AttributeProto *attr = onnx_find_attr(proto, rule->attr);
    if (!attr || !applies(rule, op, import->opset))
      continue;
    if (onnx_attr_type(attr) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
      return onnx_node_error(import, proto, index, "attribute '%s' must be a float", rule->attr);
    if (node->num_inputs < 1 || !node->inputs[0])
      return onnx_node_error(import, proto, index, "input 0 is missing");
    char base[256];
    snprintf(base, sizeof(base), "%s.%s", node->name, rule->attr);
    ir_value *value =
        onnx_float_scalar_constant(import, base, node->inputs[0]->type.dtype, attr->f);
    if (!value || onnx_set_node_input(import, node, rule->input, value) != 0)
      return -1;
  }
  return 0;
}

/* Attributes holding an ONNX data type code (a type name string for Cast before opset 6),
 * converted to the IR's element type. */
static const struct {
  const char *op, *attr;
} DTYPE_ATTRS[] = {
    {"Cast", "to"}, {"RandomUniformLike", "dtype"}, {"BitCast", "to"}, {"EyeLike", "dtype"}};

static int normalize_dtype_attr(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                ir_node *node, const char *attr_name) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, attr_name);
  if (!attr)
    return 0; /* inference reports a missing required attribute */
  int code = (int)attr->i;
  if (onnx_attr_type(attr) == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING) {
    char name[64];
    snprintf(name, sizeof(name), "%.*s", attr->s.data ? (int)attr->s.len : 0,
             attr->s.data ? (const char *)attr->s.data : "");
    const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value_by_name(
        &onnx__tensor_proto__data_type__descriptor, name);
    code = value ? value->value : 0;
  } else if (onnx_attr_type(attr) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) {
    return 0; /* left as is: inference reports the wrong attribute kind */
  }
  ir_dtype dtype = ir_dtype_from_onnx(code);
  if (dtype == IR_DTYPE_INVALID)
    return onnx_node_error(import, proto, index,
                           "unsupported target element type (ONNX data type %d)", code);
  return ir_node_set_dtype(import->graph, node, attr_name, dtype) == 0
             ? 0
             : onnx_error(import, "out of memory");
}

ir_op onnx_ir_op(const char *onnx_op) {
  if (strcmp(onnx_op, "CastLike") == 0)
    return IR_OP_CAST;
  if (strcmp(onnx_op, "Scatter") == 0) /* opsets 9 and 10: ScatterElements under its old name */
    return IR_OP_SCATTER_ELEMENTS;
  if (strcmp(onnx_op, "Upsample") == 0) /* Resize's predecessor (normalize_legacy_resize) */
    return IR_OP_RESIZE;
  return strncmp(onnx_op, "dl.", 3) == 0 ? IR_OP_INVALID : ir_op_from_name(onnx_op);
}

int onnx_kept_inputs(const Onnx__NodeProto *proto, int num_inputs) {
  return strcmp(onnx_text(proto->op_type), "CastLike") == 0 && num_inputs > 1 ? 1 : num_inputs;
}

/* CastLike(x, like) is Cast(x) with `to` the element type of `like` (and the same
 * `saturate`); `like`'s values are never read. */
static int normalize_cast_like(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_node *node) {
  const ir_value *like =
      proto->n_input == 2 ? ir_graph_find_value(import->graph, onnx_text(proto->input[1])) : NULL;
  if (!like)
    return onnx_node_error(import, proto, index,
                           "needs two inputs: the data and a tensor of the target type");
  return ir_node_set_dtype(import->graph, node, "to", like->type.dtype) == 0
             ? 0
             : onnx_error(import, "out of memory");
}

/* ConstantOfShape's one-element `value` tensor becomes attributes `dtype` (the
 * output element type) and `value` (float for float types, int otherwise). */
static int normalize_constant_of_shape(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                       ir_node *node) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, "value");
  ir_dtype dtype = IR_DTYPE_F32;
  double number = 0;
  int64_t integer = 0;
  if (attr) {
    if (onnx_attr_type(attr) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR || !attr->t)
      return onnx_node_error(import, proto, index, "attribute 'value' must be a tensor");
    char name[256];
    snprintf(name, sizeof(name), "%s.value", node->name);
    ir_type type;
    const void *data;
    int64_t count = 0;
    if (onnx_tensor_contents(import, attr->t, name, &type, &data) != 0)
      return -1;
    if (!ir_type_element_count(&type, &count) || count != 1)
      return onnx_node_error(import, proto, index,
                             "attribute 'value' must hold exactly one element");
    dtype = type.dtype;
    number = onnx_scalar_as_double(dtype, data);
    integer = onnx_scalar_as_int64(dtype, data);
  }
  ir_graph *graph = import->graph;
  int status = ir_node_set_dtype(graph, node, "dtype", dtype);
  if (ir_dtype_is_float(dtype))
    status |= ir_node_set_float(graph, node, "value", (float)number);
  else
    status |= ir_node_set_int(graph, node, "value", integer);
  return status == 0 ? 0 : onnx_error(import, "out of memory");
}

/* Upsample (opsets 7-9) and Resize-10 are Resize with scales, asymmetric coordinates and
 * nearest rounding down: scales (input 1, or Upsample-7's attribute) move to input 2. */
static bool is_legacy_resize(onnx_import *import, const char *op) {
  return strcmp(op, "Upsample") == 0 || (strcmp(op, "Resize") == 0 && import->opset < 11);
}

static int normalize_legacy_resize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                   ir_node *node) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, "scales");
  ir_value *scales = node->num_inputs > 1 ? node->inputs[1] : NULL;
  if (attr) {
    char base[256];
    int64_t count = (int64_t)attr->n_floats;
    snprintf(base, sizeof(base), "%s.scales", node->name);
    scales = ir_graph_add_constant_copy(import->graph, ir_graph_unique_name(import->graph, base),
                                        ir_type_make(IR_DTYPE_F32, 1, &count), attr->floats);
    if (!scales || count == 0)
      return onnx_node_error(import, proto, index, "attribute 'scales' must hold the scales");
  }
  if (!scales)
    return onnx_node_error(import, proto, index, "needs scales");
  if (onnx_set_node_input(import, node, 2, scales) != 0)
    return -1;
  node->inputs[1] = NULL;
  ir_graph *graph = import->graph;
  const ir_attr *mode = ir_node_attr(node, "mode");
  int status = ir_node_set_string(graph, node, "coordinate_transformation_mode", "asymmetric") |
               ir_node_set_string(graph, node, "nearest_mode", "floor");
  if (mode && mode->kind == IR_ATTR_STRING && strcmp(mode->as.s, "bilinear") == 0)
    status |= ir_node_set_string(graph, node, "mode", "linear");
  return status == 0 ? 0 : onnx_error(import, "out of memory");
}

int onnx_normalize_node(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_node *node) {
  if (convert_attr_inputs(import, proto, index, node) != 0)
    return -1;
  ir_graph *graph = import->graph;
  const char *op = onnx_text(proto->op_type);
  int status = 0;
  if (strcmp(op, "RandomUniformLike") == 0 && node->num_inputs > 1) /* dlcc's counter input */
    return onnx_node_error(import, proto, index, "takes one input, not %d", node->num_inputs);
  for (size_t i = 0; i < sizeof DTYPE_ATTRS / sizeof DTYPE_ATTRS[0]; i++)
    if (strcmp(op, DTYPE_ATTRS[i].op) == 0)
      return normalize_dtype_attr(import, proto, index, node, DTYPE_ATTRS[i].attr);
  if (strcmp(op, "CastLike") == 0)
    return normalize_cast_like(import, proto, index, node);
  if (strcmp(op, "ConstantOfShape") == 0)
    return normalize_constant_of_shape(import, proto, index, node);
  if (is_legacy_resize(import, op))
    return normalize_legacy_resize(import, proto, index, node);
  if (strcmp(op, "Concat") == 0 && !onnx_find_attr(proto, "axis") && import->opset < 4)
    status = ir_node_set_int(graph, node, "axis", 1); /* the default before opset 4 */
  if (strcmp(op, "Softmax") == 0 && import->opset < 13)
    status = ir_node_set_int(graph, node, "axis", -1); /* not expanded: the last axis */
  if (strcmp(op, "Split") == 0 && import->opset < 18 && node->num_inputs < 2)
    status = ir_node_set_int(graph, node, "num_outputs", node->num_outputs);
  if (strcmp(op, "Dropout") == 0 && import->opset < 12) {
    const Onnx__AttributeProto *ratio = onnx_find_attr(proto, "ratio");
    char base[256];
    snprintf(base, sizeof(base), "%s.ratio", node->name);
    ir_value *value =
        onnx_float_scalar_constant(import, base, IR_DTYPE_F32, ratio ? ratio->f : 0.5);
    if (!value || onnx_set_node_input(import, node, 1, value) != 0)
      return -1;
  }
  return status == 0 ? 0 : onnx_error(import, "out of memory");
}
