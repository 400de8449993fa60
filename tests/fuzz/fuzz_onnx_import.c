/* libFuzzer target: ONNX import of arbitrary bytes must give a graph or messages, never a
 * crash, leak or undefined behaviour. External data is refused (no model folder). */
#include <stddef.h>
#include <stdint.h>

#include "frontend/onnx/onnx_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dl_diag diag;
  dl_diag_init(&diag);
  diag.limit = 64;
  const char *bindings[] = {"batch=2"};
  dl_onnx_options options = {.dim_bindings = bindings, .num_dim_bindings = 1};
  ir_graph *graph = dl_onnx_import_memory(data, size, "fuzz.onnx", NULL, &options, &diag);
  if (!graph && diag.count == 0)
    __builtin_trap(); /* a failure must always say why */
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  return 0;
}
