/* Conv geometry as the kernels see it (1-D convs become 2-D with a height of 1), shared by
 * the implicit-GEMM lowering (conv.c) and the direct kernel for depthwise/thin groups. */
#ifndef DLCC_CODEGEN_OPS_CONV_H
#define DLCC_CODEGEN_OPS_CONV_H

#include <stdbool.h>

#include "codegen/ops/op_lowering.h"

typedef struct conv_plan {
  lower_context *ctx; /* loads and stores go through its group's hooks */
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t group, in_per_group, out_per_group;
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  bool has_bias; /* input 2: added before the group's epilogue */
} conv_plan;

/* Reads shapes and window attributes of a Conv node (f32, static, 1-D or 2-D). */
int conv_plan_read(const ir_node *node, conv_plan *plan, dl_diag *diag);

/* Emits x[b][c][ih][iw] as f32, 0 where (ih, iw) falls in the padding; i32 arguments. */
LLVMValueRef conv_load_input(kernel_builder *kb, const conv_plan *plan, LLVMValueRef b,
                             LLVMValueRef c, LLVMValueRef ih, LLVMValueRef iw);

/* One thread per output element looping over its window: for depthwise and other convs
 * whose groups have too few output channels to fill a GEMM tile. */
int conv_lower_direct(lower_context *ctx, const ir_node *node, const conv_plan *plan,
                      lower_result *out);

#endif
