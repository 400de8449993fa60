/* A model under the host sanitizer (dlrt_options.sanitize, $DLRT_SANITIZE=1): every launch
 * runs through dlrt_sanitizer_run with the extent of each pointer argument, and the arena,
 * counters (written: zeroed at creation), weights (read-only but for the states, which the
 * update copies write), inputs and outputs are tracked (initcheck starts over at every run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/model.h"

int dlrt_model_sanitize_requested(const dlrt_options *options) {
  const char *flag = getenv("DLRT_SANITIZE");
  return options->sanitize || (flag && *flag && strcmp(flag, "0") != 0);
}

static int check_checked_twins(const dlrt_program *program) {
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    if (!(kernel->flags & DLRT_KERNEL_CHECKED) ||
        !(kernel->host_fn || dlrt_host_kernel_lookup(kernel->name)))
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                        "program '%s': kernel '%s' has no checked host twin, which the "
                        "sanitizer needs: compile with dl_compile_options.sanitize (dlcc run "
                        "--sanitize)",
                        program->name ? program->name : "?", kernel->name);
  }
  return DLRT_STATUS_OK;
}

/* The weights are read-only but for the states, which the update copies write: each state
 * is a writable region of its own (named after it), the bytes around them read-only, so a
 * kernel that writes a constant is still caught in a training step. States that overlap (a
 * hand-made program) make the whole weights writable. */
static int track_weights(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_sanitizer *sanitizer = model->sanitizer;
  unsigned char *base = (unsigned char *)(uintptr_t)model->weights;
  uint32_t count = program->state_count;
  if (!program->weights_size)
    return 0;
  if (!count)
    return dlrt_sanitizer_track(sanitizer, base, program->weights_size, "the weights", 1, 1);
  const dlrt_tensor_desc **order = calloc(count, sizeof *order);
  if (!order)
    return -1;
  for (uint32_t i = 0; i < count; i++) { /* insertion sort by offset */
    uint32_t at = i;
    for (; at > 0 && order[at - 1]->arena_offset > program->states[i].arena_offset; at--)
      order[at] = order[at - 1];
    order[at] = &program->states[i];
  }
  int overlap = 0;
  for (uint32_t i = 1; i < count; i++)
    overlap |= order[i - 1]->arena_offset + dlrt_tensor_bytes(order[i - 1]) > order[i]->arena_offset;
  int status = 0;
  uint64_t at = 0;
  for (uint32_t i = 0; !overlap && !status && i < count; i++) {
    uint64_t start = order[i]->arena_offset, bytes = dlrt_tensor_bytes(order[i]);
    if (!bytes)
      continue;
    char name[192];
    snprintf(name, sizeof name, "state '%s' in the weights", order[i]->name);
    if (start > at)
      status = dlrt_sanitizer_track(sanitizer, base + at, start - at, "the weights", 1, 1);
    if (!status)
      status = dlrt_sanitizer_track(sanitizer, base + start, bytes, name, 1, 0);
    at = start + bytes;
  }
  free(order);
  if (overlap)
    return dlrt_sanitizer_track(sanitizer, base, program->weights_size, "the weights", 1, 0);
  if (!status && at < program->weights_size)
    status = dlrt_sanitizer_track(sanitizer, base + at, program->weights_size - at, "the weights",
                                  1, 1);
  return status;
}

int dlrt_model_sanitize_create(dlrt_model *model) {
  const dlrt_program *program = model->program;
  int status = check_checked_twins(program);
  if (status)
    return status;
  uint64_t arg_total = 0;
  for (uint32_t i = 0; i < program->launch_count; i++)
    arg_total += program->launches[i].arg_count;
  model->sanitizer = dlrt_sanitizer_create(NULL);
  model->sanitizer_args = calloc(arg_total + 1, sizeof *model->sanitizer_args);
  if (!model->sanitizer || !model->sanitizer_args)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "sanitizer: out of host memory");
  if ((program->arena_size &&
       dlrt_sanitizer_track(model->sanitizer, (void *)(uintptr_t)model->arena,
                            program->arena_size, "the arena", 0, 0) != 0) ||
      (program->counter_bytes &&
       dlrt_sanitizer_track(model->sanitizer, (void *)(uintptr_t)model->counters,
                            program->counter_bytes, "the counters", 1, 0) != 0) ||
      track_weights(model) != 0)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "sanitizer: out of host memory for shadow state");
  return DLRT_STATUS_OK;
}

