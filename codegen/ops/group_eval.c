/* The element evaluator of groups: emits the code that computes one element of a value of a
 * group from the group's reads, mapping coordinates through broadcasts and views (read as
 * indexing) and applying each elementwise op's emitter, each value once per element. */
#include "codegen/ops/emit.h"
#include "codegen/ops/group.h"
#include "codegen/ops/pointwise_util.h"

#include <stdlib.h>
#include <string.h>

#include "codegen/llvm_build.h"
#include "ir/array.h"
#include "ir/infer.h"

group_index group_index_linear(const ir_type *shape, LLVMValueRef linear) {
  return (group_index){.shape = shape, .linear = linear};
}

static group_index index_of_coordinates(const ir_type *shape, const LLVMValueRef *coordinates) {
  group_index index = {.shape = shape, .has_coordinates = true};
  memcpy(index.coordinates, coordinates, sizeof(LLVMValueRef) * (size_t)shape->rank);
  return index;
}

LLVMValueRef group_index_get_linear(kernel_builder *kb, group_index *index) {
  if (index->linear)
    return index->linear;
  LLVMValueRef linear = kb_const_i32(kb, 0);
  for (int d = 0; d < index->shape->rank; d++)
    linear = LLVMBuildAdd(
        B, LLVMBuildMul(B, linear, kb_const_i32(kb, index->shape->dims[d]), ""),
        index->coordinates[d], "");
  return index->linear = linear;
}

const LLVMValueRef *group_index_get_coordinates(kernel_builder *kb, group_index *index) {
  if (index->has_coordinates)
    return index->coordinates;
  LLVMValueRef rest = index->linear;
  for (int d = index->shape->rank - 1; d >= 0; d--) {
    LLVMValueRef dim = kb_const_i32(kb, index->shape->dims[d]);
    index->coordinates[d] = index->shape->dims[d] == 1 ? kb_const_i32(kb, 0)
                            : d == 0                   ? rest
                                                       : LLVMBuildURem(B, rest, dim, "");
    if (d > 0 && index->shape->dims[d] != 1)
      rest = LLVMBuildUDiv(B, rest, dim, "");
  }
  index->has_coordinates = true;
  return index->coordinates;
}

bool group_evaluates(ir_op op) { return ir_op_is_element_map(op); }

bool group_input_is_data(ir_op op, int input) {
  if (ir_op_input_decides_shape(op, input))
    return false;
  /* Dropout's ratio and training_mode change nothing at inference. */
  return !(op == IR_OP_DROPOUT && input > 0);
}

void group_operand_shape(const ir_node *node, int input, ir_type *out) {
  *out = node->inputs[input]->type;
  if (node->op == IR_OP_BATCH_NORMALIZATION && input > 0) {
    const ir_type *x = &node->inputs[0]->type; /* [C] lines up with axis 1: [C, 1, ..., 1] */
    out->rank = x->rank - 1;
    out->dims[0] = x->dims[1];
    for (int d = 1; d < out->rank; d++)
      out->dims[d] = 1;
  }
}

static int64_t element_count(const ir_type *type) {
  int64_t count = 1;
  for (int d = 0; d < type->rank; d++)
    count *= type->dims[d];
  return count;
}

/* The index of an operand laid out as `shape` (a broadcast of it onto `index`'s shape):
 * the same linear index when nothing is broadcast, else coordinates aligned at the trailing
 * dim with 0 along broadcast axes. */
static group_index broadcast_index(kernel_builder *kb, const ir_type *shape, group_index *index) {
  if (element_count(shape) == element_count(index->shape))
    return group_index_linear(shape, group_index_get_linear(kb, index));
  const LLVMValueRef *outer = group_index_get_coordinates(kb, index);
  LLVMValueRef coordinates[IR_MAX_RANK];
  int offset = index->shape->rank - shape->rank;
  for (int d = 0; d < shape->rank; d++)
    coordinates[d] = shape->dims[d] == 1 ? kb_const_i32(kb, 0) : outer[d + offset];
  return index_of_coordinates(shape, coordinates);
}

