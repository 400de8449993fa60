/* What the training-step builder's files share. */
#ifndef DLCC_PASSES_TRAIN_TRAIN_INTERNAL_H
#define DLCC_PASSES_TRAIN_TRAIN_INTERNAL_H

#include "ir/diag.h"
#include "ir/graph.h"

/* Rewrites every BatchNormalization of the graph body to normalize with its batch's statistics
 * (batch_norm_train.c): elementwise ops and reductions in its place, its running mean and
 * variance constants turned into states with momentum updates. */
int dl_train_batch_norms(ir_graph *graph, dl_diag *diag);

#endif
