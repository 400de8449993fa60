/* One launch per run: at creation the model's static launch list is captured into a device
 * graph (cuda) with the inputs and outputs where dlrt_model_run puts them, so that a run is
 * its copies and one graph launch; and the line dlrt_model_launch_info reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/model.h"

/* The addresses dlrt_model_run gives inputs and outputs on a device that cannot address host
 * memory: their arena offset, or the model's own buffer of a bound tensor. */
static void place_as_runs_do(dlrt_model *model) {
  const dlrt_program *program = model->program;
  for (uint32_t i = 0; i < program->input_count; i++)
    model->input_addresses[i] = program->inputs[i].arena_offset != DLRT_BINDING
                                    ? model->arena + program->inputs[i].arena_offset
                                    : model->input_buffers[i];
  for (uint32_t i = 0; i < program->output_count; i++)
    model->output_addresses[i] = program->outputs[i].arena_offset != DLRT_BINDING
                                     ? model->arena + program->outputs[i].arena_offset
                                     : model->output_buffers[i];
}

static int enqueue_launches(void *model) { return dlrt_model_launch_each(model); }

static int capture(dlrt_model *model, char *reason, size_t reason_size) {
  const dlrt_program *program = model->program;
  model->graph_inputs = calloc(program->input_count + 1, sizeof *model->graph_inputs);
  model->graph_outputs = calloc(program->output_count + 1, sizeof *model->graph_outputs);
  if (!model->graph_inputs || !model->graph_outputs)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_create: out of host memory");
  place_as_runs_do(model);
  int captured = 0;
  int status = model->device->vtable->graph_capture(model->device, enqueue_launches, model,
                                                    &captured, reason, reason_size);
  if (status || !captured)
    return status;
  memcpy(model->graph_inputs, model->input_addresses,
         program->input_count * sizeof *model->graph_inputs);
  memcpy(model->graph_outputs, model->output_addresses,
         program->output_count * sizeof *model->graph_outputs);
  model->graph = 1;
  return DLRT_STATUS_OK;
}

int dlrt_model_graph_create(dlrt_model *model) {
  const dlrt_program *program = model->program;
  dlrt_device *device = model->device;
  char reason[192] = "";
  int status = DLRT_STATUS_OK;
  /* The host device has no graphs: it runs the launch list itself. */
  int has_graphs = device->vtable->graph_capture != NULL;
  if (has_graphs && model->launch_ns)
    snprintf(reason, sizeof reason, "profiling times each launch");
  else if (has_graphs && program->launch_count)
    status = capture(model, reason, sizeof reason);
  if (status)
    return status;
  if (model->graph)
    snprintf(model->launch_info, sizeof model->launch_info,
             "%s; one CUDA graph of %u launches per run", device->kernel_source,
             program->launch_count);
  else
    snprintf(model->launch_info, sizeof model->launch_info, "%s; %u %slaunches per run%s%s%s",
             device->kernel_source, program->launch_count,
             device->kind == DLRT_DEVICE_CUDA ? "kernel " : "",
             reason[0] ? " (no CUDA graph: " : "", reason, reason[0] ? ")" : "");
  return DLRT_STATUS_OK;
}

int dlrt_model_graph_usable(const dlrt_model *model) {
  const dlrt_program *program = model->program;
  return model->graph &&
         memcmp(model->graph_inputs, model->input_addresses,
                program->input_count * sizeof *model->graph_inputs) == 0 &&
         memcmp(model->graph_outputs, model->output_addresses,
                program->output_count * sizeof *model->graph_outputs) == 0;
}
