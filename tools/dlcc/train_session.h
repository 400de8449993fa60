/* What `dlcc train` runs: the compiled training step and the compiled evaluation (the model
 * in inference form with the same trainable values as states, scored by the loss per
 * sample), each a libdlrt model with host buffers for its inputs and outputs. */
#ifndef DLCC_TOOLS_TRAIN_SESSION_H
#define DLCC_TOOLS_TRAIN_SESSION_H

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "ir/graph.h"
#include "tools/dlcc/train_data.h"
#include "tools/dlcc/train_options.h"

typedef struct train_program {
  ir_graph *graph; /* compiled: the program points into it */
  dl_compiled *compiled;
  const dlrt_program *program;
  dlrt_model *model;
  void **inputs;  /* one host buffer per program input */
  void **outputs; /* one host buffer per program output */
} train_program;

typedef struct train_session {
  train_program step; /* inputs: the model's, then labels; outputs: loss, the model output */
  train_program eval; /* inputs: the same; outputs: the loss per sample, the model output */
  train_slot slots[TRAIN_MAX_TENSORS]; /* the step's inputs, per sample */
  int num_slots;
  int64_t batch;
  int64_t step_state; /* index of the step counter among the step's states */
} train_session;

/* Loads the model with its batch dimension bound to --batch, builds, optimizes and compiles
 * the step and the evaluation, and creates both on the device; total_steps is what a cosine
 * schedule spans. A CLI exit code. */
int train_session_create(const train_options *options, int64_t total_steps, train_session *out,
                         dl_diag *diag);
/* Copies every state of the evaluation from the step's state of the same name. */
int train_session_sync_eval(train_session *session, dl_diag *diag);
/* Completed steps (the step counter state). */
int64_t train_session_steps_done(const train_session *session);
void train_session_destroy(train_session *session);

#endif
