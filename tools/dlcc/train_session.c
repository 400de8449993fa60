/* Building and running `dlcc train`'s two programs (train_session.h). */
#include "tools/dlcc/train_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/program/dlrt_dtype.h"
#include "ir/state.h"
#include "passes/train/train.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/cli_device.h"
#include "tools/dlcc/model_load.h"
#include "tools/dlcc/model_prepare.h"
#include "tools/dlcc/train_eval.h"
#include "tools/dlcc/train_step_options.h"

/* The model with its batch dimension (the first input's first) bound to the batch size; with
 * `inference`, its Dropouts off (the evaluation). */
static ir_graph *load_bound(const train_options *options, bool inference, dl_diag *diag) {
  cli_model_source source = options->source;
  source.inference = inference;
  ir_graph *graph = cli_load_model(options->model_path, &source, diag);
  if (!graph)
    return NULL;
  const ir_value *first = graph->body.num_params > 0 ? graph->body.params[0] : NULL;
  if (!first || first->type.rank == 0) {
    dl_error(diag, "%s: the model's first input needs a batch axis to train", options->model_path);
    ir_graph_destroy(graph);
    return NULL;
  }
  int64_t dim = first->type.dims[0];
  if (dim >= 0) {
    if (dim != options->batch) {
      dl_error(diag,
               "%s: input '%s' has a fixed batch of %lld: pass --batch %lld, or export the "
               "model with a dynamic batch axis",
               options->model_path, first->name, (long long)dim, (long long)dim);
      ir_graph_destroy(graph);
      return NULL;
    }
    return graph;
  }
  /* A symbolic batch: load again with it bound to --batch. */
  static char binding[320];
  snprintf(binding, sizeof binding, "%s=%d", graph->symbols[IR_DIM_SYMBOL(0) - dim],
           options->batch);
  if (source.num_dims == CLI_MAX_MODEL_VALUES) {
    dl_error(diag, "too many --dim bindings");
    ir_graph_destroy(graph);
    return NULL;
  }
  source.dims[source.num_dims++] = binding;
  ir_graph_destroy(graph);
  return cli_load_model(options->model_path, &source, diag);
}

/* Optimizes, compiles and creates `graph` (owned by `out` from here on) as `out`. */
static int build_program(const train_options *options, const char *what, ir_graph *graph,
                         train_program *out, dl_diag *diag) {
  int exit_code = cli_optimize_model(options->model_path, options->opt_level, DL_PRECISION_F32,
                                     graph, NULL, diag);
  if (exit_code != CLI_EXIT_OK) {
    ir_graph_destroy(graph);
    return exit_code;
  }
  int want_ptx = options->device == RUN_DEVICE_CUDA ||
                 (options->device == RUN_DEVICE_AUTO && cli_cuda_driver_present());
  const char *targets[1] = {options->target};
  dl_compile_options compile = {.name = graph->name,
                                .ptx_targets = targets,
                                .num_ptx_targets = want_ptx ? 1 : 0,
                                .host_twins = true,
                                .host_cpu = "native",
                                .opt_level = options->opt_level,
                                .sanitize = options->sanitize};
  out->graph = graph; /* the program's names and data point into it */
  out->compiled = dl_compile_graph(graph, &compile, diag);
  if (!out->compiled)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot compile the %s", options->model_path,
                    what);
  out->program = dl_compiled_program(out->compiled);
  dlrt_options runtime;
  dlrt_options_init(&runtime);
  runtime.device = cli_dlrt_device(options->device, want_ptx);
  runtime.host_threads = options->threads;
  runtime.sanitize = options->sanitize;
  if (dlrt_model_create(out->program, &runtime, &out->model) != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: cannot prepare the %s: %s",
                    options->model_path, what, dlrt_last_error());
  const dlrt_program *program = out->program;
  out->inputs = calloc(program->input_count + 1, sizeof(void *));
  out->outputs = calloc(program->output_count + 1, sizeof(void *));
  if (!out->inputs || !out->outputs)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  for (uint32_t i = 0; i < program->input_count; i++)
    if (!(out->inputs[i] = calloc(1, (size_t)dlrt_tensor_bytes(&program->inputs[i]) + 1)))
      return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  for (uint32_t i = 0; i < program->output_count; i++)
    if (!(out->outputs[i] = calloc(1, (size_t)dlrt_tensor_bytes(&program->outputs[i]) + 1)))
      return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  return CLI_EXIT_OK;
}

