/* `dlcc compile`: compiles a model ahead of time into a bundle (an object file, a C header,
 * JSON and maybe a weights file) or one artifact (PTX, the kernels' LLVM IR, or the optimized
 * graph as text IR), with --stats / --report figures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/program/compile.h"
#include "codegen/program/graph_lowering.h"
#include "codegen/bundle/bundle.h"
#include "frontend/onnx/onnx_export.h"
#include "tools/dlcc/bundle_output.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/compile_options.h"
#include "tools/dlcc/compile_stats.h"
#include "tools/dlcc/model_prepare.h"
#include "tools/dlcc/output_file.h"
#include "tools/dlcc/text_ir_write.h"
#include "tools/dlcc/train_step_options.h"

void cmd_compile_help(FILE *out) {
  fputs("usage: dlcc compile MODEL -o OUT [--emit=bundle|ptx|llvm|ir|onnx] [options]\n"
        "\n"
        "Compiles MODEL (.onnx or .dlir) ahead of time, optimized as `dlcc run` does. By\n"
        "default into a bundle that a C program links (docs/bundles.md): OUT.o (kernels,\n"
        "schedule and weights), OUT.h (its API), OUT.json (its description) and with\n"
        "--weights=separate OUT.weights. Other --emit kinds write one artifact to OUT.\n"
        "\n"
        "options:\n"
        "  -o OUT                 bundles: the path and name of its files (OUT.o, ...);\n"
        "                         else the output file (-o - is stdout)\n"
        "  --emit=bundle          the default: OUT.o, OUT.h, OUT.json, written all or nothing\n"
        "  --emit=ptx             the model's PTX module for --target\n"
        "  --emit=llvm            the kernels' LLVM IR after LLVM's -O pipeline, for --target\n"
        "                         (the host lowering with --target=host)\n"
        "  --emit=ir              the optimized graph as .dlir text IR; constants over 64 bytes\n"
        "                         go to the side file OUT.bin (elided on stdout)\n"
        "  --emit=onnx            the optimized graph as an ONNX model: each fused group a node\n"
        "                         of the dlcc domain calling a function (its body), for Netron\n"
        "                         and onnxruntime\n"
        "  --target=T[,T...]      GPU: sm_75, sm_80, sm_86, sm_87, sm_89, sm_90; host:\n"
        "                         portable x86-64. Several for bundles (default sm_80,host;\n"
        "                         else sm_80): a GPU picks the newest PTX it can run\n"
        "  --name=NAME            model name, prefix of every symbol and kernel name (a C\n"
        "                         identifier; default: bundles the file name of OUT, else\n"
        "                         the graph's name)\n"
        "  --weights=embedded|separate  bundles: weights inside OUT.o (default), or in\n"
        "                         OUT.weights, loaded at run time and checked\n"
        "  --cubin                bundles: also a cubin of each GPU target, made by ptxas\n"
        "                         (DLCC_PTXAS names one), loaded without JIT by GPUs of a\n"
        "                         compatible compute capability; PTX stays as the fallback\n"
        "  -O0 .. -O3             optimization level of the graph and of LLVM (default -O2)\n"
        "  --check-indices        kernels that read indices (Gather) report an out-of-range\n"
        "                         index: the run fails naming the node (default: clamped\n"
        "                         into range, silently)\n"
        "  --dim NAME=VALUE       fix a symbolic dimension of an ONNX model (repeatable)\n"
        "  --bind NAME=FILE       fix input NAME to the value in FILE (.npy or .pb) at\n"
        "                         compile time, so the shapes it decides are known; the\n"
        "                         model refuses runs that give it another (repeatable)\n"
        "  --stats                print kernels, launches, arena and weight bytes to stderr, and\n"
        "                         for GPU targets ptxas's registers, spills and shared memory\n"
        "                         per kernel (when ptxas is found; DLCC_PTXAS names one)\n"
        "  --report=FILE.json     write the same figures as JSON\n"
        "  -h, --help             show this help\n"
        "\n"
        "exit status: 0 ok, 1 bad options or model, or ptxas rejecting the PTX (a dlcc bug),\n"
        "2 an output cannot be written\n",
        out);
}

/* The program for the target: its PTX, the figures of --stats. No host twins are JIT'd. */
static dl_compiled *compile_program(const compile_options *options, const ir_graph *graph,
                                    const char *name, dl_diag *diag) {
  const char *targets[1] = {options->target};
  dl_compile_options compile = {.name = name,
                                .ptx_targets = targets,
                                .num_ptx_targets = options->target ? 1 : 0,
                                .opt_level = options->opt_level,
                                .check_indices = options->check_indices};
  return dl_compile_graph(graph, &compile, diag);
}

