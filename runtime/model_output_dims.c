/* Data-dependent output sizes: an output whose size depends on the data (NonZero, Unique, ...)
 * is allocated at its upper bound and its kernels write the run's actual dims into a record
 * in the arena; they are fetched after the launches and checked against the bounds. */
#include <stdlib.h>

#include "runtime/error.h"
#include "runtime/model.h"

static int data_dependent(const dlrt_tensor_desc *tensor) {
  return (tensor->flags & DLRT_TENSOR_DATA_DEPENDENT) != 0;
}

int dlrt_model_output_dims_create(dlrt_model *model) {
  const dlrt_program *program = model->program;
  uint64_t total = 0;
  for (uint32_t i = 0; i < program->output_count; i++)
    total += program->outputs[i].rank;
  model->output_dims = calloc(total + 1, sizeof *model->output_dims);
  model->output_dims_at = calloc(program->output_count + 1, sizeof *model->output_dims_at);
  if (!model->output_dims || !model->output_dims_at)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_create: out of host memory");
  uint64_t at = 0;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    model->output_dims_at[i] = at;
    for (uint32_t d = 0; d < tensor->rank; d++) /* until a run says otherwise: the bounds */
      model->output_dims[at + d] = tensor->dims[d];
    at += tensor->rank;
  }
  return DLRT_STATUS_OK;
}

int dlrt_model_output_dims_fetch(dlrt_model *model) {
  const dlrt_program *program = model->program;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    if (!data_dependent(tensor) || !tensor->rank)
      continue;
    int status = model->device->vtable->copy_d2h(
        model->device, &model->output_dims[model->output_dims_at[i]],
        model->arena + tensor->dims_offset, tensor->rank * sizeof(int64_t));
    if (status)
      return status;
  }
  return DLRT_STATUS_OK;
}

int dlrt_model_output_dims_result(dlrt_model *model) {
  const dlrt_program *program = model->program;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    const int64_t *dims = &model->output_dims[model->output_dims_at[i]];
    for (uint32_t d = 0; data_dependent(tensor) && d < tensor->rank; d++)
      if (dims[d] < 0 || dims[d] > tensor->dims[d])
        return dlrt_error(DLRT_STATUS_INTERNAL,
                          "output '%s' of program '%s': its kernels wrote dim %u = %lld, outside "
                          "its bound [0, %lld] (a compiler bug)",
                          tensor->name, program->name ? program->name : "?", d, (long long)dims[d],
                          (long long)tensor->dims[d]);
  }
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_model_output_dims(const dlrt_model *model, uint32_t index,
                                   const int64_t **out_dims, uint32_t *out_rank) {
  if (!model || !out_dims || !out_rank)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_output_dims: NULL argument");
  if (index >= model->program->output_count)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_model_output_dims: output %u of program '%s', which has %u", index,
                      model->program->name ? model->program->name : "?",
                      model->program->output_count);
  *out_dims = &model->output_dims[model->output_dims_at[index]];
  *out_rank = model->program->outputs[index].rank;
  return DLRT_STATUS_OK;
}
