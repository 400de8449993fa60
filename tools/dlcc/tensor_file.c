/* Reading a tensor given on the command line (see tensor_file.h). */
#include "tools/dlcc/tensor_file.h"

#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_import.h"
#include "tools/dlcc/npy.h"

int cli_read_tensor_file(const char *path, ir_arena *arena, ir_type *type, const void **data,
                         int64_t *bytes, dl_diag *diag) {
  size_t length = strlen(path);
  if (length > 3 && strcmp(path + length - 3, ".pb") == 0) {
    if (dl_onnx_read_tensor_file(path, arena, type, data, diag) != 0)
      return -1;
  } else {
    npy_array array;
    if (npy_read(path, &array, diag) != 0)
      return -1;
    *type = array.type;
    *data = array.data;
    if (ir_arena_adopt(arena, array.data, free) != 0) /* releases the data on failure */
      return dl_error(diag, "out of memory");
  }
  if (!ir_type_byte_size(type, bytes))
    return dl_error(diag, "%s: tensor too large", path);
  return 0;
}
