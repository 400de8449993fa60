/* Sliding-window geometry shared by Conv, ConvTranspose and the pools: reads kernel, strides,
 * dilations, pads and auto_pad, and computes output sizes with the resolved pads. */
#ifndef DLCC_IR_INFER_WINDOW_H
#define DLCC_IR_INFER_WINDOW_H

#include "ir/infer.h"

typedef struct ir_window {
  int spatial_rank;
  int64_t kernel[IR_MAX_RANK];
  int64_t strides[IR_MAX_RANK];
  int64_t dilations[IR_MAX_RANK];
  /* Begin pads of every axis, then end pads (ONNX order); resolved for SAME_* auto_pad. */
  int64_t pads[2 * IR_MAX_RANK];
  const char *auto_pad; /* "NOTSET", "SAME_UPPER", "SAME_LOWER" or "VALID" */
  bool ceil_mode;
} ir_window;

/* Reads the window attributes of `node` for `spatial_rank` axes. `kernel` (Conv: from
 * the weights) is used when kernel_shape is absent and must agree with it when present;
 * NULL makes kernel_shape required (pools). */
int ir_window_read(const ir_node *node, int spatial_rank, const int64_t *kernel, ir_window *out,
                   dl_diag *diag);
/* Computes the spatial output sizes for the spatial input sizes `input` (static) and
 * fills window->pads for SAME_* auto_pad. */
int ir_window_output(const ir_node *node, ir_window *window, const int64_t *input, int64_t *out,
                     dl_diag *diag);

/* ConvTranspose's window (pads resolved for auto_pad and output_shape) and spatial output
 * sizes, for its input 0 and weights (static). */
/* Conv's and ConvTranspose's X (rank >= 3, static from dim 1) and W (X's rank and float
 * type, static): 0, or -1 after a message naming the node. */
int ir_expect_conv_operands(ir_graph *graph, ir_node *node, dl_diag *diag);
int ir_conv_transpose_geometry(const ir_node *node, ir_window *window, int64_t *out, dl_diag *diag);

/* Col2Im's image and block sizes (its shape inputs), dilations, pads (begins, then ends),
 * strides and blocks a spatial axis; `*out_rank` spatial axes. */
int ir_col2im_read(const ir_node *node, int64_t *image, int64_t *block, int64_t *dilations,
                   int64_t *pads, int64_t *strides, int64_t *blocks, int *out_rank, dl_diag *diag);
/* MaxUnpool's unpooled shape (what MaxPool's window came from: the indices' space) and its
 * output shape (output_shape, input 2, at least as large; else the same). */
int ir_max_unpool_shape(const ir_node *node, int64_t *inferred, int64_t *out, dl_diag *diag);

/* DeformConv's window (2-D, kernel from the weights), group and offset_group, with every
 * input's shape checked against them. */
int ir_deform_conv_read(const ir_node *node, ir_window *window, int64_t *group,
                        int64_t *offset_group, dl_diag *diag);

#endif
