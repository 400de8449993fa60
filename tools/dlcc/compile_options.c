/* Parsing of `dlcc compile` options, and the checks of their combination. */
#include "tools/dlcc/compile_options.h"

#include <string.h>

#include "tools/dlcc/cli_args.h"

/* The GPU targets of the kernel builder (codegen/kb_target.c), checked here so that a typo
 * fails before the model is loaded. */
static const char *const TARGETS[] = {"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90"};
static const char HOST[] = "host";

static int bad(const char *format, const char *argument) {
  return cli_bad_option("compile", format, argument);
}

static int long_value(const char *name, int argc, char **argv, int *index, const char **out) {
  return cli_long_value("compile", name, argc, argv, index, out);
}

const char *compile_emit_name(compile_emit emit) {
  switch (emit) {
  case COMPILE_EMIT_PTX:
    return "ptx";
  case COMPILE_EMIT_LLVM:
    return "llvm";
  case COMPILE_EMIT_IR:
    return "ir";
  case COMPILE_EMIT_ONNX:
    return "onnx";
  case COMPILE_EMIT_BUNDLE:
    break;
  }
  return "bundle";
}

static int parse_emit(const char *value, compile_emit *out) {
  static const compile_emit KINDS[] = {COMPILE_EMIT_BUNDLE, COMPILE_EMIT_PTX, COMPILE_EMIT_LLVM,
                                       COMPILE_EMIT_IR, COMPILE_EMIT_ONNX};
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (strcmp(value, compile_emit_name(KINDS[i])) == 0) {
      *out = KINDS[i];
      return 0;
    }
  if (strcmp(value, "cubin") == 0)
    return bad("--emit=%s is not implemented; a bundle carries cubins with --emit=bundle --cubin",
               value);
  return bad("unknown --emit kind '%s' (known: bundle, ptx, llvm, ir, onnx)", value);
}

/* One target of a --target list. */
static int add_target(const char *value, size_t length, compile_options *out) {
  if (out->num_targets == COMPILE_MAX_TARGETS)
    return bad("too many targets in --target (at most 8), at '%s'", value);
  const char *name = NULL;
  if (length == strlen(HOST) && strncmp(value, HOST, length) == 0)
    name = HOST;
  for (size_t i = 0; !name && i < sizeof TARGETS / sizeof TARGETS[0]; i++)
    if (strlen(TARGETS[i]) == length && strncmp(value, TARGETS[i], length) == 0)
      name = TARGETS[i];
  if (!name)
    return bad("unknown target in '%s' (known: sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, host)",
               value);
  for (int i = 0; i < out->num_targets; i++)
    if (out->target_names[i] == name)
      return bad("a target is given twice in --target=%s", value);
  out->target_names[out->num_targets++] = name;
  if (name == HOST)
    out->host_target = true;
  else
    out->gpu_targets[out->num_gpu_targets++] = name;
  return 0;
}

/* --target=sm_80,sm_90,host: a comma-separated list (several only for bundles). */
static int parse_targets(const char *value, compile_options *out) {
  out->num_targets = out->num_gpu_targets = 0;
  out->host_target = false;
  for (const char *at = value;; at++) {
    const char *comma = strchr(at, ',');
    size_t length = comma ? (size_t)(comma - at) : strlen(at);
    if (add_target(at, length, out) != 0)
      return -1;
    if (!comma)
      break;
    at = comma;
  }
  out->target = out->target_names[0] == HOST ? NULL : out->target_names[0];
  return 0;
}

static int parse_weights(const char *value, bool *out_separate) {
  if (strcmp(value, "embedded") != 0 && strcmp(value, "separate") != 0)
    return bad("--weights needs 'embedded' or 'separate', got '%s'", value);
  *out_separate = strcmp(value, "separate") == 0;
  return 0;
}

/* NAME becomes C symbols of the bundle (NAME_create) and prefixes kernel names. */
static int parse_name(const char *value, const char **out) {
  int valid = (value[0] >= 'a' && value[0] <= 'z') || (value[0] >= 'A' && value[0] <= 'Z') ||
              value[0] == '_';
  for (const char *p = value; valid && *p; p++)
    valid = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_';
  if (!valid)
    return bad("--name needs a C identifier (letters, digits, '_'), got '%s'", value);
  *out = value;
  return 0;
}

