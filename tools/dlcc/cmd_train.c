/* `dlcc train`: compiles a model's training step and runs it over .npy data for some epochs,
 * with a held-out evaluation, progress, checkpoints, curves and the trained model as ONNX. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlrt.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/train_data.h"
#include "tools/dlcc/train_export.h"
#include "tools/dlcc/train_metrics.h"
#include "tools/dlcc/train_options.h"
#include "tools/dlcc/train_plot.h"
#include "tools/dlcc/train_session.h"

void cmd_train_help(FILE *out) {
  fputs("usage: dlcc train MODEL --data=DIR [options]\n"
        "\n"
        "Compiles MODEL's training step (forward, loss, gradients, optimizer update) and\n"
        "runs it over the samples in DIR: DIR/<input>.npy for each model input and\n"
        "DIR/labels.npy, the first axis the sample (docs/training.md).\n"
        "\n"
        "data:\n"
        "  --data=DIR               training samples\n"
        "  --val=DIR                held-out samples of the same form\n"
        "  --val-split=F            hold out this fraction of --data instead (default 0)\n"
        "  --batch N                samples per step (default 32; a partial last batch of\n"
        "                           an epoch is left out)\n"
        "  --epochs N               passes over the data (default 1)\n"
        "  --seed N                 shuffles the samples (default 0)\n"
        "loss and optimizer:\n"
        "  --loss=cross-entropy|nll|mse|l1|bce-with-logits   (default cross-entropy)\n"
        "  --output=NAME            the model output the loss reads (default the first)\n"
        "  --optimizer=sgd|adam|adamw   (default sgd)\n"
        "  --lr=F                   learning rate (default 0.01 sgd, 0.001 adam/adamw)\n"
        "  --momentum=F --nesterov  SGD momentum (default 0)\n"
        "  --weight-decay=F         L2 (sgd, adam) or decoupled (adamw) weight decay\n"
        "                           (default 0, adamw 0.01)\n"
        "  --beta1=F --beta2=F --eps=F   Adam's (default 0.9, 0.999, 1e-8)\n"
        "  --clip-norm=F            clip gradients to this global norm (default: none)\n"
        "  --schedule=constant|step|cosine   learning-rate schedule over the steps\n"
        "  --step-size=N --gamma=F  step schedule: lr *= gamma every N steps\n"
        "  --min-lr=F               where the cosine schedule ends (default 0)\n"
        "  --warmup=N               linear warmup over the first N steps\n"
        "  --trainable=PATTERNS     comma list of weight names (fnmatch patterns) to train\n"
        "                           (default: every float weight)\n"
        "  --frozen=PATTERNS        weights to keep fixed\n"
        "outputs:\n"
        "  --checkpoint=FILE        save the training state after every epoch\n"
        "  --resume=FILE            continue from a checkpoint (bit-identical on the\n"
        "                           same device, data and options)\n"
        "  --plot=FILE.svg          loss and accuracy curves\n"
        "  --log=FILE.csv           every step's loss (columns step, epoch, loss)\n"
        "  -o FILE.onnx             the trained model (MODEL with the trained weights)\n"
        "device:\n"
        "  --device=host|cuda|auto  --target=sm_XX  --threads N  -O0..-O3 (default -O2)\n"
        "  --dim NAME=VALUE         fix a symbolic dimension (the batch one is --batch)\n"
        "  --sanitize               run checked kernels on the host device under the\n"
        "                           sanitizer (races, missing barriers, out-of-bounds and\n"
        "                           uninitialized reads): exit 3 on any report\n"
        "  -q, --quiet              print nothing but errors\n"
        "\n"
        "exit status: 0 ok, 1 bad options, model, data or checkpoint, 2 no device or a\n"
        "device error, 3 the sanitizer reported a problem\n",
        out);
}

typedef struct train_run {
  const train_options *options;
  train_session session;
  train_data data, held_out;
  int64_t steps_per_epoch;
  train_point *points;
  double *step_losses; /* this run's steps, in order, for --log */
  int64_t steps_logged;
  bool live; /* stderr is a terminal: the progress line is redrawn in place */
} train_run;

static const char *labels_of(train_program *program, int num_slots) {
  return program->inputs[num_slots - 1];
}