/* PTX or LLVM IR text, or the ONNX model's bytes, made before the output is opened so a
 * failure leaves no file. */
static int make_artifact(const compile_options *options, const ir_graph *graph, const char *name,
                         const dl_compiled *compiled, char **out, size_t *out_size, dl_diag *diag) {
  *out = NULL;
  *out_size = 0;
  if (options->emit == COMPILE_EMIT_ONNX)
    return dl_onnx_export(graph, (uint8_t **)out, out_size, diag);
  if (options->emit == COMPILE_EMIT_PTX) {
    const char *ptx = dl_compiled_ptx(compiled, 0);
    *out = ptx ? strdup(ptx) : NULL;
    *out_size = *out ? strlen(*out) : 0;
    return *out ? 0 : dl_error(diag, "no PTX was emitted for %s", options->target);
  }
  dl_compile_options compile = {
      .name = name, .opt_level = options->opt_level, .check_indices = options->check_indices};
  return dl_compile_llvm_ir(graph, &compile, options->target, out, out_size, diag);
}

typedef struct compile_artifact {
  const ir_graph *graph;
  const char *bytes; /* PTX, LLVM IR or ONNX; NULL: the graph as text IR */
  size_t size;
} compile_artifact;

static int write_bytes(FILE *out, const char *path, void *context, dl_diag *diag) {
  const compile_artifact *artifact = context;
  if (!artifact->bytes)
    return cli_write_text_ir(artifact->graph, out, path, false, diag);
  return fwrite(artifact->bytes, 1, artifact->size, out) == artifact->size ? CLI_EXIT_OK
                                                                          : CLI_EXIT_ENVIRONMENT;
}

static int write_artifact(const compile_options *options, const ir_graph *graph, const char *bytes,
                          size_t size, dl_diag *diag) {
  compile_artifact artifact = {graph, bytes, size};
  return cli_write_output(options->output_path, &graph->source_files, write_bytes, &artifact, diag);
}

static int write_report(FILE *out, const char *path, void *context, dl_diag *diag) {
  return compile_stats_write_json(context, out, diag) == 0 ? CLI_EXIT_OK : CLI_EXIT_ENVIRONMENT;
}

static int report(const compile_options *options, const ir_graph *graph, const cli_stages *stages,
                  const char *name, const dl_compiled *compiled, dl_diag *diag) {
  compile_stats stats;
  int exit_code = CLI_EXIT_OK;
  if (compile_stats_collect(options, name, graph, stages, compiled, &stats, diag) != 0)
    exit_code = cli_fail(CLI_EXIT_BAD_INPUT, diag,
                         "%s: ptxas failed on the PTX dlcc emitted for %s (dlcc must only emit "
                         "PTX that ptxas accepts: please report this with the model)",
                         options->model_path, options->target);
  if (exit_code == CLI_EXIT_OK && options->stats)
    compile_stats_print(&stats, stderr);
  if (exit_code == CLI_EXIT_OK && options->report_path)
    exit_code =
        cli_write_output(options->report_path, &graph->source_files, write_report, &stats, diag);
  compile_stats_deinit(&stats);
  return exit_code;
}

