/* The op table, built from ops.def. */
#include "ir/op.h"

#include "ir/infer.h"

#include <string.h>

static const ir_op_info OPS[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER)                              \
  [IR_OP_##ENUM] = {NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER},
#include "ir/ops.def"
#undef OP
};

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
