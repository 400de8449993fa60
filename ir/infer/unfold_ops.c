/* Inference of the ops that scatter windows back into an image: Col2Im (columns of sliding
 * blocks summed into the image) and MaxUnpool (pooled maxima put back at their indices). */
#include "ir/infer/window.h"

/* Col2Im's geometry: image sizes (input 1), block sizes (input 2), dilations, pads, strides
 * of `rank` axes and the number of blocks along each. */
int ir_col2im_read(const ir_node *node, int64_t *image, int64_t *block, int64_t *dilations,
                   int64_t *pads, int64_t *strides, int64_t *blocks, int *out_rank, dl_diag *diag) {
  int rank = 0, block_rank = 0;
  if (ir_node_constant_ints(node, 1, image, IR_MAX_RANK - 2, &rank, diag) != 0 ||
      ir_node_constant_ints(node, 2, block, IR_MAX_RANK - 2, &block_rank, diag) != 0)
    return -1;
  if (rank < 1 || block_rank != rank)
    return ir_node_error(diag, node, "image_shape has %d values and block_shape %d", rank,
                         block_rank);
  struct {
    const char *name;
    int64_t *out;
    int count;
    int64_t fallback;
  } lists[] = {{"dilations", dilations, rank, 1},
               {"strides", strides, rank, 1},
               {"pads", pads, 2 * rank, 0}};
  for (int l = 0; l < 3; l++) {
    const int64_t *values = NULL;
    int count = -1;
    if (ir_attr_ints(node, lists[l].name, &values, &count, diag) != 0)
      return -1;
    if (count >= 0 && count != lists[l].count)
      return ir_node_error(diag, node, "attribute '%s' has %d values but needs %d", lists[l].name,
                           count, lists[l].count);
    for (int i = 0; i < lists[l].count; i++)
      lists[l].out[i] = count < 0 ? lists[l].fallback : values[i];
  }
  for (int d = 0; d < rank; d++) {
    int64_t extent = dilations[d] * (block[d] - 1) + 1;
    if (image[d] < 1 || block[d] < 1 || dilations[d] < 1 || strides[d] < 1 || pads[d] < 0 ||
        pads[rank + d] < 0 || image[d] + pads[d] + pads[rank + d] < extent)
      return ir_node_error(diag, node, "axis %d: image %lld, block %lld do not make blocks", d,
                           (long long)image[d], (long long)block[d]);
    blocks[d] = (image[d] + pads[d] + pads[rank + d] - extent) / strides[d] + 1;
  }
  *out_rank = rank;
  return 0;
}

/* Col2Im(input (N, C * prod(block), L), image_shape, block_shape) → (N, C, image...). */
int ir_infer_col2im(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t image[IR_MAX_RANK], block[IR_MAX_RANK], dilations[IR_MAX_RANK], strides[IR_MAX_RANK];
  int64_t pads[2 * IR_MAX_RANK], blocks[IR_MAX_RANK], kernel = 1, count = 1;
  int rank;
  if (ir_expect_rank(graph, node, 0, 3, 3, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 1, "Col2Im", diag) != 0 ||
      ir_col2im_read(node, image, block, dilations, pads, strides, blocks, &rank, diag) != 0)
    return -1;
  for (int d = 0; d < rank; d++)
    kernel *= block[d], count *= blocks[d];
  if (x->dims[1] % kernel != 0 || x->dims[2] != count)
    return ir_input_error(graph, diag, node, 0,
                          "Col2Im needs [N, C * %lld, %lld] for these image and block shapes",
                          (long long)kernel, (long long)count);
  int64_t dims[IR_MAX_RANK] = {x->dims[0], x->dims[1] / kernel};
  for (int d = 0; d < rank; d++)
    dims[2 + d] = image[d];
  return ir_set_output_type(node, 0, ir_type_make(x->dtype, rank + 2, dims), diag);
}

int ir_max_unpool_shape(const ir_node *node, int64_t *inferred, int64_t *out, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  ir_window window;
  if (ir_window_read(node, x->rank - 2, NULL, &window, diag) != 0)
    return -1;
  inferred[0] = x->dims[0], inferred[1] = x->dims[1];
  for (int d = 0; d < x->rank - 2; d++)
    inferred[2 + d] = (x->dims[2 + d] - 1) * window.strides[d] -
                      (window.pads[d] + window.pads[x->rank - 2 + d]) + window.kernel[d];
  for (int d = 0; d < x->rank; d++)
    out[d] = inferred[d];
  if (!ir_node_input(node, 2))
    return 0;
  int count = 0;
  if (ir_node_constant_ints(node, 2, out, IR_MAX_RANK, &count, diag) != 0)
    return -1;
  if (count != x->rank)
    return ir_node_error(diag, node, "output_shape has %d values for rank %d", count, x->rank);
  for (int d = 0; d < x->rank; d++)
    if (out[d] < inferred[d])
      return ir_node_error(diag, node, "output_shape[%d] = %lld is below the pooled size %lld", d,
                           (long long)out[d], (long long)inferred[d]);
  return 0;
}

/* MaxUnpool(X, I, output_shape?) → output_shape, or the size MaxPool came from. */
int ir_infer_max_unpool(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int64_t inferred[IR_MAX_RANK], dims[IR_MAX_RANK];
  if (ir_expect_rank(graph, node, 0, 3, IR_MAX_RANK, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "MaxUnpool", diag) != 0 ||
      ir_max_unpool_shape(node, inferred, dims, diag) != 0)
    return -1;
  if (indices->dtype != IR_DTYPE_I64 || indices->rank != x->rank)
    return ir_input_error(graph, diag, node, 1, "MaxUnpool needs i64 indices shaped like X");
  for (int d = 0; d < x->rank; d++)
    if (indices->dims[d] != x->dims[d])
      return ir_input_error(graph, diag, node, 1, "MaxUnpool needs i64 indices shaped like X");
  return ir_set_output_type(node, 0, ir_type_make(x->dtype, x->rank, dims), diag);
}
