/* Unique: the distinct slices along the axis (elements of the flattened input without one),
 * sorted (lexicographically, element by element in row-major order) or in order of first
 * occurrence, with the index of each one's first occurrence, the inverse indices and counts.
 * One thread (data_dependent.h), two i32 tables in the workspace: each slice's first
 * occurrence, and each distinct slice's place in the output. O(length^2 * slice). */
#include "codegen/ops/data_dependent.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct unique {
  ir_dtype dtype, compute;
  int64_t outer, length, inner; /* slices: `length` of them, `outer` x `inner` elements each */
  bool sorted;
  LLVMValueRef input, first, place;
} unique;

/* Element e (0..outer*inner) of slice s. */
static LLVMValueRef slice_element(kernel_builder *kb, const unique *u, LLVMValueRef s,
                                  LLVMValueRef o, LLVMValueRef r) {
  LLVMValueRef line = LLVMBuildAdd(B, LLVMBuildMul(B, o, kb_const_i32(kb, u->length), ""), s, "");
  LLVMValueRef at = LLVMBuildAdd(B, LLVMBuildMul(B, line, kb_const_i32(kb, u->inner), ""), r, "");
  return pw_convert(kb, pw_load(kb, u->dtype, u->input, at), u->dtype, u->compute);
}

static LLVMValueRef less(kernel_builder *kb, const unique *u, LLVMValueRef a, LLVMValueRef b) {
  if (ir_dtype_is_float(u->compute))
    return LLVMBuildFCmp(B, LLVMRealOLT, a, b, "");
  return LLVMBuildICmp(B, ir_dtype_is_signed(u->compute) ? LLVMIntSLT : LLVMIntULT, a, b, "");
}

/* -1, 0 or 1 (i32) as slice a comes before, equals or comes after slice b: the first
 * element where they differ decides. */
static LLVMValueRef compare_slices(kernel_builder *kb, const unique *u, LLVMValueRef a,
                                   LLVMValueRef b) {
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  kb_var *order = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), "order");
  kb_var_store(kb, order, zero);
  LLVMValueRef o = kb_for_begin(kb, zero, kb_const_i32(kb, u->outer), one);
  LLVMValueRef r = kb_for_begin(kb, zero, kb_const_i32(kb, u->inner), one);
  LLVMValueRef x = slice_element(kb, u, a, o, r), y = slice_element(kb, u, b, o, r);
  LLVMValueRef decided = kb_var_load(kb, order);
  LLVMValueRef here = LLVMBuildSelect(B, less(kb, u, x, y), kb_const_i32(kb, -1),
                                      LLVMBuildSelect(B, less(kb, u, y, x), one, zero, ""), "");
  kb_var_store(
      kb, order,
      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, decided, zero, ""), here, decided, ""));
  kb_for_end(kb);
  kb_for_end(kb);
  return kb_var_load(kb, order);
}

static LLVMValueRef is_first(kernel_builder *kb, const unique *u, LLVMValueRef s) {
  return LLVMBuildICmp(B, LLVMIntEQ, pw_load(kb, IR_DTYPE_I32, u->first, s), s, "");
}

/* first[s]: the lowest slice equal to slice s. */
static void find_first_occurrences(kernel_builder *kb, const unique *u) {
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  kb_var *first = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), "first");
  LLVMValueRef s = kb_for_begin(kb, zero, kb_const_i32(kb, u->length), one);
  kb_var_store(kb, first, s);
  LLVMValueRef t = kb_for_begin(kb, zero, s, one);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_var_load(kb, first), s, ""));
  LLVMValueRef equal = LLVMBuildICmp(B, LLVMIntEQ, compare_slices(kb, u, t, s), zero, "");
  kb_var_store(kb, first, LLVMBuildSelect(B, equal, t, kb_var_load(kb, first), ""));
  kb_if_end(kb);
  kb_for_end(kb);
  pw_store(kb, IR_DTYPE_I32, u->first, s, kb_var_load(kb, first));
  kb_for_end(kb);
}

/* place[s] of each distinct slice s: how many distinct slices come before it. Returns their
 * number. */
static LLVMValueRef place_distinct(kernel_builder *kb, const unique *u) {
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  kb_var *distinct = dd_counter(kb, "distinct"), *before = dd_counter(kb, "before");
  LLVMValueRef s = kb_for_begin(kb, zero, kb_const_i32(kb, u->length), one);
  kb_if_begin(kb, is_first(kb, u, s));
  dd_increment(kb, distinct, LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0));
  kb_var_store(kb, before, zero);
  LLVMValueRef t = kb_for_begin(kb, zero, kb_const_i32(kb, u->length), one);
  kb_if_begin(kb, is_first(kb, u, t));
  LLVMValueRef earlier = u->sorted
                             ? LLVMBuildICmp(B, LLVMIntSLT, compare_slices(kb, u, t, s), zero, "")
                             : LLVMBuildICmp(B, LLVMIntSLT, t, s, "");
  dd_increment(kb, before, earlier);
  kb_if_end(kb);
  kb_for_end(kb);
  pw_store(kb, IR_DTYPE_I32, u->place, s, kb_var_load(kb, before));
  kb_if_end(kb);
  kb_for_end(kb);
  return kb_var_load(kb, distinct);
}

