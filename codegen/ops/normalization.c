/* BatchNormalization (inference form: per-channel scale and shift computed in the kernel
 * from scale, B, mean and var), LayerNormalization (two-pass mean and variance over the
 * trailing axes, one thread group per row, optional Mean and InvStdDev outputs) and
 * RMSNormalization (the same kernel without centring: the mean square, no bias). */
#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

/* --- BatchNormalization ------------------------------------------------------------------- */
/* Computed in X's compute type: f32 for f16/bf16/f32, f64 for f64 (exact sqrt and division
 * in both). The parameters may have other float types (opset 15's T1, T2); their [C] shape
 * lines up with axis 1 (group_operand_shape). */
LLVMValueRef emit_batch_normalization(kernel_builder *kb, const ir_node *node,
                                      const LLVMValueRef *operands) {
  float epsilon = 0;
  ir_attr_float_default(node, "epsilon", &epsilon, NULL); /* its kind was checked by inference */
  ir_dtype compute = pw_compute_dtype(node->inputs[0]->type.dtype);
  LLVMValueRef v[5];
  for (int k = 0; k < 5; k++)
    v[k] = pw_convert(kb, operands[k], node->inputs[k]->type.dtype, compute);
  LLVMValueRef x = v[0], scale = v[1], bias = v[2], mean = v[3], variance = v[4];
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef deviation =
      kb_sqrt(kb, LLVMBuildFAdd(B, variance, LLVMConstReal(type, epsilon), ""));
  LLVMValueRef factor = LLVMBuildFDiv(B, scale, deviation, "");
  LLVMValueRef y =
      LLVMBuildFAdd(B, LLVMBuildFMul(B, LLVMBuildFSub(B, x, mean, ""), factor, ""), bias, "");
  return pw_convert(kb, y, compute, node->outputs[0]->type.dtype);
}

/* --- LayerNormalization ------------------------------------------------------------------- */
typedef struct layer_norm {
  pw_rows plan;
  pw_broadcast parameters; /* scale (operand 0) and bias (operand 1) over one row */
  float epsilon;
  bool has_bias;
  bool centred;   /* LayerNormalization subtracts the mean; RMSNormalization does not */
  int statistics; /* optional outputs written: 0, 1 (Mean) or 2 (Mean, InvStdDev) */
  ir_dtype dtype;
} layer_norm;

enum { PARAM_X, PARAM_SCALE, PARAM_BIAS };

static LLVMValueRef load_param(kernel_builder *kb, const ir_node *node, int input, int param,
                               LLVMValueRef offset) {
  ir_dtype dtype = node->inputs[input]->type.dtype;
  return pw_convert(kb, pw_load(kb, dtype, kb_param_value(kb, param), offset), dtype, IR_DTYPE_F32);
}

typedef struct layer_norm_pass {
  const ir_node *node;
  const layer_norm *ln;
  kb_var *mean, *variance; /* variance holds 1/sigma for the last pass */
  int output;              /* parameter index of output 0 */
} layer_norm_pass;

static void sum_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                     void *opaque) {
  layer_norm_pass *p = opaque;
  for (unsigned l = 0; l < p->ln->plan.width; l++)
    kb_var_store(kb, p->mean, LLVMBuildFAdd(B, kb_var_load(kb, p->mean), values[l], ""));
}

static void deviation_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                           void *opaque) {
  layer_norm_pass *p = opaque;
  for (unsigned l = 0; l < p->ln->plan.width; l++) {
    LLVMValueRef centred = LLVMBuildFSub(B, values[l], kb_var_load(kb, p->mean), "");
    kb_var_store(
        kb, p->variance,
        LLVMBuildFAdd(B, kb_var_load(kb, p->variance), LLVMBuildFMul(B, centred, centred, ""), ""));
  }
}

static void normalize_step(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                           void *opaque) {
  layer_norm_pass *p = opaque;
  const layer_norm *ln = p->ln;
  LLVMValueRef results[4];
  for (unsigned l = 0; l < ln->plan.width; l++) {
    LLVMValueRef offsets[2];
    pw_broadcast_offsets(kb, &ln->parameters, LLVMBuildAdd(B, position, kb_const_i32(kb, l), ""),
                         offsets);
    LLVMValueRef y = LLVMBuildFMul(B, LLVMBuildFSub(B, values[l], kb_var_load(kb, p->mean), ""),
                                   kb_var_load(kb, p->variance), "");
    y = LLVMBuildFMul(B, y, load_param(kb, p->node, 1, PARAM_SCALE, offsets[0]), "");
    if (ln->has_bias)
      y = LLVMBuildFAdd(B, y, load_param(kb, p->node, 2, PARAM_BIAS, offsets[1]), "");
    results[l] = y;
  }
  pw_store_f32_run(kb, ln->dtype, kb_param_value(kb, p->output),
                   pw_rows_offset(kb, &ln->plan, position), ln->plan.width, results);
}

