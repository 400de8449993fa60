/* Temporary weak lowerings so the table links before every family exists; each real
 * lowering overrides its stub, and this file goes once all exist. A weak stub also wins over
 * a real lowering that the linker reaches later in the archive, so each stub is deleted
 * as soon as its lowering lands (MatMul/Gemm/Conv and the movement ops have). */
#include "codegen/ops/op_lowering.h"
#include "ir/infer.h"

__attribute__((weak)) int lower_batch_normalization(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_binary(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_cast(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_clip(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_global_pool(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_layer_normalization(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_pool(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_reduce(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_softmax(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_unary(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_variadic(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
__attribute__((weak)) int lower_where(lower_context *ctx, const ir_node *node, lower_result *out) {
  return ir_node_error(ctx->diag, node, "no GPU kernel for this op yet");
}
