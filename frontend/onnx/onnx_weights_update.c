/* New initializer values in an ONNX model (onnx_weights_update.h). */
#include "frontend/onnx/onnx_weights_update.h"

#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.pb-c.h"

static Onnx__TensorProto *find_initializer(Onnx__GraphProto *graph, const char *name) {
  for (size_t i = 0; i < graph->n_initializer; i++)
    if (graph->initializer[i]->name && strcmp(graph->initializer[i]->name, name) == 0)
      return graph->initializer[i];
  return NULL;
}

static int check_type(const Onnx__TensorProto *tensor, const dl_onnx_weight *weight,
                      const char *path, dl_diag *diag) {
  bool same = ir_dtype_from_onnx(tensor->data_type) == weight->type.dtype &&
              (int)tensor->n_dims == weight->type.rank;
  for (int d = 0; same && d < weight->type.rank; d++)
    same = tensor->dims[d] == weight->type.dims[d];
  if (same)
    return 0;
  char type[256];
  ir_type_format(&weight->type, NULL, type, sizeof type);
  return dl_error(diag, "%s: initializer '%s' has another type than the trained %s", path,
                  weight->name, type);
}

/* The tensor's data becomes `weight`'s raw bytes; `saved` keeps what protobuf-c owns, put
 * back before the model is freed. */
static void point_at(Onnx__TensorProto *tensor, const dl_onnx_weight *weight) {
  int64_t bytes = 0;
  ir_type_byte_size(&weight->type, &bytes);
  tensor->has_raw_data = 1;
  tensor->raw_data.data = (uint8_t *)weight->data; /* only read by the packer */
  tensor->raw_data.len = (size_t)bytes;
  tensor->n_float_data = tensor->n_int32_data = tensor->n_int64_data = 0;
  tensor->n_double_data = tensor->n_uint64_data = tensor->n_string_data = 0;
  tensor->n_external_data = 0;
  tensor->has_data_location = 0;
  tensor->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT;
}

/* Dropout in inference form: each Dropout of the main graph loses its training_mode input
 * (false when absent). `kept` gets every node's input count, put back before the free. */
static void drop_training_modes(Onnx__GraphProto *graph, size_t *kept) {
  for (size_t i = 0; i < graph->n_node; i++) {
    Onnx__NodeProto *node = graph->node[i];
    kept[i] = node->n_input;
    bool default_domain = !node->domain || !*node->domain || !strcmp(node->domain, "ai.onnx");
    if (default_domain && node->op_type && strcmp(node->op_type, "Dropout") == 0 &&
        node->n_input > 2)
      node->n_input = 2;
  }
}

int dl_onnx_replace_initializers(const uint8_t *bytes, size_t size, const char *path,
                                 const dl_onnx_weight *weights, int count, uint8_t **out_bytes,
                                 size_t *out_size, dl_diag *diag) {
  *out_bytes = NULL;
  *out_size = 0;
  Onnx__ModelProto *model = onnx__model_proto__unpack(NULL, size, bytes);
  if (!model || !model->graph) {
    if (model)
      onnx__model_proto__free_unpacked(model, NULL);
    return dl_error(diag, "%s: not a valid ONNX model", path);
  }
  Onnx__TensorProto **tensors = calloc((size_t)count + 1, sizeof *tensors);
  Onnx__TensorProto *saved = calloc((size_t)count + 1, sizeof *saved);
  size_t *input_counts = calloc(model->graph->n_node + 1, sizeof *input_counts);
  int status = tensors && saved && input_counts ? 0 : dl_error(diag, "out of memory");
  if (status == 0)
    drop_training_modes(model->graph, input_counts);
  for (int i = 0; status == 0 && i < count; i++) {
    tensors[i] = find_initializer(model->graph, weights[i].name);
    if (!tensors[i])
      status = dl_error(diag, "%s: has no initializer '%s' to hold the trained value", path,
                        weights[i].name);
    else if ((status = check_type(tensors[i], &weights[i], path, diag)) == 0) {
      saved[i] = *tensors[i];
      point_at(tensors[i], &weights[i]);
    }
  }
  if (status == 0) {
    *out_size = onnx__model_proto__get_packed_size(model);
    *out_bytes = malloc(*out_size ? *out_size : 1);
    if (*out_bytes)
      onnx__model_proto__pack(model, *out_bytes);
    else
      status = dl_error(diag, "out of memory");
  }
  for (int i = 0; tensors && i < count; i++)
    if (tensors[i] && saved[i].base.descriptor)
      *tensors[i] = saved[i];
  for (size_t i = 0; input_counts && i < model->graph->n_node; i++)
    model->graph->node[i]->n_input = input_counts[i];
  free(input_counts);
  free(tensors);
  free(saved);
  onnx__model_proto__free_unpacked(model, NULL);
  return status;
}
