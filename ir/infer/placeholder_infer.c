/* Temporary weak definitions so the op table links before every inference exists.
 * Each real definition in ir/infer/ overrides its stub; this file goes once all exist. */
#include "ir/infer.h"

__attribute__((weak)) int ir_infer_constant_of_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_group(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_range(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}

__attribute__((weak)) int ir_infer_shape(ir_graph *graph, ir_node *node, dl_diag *diag) {
  return ir_node_error(diag, node, "shape inference not implemented yet");
}