static void print_progress(const train_run *run, int epoch, int64_t step, const train_totals *totals,
                           double started) {
  const train_options *o = run->options;
  double elapsed = cli_seconds_now() - started, per_step = elapsed / (double)step;
  double rate = (double)(step * run->session.batch) / elapsed;
  double eta = per_step * (double)(run->steps_per_epoch - step);
  double accuracy = train_totals_accuracy(totals);
  char accuracy_text[32] = "";
  if (!isnan(accuracy))
    snprintf(accuracy_text, sizeof accuracy_text, "  acc %.1f%%", 100 * accuracy);
  fprintf(stderr, "%sepoch %d/%d  step %lld/%lld  loss %.4f%s  %.0f samples/s  ETA %.0f s%s",
          run->live ? "\r\033[K" : "", epoch + 1, o->epochs, (long long)step,
          (long long)run->steps_per_epoch, train_totals_loss(totals), accuracy_text, rate, eta,
          run->live ? "" : "\n");
  fflush(stderr);
}

/* One step on the batch starting at order[first]: 0, or a CLI exit code after reporting. */
static int train_step(train_run *run, const int64_t *order, int64_t first, train_totals *totals) {
  train_session *s = &run->session;
  train_data_gather(&run->data, order, first, s->batch, s->step.inputs);
  int status = dlrt_model_run(s->step.model, (const void *const *)s->step.inputs, s->step.outputs);
  if (status != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: training step failed: %s",
                    run->options->model_path, dlrt_last_error());
  double loss = *(const float *)s->step.outputs[0];
  if (run->step_losses)
    run->step_losses[run->steps_logged++] = loss;
  if (!isfinite(loss))
    return cli_fail(CLI_EXIT_BAD_INPUT, NULL,
                    "%s: the loss became %g at step %lld (lower --lr or use --clip-norm)",
                    run->options->model_path, loss, (long long)(first / s->batch + 1));
  totals->loss_sum += loss;
  totals->losses++;
  train_totals_score(totals, run->options->loss, &s->step.program->outputs[1], s->step.outputs[1],
                     &s->step.program->inputs[s->num_slots - 1], labels_of(&s->step, s->num_slots),
                     s->batch);
  return 0;
}

/* The held-out set through the evaluation, batch by batch; the last batch is filled up with
 * samples from the start and only its own samples count. */
static int evaluate(train_run *run, train_totals *totals) {
  train_session *s = &run->session;
  dl_diag diag;
  dl_diag_init(&diag);
  int status = train_session_sync_eval(s, &diag);
  if (status != 0) {
    cli_fail(CLI_EXIT_ENVIRONMENT, &diag, "%s: evaluation failed", run->options->model_path);
    dl_diag_deinit(&diag);
    return CLI_EXIT_ENVIRONMENT;
  }
  dl_diag_deinit(&diag);
  int64_t count = run->held_out.count;
  int64_t *order = malloc((size_t)(count + s->batch) * sizeof *order);
  if (!order)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  for (int64_t i = 0; i < count + s->batch; i++)
    order[i] = i % count;
  const dlrt_tensor_desc *loss_desc = &s->eval.program->outputs[0];
  int64_t per_sample = 1;
  for (uint32_t d = 1; d < loss_desc->rank; d++)
    per_sample *= loss_desc->dims[d];
  for (int64_t first = 0; first < count; first += s->batch) {
    int64_t samples = count - first < s->batch ? count - first : s->batch;
    train_data_gather(&run->held_out, order, first, s->batch, s->eval.inputs);
    if (dlrt_model_run(s->eval.model, (const void *const *)s->eval.inputs, s->eval.outputs) !=
        DLRT_STATUS_OK) {
      free(order);
      return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: evaluation failed: %s",
                      run->options->model_path, dlrt_last_error());
    }
    const float *losses = s->eval.outputs[0];
    for (int64_t i = 0; i < samples * per_sample; i++)
      totals->loss_sum += losses[i];
    totals->losses += samples * per_sample;
    train_totals_score(totals, run->options->loss, &s->eval.program->outputs[1],
                       s->eval.outputs[1], &s->eval.program->inputs[s->num_slots - 1],
                       labels_of(&s->eval, s->num_slots), samples);
  }
  free(order);
  return 0;
}

