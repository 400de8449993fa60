/* Loading a model by its file extension, with bound inputs (see model_load.h). */
#include "tools/dlcc/model_load.h"

#include <stdio.h>
#include <string.h>

#include "frontend/onnx/onnx_import.h"
#include "frontend/text/text_parse.h"
#include "tools/dlcc/tensor_file.h"

/* An import binds at most the inputs of one run; each retry binds at least one more. */
enum { MAX_IMPORTS = CLI_MAX_MODEL_VALUES + 1 };

static bool has_extension(const char *path, const char *extension) {
  size_t length = strlen(path), extension_length = strlen(extension);
  return length > extension_length && strcmp(path + length - extension_length, extension) == 0;
}

/* The values being bound: read from "NAME=FILE" entries into `arena`. */
typedef struct bound_values {
  dl_onnx_input_value items[2 * CLI_MAX_MODEL_VALUES];
  int count;
  ir_arena *arena;
} bound_values;

static const char *file_for(const char *const *list, int count, const char *name) {
  size_t length = strlen(name);
  for (int i = 0; i < count; i++)
    if (strncmp(list[i], name, length) == 0 && list[i][length] == '=')
      return list[i] + length + 1;
  return NULL;
}

static int add_value(bound_values *values, const char *name, const char *file, dl_diag *diag) {
  if (values->count == (int)(sizeof(values->items) / sizeof(values->items[0])))
    return dl_error(diag, "too many bound inputs");
  dl_onnx_input_value *value = &values->items[values->count];
  int64_t bytes = 0;
  value->name = ir_arena_strdup(values->arena, name);
  if (!value->name)
    return dl_error(diag, "out of memory");
  if (cli_read_tensor_file(file, values->arena, &value->type, &value->data, &bytes, diag) != 0)
    return -1;
  values->count++;
  return 0;
}

static int add_bind_options(bound_values *values, const cli_model_source *source, dl_diag *diag) {
  for (int i = 0; i < source->num_binds; i++) {
    const char *bind = source->binds[i], *file = strchr(bind, '=') + 1;
    char name[512];
    if ((size_t)(file - bind) > sizeof(name))
      return dl_error(diag, "--bind %s: the input name is too long", bind);
    snprintf(name, (size_t)(file - bind), "%s", bind);
    if (add_value(values, name, file, diag) != 0)
      return -1;
  }
  return 0;
}

static bool is_bound(const bound_values *values, const char *name) {
  for (int i = 0; i < values->count; i++)
    if (strcmp(values->items[i].name, name) == 0)
      return true;
  return false;
}

/* After an import that needed the values of `wanted` graph inputs: binds those the run has
 * data for. 1 when every one of them is now bound (import again), 0 when not, -1 on error. */
static int bind_run_inputs(bound_values *values, const cli_model_source *source,
                           const dl_onnx_names *wanted, dl_diag *diag) {
  int added = 0;
  for (int i = 0; i < wanted->count; i++) {
    const char *name = wanted->names[i];
    const char *file = file_for(source->run_inputs, source->num_run_inputs, name);
    if (is_bound(values, name))
      continue;
    if (!file)
      return 0;
    if (add_value(values, name, file, diag) != 0)
      return -1;
    if (!source->quiet)
      fprintf(stderr,
              "dlcc: note: input '%s' decides shapes: compiling for its value in %s (what "
              "`dlcc compile --bind %s=%s` does)\n",
              name, file, name, file);
    added++;
  }
  return added > 0;
}

static ir_graph *load_onnx(const char *path, const cli_model_source *source, dl_diag *diag) {
  bound_values values = {.arena = ir_arena_create()};
  dl_onnx_names wanted = {0};
  ir_graph *graph = NULL;
  if (!values.arena) {
    dl_error(diag, "out of memory");
    return NULL;
  }
  if (add_bind_options(&values, source, diag) != 0)
    goto done;
  for (int attempt = 0; attempt < MAX_IMPORTS && !graph; attempt++) {
    dl_onnx_options options = {.dim_bindings = source->dims,
                               .num_dim_bindings = source->num_dims,
                               .input_values = values.items,
                               .num_input_values = values.count,
                               .shape_deciding_inputs = source->run_inputs ? &wanted : NULL,
                               .inference = source->inference};
    dl_diag attempt_diag;
    dl_diag_init(&attempt_diag);
    dl_onnx_names_free(&wanted);
    graph = dl_onnx_import_file(path, &options, &attempt_diag);
    int retry = graph || wanted.count == 0 ? 0 : bind_run_inputs(&values, source, &wanted, diag);
    if (!graph && retry <= 0)
      for (int i = 0; i < attempt_diag.count; i++)
        dl_error(diag, "%s", dl_diag_message(&attempt_diag, i));
    dl_diag_deinit(&attempt_diag);
    if (!graph && retry <= 0)
      break;
  }
  /* The graph copied the bound values; the file data goes with the arena. */
done:
  dl_onnx_names_free(&wanted);
  ir_arena_destroy(values.arena);
  return graph;
}

ir_graph *cli_load_model(const char *path, const cli_model_source *source, dl_diag *diag) {
  static const cli_model_source none = {0};
  if (!source)
    source = &none;
  if (has_extension(path, ".onnx"))
    return load_onnx(path, source, diag);
  if (has_extension(path, ".dlir")) {
    if (source->num_dims > 0) {
      dl_error(diag, "%s: --dim applies to ONNX models only (a .dlir file states its shapes)",
               path);
      return NULL;
    }
    if (source->num_binds > 0) {
      dl_error(diag,
               "%s: --bind applies to ONNX models only (a .dlir file binds inputs with "
               "`bind %%input = %%constant`)",
               path);
      return NULL;
    }
    return dl_text_parse_file(path, diag);
  }
  dl_error(diag, "%s: unknown model format: the file name must end in .onnx or .dlir", path);
  return NULL;
}
