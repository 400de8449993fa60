/* From `dlcc train`'s command line to the training-step builder's options. */
#include "tools/dlcc/train_step_options.h"

#include <math.h>
#include <string.h>

/* Splits a comma list into items[] (pointing into text). */
static int split_patterns(const char *list, char *text, size_t size, const char **items,
                          int *count, const char *option, dl_diag *diag) {
  *count = 0;
  if (!list)
    return 0;
  if (strlen(list) >= size)
    return dl_error(diag, "%s: the pattern list is too long", option);
  strcpy(text, list);
  for (char *item = strtok(text, ","); item; item = strtok(NULL, ",")) {
    if (*count == TRAIN_MAX_PATTERNS)
      return dl_error(diag, "%s: more than %d patterns", option, TRAIN_MAX_PATTERNS);
    items[(*count)++] = item;
  }
  return 0;
}

int train_step_options_from_cli(const train_options *cli, int64_t steps, train_patterns *storage,
                                dl_train_options *out, dl_diag *diag) {
  dl_train_options_init(out);
  dl_loss_kind loss;
  dl_optimizer_kind optimizer;
  dl_schedule_kind schedule;
  if (!dl_loss_kind_from_name(cli->loss, &loss) ||
      !dl_optimizer_kind_from_name(cli->optimizer, &optimizer) ||
      !dl_schedule_kind_from_name(cli->schedule, &schedule))
    return dl_error(diag, "unknown loss, optimizer or schedule");
  dl_loss_options_init(&out->loss, loss);
  dl_optimizer_options_init(&out->optimizer, optimizer);
  out->optimizer.momentum = cli->momentum;
  out->optimizer.nesterov = cli->nesterov;
  out->optimizer.beta1 = cli->beta1;
  out->optimizer.beta2 = cli->beta2;
  out->optimizer.epsilon = cli->epsilon;
  if (!isnan(cli->weight_decay)) /* else the optimizer's default (AdamW's 0.01) */
    out->optimizer.weight_decay = cli->weight_decay;
  dl_schedule_options_init(&out->schedule, schedule);
  out->schedule.learning_rate = cli->lr;
  out->schedule.step_size = cli->step_size;
  out->schedule.gamma = cli->gamma;
  out->schedule.min_learning_rate = cli->min_lr;
  out->schedule.warmup_steps = cli->warmup;
  out->schedule.total_steps = steps > cli->warmup ? steps - cli->warmup : 1;
  out->clip_norm = (float)cli->clip_norm;
  out->output = cli->output;
  if (split_patterns(cli->trainable, storage->text[0], sizeof storage->text[0], storage->items[0],
                     &out->num_trainable, "--trainable", diag) != 0 ||
      split_patterns(cli->frozen, storage->text[1], sizeof storage->text[1], storage->items[1],
                     &out->num_frozen, "--frozen", diag) != 0)
    return -1;
  out->trainable = storage->items[0];
  out->frozen = storage->items[1];
  return 0;
}
