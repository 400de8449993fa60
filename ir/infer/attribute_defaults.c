/* The table of attribute defaults (ir/op_attributes.def), in one place so inference,
 * folding and codegen cannot disagree on a default. */
#include "ir/infer.h"

#include <string.h>

typedef struct attribute_default {
  ir_op op;
  ir_attr value; /* name, kind and the default */
} attribute_default;

#define ATTR_FIELD_INT i
#define ATTR_FIELD_FLOAT f
#define ATTR_FIELD_STRING s
/* Unformatted: clang-format would split the pasted field designator. */
// clang-format off
static const attribute_default DEFAULTS[] = {
#define ATTR(OP, NAME, KIND, VALUE)                                                                \
  {IR_OP_##OP, {.name = NAME, .kind = IR_ATTR_##KIND, .as.ATTR_FIELD_##KIND = VALUE}},
#include "ir/op_attributes.def"
#undef ATTR
};
// clang-format on

const ir_attr *ir_op_attribute_default(ir_op op, const char *name) {
  for (size_t i = 0; i < sizeof(DEFAULTS) / sizeof(DEFAULTS[0]); i++)
    if (DEFAULTS[i].op == op && strcmp(DEFAULTS[i].value.name, name) == 0)
      return &DEFAULTS[i].value;
  return NULL;
}

const ir_attr *ir_op_attribute_default_at(int index, ir_op *out_op) {
  if (index < 0 || index >= (int)(sizeof(DEFAULTS) / sizeof(DEFAULTS[0])))
    return NULL;
  *out_op = DEFAULTS[index].op;
  return &DEFAULTS[index].value;
}