/* Inputs count as written, outputs and the rest of the arena do not. */
int dlrt_model_sanitize_begin_run(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_sanitizer *sanitizer = model->sanitizer;
  dlrt_sanitizer_set_written(sanitizer, (void *)(uintptr_t)model->arena, program->arena_size, 0);
  int status = 0;
  for (uint32_t i = 0; i < program->input_count; i++) {
    void *address = (void *)(uintptr_t)model->input_addresses[i];
    if (program->inputs[i].arena_offset == DLRT_BINDING)
      status |= dlrt_sanitizer_track(sanitizer, address, model->input_bytes[i],
                                     program->inputs[i].name, 1, 0);
    else
      dlrt_sanitizer_set_written(sanitizer, address, model->input_bytes[i], 1);
  }
  for (uint32_t i = 0; i < program->output_count; i++)
    if (program->outputs[i].arena_offset == DLRT_BINDING)
      status |= dlrt_sanitizer_track(sanitizer, (void *)(uintptr_t)model->output_addresses[i],
                                     model->output_bytes[i], program->outputs[i].name, 0, 0);
  return status ? dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "sanitizer: out of host memory") : 0;
}

void dlrt_model_sanitize_end_run(dlrt_model *model) {
  const dlrt_program *program = model->program;
  for (uint32_t i = 0; i < program->input_count; i++)
    if (program->inputs[i].arena_offset == DLRT_BINDING)
      dlrt_sanitizer_untrack(model->sanitizer, (void *)(uintptr_t)model->input_addresses[i]);
  for (uint32_t i = 0; i < program->output_count; i++)
    if (program->outputs[i].arena_offset == DLRT_BINDING)
      dlrt_sanitizer_untrack(model->sanitizer, (void *)(uintptr_t)model->output_addresses[i]);
}

/* A bound tensor's extent from the argument's offset on (0: not a pointer). */
static uint64_t pointer_extent(const dlrt_model *model, const dlrt_arg *arg) {
  uint64_t whole = arg->kind == DLRT_ARG_ARENA    ? model->program->arena_size
                   : arg->kind == DLRT_ARG_WEIGHT ? model->program->weights_size
                   : arg->kind == DLRT_ARG_COUNTERS ? model->program->counter_bytes
                   : arg->kind == DLRT_ARG_INPUT  ? model->input_bytes[arg->index]
                   : arg->kind == DLRT_ARG_OUTPUT ? model->output_bytes[arg->index]
                                                  : 0;
  if (arg->bytes)
    return arg->bytes;
  return whole > arg->value ? whole - arg->value : 0;
}

int dlrt_model_sanitize_launch(dlrt_model *model, uint32_t index) {
  const dlrt_program *program = model->program;
  const dlrt_launch *launch = &program->launches[index];
  const dlrt_kernel *kernel = &program->kernels[launch->kernel];
  uint32_t first = model->launch_first_arg[index];
  dlrt_sanitizer_buffer *args = &model->sanitizer_args[first];
  for (uint32_t a = 0; a < launch->arg_count; a++) {
    uint64_t bytes = pointer_extent(model, &launch->args[a]);
    args[a] = (dlrt_sanitizer_buffer){bytes ? (const void *)(uintptr_t)model->arg_values[first + a]
                                            : NULL,
                                      bytes};
  }
  dlrt_sanitizer_launch checked = {
      .kernel = kernel->name,
      .fn = kernel->host_fn ? kernel->host_fn : dlrt_host_kernel_lookup(kernel->name),
      .params = &model->arg_params[first],
      .param_count = launch->arg_count,
      .args = args,
      .shared_bytes = kernel->shared_bytes,
      .scratch_bytes = kernel->scratch_bytes};
  memcpy(checked.grid, launch->grid, sizeof checked.grid);
  memcpy(checked.block, launch->block, sizeof checked.block);
  if (dlrt_sanitizer_run(model->sanitizer, &checked) < 0)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "sanitizer: out of host memory");
  return DLRT_STATUS_OK;
}

uint64_t dlrt_model_sanitizer_reports(const dlrt_model *model) {
  return model && model->sanitizer ? dlrt_sanitizer_report_total(model->sanitizer) : 0;
}
