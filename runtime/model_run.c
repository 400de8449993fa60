/* Running a model: place inputs, launch the schedule, fetch outputs; on host buffers
 * (synchronous) or on device buffers (enqueued on the model's stream). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/error.h"
#include "runtime/model.h"

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

int dlrt_model_launch_all(dlrt_model *model) {
  if (!dlrt_model_graph_usable(model))
    return dlrt_model_launch_each(model);
  int status = model->device->vtable->graph_launch(model->device);
  if (status)
    dlrt_error_append(" (the graph of program '%s')",
                      model->program->name ? model->program->name : "?");
  return status;
}

int dlrt_model_launch_each(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  for (uint32_t l = 0; l < program->launch_count; l++) {
    const dlrt_launch *launch = &program->launches[l];
    uint32_t first = model->launch_first_arg[l];
    for (uint32_t a = 0; a < launch->arg_count; a++) {
      const dlrt_arg *arg = &launch->args[a];
      if (arg->kind == DLRT_ARG_INPUT)
        model->arg_values[first + a] = model->input_addresses[arg->index] + arg->value;
      else if (arg->kind == DLRT_ARG_OUTPUT)
        model->arg_values[first + a] = model->output_addresses[arg->index] + arg->value;
    }
    dlrt_launch_geometry geometry;
    memcpy(geometry.grid, launch->grid, sizeof geometry.grid);
    memcpy(geometry.block, launch->block, sizeof geometry.block);
    uint64_t started = model->launch_ns ? now_ns() : 0;
    int status = model->sanitizer ? dlrt_model_sanitize_launch(model, l)
                                  : device->vtable->launch(device, model->launch_functions[l],
                                                           &geometry, &model->arg_params[first]);
    if (!status && model->launch_ns) {
      status = device->vtable->synchronize(device);
      model->launch_ns[l] += now_ns() - started;
    }
    if (status) {
      dlrt_error_append(" (launch %u of program '%s', kernel '%s')", l,
                        program->name ? program->name : "?", program->kernels[launch->kernel].name);
      return status;
    }
  }
  model->profiled_runs += model->launch_ns != NULL;
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_model_launch_times(const dlrt_model *model, const uint64_t **out_ns,
                                    uint64_t *out_runs) {
  if (!model || !out_ns || !out_runs)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_launch_times: NULL argument");
  if (!model->launch_ns)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_model_launch_times: the model was created without "
                      "dlrt_options.profile");
  *out_ns = model->launch_ns;
  *out_runs = model->profiled_runs;
  return DLRT_STATUS_OK;
}

static int check_buffers(const dlrt_model *model, const void *inputs, const void *outputs,
                         const char *call) {
  if (!model)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "%s: model is NULL", call);
  if ((model->program->input_count && !inputs) || (model->program->output_count && !outputs))
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: program '%s' has %u inputs and %u outputs; got a NULL array", call,
                      model->program->name ? model->program->name : "?",
                      model->program->input_count, model->program->output_count);
  return DLRT_STATUS_OK;
}

static int null_buffer(const dlrt_model *model, const char *call, const char *role,
                       const dlrt_tensor_desc *tensor) {
  return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "%s: %s '%s' of program '%s' is NULL", call, role,
                    tensor->name, model->program->name ? model->program->name : "?");
}

/* An input bound at compile time must hold that value in every run: the shapes it decided
 * are built into the program. `data` is the input's bytes in host memory. */
static int check_bound_value(const dlrt_model *model, uint32_t index, const void *data) {
  const dlrt_tensor_desc *tensor = &model->program->inputs[index];
  if (!tensor->bound_value || !model->input_bytes[index] ||
      memcmp(data, tensor->bound_value, model->input_bytes[index]) == 0)
    return DLRT_STATUS_OK;
  return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                    "input '%s' of program '%s' was bound to a value at compile time (the "
                    "shapes it decides are built in) and this run gives another value; "
                    "compile the model again with the new value",
                    tensor->name, model->program->name ? model->program->name : "?");
}

/* The same for an input in device memory: its bytes are copied back to compare them. */
static int check_bound_device_value(dlrt_model *model, uint32_t index, dlrt_device_ptr data) {
  if (!model->program->inputs[index].bound_value || !model->input_bytes[index])
    return DLRT_STATUS_OK;
  void *copy = malloc(model->input_bytes[index]);
  if (!copy)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "out of host memory checking a bound input");
  int status =
      model->device->vtable->copy_d2h(model->device, copy, data, model->input_bytes[index]);
  if (!status)
    status = model->device->vtable->synchronize(model->device);
  if (!status)
    status = check_bound_value(model, index, copy);
  free(copy);
  return status;
}

/* Waits for work already enqueued so staging state is clean, keeping the first error. */
static int drain_after_error(dlrt_model *model, int status) {
  char *message = strdup(dlrt_last_error());
  model->device->vtable->synchronize(model->device);
  if (message)
    dlrt_error(status, "%s", message);
  free(message);
  return status;
}

