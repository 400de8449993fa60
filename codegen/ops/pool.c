/* MaxPool (with its optional Indices output), AveragePool and LpPool over 1-6 spatial dims, one
 * thread per output element, window geometry from ir/infer/window.h (pads, strides,
 * dilations, ceil_mode, auto_pad); GlobalAveragePool/GlobalMaxPool as row reductions. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

typedef struct pool_shape {
  ir_window window;
  int spatial;
  int64_t planes; /* N * C */
  int64_t in[IR_MAX_RANK], out[IR_MAX_RANK];
  int64_t in_plane, out_plane, window_size;
  bool average, count_include_pad, indices;
  bool column_major; /* MaxPool's storage_order=1: indices count the spatial dims first-fastest */
  bool lp;           /* LpPool: (sum |x|^p)^(1/p), padding adds 0 */
  int64_t power;     /* its p */
  ir_dtype dtype;
} pool_shape;

/* |x|^p of LpPool: exact products for p = 1 and 2, kb_pow otherwise. */
static LLVMValueRef lp_term(kernel_builder *kb, const pool_shape *p, LLVMValueRef x) {
  LLVMValueRef magnitude = pw_fabs(kb, x);
  if (p->power == 1)
    return magnitude;
  if (p->power == 2)
    return LLVMBuildFMul(B, x, x, "");
  return kb_pow(kb, magnitude, kb_const_f32(kb, (double)p->power));
}

/* (sum)^(1/p). */
static LLVMValueRef lp_root(kernel_builder *kb, const pool_shape *p, LLVMValueRef sum) {
  if (p->power == 1)
    return sum;
  if (p->power == 2)
    return kb_sqrt(kb, sum);
  return kb_pow(kb, sum, kb_const_f32(kb, 1.0 / (double)p->power));
}

static LLVMValueRef i64(kernel_builder *kb, int64_t value) {
  return LLVMConstInt(LLVMInt64TypeInContext(kb_context(kb)), (unsigned long long)value, 1);
}

/* Input coordinate of window position k_d for output coordinate o_d along dim d. */
static LLVMValueRef input_coordinate(kernel_builder *kb, const pool_shape *p, int d,
                                     LLVMValueRef out_coordinate, LLVMValueRef kernel_coordinate) {
  LLVMValueRef start =
      LLVMBuildSub(B, LLVMBuildMul(B, out_coordinate, kb_const_i32(kb, p->window.strides[d]), ""),
                   kb_const_i32(kb, p->window.pads[d]), "");
  return LLVMBuildAdd(
      B, start, LLVMBuildMul(B, kernel_coordinate, kb_const_i32(kb, p->window.dilations[d]), ""),
      "");
}

