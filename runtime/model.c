/* dlrt_model creation and destruction: check the program, pick the device, load kernels,
 * allocate the arena and the zeroed counters, upload the weights, prepare every launch's parameters and capture them
 * into a graph where the device has graphs. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/model.h"
#include "runtime/program_check.h"
#include "runtime/registry.h"
#include "runtime/weights.h"

/* The caller's options as this libdlrt's struct: members past its struct_size (an older
 * header) keep their defaults; members this libdlrt does not know must be zero. */
static int read_options(const dlrt_options *options, dlrt_options *out) {
  memset(out, 0, sizeof *out);
  if (!options)
    return DLRT_STATUS_OK;
  size_t size = options->struct_size ? options->struct_size : sizeof *out;
  if (size < offsetof(dlrt_options, device) + sizeof(int))
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_options.struct_size is %zu; initialize options with dlrt_options_init",
                      size);
  memcpy(out, options, size < sizeof *out ? size : sizeof *out);
  for (size_t i = sizeof *out; i < size; i++)
    if (((const unsigned char *)options)[i])
      return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                        "dlrt_options: a member this libdlrt does not know (struct of %zu bytes, "
                        "this libdlrt's has %zu) is set; use a newer libdlrt",
                        size, sizeof *out);
  return DLRT_STATUS_OK;
}

/* Every kernel has host code: its own twin, or one registered under its name. */
static int has_host_code(const dlrt_program *program) {
  for (uint32_t i = 0; i < program->kernel_count; i++)
    if (!program->kernels[i].host_fn && !dlrt_host_kernel_lookup(program->kernels[i].name))
      return 0;
  return 1;
}

/* DLRT_DEVICE_AUTO: $DLRT_DEVICE, else the devices the program can run on, cuda first. */
static int resolve_auto(const dlrt_program *program, int *out_device) {
  const char *forced = getenv("DLRT_DEVICE");
  if (forced && *forced && strcmp(forced, "auto") != 0) {
    if (strcmp(forced, "host") == 0)
      *out_device = DLRT_DEVICE_HOST;
    else if (strcmp(forced, "cuda") == 0)
      *out_device = DLRT_DEVICE_CUDA;
    else
      return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                        "DLRT_DEVICE is '%s'; use host, cuda or auto", forced);
    return DLRT_STATUS_OK;
  }
  int host = has_host_code(program);
  int cuda = program->module_count > 0 || program->kernel_count == 0;
  *out_device = cuda && host ? DLRT_DEVICE_AUTO : cuda ? DLRT_DEVICE_CUDA : DLRT_DEVICE_HOST;
  if (!cuda && !host)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s' has neither PTX nor host twins for all its kernels",
                      program->name ? program->name : "?");
  return DLRT_STATUS_OK;
}

static int create_device(const dlrt_options *options, uint64_t staging_hint,
                         dlrt_device **out_device) {
  switch (options->device) {
  case DLRT_DEVICE_HOST:
    return dlrt_host_device_create(options->host_threads, out_device);
  case DLRT_DEVICE_CUDA:
    return dlrt_cuda_device_create(options->device_ordinal, options->stream, staging_hint,
                                   out_device);
  case DLRT_DEVICE_AUTO: {
    int status =
        dlrt_cuda_device_create(options->device_ordinal, options->stream, staging_hint, out_device);
    if (status != DLRT_STATUS_NO_DEVICE)
      return status;
    return dlrt_host_device_create(options->host_threads, out_device);
  }
  default:
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_options.device is %d; use DLRT_DEVICE_AUTO, _HOST or _CUDA",
                      options->device);
  }
}

/* Host copies go through a staging buffer as large as the biggest side of a run. */
static uint64_t staging_hint_of(const dlrt_program *program) {
  uint64_t in = 0, out = 0;
  for (uint32_t i = 0; i < program->input_count; i++)
    in += (dlrt_tensor_bytes(&program->inputs[i]) + 255) & ~(uint64_t)255;
  for (uint32_t i = 0; i < program->output_count; i++)
    out += (dlrt_tensor_bytes(&program->outputs[i]) + 255) & ~(uint64_t)255;
  return in > out ? in : out;
}

static void release_host_twins(const dlrt_program *program, uint32_t count) {
  for (uint32_t i = 0; i < count; i++)
    if (program->kernels[i].host_fn)
      dlrt_registry_release(&program->kernels[i]);
}