static int upload_inputs(dlrt_model *model, const void *const *inputs) {
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  for (uint32_t i = 0; i < program->input_count; i++) {
    const dlrt_tensor_desc *tensor = &program->inputs[i];
    if (!inputs[i] && model->input_bytes[i])
      return null_buffer(model, "dlrt_model_run", "input", tensor);
    int bound = check_bound_value(model, i, inputs[i]);
    if (bound)
      return bound;
    dlrt_device_ptr address;
    if (tensor->arena_offset != DLRT_BINDING)
      address = model->arena + tensor->arena_offset;
    else if (device->host_addressable)
      address = (dlrt_device_ptr)(uintptr_t)inputs[i];
    else
      address = model->input_buffers[i];
    if (address != (dlrt_device_ptr)(uintptr_t)inputs[i] && model->input_bytes[i]) {
      int status = device->vtable->copy_h2d(device, address, inputs[i], model->input_bytes[i]);
      if (status)
        return status;
    }
    model->input_addresses[i] = address;
  }
  return DLRT_STATUS_OK;
}

static int place_outputs(dlrt_model *model, void *const *outputs) {
  const dlrt_program *program = model->program;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    if (!outputs[i] && model->output_bytes[i])
      return null_buffer(model, "dlrt_model_run", "output", tensor);
    if (tensor->arena_offset != DLRT_BINDING)
      model->output_addresses[i] = model->arena + tensor->arena_offset;
    else if (model->device->host_addressable)
      model->output_addresses[i] = (dlrt_device_ptr)(uintptr_t)outputs[i];
    else
      model->output_addresses[i] = model->output_buffers[i];
  }
  return DLRT_STATUS_OK;
}

static int download_outputs(dlrt_model *model, void *const *outputs) {
  dlrt_device *device = model->device;
  for (uint32_t i = 0; i < model->program->output_count; i++) {
    if (model->output_addresses[i] == (dlrt_device_ptr)(uintptr_t)outputs[i] ||
        !model->output_bytes[i])
      continue;
    int status = device->vtable->copy_d2h(device, outputs[i], model->output_addresses[i],
                                          model->output_bytes[i]);
    if (status)
      return status;
  }
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_model_run(dlrt_model *model, const void *const *inputs, void *const *outputs) {
  int status = check_buffers(model, inputs, outputs, "dlrt_model_run");
  if (status)
    return status;
  status = place_outputs(model, outputs);
  if (!status)
    status = upload_inputs(model, inputs);
  if (!status && model->sanitizer)
    status = dlrt_model_sanitize_begin_run(model);
  if (!status)
    status = dlrt_model_index_check_begin(model);
  if (!status)
    status = dlrt_model_launch_all(model);
  if (model->sanitizer)
    dlrt_model_sanitize_end_run(model);
  if (!status)
    status = dlrt_model_index_check_fetch(model);
  if (!status)
    status = dlrt_model_output_dims_fetch(model);
  if (!status)
    status = download_outputs(model, outputs);
  if (status)
    return drain_after_error(model, status);
  status = model->device->vtable->synchronize(model->device);
  if (!status)
    status = dlrt_model_index_check_result(model);
  if (!status)
    status = dlrt_model_output_dims_result(model);
  if (!status)
    dlrt_error_clear();
  return status;
}

dlrt_status dlrt_model_run_device(dlrt_model *model, const uint64_t *inputs,
                                  const uint64_t *outputs) {
  int status = check_buffers(model, inputs, outputs, "dlrt_model_run_device");
  if (status)
    return status;
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  for (uint32_t i = 0; !status && i < program->input_count; i++) {
    const dlrt_tensor_desc *tensor = &program->inputs[i];
    if (!inputs[i] && model->input_bytes[i])
      return null_buffer(model, "dlrt_model_run_device", "input", tensor);
    status = check_bound_device_value(model, i, inputs[i]);
    if (status)
      return status;
    model->input_addresses[i] = inputs[i];
    if (tensor->arena_offset != DLRT_BINDING) {
      model->input_addresses[i] = model->arena + tensor->arena_offset;
      if (model->input_bytes[i])
        status = device->vtable->copy_d2d(device, model->input_addresses[i], inputs[i],
                                          model->input_bytes[i]);
    }
  }
  for (uint32_t i = 0; !status && i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    if (!outputs[i] && model->output_bytes[i])
      return null_buffer(model, "dlrt_model_run_device", "output", tensor);
    model->output_addresses[i] =
        tensor->arena_offset != DLRT_BINDING ? model->arena + tensor->arena_offset : outputs[i];
  }
  if (!status && model->sanitizer)
    status = dlrt_model_sanitize_begin_run(model);
  if (!status)
    status = dlrt_model_index_check_begin(model);
  if (!status)
    status = dlrt_model_launch_all(model);
  if (model->sanitizer)
    dlrt_model_sanitize_end_run(model);
  if (!status)
    status = dlrt_model_index_check_fetch(model);
  if (!status)
    status = dlrt_model_output_dims_fetch(model);
  for (uint32_t i = 0; !status && i < program->output_count; i++)
    if (program->outputs[i].arena_offset != DLRT_BINDING && model->output_bytes[i])
      status = device->vtable->copy_d2d(device, outputs[i], model->output_addresses[i],
                                        model->output_bytes[i]);
  return status;
}

dlrt_status dlrt_model_synchronize(dlrt_model *model) {
  if (!model)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_synchronize: model is NULL");
  int status = model->device->vtable->synchronize(model->device);
  if (!status)
    status = dlrt_model_index_check_result(model);
  return status ? status : dlrt_model_output_dims_result(model);
}
