/* Accuracy and running totals (train_metrics.h). */
#include "tools/dlcc/train_metrics.h"

#include <math.h>
#include <string.h>

#include "codegen/program/dlrt_dtype.h"

static int64_t elements_after(const dlrt_tensor_desc *desc, uint32_t first_axis) {
  int64_t count = 1;
  for (uint32_t d = first_axis; d < desc->rank; d++)
    count *= desc->dims[d];
  return count;
}

/* Class scores [B, C, rest...] against indices [B, rest...]: the arg max over C. */
static void score_classes(train_totals *totals, const dlrt_tensor_desc *output_desc,
                          const void *output, const dlrt_tensor_desc *labels_desc,
                          const void *labels, int64_t samples) {
  if (output_desc->rank < 2)
    return;
  int64_t classes = output_desc->dims[1], rest = elements_after(output_desc, 2);
  if (elements_after(labels_desc, 1) != rest)
    return;
  ir_dtype out_type = dl_ir_dtype(output_desc->dtype), label_type = dl_ir_dtype(labels_desc->dtype);
  for (int64_t b = 0; b < samples; b++)
    for (int64_t r = 0; r < rest; r++) {
      int64_t best = 0;
      double best_score = -INFINITY;
      for (int64_t c = 0; c < classes; c++) {
        double score = ir_element_get_float(out_type, output, (b * classes + c) * rest + r);
        if (score > best_score) {
          best_score = score;
          best = c;
        }
      }
      int64_t label = ir_element_get_int(label_type, labels, b * rest + r);
      totals->correct += label == best;
      totals->scored++;
    }
}

/* Logits against 0/1 targets of the same shape: positive logit means class 1. */
static void score_binary(train_totals *totals, const dlrt_tensor_desc *output_desc,
                         const void *output, const dlrt_tensor_desc *labels_desc,
                         const void *labels, int64_t samples) {
  int64_t per_sample = elements_after(output_desc, 1);
  if (elements_after(labels_desc, 1) != per_sample)
    return;
  ir_dtype out_type = dl_ir_dtype(output_desc->dtype), label_type = dl_ir_dtype(labels_desc->dtype);
  for (int64_t i = 0; i < samples * per_sample; i++) {
    bool predicted = ir_element_get_float(out_type, output, i) > 0;
    bool actual = ir_element_get_float(label_type, labels, i) >= 0.5;
    totals->correct += predicted == actual;
    totals->scored++;
  }
}

void train_totals_score(train_totals *totals, const char *loss, const dlrt_tensor_desc *output_desc,
                        const void *output, const dlrt_tensor_desc *labels_desc,
                        const void *labels, int64_t samples) {
  if (!strcmp(loss, "cross-entropy") || !strcmp(loss, "nll"))
    score_classes(totals, output_desc, output, labels_desc, labels, samples);
  else if (!strcmp(loss, "bce-with-logits"))
    score_binary(totals, output_desc, output, labels_desc, labels, samples);
}

double train_totals_loss(const train_totals *totals) {
  return totals->losses ? totals->loss_sum / (double)totals->losses : NAN;
}

double train_totals_accuracy(const train_totals *totals) {
  return totals->scored ? (double)totals->correct / (double)totals->scored : NAN;
}
