/* The modeled arithmetic of a node (see cost.h). */
#include "ir/cost.h"

#include "ir/checked_math.h"
#include "ir/infer.h"

static int64_t count_of(const ir_value *value) {
  int64_t count = 0;
  return value && ir_type_element_count(&value->type, &count) ? count : 0;
}

static int64_t times(int64_t a, int64_t b) {
  int64_t product;
  return dl_checked_mul(a, b, &product) ? product : INT64_MAX;
}

static int64_t plus(int64_t a, int64_t b) {
  int64_t sum;
  return dl_checked_add(a, b, &sum) ? sum : INT64_MAX;
}

/* Multiply-adds per output element of a contraction: the reduced extent. */
static int64_t reduced_extent(const ir_node *node) {
  const ir_type *a = &node->inputs[0]->type, *b = &node->inputs[1]->type;
  switch (node->op) {
  case IR_OP_CONV: /* weight [Cout, Cin/group, k...]: all but the first dim */
  case IR_OP_DEFORM_CONV: {
    int64_t extent = 1;
    for (int d = 1; d < b->rank; d++)
      extent = times(extent, b->dims[d]);
    return extent;
  }
  case IR_OP_CONV_TRANSPOSE: { /* weight [Cin, Cout/group, k...]: Cin/group * k... taps */
    int64_t extent = 1, group = 1;
    ir_attr_int_default(node, "group", &group, NULL);
    for (int d = 2; d < b->rank; d++)
      extent = times(extent, b->dims[d]);
    return times(extent, b->rank ? b->dims[0] / (group > 0 ? group : 1) : 0);
  }
  case IR_OP_GEMM: {
    int64_t trans_a = 0;
    ir_attr_int_default(node, "transA", &trans_a, NULL);
    return a->rank == 2 ? a->dims[trans_a ? 0 : 1] : 0;
  }
  default: /* MatMul: the last dim of A (a vector's only one) */
    return a->rank ? a->dims[a->rank - 1] : 0;
  }
}

static int64_t window_size(const ir_node *node) {
  const ir_attr *kernel = ir_node_attr(node, "kernel_shape");
  if (!kernel || kernel->kind != IR_ATTR_INTS)
    return count_of(node->inputs[0]) / (count_of(node->outputs[0]) ? count_of(node->outputs[0]) : 1);
  int64_t size = 1;
  for (int i = 0; i < kernel->count; i++)
    size = times(size, kernel->as.ints[i]);
  return size;
}

int64_t ir_node_flops(const ir_node *node) {
  const ir_value *input = node->num_inputs ? node->inputs[0] : NULL;
  const ir_value *output = node->num_outputs ? node->outputs[0] : NULL;
  switch (ir_op_category_of(node->op)) {
  case IR_OP_CATEGORY_CONTRACTION:
    return times(2, times(count_of(output), reduced_extent(node)));
  case IR_OP_CATEGORY_ELEMENTWISE:
    return count_of(output);
  case IR_OP_CATEGORY_REDUCTION:
    return count_of(input);
  case IR_OP_CATEGORY_NORMALIZATION:
    return times(5, count_of(input));
  case IR_OP_CATEGORY_WINDOW:
    return times(count_of(output), window_size(node));
  case IR_OP_CATEGORY_GROUP: {
    int64_t total = 0;
    for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
      total = plus(total, ir_node_flops(inner));
    return total;
  }
  default:
    return 0;
  }
}

int64_t ir_contraction_input_reuse(const ir_node *node, int input) {
  if (ir_op_category_of(node->op) != IR_OP_CATEGORY_CONTRACTION || input < 0 ||
      input >= node->num_inputs || !node->num_outputs)
    return 0;
  int64_t elements = count_of(node->inputs[input]);
  int64_t multiply_adds = times(count_of(node->outputs[0]), reduced_extent(node));
  return elements ? multiply_adds / elements : 0;
}
