/* RandomUniformLike: one thread per element draws from a counter-based generator, so every
 * element is independent of launch shape and the host twin and the GPU draw the same
 * numbers. The draw for element i is the SplitMix64 finalizer of seed + (i + 1) * golden
 * (a bijective 64-bit mix), its top 24 bits (53 for f64) scaled into [0, 1), then into
 * [low, high). The seed is the bits of the `seed` attribute, or when it is absent a hash of
 * the node's name: compiled models are deterministic, and two unseeded nodes differ. With the
 * optional second input, an int64 scalar counter c read at run time (a training step feeds it
 * its step count), the seed becomes the SplitMix64 finalizer of seed + (c + 1) * another odd
 * constant: each counter value draws a fresh, reproducible sequence, the same on the host twin
 * and the GPU (one kernel IR). */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <string.h>

#include "codegen/llvm_build.h"

static uint64_t node_seed(const ir_node *node) {
  const ir_attr *seed = ir_node_attr(node, "seed");
  if (seed) {
    uint32_t bits;
    memcpy(&bits, &seed->as.f, sizeof bits);
    return 0x5eed000000000000ull | bits;
  }
  uint64_t hash = 0xcbf29ce484222325ull; /* FNV-1a of the name */
  for (const char *c = node->name; *c; c++)
    hash = (hash ^ (unsigned char)*c) * 0x100000001b3ull;
  return hash;
}

static LLVMValueRef mix(kernel_builder *kb, LLVMValueRef z, int shift, uint64_t multiplier) {
  LLVMTypeRef i64 = LLVMTypeOf(z);
  z = LLVMBuildXor(B, z, LLVMBuildLShr(B, z, LLVMConstInt(i64, (unsigned)shift, 0), ""), "");
  return multiplier ? LLVMBuildMul(B, z, LLVMConstInt(i64, multiplier, 0), "") : z;
}

/* SplitMix64's finalizer: a bijective 64-bit mix. */
static LLVMValueRef finalize(kernel_builder *kb, LLVMValueRef z) {
  return mix(kb, mix(kb, mix(kb, z, 30, 0xbf58476d1ce4e5b9ull), 27, 0x94d049bb133111ebull), 31, 0);
}

/* (k + 1) * step: consecutive k spread over the 64-bit ring. */
static LLVMValueRef spread(kernel_builder *kb, LLVMValueRef k, uint64_t step) {
  LLVMTypeRef i64 = LLVMTypeOf(k);
  return LLVMBuildMul(B, LLVMBuildAdd(B, k, LLVMConstInt(i64, 1, 0), ""),
                      LLVMConstInt(i64, step, 0), "");
}

int lower_random_uniform_like(lower_context *ctx, const ir_node *node, lower_result *out) {
  static const kb_param params[] = {{"y", KB_PARAM_PTR}, {"counter", KB_PARAM_PTR}};
  bool counted = node->num_inputs > 1 && node->inputs[1];
  const ir_type *y = &node->outputs[0]->type;
  float low, high;
  if (mv_check_sizes(node, -1, ctx->diag) != 0 ||
      ir_attr_float_default(node, "low", &low, ctx->diag) != 0 ||
      ir_attr_float_default(node, "high", &high, ctx->diag) != 0)
    return -1;
  int64_t count = 1;
  for (int d = 0; d < y->rank; d++)
    count *= y->dims[d];
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "random_uniform");
  LLVMContextRef context = kb_context(kb);
  LLVMTypeRef i64 = LLVMInt64TypeInContext(context);
  bool wide = y->dtype == IR_DTYPE_F64;
  ir_dtype compute = wide ? IR_DTYPE_F64 : IR_DTYPE_F32;
  LLVMTypeRef real = wide ? LLVMDoubleTypeInContext(context) : LLVMFloatTypeInContext(context);
  LLVMValueRef i = mv_kernel_begin(kb, name, params, counted ? 2 : 1, count);
  LLVMValueRef seed = LLVMConstInt(i64, node_seed(node), 0);
  if (counted) {
    LLVMValueRef c = mv_load(kb, i64, kb_param_value(kb, 1), kb_const_i32(kb, 0));
    seed = finalize(kb, LLVMBuildAdd(B, seed, spread(kb, c, 0xd1b54a32d192ed03ull), ""));
  }
  LLVMValueRef z = finalize(
      kb,
      LLVMBuildAdd(B, seed, spread(kb, LLVMBuildZExt(B, i, i64, ""), 0x9e3779b97f4a7c15ull), ""));
  int bits = wide ? 53 : 24;
  LLVMValueRef top = LLVMBuildLShr(B, z, LLVMConstInt(i64, (unsigned)(64 - bits), 0), "");
  LLVMValueRef unit = LLVMBuildFMul(B, LLVMBuildUIToFP(B, top, real, ""),
                                    LLVMConstReal(real, 1.0 / (double)(1ull << bits)), "");
  LLVMValueRef value =
      LLVMBuildFAdd(B, LLVMConstReal(real, low),
                    LLVMBuildFMul(B, LLVMConstReal(real, (double)high - low), unit, ""), "");
  mv_store(kb, kb_param_value(kb, 0), i, pw_convert(kb, value, compute, y->dtype));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the random kernel");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (counted)
    lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  return 0;
}
