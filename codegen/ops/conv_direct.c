/* Direct convolution, one thread per output element: the kernel for depthwise convs (and
 * groups with few output channels) where a 64-row GEMM tile would sit mostly idle. */
#include "codegen/ops/conv.h"

#include "codegen/ops/group.h"
#include "codegen/ops/tiled_gemm.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

enum { DIRECT_THREADS = 256 };

/* Per-thread loop helpers over [0, count): constant trip counts that LLVM unrolls. */
static LLVMValueRef loop(kernel_builder *kb, int64_t count) {
  return kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, count), kb_const_i32(kb, 1));
}

static void accumulate_window(kernel_builder *kb, const conv_plan *plan, kb_var *sum,
                              LLVMValueRef b, LLVMValueRef channel, LLVMValueRef oh,
                              LLVMValueRef ow) {
  LLVMValueRef group = LLVMBuildUDiv(B, channel, kb_const_i32(kb, plan->out_per_group), "group");
  LLVMValueRef first_in = LLVMBuildMul(B, group, kb_const_i32(kb, plan->in_per_group), "");
  LLVMValueRef top = LLVMBuildSub(B, LLVMBuildMul(B, oh, kb_const_i32(kb, plan->stride_h), ""),
                                  kb_const_i32(kb, plan->pad_top), "top");
  LLVMValueRef left = LLVMBuildSub(B, LLVMBuildMul(B, ow, kb_const_i32(kb, plan->stride_w), ""),
                                   kb_const_i32(kb, plan->pad_left), "left");
  LLVMValueRef c = loop(kb, plan->in_per_group);
  LLVMValueRef r = loop(kb, plan->kernel_h);
  LLVMValueRef s = loop(kb, plan->kernel_w);
  LLVMValueRef ih = LLVMBuildAdd(B, top, LLVMBuildMul(B, r, kb_const_i32(kb, plan->dilation_h), ""), "");
  LLVMValueRef iw = LLVMBuildAdd(B, left, LLVMBuildMul(B, s, kb_const_i32(kb, plan->dilation_w), ""), "");
  LLVMValueRef x = conv_load_input(kb, plan, b, LLVMBuildAdd(B, first_in, c, ""), ih, iw);
  /* w[channel][c][r][s] */
  LLVMValueRef w_index =
      LLVMBuildAdd(B, LLVMBuildMul(B, channel, kb_const_i32(kb, plan->in_per_group), ""), c, "");
  w_index = LLVMBuildAdd(B, LLVMBuildMul(B, w_index, kb_const_i32(kb, plan->kernel_h), ""), r, "");
  w_index = LLVMBuildAdd(B, LLVMBuildMul(B, w_index, kb_const_i32(kb, plan->kernel_w), ""), s, "");
  LLVMValueRef w = lower_group_load_f32(plan->ctx, 1, w_index);
  kb_var_store(kb, sum, tg_fmuladd(kb, x, w, kb_var_load(kb, sum)));
  kb_for_end(kb);
  kb_for_end(kb);
  kb_for_end(kb);
}

static int define_kernel(kernel_builder *kb, const char *name, const conv_plan *plan) {
  int param_count = 0;
  const kb_param *params = lower_group_params(plan->ctx, &param_count);
  if (!params || kb_kernel_begin(kb, name, params, param_count, DIRECT_THREADS) != 0)
    return -1;
  int64_t total = plan->batch * plan->out_channels * plan->out_h * plan->out_w;
  LLVMValueRef first = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, DIRECT_THREADS), "");
  LLVMValueRef i = LLVMBuildAdd(B, first, kb_linear_thread_index(kb), "i");
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_const_i32(kb, total), ""));
  LLVMValueRef ow = LLVMBuildURem(B, i, kb_const_i32(kb, plan->out_w), "ow");
  LLVMValueRef rest = LLVMBuildUDiv(B, i, kb_const_i32(kb, plan->out_w), "");
  LLVMValueRef oh = LLVMBuildURem(B, rest, kb_const_i32(kb, plan->out_h), "oh");
  rest = LLVMBuildUDiv(B, rest, kb_const_i32(kb, plan->out_h), "");
  LLVMValueRef channel = LLVMBuildURem(B, rest, kb_const_i32(kb, plan->out_channels), "channel");
  LLVMValueRef b = LLVMBuildUDiv(B, rest, kb_const_i32(kb, plan->out_channels), "b");
  kb_var *sum = kb_thread_var(kb, LLVMFloatTypeInContext(kb_context(kb)), "sum");
  kb_var_store(kb, sum,
               plan->has_bias ? lower_group_load_f32(plan->ctx, 2, channel) : kb_const_f32(kb, 0));
  accumulate_window(kb, plan, sum, b, channel, oh, ow);
  lower_group_store_f32(plan->ctx, i, kb_var_load(kb, sum));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

int conv_lower_direct(lower_context *ctx, const ir_node *node, const conv_plan *plan,
                      lower_result *out) {
  const char *name = lower_kernel_name(ctx, node, "conv_direct");
  if (define_kernel(ctx->kb, name, plan) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the direct convolution kernel");
  int64_t total = plan->batch * plan->out_channels * plan->out_h * plan->out_w;
  int64_t blocks = (total + DIRECT_THREADS - 1) / DIRECT_THREADS;
  lower_launch *launch =
      lower_add_launch(out, name, (uint32_t)(blocks ? blocks : 1), DIRECT_THREADS);
  if (!launch)
    return ir_node_error(ctx->diag, node, "too many launches for one node");
  lower_group_bind(ctx->group, launch);
  return 0;
}
