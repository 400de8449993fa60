/* Pad → one thread per output element mapping each axis back to the input: constant mode
 * fills outside positions with the constant, edge clamps, reflect mirrors, wrap wraps.
 * CenterCropPad is a constant Pad by 0 whose pads center the input (negative pads crop). */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

#include <string.h>

#include "codegen/llvm_build.h"

typedef enum pad_mode { PAD_CONSTANT, PAD_EDGE, PAD_REFLECT, PAD_WRAP } pad_mode;

typedef struct pad_plan {
  pad_mode mode;
  int rank;
  int64_t in_dims[IR_MAX_RANK], out_dims[IR_MAX_RANK], begin[IR_MAX_RANK];
  bool fill_is_input; /* constant_value is a runtime tensor (kernel parameter 1) */
  uint64_t fill_bits; /* else its bits (0 when absent) */
} pad_plan;

static int read_plan(const ir_node *node, pad_plan *plan, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  const char *mode;
  int64_t pads[2 * IR_MAX_RANK], axes[IR_MAX_RANK];
  int count = 0, axes_count = x->rank;
  *plan = (pad_plan){.rank = x->rank};
  if (ir_attr_string_default(node, "mode", &mode, diag) != 0 ||
      ir_node_constant_ints(node, 1, pads, 2 * IR_MAX_RANK, &count, diag) != 0)
    return -1;
  plan->mode = strcmp(mode, "edge") == 0      ? PAD_EDGE
               : strcmp(mode, "reflect") == 0 ? PAD_REFLECT
               : strcmp(mode, "wrap") == 0    ? PAD_WRAP
                                              : PAD_CONSTANT;
  for (int d = 0; d < x->rank; d++)
    axes[d] = d;
  if (ir_node_input(node, 3) &&
      (ir_node_constant_ints(node, 3, axes, IR_MAX_RANK, &axes_count, diag) != 0 ||
       ir_normalize_axes(node, "axes", axes, axes_count, x->rank, diag) != 0))
    return -1;
  if (count != 2 * axes_count)
    return ir_node_error(diag, node, "pads has %d values for %d axes", count, axes_count);
  for (int d = 0; d < x->rank; d++) {
    plan->in_dims[d] = x->dims[d];
    plan->out_dims[d] = node->outputs[0]->type.dims[d];
  }
  for (int i = 0; i < axes_count; i++) {
    plan->begin[axes[i]] = pads[i];
    if (plan->mode != PAD_CONSTANT && plan->in_dims[axes[i]] == 0 && plan->out_dims[axes[i]] > 0)
      return ir_node_error(diag, node, "%s padding of an empty axis", mode);
  }
  const ir_value *fill = ir_node_input(node, 2);
  if (fill && fill->kind == IR_VALUE_CONSTANT && fill->data)
    memcpy(&plan->fill_bits, fill->data, ir_dtype_size(x->dtype));
  else if (fill)
    plan->fill_is_input = true;
  return 0;
}

/* Input coordinate of output coordinate `c` on axis d; *inside cleared when it falls
 * outside in constant mode. */
