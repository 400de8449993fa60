/* Resize → one thread per output element: the sum, over the taps of every resized axis, of
 * the product of their weights times the input element at their indices. Taps are computed
 * at compile time (resize_taps.c) and read from one read-only global table of (index, weight)
 * pairs; identity axes copy their coordinate. Computed in f32 (f64 for f64 data); integer results
 * are rounded and saturated as ONNX's reference does. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "codegen/ops/resize_taps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/llvm_build.h"

/* Table pairs per node (512 KiB in global memory: the constant bank's 64 KiB is shared by
 * every kernel of a module, too little for a model's several resizes). */
enum { RESIZE_MAX_PAIRS = 1 << 16 };

typedef struct resize_kernel {
  ir_resize plan;
  ir_dtype dtype, compute;
  int axes[IR_MAX_RANK], axis_count; /* resized (non-identity) axes, in order */
  int taps[IR_MAX_RANK];             /* per resized axis */
  int64_t first_pair[IR_MAX_RANK];   /* of the axis's rows in the table */
  int64_t in_strides[IR_MAX_RANK];
  LLVMValueRef table;   /* f32 pairs: index, weight */
  LLVMValueRef *coords; /* output coordinates of the thread's element */
  kb_var *sum;
} resize_kernel;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

/* Entry `k` of the table row of output coordinate `coord` on resized axis `level`. */
static LLVMValueRef table_entry(kernel_builder *kb, const resize_kernel *r, int level,
                                LLVMValueRef coord, LLVMValueRef k, int field) {
  LLVMValueRef pair = LLVMBuildAdd(B, LLVMBuildMul(B, coord, c32(kb, r->taps[level]), ""), k, "");
  pair = LLVMBuildAdd(B, pair, c32(kb, r->first_pair[level]), "");
  LLVMValueRef at = LLVMBuildAdd(B, LLVMBuildMul(B, pair, c32(kb, 2), ""), c32(kb, field), "");
  return kb_load_element(kb, pw_f32_type(kb), r->table, at);
}

/* Loops over the taps of resized axes level.. and adds weight * x[offset] at the innermost. */
static void sum_taps(kernel_builder *kb, resize_kernel *r, int level, LLVMValueRef offset,
                     LLVMValueRef weight) {
  if (level == r->axis_count) {
    LLVMValueRef x =
        pw_convert(kb, pw_load(kb, r->dtype, kb_param_value(kb, 0), offset), r->dtype, r->compute);
    if (r->compute == IR_DTYPE_F64)
      weight = LLVMBuildFPExt(B, weight, LLVMTypeOf(x), "");
    kb_var_store(kb, r->sum,
                 LLVMBuildFAdd(B, kb_var_load(kb, r->sum), LLVMBuildFMul(B, weight, x, ""), ""));
    return;
  }
  int axis = r->axes[level];
  LLVMValueRef k = kb_for_begin(kb, c32(kb, 0), c32(kb, r->taps[level]), c32(kb, 1));
  LLVMValueRef index = LLVMBuildFPToSI(B, table_entry(kb, r, level, r->coords[axis], k, 0),
                                       LLVMInt32TypeInContext(kb_context(kb)), "");
  index = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, index, c32(kb, 0), ""), c32(kb, 0), index,
                          ""); /* extrapolated rows: read element 0, weigh 0 */
  LLVMValueRef tap_weight = table_entry(kb, r, level, r->coords[axis], k, 1);
  sum_taps(kb, r, level + 1,
           LLVMBuildAdd(B, offset, LLVMBuildMul(B, index, c32(kb, r->in_strides[axis]), ""), ""),
           LLVMBuildFMul(B, weight, tap_weight, ""));
  kb_for_end(kb);
}

/* Integer results: rounded half to even and clamped into the type (numpy's saturate_cast). */
static LLVMValueRef saturate(kernel_builder *kb, LLVMValueRef value, ir_dtype dtype) {
  int bits = ir_dtype_bits(dtype);
  double low = ir_dtype_is_signed(dtype) ? -ldexp(1, bits - 1) : 0;
  double high = ir_dtype_is_signed(dtype) ? ldexp(1, bits - 1) - 1 : ldexp(1, bits) - 1;
  LLVMTypeRef type = LLVMTypeOf(value);
  value = pw_round_half_even(kb, value);
  LLVMValueRef lo = LLVMConstReal(type, low), hi = LLVMConstReal(type, high);
  value = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, value, lo, ""), lo, value, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, value, hi, ""), hi, value, "");
}