static void print_epoch(const train_run *run, int epoch, const train_point *point, double seconds,
                        int64_t samples) {
  printf("epoch %d/%d: loss %.4f", epoch + 1, run->options->epochs, point->train_loss);
  if (!isnan(point->train_accuracy))
    printf(" acc %.2f%%", 100 * point->train_accuracy);
  if (!isnan(point->val_loss)) {
    printf(" | held-out loss %.4f", point->val_loss);
    if (!isnan(point->val_accuracy))
      printf(" acc %.2f%%", 100 * point->val_accuracy);
  }
  printf(" | %.0f samples/s, %.1f s\n", (double)samples / seconds, seconds);
  fflush(stdout);
}

static int run_epoch(train_run *run, int epoch, int64_t first_step) {
  train_session *s = &run->session;
  int64_t *order = malloc((size_t)run->data.count * sizeof *order);
  if (!order)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  train_data_order(run->data.count, run->options->seed, epoch, order);
  train_totals totals = {0};
  double started = cli_seconds_now();
  int status = 0;
  for (int64_t step = first_step; step < run->steps_per_epoch && status == 0; step++) {
    status = train_step(run, order, step * s->batch, &totals);
    if (status == 0 && !run->options->quiet && (run->live || (step + 1) % 50 == 0 ||
                                                step + 1 == run->steps_per_epoch))
      print_progress(run, epoch, step + 1 - first_step, &totals, started);
  }
  free(order);
  if (status != 0)
    return status;
  if (run->live && !run->options->quiet)
    fputs("\r\033[K", stderr);
  double seconds = cli_seconds_now() - started;
  train_point *point = &run->points[epoch];
  point->train_loss = train_totals_loss(&totals);
  point->train_accuracy = train_totals_accuracy(&totals);
  point->val_loss = point->val_accuracy = NAN;
  if (run->held_out.count > 0) {
    train_totals held = {0};
    if ((status = evaluate(run, &held)) != 0)
      return status;
    point->val_loss = train_totals_loss(&held);
    point->val_accuracy = train_totals_accuracy(&held);
  }
  if (!run->options->quiet)
    print_epoch(run, epoch, point, seconds, (run->steps_per_epoch - first_step) * s->batch);
  if (run->options->checkpoint &&
      dlrt_model_save_state(s->step.model, run->options->checkpoint) != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "cannot write checkpoint: %s", dlrt_last_error());
  return 0;
}

static int load_data(train_run *run, dl_diag *diag) {
  const train_options *o = run->options;
  train_session *s = &run->session;
  if (train_data_load(o->data_dir, s->slots, s->num_slots, &run->data, diag) != 0)
    return -1;
  if (o->val_dir && train_data_load(o->val_dir, s->slots, s->num_slots, &run->held_out, diag) != 0)
    return -1;
  if (o->val_split > 0 && train_data_split(&run->data, o->val_split, o->seed, &run->held_out,
                                           diag) != 0)
    return -1;
  run->steps_per_epoch = run->data.count / s->batch;
  if (run->steps_per_epoch == 0)
    return dl_error(diag, "%s: %lld training samples, fewer than one batch of %lld (--batch)",
                    o->data_dir, (long long)run->data.count, (long long)s->batch);
  return 0;
}

