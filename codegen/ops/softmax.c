/* Softmax and LogSoftmax over one axis, numerically stable (the row maximum is subtracted
 * before exp; LogSoftmax is x - max - log(sum), never the log of a rounded-to-zero exp).
 * Rows along the innermost axis get a thread group each (block reductions); an axis with
 * inner elements after it gets one thread per (outer, inner) pair, coalesced across inner. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct softmax_shape {
  int64_t outer, length, inner;
  ir_dtype dtype;
  bool log; /* LogSoftmax */
} softmax_shape;

static LLVMValueRef load_x(kernel_builder *kb, const softmax_shape *s, LLVMValueRef offset) {
  return pw_convert(kb, pw_load(kb, s->dtype, kb_param_value(kb, 0), offset), s->dtype,
                    IR_DTYPE_F32);
}

static void store_y(kernel_builder *kb, const softmax_shape *s, LLVMValueRef offset,
                    LLVMValueRef value) {
  pw_store(kb, s->dtype, kb_param_value(kb, 1), offset,
           pw_convert(kb, value, IR_DTYPE_F32, s->dtype));
}

/* exp(x[offset] - maximum). */
static LLVMValueRef shifted_exp(kernel_builder *kb, const softmax_shape *s, LLVMValueRef offset,
                                kb_var *maximum) {
  return kb_exp(kb, LLVMBuildFSub(B, load_x(kb, s, offset), kb_var_load(kb, maximum), ""));
}

/* The last pass's factor: 1 / sum, or log(sum) for LogSoftmax. */
static LLVMValueRef final_factor(kernel_builder *kb, const softmax_shape *s, LLVMValueRef sum) {
  return s->log ? kb_log(kb, sum) : LLVMBuildFDiv(B, kb_const_f32(kb, 1), sum, "");
}

/* The output from x - max (LogSoftmax) or from exp(x - max) (Softmax). */
static LLVMValueRef final_value(kernel_builder *kb, const softmax_shape *s, LLVMValueRef value,
                                LLVMValueRef factor) {
  return s->log ? LLVMBuildFSub(B, value, factor, "") : LLVMBuildFMul(B, value, factor, "");
}

/* State of the row passes: the running maximum and sum, where outputs go. */
typedef struct softmax_pass {
  const softmax_shape *shape;
  const pw_rows *plan;
  kb_var *maximum, *sum; /* sum holds final_factor for the last pass */
  bool cached;           /* values come from the row cache (else from memory) */
  bool keep; /* streaming f32 Softmax: exp(x - max) parked in the output between passes */
} softmax_pass;

static void max_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                     void *opaque) {
  softmax_pass *p = opaque;
  for (unsigned l = 0; l < p->plan->width; l++)
    kb_var_store(kb, p->maximum,
                 pw_reduce_combine(kb, PW_REDUCE_MAX, kb_var_load(kb, p->maximum), values[l]));
}

static void exp_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                     void *opaque) {
  softmax_pass *p = opaque;
  for (unsigned l = 0; l < p->plan->width; l++) {
    LLVMValueRef e = kb_exp(kb, LLVMBuildFSub(B, values[l], kb_var_load(kb, p->maximum), ""));
    kb_var_store(kb, p->sum, LLVMBuildFAdd(B, kb_var_load(kb, p->sum), e, ""));
    if (!p->shape->log)
      values[l] = e; /* the row cache keeps exp(x - max) for the last pass */
  }
  if (!p->cached && p->keep)
    pw_store_f32_run(kb, p->shape->dtype, kb_param_value(kb, 1),
                     pw_rows_offset(kb, p->plan, position), p->plan->width, values);
}

static void scale_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                       void *opaque) {
  softmax_pass *p = opaque;
  for (unsigned l = 0; l < p->plan->width; l++) {
    if (p->shape->log)
      values[l] = LLVMBuildFSub(B, values[l], kb_var_load(kb, p->maximum), "");
    else if (!p->cached && !p->keep) /* streaming non-f32: recompute exp from x */
      values[l] = kb_exp(kb, LLVMBuildFSub(B, values[l], kb_var_load(kb, p->maximum), ""));
    values[l] = final_value(kb, p->shape, values[l], kb_var_load(kb, p->sum));
  }
  pw_store_f32_run(kb, p->shape->dtype, kb_param_value(kb, 1),
                   pw_rows_offset(kb, p->plan, position), p->plan->width, values);
}

/* Thread groups per row; each thread steps through its row plan->width elements at a time.
 * Rows whose thread share fits the row cache are read once; longer rows are streamed.
 * LogSoftmax keeps x in the cache (its last pass needs x - max, not the exp). */
