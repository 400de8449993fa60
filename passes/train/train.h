/* Training builders: losses, optimizer updates, learning-rate schedules and gradient clipping
 * written as ordinary IR ops in a graph's body, so they infer, fuse, lower and run like any
 * graph. Semantics follow PyTorch (torch.nn losses, torch.optim, torch.optim.lr_scheduler,
 * torch.nn.utils.clip_grad_norm_); docs/training.md lists them. Each builder names its nodes
 * after `name` (or the builder's default) and reports bad input in `diag`, naming it. */
#ifndef DLCC_PASSES_TRAIN_TRAIN_H
#define DLCC_PASSES_TRAIN_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* ---- Losses ---- */

typedef enum dl_loss_kind {
  DL_LOSS_CROSS_ENTROPY,   /* softmax cross-entropy of logits [N,C,d...], int64 class labels */
  DL_LOSS_NLL,             /* negative log-likelihood of log-probabilities [N,C,d...] */
  DL_LOSS_MSE,             /* (output - labels)^2, labels of the output's type */
  DL_LOSS_L1,              /* |output - labels| */
  DL_LOSS_BCE_WITH_LOGITS, /* sigmoid + binary cross-entropy on logits, labels in [0, 1] */
} dl_loss_kind;

typedef enum dl_loss_reduction {
  DL_REDUCTION_MEAN,
  DL_REDUCTION_SUM,
  DL_REDUCTION_NONE, /* the loss per element: not a scalar, so not a training loss */
} dl_loss_reduction;

typedef struct dl_loss_options {
  dl_loss_kind kind;
  dl_loss_reduction reduction;
  /* Cross-entropy and nll: labels equal to it add nothing and do not count in the mean
   * (torch's default, -100, is what dl_loss_options_init sets). */
  int64_t ignore_index;
  /* Cross-entropy and nll: one weight per class (C), or NULL; the mean is then weighted:
   * sum(w[y] * loss) / sum(w[y]) over the labels not ignored. */
  const float *class_weights;
  int num_class_weights;
  /* Bce-with-logits: the weight of positive labels, one per class (the output's last axis)
   * or one for all, or NULL. */
  const float *pos_weight;
  int num_pos_weight;
  const char *name; /* base of the nodes' names; NULL: "loss" */
} dl_loss_options;

void dl_loss_options_init(dl_loss_options *options, dl_loss_kind kind);

/* The loss of `output` against `labels`: an f32 scalar for mean and sum (the output's dtype),
 * the per-element losses for none. NULL on error (labels of the wrong dtype or shape, weights
 * of the wrong count), with a message naming the values. */
ir_value *dl_build_loss(ir_graph *graph, const dl_loss_options *options, ir_value *output,
                        ir_value *labels, dl_diag *diag);

/* ---- Optimizers ---- */

typedef enum dl_optimizer_kind {
  DL_OPTIMIZER_SGD,   /* slots: velocity when momentum != 0 */
  DL_OPTIMIZER_ADAM,  /* slots: m (first moment), v (second moment) */
  DL_OPTIMIZER_ADAMW, /* Adam with decoupled weight decay */
} dl_optimizer_kind;

typedef struct dl_optimizer_options {
  dl_optimizer_kind kind;
  double weight_decay;          /* SGD and Adam: added to the gradient (L2); AdamW: decoupled */
  double momentum, dampening;   /* SGD */
  bool nesterov;                /* SGD: needs momentum > 0 and dampening 0 */
  double beta1, beta2, epsilon; /* Adam, AdamW */
} dl_optimizer_options;

/* torch.optim's defaults for `kind` (AdamW's weight decay 0.01, the others' 0). */
void dl_optimizer_options_init(dl_optimizer_options *options, dl_optimizer_kind kind);
/* Slots the optimizer keeps per weight (each of the weight's type, zero before the first
 * step): 0 or 1 for SGD, 2 for Adam and AdamW. */
int dl_optimizer_slot_count(const dl_optimizer_options *options);
/* The name of slot `index` ("velocity", "m", "v"), for state names. */
const char *dl_optimizer_slot_name(const dl_optimizer_options *options, int index);

/* One optimizer step for one weight: from the weight, its gradient (same type) and its slots,
 * the new weight and new slots. `lr` is an f32 scalar; `step` a scalar of f32 or an integer
 * type counting the steps taken before this one (0 on the first: Adam's bias correction uses
 * t = step + 1, SGD's first step seeds the velocity). Returns 0, or -1 with a message. */
int dl_build_optimizer_update(ir_graph *graph, const dl_optimizer_options *options, ir_value *lr,
                              ir_value *step, ir_value *weight, ir_value *grad,
                              ir_value *const *slots, ir_value **out_weight, ir_value **out_slots,
                              dl_diag *diag);

/* ---- Learning-rate schedules ---- */

