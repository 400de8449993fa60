/* `dlcc train`'s options as the training-step builder takes them (passes/train/train.h). */
#ifndef DLCC_TOOLS_TRAIN_STEP_OPTIONS_H
#define DLCC_TOOLS_TRAIN_STEP_OPTIONS_H

#include "ir/diag.h"
#include "passes/train/train.h"
#include "tools/dlcc/train_options.h"

enum { TRAIN_MAX_PATTERNS = 64 };

/* The builder's options; the pattern lists point into `storage` (kept by the caller while
 * `out` is used). 0, or -1 with a message (too many patterns). */
typedef struct train_patterns {
  char text[2][4096];
  const char *items[2][TRAIN_MAX_PATTERNS];
} train_patterns;

int train_step_options_from_cli(const train_options *cli, int64_t steps, train_patterns *storage,
                                dl_train_options *out, dl_diag *diag);

#endif