static const cli_flag FLAGS[] = {
    {"--help", offsetof(compile_options, help)},
    {"-h", offsetof(compile_options, help)},
    {"--stats", offsetof(compile_options, stats)},
    {"--cubin", offsetof(compile_options, cubin)},
    {"--check-indices", offsetof(compile_options, check_indices)},
    {"--train", offsetof(compile_options, train)},
};

/* One option at argv[*index]; 0 when handled, -1 on error. */
static int parse_option(int argc, char **argv, int *index, void *options) {
  compile_options *out = options;
  const char *argument = argv[*index], *value = NULL;
  int match;
  if (cli_common_option(argument, &out->opt_level, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out))
    return 0;
  if (argument[1] == 'o' && argument[2] && argument[2] != '=') { /* -oFILE */
    out->output_path = argument + 2;
    return 0;
  }
  if ((match = long_value("-o", argc, argv, index, &value)) != 0) {
    out->output_path = value;
    return match < 0 ? -1 : 0;
  }
  if ((match = long_value("--emit", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_emit(value, &out->emit);
  if ((match = long_value("--target", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_targets(value, out);
  if ((match = long_value("--weights", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_weights(value, &out->separate_weights);
  if ((match = long_value("--name", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_name(value, &out->name);
  if ((match = cli_precision_option("compile", argc, argv, index, &out->precision)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = cli_model_source_option("compile", argc, argv, index, &out->source)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = long_value("--report", argc, argv, index, &value)) != 0) {
    out->report_path = value;
    return match < 0 ? -1 : 0;
  }
  if ((match = train_step_option_parse("compile", argc, argv, index, &out->training)) != 0) {
    if (!out->training_option)
      out->training_option = argument;
    return match < 0 ? -1 : 0;
  }
  return bad("unknown option '%s'", argument);
}

static int check_combination(const compile_options *options) {
  if (!options->model_path)
    return bad("%s", "no model given: dlcc compile MODEL -o OUT [--emit=bundle|ptx|llvm|ir|onnx]");
  if (!options->output_path)
    return bad("%s", "no output given: -o OUT is required");
  if (options->cubin && options->emit != COMPILE_EMIT_BUNDLE)
    return bad("--cubin puts cubins into bundles, not into --emit=%s",
               compile_emit_name(options->emit));
  if (options->cubin && options->num_gpu_targets == 0)
    return bad("%s", "--cubin needs a GPU target (--target=sm_XX,...): host twins have no cubin");
  if (options->emit != COMPILE_EMIT_BUNDLE && options->num_targets > 1)
    return bad("--emit=%s takes one --target; several are for bundles",
               compile_emit_name(options->emit));
  if (options->emit != COMPILE_EMIT_BUNDLE && options->separate_weights)
    return bad("--weights=separate is for bundles, not --emit=%s", compile_emit_name(options->emit));
  if (options->emit == COMPILE_EMIT_BUNDLE && strcmp(options->output_path, "-") == 0)
    return bad("%s", "a bundle is several files: -o DIR/NAME, not standard output");
  if (options->training_option && !options->train)
    return bad("%s is an option of the training step: add --train", options->training_option);
  if (options->train && !strcmp(options->training.schedule, "cosine") && options->training.steps < 1)
    return bad("%s", "--schedule=cosine needs --steps=N, the steps it spans");
  if (options->train && !strcmp(options->training.schedule, "step") &&
      options->training.step_size < 1)
    return bad("%s", "--schedule=step needs --step-size=N (steps between decays)");
  if (options->emit == COMPILE_EMIT_PTX && !options->target)
    return bad("%s", "--emit=ptx needs a GPU target (--target=sm_XX), not host");
  return 0;
}

int compile_options_parse(int argc, char **argv, compile_options *out) {
  *out = (compile_options){.opt_level = 2, .target = TARGETS[1]};
  train_step_options_defaults(&out->training);
  if (cli_parse_arguments("compile", argc, argv, parse_option, out, &out->model_path) != 0)
    return -1;
  /* Without --target: sm_80 PTX (which later GPUs JIT), and for bundles host twins too. */
  if (out->num_targets == 0 &&
      parse_targets(out->emit == COMPILE_EMIT_BUNDLE ? "sm_80,host" : "sm_80", out) != 0)
    return -1;
  train_step_options_finish(&out->training);
  return out->help ? 0 : check_combination(out);
}
