/* Einsum equations: each operand's dims labelled (letters, and the dims an ellipsis stands
 * for), the output's labels (explicit after "->", else numpy's implicit order) and the size
 * of every label. Shared by inference and the lowering. */
#ifndef DLCC_IR_EINSUM_H
#define DLCC_IR_EINSUM_H

#include <stddef.h>

#include "ir/type.h"

enum {
  IR_EINSUM_MAX_OPERANDS = 8,
  IR_EINSUM_ELLIPSIS_LABEL = 52, /* labels 0..51 are a-z, A-Z; the ellipsis' dims follow */
  IR_EINSUM_MAX_LABELS = IR_EINSUM_ELLIPSIS_LABEL + IR_MAX_RANK,
};

typedef struct ir_einsum {
  int operand_count;
  int ranks[IR_EINSUM_MAX_OPERANDS];
  int labels[IR_EINSUM_MAX_OPERANDS][IR_MAX_RANK]; /* the label of each operand dim */
  int output_rank;
  int output_labels[IR_MAX_RANK];
  int summed_count; /* labels of the inputs that are not in the output, summed over */
  int summed_labels[IR_EINSUM_MAX_LABELS];
  int64_t sizes[IR_EINSUM_MAX_LABELS]; /* per label; size-1 ellipsis dims broadcast */
} ir_einsum;

/* Parses `equation` (spaces ignored) against the operands' static types. 0, or -1 with the
 * reason in `error`. */
int ir_einsum_parse(const char *equation, const ir_type *const *operands, int count,
                    ir_einsum *out, char *error, size_t error_size);

#endif