static int train(train_run *run) {
  const train_options *o = run->options;
  train_session *s = &run->session;
  dl_diag diag;
  dl_diag_init(&diag);
  int exit_code = load_data(run, &diag) == 0 ? CLI_EXIT_OK
                                             : cli_fail(CLI_EXIT_BAD_INPUT, &diag, "bad data");
  if (exit_code == CLI_EXIT_OK && o->resume &&
      dlrt_model_load_state(s->step.model, o->resume) != DLRT_STATUS_OK)
    exit_code = cli_fail(CLI_EXIT_BAD_INPUT, NULL, "cannot resume: %s", dlrt_last_error());
  int64_t done = exit_code == CLI_EXIT_OK ? train_session_steps_done(s) : 0;
  if (exit_code == CLI_EXIT_OK && !o->quiet)
    printf("dlcc train: %s on %s: %lld samples (%lld held out), batch %lld, %lld steps an "
           "epoch%s\n",
           o->model_path, dlrt_model_device_name(s->step.model), (long long)run->data.count,
           (long long)run->held_out.count, (long long)s->batch, (long long)run->steps_per_epoch,
           o->resume ? ", resumed" : "");
  if (exit_code == CLI_EXIT_OK && !o->quiet) {
    const dl_compile_stats *stats = dl_compiled_stats(s->step.compiled);
    printf("  step: %d kernels, %d launches, %u states, arena %.1f KiB (live lower bound %.1f "
           "KiB), weights and states %.1f KiB\n",
           stats->kernel_count, stats->launch_count, s->step.program->state_count,
           (double)stats->arena_bytes / 1024, (double)stats->live_lower_bound / 1024,
           (double)s->step.program->weights_size / 1024);
  }
  run->points = calloc((size_t)o->epochs, sizeof *run->points);
  if (exit_code == CLI_EXIT_OK && o->log)
    run->step_losses = calloc((size_t)(run->steps_per_epoch * o->epochs) + 1, sizeof(double));
  if (exit_code == CLI_EXIT_OK && (!run->points || (o->log && !run->step_losses)))
    exit_code = cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "out of memory");
  int first_epoch = exit_code == CLI_EXIT_OK ? (int)(done / run->steps_per_epoch) : o->epochs;
  for (int e = 0; e < first_epoch && e < o->epochs && run->points; e++)
    run->points[e] = (train_point){NAN, NAN, NAN, NAN};
  for (int epoch = first_epoch; epoch < o->epochs && exit_code == CLI_EXIT_OK; epoch++)
    exit_code = run_epoch(run, epoch, epoch == first_epoch ? done % run->steps_per_epoch : 0);
  /* The log also when a step failed: it shows the steps up to the failure. */
  if (o->log && run->steps_logged > 0) {
    int log_exit = train_export_log(o, done, run->steps_per_epoch, run->step_losses,
                                    run->steps_logged, &diag);
    exit_code = exit_code == CLI_EXIT_OK ? log_exit : exit_code;
  }
  if (exit_code == CLI_EXIT_OK && o->plot)
    exit_code = train_export_plot(o, run->points, o->epochs, &diag);
  if (exit_code == CLI_EXIT_OK && o->export_path)
    exit_code = train_export_onnx(o, s, &diag);
  dl_diag_deinit(&diag);
  return exit_code;
}

int cmd_train_main(int argc, char **argv) {
  train_options options;
  if (train_options_parse(argc, argv, &options) != 0)
    return CLI_EXIT_BAD_INPUT;
  if (options.help) {
    cmd_train_help(stdout);
    return CLI_EXIT_OK;
  }
  if (options.device == RUN_DEVICE_CUDA && dlrt_cuda_probe(0) != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: no CUDA device: %s (use --device=host)",
                    options.model_path, dlrt_last_error());
  train_run run = {.options = &options, .live = isatty(STDERR_FILENO) != 0};
  dl_diag diag;
  dl_diag_init(&diag);
  int64_t samples = train_data_count(options.data_dir, &diag);
  int exit_code = samples < 0 ? cli_fail(CLI_EXIT_BAD_INPUT, &diag, "bad data") : CLI_EXIT_OK;
  int64_t total_steps = train_data_split_kept(samples, options.val_split) / options.batch *
                        options.epochs;
  if (exit_code == CLI_EXIT_OK)
    exit_code = train_session_create(&options, total_steps, &run.session, &diag);
  dl_diag_deinit(&diag);
  if (exit_code == CLI_EXIT_OK)
    exit_code = train(&run);
  uint64_t reports = dlrt_model_sanitizer_reports(run.session.step.model) +
                     dlrt_model_sanitizer_reports(run.session.eval.model);
  if (options.sanitize && !options.quiet)
    printf("sanitizer: %llu reports\n", (unsigned long long)reports);
  if (reports && exit_code == CLI_EXIT_OK)
    exit_code = cli_fail(CLI_EXIT_SANITIZER, NULL,
                         "%s: the sanitizer reported %llu kernel problems (above)",
                         options.model_path, (unsigned long long)reports);
  train_data_free(&run.data);
  train_data_free(&run.held_out);
  free(run.points);
  free(run.step_losses);
  train_session_destroy(&run.session);
  return exit_code;
}
