/* ONNX import: reads an ONNX model (ModelProto) into the graph IR, converting older
 * opsets to the latest-opset form the IR uses and folding shape computations. */
#ifndef DLCC_FRONTEND_ONNX_IMPORT_H
#define DLCC_FRONTEND_ONNX_IMPORT_H

#include <stddef.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* The value a graph input is fixed to at compile time (ir_bound_input): `dlcc compile
 * --bind NAME=FILE`, or the data `dlcc run` was given for an input that decides shapes. */
typedef struct dl_onnx_input_value {
  const char *name; /* the graph input */
  ir_type type;     /* must be the input's declared type */
  const void *data; /* little-endian elements; copied into the graph */
} dl_onnx_input_value;

/* Names of graph inputs, malloc'ed (dl_onnx_names_free). */
typedef struct dl_onnx_names {
  char **names;
  int count;
  size_t capacity;
} dl_onnx_names;
void dl_onnx_names_free(dl_onnx_names *names);

typedef struct dl_onnx_options {
  const char *const *dim_bindings; /* "name=value" strings fixing symbolic dims (dim_param) */
  int num_dim_bindings;
  const dl_onnx_input_value *input_values; /* graph inputs to bind, each named at most once */
  int num_input_values;
  /* Not NULL: collects the graph inputs whose values decide a shape the import needs (an
   * input computed from them at run time decides an output's shape). The import still
   * fails; a caller that has their values binds them and imports again. */
  dl_onnx_names *shape_deciding_inputs;
  /* Every Dropout in inference form (an identity) whatever its training_mode, as torch's
   * model.eval() runs it: `dlcc train` scores its held-out set so. */
  bool inference;
} dl_onnx_options;

/* Imports the model at `path` (external data resolved against its folder). `options`
 * may be NULL. Returns NULL after adding messages naming the file to `diag`; every
 * unsupported node is listed before giving up. */
ir_graph *dl_onnx_import_file(const char *path, const dl_onnx_options *options, dl_diag *diag);

/* Imports a serialized model held in memory (not kept after the call). `display_name`
 * names the model in messages; `base_dir` is the folder external data is read from,
 * NULL to refuse models with external data. */
ir_graph *dl_onnx_import_memory(const void *data, size_t size, const char *display_name,
                                const char *base_dir, const dl_onnx_options *options,
                                dl_diag *diag);

/* Reads a serialized ONNX TensorProto (a .pb file as in ONNX test data, or an input given
 * to `dlcc run`) into memory of `arena`: its type and little-endian element data. Returns
 * 0, or -1 after adding a message naming the file. External data is refused. */
int dl_onnx_read_tensor_file(const char *path, ir_arena *arena, ir_type *out_type,
                             const void **out_data, dl_diag *diag);
/* The same from the serialized bytes in memory; `path` names them in messages. */
int dl_onnx_read_tensor_memory(const void *bytes, size_t size, const char *path, ir_arena *arena,
                               ir_type *out_type, const void **out_data, dl_diag *diag);

#endif