typedef enum dl_schedule_kind {
  DL_SCHEDULE_CONSTANT,
  DL_SCHEDULE_STEP,   /* lr * gamma^floor(t / step_size) (StepLR) */
  DL_SCHEDULE_COSINE, /* min_lr + (lr - min_lr) * (1 + cos(pi * t / total_steps)) / 2, then
                         min_lr (CosineAnnealingLR, held at its end) */
} dl_schedule_kind;

typedef struct dl_schedule_options {
  dl_schedule_kind kind;
  double learning_rate;
  int64_t step_size;        /* step */
  double gamma;             /* step */
  int64_t total_steps;      /* cosine: steps after the warmup */
  double min_learning_rate; /* cosine */
  /* Linear warmup first (LinearLR from warmup_start_factor * lr to lr over warmup_steps; 0:
   * none), then the schedule above counting from the warmup's end (SequentialLR). */
  int64_t warmup_steps;
  double warmup_start_factor;
} dl_schedule_options;

/* Constant lr 1e-3, StepLR's gamma 0.1, LinearLR's start factor 1/3, no warmup. */
void dl_schedule_options_init(dl_schedule_options *options, dl_schedule_kind kind);

/* The learning rate at `step` (a scalar of f32 or an integer type: steps taken before this
 * one): an f32 scalar. NULL with a message on bad options. */
ir_value *dl_build_learning_rate(ir_graph *graph, const dl_schedule_options *options,
                                 ir_value *step, dl_diag *diag);

/* ---- Gradient clipping ---- */

/* torch.nn.utils.clip_grad_norm_: every gradient times min(1, max_norm / (norm + 1e-6)),
 * norm = sqrt of the sum of the gradients' squared 2-norms, summed in the order given.
 * `out` gets the n clipped gradients. Returns 0, or -1 with a message. */
int dl_build_clip_by_global_norm(ir_graph *graph, ir_value *const *grads, int n, float max_norm,
                                 ir_value **out, dl_diag *diag);

/* ---- The training step ---- */

typedef struct dl_train_options {
  dl_loss_options loss; /* reduction mean or sum */
  dl_optimizer_options optimizer;
  dl_schedule_options schedule;
  float clip_norm;    /* > 0: clip the gradients to this global norm; 0: no clipping */
  const char *output; /* the model output the loss reads (a graph output's name); NULL: output 0 */
  const char *labels; /* the name of the labels input; NULL: "labels" */
  /* Which weights train: float constants whose names match one of `trainable` (fnmatch
   * patterns; none given: every float constant of rank >= 1) and none of `frozen`, among those
   * the loss depends on through values (not through shapes only). */
  const char *const *trainable;
  int num_trainable;
  const char *const *frozen;
  int num_frozen;
} dl_train_options;

/* Cross-entropy with mean reduction, SGD, a constant learning rate of 1e-3, no clipping. */
void dl_train_options_init(dl_train_options *options);

/* Turns an inference graph (as imported: before the -O pipeline, which folds BatchNormalization
 * into convolutions) into one training step:
 *   - the trainable weights become states (same names, their data the initial values);
 *   - BatchNormalization normalizes with the batch's statistics, as torch's model.train(), and
 *     its running mean and variance become states blended with the batch's by its momentum
 *     (the variance unbiased, as torch's);
 *   - a graph input for the labels (int64 [N, d...] for cross-entropy and nll, else the
 *     output's type), the loss on the model output, its gradients (dl_autodiff), optional
 *     clipping, the learning rate from a step counter (an int64 state "train.step" from 0,
 *     plus one per run), and the optimizer's update of each weight and of its slots (states
 *     named WEIGHT.SLOT, zero at first);
 *   - graph outputs: the loss, then the model output it read.
 * Returns 0, or -1 with messages in `diag` (the graph is then left half rewritten). */
int dl_build_train_step(ir_graph *graph, const dl_train_options *options, dl_diag *diag);
/* The step counter's state name: steps completed (a checkpoint resumes from it). */
#define DL_TRAIN_STEP_STATE "train.step"

/* ---- Names (for command lines and messages) ---- */

const char *dl_loss_kind_name(dl_loss_kind kind); /* "cross-entropy", "nll", "mse", ... */
bool dl_loss_kind_from_name(const char *name, dl_loss_kind *out);
const char *dl_loss_reduction_name(dl_loss_reduction reduction); /* "mean", "sum", "none" */
bool dl_loss_reduction_from_name(const char *name, dl_loss_reduction *out);
const char *dl_optimizer_kind_name(dl_optimizer_kind kind); /* "sgd", "adam", "adamw" */
bool dl_optimizer_kind_from_name(const char *name, dl_optimizer_kind *out);
const char *dl_schedule_kind_name(dl_schedule_kind kind); /* "constant", "step", "cosine" */
bool dl_schedule_kind_from_name(const char *name, dl_schedule_kind *out);

#endif
