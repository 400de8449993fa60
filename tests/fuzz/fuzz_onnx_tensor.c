/* libFuzzer target: a serialized ONNX TensorProto (a `.pb` input of dlcc run) read from
 * arbitrary bytes must give a tensor or a message, never a crash, leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "frontend/onnx/onnx_import.h"
#include "ir/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dl_diag diag;
  dl_diag_init(&diag);
  ir_arena *arena = ir_arena_create();
  ir_type type;
  const void *values = NULL;
  if (arena &&
      dl_onnx_read_tensor_memory(data, size, "fuzz.pb", arena, &type, &values, &diag) != 0 &&
      diag.count == 0)
    __builtin_trap(); /* a failure must always say why */
  ir_arena_destroy(arena);
  dl_diag_deinit(&diag);
  return 0;
}
