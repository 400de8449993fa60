/* `dlcc inspect`: loads a model, runs a pass pipeline and writes the graph as text IR, DOT or
 * JSON. Exit codes: 1 for bad options or a bad model, 2 when the output cannot be written. */
#include <string.h>

#include "ir/dot.h"
#include "ir/json.h"
#include "ir/verify.h"
#include "passes/pass.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/graph_stats.h"
#include "tools/dlcc/inspect_options.h"
#include "tools/dlcc/model_load.h"
#include "tools/dlcc/output_file.h"
#include "tools/dlcc/text_ir_write.h"

void cmd_inspect_help(FILE *out) {
  fputs("usage: dlcc inspect MODEL [options]\n"
        "\n"
        "Loads MODEL (.onnx or .dlir), optimizes it and prints the graph IR.\n"
        "\n"
        "options:\n"
        "  -o FILE                 write to FILE instead of stdout (-o - is stdout); with the\n"
        "                          text format, large constants go to FILE.bin next to it\n"
        "                          (named by its bare name, so the folder can move); on\n"
        "                          stdout they are elided\n"
        "  --format=text|dot|json  text IR (.dlir, default), Graphviz DOT, or JSON\n"
        "  -O0 .. -O3              optimization level (inspect's default: -O0, the model as\n"
        "                          imported)\n"
        "  --passes=A,B,...        run these passes in order instead of the -O pipeline\n"
        "  --print-ir-after=P|all  print the text IR to stderr after pass P (a comma list of\n"
        "                          passes, or all)\n"
        "  --elide-constants       print large constants as `elided` (no side file)\n"
        "  --verify-each           verify the graph as loaded and after every pass\n"
        "  --time-passes           print a table of pass times to stderr\n"
        "  --stats                 print a one-line summary of the result to stderr\n"
        "  --dim NAME=VALUE        fix a symbolic dimension of an ONNX model (repeatable)\n"
        "  --bind NAME=FILE        fix input NAME to the value in FILE (.npy or .pb) at\n"
        "                          compile time, so the shapes it decides are known; the\n"
        "                          model refuses runs that give it another (repeatable)\n"
        "  -h, --help              show this help\n"
        "\n"
        "passes:\n",
        out);
  for (int i = 0; i < dl_pass_count(); i++)
    fprintf(out, "  %-22s  %s\n", dl_pass_at(i)->name, dl_pass_at(i)->description);
  fputs("\nexit status: 0 ok, 1 bad options or model, 2 output cannot be written\n", out);
}

static int build_pipeline(const inspect_options *options, dl_pipeline *pipeline, dl_diag *diag) {
  if (options->pass_list) {
    if (dl_pipeline_parse(options->pass_list, pipeline, diag) != 0)
      return cli_fail(CLI_EXIT_BAD_INPUT, diag, "bad --passes list (see dlcc inspect --help)");
  } else if (dl_pipeline_for_level(options->opt_level, pipeline, diag) != 0) {
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "bad optimization level");
  }
  if (dl_pipeline_add_precision(pipeline, options->precision, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot add the --precision pass");
  const char *after = options->print_ir_after;
  dl_pipeline named; /* only to check the names */
  if (after && strcmp(after, "all") != 0 && dl_pipeline_parse(after, &named, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag,
                    "bad --print-ir-after list (pass names, comma-separated, or all)");
  return CLI_EXIT_OK;
}

typedef struct inspect_output {
  const ir_graph *graph;
  const inspect_options *options;
} inspect_output;

static int write_graph(FILE *out, const char *path, void *context, dl_diag *diag) {
  const inspect_output *what = context;
  switch (what->options->format) {
  case INSPECT_FORMAT_DOT:
    return ir_dot_graph(what->graph, out, diag) == 0 ? CLI_EXIT_OK : CLI_EXIT_ENVIRONMENT;
  case INSPECT_FORMAT_JSON:
    return ir_json_graph(what->graph, out, diag) == 0 ? CLI_EXIT_OK : CLI_EXIT_ENVIRONMENT;
  default:
    return cli_write_text_ir(what->graph, out, path, what->options->elide_constants, diag);
  }
}

static int write_output(const ir_graph *graph, const inspect_options *options, dl_diag *diag) {
  inspect_output what = {graph, options};
  return cli_write_output(options->output_path, &graph->source_files, write_graph, &what, diag);
}

static int inspect(const inspect_options *options, dl_diag *diag) {
  dl_pipeline pipeline;
  int exit_code = build_pipeline(options, &pipeline, diag);
  if (exit_code != CLI_EXIT_OK)
    return exit_code;
  ir_graph *graph = cli_load_model(options->model_path, &options->source, diag);
  if (!graph)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot load model '%s'", options->model_path);
  dl_pipeline_options run = {.print_ir_after = options->print_ir_after,
                             .verify_each = options->verify_each,
                             .time_passes = options->time_passes,
                             .log = stderr};
  if (options->verify_each && ir_verify_graph(graph, diag) != 0)
    exit_code =
        cli_fail(CLI_EXIT_BAD_INPUT, diag, "model '%s' is invalid as loaded", options->model_path);
  else if (dl_pipeline_run(&pipeline, graph, &run, diag) != 0)
    exit_code =
        cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot optimize model '%s'", options->model_path);
  else
    exit_code = write_output(graph, options, diag);
  if (exit_code == CLI_EXIT_OK && options->stats)
    cli_write_graph_stats(graph, stderr);
  ir_graph_destroy(graph);
  return exit_code;
}

int cmd_inspect_main(int argc, char **argv) {
  inspect_options options;
  if (inspect_options_parse(argc, argv, &options) != 0)
    return CLI_EXIT_BAD_INPUT;
  if (options.help) {
    cmd_inspect_help(stdout);
    return CLI_EXIT_OK;
  }
  dl_diag diag;
  dl_diag_init(&diag);
  int exit_code = inspect(&options, &diag);
  dl_diag_deinit(&diag);
  return exit_code;
}
