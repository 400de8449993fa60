/* ScatterElements and ScatterND: a copy of data into the output, then a second launch that
 * writes the updates (or combines them: add, mul, max, min). Updates that may hit the same
 * output element are applied by one thread in the order of the updates, so the result is
 * deterministic and race-free: ScatterElements gives a thread each line along `axis` (lines
 * never share output elements), ScatterND a thread each element of a slice, looping over
 * the index tuples. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

#include <string.h>

typedef enum scatter_reduction {
  SCATTER_NONE,
  SCATTER_ADD,
  SCATTER_MUL,
  SCATTER_MAX,
  SCATTER_MIN
} scatter_reduction;

static int read_reduction(lower_context *ctx, const ir_node *node, scatter_reduction *out) {
  static const char *const NAMES[] = {"none", "add", "mul", "max", "min"};
  const char *reduction;
  if (ir_attr_string_default(node, "reduction", &reduction, ctx->diag) != 0)
    return -1;
  for (int r = 0; r < 5; r++)
    if (strcmp(reduction, NAMES[r]) == 0) {
      *out = (scatter_reduction)r;
      ir_dtype dtype = node->outputs[0]->type.dtype;
      if (*out != SCATTER_NONE && (dtype == IR_DTYPE_BOOL || !pw_dtype_supported(dtype)))
        return ir_node_error(ctx->diag, node, "no kernel for reduction '%s' on %s yet", reduction,
                             ir_dtype_name(dtype));
      return 0;
    }
  return ir_node_error(ctx->diag, node,
                       "attribute 'reduction' is '%s'; it must be none, add, mul, max or min",
                       reduction);
}

/* The output element at `at` becomes `update` or its combination with it. */
static void apply_update(kernel_builder *kb, ir_dtype dtype, scatter_reduction reduction,
                         LLVMValueRef at, LLVMValueRef update_at) {
  LLVMValueRef out = kb_param_value(kb, 3);
  if (reduction == SCATTER_NONE) {
    LLVMTypeRef type = mv_element_type(kb, dtype);
    mv_store(kb, out, at, mv_load(kb, type, kb_param_value(kb, 2), update_at));
    return;
  }
  ir_dtype compute = pw_compute_dtype(dtype);
  LLVMValueRef a = pw_convert(kb, pw_load(kb, dtype, out, at), dtype, compute);
  LLVMValueRef b =
      pw_convert(kb, pw_load(kb, dtype, kb_param_value(kb, 2), update_at), dtype, compute);
  bool is_float = ir_dtype_is_float(compute), is_signed = ir_dtype_is_signed(compute);
  LLVMValueRef result;
  if (reduction == SCATTER_ADD)
    result = is_float ? LLVMBuildFAdd(B, a, b, "") : LLVMBuildAdd(B, a, b, "");
  else if (reduction == SCATTER_MUL)
    result = is_float ? LLVMBuildFMul(B, a, b, "") : LLVMBuildMul(B, a, b, "");
  else {
    bool max = reduction == SCATTER_MAX;
    LLVMValueRef greater = is_float
                               ? LLVMBuildFCmp(B, LLVMRealOGT, b, a, "")
                               : LLVMBuildICmp(B, is_signed ? LLVMIntSGT : LLVMIntUGT, b, a, "");
    LLVMValueRef less = is_float ? LLVMBuildFCmp(B, LLVMRealOLT, b, a, "")
                                 : LLVMBuildICmp(B, is_signed ? LLVMIntSLT : LLVMIntULT, b, a, "");
    result = LLVMBuildSelect(B, max ? greater : less, b, a, "");
  }
  pw_store(kb, dtype, out, at, pw_convert(kb, result, compute, dtype));
}

/* Launch 1: output = data. */
static int copy_data(lower_context *ctx, const ir_node *node, lower_result *out) {
  movement_map identity = {.rank = node->inputs[0]->type.rank};
  memcpy(identity.out_dims, node->inputs[0]->type.dims, sizeof(identity.out_dims));
  mv_contiguous_strides(&node->inputs[0]->type, identity.strides);
  return mv_lower_strided_copy(ctx, node, &identity, out);
}

static const kb_param PARAMS[] = {{"data", KB_PARAM_PTR},
                                  {"indices", KB_PARAM_PTR},
                                  {"updates", KB_PARAM_PTR},
                                  {"y", KB_PARAM_PTR}};

