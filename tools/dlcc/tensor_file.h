/* Reading a tensor given on the command line: a .pb file (a serialized ONNX TensorProto, as
 * in ONNX test data) or, for any other name, a .npy file. */
#ifndef DLCC_TOOLS_TENSOR_FILE_H
#define DLCC_TOOLS_TENSOR_FILE_H

#include <stdint.h>

#include "ir/arena.h"
#include "ir/diag.h"
#include "ir/type.h"

/* Reads `path` into memory of `arena`: its type, little-endian element data and byte size.
 * 0, or -1 after a message naming the file. */
int cli_read_tensor_file(const char *path, ir_arena *arena, ir_type *type, const void **data,
                         int64_t *bytes, dl_diag *diag);

#endif
