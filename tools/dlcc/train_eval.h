/* The evaluation `dlcc train` scores held-out data with: the model in inference form, its
 * trained values as states (so they can be copied in from the training step), the loss per
 * element on the same output. */
#ifndef DLCC_TOOLS_TRAIN_EVAL_H
#define DLCC_TOOLS_TRAIN_EVAL_H

#include "ir/diag.h"
#include "ir/graph.h"
#include "passes/train/train.h"

/* Turns `graph` (the model as imported, like `step` was before dl_build_train_step) into the
 * evaluation: every constant named like a state of `step` becomes a state; a labels input of
 * the step's labels type; graph outputs the loss of `options` with reduction none, then the
 * model output it reads. 0, or -1 with a message. */
int train_build_eval(ir_graph *graph, const ir_graph *step, const dl_train_options *options,
                     dl_diag *diag);

#endif
