/* The dlrt_model object shared by model creation and the run paths. */
#ifndef DLRT_RUNTIME_MODEL_H
#define DLRT_RUNTIME_MODEL_H

#include "dlrt/sanitizer.h"
#include "runtime/device.h"

struct dlrt_model {
  const dlrt_program *program;
  dlrt_device *device;
  dlrt_device_ptr arena;     /* 0 when the arena is empty */
  dlrt_device_ptr weights;   /* 0 when there are no weights */
  dlrt_device_ptr counters;  /* the program's counter region, zeroed at creation; 0: none */
  const void *weight_source; /* uploaded at creation: the program's weights or the app's */
  /* Device buffers of bound (non-arena) inputs/outputs for host-pointer runs on a device
   * that cannot address host memory; 0 elsewhere. */
  dlrt_device_ptr *input_buffers;
  dlrt_device_ptr *output_buffers;
  uint64_t *input_bytes;
  uint64_t *output_bytes;
  /* Where each input/output is during the current run. */
  dlrt_device_ptr *input_addresses;
  dlrt_device_ptr *output_addresses;
  /* Kernel parameters of every launch, flat: params[k] points at values[k]. */
  uint64_t *arg_values;
  void **arg_params;
  uint32_t *launch_first_arg;
  dlrt_device_function **launch_functions;
  /* dlrt_options.profile: wall nanoseconds of each launch summed over `profiled_runs`;
   * NULL without profiling. */
  uint64_t *launch_ns;
  uint64_t profiled_runs;
  /* Under the sanitizer (model_sanitize.c): launches run through it; NULL otherwise. */
  dlrt_sanitizer *sanitizer;
  dlrt_sanitizer_buffer *sanitizer_args; /* per argument, flat like arg_values */
  /* The index error word as fetched after the last run (programs with index checks). */
  uint32_t index_error;
  /* Each output's dims after the last run (model_output_dims.c): output i's are at
   * output_dims[output_dims_at[i]]; the program's dims until a run fetched actual ones. */
  int64_t *output_dims;
  uint64_t *output_dims_at;
  /* The launch list captured into a device graph (model_graph.c): graph_inputs/outputs are
   * the input and output addresses its arguments hold. graph 0: launched one by one. */
  int graph;
  dlrt_device_ptr *graph_inputs;
  dlrt_device_ptr *graph_outputs;
  char launch_info[448]; /* dlrt_model_launch_info */
};

/* Runs the schedule: one graph launch when the inputs and outputs are where the graph has
 * them, else dlrt_model_launch_each. */
int dlrt_model_launch_all(dlrt_model *model);
/* Fills the parameter values of launches that refer to inputs or outputs and launches the
 * whole schedule in order, one launch at a time. */
int dlrt_model_launch_each(dlrt_model *model);

/* model_graph.c: at the end of creation, captures the launches into a graph where the device
 * can (not while profiling) and writes launch_info; whether a run can replay it. */
int dlrt_model_graph_create(dlrt_model *model);
int dlrt_model_graph_usable(const dlrt_model *model);

/* model_index_check.c: clear the error word before the launches, fetch it after them (an
 * asynchronous copy), and after a synchronize turn a recorded site into the run's error. */
int dlrt_model_index_check_begin(dlrt_model *model);
int dlrt_model_index_check_fetch(dlrt_model *model);
int dlrt_model_index_check_result(dlrt_model *model);

/* model_output_dims.c: the dims table (at creation), the copy of the data-dependent outputs'
 * dims records after the launches (asynchronous), and their check after a synchronize. */
int dlrt_model_output_dims_create(dlrt_model *model);
int dlrt_model_output_dims_fetch(dlrt_model *model);
int dlrt_model_output_dims_result(dlrt_model *model);

/* model_sanitize.c */
int dlrt_model_sanitize_requested(const dlrt_options *options);
int dlrt_model_sanitize_create(dlrt_model *model); /* after the arena and weights exist */
int dlrt_model_sanitize_begin_run(dlrt_model *model); /* after the inputs are in place */
void dlrt_model_sanitize_end_run(dlrt_model *model);
int dlrt_model_sanitize_launch(dlrt_model *model, uint32_t index);

#endif
