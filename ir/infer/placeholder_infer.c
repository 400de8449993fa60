/* Temporary weak definitions so the op table links before every inference exists.
 * Each real definition in ir/infer/ overrides its stub; this file goes once all exist. */
#include "ir/infer.h"

__attribute__((weak)) int ir_infer_concat(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_constant_of_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_expand(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_flatten(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_gather(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_group(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_pad(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_range(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_reshape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_slice(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_split(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_squeeze(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_transpose(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_unsqueeze(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}
