/* The generic pointwise kernel (pw_lower_map): broadcast operands onto the output, one
 * element per thread in a grid-stride loop, or 4 consecutive elements per thread with
 * vector loads/stores where every operand is contiguous or constant along groups of 4. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#define B (kb_llvm_builder(kb))

enum { VECTOR_WIDTH = 4 };

typedef enum vector_access { ACCESS_CONTIGUOUS, ACCESS_SPLAT } vector_access;

/* Whether groups of VECTOR_WIDTH outputs starting at multiples of VECTOR_WIDTH map to
 * VECTOR_WIDTH consecutive, aligned elements (or one element) of every operand. Buffers
 * are 256-byte aligned (DL_BUFFER_ALIGN), so such groups are vector-aligned. */
static bool vectorizable(const pw_broadcast *plan, int64_t count, vector_access *access) {
  if (plan->rank == 0 || count % VECTOR_WIDTH != 0 ||
      plan->dims[plan->rank - 1] % VECTOR_WIDTH != 0)
    return false;
  for (int k = 0; k < plan->operand_count; k++) {
    int64_t inner = plan->strides[k][plan->rank - 1];
    if (inner != 0 && inner != 1)
      return false;
    access[k] = inner == 1 ? ACCESS_CONTIGUOUS : ACCESS_SPLAT;
    /* A contiguous group starts at an aligned element only if every outer stride keeps
     * it there; a splat reads one element and needs no alignment. */
    for (int d = 0; d + 1 < plan->rank && inner == 1; d++)
      if (plan->strides[k][d] % VECTOR_WIDTH != 0)
        return false;
  }
  return true;
}

static int map_body_vector(kernel_builder *kb, const ir_node *node, const int *inputs,
                           int input_count, const pw_broadcast *plan, const vector_access *access,
                           int64_t count, uint32_t grid, pw_map_fn fn, void *state) {
  LLVMValueRef j = pw_grid_stride_begin(kb, count / VECTOR_WIDTH, grid);
  LLVMValueRef first = LLVMBuildMul(B, j, pw_i32(kb, VECTOR_WIDTH), "first");
  LLVMValueRef offsets[PW_MAX_OPERANDS], loaded[PW_MAX_OPERANDS];
  pw_broadcast_offsets(kb, plan, first, offsets);
  for (int k = 0; k < input_count; k++) {
    ir_dtype dtype = node->inputs[inputs[k]]->type.dtype;
    loaded[k] = access[k] == ACCESS_CONTIGUOUS
                    ? pw_load_vector(kb, dtype, kb_param_value(kb, k), offsets[k], VECTOR_WIDTH)
                    : pw_load(kb, dtype, kb_param_value(kb, k), offsets[k]);
  }
  ir_dtype out_dtype = node->outputs[0]->type.dtype;
  LLVMValueRef result = LLVMGetUndef(LLVMVectorType(pw_storage_type(kb, out_dtype), VECTOR_WIDTH));
  for (int lane = 0; lane < VECTOR_WIDTH; lane++) {
    LLVMValueRef values[PW_MAX_OPERANDS];
    for (int k = 0; k < input_count; k++)
      values[k] = access[k] == ACCESS_CONTIGUOUS
                      ? LLVMBuildExtractElement(B, loaded[k], pw_i32(kb, lane), "")
                      : loaded[k];
    LLVMValueRef value = fn(kb, node, values, state);
    if (!value)
      return -1;
    result = LLVMBuildInsertElement(B, result, value, pw_i32(kb, lane), "");
  }
  pw_store_vector(kb, out_dtype, kb_param_value(kb, input_count), first, result);
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

static int map_body_scalar(kernel_builder *kb, const ir_node *node, const int *inputs,
                           int input_count, const pw_broadcast *plan, int64_t count, uint32_t grid,
                           pw_map_fn fn, void *state) {
  LLVMValueRef i = pw_grid_stride_begin(kb, count, grid);
  LLVMValueRef offsets[PW_MAX_OPERANDS], values[PW_MAX_OPERANDS];
  pw_broadcast_offsets(kb, plan, i, offsets);
  for (int k = 0; k < input_count; k++)
    values[k] = pw_load(kb, node->inputs[inputs[k]]->type.dtype, kb_param_value(kb, k), offsets[k]);
  LLVMValueRef result = fn(kb, node, values, state);
  if (!result)
    return -1;
  pw_store(kb, node->outputs[0]->type.dtype, kb_param_value(kb, input_count), i, result);
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int pw_lower_map(lower_context *ctx, const ir_node *node, const int *inputs, int input_count,
                 pw_map_fn fn, void *state, lower_result *out) {
  return pw_lower_map_as(ctx, node, inputs, NULL, input_count, fn, state, out);
}

bool pw_map_is_vectorized(const ir_node *node, const int *inputs, const ir_type *const *shapes_as,
                          int input_count) {
  const ir_type *shapes[PW_MAX_OPERANDS] = {0};
  int64_t count = 0;
  if (input_count > PW_MAX_OPERANDS || !ir_type_element_count(&node->outputs[0]->type, &count))
    return false;
  for (int k = 0; k < input_count; k++)
    shapes[k] = shapes_as ? shapes_as[k] : &node->inputs[inputs[k]]->type;
  pw_broadcast plan;
  vector_access access[PW_MAX_OPERANDS];
  pw_broadcast_plan(&node->outputs[0]->type, shapes, input_count, &plan);
  return vectorizable(&plan, count, access);
}

int pw_lower_map_as(lower_context *ctx, const ir_node *node, const int *inputs,
                    const ir_type *const *shapes_as, int input_count, pw_map_fn fn, void *state,
                    lower_result *out) {
  int64_t count;
  if (input_count + 1 > LOWER_MAX_ARGS || input_count > PW_MAX_OPERANDS)
    return ir_node_error(ctx->diag, node, "%d inputs; kernels take at most %d", input_count,
                         LOWER_MAX_ARGS - 1);
  if (pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0)
    return -1;
  const ir_type *shapes[PW_MAX_OPERANDS] = {0};
  for (int k = 0; k < input_count; k++) {
    const ir_value *input = ir_node_input(node, inputs[k]);
    if (pw_check_value(ctx, node, input, "input", NULL) != 0)
      return -1;
    shapes[k] = shapes_as ? shapes_as[k] : &input->type;
  }
  pw_broadcast plan;
  pw_broadcast_plan(&node->outputs[0]->type, shapes, input_count, &plan);
  vector_access access[PW_MAX_OPERANDS];
  bool vector = vectorizable(&plan, count, access);
  uint32_t grid = pw_grid_for(vector ? count / VECTOR_WIDTH : count);
  lower_launch *launch = lower_add_launch(out, lower_kernel_name(ctx, node, "map"), grid, PW_BLOCK);
  for (int k = 0; k < input_count; k++)
    lower_add_arg(launch, LOWER_ARG_INPUT, inputs[k]);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return vector
             ? map_body_vector(ctx->kb, node, inputs, input_count, &plan, access, count, grid, fn,
                               state)
             : map_body_scalar(ctx->kb, node, inputs, input_count, &plan, count, grid, fn, state);
}