static int pool_kernel(kernel_builder *kb, const pool_shape *p, uint32_t grid) {
  kb_var *accumulator = kb_thread_var(kb, pw_f32_type(kb), "accumulator");
  kb_var *count = kb_thread_var(kb, pw_f32_type(kb), "count");
  kb_var *argmax = kb_thread_var(kb, LLVMInt64TypeInContext(kb_context(kb)), "argmax");
  LLVMValueRef o = pw_grid_stride_begin(kb, p->planes * p->out_plane, grid);
  LLVMValueRef plane = LLVMBuildUDiv(B, o, kb_const_i32(kb, p->out_plane), "plane");
  LLVMValueRef out_coordinates[IR_MAX_RANK];
  LLVMValueRef rest = LLVMBuildURem(B, o, kb_const_i32(kb, p->out_plane), "");
  for (int d = p->spatial - 1; d >= 0; d--) {
    out_coordinates[d] = d == 0 ? rest : LLVMBuildURem(B, rest, kb_const_i32(kb, p->out[d]), "");
    if (d > 0)
      rest = LLVMBuildUDiv(B, rest, kb_const_i32(kb, p->out[d]), "");
  }
  LLVMValueRef base = LLVMBuildMul(B, plane, kb_const_i32(kb, p->in_plane), "base");
  kb_var_store(kb, accumulator,
               p->average || p->lp ? kb_const_f32(kb, 0) : pw_reduce_identity(kb, PW_REDUCE_MAX));
  kb_var_store(kb, count, kb_const_f32(kb, 0));
  kb_var_store(kb, argmax, i64(kb, -1));
  LLVMValueRef k =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, p->window_size), kb_const_i32(kb, 1));
  LLVMValueRef inside = LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0);
  LLVMValueRef inside_padded = inside;
  LLVMValueRef offset = kb_const_i32(kb, 0), column_offset = offset, k_rest = k;
  int64_t in_stride = 1;
  for (int d = p->spatial - 1; d >= 0; d--) {
    int64_t extent = p->window.kernel[d];
    LLVMValueRef kd = d == 0 ? k_rest : LLVMBuildURem(B, k_rest, kb_const_i32(kb, extent), "");
    if (d > 0)
      k_rest = LLVMBuildUDiv(B, k_rest, kb_const_i32(kb, extent), "");
    LLVMValueRef c = input_coordinate(kb, p, d, out_coordinates[d], kd);
    /* Unsigned compare: negative coordinates are out of range too. */
    inside = LLVMBuildAnd(B, inside,
                          LLVMBuildICmp(B, LLVMIntULT, c, kb_const_i32(kb, p->in[d]), ""), "");
    LLVMValueRef padded_end = kb_const_i32(kb, p->in[d] + p->window.pads[p->spatial + d]);
    inside_padded =
        LLVMBuildAnd(B, inside_padded, LLVMBuildICmp(B, LLVMIntSLT, c, padded_end, ""), "");
    offset = LLVMBuildAdd(B, offset, LLVMBuildMul(B, c, kb_const_i32(kb, in_stride), ""), "");
    in_stride *= p->in[d];
    if (p->column_major) {
      int64_t column_stride = 1;
      for (int e = 0; e < d; e++)
        column_stride *= p->in[e];
      column_offset = LLVMBuildAdd(B, column_offset,
                                   LLVMBuildMul(B, c, kb_const_i32(kb, column_stride), ""), "");
    }
  }
  LLVMValueRef counted = p->count_include_pad ? inside_padded : inside;
  kb_var_store(kb, count,
               LLVMBuildFAdd(B, kb_var_load(kb, count),
                             LLVMBuildUIToFP(B, counted, pw_f32_type(kb), ""), ""));
  kb_if_begin(kb, inside);
  LLVMValueRef at = LLVMBuildAdd(B, base, offset, "");
  LLVMValueRef x =
      pw_convert(kb, pw_load(kb, p->dtype, kb_param_value(kb, 0), at), p->dtype, IR_DTYPE_F32);
  LLVMValueRef old = kb_var_load(kb, accumulator);
  if (p->average || p->lp) {
    kb_var_store(kb, accumulator, LLVMBuildFAdd(B, old, p->lp ? lp_term(kb, p, x) : x, ""));
  } else {
    LLVMValueRef better =
        LLVMBuildOr(B, LLVMBuildFCmp(B, LLVMRealOGT, x, old, ""),
                    LLVMBuildICmp(B, LLVMIntSLT, kb_var_load(kb, argmax), i64(kb, 0), ""), "");
    kb_var_store(
        kb, argmax,
        LLVMBuildSelect(
            B, better,
            LLVMBuildSExt(B, p->column_major ? LLVMBuildAdd(B, base, column_offset, "") : at,
                          LLVMInt64TypeInContext(kb_context(kb)), ""),
            kb_var_load(kb, argmax), ""));
    kb_var_store(kb, accumulator, pw_reduce_combine(kb, PW_REDUCE_MAX, old, x));
  }
  kb_if_end(kb);
  kb_for_end(kb);
  LLVMValueRef result = kb_var_load(kb, accumulator);
  if (p->average)
    result = LLVMBuildFDiv(B, result, kb_var_load(kb, count), "");
  if (p->lp)
    result = lp_root(kb, p, result);
  pw_store(kb, p->dtype, kb_param_value(kb, 1), o, pw_convert(kb, result, IR_DTYPE_F32, p->dtype));
  if (p->indices)
    pw_store(kb, IR_DTYPE_I64, kb_param_value(kb, 2), o, kb_var_load(kb, argmax));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