static int register_host_twins(const dlrt_program *program) {
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    if (!program->kernels[i].host_fn)
      continue;
    int status = dlrt_registry_acquire(&program->kernels[i]);
    if (status) {
      release_host_twins(program, i);
      return status;
    }
  }
  return DLRT_STATUS_OK;
}

static int allocate_tables(dlrt_model *model, int profile) {
  const dlrt_program *program = model->program;
  uint64_t arg_total = 0;
  for (uint32_t i = 0; i < program->launch_count; i++)
    arg_total += program->launches[i].arg_count;
  size_t inputs = program->input_count + 1, outputs = program->output_count + 1;
  model->input_buffers = calloc(inputs, sizeof *model->input_buffers);
  model->output_buffers = calloc(outputs, sizeof *model->output_buffers);
  model->input_bytes = calloc(inputs, sizeof *model->input_bytes);
  model->output_bytes = calloc(outputs, sizeof *model->output_bytes);
  model->input_addresses = calloc(inputs, sizeof *model->input_addresses);
  model->output_addresses = calloc(outputs, sizeof *model->output_addresses);
  model->arg_values = calloc(arg_total + 1, sizeof *model->arg_values);
  model->arg_params = calloc(arg_total + 1, sizeof *model->arg_params);
  model->launch_first_arg = calloc(program->launch_count + 1, sizeof *model->launch_first_arg);
  model->launch_functions = calloc(program->launch_count + 1, sizeof *model->launch_functions);
  if (profile && !(model->launch_ns = calloc(program->launch_count + 1, sizeof *model->launch_ns)))
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_create: out of host memory");
  if (!model->input_buffers || !model->output_buffers || !model->input_bytes ||
      !model->output_bytes || !model->input_addresses || !model->output_addresses ||
      !model->arg_values || !model->arg_params || !model->launch_first_arg ||
      !model->launch_functions)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_create: out of host memory");
  return DLRT_STATUS_OK;
}

/* Fixed parameters now; input/output ones are filled by each run. */
static void prepare_params(dlrt_model *model) {
  const dlrt_program *program = model->program;
  uint32_t next = 0;
  for (uint32_t l = 0; l < program->launch_count; l++) {
    const dlrt_launch *launch = &program->launches[l];
    model->launch_first_arg[l] = next;
    for (uint32_t a = 0; a < launch->arg_count; a++, next++) {
      const dlrt_arg *arg = &launch->args[a];
      uint64_t value = arg->value;
      if (arg->kind == DLRT_ARG_ARENA)
        value += model->arena;
      else if (arg->kind == DLRT_ARG_WEIGHT)
        value += model->weights;
      else if (arg->kind == DLRT_ARG_COUNTERS)
        value += model->counters;
      model->arg_values[next] = value; /* little-endian: 32-bit scalars are the low bytes */
      model->arg_params[next] = &model->arg_values[next];
    }
  }
}

static int allocate_memory(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  int status = DLRT_STATUS_OK;
  if (program->arena_size)
    status = device->vtable->alloc(device, program->arena_size, &model->arena);
  /* Counters are zeroed once: every kernel that counts leaves them at 0 again. */
  if (!status && program->counter_bytes) {
    status = device->vtable->alloc(device, program->counter_bytes, &model->counters);
    if (!status)
      status = device->vtable->zero(device, model->counters, program->counter_bytes);
  }
  if (!status && program->weights_size) {
    status = device->vtable->alloc(device, program->weights_size, &model->weights);
    if (!status)
      status = device->vtable->copy_h2d(device, model->weights, model->weight_source,
                                        program->weights_size);
    if (!status)
      status = device->vtable->synchronize(device);
  }
  for (uint32_t i = 0; !status && i < program->input_count; i++) {
    model->input_bytes[i] = dlrt_tensor_bytes(&program->inputs[i]);
    if (!device->host_addressable && program->inputs[i].arena_offset == DLRT_BINDING)
      status = device->vtable->alloc(device, model->input_bytes[i], &model->input_buffers[i]);
  }
  for (uint32_t i = 0; !status && i < program->output_count; i++) {
    model->output_bytes[i] = dlrt_tensor_bytes(&program->outputs[i]);
    if (!device->host_addressable && program->outputs[i].arena_offset == DLRT_BINDING)
      status = device->vtable->alloc(device, model->output_bytes[i], &model->output_buffers[i]);
  }
  return status;
}

static int load_kernels(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  int status = device->vtable->module_load(device, program);
  for (uint32_t l = 0; !status && l < program->launch_count; l++)
    status = device->vtable->function_lookup(device, program->launches[l].kernel,
                                             &model->launch_functions[l]);
  return status;
}

