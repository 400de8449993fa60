/* The op enumeration and its table (ops.def): arity and shape inference per op. */
#ifndef DLCC_IR_OP_H
#define DLCC_IR_OP_H

typedef enum ir_op {
  IR_OP_INVALID = 0,
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER) IR_OP_##ENUM,
#include "ir/ops.def"
#undef OP
  IR_OP_COUNT
} ir_op;

struct ir_graph;
struct ir_node;
struct dl_diag;

/* Checks a node's attributes and input types, sets its output types. Returns 0, or
 * -1 after adding a message that names the node and op to the diagnostics. */
typedef int (*ir_infer_fn)(struct ir_graph *graph, struct ir_node *node, struct dl_diag *diag);

typedef struct ir_op_info {
  const char *name;
  int min_inputs, max_inputs;
  int min_outputs, max_outputs;
  ir_infer_fn infer;
} ir_op_info;

const ir_op_info *ir_op_get(ir_op op); /* NULL for an invalid op */
const char *ir_op_name(ir_op op);
ir_op ir_op_from_name(const char *name); /* IR_OP_INVALID if unknown */

#endif
