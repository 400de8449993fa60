/* Reduce* (Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp: a combine, an
 * element map and a finish each, from one table), and the reduction kernels the global pools
 * share: rows whose reduced elements are contiguous get a thread group each (warp shuffles +
 * shared memory); strided reductions get one thread per output (coalesced across outputs), or,
 * when outputs are few and ranges long, blocks over split ranges and a combining pass. */
#include "codegen/ops/group.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <math.h>
#include <string.h>

#include "codegen/llvm_build.h"

/* Drops size-1 dims and merges neighbours that are contiguous in the input. */
static void collapse(int *rank, int64_t *dims, int64_t *strides) {
  int kept = 0;
  for (int d = 0; d < *rank; d++) {
    if (dims[d] == 1)
      continue;
    if (kept > 0 && strides[kept - 1] == strides[d] * dims[d]) {
      dims[kept - 1] *= dims[d];
      strides[kept - 1] = strides[d];
      continue;
    }
    dims[kept] = dims[d], strides[kept] = strides[d];
    kept++;
  }
  *rank = kept;
}

/* The accumulator's type: f32 for f16/bf16/f32, the input's own for f64, i32 and i64;
 * INVALID if none. */
static ir_dtype accumulator_dtype(const ir_node *node) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  if (dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16)
    return IR_DTYPE_F32;
  if (dtype == IR_DTYPE_BOOL) /* ReduceMax/Min only (inference): Or/And of 0 and 1 */
    return IR_DTYPE_I32;
  return dtype == IR_DTYPE_F64 || dtype == IR_DTYPE_I32 || dtype == IR_DTYPE_I64
             ? dtype
             : IR_DTYPE_INVALID;
}

/* The element map before combining (pw_reduce_map), in the accumulator's type. */
static LLVMValueRef map_element(kernel_builder *kb, const pw_reduction *spec, LLVMValueRef x) {
  bool is_float = LLVMGetTypeKind(LLVMTypeOf(x)) != LLVMIntegerTypeKind;
  switch (spec->map) {
  case PW_MAP_ABS:
    if (is_float)
      return pw_fabs(kb, x);
    return LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, x, LLVMConstNull(LLVMTypeOf(x)), ""),
                           LLVMBuildNeg(B, x, ""), x, "");
  case PW_MAP_SQUARE:
    return is_float ? LLVMBuildFMul(B, x, x, "") : LLVMBuildMul(B, x, x, "");
  case PW_MAP_EXP:
    return pw_exp(kb, x);
  default:
    return x;
  }
}

static LLVMTypeRef accumulator_type(kernel_builder *kb, const ir_node *node) {
  return pw_storage_type(kb, accumulator_dtype(node));
}

static LLVMValueRef identity(kernel_builder *kb, const ir_node *node, const pw_reduction *spec) {
  return pw_reduce_identity_of(kb, spec->op, accumulator_dtype(node));
}

/* Loads input element `offset` (through the group's prologue) as the accumulator type. */
static LLVMValueRef load_input(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                               LLVMValueRef offset) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  LLVMValueRef x = lower_group_load(spec->ctx, 0, offset);
  return map_element(kb, spec, pw_convert(kb, x, dtype, accumulator_dtype(node)));
}

/* Stores output element `index` through the group's epilogue. */
static void store_result(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                         LLVMValueRef index, LLVMValueRef value) {
  ir_dtype dtype = node->outputs[0]->type.dtype;
  if (spec->scale != 1.0)
    value = LLVMBuildFMul(B, value, LLVMConstReal(LLVMTypeOf(value), spec->scale), "");
  if (spec->finish == PW_FINISH_SQRT)
    value = kb_sqrt(kb, value);
  if (spec->finish == PW_FINISH_LOG)
    value = pw_log(kb, value);
  lower_group_store(spec->ctx, index, pw_convert(kb, value, accumulator_dtype(node), dtype));
}

/* The partial sums' parameter: after the group's reads and results. */
static LLVMValueRef workspace(kernel_builder *kb, const pw_reduction *spec) {
  return kb_param_value(kb, spec->ctx->group->read_count + spec->ctx->group->result_count);
}

/* Rows that are one contiguous run with 4-aligned starts can be read 4 elements a step
 * (float accumulators only: runs are converted to f32), with a prologue or without: the
 * plan, and so the order of the sums, is the same fused and unfused (see load_run). */
