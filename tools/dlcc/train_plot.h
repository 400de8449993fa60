/* `dlcc train --plot=FILE.svg`: the loss and accuracy curves of a run, per epoch, drawn as a
 * self-contained SVG (two panels: loss, accuracy; training and held-out lines). */
#ifndef DLCC_TOOLS_TRAIN_PLOT_H
#define DLCC_TOOLS_TRAIN_PLOT_H

#include <stdbool.h>
#include <stdio.h>

/* One epoch's figures; NaN where there is none (no held-out set, a loss without accuracy). */
typedef struct train_point {
  double train_loss, val_loss, train_accuracy, val_accuracy;
} train_point;

/* Writes the SVG of `count` epochs (the first is epoch 1) to `out`. */
void train_plot_write(FILE *out, const char *title, const train_point *points, int count);

#endif
