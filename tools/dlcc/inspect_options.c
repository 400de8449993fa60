/* Parsing of `dlcc inspect` options: "--name=value" or "--name value" for long options with a
 * value, "-o FILE" or "-oFILE", "-O0".."-O3", and a single positional MODEL. */
#include "tools/dlcc/inspect_options.h"

#include <stddef.h>
#include <string.h>

#include "tools/dlcc/cli_args.h"

static int bad_option(const char *format, const char *argument) {
  return cli_bad_option("inspect", format, argument);
}

static int long_value(const char *name, int argc, char **argv, int *index, const char **out_value) {
  return cli_long_value("inspect", name, argc, argv, index, out_value);
}

static int parse_format(const char *text, inspect_format *out) {
  if (strcmp(text, "text") == 0)
    *out = INSPECT_FORMAT_TEXT;
  else if (strcmp(text, "dot") == 0)
    *out = INSPECT_FORMAT_DOT;
  else if (strcmp(text, "json") == 0)
    *out = INSPECT_FORMAT_JSON;
  else
    return bad_option("unknown format '%s' (known: text, dot, json)", text);
  return 0;
}

static const cli_flag FLAGS[] = {
    {"--elide-constants", offsetof(inspect_options, elide_constants)},
    {"--verify-each", offsetof(inspect_options, verify_each)},
    {"--time-passes", offsetof(inspect_options, time_passes)},
    {"--stats", offsetof(inspect_options, stats)},
    {"--help", offsetof(inspect_options, help)},
    {"-h", offsetof(inspect_options, help)},
};

/* One option at argv[*index]; 0 when handled, -1 on error. */
static int parse_option(int argc, char **argv, int *index, void *options) {
  inspect_options *out = options;
  const char *argument = argv[*index], *value = NULL;
  int match;
  if (cli_common_option(argument, &out->opt_level, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out))
    return 0;
  if (argument[1] == 'o' && argument[2]) { /* -oFILE */
    out->output_path = argument + 2;
    return 0;
  }
  if ((match = long_value("-o", argc, argv, index, &value)) != 0) {
    out->output_path = value;
    return match < 0 ? -1 : 0;
  }
  if ((match = long_value("--format", argc, argv, index, &value)) != 0)
    return match < 0 ? -1 : parse_format(value, &out->format);
  if ((match = long_value("--passes", argc, argv, index, &value)) != 0) {
    out->pass_list = value;
    return match < 0 ? -1 : 0;
  }
  if ((match = long_value("--print-ir-after", argc, argv, index, &value)) != 0) {
    out->print_ir_after = value;
    return match < 0 ? -1 : 0;
  }
  if ((match = cli_precision_option("inspect", argc, argv, index, &out->precision)) != 0)
    return match < 0 ? -1 : 0;
  if ((match = cli_model_source_option("inspect", argc, argv, index, &out->source)) != 0)
    return match < 0 ? -1 : 0;
  return bad_option("unknown option '%s'", argument);
}

int inspect_options_parse(int argc, char **argv, inspect_options *out) {
  *out = (inspect_options){.format = INSPECT_FORMAT_TEXT};
  if (cli_parse_arguments("inspect", argc, argv, parse_option, out, &out->model_path) != 0)
    return -1;
  if (out->output_path && strcmp(out->output_path, "-") == 0)
    out->output_path = NULL; /* "-o -": standard output, as compilers do */
  if (!out->help && !out->model_path)
    return bad_option("%s", "no model given: dlcc inspect MODEL.onnx|MODEL.dlir");
  return 0;
}
