/* Loading a model by its file extension: .onnx through the ONNX importer, .dlir through the
 * text IR parser. */
#ifndef DLCC_TOOLS_MODEL_LOAD_H
#define DLCC_TOOLS_MODEL_LOAD_H

#include "ir/diag.h"
#include "ir/graph.h"

/* `dims` are "NAME=VALUE" bindings of symbolic dimensions (ONNX models only). Returns NULL
 * after adding messages to `diag` (an unknown extension is an error too). */
ir_graph *cli_load_model(const char *path, const char *const *dims, int num_dims, dl_diag *diag);

#endif