/* Operand `input` of an elementwise node or Expand at the node's output element `index`. */
static group_index operand_index(const lower_group *group, const ir_node *node, int input,
                                 group_index *index) {
  kernel_builder *kb = group->kb;
  const ir_type *type = &node->inputs[input]->type;
  if (group->flat) /* every read is loaded already: indices only key the memo */
    return group_index_linear(type, index->linear);
  ir_type shape;
  group_operand_shape(node, input, &shape);
  group_index mapped = broadcast_index(kb, &shape, index);
  if (shape.rank == type->rank && !memcmp(shape.dims, type->dims, sizeof(int64_t) * (size_t)type->rank)) {
    mapped.shape = type;
    return mapped;
  }
  /* a view of the operand with its element order (BatchNormalization's [C] as [C, 1, 1]) */
  return group_index_linear(type, group_index_get_linear(kb, &mapped));
}

static group_index transpose_index(kernel_builder *kb, const ir_node *node, group_index *index) {
  const ir_type *x = &node->inputs[0]->type;
  const int64_t *perm = NULL;
  int count = -1;
  ir_attr_ints(node, "perm", &perm, &count, NULL); /* checked by inference */
  const LLVMValueRef *outer = group_index_get_coordinates(kb, index);
  LLVMValueRef coordinates[IR_MAX_RANK];
  for (int d = 0; d < x->rank; d++)
    coordinates[count < 0 ? x->rank - 1 - d : perm[d]] = outer[d];
  return index_of_coordinates(x, coordinates);
}

/* Slice: input coordinate start + c * step of output coordinate c along each axis. */
static group_index slice_index(kernel_builder *kb, const ir_node *node, group_index *index) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t starts[IR_MAX_RANK], steps[IR_MAX_RANK];
  if (ir_slice_read(node, starts, steps, NULL) != 0) /* checked by inference */
    return group_index_linear(x, kb_const_i32(kb, 0));
  const LLVMValueRef *outer = group_index_get_coordinates(kb, index);
  LLVMValueRef coordinates[IR_MAX_RANK];
  for (int d = 0; d < x->rank; d++) {
    coordinates[d] = outer[d];
    if (steps[d] != 1)
      coordinates[d] = LLVMBuildMul(B, coordinates[d], kb_const_i32(kb, steps[d]), "");
    if (starts[d] != 0)
      coordinates[d] = LLVMBuildAdd(B, coordinates[d], kb_const_i32(kb, starts[d]), "");
  }
  return index_of_coordinates(x, coordinates);
}

/* A constant of one element as an immediate of its storage type. */
static LLVMValueRef constant_element(kernel_builder *kb, const ir_value *value) {
  ir_dtype dtype = value->type.dtype;
  LLVMTypeRef type = pw_storage_type(kb, dtype);
  if (dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F64)
    return LLVMConstReal(type, ir_element_get_float(dtype, value->data, 0));
  uint64_t bits = 0; /* little-endian: the low bytes */
  if (ir_dtype_is_packed(dtype)) /* as a load gives it: sign-extended or zero-extended */
    return LLVMConstInt(type, (uint64_t)ir_element_get_int(dtype, value->data, 0), 1);
  memcpy(&bits, value->data, ir_dtype_size(dtype));
  return LLVMConstInt(type, bits, 0);
}

static bool is_scalar_constant(const ir_value *value) {
  return value->kind == IR_VALUE_CONSTANT && value->data && element_count(&value->type) == 1;
}

static bool in_group(const lower_group *group, const ir_node *node) {
  return node && (group->region ? node->parent == group->region : node == group->node);
}

static bool same_index(const group_index *a, const group_index *b) {
  if (a->linear && a->linear == b->linear)
    return true;
  if (!a->has_coordinates || !b->has_coordinates || a->shape->rank != b->shape->rank)
    return false;
  for (int d = 0; d < a->shape->rank; d++)
    if (a->coordinates[d] != b->coordinates[d])
      return false;
  return true;
}

