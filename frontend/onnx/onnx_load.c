/* Model loading: reads the file, unpacks the ModelProto, checks versions and opsets,
 * creates graph inputs and initializers, imports the nodes and marks the outputs. */
#include "onnx_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/infer.h"
#include "ir/limits.h"

/* IR versions: 3 introduced opset_import; newer ones than this are refused. */
enum { ONNX_MIN_IR_VERSION = 3, ONNX_MAX_IR_VERSION = 13 };

int onnx_error(onnx_import *import, const char *format, ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return dl_error(import->diag, "%s: %s", import->display_name, message);
}

static void release_model(void *model) { onnx__model_proto__free_unpacked(model, NULL); }

/* Finds the default-domain opset; other domains may be listed (nodes using them are
 * reported as unsupported later). */
static int read_opset(onnx_import *import, const Onnx__ModelProto *model) {
  import->opset = 0; /* none: only nodes of other domains, reported as unsupported */
  for (size_t i = 0; i < model->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *entry = model->opset_import[i];
    const char *domain = onnx_text(entry->domain);
    if (strcmp(domain, "") == 0 || strcmp(domain, "ai.onnx") == 0)
      import->opset = entry->has_version ? entry->version : -1;
  }
  if (import->opset != 0 && (import->opset < ONNX_MIN_OPSET || import->opset > ONNX_MAX_OPSET))
    return onnx_error(import,
                      "unsupported opset %lld (dlcc understands opsets %d to %d; "
                      "convert the model with onnx.version_converter)",
                      (long long)import->opset, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
  return 0;
}

/* Nodes of the default domain need its opset (checked after the support check, which
 * reports the nodes of other domains). */
static int check_default_opset(onnx_import *import) {
  bool uses_default = false;
  for (size_t i = 0; i < import->graph_proto->n_node; i++)
    uses_default |= onnx_is_default_domain(import->graph_proto->node[i]->domain);
  if (import->opset == 0 && uses_default)
    return onnx_error(import, "the model imports no version of the default ONNX opset "
                              "(opset_import has no entry for domain \"\")");
  return 0;
}

static int check_model(onnx_import *import, const Onnx__ModelProto *model) {
  /* Any byte string that happens to be valid protobuf (an empty file, say) unpacks. */
  if (!model->has_ir_version && !model->graph)
    return onnx_error(import, "not a valid ONNX model (no ir_version and no graph)");
  if (!model->has_ir_version || model->ir_version < ONNX_MIN_IR_VERSION)
    return onnx_error(import, "unsupported ONNX IR version %lld (dlcc needs %d or newer)",
                      (long long)model->ir_version, ONNX_MIN_IR_VERSION);
  if (model->ir_version > ONNX_MAX_IR_VERSION)
    return onnx_error(import, "unsupported ONNX IR version %lld (dlcc understands up to %d)",
                      (long long)model->ir_version, ONNX_MAX_IR_VERSION);
  if (!model->graph)
    return onnx_error(import, "the model has no graph");
  int64_t max_nodes = dl_limits_get()->max_nodes;
  if ((uint64_t)model->graph->n_node > (uint64_t)max_nodes)
    return onnx_error(import, "the graph has %zu nodes, more than the limit of %lld (--max-nodes "
                      "raises it)", model->graph->n_node, (long long)max_nodes);
  return read_opset(import, model);
}

static bool is_initializer(const Onnx__GraphProto *graph, const char *name) {
  for (size_t i = 0; i < graph->n_initializer; i++)
    if (strcmp(onnx_text(graph->initializer[i]->name), name) == 0)
      return true;
  return false;
}

static int import_initializers(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  if (graph->n_sparse_initializer > 0)
    return onnx_error(import, "unsupported: sparse initializers ('%s')",
                      onnx_text(graph->sparse_initializer[0]->values
                                    ? graph->sparse_initializer[0]->values->name
                                    : NULL));
  int status = 0;
  for (size_t i = 0; i < graph->n_initializer; i++) {
    const Onnx__TensorProto *tensor = graph->initializer[i];
    if (!tensor->name || !*tensor->name)
      status = onnx_error(import, "initializer %zu has no name", i);
    else if (!onnx_import_tensor(import, tensor, NULL))
      status = -1;
  }
  return status;
}

/* Graph inputs that are not initializers become graph parameters. */
static int import_inputs(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  int status = 0;
  for (size_t i = 0; i < graph->n_input; i++) {
    const Onnx__ValueInfoProto *info = graph->input[i];
    const char *name = onnx_text(info->name);
    if (!*name) {
      status = onnx_error(import, "graph input %zu has no name", i);
      continue;
    }
    if (is_initializer(graph, name))
      continue;
    ir_type type;
    if (onnx_value_type(import, info, &type) != 0) {
      status = -1;
      continue;
    }
    ir_value *input = ir_graph_add_input(import->graph, name, type);
    if (!input)
      status = onnx_error(import, "graph input '%s' is defined twice", name);
    else if (onnx_bind_input(import, input) != 0)
      status = -1;
  }
  return status == 0 ? onnx_check_input_values(import) : status;
}

/* The type the model declares for a value (`role`: "graph output", "value") must agree
 * with the inferred one: element type always, each dimension where both are numbers. An
 * output of a data-dependent op (NonZero, ...) is typed at its upper bound: a declared
 * dimension (the size of the case at hand) may be smaller. */
static int check_declared_type(onnx_import *import, const char *role,
                               const Onnx__ValueInfoProto *info, const ir_value *value) {
  const Onnx__TypeProto *type = info->type;
  if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !type->tensor_type)
    return 0;
  const Onnx__TypeProto__Tensor *tensor = type->tensor_type;
  char inferred[160];
  ir_format_type(import->graph, &value->type, inferred, sizeof(inferred));
  if (tensor->has_elem_type && tensor->elem_type != 0 &&
      ir_dtype_from_onnx(tensor->elem_type) != value->type.dtype)
    return onnx_error(import, "%s '%s' is declared with ONNX element type %d but computes %s", role,
                      value->name, (int)tensor->elem_type, inferred);
  if (!tensor->shape)
    return 0;
  bool agrees = (int)tensor->shape->n_dim == value->type.rank;
  bool bound = value->producer && ir_op_has_flag(value->producer->op, IR_OP_FLAG_DATA_DEPENDENT);
  for (size_t i = 0; agrees && i < tensor->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *dim = tensor->shape->dim[i];
    if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
        ir_dim_is_static(value->type.dims[i]) && dim->dim_value != value->type.dims[i] &&
        !(bound && dim->dim_value >= 0 && dim->dim_value <= value->type.dims[i]))
      agrees = false;
  }
  if (!agrees)
    return onnx_error(import,
                      "%s '%s' is declared with another shape (rank %zu) than the "
                      "%s it computes",
                      role, value->name, tensor->shape->n_dim, inferred);
  return 0;
}