static bool vector_rows(const ir_node *node, const pw_reduction *spec, int64_t length) {
  if (accumulator_dtype(node) != IR_DTYPE_F32 || spec->reduced_rank != 1 ||
      spec->reduced_strides[0] != 1 || length % 4 != 0)
    return false;
  for (int d = 0; d < spec->outer_rank; d++)
    if (spec->outer_strides[d] % 4 != 0)
      return false;
  return true;
}

/* The `width` input elements from `offset` on, each mapped as the accumulator takes it: one
 * vector load of the kernel parameter, or, with a prologue computing them, each through the
 * group's loader. */
static void load_run(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                     LLVMValueRef offset, unsigned width, LLVMValueRef *values) {
  int read = lower_group_plain_read(spec->ctx->group, 0);
  if (read >= 0)
    pw_load_f32_run(kb, node->inputs[0]->type.dtype, kb_param_value(kb, read), offset, width,
                    values);
  for (unsigned l = 0; l < width; l++)
    values[l] = read >= 0 ? map_element(kb, spec, values[l])
                          : load_input(kb, node, spec,
                                       LLVMBuildAdd(B, offset, kb_const_i32(kb, (int64_t)l), ""));
}

/* A thread group per output row; the last reduced dim is contiguous. */
static int reduce_rows(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                       const pw_rows *plan) {
  LLVMValueRef shared = pw_rows_shared(kb);
  kb_var *accumulator = kb_thread_var(kb, accumulator_type(kb, node), "accumulator");
  kb_var_store(kb, accumulator, identity(kb, node, spec));
  LLVMValueRef position = pw_rows_loop_begin(kb, plan);
  LLVMValueRef base = pw_decompose_offset(kb, pw_rows_row(kb, plan), spec->outer_rank,
                                          spec->outer_dims, spec->outer_strides);
  if (plan->width > 1) { /* one contiguous run of f32-accumulated values a step */
    LLVMValueRef values[4];
    load_run(kb, node, spec, LLVMBuildAdd(B, base, position, ""), plan->width, values);
    for (unsigned l = 0; l < plan->width; l++)
      kb_var_store(kb, accumulator,
                   pw_reduce_combine(kb, spec->op, kb_var_load(kb, accumulator), values[l]));
  } else {
    LLVMValueRef offset =
        LLVMBuildAdd(B, base,
                     pw_decompose_offset(kb, position, spec->reduced_rank, spec->reduced_dims,
                                         spec->reduced_strides),
                     "");
    kb_var_store(kb, accumulator,
                 pw_reduce_combine(kb, spec->op, kb_var_load(kb, accumulator),
                                   load_input(kb, node, spec, offset)));
  }
  pw_rows_loop_end(kb);
  pw_group_reduce(kb, plan, accumulator, spec->op, shared);
  LLVMValueRef first_lane = LLVMBuildICmp(B, LLVMIntEQ, pw_rows_lane(kb, plan), kb_const_i32(kb, 0), "");
  kb_if_begin(kb, LLVMBuildAnd(B, pw_rows_valid(kb, plan), first_lane, ""));
  store_result(kb, node, spec, pw_rows_row(kb, plan), kb_var_load(kb, accumulator));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* One thread per output; neighbouring threads read neighbouring inner elements. */
static int reduce_columns(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                          int64_t outputs, int64_t length, uint32_t grid) {
  kb_var *accumulator = kb_thread_var(kb, accumulator_type(kb, node), "accumulator");
  LLVMValueRef o = pw_grid_stride_begin(kb, outputs, grid);
  LLVMValueRef base =
      pw_decompose_offset(kb, o, spec->outer_rank, spec->outer_dims, spec->outer_strides);
  kb_var_store(kb, accumulator, identity(kb, node, spec));
  LLVMValueRef r = kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, length), kb_const_i32(kb, 1));
  LLVMValueRef offset = LLVMBuildAdd(
      B, base,
      pw_decompose_offset(kb, r, spec->reduced_rank, spec->reduced_dims, spec->reduced_strides),
      "");
  kb_var_store(kb, accumulator,
               pw_reduce_combine(kb, spec->op, kb_var_load(kb, accumulator),
                                 load_input(kb, node, spec, offset)));
  kb_for_end(kb);
  store_result(kb, node, spec, o, kb_var_load(kb, accumulator));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

/* --- few outputs, long strided reductions: split the reduced range across blocks ---------- */
/* A block covers SPLIT_OUTPUTS neighbouring outputs (coalesced) with SPLIT_LANES threads
 * each; grid.y splits the reduced range. Partials go to the workspace and a second kernel
 * combines them in a fixed order (deterministic, no atomics). */
