/* What `dlcc train` writes at the end: the curves (--plot) and the trained model (-o), each
 * written whole or not at all, never over the model it read. */
#ifndef DLCC_TOOLS_TRAIN_EXPORT_H
#define DLCC_TOOLS_TRAIN_EXPORT_H

#include "ir/diag.h"
#include "tools/dlcc/train_options.h"
#include "tools/dlcc/train_plot.h"
#include "tools/dlcc/train_session.h"

/* A CLI exit code, after reporting a failure. */
int train_export_plot(const train_options *options, const train_point *points, int count,
                      dl_diag *diag);
/* The losses of `count` steps, the first being step first_step + 1 (after a resume). */
int train_export_log(const train_options *options, int64_t first_step, int64_t steps_per_epoch,
                     const double *losses, int64_t count, dl_diag *diag);
/* MODEL with every state of the evaluation (the trained weights and running statistics, as
 * the last step left them) in place of its initializer. */
int train_export_onnx(const train_options *options, train_session *session, dl_diag *diag);

#endif