/* The step's inputs as data slots: element type and the dims after the batch axis. */
static int describe_slots(const train_options *options, train_session *session, dl_diag *diag) {
  const dlrt_program *program = session->step.program;
  if (program->input_count > TRAIN_MAX_TENSORS || program->input_count < 2)
    return dl_error(diag, "%s: the training step has %u inputs", options->model_path,
                    program->input_count);
  session->num_slots = (int)program->input_count;
  session->batch = program->inputs[0].rank ? program->inputs[0].dims[0] : 0;
  for (int i = 0; i < session->num_slots; i++) {
    const dlrt_tensor_desc *desc = &program->inputs[i];
    train_slot *slot = &session->slots[i];
    if (desc->rank < 1 || desc->dims[0] != session->batch)
      return dl_error(diag, "%s: input '%s' has no batch axis of %lld samples",
                      options->model_path, desc->name, (long long)session->batch);
    slot->name = desc->name;
    slot->dtype = dl_ir_dtype(desc->dtype);
    slot->rank = (int)desc->rank - 1;
    for (int d = 1; d < (int)desc->rank; d++)
      slot->dims[d - 1] = desc->dims[d];
  }
  return 0;
}

static int find_state(const dlrt_model *model, const char *name) {
  uint32_t count = dlrt_model_state_count(model);
  for (uint32_t i = 0; i < count; i++)
    if (strcmp(dlrt_model_state_desc(model, i)->name, name) == 0)
      return (int)i;
  return -1;
}

int train_session_create(const train_options *options, int64_t total_steps, train_session *out,
                         dl_diag *diag) {
  memset(out, 0, sizeof *out);
  dl_train_options step_options;
  train_patterns patterns;
  if (train_step_options_from_cli(options, total_steps, &patterns, &step_options, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "bad training options");
  ir_graph *step = load_bound(options, false, diag);
  if (!step)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot load model '%s'", options->model_path);
  ir_graph *eval = load_bound(options, true, diag);
  if (!eval) {
    ir_graph_destroy(step);
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot load model '%s'", options->model_path);
  }
  if (dl_build_train_step(step, &step_options, diag) != 0 ||
      train_build_eval(eval, step, &step_options, diag) != 0) {
    ir_graph_destroy(step);
    ir_graph_destroy(eval);
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot build the training step",
                    options->model_path);
  }
  int exit_code = build_program(options, "training step", step, &out->step, diag);
  if (exit_code == CLI_EXIT_OK)
    exit_code = build_program(options, "evaluation", eval, &out->eval, diag);
  else
    ir_graph_destroy(eval);
  if (exit_code != CLI_EXIT_OK)
    return exit_code;
  if (describe_slots(options, out, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot train '%s'", options->model_path);
  out->step_state = find_state(out->step.model, DL_TRAIN_STEP_STATE);
  if (out->step_state < 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, NULL, "%s: the training step keeps no step counter",
                    options->model_path);
  return CLI_EXIT_OK;
}

int train_session_sync_eval(train_session *session, dl_diag *diag) {
  uint32_t count = dlrt_model_state_count(session->eval.model);
  for (uint32_t i = 0; i < count; i++) {
    const dlrt_tensor_desc *desc = dlrt_model_state_desc(session->eval.model, i);
    int from = find_state(session->step.model, desc->name);
    if (from < 0)
      continue;
    size_t bytes = (size_t)dlrt_tensor_bytes(desc);
    void *buffer = malloc(bytes ? bytes : 1);
    int status = !buffer ? DLRT_STATUS_OUT_OF_MEMORY
                         : dlrt_model_get_state(session->step.model, (uint32_t)from, buffer);
    if (status == DLRT_STATUS_OK)
      status = dlrt_model_set_state(session->eval.model, i, buffer);
    free(buffer);
    if (status != DLRT_STATUS_OK)
      return dl_error(diag, "cannot copy state '%s' to the evaluation: %s", desc->name,
                      dlrt_last_error());
  }
  return 0;
}

int64_t train_session_steps_done(const train_session *session) {
  const dlrt_tensor_desc *desc = dlrt_model_state_desc(session->step.model,
                                                       (uint32_t)session->step_state);
  unsigned char value[8] = {0};
  if (!desc || dlrt_tensor_bytes(desc) > sizeof value ||
      dlrt_model_get_state(session->step.model, (uint32_t)session->step_state, value) !=
          DLRT_STATUS_OK)
    return -1;
  return (int64_t)ir_element_get_float(dl_ir_dtype(desc->dtype), value, 0);
}

static void free_program(train_program *program) {
  for (uint32_t i = 0; program->program && program->inputs && i < program->program->input_count;
       i++)
    free(program->inputs[i]);
  for (uint32_t i = 0;
       program->program && program->outputs && i < program->program->output_count; i++)
    free(program->outputs[i]);
  free(program->inputs);
  free(program->outputs);
  dlrt_model_destroy(program->model);
  dl_compiled_destroy(program->compiled);
  ir_graph_destroy(program->graph);
}

void train_session_destroy(train_session *session) {
  free_program(&session->step);
  free_program(&session->eval);
  memset(session, 0, sizeof *session);
}
