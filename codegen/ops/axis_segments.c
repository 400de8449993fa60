/* The kernel behind Concat and Split: the whole tensor seen as [outer, axis, inner], each
 * part owning a range of the axis; one thread per element moves it between whole and part. */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

/* Every part is a branch of the kernel: parts beyond PARTS_PER_LAUNCH go to another launch
 * so that no kernel grows without bound (an op has at most 1024 inputs or outputs). */
enum { PARTS_PER_LAUNCH = 256, MAX_PARTS = PARTS_PER_LAUNCH * LOWER_MAX_LAUNCHES };

typedef struct segment_layout {
  int64_t outer, inner, whole_axis;
  int part_count;
  int part_index[MAX_PARTS]; /* node input/output index of each non-empty part */
  int64_t part_axis[MAX_PARTS], part_offset[MAX_PARTS];
} segment_layout;

/* Emits the kernel for parts [first, first + count) of the layout. */
static int define_kernel(kernel_builder *kb, const char *name, const segment_layout *layout,
                         int first, int count, bool concat, ir_dtype dtype) {
  kb_param params[PARTS_PER_LAUNCH + 1];
  for (int p = 0; p <= count; p++)
    params[p] = (kb_param){p == count ? "whole" : "part", KB_PARAM_PTR};
  int64_t range = 0;
  for (int p = 0; p < count; p++)
    range += layout->part_axis[first + p];
  LLVMTypeRef type = mv_element_type(kb, dtype);
  LLVMValueRef i =
      mv_kernel_begin(kb, name, params, count + 1, layout->outer * range * layout->inner);
  LLVMValueRef inner = LLVMBuildURem(B, i, kb_const_i32(kb, layout->inner), "inner");
  LLVMValueRef rest = LLVMBuildUDiv(B, i, kb_const_i32(kb, layout->inner), "");
  LLVMValueRef along = LLVMBuildURem(B, rest, kb_const_i32(kb, range), "along");
  LLVMValueRef outer = LLVMBuildUDiv(B, rest, kb_const_i32(kb, range), "outer");
  int64_t cumulative = 0;
  for (int p = 0; p < count; p++) {
    int64_t size = layout->part_axis[first + p], offset = layout->part_offset[first + p];
    LLVMValueRef local = LLVMBuildSub(B, along, kb_const_i32(kb, cumulative), "");
    /* local in [0, size) — one unsigned compare */
    kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntULT, local, kb_const_i32(kb, size), ""));
    LLVMValueRef part = LLVMBuildAdd(B, LLVMBuildMul(B, outer, kb_const_i32(kb, size), ""), local, "");
    part = LLVMBuildAdd(B, LLVMBuildMul(B, part, kb_const_i32(kb, layout->inner), ""), inner, "");
    LLVMValueRef whole = LLVMBuildAdd(B, LLVMBuildMul(B, outer, kb_const_i32(kb, layout->whole_axis), ""),
                                      LLVMBuildAdd(B, local, kb_const_i32(kb, offset), ""), "");
    whole = LLVMBuildAdd(B, LLVMBuildMul(B, whole, kb_const_i32(kb, layout->inner), ""), inner, "");
    LLVMValueRef part_base = kb_param_value(kb, p), whole_base = kb_param_value(kb, count);
    if (concat)
      mv_store(kb, whole_base, whole, mv_load(kb, type, part_base, part));
    else
      mv_store(kb, part_base, part, mv_load(kb, type, whole_base, whole));
    kb_if_end(kb);
    cumulative += size;
  }
  return mv_kernel_end(kb);
}

int mv_lower_axis_segments(lower_context *ctx, const ir_node *node, int axis, bool concat,
                           lower_result *out) {
  if (mv_check_sizes(node, concat ? -1 : 0, ctx->diag) != 0)
    return -1;
  const ir_type *whole = concat ? &node->outputs[0]->type : &node->inputs[0]->type;
  int parts = concat ? node->num_inputs : node->num_outputs;
  segment_layout storage, *layout = &storage;
  *layout = (segment_layout){.outer = 1, .inner = 1, .whole_axis = whole->dims[axis]};
  for (int d = 0; d < whole->rank; d++)
    if (d < axis)
      layout->outer *= whole->dims[d];
    else if (d > axis)
      layout->inner *= whole->dims[d];
  int64_t offset = 0;
  for (int p = 0; p < parts; p++) {
    const ir_value *value = concat ? node->inputs[p] : node->outputs[p];
    if (!value || !ir_type_is_static(&value->type))
      return ir_node_error(ctx->diag, node, "the GPU kernel needs static shapes");
    int64_t size = value->type.dims[axis];
    if (size > 0 && layout->part_count == MAX_PARTS)
      return ir_node_error(ctx->diag, node,
                           "has more than %d non-empty parts; the GPU kernel "
                           "handles at most %d",
                           MAX_PARTS, MAX_PARTS);
    if (size > 0) {
      layout->part_index[layout->part_count] = p;
      layout->part_axis[layout->part_count] = size;
      layout->part_offset[layout->part_count++] = offset;
    }
    offset += size;
  }
  int launches = (layout->part_count + PARTS_PER_LAUNCH - 1) / PARTS_PER_LAUNCH;
  for (int l = 0; l < launches || (l == 0 && layout->part_count == 0); l++) {
    int first = l * PARTS_PER_LAUNCH, count = layout->part_count - first;
    if (count > PARTS_PER_LAUNCH)
      count = PARTS_PER_LAUNCH;
    char what[32];
    snprintf(what, sizeof what, concat ? "concat%d" : "split%d", l);
    const char *name = lower_kernel_name(ctx, node, what);
    if (define_kernel(ctx->kb, name, layout, first, count, concat, whole->dtype) != 0 ||
        kb_failed(ctx->kb))
      return ir_node_error(ctx->diag, node, "could not build the %s kernel",
                           concat ? "concat" : "split");
    int64_t range = 0;
    for (int p = 0; p < count; p++)
      range += layout->part_axis[first + p];
    lower_launch *launch =
        mv_add_launch(ctx, node, out, name, layout->outer * range * layout->inner);
    if (!launch)
      return -1;
    for (int p = 0; p < count; p++)
      lower_add_arg(launch, concat ? LOWER_ARG_INPUT : LOWER_ARG_OUTPUT,
                    layout->part_index[first + p]);
    lower_add_arg(launch, concat ? LOWER_ARG_OUTPUT : LOWER_ARG_INPUT, 0);
  }
  return 0;
}
