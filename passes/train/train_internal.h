/* What the training-step builder's files share. */
#ifndef DLCC_PASSES_TRAIN_TRAIN_INTERNAL_H
#define DLCC_PASSES_TRAIN_TRAIN_INTERNAL_H

#include "ir/build.h"
#include "ir/diag.h"
#include "ir/graph.h"

/* The training builders' way of building: names "<base>/<Op>" ("loss/Sub", "loss/Sub.1"),
 * messages "<base>: ...". */
static inline ir_builder dl_train_builder(ir_graph *graph, const char *base, dl_diag *diag) {
  return (ir_builder){.graph = graph, .base = base, .diag = diag, .op_names = true};
}

/* Whether the type is a one-element tensor (rank 0 or all dims 1). */
static inline bool dl_type_is_scalar(const ir_type *type) {
  for (int d = 0; d < type->rank; d++)
    if (type->dims[d] != 1)
      return false;
  return true;
}

/* Rewrites every BatchNormalization of the graph body to normalize with its batch's statistics
 * (batch_norm_train.c): elementwise ops and reductions in its place, its running mean and
 * variance constants turned into states with momentum updates. */
int dl_train_batch_norms(ir_graph *graph, dl_diag *diag);

#endif