static int finish_update_launch(lower_context *ctx, const ir_node *node, lower_result *out,
                                const char *name, int64_t threads) {
  if (mv_kernel_end(ctx->kb) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the %s kernel", name);
  lower_launch *launch = mv_add_launch(ctx, node, out, name, threads);
  if (!launch)
    return -1;
  for (int i = 0; i < 3; i++)
    lower_add_arg(launch, LOWER_ARG_INPUT, i);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  return 0;
}

static int check(lower_context *ctx, const ir_node *node, scatter_reduction *reduction) {
  for (int i = 0; i < 3; i++)
    if (mv_check_sizes(node, i, ctx->diag) != 0)
      return -1;
  return read_reduction(ctx, node, reduction);
}

int lower_scatter_elements(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  scatter_reduction reduction;
  int64_t axis_attr;
  int axis;
  if (check(ctx, node, &reduction) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, data->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attr);
  int64_t count = 0, length = indices->dims[axis];
  ir_type_element_count(indices, &count);
  if (data->dims[axis] == 0 && count > 0)
    return ir_node_error(ctx->diag, node, "scatters into an empty axis");
  if (copy_data(ctx, node, out) != 0)
    return -1;
  if (count == 0)
    return 0;
  /* Thread t owns the line of the indices at t's coordinates with the axis dropped. */
  int64_t line_dims[IR_MAX_RANK], index_strides[IR_MAX_RANK], data_strides[IR_MAX_RANK];
  mv_contiguous_strides(indices, index_strides);
  mv_contiguous_strides(data, data_strides);
  for (int d = 0; d < indices->rank; d++)
    line_dims[d] = d == axis ? 1 : indices->dims[d];
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "scatter_elements");
  LLVMValueRef t = mv_kernel_begin(kb, name, PARAMS, 4, count / length);
  LLVMValueRef coords[IR_MAX_RANK];
  mv_unravel(kb, t, indices->rank, line_dims, coords);
  LLVMValueRef line = kb_const_i32(kb, 0), target = kb_const_i32(kb, 0);
  for (int d = 0; d < indices->rank; d++) {
    line = LLVMBuildAdd(B, line, LLVMBuildMul(B, coords[d], kb_const_i32(kb, index_strides[d]), ""),
                        "");
    target = LLVMBuildAdd(B, target,
                          LLVMBuildMul(B, coords[d], kb_const_i32(kb, data_strides[d]), ""), "");
  }
  LLVMValueRef k =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, length), kb_const_i32(kb, 1));
  LLVMValueRef j =
      LLVMBuildAdd(B, line, LLVMBuildMul(B, k, kb_const_i32(kb, index_strides[axis]), ""), "");
  LLVMValueRef index =
      mv_load_index(kb, indices->dtype, kb_param_value(kb, 1), j, data->dims[axis], NULL);
  LLVMValueRef at =
      LLVMBuildAdd(B, target, LLVMBuildMul(B, index, kb_const_i32(kb, data_strides[axis]), ""), "");
  apply_update(kb, data->dtype, reduction, at, j);
  kb_for_end(kb);
  return finish_update_launch(ctx, node, out, name, count / length);
}

int lower_scatter_nd(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  scatter_reduction reduction;
  if (check(ctx, node, &reduction) != 0)
    return -1;
  int depth =
      (int)indices->dims[indices->rank - 1]; /* k: how many leading data axes a tuple names */
  int64_t tuples = 1, slice = 1, data_strides[IR_MAX_RANK];
  for (int d = 0; d < indices->rank - 1; d++)
    tuples *= indices->dims[d];
  for (int d = depth; d < data->rank; d++)
    slice *= data->dims[d];
  mv_contiguous_strides(data, data_strides);
  for (int d = 0; d < depth; d++)
    if (data->dims[d] == 0 && tuples > 0 && slice > 0)
      return ir_node_error(ctx->diag, node, "scatters into an empty axis");
  if (copy_data(ctx, node, out) != 0)
    return -1;
  if (tuples == 0 || slice == 0)
    return 0;
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "scatter_nd");
  LLVMValueRef s = mv_kernel_begin(kb, name, PARAMS, 4, slice);
  LLVMValueRef j =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, tuples), kb_const_i32(kb, 1));
  LLVMValueRef at = s;
  for (int d = 0; d < depth; d++) {
    LLVMValueRef position =
        LLVMBuildAdd(B, LLVMBuildMul(B, j, kb_const_i32(kb, depth), ""), kb_const_i32(kb, d), "");
    LLVMValueRef index =
        mv_load_index(kb, indices->dtype, kb_param_value(kb, 1), position, data->dims[d], NULL);
    at = LLVMBuildAdd(B, at, LLVMBuildMul(B, index, kb_const_i32(kb, data_strides[d]), ""), "");
  }
  apply_update(kb, data->dtype, reduction, at,
               LLVMBuildAdd(B, LLVMBuildMul(B, j, kb_const_i32(kb, slice), ""), s, ""));
  kb_for_end(kb);
  return finish_update_launch(ctx, node, out, name, slice);
}
