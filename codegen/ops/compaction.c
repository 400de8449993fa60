/* NonZero and Compress: the elements (or slices) a condition keeps, packed in order. One
 * thread counts what is kept, writes the actual dims, then walks the input again writing each
 * kept element at its place (data_dependent.h). */
#include "codegen/ops/data_dependent.h"
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

static int64_t element_count(const ir_type *type) {
  int64_t count = 1;
  for (int d = 0; d < type->rank; d++)
    count *= type->dims[d];
  return count;
}

/* NonZero: i64[rank, count], row d holding coordinate d of each non-zero element. */
int lower_non_zero(lower_context *ctx, const ir_node *node, lower_result *out) {
  kernel_builder *kb = ctx->kb;
  const ir_type *x = &node->inputs[0]->type;
  dd_params p;
  if (dd_serial_begin(ctx, node, out, "non_zero", 0, &p) != 0)
    return -1;
  LLVMValueRef input = dd_param(kb, p.input[0]), output = dd_param(kb, p.output[0]);
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  LLVMValueRef n = kb_const_i32(kb, element_count(x));
  kb_var *count = dd_counter(kb, "count"), *written = dd_counter(kb, "written");
  LLVMValueRef i = kb_for_begin(kb, zero, n, one);
  dd_increment(kb, count, dd_is_nonzero(kb, x->dtype, input, i));
  kb_for_end(kb);
  LLVMValueRef total = kb_var_load(kb, count);
  dd_store_dim(kb, &p, 0, 0, kb_const_i32(kb, x->rank));
  dd_store_dim(kb, &p, 0, 1, total);
  i = kb_for_begin(kb, zero, n, one);
  kb_if_begin(kb, dd_is_nonzero(kb, x->dtype, input, i));
  LLVMValueRef coords[IR_MAX_RANK], k = kb_var_load(kb, written);
  mv_unravel(kb, i, x->rank, x->dims, coords);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  for (int d = 0; d < x->rank; d++)
    pw_store(kb, IR_DTYPE_I64, output,
             LLVMBuildAdd(B, LLVMBuildMul(B, kb_const_i32(kb, d), total, ""), k, ""),
             LLVMBuildSExt(B, coords[d], i64, ""));
  kb_var_store(kb, written, LLVMBuildAdd(B, k, one, ""));
  kb_if_end(kb);
  kb_for_end(kb);
  return kb_kernel_end(kb);
}

/* Compress: the slices along the axis (elements of the flattened input without one) whose
 * condition is true; `length` slices are looked at: the axis up to the condition's length. */
int lower_compress(lower_context *ctx, const ir_node *node, lower_result *out) {
  kernel_builder *kb = ctx->kb;
  const ir_type *x = &node->inputs[0]->type, *condition = &node->inputs[1]->type;
  int64_t outer = 1, axis_size = element_count(x), inner = 1;
  int axis = -1;
  if (ir_node_attr(node, "axis")) {
    int64_t axis_attr;
    if (ir_attr_int(node, "axis", 0, &axis_attr, ctx->diag) != 0 ||
        ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
      return ir_node_error(ctx->diag, node, "attribute 'axis' is out of range");
    axis_size = x->dims[axis];
    for (int d = 0; d < axis; d++)
      outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
      inner *= x->dims[d];
  }
  int64_t length = axis_size < condition->dims[0] ? axis_size : condition->dims[0];
  dd_params p;
  if (dd_serial_begin(ctx, node, out, "compress", 0, &p) != 0)
    return -1;
  LLVMValueRef input = dd_param(kb, p.input[0]), keep = dd_param(kb, p.input[1]);
  LLVMValueRef output = dd_param(kb, p.output[0]);
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  kb_var *count = dd_counter(kb, "count");
  LLVMValueRef a = kb_for_begin(kb, zero, kb_const_i32(kb, length), one);
  dd_increment(kb, count, dd_is_nonzero(kb, IR_DTYPE_BOOL, keep, a));
  kb_for_end(kb);
  LLVMValueRef kept = kb_var_load(kb, count);
  const ir_type *y = &node->outputs[0]->type;
  for (int d = 0; d < y->rank; d++)
    dd_store_dim(kb, &p, 0, d, d == (axis < 0 ? 0 : axis) ? kept : kb_const_i32(kb, y->dims[d]));
  LLVMValueRef o = kb_for_begin(kb, zero, kb_const_i32(kb, outer), one);
  kb_var *written = dd_counter(kb, "written");
  a = kb_for_begin(kb, zero, kb_const_i32(kb, length), one);
  kb_if_begin(kb, dd_is_nonzero(kb, IR_DTYPE_BOOL, keep, a));
  LLVMValueRef k = kb_var_load(kb, written);
  LLVMValueRef from =
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, o, kb_const_i32(kb, axis_size), ""), a, ""),
                   kb_const_i32(kb, inner), "");
  LLVMValueRef to = LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, o, kept, ""), k, ""),
                                 kb_const_i32(kb, inner), "");
  LLVMValueRef r = kb_for_begin(kb, zero, kb_const_i32(kb, inner), one);
  pw_store(kb, x->dtype, output, LLVMBuildAdd(B, to, r, ""),
           pw_load(kb, x->dtype, input, LLVMBuildAdd(B, from, r, "")));
  kb_for_end(kb);
  kb_var_store(kb, written, LLVMBuildAdd(B, k, one, ""));
  kb_if_end(kb);
  kb_for_end(kb);
  kb_for_end(kb);
  return kb_kernel_end(kb);
}