void group_forget(lower_group *group) { group->memo_count = 0; }

static void remember(lower_group *group, const ir_value *value, const group_index *index,
                     LLVMValueRef element) {
  /* Out of memory: then it is computed again, slower, still right. */
  group_memo_entry entry = {value, *index, element};
  (void)IR_ARRAY_APPEND(NULL, group->memo, group->memo_count, group->memo_capacity, entry);
}

static LLVMValueRef load_read(lower_group *group, const ir_value *value, group_index *index) {
  kernel_builder *kb = group->kb;
  for (int k = 0; k < group->read_count; k++)
    if (group->reads[k] == value)
      return group->read ? group->read(kb, group, k, index, group->read_user)
                         : pw_load(kb, value->type.dtype, kb_param_value(kb, k),
                                   group_index_get_linear(kb, index));
  return LLVMGetUndef(pw_storage_type(kb, value->type.dtype)); /* group.c collected every read */
}

static LLVMValueRef evaluate_node(lower_group *group, const ir_node *node, group_index *index) {
  kernel_builder *kb = group->kb;
  const ir_value *x = node->inputs[0];
  if (node->op == IR_OP_TRANSPOSE) {
    group_index mapped = transpose_index(kb, node, index);
    return group_evaluate(group, x, &mapped);
  }
  if (node->op == IR_OP_SLICE) {
    group_index mapped = slice_index(kb, node, index);
    return group_evaluate(group, x, &mapped);
  }
  if (ir_op_category_of(node->op) == IR_OP_CATEGORY_VIEW) { /* same elements in order */
    group_index mapped = index->shape->rank == x->type.rank &&
                                 !memcmp(index->shape->dims, x->type.dims,
                                         sizeof(int64_t) * (size_t)x->type.rank)
                             ? *index
                             : group_index_linear(&x->type, group_index_get_linear(kb, index));
    mapped.shape = &x->type;
    LLVMValueRef element = group_evaluate(group, x, &mapped);
    LLVMTypeRef type = pw_storage_type(kb, node->outputs[0]->type.dtype);
    /* BitCast: the same bits as another type of the same size */
    return LLVMTypeOf(element) == type ? element : LLVMBuildBitCast(B, element, type, "");
  }
  if (node->op == IR_OP_EXPAND) {
    group_index mapped = operand_index(group, node, 0, index);
    return group_evaluate(group, x, &mapped);
  }
  LLVMValueRef stack[8], *operands = node->num_inputs <= 8 ? stack : NULL;
  if (!operands && !(operands = malloc(sizeof(LLVMValueRef) * (size_t)node->num_inputs)))
    return LLVMGetUndef(pw_storage_type(kb, node->outputs[0]->type.dtype));
  for (int k = 0; k < node->num_inputs; k++) {
    operands[k] = NULL;
    if (node->inputs[k] && group_input_is_data(node->op, k)) {
      group_index mapped = operand_index(group, node, k, index);
      operands[k] = group_evaluate(group, node->inputs[k], &mapped);
    }
  }
  LLVMValueRef result = lower_emitter(node->op)(kb, node, operands);
  if (operands != stack)
    free(operands);
  return result;
}

LLVMValueRef group_evaluate(lower_group *group, const ir_value *value, group_index *index) {
  if (group->root && value->producer == group->root)
    return group->root_element;
  if (is_scalar_constant(value))
    return constant_element(group->kb, value);
  if (!in_group(group, value->producer))
    return load_read(group, value, index);
  for (int i = 0; i < group->memo_count; i++)
    if (group->memo[i].value == value && same_index(&group->memo[i].index, index))
      return group->memo[i].element;
  LLVMValueRef element = evaluate_node(group, value->producer, index);
  remember(group, value, index, element);
  return element;
}
