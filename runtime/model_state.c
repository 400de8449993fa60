/* A model's states (dlrt_program.states): they live in the model's own copy of the weights;
 * get and set copy one between that and host memory once the model's stream is idle. */
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/model.h"
#include "runtime/model_state.h"

uint32_t dlrt_model_state_count(const dlrt_model *model) {
  return model ? model->program->state_count : 0;
}

const dlrt_tensor_desc *dlrt_model_state_desc(const dlrt_model *model, uint32_t index) {
  if (!model || index >= model->program->state_count)
    return NULL;
  return &model->program->states[index];
}

int dlrt_model_state_check(const dlrt_model *model, uint32_t index, const void *buffer,
                           const char *call) {
  if (!model || !buffer)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "%s: NULL argument", call);
  if (index >= model->program->state_count)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "%s: state %u of program '%s', which has %u",
                      call, index, model->program->name ? model->program->name : "?",
                      model->program->state_count);
  return DLRT_STATUS_OK;
}

static dlrt_device_ptr state_address(const dlrt_model *model, uint32_t index) {
  return model->weights + model->program->states[index].arena_offset;
}

int dlrt_model_state_read(dlrt_model *model, uint32_t index, void *dst) {
  dlrt_device *device = model->device;
  uint64_t bytes = dlrt_tensor_bytes(&model->program->states[index]);
  int status = device->vtable->synchronize(device);
  if (!status && bytes)
    status = device->vtable->copy_d2h(device, dst, state_address(model, index), bytes);
  if (!status)
    status = device->vtable->synchronize(device);
  return status;
}

int dlrt_model_state_write(dlrt_model *model, uint32_t index, const void *src) {
  dlrt_device *device = model->device;
  uint64_t bytes = dlrt_tensor_bytes(&model->program->states[index]);
  int status = device->vtable->synchronize(device);
  if (!status && bytes)
    status = device->vtable->copy_h2d(device, state_address(model, index), src, bytes);
  if (!status) /* `src` may be freed as soon as this returns */
    status = device->vtable->synchronize(device);
  return status;
}

dlrt_status dlrt_model_get_state(dlrt_model *model, uint32_t index, void *dst) {
  int status = dlrt_model_state_check(model, index, dst, "dlrt_model_get_state");
  return status ? status : dlrt_model_state_read(model, index, dst);
}

dlrt_status dlrt_model_set_state(dlrt_model *model, uint32_t index, const void *src) {
  int status = dlrt_model_state_check(model, index, src, "dlrt_model_set_state");
  return status ? status : dlrt_model_state_write(model, index, src);
}