static LLVMValueRef source_coordinate(kernel_builder *kb, const pad_plan *plan, int d,
                                      LLVMValueRef c, LLVMValueRef *inside) {
  int64_t dim = plan->in_dims[d];
  LLVMValueRef s = LLVMBuildSub(B, c, kb_const_i32(kb, plan->begin[d]), "");
  LLVMValueRef zero = kb_const_i32(kb, 0), last = kb_const_i32(kb, dim - 1);
  switch (plan->mode) {
  case PAD_CONSTANT: {
    LLVMValueRef ok = LLVMBuildICmp(B, LLVMIntULT, s, kb_const_i32(kb, dim), "");
    *inside = LLVMBuildAnd(B, *inside, ok, "");
    return LLVMBuildSelect(B, ok, s, zero, "");
  }
  case PAD_REFLECT: {
    LLVMValueRef below = LLVMBuildICmp(B, LLVMIntSLT, s, zero, "");
    s = LLVMBuildSelect(B, below, LLVMBuildNeg(B, s, ""), s, "");
    LLVMValueRef above = LLVMBuildICmp(B, LLVMIntSGT, s, last, "");
    s = LLVMBuildSelect(B, above, LLVMBuildSub(B, kb_const_i32(kb, 2 * (dim - 1)), s, ""), s, "");
    break; /* pads beyond one mirror are clamped below */
  }
  case PAD_WRAP: {
    LLVMValueRef r = LLVMBuildSRem(B, s, kb_const_i32(kb, dim), "");
    LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntSLT, r, zero, "");
    return LLVMBuildSelect(B, negative, LLVMBuildAdd(B, r, kb_const_i32(kb, dim), ""), r, "");
  }
  case PAD_EDGE:
    break;
  }
  s = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, s, zero, ""), zero, s, "");
  return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, s, last, ""), last, s, "");
}

static int lower_plan(lower_context *ctx, const ir_node *node, const pad_plan plan,
                      lower_result *out) {
  static const kb_param with_fill[] = {
      {"x", KB_PARAM_PTR}, {"fill", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};
  static const kb_param without_fill[] = {{"x", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};
  int64_t count = 1;
  for (int d = 0; d < plan.rank; d++)
    count *= plan.out_dims[d];
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "pad");
  LLVMTypeRef type = mv_element_type(kb, node->inputs[0]->type.dtype);
  LLVMValueRef i = mv_kernel_begin(kb, name, plan.fill_is_input ? with_fill : without_fill,
                                   plan.fill_is_input ? 3 : 2, count);
  LLVMValueRef coords[IR_MAX_RANK];
  mv_unravel(kb, i, plan.rank, plan.out_dims, coords);
  LLVMValueRef inside = LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0);
  LLVMValueRef source = kb_const_i32(kb, 0);
  for (int d = 0; d < plan.rank; d++) {
    LLVMValueRef s = source_coordinate(kb, &plan, d, coords[d], &inside);
    source = LLVMBuildAdd(B, LLVMBuildMul(B, source, kb_const_i32(kb, plan.in_dims[d]), ""), s, "");
  }
  LLVMValueRef fill = plan.fill_is_input
                          ? mv_load(kb, type, kb_param_value(kb, 1), kb_const_i32(kb, 0))
                          : LLVMConstInt(type, plan.fill_bits, 0);
  LLVMValueRef y = kb_param_value(kb, plan.fill_is_input ? 2 : 1);
  if (plan.mode == PAD_CONSTANT) {
    /* Positions outside read nothing: an empty input has no element to clamp onto. */
    kb_if_begin(kb, inside);
    mv_store(kb, y, i, mv_load(kb, type, kb_param_value(kb, 0), source));
    kb_if_else(kb);
    mv_store(kb, y, i, fill);
    kb_if_end(kb);
  } else {
    mv_store(kb, y, i, mv_load(kb, type, kb_param_value(kb, 0), source));
  }
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the pad kernel");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  if (plan.fill_is_input)
    lower_add_arg(launch, LOWER_ARG_INPUT, 2);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  return 0;
}

int lower_pad(lower_context *ctx, const ir_node *node, lower_result *out) {
  pad_plan plan;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 || read_plan(node, &plan, ctx->diag) != 0)
    return -1;
  return lower_plan(ctx, node, plan, out);
}

int lower_center_crop_pad(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t shift[IR_MAX_RANK];
  pad_plan plan = {.mode = PAD_CONSTANT, .rank = x->rank};
  if (mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_center_crop_pad_shift(node, shift, plan.out_dims, ctx->diag) != 0)
    return -1;
  for (int d = 0; d < x->rank; d++)
    plan.in_dims[d] = x->dims[d], plan.begin[d] = -shift[d];
  return lower_plan(ctx, node, plan, out);
}
