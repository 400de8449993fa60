/* Parsing of `dlcc train` options: a table of the options that take a value. */
#include "tools/dlcc/train_options.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/dlcc/cli_args.h"

static int bad(const char *format, const char *argument) {
  return cli_bad_option("train", format, argument);
}

typedef enum value_kind { TEXT, COUNT, NUMBER } value_kind;

typedef struct value_option {
  const char *name;
  value_kind kind;
  size_t offset;
  const char *choices; /* TEXT: "a|b|c" of the allowed values, NULL: any non-empty text */
} value_option;

#define TEXT_OPTION(NAME, FIELD, CHOICES) {NAME, TEXT, offsetof(train_options, FIELD), CHOICES}
#define COUNT_OPTION(NAME, FIELD) {NAME, COUNT, offsetof(train_options, FIELD), NULL}
#define NUMBER_OPTION(NAME, FIELD) {NAME, NUMBER, offsetof(train_options, FIELD), NULL}

/* What the training step is: shared with dlcc compile --train. */
static const value_option STEP_OPTIONS[] = {
    TEXT_OPTION("--loss", loss, "cross-entropy|nll|mse|l1|bce-with-logits"),
    TEXT_OPTION("--output", output, NULL),
    TEXT_OPTION("--optimizer", optimizer, "sgd|adam|adamw"),
    NUMBER_OPTION("--lr", lr),
    NUMBER_OPTION("--momentum", momentum),
    NUMBER_OPTION("--weight-decay", weight_decay),
    NUMBER_OPTION("--beta1", beta1),
    NUMBER_OPTION("--beta2", beta2),
    NUMBER_OPTION("--eps", epsilon),
    NUMBER_OPTION("--clip-norm", clip_norm),
    TEXT_OPTION("--schedule", schedule, "constant|step|cosine"),
    COUNT_OPTION("--step-size", step_size),
    NUMBER_OPTION("--gamma", gamma),
    NUMBER_OPTION("--min-lr", min_lr),
    COUNT_OPTION("--warmup", warmup),
    TEXT_OPTION("--trainable", trainable, NULL),
    TEXT_OPTION("--frozen", frozen, NULL),
};

/* dlcc train's own. */
static const value_option RUN_OPTIONS[] = {
    TEXT_OPTION("--data", data_dir, NULL),
    TEXT_OPTION("--val", val_dir, NULL),
    NUMBER_OPTION("--val-split", val_split),
    COUNT_OPTION("--epochs", epochs),
    COUNT_OPTION("--batch", batch),
    TEXT_OPTION("--checkpoint", checkpoint, NULL),
    TEXT_OPTION("--resume", resume, NULL),
    TEXT_OPTION("--plot", plot, NULL),
    TEXT_OPTION("--log", log, NULL),
    TEXT_OPTION("--target", target, NULL),
    COUNT_OPTION("--threads", threads),
};

static bool is_choice(const char *value, const char *choices) {
  size_t length = strlen(value);
  for (const char *at = choices; at && *at;) {
    const char *end = strchr(at, '|');
    size_t size = end ? (size_t)(end - at) : strlen(at);
    if (size == length && strncmp(at, value, length) == 0)
      return true;
    at = end ? end + 1 : NULL;
  }
  return false;
}

static int set_value(const char *command, const value_option *option, const char *value,
                     train_options *out) {
  char *field = (char *)out + option->offset;
  char *end = NULL;
  switch (option->kind) {
  case TEXT:
    if (!*value)
      return cli_bad_option(command, "%s needs a value", option->name);
    if (option->choices && !is_choice(value, option->choices)) {
      char message[256];
      snprintf(message, sizeof message, "unknown %s '%s' (known: %s)", option->name, value,
               option->choices);
      return cli_bad_option(command, "%s", message);
    }
    *(const char **)field = value;
    return 0;
  case COUNT: {
    long count = strtol(value, &end, 10);
    if (end == value || *end || count < 0 || count > 100000000)
      return cli_bad_option(command, "bad count '%s'", value);
    *(int *)field = (int)count;
    return 0;
  }
  case NUMBER: {
    double number = strtod(value, &end);
    if (end == value || *end || !isfinite(number) || number < 0)
      return cli_bad_option(command, "bad number '%s' (a finite number, 0 or more)", value);
    *(double *)field = number;
    return 0;
  }
  }
  return -1;
}

static int parse_table(const char *command, const value_option *table, size_t count, int argc,
                       char **argv, int *index, train_options *out) {
  const char *value = NULL;
  for (size_t i = 0; i < count; i++) {
    int match = cli_long_value(command, table[i].name, argc, argv, index, &value);
    if (match != 0)
      return match < 0 || set_value(command, &table[i], value, out) != 0 ? -1 : 1;
  }
  return 0;
}

