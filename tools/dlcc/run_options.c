/* Parsing of `dlcc run` options. */
#include "tools/dlcc/run_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/dlcc/cli_args.h"

static int bad(const char *format, const char *argument) {
  return cli_bad_option("run", format, argument);
}

static int parse_count(const char *text, const char *what, int minimum, int *out) {
  char *end;
  long value = strtol(text, &end, 10);
  if (end == text || *end || value < minimum || value > 1000000)
    return bad(what, text);
  *out = (int)value;
  return 0;
}

static const cli_flag FLAGS[] = {
    {"--help", offsetof(run_options, help)},       {"-h", offsetof(run_options, help)},
    {"--profile", offsetof(run_options, profile)}, {"--quiet", offsetof(run_options, quiet)},
    {"-q", offsetof(run_options, quiet)},          {"--sanitize", offsetof(run_options, sanitize)},
    {"--check-indices", offsetof(run_options, check_indices)},
};

static int parse_option(int argc, char **argv, int *index, void *options) {
  run_options *out = options;
  const char *argument = argv[*index], *value = NULL;
  int match, number;
  if (cli_common_option(argument, &out->opt_level, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out))
    return 0;
  if ((match = cli_long_value("run", "--device", argc, argv, index, &value)) != 0) {
    if (match < 0)
      return -1;
    if (!strcmp(value, "host"))
      out->device = RUN_DEVICE_HOST;
    else if (!strcmp(value, "cuda"))
      out->device = RUN_DEVICE_CUDA;
    else if (!strcmp(value, "auto"))
      out->device = RUN_DEVICE_AUTO;
    else
      return bad("unknown device '%s' (known: host, cuda, auto)", value);
    return 0;
  }
  if ((match = cli_long_value("run", "--target", argc, argv, index, &value)) != 0) {
    if (match < 0)
      return -1;
    if (strncmp(value, "sm_", 3) != 0 || atoi(value + 3) < 75)
      return bad("unknown target '%s' (sm_75 and newer)", value);
    out->target = value;
    return 0;
  }
  if ((match = cli_long_value("run", "--input", argc, argv, index, &value)) != 0)
    return match < 0 ? -1
                     : cli_add_name_value("run", "--input", out->inputs, &out->num_inputs,
                                          RUN_MAX_BINDINGS, value);
  if ((match = cli_precision_option("run", argc, argv, index, &out->precision)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = cli_model_source_option("run", argc, argv, index, &out->source)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = cli_long_value("run", "--output-dir", argc, argv, index, &value)) != 0) {
    if (match < 0)
      return -1;
    if (!*value)
      return bad("%s", "--output-dir needs a folder name");
    out->output_dir = value;
    return 0;
  }
  if ((match = cli_long_value("run", "--seed", argc, argv, index, &value)) != 0) {
    if (match < 0 || parse_count(value, "bad --seed '%s'", 0, &number))
      return -1;
    out->seed = (unsigned)number;
    return 0;
  }
  if ((match = cli_long_value("run", "--threads", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_count(value, "bad --threads '%s'", 0, &out->threads);
  if ((match = cli_long_value("run", "--repeat", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_count(value, "bad --repeat '%s'", 1, &out->repeat);
  return bad("unknown option '%s'", argument);
}

int run_options_parse(int argc, char **argv, run_options *out) {
  *out = (run_options){.opt_level = 2, .target = "sm_80", .repeat = 1};
  if (cli_parse_arguments("run", argc, argv, parse_option, out, &out->model_path) != 0)
    return -1;
  if (!out->help && !out->model_path)
    return bad("%s", "no model given: dlcc run MODEL.onnx|MODEL.dlir");
  out->source.run_inputs = out->inputs;
  out->source.num_run_inputs = out->num_inputs;
  out->source.quiet = out->quiet;
  return 0;
}
