/* The one-thread kernels of data-dependent ops and their dims records (data_dependent.h). */
#include "codegen/ops/data_dependent.h"

#include "codegen/llvm_build.h"
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

static int check_value(lower_context *ctx, const ir_node *node, const ir_value *value,
                       const char *what) {
  int64_t count;
  if (pw_check_value(ctx, node, value, what, &count) != 0)
    return -1;
  if (ir_dtype_is_packed(value->type.dtype))
    return ir_node_error(ctx->diag, node, "no kernel for %s of packed type %s", what,
                         ir_dtype_name(value->type.dtype));
  return 0;
}

int dd_serial_begin(lower_context *ctx, const ir_node *node, lower_result *out, const char *what,
                    int64_t workspace_bytes, dd_params *params) {
  if (node->num_inputs > DD_MAX_INPUTS || node->num_outputs > DD_MAX_OUTPUTS)
    return ir_node_error(ctx->diag, node, "has too many inputs or outputs for its kernel");
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] && check_value(ctx, node, node->inputs[i], "an input") != 0)
      return -1;
  for (int o = 0; o < node->num_outputs; o++)
    if (check_value(ctx, node, node->outputs[o], "an output") != 0)
      return -1;
  lower_launch *launch = lower_add_launch(out, lower_kernel_name(ctx, node, what), 1, 1);
  if (!launch)
    return ir_node_error(ctx->diag, node, "needs more than %d kernel launches", LOWER_MAX_LAUNCHES);
  int next = 0;
  for (int i = 0; i < DD_MAX_INPUTS; i++) {
    params->input[i] = -1;
    if (ir_node_input(node, i)) {
      lower_add_arg(launch, LOWER_ARG_INPUT, i);
      params->input[i] = next++;
    }
  }
  for (int o = 0; o < node->num_outputs; o++) {
    lower_add_arg(launch, LOWER_ARG_OUTPUT, o);
    params->output[o] = next++;
  }
  for (int o = 0; o < node->num_outputs; o++) {
    lower_add_arg(launch, LOWER_ARG_OUTPUT_DIMS, o);
    params->dims[o] = next++;
  }
  params->workspace = -1;
  if (workspace_bytes > 0) {
    lower_add_arg(launch, LOWER_ARG_WORKSPACE, 0);
    params->workspace = next++;
    out->workspace_bytes = workspace_bytes;
  }
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return kb_kernel_fix_block(ctx->kb, 1, 1, 1);
}

LLVMValueRef dd_param(kernel_builder *kb, int index) { return kb_param_value(kb, index); }

void dd_store_dim(kernel_builder *kb, const dd_params *params, int output, int d,
                  LLVMValueRef value) {
  pw_store(kb, IR_DTYPE_I64, kb_param_value(kb, params->dims[output]), kb_const_i32(kb, d),
           LLVMBuildSExt(B, value, LLVMInt64TypeInContext(kb_context(kb)), ""));
}

void dd_store_static_dims(kernel_builder *kb, const dd_params *params, int output,
                          const ir_type *type) {
  for (int d = 0; d < type->rank; d++)
    dd_store_dim(kb, params, output, d, kb_const_i32(kb, type->dims[d]));
}

LLVMValueRef dd_is_nonzero(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base,
                           LLVMValueRef index) {
  ir_dtype compute = pw_compute_dtype(dtype);
  LLVMValueRef x = pw_convert(kb, pw_load(kb, dtype, base, index), dtype, compute);
  if (ir_dtype_is_float(compute))
    return LLVMBuildFCmp(B, LLVMRealUNE, x, LLVMConstNull(LLVMTypeOf(x)), "");
  return LLVMBuildICmp(B, LLVMIntNE, x, LLVMConstNull(LLVMTypeOf(x)), "");
}

kb_var *dd_counter(kernel_builder *kb, const char *name) {
  kb_var *counter = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), name);
  kb_var_store(kb, counter, kb_const_i32(kb, 0));
  return counter;
}

void dd_increment(kernel_builder *kb, kb_var *counter, LLVMValueRef by_i1) {
  LLVMValueRef step = LLVMBuildZExt(B, by_i1, LLVMInt32TypeInContext(kb_context(kb)), "");
  kb_var_store(kb, counter, LLVMBuildAdd(B, kb_var_load(kb, counter), step, ""));
}
