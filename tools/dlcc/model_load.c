/* Loading a model by its file extension. */
#include "tools/dlcc/model_load.h"

#include <string.h>

#include "frontend/onnx/onnx_import.h"
#include "frontend/text/text_parse.h"

static bool has_extension(const char *path, const char *extension) {
  size_t length = strlen(path), extension_length = strlen(extension);
  return length > extension_length && strcmp(path + length - extension_length, extension) == 0;
}

ir_graph *cli_load_model(const char *path, const char *const *dims, int num_dims, dl_diag *diag) {
  if (has_extension(path, ".onnx")) {
    dl_onnx_options options = {.dim_bindings = dims, .num_dim_bindings = num_dims};
    return dl_onnx_import_file(path, &options, diag);
  }
  if (has_extension(path, ".dlir")) {
    if (num_dims > 0) {
      dl_error(diag, "%s: --dim applies to ONNX models only (a .dlir file states its shapes)",
               path);
      return NULL;
    }
    return dl_text_parse_file(path, diag);
  }
  dl_error(diag, "%s: unknown model format: the file name must end in .onnx or .dlir", path);
  return NULL;
}