enum { SPLIT_OUTPUTS = 32, SPLIT_LANES = PW_BLOCK / SPLIT_OUTPUTS, SPLIT_TARGET_BLOCKS = 512 };

static int64_t split_count(int64_t outputs, int64_t length) {
  int64_t chunks = (outputs + SPLIT_OUTPUTS - 1) / SPLIT_OUTPUTS;
  int64_t wanted = (SPLIT_TARGET_BLOCKS + chunks - 1) / chunks;
  int64_t useful = (length + SPLIT_LANES * 16 - 1) / (SPLIT_LANES * 16); /* >= 16 each */
  int64_t splits = wanted < useful ? wanted : useful;
  return splits < 1 ? 1 : splits;
}

static LLVMValueRef split_output(kernel_builder *kb) {
  LLVMValueRef first = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, SPLIT_OUTPUTS), "");
  return LLVMBuildAdd(B, first,
                      LLVMBuildAnd(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, SPLIT_OUTPUTS - 1), ""),
                      "output");
}

static int reduce_split_partials(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                                 int64_t outputs, int64_t length, int64_t splits) {
  LLVMValueRef shared = kb_shared_array(kb, accumulator_type(kb, node), PW_BLOCK);
  kb_var *accumulator = kb_thread_var(kb, accumulator_type(kb, node), "accumulator");
  kb_var_store(kb, accumulator, identity(kb, node, spec));
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, split_output(kb), kb_const_i32(kb, outputs), ""));
  LLVMValueRef base = pw_decompose_offset(kb, split_output(kb), spec->outer_rank, spec->outer_dims,
                                          spec->outer_strides);
  LLVMValueRef lane = LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, SPLIT_OUTPUTS), "");
  LLVMValueRef start = LLVMBuildAdd(
      B, LLVMBuildMul(B, kb_block_index(kb, KB_Y), kb_const_i32(kb, SPLIT_LANES), ""), lane, "");
  LLVMValueRef r = kb_for_begin(kb, start, kb_const_i32(kb, length), kb_const_i32(kb, SPLIT_LANES * splits));
  LLVMValueRef offset = LLVMBuildAdd(
      B, base,
      pw_decompose_offset(kb, r, spec->reduced_rank, spec->reduced_dims, spec->reduced_strides),
      "");
  kb_var_store(kb, accumulator,
               pw_reduce_combine(kb, spec->op, kb_var_load(kb, accumulator),
                                 load_input(kb, node, spec, offset)));
  kb_for_end(kb);
  kb_if_end(kb);
  pw_store(kb, accumulator_dtype(node), shared, kb_thread_index(kb, KB_X),
           kb_var_load(kb, accumulator));
  kb_barrier(kb);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  LLVMValueRef mine =
      LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, t, kb_const_i32(kb, SPLIT_OUTPUTS), ""),
                   LLVMBuildICmp(B, LLVMIntSLT, split_output(kb), kb_const_i32(kb, outputs), ""), "");
  kb_if_begin(kb, mine);
  LLVMValueRef total = pw_load(kb, accumulator_dtype(node), shared, t);
  for (int l = 1; l < SPLIT_LANES; l++)
    total = pw_reduce_combine(kb, spec->op, total,
                              pw_load(kb, accumulator_dtype(node), shared,
                                      LLVMBuildAdd(B, t, kb_const_i32(kb, l * SPLIT_OUTPUTS), "")));
  if (splits == 1) {
    store_result(kb, node, spec, split_output(kb), total);
  } else {
    LLVMValueRef slot =
        LLVMBuildAdd(B, LLVMBuildMul(B, kb_block_index(kb, KB_Y), kb_const_i32(kb, outputs), ""),
                     split_output(kb), "");
    pw_store(kb, accumulator_dtype(node), workspace(kb, spec), slot, total);
  }
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* out[o] = partials[0][o] (+) ... (+) partials[splits-1][o]; params: workspace, output. */
static int reduce_split_finish(kernel_builder *kb, const ir_node *node, const pw_reduction *spec,
                               int64_t outputs, int64_t splits, uint32_t grid) {
  kb_var *accumulator = kb_thread_var(kb, accumulator_type(kb, node), "accumulator");
  LLVMValueRef o = pw_grid_stride_begin(kb, outputs, grid);
  kb_var_store(kb, accumulator, pw_load(kb, accumulator_dtype(node), workspace(kb, spec), o));
  LLVMValueRef s = kb_for_begin(kb, kb_const_i32(kb, 1), kb_const_i32(kb, splits), kb_const_i32(kb, 1));
  LLVMValueRef slot = LLVMBuildAdd(B, LLVMBuildMul(B, s, kb_const_i32(kb, outputs), ""), o, "");
  kb_var_store(
      kb, accumulator,
      pw_reduce_combine(kb, spec->op, kb_var_load(kb, accumulator),
                        pw_load(kb, accumulator_dtype(node), workspace(kb, spec), slot)));
  kb_for_end(kb);
  store_result(kb, node, spec, o, kb_var_load(kb, accumulator));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

static int lower_split_reduction(lower_context *ctx, const ir_node *node, const pw_reduction *spec,
                                 int64_t outputs, int64_t length, lower_result *out) {
  int64_t splits = split_count(outputs, length);
  uint32_t chunks = (uint32_t)((outputs + SPLIT_OUTPUTS - 1) / SPLIT_OUTPUTS);
  lower_launch *partials =
      lower_add_launch(out, lower_kernel_name(ctx, node, "reduce_split"), chunks, PW_BLOCK);
  partials->grid[1] = (uint32_t)splits;
  lower_group_bind(ctx->group, partials);
  if (splits == 1) {
    if (pw_kernel_begin(ctx->kb, partials) != 0)
      return -1;
    return reduce_split_partials(ctx->kb, node, spec, outputs, length, splits);
  }
  lower_add_arg(partials, LOWER_ARG_WORKSPACE, 0);
  out->workspace_bytes = splits * outputs * (int64_t)ir_dtype_size(accumulator_dtype(node));
  if (pw_kernel_begin(ctx->kb, partials) != 0 ||
      reduce_split_partials(ctx->kb, node, spec, outputs, length, splits) != 0)
    return -1;
  uint32_t grid = pw_grid_for(outputs);
  lower_launch *finish =
      lower_add_launch(out, lower_kernel_name(ctx, node, "reduce_finish"), grid, PW_BLOCK);
  lower_group_bind(ctx->group, finish);
  lower_add_arg(finish, LOWER_ARG_WORKSPACE, 0);
  if (pw_kernel_begin(ctx->kb, finish) != 0)
    return -1;
  return reduce_split_finish(ctx->kb, node, spec, outputs, splits, grid);
}

int pw_lower_reduction(lower_context *ctx, const ir_node *node, const pw_reduction *given,
                       lower_result *out) {
  pw_reduction with_context = *given, *spec = &with_context;
  spec->ctx = ctx;
  int64_t outputs, length = 1;
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &outputs) != 0)
    return -1;
  ir_dtype accumulator = accumulator_dtype(node);
  /* means, square roots, exp and log need a float accumulator */
  bool float_math = spec->scale != 1.0 || spec->finish != PW_FINISH_NONE || spec->map == PW_MAP_EXP;
  if (accumulator == IR_DTYPE_INVALID || (float_math && !ir_dtype_is_float(accumulator)))
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s yet", ir_op_name(node->op),
                         ir_dtype_name(node->inputs[0]->type.dtype));
  for (int d = 0; d < spec->reduced_rank; d++)
    length *= spec->reduced_dims[d];
  bool contiguous = spec->reduced_rank > 0 && spec->reduced_strides[spec->reduced_rank - 1] == 1;
  /* Long contiguous rows get a thread group; short ones are cheaper one per thread. */
  if (contiguous && length >= 16) {
    pw_rows plan;
    if (vector_rows(node, spec, length))
      pw_rows_plan_vector(outputs, length, &plan);
    else
      pw_rows_plan(outputs, length, &plan);
    lower_launch *launch =
        lower_add_launch(out, lower_kernel_name(ctx, node, "reduce_rows"), plan.grid, PW_BLOCK);
    lower_group_bind(ctx->group, launch);
    if (pw_kernel_begin(ctx->kb, launch) != 0)
      return -1;
    return reduce_rows(ctx->kb, node, spec, &plan);
  }
  /* Few outputs over long strided ranges: one thread per output would leave the GPU idle. */
  if (outputs < 8192 && length >= 64)
    return lower_split_reduction(ctx, node, spec, outputs, length, out);
  uint32_t grid = pw_grid_for(outputs);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "reduce_columns"), grid, PW_BLOCK);
  lower_group_bind(ctx->group, launch);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return reduce_columns(ctx->kb, node, spec, outputs, length, grid);
}

