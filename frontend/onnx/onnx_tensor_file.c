/* Standalone tensors: a serialized TensorProto file (.pb) read into caller-owned arena
 * memory, through the same checks as initializers. */
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ir/input_file.h"
#include "ir/limits.h"

static void release_tensor(void *tensor) { onnx__tensor_proto__free_unpacked(tensor, NULL); }

int dl_onnx_read_tensor_memory(const void *bytes, size_t size, const char *path, ir_arena *arena,
                               ir_type *out_type, const void **out_data, dl_diag *diag) {
  if (onnx_wire_check(bytes, size, &onnx__tensor_proto__descriptor, path, "ONNX tensor", diag) !=
      0)
    return -1;
  Onnx__TensorProto *tensor = onnx__tensor_proto__unpack(NULL, size, bytes);
  if (!tensor)
    return dl_error(diag, "%s: not a valid ONNX tensor (protobuf parse failed)", path);
  /* A scratch graph owns the conversions; the result is copied into the caller's arena. */
  ir_graph *scratch = ir_graph_create("tensor");
  if (!scratch || ir_arena_adopt(scratch->arena, tensor, release_tensor) != 0) {
    if (!scratch)
      release_tensor(tensor);
    ir_graph_destroy(scratch);
    return dl_error(diag, "%s: out of memory", path);
  }
  onnx_import import = {.graph = scratch, .diag = diag, .display_name = path};
  const char *name = tensor->name && *tensor->name ? tensor->name : "tensor";
  const void *data = NULL;
  int64_t bytes_needed = 0;
  int status = onnx_tensor_contents(&import, tensor, name, out_type, &data);
  if (status == 0) {
    ir_type_byte_size(out_type, &bytes_needed);
    void *copy = ir_arena_alloc(arena, bytes_needed ? (size_t)bytes_needed : 1);
    if (!copy)
      status = onnx_error(&import, "tensor '%s': out of memory", name);
    else if (bytes_needed)
      memcpy(copy, data, (size_t)bytes_needed);
    *out_data = copy;
  }
  ir_graph_destroy(scratch);
  return status;
}

int dl_onnx_read_tensor_file(const char *path, ir_arena *arena, ir_type *out_type,
                             const void **out_data, dl_diag *diag) {
  size_t size = 0;
  void *bytes = dl_input_read(path, dl_limits_get()->max_file_bytes, &size, NULL, diag);
  if (!bytes)
    return -1;
  int status = dl_onnx_read_tensor_memory(bytes, size, path, arena, out_type, out_data, diag);
  free(bytes);
  return status;
}