int train_step_option_parse(const char *command, int argc, char **argv, int *index,
                            train_options *out) {
  if (strcmp(argv[*index], "--nesterov") == 0) {
    out->nesterov = true;
    return 1;
  }
  if (strcmp(command, "train") != 0) {
    int match = parse_table(command, &(value_option)COUNT_OPTION("--steps", steps), 1, argc, argv,
                            index, out);
    if (match != 0)
      return match;
  }
  return parse_table(command, STEP_OPTIONS, sizeof STEP_OPTIONS / sizeof STEP_OPTIONS[0], argc,
                     argv, index, out);
}

static const cli_flag FLAGS[] = {
    {"--help", offsetof(train_options, help)},   {"-h", offsetof(train_options, help)},
    {"--quiet", offsetof(train_options, quiet)}, {"-q", offsetof(train_options, quiet)},
    {"--sanitize", offsetof(train_options, sanitize)},
};

static int parse_option(int argc, char **argv, int *index, void *options) {
  train_options *out = options;
  const char *argument = argv[*index], *value = NULL;
  int match;
  if (cli_common_option(argument, &out->opt_level, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out))
    return 0;
  if ((match = train_step_option_parse("train", argc, argv, index, out)) != 0 ||
      (match = parse_table("train", RUN_OPTIONS, sizeof RUN_OPTIONS / sizeof RUN_OPTIONS[0], argc,
                           argv, index, out)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = cli_long_value("train", "--seed", argc, argv, index, &value)) != 0) {
    char *end = NULL;
    out->seed = match > 0 ? strtoull(value, &end, 10) : 0;
    return match < 0 || end == value || *end ? bad("bad --seed '%s'", value ? value : "") : 0;
  }
  if ((match = cli_long_value("train", "--device", argc, argv, index, &value)) != 0) {
    if (match < 0)
      return -1;
    if (!is_choice(value, "host|cuda|auto"))
      return bad("unknown device '%s' (known: host, cuda, auto)", value);
    out->device = !strcmp(value, "host")   ? RUN_DEVICE_HOST
                  : !strcmp(value, "cuda") ? RUN_DEVICE_CUDA
                                           : RUN_DEVICE_AUTO;
    return 0;
  }
  if (!strcmp(argument, "-o") && *index + 1 < argc) {
    out->export_path = argv[++*index];
    return 0;
  }
  if ((match = cli_model_source_option("train", argc, argv, index, &out->source)) != 0)
    return match < 0 ? -1 : 0;
  return bad("unknown option '%s'", argument);
}

void train_step_options_defaults(train_options *out) {
  *out = (train_options){.loss = "cross-entropy",
                         .optimizer = "sgd",
                         .lr = NAN,
                         .weight_decay = NAN,
                         .beta1 = 0.9,
                         .beta2 = 0.999,
                         .epsilon = 1e-8,
                         .schedule = "constant",
                         .gamma = 0.1};
}

void train_step_options_finish(train_options *out) {
  if (isnan(out->lr))
    out->lr = strcmp(out->optimizer, "sgd") == 0 ? 0.01 : 0.001;
}

int train_options_parse(int argc, char **argv, train_options *out) {
  train_step_options_defaults(out);
  out->epochs = 1;
  out->batch = 32;
  out->target = "sm_80";
  out->opt_level = 2;
  if (cli_parse_arguments("train", argc, argv, parse_option, out, &out->model_path) != 0)
    return -1;
  if (out->help)
    return 0;
  if (!out->model_path)
    return bad("%s", "no model given: dlcc train MODEL.onnx --data=DIR");
  if (!out->data_dir)
    return bad("%s", "no --data=DIR given (DIR/<input>.npy and DIR/labels.npy)");
  if (out->batch < 1 || out->epochs < 1)
    return bad("%s", "--batch and --epochs must be at least 1");
  if (out->val_split >= 1)
    return bad("%s", "--val-split must be below 1");
  if (out->val_dir && out->val_split > 0)
    return bad("%s", "give --val=DIR or --val-split, not both");
  train_step_options_finish(out);
  if (out->sanitize && out->device == RUN_DEVICE_CUDA)
    return bad("%s", "--sanitize runs checked kernels on the host device: drop --device=cuda");
  if (out->sanitize)
    out->device = RUN_DEVICE_HOST;
  if (!strcmp(out->schedule, "step") && out->step_size < 1)
    return bad("%s", "--schedule=step needs --step-size=N (steps between decays)");
  out->source.quiet = out->quiet;
  return 0;
}