/* What each Reduce* op is made of (ReduceMean also scales by 1/R). */
static const struct {
  ir_op op;
  pw_reduce_op combine;
  pw_reduce_map map;
  pw_reduce_finish finish;
} REDUCTIONS[] = {
    {IR_OP_REDUCE_SUM, PW_REDUCE_SUM, PW_MAP_NONE, PW_FINISH_NONE},
    {IR_OP_REDUCE_MEAN, PW_REDUCE_SUM, PW_MAP_NONE, PW_FINISH_NONE},
    {IR_OP_REDUCE_MAX, PW_REDUCE_MAX, PW_MAP_NONE, PW_FINISH_NONE},
    {IR_OP_REDUCE_MIN, PW_REDUCE_MIN, PW_MAP_NONE, PW_FINISH_NONE},
    {IR_OP_REDUCE_PROD, PW_REDUCE_PROD, PW_MAP_NONE, PW_FINISH_NONE},
    {IR_OP_REDUCE_L1, PW_REDUCE_SUM, PW_MAP_ABS, PW_FINISH_NONE},
    {IR_OP_REDUCE_L2, PW_REDUCE_SUM, PW_MAP_SQUARE, PW_FINISH_SQRT},
    {IR_OP_REDUCE_SUM_SQUARE, PW_REDUCE_SUM, PW_MAP_SQUARE, PW_FINISH_NONE},
    {IR_OP_REDUCE_LOG_SUM, PW_REDUCE_SUM, PW_MAP_NONE, PW_FINISH_LOG},
    {IR_OP_REDUCE_LOG_SUM_EXP, PW_REDUCE_SUM, PW_MAP_EXP, PW_FINISH_LOG},
};

