/* The op table, built from ops.def, and the queries on it. */
#include "ir/op.h"

#include "ir/infer.h"

#include <string.h>

/* Unformatted: clang-format would split the token paste in the designator. */
// clang-format off
static const ir_op_info OPS[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  [IR_OP_##ENUM] = {NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, IR_OP_CATEGORY_##CATEGORY,      \
                    FLAGS, SHAPE_INPUTS},
#include "ir/ops.def"
#undef OP
};
// clang-format on

const ir_op_info *ir_op_get(ir_op op) {
  return op > IR_OP_INVALID && op < IR_OP_COUNT ? &OPS[op] : NULL;
}

const char *ir_op_name(ir_op op) {
  const ir_op_info *info = ir_op_get(op);
  return info ? info->name : "invalid";
}

ir_op ir_op_from_name(const char *name) {
  for (int op = 1; op < IR_OP_COUNT; op++)
    if (strcmp(OPS[op].name, name) == 0)
      return (ir_op)op;
  return IR_OP_INVALID;
}

ir_op_category ir_op_category_of(ir_op op) {
  const ir_op_info *info = ir_op_get(op);
  return info ? info->category : IR_OP_CATEGORY_INVALID;
}

const char *ir_op_category_name(ir_op_category category) {
  static const char *const NAMES[] = {
      [IR_OP_CATEGORY_INVALID] = "invalid",
      [IR_OP_CATEGORY_ELEMENTWISE] = "elementwise",
      [IR_OP_CATEGORY_VIEW] = "view",
      [IR_OP_CATEGORY_REDUCTION] = "reduction",
      [IR_OP_CATEGORY_NORMALIZATION] = "normalization",
      [IR_OP_CATEGORY_CONTRACTION] = "contraction",
      [IR_OP_CATEGORY_WINDOW] = "window",
      [IR_OP_CATEGORY_LOSS] = "loss",
      [IR_OP_CATEGORY_ATTENTION] = "attention",
      [IR_OP_CATEGORY_LINEAR_ALGEBRA] = "linear_algebra",
      [IR_OP_CATEGORY_MOVEMENT] = "movement",
      [IR_OP_CATEGORY_SHAPE] = "shape",
      [IR_OP_CATEGORY_GROUP] = "group",
  };
  return category >= 0 && category < (int)(sizeof(NAMES) / sizeof(NAMES[0])) ? NAMES[category]
                                                                             : "invalid";
}

bool ir_op_has_flag(ir_op op, ir_op_flag flag) {
  const ir_op_info *info = ir_op_get(op);
  return info && (info->flags & (uint32_t)flag) != 0;
}

bool ir_op_input_decides_shape(ir_op op, int index) {
  const ir_op_info *info = ir_op_get(op);
  return info && index >= 0 && index < 32 && (info->shape_inputs & IR_OP_INPUT(index)) != 0;
}

bool ir_op_is_index_map(ir_op op) {
  return ir_op_category_of(op) == IR_OP_CATEGORY_VIEW || ir_op_has_flag(op, IR_OP_FLAG_INDEX_MAP);
}

bool ir_op_is_element_map(ir_op op) {
  return ir_op_category_of(op) == IR_OP_CATEGORY_ELEMENTWISE || ir_op_is_index_map(op);
}

bool ir_op_can_root_group(ir_op op) {
  ir_op_category category = ir_op_category_of(op);
  return category == IR_OP_CATEGORY_CONTRACTION || category == IR_OP_CATEGORY_REDUCTION ||
         op == IR_OP_ATTENTION;
}

bool ir_node_can_root_group(const ir_node *node) {
  return ir_op_can_root_group(node->op) && node->num_outputs == 1;
}

bool ir_op_may_write_in_place(ir_op op) {
  return ir_op_category_of(op) == IR_OP_CATEGORY_ELEMENTWISE;
}