static void write_outputs(kernel_builder *kb, const unique *u, const ir_node *node,
                          const dd_params *p, LLVMValueRef distinct) {
  LLVMValueRef zero = kb_const_i32(kb, 0), one = kb_const_i32(kb, 1);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef length = kb_const_i32(kb, u->length), inner = kb_const_i32(kb, u->inner);
  kb_var *count = dd_counter(kb, "count");
  LLVMValueRef s = kb_for_begin(kb, zero, length, one);
  LLVMValueRef first = pw_load(kb, IR_DTYPE_I32, u->first, s);
  LLVMValueRef place = pw_load(kb, IR_DTYPE_I32, u->place, first);
  if (node->num_outputs > 2)
    pw_store(kb, IR_DTYPE_I64, dd_param(kb, p->output[2]), s, LLVMBuildSExt(B, place, i64, ""));
  kb_if_begin(kb, is_first(kb, u, s));
  LLVMValueRef o = kb_for_begin(kb, zero, kb_const_i32(kb, u->outer), one);
  LLVMValueRef from =
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, o, length, ""), s, ""), inner, "");
  LLVMValueRef to =
      LLVMBuildMul(B, LLVMBuildAdd(B, LLVMBuildMul(B, o, distinct, ""), place, ""), inner, "");
  LLVMValueRef r = kb_for_begin(kb, zero, inner, one);
  pw_store(kb, u->dtype, dd_param(kb, p->output[0]), LLVMBuildAdd(B, to, r, ""),
           pw_load(kb, u->dtype, u->input, LLVMBuildAdd(B, from, r, "")));
  kb_for_end(kb);
  kb_for_end(kb);
  if (node->num_outputs > 1)
    pw_store(kb, IR_DTYPE_I64, dd_param(kb, p->output[1]), place, LLVMBuildSExt(B, s, i64, ""));
  if (node->num_outputs > 3) {
    kb_var_store(kb, count, zero);
    LLVMValueRef t = kb_for_begin(kb, zero, length, one);
    dd_increment(kb, count,
                 LLVMBuildICmp(B, LLVMIntEQ, pw_load(kb, IR_DTYPE_I32, u->first, t), s, ""));
    kb_for_end(kb);
    pw_store(kb, IR_DTYPE_I64, dd_param(kb, p->output[3]), place,
             LLVMBuildSExt(B, kb_var_load(kb, count), i64, ""));
  }
  kb_if_end(kb);
  kb_for_end(kb);
}

int lower_unique(lower_context *ctx, const ir_node *node, lower_result *out) {
  kernel_builder *kb = ctx->kb;
  const ir_type *x = &node->inputs[0]->type;
  int64_t sorted;
  int axis = -1;
  if (ir_attr_int_default(node, "sorted", &sorted, ctx->diag) != 0)
    return -1;
  unique u = {.dtype = x->dtype,
              .compute = pw_compute_dtype(x->dtype),
              .sorted = sorted != 0,
              .outer = 1,
              .length = 1,
              .inner = 1};
  if (ir_node_attr(node, "axis")) {
    int64_t axis_attr;
    if (ir_attr_int(node, "axis", 0, &axis_attr, ctx->diag) != 0 ||
        ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
      return ir_node_error(ctx->diag, node, "attribute 'axis' is out of range");
    u.length = x->dims[axis];
    for (int d = 0; d < axis; d++)
      u.outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
      u.inner *= x->dims[d];
  } else {
    for (int d = 0; d < x->rank; d++)
      u.length *= x->dims[d];
  }
  dd_params p;
  int64_t table_bytes = (u.length * 4 + 255) / 256 * 256;
  if (dd_serial_begin(ctx, node, out, "unique", 2 * table_bytes + 256, &p) != 0)
    return -1;
  LLVMValueRef workspace = dd_param(kb, p.workspace);
  u.input = dd_param(kb, p.input[0]);
  u.first = workspace;
  LLVMValueRef offset = kb_const_i32(kb, table_bytes);
  u.place = LLVMBuildInBoundsGEP2(B, LLVMInt8TypeInContext(kb_context(kb)), workspace, &offset, 1,
                                  "place");
  find_first_occurrences(kb, &u);
  LLVMValueRef distinct = place_distinct(kb, &u);
  const ir_type *y = &node->outputs[0]->type;
  for (int d = 0; d < y->rank; d++)
    dd_store_dim(kb, &p, 0, d,
                 d == (axis < 0 ? 0 : axis) ? distinct : kb_const_i32(kb, y->dims[d]));
  for (int o = 1; o < node->num_outputs; o++)
    dd_store_dim(kb, &p, o, 0, o == 2 ? kb_const_i32(kb, u.length) : distinct);
  write_outputs(kb, &u, node, &p, distinct);
  return kb_kernel_end(kb);
}