int lower_reduce(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t noop_with_empty_axes, axes[IR_MAX_RANK];
  int count = 0;
  if (ir_attr_int_default(node, "noop_with_empty_axes", &noop_with_empty_axes, ctx->diag) != 0)
    return -1;
  if (ir_node_input(node, 1) &&
      ir_node_constant_ints(node, 1, axes, IR_MAX_RANK, &count, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axes(node, "axes", axes, count, x->rank, ctx->diag) != 0)
    return -1;
  bool reduced[IR_MAX_RANK] = {false};
  for (int i = 0; i < count; i++)
    reduced[axes[i]] = true;
  pw_reduction spec = {.scale = 1.0};
  for (size_t i = 0; i < sizeof REDUCTIONS / sizeof REDUCTIONS[0]; i++)
    if (REDUCTIONS[i].op == node->op)
      spec.op = REDUCTIONS[i].combine, spec.map = REDUCTIONS[i].map,
      spec.finish = REDUCTIONS[i].finish;
  int64_t length = 1;
  for (int d = 0; d < x->rank && count == 0 && !noop_with_empty_axes; d++)
    reduced[d] = true; /* no axes: every axis */
  int64_t outer_dims[IR_MAX_RANK], outer_strides[IR_MAX_RANK];
  int64_t reduced_dims[IR_MAX_RANK], reduced_strides[IR_MAX_RANK];
  int outer = 0, inner = 0;
  for (int d = 0; d < x->rank; d++) {
    int64_t s = 1;
    for (int e = d + 1; e < x->rank; e++)
      s *= x->dims[e];
    if (reduced[d]) {
      reduced_dims[inner] = x->dims[d], reduced_strides[inner++] = s;
      length *= x->dims[d];
    } else {
      outer_dims[outer] = x->dims[d], outer_strides[outer++] = s;
    }
  }
  collapse(&outer, outer_dims, outer_strides);
  collapse(&inner, reduced_dims, reduced_strides);
  spec.outer_rank = outer, spec.reduced_rank = inner;
  memcpy(spec.outer_dims, outer_dims, sizeof(outer_dims));
  memcpy(spec.outer_strides, outer_strides, sizeof(outer_strides));
  memcpy(spec.reduced_dims, reduced_dims, sizeof(reduced_dims));
  memcpy(spec.reduced_strides, reduced_strides, sizeof(reduced_strides));
  if (node->op == IR_OP_REDUCE_MEAN)
    spec.scale = length > 0 ? 1.0 / (double)length : NAN;
  return pw_lower_reduction(ctx, node, &spec, out);
}