/* Two-pass statistics (the second over centred values: no cancellation from E[x^2] -
 * E[x]^2), then the normalized output; rows whose thread share fits the row cache are
 * read from memory once. */
static int layer_norm_kernel(kernel_builder *kb, const ir_node *node, const layer_norm *ln) {
  const pw_rows *plan = &ln->plan;
  LLVMValueRef shared = pw_rows_shared(kb), x = kb_param_value(kb, PARAM_X);
  pw_row_cache storage, *cache = NULL;
  if (pw_row_cache_fits(plan)) {
    pw_row_cache_init(kb, plan, &storage);
    cache = &storage;
  }
  layer_norm_pass p = {.node = node, .ln = ln, .output = ln->has_bias ? 3 : 2};
  p.mean = kb_thread_var(kb, pw_f32_type(kb), "mean");
  p.variance = kb_thread_var(kb, pw_f32_type(kb), "variance");
  LLVMValueRef inverse_length = kb_const_f32(kb, 1.0 / (double)plan->length);
  kb_var_store(kb, p.mean, kb_const_f32(kb, 0));
  if (ln->centred) {
    pw_row_pass(kb, plan, cache, ln->dtype, x, sum_step, &p);
    pw_group_reduce(kb, plan, p.mean, PW_REDUCE_SUM, shared);
    kb_var_store(kb, p.mean, LLVMBuildFMul(B, kb_var_load(kb, p.mean), inverse_length, ""));
  }
  kb_var_store(kb, p.variance, kb_const_f32(kb, 0));
  pw_row_pass(kb, plan, cache, ln->dtype, x, deviation_step, &p);
  pw_group_reduce(kb, plan, p.variance, PW_REDUCE_SUM, shared);
  LLVMValueRef deviation = kb_sqrt(
      kb, LLVMBuildFAdd(B, LLVMBuildFMul(B, kb_var_load(kb, p.variance), inverse_length, ""),
                        kb_const_f32(kb, ln->epsilon), ""));
  kb_var_store(kb, p.variance, LLVMBuildFDiv(B, kb_const_f32(kb, 1), deviation, ""));
  pw_row_pass(kb, plan, cache, ln->dtype, x, normalize_step, &p);
  if (ln->statistics > 0) {
    LLVMValueRef first =
        LLVMBuildICmp(B, LLVMIntEQ, pw_rows_lane(kb, plan), kb_const_i32(kb, 0), "");
    kb_if_begin(kb, LLVMBuildAnd(B, pw_rows_valid(kb, plan), first, ""));
    kb_var *statistics[2] = {p.mean, p.variance};
    for (int k = 0; k < ln->statistics; k++) {
      ir_dtype dtype = node->outputs[1 + k]->type.dtype;
      pw_store(kb, dtype, kb_param_value(kb, p.output + 1 + k), pw_rows_row(kb, plan),
               pw_convert(kb, kb_var_load(kb, statistics[k]), IR_DTYPE_F32, dtype));
    }
    kb_if_end(kb);
  }
  return kb_kernel_end(kb);
}

int lower_layer_normalization(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axis_attribute, count;
  int axis;
  layer_norm ln = {.dtype = x->dtype,
                   .has_bias = ir_node_input(node, 2) != NULL,
                   .centred = node->op == IR_OP_LAYER_NORMALIZATION};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &count) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attribute, ctx->diag) != 0 ||
      ir_attr_float_default(node, "epsilon", &ln.epsilon, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attribute, x->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attribute);
  if (!ir_dtype_is_float(x->dtype) || x->dtype == IR_DTYPE_F64)
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s yet", ir_op_name(node->op),
                         ir_dtype_name(x->dtype));
  ir_type row = {.dtype = x->dtype, .rank = x->rank - axis};
  int64_t length = 1;
  for (int d = axis; d < x->rank; d++)
    row.dims[d - axis] = x->dims[d], length *= x->dims[d];
  const ir_type *parameter_shapes[2] = {
      &node->inputs[1]->type, ln.has_bias ? &node->inputs[2]->type : &node->inputs[1]->type};
  pw_broadcast_plan(&row, parameter_shapes, 2, &ln.parameters);
  pw_rows_plan_vector(length > 0 ? count / length : 0, length, &ln.plan);
  ln.statistics = node->num_outputs > 3 ? 2 : node->num_outputs - 1;
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, ln.centred ? "layer_norm" : "rms_norm"),
                       ln.plan.grid, PW_BLOCK);
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  if (ln.has_bias)
    lower_add_arg(launch, LOWER_ARG_INPUT, 2);
  for (int k = 0; k <= ln.statistics; k++)
    lower_add_arg(launch, LOWER_ARG_OUTPUT, k);
  int status = pw_kernel_begin(ctx->kb, launch) != 0 ? -1 : layer_norm_kernel(ctx->kb, node, &ln);
  pw_broadcast_deinit(&ln.parameters);
  return status;
}