/* A bundle's name: --name, else the file name of OUT, which must then be a C identifier. */
static const char *bundle_name(const compile_options *options) {
  if (options->name)
    return options->name;
  const char *slash = strrchr(options->output_path, '/');
  const char *base = slash ? slash + 1 : options->output_path;
  int valid = (*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') || *base == '_';
  for (const char *p = base; valid && *p; p++)
    valid = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_';
  return valid ? base : NULL;
}

static int compile_bundle(const compile_options *options, const ir_graph *graph, const char *name,
                          dl_compiled **out_compiled, dl_diag *diag) {
  dl_compile_options compile = {.name = name,
                                .ptx_targets = options->gpu_targets,
                                .num_ptx_targets = options->num_gpu_targets,
                                .opt_level = options->opt_level,
                                .host_cpu = "generic",
                                .check_indices = options->check_indices};
  if (!(*out_compiled = dl_compile_graph(graph, &compile, diag)))
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot compile", options->model_path);
  dl_bundle_options bundle = {.name = name,
                              .host = options->host_target,
                              .separate_weights = options->separate_weights,
                              .cubin = options->cubin,
                              .targets = options->target_names,
                              .num_targets = options->num_targets,
                              .opt_level = options->opt_level,
                              .train = options->train};
  dl_bundle_files files;
  if (dl_bundle_build(*out_compiled, &bundle, &files, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot build the bundle", options->model_path);
  int exit_code = CLI_EXIT_OK;
  if (cli_write_bundle(options->output_path, &files, &graph->source_files, diag) != 0)
    exit_code = cli_fail(CLI_EXIT_ENVIRONMENT, diag, "cannot write the bundle %s",
                         options->output_path);
  dl_bundle_files_deinit(&files);
  return exit_code;
}

static int compile(const compile_options *options, const ir_graph *graph, const cli_stages *stages,
                   dl_diag *diag) {
  const char *name = options->name ? options->name : graph->name ? graph->name : "main";
  if (options->emit == COMPILE_EMIT_BUNDLE) {
    if (!(name = bundle_name(options)))
      return cli_fail(CLI_EXIT_BAD_INPUT, NULL,
                      "the bundle's name comes from -o %s, whose file name is not a C "
                      "identifier: give --name=NAME",
                      options->output_path);
    dl_compiled *compiled = NULL;
    int exit_code = compile_bundle(options, graph, name, &compiled, diag);
    if (exit_code == CLI_EXIT_OK && (options->stats || options->report_path))
      exit_code = report(options, graph, stages, name, compiled, diag);
    dl_compiled_destroy(compiled);
    return exit_code;
  }
  bool wants_stats = options->stats || options->report_path;
  dl_compiled *compiled = NULL;
  char *text = NULL;
  size_t size = 0;
  const char *target = options->target ? options->target : "host";
  int exit_code = CLI_EXIT_OK;
  if ((options->emit == COMPILE_EMIT_PTX || wants_stats) &&
      !(compiled = compile_program(options, graph, name, diag)))
    exit_code = cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot compile for %s", options->model_path,
                         target);
  if (exit_code == CLI_EXIT_OK && options->emit != COMPILE_EMIT_IR &&
      make_artifact(options, graph, name, compiled, &text, &size, diag) != 0)
    exit_code = cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot compile for %s", options->model_path,
                         target);
  if (exit_code == CLI_EXIT_OK)
    exit_code = write_artifact(options, graph, text, size, diag);
  if (exit_code == CLI_EXIT_OK && wants_stats)
    exit_code = report(options, graph, stages, name, compiled, diag);
  free(text);
  dl_compiled_destroy(compiled);
  return exit_code;
}

/* --train: the program is one training step whose only output is the loss. */
static int build_train_step(ir_graph *graph, void *context, dl_diag *diag) {
  const train_options *training = context;
  dl_train_options options;
  train_patterns patterns;
  if (train_step_options_from_cli(training, training->steps, &patterns, &options, diag) != 0 ||
      dl_build_train_step(graph, &options, diag) != 0)
    return dl_error(diag, "cannot build the training step");
  graph->body.num_results = 1;
  return 0;
}

int cmd_compile_main(int argc, char **argv) {
  compile_options options;
  if (compile_options_parse(argc, argv, &options) != 0)
    return CLI_EXIT_BAD_INPUT;
  if (options.help) {
    cmd_compile_help(stdout);
    return CLI_EXIT_OK;
  }
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = NULL;
  cli_stages stages = {0};
  int exit_code = cli_prepare_model_with(options.model_path, &options.source, options.opt_level,
                                         options.precision,
                                         options.train ? build_train_step : NULL,
                                         &options.training, &stages, &diag, &graph);
  if (exit_code == CLI_EXIT_OK)
    exit_code = compile(&options, graph, &stages, &diag);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  return exit_code;
}
