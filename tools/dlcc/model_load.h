/* Loading a model by its file extension: .onnx through the ONNX importer, .dlir through the
 * text IR parser. */
#ifndef DLCC_TOOLS_MODEL_LOAD_H
#define DLCC_TOOLS_MODEL_LOAD_H

#include "ir/diag.h"
#include "ir/graph.h"
#include "tools/dlcc/model_source.h"

/* Loads `path` with the dims and bound inputs of `source` (ONNX models only; NULL: none).
 * With source->run_inputs, graph inputs that decide shapes are bound to their run data and
 * the model imported again. Returns NULL after adding messages to `diag` (an unknown
 * extension is an error too). */
ir_graph *cli_load_model(const char *path, const cli_model_source *source, dl_diag *diag);

#endif