static int softmax_rows(kernel_builder *kb, const softmax_shape *s, const pw_rows *plan) {
  LLVMValueRef shared = pw_rows_shared(kb), x = kb_param_value(kb, 0), y = kb_param_value(kb, 1);
  pw_row_cache storage, *cache = NULL;
  if (pw_row_cache_fits(plan)) {
    pw_row_cache_init(kb, plan, &storage);
    cache = &storage;
  }
  softmax_pass p = {.shape = s,
                    .plan = plan,
                    .cached = cache != NULL,
                    .keep = s->dtype == IR_DTYPE_F32 && !s->log};
  p.maximum = kb_thread_var(kb, pw_f32_type(kb), "maximum");
  p.sum = kb_thread_var(kb, pw_f32_type(kb), "sum");
  kb_var_store(kb, p.maximum, pw_reduce_identity(kb, PW_REDUCE_MAX));
  pw_row_pass(kb, plan, cache, s->dtype, x, max_step, &p);
  pw_group_reduce(kb, plan, p.maximum, PW_REDUCE_MAX, shared);
  kb_var_store(kb, p.sum, kb_const_f32(kb, 0));
  pw_row_pass(kb, plan, cache, s->dtype, x, exp_step, &p);
  pw_group_reduce(kb, plan, p.sum, PW_REDUCE_SUM, shared);
  kb_var_store(kb, p.sum, final_factor(kb, s, kb_var_load(kb, p.sum)));
  bool from_output = !cache && p.keep;
  pw_row_pass(kb, plan, cache, from_output ? IR_DTYPE_F32 : s->dtype, from_output ? y : x,
              scale_step, &p);
  return kb_kernel_end(kb);
}

static int softmax_columns(kernel_builder *kb, const softmax_shape *s, uint32_t grid) {
  kb_var *maximum = kb_thread_var(kb, pw_f32_type(kb), "maximum");
  kb_var *sum = kb_thread_var(kb, pw_f32_type(kb), "sum");
  LLVMValueRef t = pw_grid_stride_begin(kb, s->outer * s->inner, grid);
  LLVMValueRef inner = kb_const_i32(kb, s->inner);
  LLVMValueRef base = LLVMBuildAdd(
      B,
      LLVMBuildMul(B, LLVMBuildUDiv(B, t, inner, ""), kb_const_i32(kb, s->length * s->inner), ""),
      LLVMBuildURem(B, t, inner, ""), "");
  kb_var_store(kb, maximum, pw_reduce_identity(kb, PW_REDUCE_MAX));
  kb_var_store(kb, sum, kb_const_f32(kb, 0));
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 2)
      kb_var_store(kb, sum, final_factor(kb, s, kb_var_load(kb, sum)));
    LLVMValueRef r =
        kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, s->length), kb_const_i32(kb, 1));
    LLVMValueRef at = LLVMBuildAdd(B, base, LLVMBuildMul(B, r, inner, ""), "");
    if (pass == 0)
      kb_var_store(
          kb, maximum,
          pw_reduce_combine(kb, PW_REDUCE_MAX, kb_var_load(kb, maximum), load_x(kb, s, at)));
    else if (pass == 1)
      kb_var_store(kb, sum,
                   LLVMBuildFAdd(B, kb_var_load(kb, sum), shifted_exp(kb, s, at, maximum), ""));
    else if (s->log)
      store_y(kb, s, at,
              final_value(kb, s, LLVMBuildFSub(B, load_x(kb, s, at), kb_var_load(kb, maximum), ""),
                          kb_var_load(kb, sum)));
    else
      store_y(kb, s, at, final_value(kb, s, shifted_exp(kb, s, at, maximum), kb_var_load(kb, sum)));
    kb_for_end(kb);
  }
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

bool lower_softmax_uses_rows(const ir_type *x, int axis) {
  int64_t inner = 1;
  for (int d = axis + 1; d < x->rank; d++)
    inner *= x->dims[d];
  return inner == 1;
}

int lower_softmax(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axis_attribute;
  int axis;
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attribute, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attribute, x->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attribute);
  softmax_shape s = {.outer = 1,
                     .length = x->dims[axis],
                     .inner = 1,
                     .dtype = x->dtype,
                     .log = node->op == IR_OP_LOG_SOFTMAX};
  if (s.dtype != IR_DTYPE_F32 && s.dtype != IR_DTYPE_F16 && s.dtype != IR_DTYPE_BF16)
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s yet", ir_op_name(node->op),
                         ir_dtype_name(s.dtype));
  for (int d = 0; d < axis; d++)
    s.outer *= x->dims[d];
  for (int d = axis + 1; d < x->rank; d++)
    s.inner *= x->dims[d];
  if (lower_softmax_uses_rows(x, axis)) {
    pw_rows plan;
    pw_rows_plan_vector(s.outer, s.length, &plan);
    lower_launch *launch = lower_add_launch(
        out, lower_kernel_name(ctx, node, s.log ? "log_softmax_rows" : "softmax_rows"), plan.grid,
        PW_BLOCK);
    lower_add_arg(launch, LOWER_ARG_INPUT, 0);
    lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
    if (pw_kernel_begin(ctx->kb, launch) != 0)
      return -1;
    return softmax_rows(ctx->kb, &s, &plan);
  }
  uint32_t grid = pw_grid_for(s.outer * s.inner);
  lower_launch *launch = lower_add_launch(
      out, lower_kernel_name(ctx, node, s.log ? "log_softmax_columns" : "softmax_columns"), grid,
      PW_BLOCK);
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return softmax_columns(ctx->kb, &s, grid);
}
