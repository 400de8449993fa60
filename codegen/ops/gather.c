/* Gather → one thread per output element reading data[outer][index][inner]; GatherElements
 * → one thread per output element (the indices' shape) reading data at its own coordinates
 * with the axis one replaced by the index. Indices: negative counts from the end; clamped
 * into range so a bad index cannot read outside the tensor (mv_load_index); Gather's are
 * recorded too with --check-indices. */
#include "codegen/ops/index_check.h"
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct gather_layout {
  int64_t outer, axis_size, index_count, inner;
} gather_layout;

enum { GATHER_PARAMS = 3 }; /* data, indices, y; the index check's come after */

/* Checks sizes and reads the axis, normalized to data's rank. */
static int read_gather_axis(lower_context *ctx, const ir_node *node, int *axis) {
  int64_t axis_attr;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 || mv_check_sizes(node, 1, ctx->diag) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, node->inputs[0]->type.rank, axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attr);
  return 0;
}

/* Closes the kernel and launches it over `count` outputs with (data, indices, y), then the
 * index check's arguments when `checked`. */
static int finish_gather(lower_context *ctx, const ir_node *node, lower_result *out,
                         const char *name, int64_t count, bool checked) {
  if (mv_kernel_end(ctx->kb) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the %s kernel", ir_op_name(node->op));
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (checked)
    index_check_args(ctx, launch);
  return 0;
}

static const kb_param PARAMS[GATHER_PARAMS] = {
    {"data", KB_PARAM_PTR}, {"indices", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};

int lower_gather(lower_context *ctx, const ir_node *node, lower_result *out) {
  kb_param params[GATHER_PARAMS + INDEX_CHECK_PARAM_COUNT] = {PARAMS[0], PARAMS[1], PARAMS[2]};
  int param_count = index_check_params(ctx, params, GATHER_PARAMS);
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int axis;
  if (read_gather_axis(ctx, node, &axis) != 0)
    return -1;
  gather_layout layout = {.outer = 1, .axis_size = data->dims[axis], .index_count = 1, .inner = 1};
  for (int d = 0; d < data->rank; d++)
    if (d < axis)
      layout.outer *= data->dims[d];
    else if (d > axis)
      layout.inner *= data->dims[d];
  for (int d = 0; d < indices->rank; d++)
    layout.index_count *= indices->dims[d];
  int64_t count = layout.outer * layout.index_count * layout.inner;
  if (layout.axis_size == 0 && count > 0)
    return ir_node_error(ctx->diag, node, "gathers from an empty axis");
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "gather");
  LLVMValueRef i = mv_kernel_begin(kb, name, params, param_count, count);
  LLVMValueRef inner = LLVMBuildURem(B, i, kb_const_i32(kb, layout.inner), "inner");
  LLVMValueRef rest = LLVMBuildUDiv(B, i, kb_const_i32(kb, layout.inner), "");
  LLVMValueRef j = LLVMBuildURem(B, rest, kb_const_i32(kb, layout.index_count), "j");
  LLVMValueRef outer = LLVMBuildUDiv(B, rest, kb_const_i32(kb, layout.index_count), "outer");
  LLVMValueRef out_of_range;
  LLVMValueRef index =
      mv_load_index(kb, indices->dtype, kb_param_value(kb, 1), j, layout.axis_size, &out_of_range);
  index_check_record(ctx, GATHER_PARAMS, out_of_range);
  LLVMValueRef source =
      LLVMBuildAdd(B, LLVMBuildMul(B, outer, kb_const_i32(kb, layout.axis_size), ""), index, "");
  source = LLVMBuildAdd(B, LLVMBuildMul(B, source, kb_const_i32(kb, layout.inner), ""), inner, "");
  LLVMTypeRef type = mv_element_type(kb, data->dtype);
  mv_store(kb, kb_param_value(kb, 2), i, mv_load(kb, type, kb_param_value(kb, 0), source));
  return finish_gather(ctx, node, out, name, count, true);
}

int lower_gather_elements(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int axis;
  if (read_gather_axis(ctx, node, &axis) != 0)
    return -1;
  int64_t count = 0;
  ir_type_element_count(indices, &count); /* static and below 2^31: checked above */
  if (data->dims[axis] == 0 && count > 0)
    return ir_node_error(ctx->diag, node, "gathers from an empty axis");
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(data, strides);
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "gather_elements");
  LLVMValueRef i = mv_kernel_begin(kb, name, PARAMS, GATHER_PARAMS, count);
  LLVMValueRef coords[IR_MAX_RANK];
  mv_unravel(kb, i, indices->rank, indices->dims, coords);
  coords[axis] =
      mv_load_index(kb, indices->dtype, kb_param_value(kb, 1), i, data->dims[axis], NULL);
  LLVMValueRef source = kb_const_i32(kb, 0);
  for (int d = 0; d < data->rank; d++)
    source =
        LLVMBuildAdd(B, source, LLVMBuildMul(B, coords[d], kb_const_i32(kb, strides[d]), ""), "");
  LLVMTypeRef type = mv_element_type(kb, data->dtype);
  mv_store(kb, kb_param_value(kb, 2), i, mv_load(kb, type, kb_param_value(kb, 0), source));
  return finish_gather(ctx, node, out, name, count, false);
}
