/* One-thread-per-element kernels for data movement, and the affine strided copy. */
#include "codegen/ops/movement_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

LLVMTypeRef mv_element_type(kernel_builder *kb, ir_dtype dtype) {
  return LLVMIntTypeInContext(kb_context(kb), (unsigned)(8 * ir_dtype_size(dtype)));
}

static LLVMValueRef address(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                            LLVMValueRef index) {
  LLVMValueRef wide = LLVMBuildSExt(B, index, LLVMInt64TypeInContext(kb_context(kb)), "");
  return LLVMBuildInBoundsGEP2(B, type, base, &wide, 1, "");
}

LLVMValueRef mv_load(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, LLVMValueRef index) {
  return LLVMBuildLoad2(B, type, address(kb, type, base, index), "");
}

void mv_store(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value) {
  LLVMBuildStore(B, value, address(kb, LLVMTypeOf(value), base, index));
}

LLVMValueRef mv_kernel_begin(kernel_builder *kb, const char *name, const kb_param *params,
                             int param_count, int64_t count) {
  kb_kernel_begin(kb, name, params, param_count, MV_THREADS);
  LLVMValueRef first = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, MV_THREADS), "");
  LLVMValueRef i = LLVMBuildAdd(B, first, kb_linear_thread_index(kb), "i");
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_const_i32(kb, count), ""));
  return i;
}

int mv_kernel_end(kernel_builder *kb) {
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

lower_launch *mv_add_launch(lower_context *ctx, const ir_node *node, lower_result *out,
                            const char *name, int64_t count) {
  int64_t blocks = (count + MV_THREADS - 1) / MV_THREADS;
  lower_launch *launch = lower_add_launch(out, name, (uint32_t)(blocks ? blocks : 1), MV_THREADS);
  if (!launch)
    ir_node_error(ctx->diag, node, "needs more than %d kernel launches", LOWER_MAX_LAUNCHES);
  return launch;
}

void mv_unravel(kernel_builder *kb, LLVMValueRef index, int rank, const int64_t *dims,
                LLVMValueRef *coords) {
  for (int d = rank - 1; d >= 0; d--) {
    if (d == 0) {
      coords[d] = index;
      break;
    }
    coords[d] = LLVMBuildURem(B, index, kb_const_i32(kb, dims[d]), "");
    index = LLVMBuildUDiv(B, index, kb_const_i32(kb, dims[d]), "");
  }
}

LLVMValueRef mv_load_index(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef j,
                           int64_t axis_size, LLVMValueRef *out_of_range) {
  LLVMTypeRef type = mv_element_type(kb, dtype);
  LLVMValueRef index = mv_load(kb, type, base, j);
  LLVMValueRef size = LLVMConstInt(type, (unsigned long long)axis_size, 1);
  LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntSLT, index, LLVMConstInt(type, 0, 1), "");
  index = LLVMBuildSelect(B, negative, LLVMBuildAdd(B, index, size, ""), index, "");
  LLVMValueRef low = LLVMBuildICmp(B, LLVMIntSLT, index, LLVMConstInt(type, 0, 1), "");
  LLVMValueRef high = LLVMBuildICmp(B, LLVMIntSGE, index, size, "");
  if (out_of_range)
    *out_of_range = LLVMBuildOr(B, low, high, "out_of_range");
  index = LLVMBuildSelect(B, low, LLVMConstInt(type, 0, 1), index, "");
  index = LLVMBuildSelect(B, high, LLVMConstInt(type, (unsigned long long)(axis_size - 1), 1),
                          index, "");
  return LLVMBuildTrunc(B, index, LLVMInt32TypeInContext(kb_context(kb)), "index");
}

void mv_contiguous_strides(const ir_type *type, int64_t *strides) {
  int64_t stride = 1;
  for (int d = type->rank - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= type->dims[d];
  }
}

int mv_check_sizes(const ir_node *node, int input, dl_diag *diag) {
  for (int i = -1; i < node->num_outputs; i++) {
    const ir_value *value =
        i < 0 ? (input >= 0 ? ir_node_input(node, input) : NULL) : node->outputs[i];
    int64_t count = 0;
    if (i < 0 && !value)
      continue;
    if (!value || !ir_type_element_count(&value->type, &count))
      return ir_node_error(diag, node, "the GPU kernel needs static shapes");
    if (count > INT32_MAX)
      return ir_node_error(diag, node, "the GPU kernel needs tensors below 2^31 elements");
  }
  return 0;
}

/* Drops size-1 axes and merges neighbours that walk the source contiguously, so that a
 * copy that is really a flat or 2-D move does one division per axis that is left. */
static movement_map simplify(const movement_map *map) {
  movement_map simple = {.rank = 0, .base = map->base};
  for (int d = 0; d < map->rank; d++) {
    if (map->out_dims[d] == 1)
      continue;
    int last = simple.rank - 1;
    if (last >= 0 && simple.strides[last] == map->strides[d] * map->out_dims[d]) {
      simple.out_dims[last] *= map->out_dims[d];
      simple.strides[last] = map->strides[d];
      continue;
    }
    simple.out_dims[simple.rank] = map->out_dims[d];
    simple.strides[simple.rank++] = map->strides[d];
  }
  return simple;
}

int mv_lower_strided_copy(lower_context *ctx, const ir_node *node, const movement_map *map,
                          lower_result *out) {
  static const kb_param params[] = {{"x", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};
  if (mv_check_sizes(node, 0, ctx->diag) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  movement_map simple = simplify(map);
  int64_t count = 1;
  for (int d = 0; d < simple.rank; d++)
    count *= simple.out_dims[d];
  const char *name = lower_kernel_name(ctx, node, "copy");
  LLVMTypeRef type = mv_element_type(kb, node->outputs[0]->type.dtype);
  LLVMValueRef i = mv_kernel_begin(kb, name, params, 2, count);
  LLVMValueRef coords[IR_MAX_RANK];
  mv_unravel(kb, i, simple.rank, simple.out_dims, coords);
  LLVMValueRef source = kb_const_i32(kb, simple.base);
  for (int d = 0; d < simple.rank; d++)
    if (simple.strides[d] != 0)
      source = LLVMBuildAdd(B, source,
                            LLVMBuildMul(B, coords[d], kb_const_i32(kb, simple.strides[d]), ""), "");
  mv_store(kb, kb_param_value(kb, 1), i, mv_load(kb, type, kb_param_value(kb, 0), source));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the copy kernel");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  return 0;
}