static int mark_outputs(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  int status = 0;
  if (graph->n_output == 0)
    return onnx_error(import, "the graph has no outputs");
  for (size_t i = 0; i < graph->n_output; i++) {
    const char *name = onnx_text(graph->output[i]->name);
    ir_value *value = ir_graph_find_value(import->graph, name);
    if (!value)
      status = onnx_error(import, "graph output '%s' is not computed by any node", name);
    else if (check_declared_type(import, "graph output", graph->output[i], value) != 0)
      status = -1;
    else if (ir_graph_add_output(import->graph, value) != 0)
      status = onnx_error(import, "out of memory");
  }
  return status;
}

/* value_info entries cross-check the inferred types of intermediate values. */
static int check_value_infos(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  int status = 0;
  for (size_t i = 0; i < graph->n_value_info; i++) {
    const ir_value *value =
        ir_graph_find_value(import->graph, onnx_text(graph->value_info[i]->name));
    if (value && check_declared_type(import, "value", graph->value_info[i], value) != 0)
      status = -1;
  }
  return status;
}

static ir_graph *import_model(onnx_import *import, Onnx__ModelProto *model) {
  if (check_model(import, model) != 0) {
    onnx__model_proto__free_unpacked(model, NULL);
    return NULL;
  }
  const char *graph_name = onnx_text(model->graph->name);
  ir_graph *graph = ir_graph_create(*graph_name ? graph_name : "main");
  if (!graph)
    onnx__model_proto__free_unpacked(model, NULL);
  /* On failure ir_arena_adopt releases the model itself. */
  if (!graph || ir_arena_adopt(graph->arena, model, release_model) != 0) {
    ir_graph_destroy(graph);
    onnx_error(import, "out of memory");
    return NULL;
  }
  import->graph = graph;
  import->graph_proto = model->graph;
  graph->source_nodes = (int64_t)model->graph->n_node;
  if (onnx_check_dim_bindings(import) != 0 || onnx_check_support(import) != 0 ||
      check_default_opset(import) != 0 || import_initializers(import) != 0 ||
      import_inputs(import) != 0 || onnx_import_nodes(import) != 0 ||
      check_value_infos(import) != 0 || mark_outputs(import) != 0) {
    ir_graph_destroy(graph);
    return NULL;
  }
  return graph;
}

ir_graph *dl_onnx_import_memory(const void *data, size_t size, const char *display_name,
                                const char *base_dir, const dl_onnx_options *options,
                                dl_diag *diag) {
  onnx_import import = {
      .diag = diag,
      .display_name = display_name ? display_name : "<memory>",
      .base_dir = base_dir,
      .options = options,
  };
  if (onnx_wire_check(data, size, &onnx__model_proto__descriptor, import.display_name,
                      "ONNX model", diag) != 0)
    return NULL;
  Onnx__ModelProto *model = onnx__model_proto__unpack(NULL, size, data);
  if (!model) {
    onnx_error(&import, "not a valid ONNX model (protobuf parse failed)");
    return NULL;
  }
  return import_model(&import, model);
}

/* The folder holding `path` ("." for a bare file name), in malloc'ed memory. */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return strdup(".");
  if (slash == path)
    return strdup("/");
  return strndup(path, (size_t)(slash - path));
}

ir_graph *dl_onnx_import_file(const char *path, const dl_onnx_options *options, dl_diag *diag) {
  uint64_t size = 0;
  dl_file_id id;
  int fd = dl_input_open(path, dl_limits_get()->max_file_bytes, &size, &id, diag);
  if (fd < 0)
    return NULL;
  /* mmap of an empty file fails; an empty buffer still gets the parse error. */
  void *data = size ? mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0) : (void *)"";
  close(fd);
  if (data == MAP_FAILED) {
    dl_error(diag, "%s: cannot read: %s", path, strerror(errno));
    return NULL;
  }
  char *folder = folder_of(path);
  ir_graph *graph = NULL;
  if (!folder)
    dl_error(diag, "%s: out of memory", path);
  else
    graph = dl_onnx_import_memory(data, (size_t)size, path, folder, options, diag);
  free(folder);
  if (size)
    munmap(data, (size_t)size);
  if (graph && dl_file_set_add(&graph->source_files, id) != 0) {
    dl_error(diag, "%s: out of memory", path);
    ir_graph_destroy(graph);
    return NULL;
  }
  return graph;
}
