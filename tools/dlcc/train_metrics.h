/* Scores of `dlcc train`: accuracy of a batch of model outputs against its labels, for the
 * losses where it means something (class scores against class indices, logits against 0/1
 * targets), and the running sums an epoch reports. */
#ifndef DLCC_TOOLS_TRAIN_METRICS_H
#define DLCC_TOOLS_TRAIN_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "dlrt.h"

typedef struct train_totals {
  double loss_sum;  /* sum of per-batch mean losses (or per-sample losses) */
  int64_t losses;   /* how many were summed */
  int64_t correct;  /* predictions that match their label */
  int64_t scored;   /* predictions scored (0: the loss has no accuracy) */
} train_totals;

/* Adds the first `samples` predictions of a batch: `output` (the model output, described by
 * `output_desc`: [batch, classes, ...] for class losses, any shape for bce-with-logits)
 * against `labels` (`labels_desc`). `loss` names the loss (train_options.loss). */
void train_totals_score(train_totals *totals, const char *loss, const dlrt_tensor_desc *output_desc,
                        const void *output, const dlrt_tensor_desc *labels_desc,
                        const void *labels, int64_t samples);
double train_totals_loss(const train_totals *totals);     /* mean; NaN when empty */
double train_totals_accuracy(const train_totals *totals); /* 0..1; NaN when not scored */

#endif