bool lower_pool_supports(ir_op op, ir_dtype dtype) {
  bool real = dtype == IR_DTYPE_F32 || dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16;
  /* 8-bit integers (quantized models) are exact in the f32 accumulator; only the maximum
   * is defined for them. */
  bool byte = dtype == IR_DTYPE_I8 || dtype == IR_DTYPE_U8;
  return (op == IR_OP_MAX_POOL && (real || byte)) ||
         ((op == IR_OP_AVERAGE_POOL || op == IR_OP_LP_POOL) && real);
}

int lower_pool(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t outputs, flag = 0;
  pool_shape p = {.spatial = x->rank - 2,
                  .dtype = x->dtype,
                  .average = node->op == IR_OP_AVERAGE_POOL,
                  .lp = node->op == IR_OP_LP_POOL};
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", &outputs) != 0)
    return -1;
  if (!lower_pool_supports(node->op, p.dtype))
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s yet", ir_op_name(node->op),
                         ir_dtype_name(p.dtype));
  if (ir_window_read(node, p.spatial, NULL, &p.window, ctx->diag) != 0 ||
      ir_window_output(node, &p.window, &x->dims[2], p.out, ctx->diag) != 0)
    return -1;
  if (ir_attr_int_default(node,
                          p.lp        ? "p"
                          : p.average ? "count_include_pad"
                                      : "storage_order",
                          &flag, ctx->diag) != 0)
    return -1;
  p.power = flag;
  if (p.lp && p.power < 1)
    return ir_node_error(ctx->diag, node, "attribute 'p' is %lld; it must be at least 1",
                         (long long)p.power);
  p.column_major = node->op == IR_OP_MAX_POOL && flag != 0;
  p.count_include_pad = p.average && flag != 0;
  p.indices = node->op == IR_OP_MAX_POOL && node->num_outputs > 1;
  p.planes = x->dims[0] * x->dims[1];
  p.in_plane = p.out_plane = p.window_size = 1;
  for (int d = 0; d < p.spatial; d++) {
    p.in[d] = x->dims[2 + d];
    if (p.out[d] != y->dims[2 + d])
      return ir_node_error(ctx->diag, node, "output dim %d is %lld but the window gives %lld",
                           2 + d, (long long)y->dims[2 + d], (long long)p.out[d]);
    p.in_plane *= p.in[d], p.out_plane *= p.out[d], p.window_size *= p.window.kernel[d];
  }
  uint32_t grid = pw_grid_for(outputs);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "pool"), grid, PW_BLOCK);
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (p.indices)
    lower_add_arg(launch, LOWER_ARG_OUTPUT, 1);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return pool_kernel(ctx->kb, &p, grid);
}

int lower_global_pool(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0)
    return -1;
  int64_t plane = 1;
  for (int d = 2; d < x->rank; d++)
    plane *= x->dims[d];
  pw_reduction spec = {
      .op = node->op == IR_OP_GLOBAL_MAX_POOL ? PW_REDUCE_MAX : PW_REDUCE_SUM,
      .outer_rank = 1,
      .reduced_rank = 1,
      .outer_dims = {x->dims[0] * x->dims[1]},
      .outer_strides = {plane},
      .reduced_dims = {plane},
      .reduced_strides = {1},
      .scale = node->op == IR_OP_GLOBAL_AVERAGE_POOL && plane > 0 ? 1.0 / (double)plane : 1.0,
  };
  return pw_lower_reduction(ctx, node, &spec, out);
}