dlrt_status dlrt_model_create(const dlrt_program *program, const dlrt_options *caller_options,
                              dlrt_model **out_model) {
  if (!out_model)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_create: out_model is NULL");
  *out_model = NULL;
  dlrt_options options;
  const void *weights = NULL;
  void *owned_weights = NULL; /* read from options.weights_path; freed once uploaded */
  int status = read_options(caller_options, &options);
  int sanitize = status == DLRT_STATUS_OK && dlrt_model_sanitize_requested(&options);
  if (sanitize && options.device == DLRT_DEVICE_AUTO)
    options.device = DLRT_DEVICE_HOST; /* the sanitizer runs host twins */
  if (sanitize && options.device != DLRT_DEVICE_HOST)
    status = dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                        "the sanitizer (dlrt_options.sanitize, $DLRT_SANITIZE) runs on the host "
                        "device only");
  if (status == DLRT_STATUS_OK)
    status = dlrt_program_check(program);
  if (status == DLRT_STATUS_OK)
    status = dlrt_weights_resolve(program, &options, &weights, &owned_weights);
  if (status == DLRT_STATUS_OK)
    status = register_host_twins(program);
  if (status == DLRT_STATUS_OK && options.device == DLRT_DEVICE_AUTO &&
      (status = resolve_auto(program, &options.device)) != DLRT_STATUS_OK)
    release_host_twins(program, program->kernel_count);
  if (status)
    return status;
  dlrt_model *model = calloc(1, sizeof *model);
  if (!model) {
    free(owned_weights);
    release_host_twins(program, program->kernel_count);
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_create: out of host memory");
  }
  model->program = program;
  model->weight_source = weights;
  status = allocate_tables(model, options.profile);
  if (!status)
    status = dlrt_model_output_dims_create(model);
  if (!status)
    status = create_device(&options, staging_hint_of(program), &model->device);
  if (!status)
    status = load_kernels(model);
  if (!status)
    status = allocate_memory(model);
  free(owned_weights);
  model->weight_source = NULL;
  if (!status && sanitize)
    status = dlrt_model_sanitize_create(model);
  if (!status) {
    prepare_params(model);
    status = dlrt_model_graph_create(model);
  }
  if (status) {
    /* Cleanup must not replace the message of the failure being reported. */
    char *message = strdup(dlrt_last_error());
    dlrt_model_destroy(model);
    dlrt_error(status, "%s", message ? message : "dlrt_model_create failed");
    free(message);
    return status;
  }
  dlrt_error_clear();
  *out_model = model;
  return DLRT_STATUS_OK;
}

static void free_buffers(dlrt_model *model, dlrt_device_ptr *buffers, uint32_t count) {
  for (uint32_t i = 0; buffers && i < count; i++)
    if (buffers[i])
      model->device->vtable->free(model->device, buffers[i]);
}

void dlrt_model_destroy(dlrt_model *model) {
  if (!model)
    return;
  if (model->device) {
    /* Work enqueued by dlrt_model_run_device may still use the buffers freed below. */
    model->device->vtable->synchronize(model->device);
    free_buffers(model, model->input_buffers, model->program->input_count);
    free_buffers(model, model->output_buffers, model->program->output_count);
    if (model->weights)
      model->device->vtable->free(model->device, model->weights);
    if (model->arena)
      model->device->vtable->free(model->device, model->arena);
    if (model->counters)
      model->device->vtable->free(model->device, model->counters);
    model->device->vtable->destroy(model->device);
  }
  free(model->input_buffers);
  free(model->output_buffers);
  free(model->input_bytes);
  free(model->output_bytes);
  free(model->input_addresses);
  free(model->output_addresses);
  free(model->arg_values);
  free(model->arg_params);
  free(model->launch_first_arg);
  free(model->launch_functions);
  free(model->launch_ns);
  free(model->output_dims);
  free(model->output_dims_at);
  free(model->graph_inputs);
  free(model->graph_outputs);
  dlrt_sanitizer_destroy(model->sanitizer);
  free(model->sanitizer_args);
  release_host_twins(model->program, model->program->kernel_count);
  free(model);
}

const char *dlrt_model_device_name(const dlrt_model *model) {
  return model && model->device ? model->device->name : "(no model)";
}

const char *dlrt_model_launch_info(const dlrt_model *model) {
  return model ? model->launch_info : "(no model)";
}

dlrt_device_kind dlrt_model_device_kind(const dlrt_model *model) {
  return model && model->device ? model->device->kind : DLRT_DEVICE_AUTO;
}
