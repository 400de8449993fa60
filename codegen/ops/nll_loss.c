/* NegativeLogLikelihoodLoss: loss[n, d] = -input[n, target[n, d], d] * weight[target[n, d]]
 * (0 where the target is ignore_index). "none" is one thread per target element; "sum" and
 * "mean" are one block that sums the losses (and, for the mean, the weights) in f32. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

#include <string.h>

typedef struct nll_loss {
  int64_t classes, inner; /* C, and d1 * ... * dk */
  bool has_weight, has_ignore, mean;
  int64_t ignore_index;
  ir_dtype dtype, target_dtype;
  int output; /* parameter index of the output */
} nll_loss;

/* Target element `e`'s loss and weight (both f32; 0 and 0 where it is ignored). The class is
 * clamped into [0, C) so that a bad target cannot read outside the input. */
static void element_loss(kernel_builder *kb, const nll_loss *s, LLVMValueRef e,
                         LLVMValueRef *out_loss, LLVMValueRef *out_weight) {
  LLVMValueRef target = pw_load(kb, s->target_dtype, kb_param_value(kb, 1), e);
  LLVMTypeRef target_type = LLVMTypeOf(target);
  LLVMValueRef ignored =
      s->has_ignore
          ? LLVMBuildICmp(B, LLVMIntEQ, target,
                          LLVMConstInt(target_type, (unsigned long long)s->ignore_index, 1),
                          "ignored")
          : LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 0, 0);
  LLVMValueRef zero = LLVMConstInt(target_type, 0, 1);
  LLVMValueRef last = LLVMConstInt(target_type, (unsigned long long)(s->classes - 1), 1);
  target = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, target, zero, ""), zero, target, "");
  target = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, target, last, ""), last, target, "");
  LLVMValueRef c = LLVMBuildTrunc(B, target, LLVMInt32TypeInContext(kb_context(kb)), "class");
  LLVMValueRef inner = kb_const_i32(kb, s->inner);
  LLVMValueRef n = LLVMBuildUDiv(B, e, inner, ""), d = LLVMBuildURem(B, e, inner, "");
  LLVMValueRef at = LLVMBuildAdd(B, LLVMBuildMul(B, n, kb_const_i32(kb, s->classes), ""), c, "");
  at = LLVMBuildAdd(B, LLVMBuildMul(B, at, inner, ""), d, "");
  LLVMValueRef x =
      pw_convert(kb, pw_load(kb, s->dtype, kb_param_value(kb, 0), at), s->dtype, IR_DTYPE_F32);
  LLVMValueRef weight = kb_const_f32(kb, 1);
  if (s->has_weight)
    weight =
        pw_convert(kb, pw_load(kb, s->dtype, kb_param_value(kb, 2), c), s->dtype, IR_DTYPE_F32);
  *out_weight = LLVMBuildSelect(B, ignored, kb_const_f32(kb, 0), weight, "weight");
  *out_loss = LLVMBuildFNeg(B, LLVMBuildFMul(B, x, *out_weight, ""), "loss");
}

static int per_element_kernel(kernel_builder *kb, const nll_loss *s, int64_t count, uint32_t grid) {
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  LLVMValueRef loss, weight;
  element_loss(kb, s, e, &loss, &weight);
  pw_store(kb, s->dtype, kb_param_value(kb, s->output), e,
           pw_convert(kb, loss, IR_DTYPE_F32, s->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

/* One block: every thread sums its share, then the block combines the sums. */
static int reduced_kernel(kernel_builder *kb, const nll_loss *s, const pw_rows *plan) {
  LLVMValueRef shared = pw_rows_shared(kb);
  kb_var *loss_sum = kb_thread_var(kb, pw_f32_type(kb), "loss_sum");
  kb_var *weight_sum = kb_thread_var(kb, pw_f32_type(kb), "weight_sum");
  kb_var_store(kb, loss_sum, kb_const_f32(kb, 0));
  kb_var_store(kb, weight_sum, kb_const_f32(kb, 0));
  LLVMValueRef e = pw_rows_loop_begin(kb, plan);
  LLVMValueRef loss, weight;
  element_loss(kb, s, e, &loss, &weight);
  kb_var_store(kb, loss_sum, LLVMBuildFAdd(B, kb_var_load(kb, loss_sum), loss, ""));
  kb_var_store(kb, weight_sum, LLVMBuildFAdd(B, kb_var_load(kb, weight_sum), weight, ""));
  pw_rows_loop_end(kb);
  pw_group_reduce(kb, plan, loss_sum, PW_REDUCE_SUM, shared);
  if (s->mean)
    pw_group_reduce(kb, plan, weight_sum, PW_REDUCE_SUM, shared);
  LLVMValueRef first = LLVMBuildICmp(B, LLVMIntEQ, pw_rows_lane(kb, plan), kb_const_i32(kb, 0), "");
  kb_if_begin(kb, LLVMBuildAnd(B, pw_rows_valid(kb, plan), first, ""));
  LLVMValueRef result = kb_var_load(kb, loss_sum);
  if (s->mean)
    result = LLVMBuildFDiv(B, result, kb_var_load(kb, weight_sum), "mean");
  pw_store(kb, s->dtype, kb_param_value(kb, s->output), kb_const_i32(kb, 0),
           pw_convert(kb, result, IR_DTYPE_F32, s->dtype));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

int lower_negative_log_likelihood_loss(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *input = &node->inputs[0]->type;
  int64_t count;
  const char *reduction;
  nll_loss s = {.classes = input->dims[1],
                .inner = 1,
                .has_weight = ir_node_input(node, 2) != NULL,
                .has_ignore = ir_node_attr(node, "ignore_index") != NULL,
                .dtype = input->dtype,
                .target_dtype = node->inputs[1]->type.dtype};
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      pw_check_value(ctx, node, node->inputs[1], "target", &count) != 0 ||
      ir_attr_string_default(node, "reduction", &reduction, ctx->diag) != 0 ||
      ir_attr_int(node, "ignore_index", 0, &s.ignore_index, ctx->diag) != 0)
    return -1;
  if (s.dtype == IR_DTYPE_F64)
    return ir_node_error(ctx->diag, node, "no kernel for %s on f64 yet", ir_op_name(node->op));
  for (int d = 2; d < input->rank; d++)
    s.inner *= input->dims[d];
  if (s.classes == 0 && count > 0)
    return ir_node_error(ctx->diag, node, "has targets but no classes");
  s.mean = strcmp(reduction, "mean") == 0;
  s.output = s.has_weight ? 3 : 2;
  bool reduced = strcmp(reduction, "none") != 0;
  pw_rows plan;
  pw_rows_plan(1, count, &plan);
  uint32_t grid = reduced ? plan.grid : pw_grid_for(count);
  if (pw_launch_present_inputs(ctx, node, out, reduced ? "nll_loss_sum" : "nll_loss", grid, 0) != 0)
    return -1;
  return reduced ? reduced_kernel(ctx->kb, &s, &plan)
                 : per_element_kernel(ctx->kb, &s, count, grid);
}
