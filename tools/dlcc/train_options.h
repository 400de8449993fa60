/* Options of `dlcc train`. */
#ifndef DLCC_TOOLS_TRAIN_OPTIONS_H
#define DLCC_TOOLS_TRAIN_OPTIONS_H

#include <stdbool.h>

#include "tools/dlcc/model_source.h"
#include "tools/dlcc/run_options.h"

typedef struct train_options {
  const char *model_path;
  const char *data_dir; /* --data: DIR/<input>.npy and DIR/labels.npy */
  const char *val_dir;  /* --val: a held-out folder of the same form */
  double val_split;     /* --val-split: fraction of --data held out (default 0) */
  const char *loss;     /* cross-entropy (default), nll, mse, l1, bce-with-logits */
  const char *output;   /* --output: the model output the loss reads (default the first) */
  const char *optimizer; /* sgd (default), adam, adamw */
  double lr;             /* default 0.01 for sgd, 0.001 for adam and adamw */
  double momentum, beta1, beta2, epsilon, clip_norm;
  double weight_decay; /* NaN: the optimizer's default (0; AdamW 0.01) */
  bool nesterov;
  const char *schedule; /* constant (default), step, cosine */
  int step_size;        /* --step-size: steps between decays of the step schedule */
  double gamma;         /* --gamma: the step schedule's factor (default 0.1) */
  double min_lr;        /* --min-lr: where the cosine schedule ends (default 0) */
  int warmup;           /* --warmup: steps of linear warmup (default 0) */
  int steps;            /* --steps: the run's steps, for the cosine schedule (dlcc compile) */
  const char *trainable; /* comma list of name patterns (fnmatch); NULL: every float weight */
  const char *frozen;    /* comma list of name patterns kept fixed */
  int epochs;            /* default 1 */
  int batch;             /* default 32 */
  unsigned long long seed;
  const char *checkpoint; /* --checkpoint: written atomically after each epoch */
  const char *resume;     /* --resume: continue from this checkpoint */
  const char *plot;       /* --plot: loss and accuracy curves as SVG */
  const char *log;        /* --log: every step's loss as CSV (step,epoch,loss) */
  const char *export_path; /* -o: the trained model as ONNX */
  run_device device;
  const char *target; /* PTX target for the cuda device, default sm_80 */
  int opt_level;      /* default 2 */
  int threads;
  cli_model_source source; /* --dim (the batch dimension is bound to --batch by itself) */
  bool sanitize; /* checked kernels on the host device under libdlrt's sanitizer */
  bool quiet;
  bool help;
} train_options;

int train_options_parse(int argc, char **argv, train_options *out);

/* The training-step options (loss, optimizer, schedule, clipping, trainable weights) for
 * another command (`dlcc compile --train`): the defaults; one option at argv[*index] (1 taken,
 * 0 not one of them, -1 after reporting); and the defaults that depend on others (lr). */
void train_step_options_defaults(train_options *out);
int train_step_option_parse(const char *command, int argc, char **argv, int *index,
                            train_options *out);
void train_step_options_finish(train_options *out);

#endif