static int resize_body(kernel_builder *kb, resize_kernel *r, const ir_type *y, int64_t count,
                       uint32_t grid) {
  LLVMValueRef coords[IR_MAX_RANK];
  LLVMTypeRef type = pw_storage_type(kb, r->compute);
  r->sum = kb_thread_var(kb, type, "sum");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  mv_unravel(kb, e, y->rank, y->dims, coords);
  r->coords = coords;
  LLVMValueRef offset = c32(kb, 0),
               extrapolated = LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 0, 0);
  for (int d = 0; d < y->rank; d++)
    if (r->plan.identity[d])
      offset =
          LLVMBuildAdd(B, offset, LLVMBuildMul(B, coords[d], c32(kb, r->in_strides[d]), ""), "");
  for (int level = 0; level < r->axis_count; level++) {
    LLVMValueRef index = table_entry(kb, r, level, coords[r->axes[level]], c32(kb, 0), 0);
    extrapolated = LLVMBuildOr(B, extrapolated,
                               LLVMBuildFCmp(B, LLVMRealOLT, index, kb_const_f32(kb, 0), ""), "");
  }
  kb_var_store(kb, r->sum, LLVMConstNull(type));
  sum_taps(kb, r, 0, offset, kb_const_f32(kb, 1));
  LLVMValueRef value =
      LLVMBuildSelect(B, extrapolated, LLVMConstReal(type, r->plan.extrapolation_value),
                      kb_var_load(kb, r->sum), "");
  if (ir_dtype_is_integer(r->dtype))
    value = saturate(kb, value, r->dtype);
  pw_store(kb, r->dtype, kb_param_value(kb, 1), e, pw_convert(kb, value, r->compute, r->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

/* Builds the taps of every resized axis into `entries` (f32 index, weight pairs). */
static int build_table(lower_context *ctx, const ir_node *node, resize_kernel *r,
                       LLVMValueRef **out_entries, int64_t *out_pairs) {
  resize_taps taps[IR_MAX_RANK] = {{0}};
  int64_t pairs = 0;
  int status = 0;
  for (int level = 0; level < r->axis_count && status == 0; level++) {
    if (resize_taps_compute(&r->plan, r->axes[level], &taps[level]) != 0)
      status = ir_node_error(ctx->diag, node, "out of memory");
    r->taps[level] = taps[level].taps;
    r->first_pair[level] = pairs;
    pairs += taps[level].out * taps[level].taps;
  }
  if (status == 0 && pairs > RESIZE_MAX_PAIRS)
    status = ir_node_error(ctx->diag, node,
                           "the Resize needs %lld interpolation taps; its kernel holds at most "
                           "%d (resize in smaller steps)",
                           (long long)pairs, RESIZE_MAX_PAIRS);
  LLVMValueRef *entries =
      status == 0 ? malloc((size_t)(pairs ? pairs : 1) * 2 * sizeof(*entries)) : NULL;
  if (status == 0 && !entries)
    status = ir_node_error(ctx->diag, node, "out of memory");
  LLVMTypeRef f32 = pw_f32_type(ctx->kb);
  for (int level = 0; level < r->axis_count && status == 0; level++)
    for (int64_t p = 0; p < taps[level].out * taps[level].taps; p++) {
      entries[2 * (r->first_pair[level] + p)] = LLVMConstReal(f32, (double)taps[level].index[p]);
      entries[2 * (r->first_pair[level] + p) + 1] = LLVMConstReal(f32, taps[level].weight[p]);
    }
  for (int level = 0; level < r->axis_count; level++)
    resize_taps_free(&taps[level]);
  *out_entries = entries;
  *out_pairs = pairs;
  return status;
}

int lower_resize(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t count, in_count;
  resize_kernel r = {.dtype = x->dtype};
  if (pw_check_value(ctx, node, node->inputs[0], "input", &in_count) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &count) != 0 ||
      ir_resize_read(node, x->dims, &r.plan, ctx->diag) != 0)
    return -1;
  if (x->dtype == IR_DTYPE_BOOL || ir_dtype_bits(x->dtype) < 8)
    return ir_node_error(ctx->diag, node, "no Resize kernel for %s", ir_dtype_name(x->dtype));
  r.compute = x->dtype == IR_DTYPE_F64 ? IR_DTYPE_F64 : IR_DTYPE_F32;
  mv_contiguous_strides(x, r.in_strides);
  for (int d = 0; d < x->rank; d++) {
    if (r.plan.identity[d])
      continue;
    if (r.plan.antialias && r.plan.scales[d] < 1.0 / 64)
      return ir_node_error(ctx->diag, node, "antialiased Resize by a scale below 1/64 (%g)",
                           r.plan.scales[d]);
    r.axes[r.axis_count++] = d;
  }
  if (count == 0)
    return 0;
  LLVMValueRef *entries = NULL;
  int64_t pairs = 0;
  if (build_table(ctx, node, &r, &entries, &pairs) != 0) {
    free(entries);
    return -1;
  }
  uint32_t grid = pw_grid_for(count);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "resize"), grid, PW_BLOCK);
  int status = launch ? 0 : ir_node_error(ctx->diag, node, "too many launches for one node");
  if (status == 0) {
    lower_add_arg(launch, LOWER_ARG_INPUT, 0);
    lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
    status = pw_kernel_begin(ctx->kb, launch);
  }
  if (status == 0) {
    if (pairs > 0)
      r.table = kb_global_table(ctx->kb, pw_f32_type(ctx->kb), entries, (unsigned)(2 * pairs));
    status = resize_body(ctx->kb, &r, y, count, grid);
  }
  free(entries);
  return status;
}
