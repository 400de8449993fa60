/* The curves and the trained model (train_export.h). */
#include "tools/dlcc/train_export.h"

#include <stdlib.h>
#include <string.h>

#include "codegen/program/dlrt_dtype.h"
#include "frontend/onnx/onnx_weights_update.h"
#include "ir/limits.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/output_file.h"

typedef struct plot_context {
  const train_options *options;
  const train_point *points;
  int count;
} plot_context;

static int write_plot(FILE *out, const char *path, void *context, dl_diag *diag) {
  (void)path;
  (void)diag;
  const plot_context *plot = context;
  train_plot_write(out, plot->options->model_path, plot->points, plot->count);
  return CLI_EXIT_OK;
}

static int input_files(const char *model_path, dl_file_set *files) {
  dl_file_id id;
  return dl_file_id_of(model_path, &id) ? dl_file_set_add(files, id) : 0;
}

int train_export_plot(const train_options *options, const train_point *points, int count,
                      dl_diag *diag) {
  dl_file_set files = {0};
  plot_context context = {options, points, count};
  int exit_code = input_files(options->model_path, &files) != 0
                      ? cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory")
                      : cli_write_output(options->plot, &files, write_plot, &context, diag);
  dl_file_set_deinit(&files);
  return exit_code;
}

typedef struct loss_log {
  int64_t first_step, steps_per_epoch, count;
  const double *losses;
} loss_log;

static int write_log(FILE *out, const char *path, void *context, dl_diag *diag) {
  (void)path;
  (void)diag;
  const loss_log *log = context;
  fputs("step,epoch,loss\n", out);
  for (int64_t i = 0; i < log->count; i++) {
    int64_t step = log->first_step + i;
    fprintf(out, "%lld,%lld,%.9g\n", (long long)(step + 1),
            (long long)(step / log->steps_per_epoch + 1), log->losses[i]);
  }
  return CLI_EXIT_OK;
}

int train_export_log(const train_options *options, int64_t first_step, int64_t steps_per_epoch,
                     const double *losses, int64_t count, dl_diag *diag) {
  dl_file_set files = {0};
  loss_log log = {first_step, steps_per_epoch, count, losses};
  int exit_code = input_files(options->model_path, &files) != 0
                      ? cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory")
                      : cli_write_output(options->log, &files, write_log, &log, diag);
  dl_file_set_deinit(&files);
  return exit_code;
}

typedef struct packed_model {
  const uint8_t *bytes;
  size_t size;
} packed_model;

static int write_bytes(FILE *out, const char *path, void *context, dl_diag *diag) {
  const packed_model *model = context;
  if (fwrite(model->bytes, 1, model->size, out) == model->size)
    return CLI_EXIT_OK;
  dl_error(diag, "%s: write failed", path ? path : "<stdout>");
  return CLI_EXIT_ENVIRONMENT;
}

/* The evaluation's states, read from the device into `weights` (buffers malloc'ed). */
static int read_states(train_session *session, dl_onnx_weight *weights, uint32_t count,
                       dl_diag *diag) {
  for (uint32_t i = 0; i < count; i++) {
    const dlrt_tensor_desc *desc = dlrt_model_state_desc(session->eval.model, i);
    ir_type type = {.dtype = dl_ir_dtype(desc->dtype), .rank = (int)desc->rank};
    for (uint32_t d = 0; d < desc->rank; d++)
      type.dims[d] = desc->dims[d];
    void *data = malloc((size_t)dlrt_tensor_bytes(desc) + 1);
    weights[i] = (dl_onnx_weight){.name = desc->name, .type = type, .data = data};
    if (!data || dlrt_model_get_state(session->eval.model, i, data) != DLRT_STATUS_OK)
      return dl_error(diag, "cannot read trained state '%s': %s", desc->name, dlrt_last_error());
  }
  return 0;
}

int train_export_onnx(const train_options *options, train_session *session, dl_diag *diag) {
  if (train_session_sync_eval(session, diag) != 0)
    return cli_fail(CLI_EXIT_ENVIRONMENT, diag, "cannot export the trained model");
  uint32_t count = dlrt_model_state_count(session->eval.model);
  dl_onnx_weight *weights = calloc(count + 1, sizeof *weights);
  size_t size = 0, packed_size = 0;
  uint8_t *packed = NULL;
  void *bytes = NULL;
  int exit_code = CLI_EXIT_ENVIRONMENT;
  bool reported = false; /* cli_write_output reports its own failures */
  if (!weights || read_states(session, weights, count, diag) != 0)
    goto done;
  exit_code = CLI_EXIT_BAD_INPUT;
  bytes = dl_input_read(options->model_path, dl_limits_get()->max_file_bytes, &size, NULL, diag);
  if (!bytes || dl_onnx_replace_initializers(bytes, size, options->model_path, weights,
                                             (int)count, &packed, &packed_size, diag) != 0)
    goto done;
  dl_file_set files = {0};
  packed_model model = {packed, packed_size};
  exit_code = input_files(options->model_path, &files) != 0
                  ? CLI_EXIT_ENVIRONMENT
                  : cli_write_output(options->export_path, &files, write_bytes, &model, diag);
  dl_file_set_deinit(&files);
  reported = true;
done:
  for (uint32_t i = 0; weights && i < count; i++)
    free((void *)weights[i].data);
  free(weights);
  free(bytes);
  free(packed);
  if (exit_code != CLI_EXIT_OK && !reported)
    return cli_fail(exit_code, diag, "cannot export the trained model to '%s'",
                    options->export_path);
  return exit_code;
}
