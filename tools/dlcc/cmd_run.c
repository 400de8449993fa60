/* `dlcc run`: compiles a model in process and runs it once (or --repeat times) on the host
 * device or a CUDA GPU through libdlrt; inputs from .npy files or deterministic random
 * data, outputs summarized and written as .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/cli_device.h"
#include "tools/dlcc/model_prepare.h"
#include "tools/dlcc/run_io.h"
#include "tools/dlcc/run_profile.h"
#include "tools/dlcc/run_options.h"

void cmd_run_help(FILE *out) {
  fputs("usage: dlcc run MODEL [options]\n"
        "\n"
        "Compiles MODEL (.onnx or .dlir) and runs it once with dlcc's own kernels.\n"
        "\n"
        "options:\n"
        "  --device=host|cuda|auto  where to run (default auto: cuda when a driver and a GPU\n"
        "                           answer, else host)\n"
        "  --target=sm_XX           PTX target for the cuda device (default sm_80)\n"
        "  -O0 .. -O3               optimization level (default -O2)\n"
        "  --input NAME=FILE        input from a .npy or ONNX TensorProto .pb file\n"
        "                           (repeatable); inputs not given get deterministic\n"
        "                           random data\n"
        "  --seed N                 seed of the random inputs (default 0)\n"
        "  --output-dir DIR         write every output to DIR/<output>.npy\n"
        "  --dim NAME=VALUE         fix a symbolic dimension of an ONNX model (repeatable)\n"
        "  --bind NAME=FILE         fix input NAME to the value in FILE (.npy or .pb) at\n"
        "                           compile time (inputs that decide shapes and have\n"
        "                           --input data are bound by themselves; repeatable)\n"
        "  --threads N              worker threads of the host device (default: all cores)\n"
        "  --repeat N               run N times and report the mean time\n"
        "  --profile                time every launch (synchronized) and print the\n"
        "                           kernels that take the time\n"
        "  --sanitize               run checked kernels on the host device under the\n"
        "                           sanitizer: data races and missing barriers, out-of-\n"
        "                           bounds and misaligned accesses, reads of unwritten\n"
        "                           memory (also $DLRT_SANITIZE=1)\n"
        "  --check-indices          kernels that read indices (Gather) report an out-of-\n"
        "                           range index: the run fails naming the node (exit 1;\n"
        "                           default: clamped into range, silently)\n"
        "  -q, --quiet              print nothing but errors\n"
        "  -h, --help               show this help\n"
        "\n"
        "exit status: 0 ok, 1 bad options, model or inputs (an index out of range with\n"
        "--check-indices), 2 no device or a device error,\n"
        "3 the sanitizer reported a problem\n",
        out);
}

static int execute(const run_options *options, const dl_compiled *compiled, dl_file_set *inputs,
                   double compile_time) {
  const dlrt_program *program = dl_compiled_program(compiled);
  dlrt_options runtime_options;
  dlrt_options_init(&runtime_options);
  runtime_options.device = cli_dlrt_device(options->device, program->module_count > 0);
  runtime_options.host_threads = options->threads;
  runtime_options.profile = options->profile;
  runtime_options.sanitize = options->sanitize;
  dlrt_model *model = NULL;
  int status = dlrt_model_create(program, &runtime_options, &model);
  if (status != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: cannot prepare the model: %s%s",
                    options->model_path, dlrt_last_error(),
                    status == DLRT_STATUS_NO_DEVICE ? " (use --device=host)" : "");
  run_tensors tensors;
  int exit_code = CLI_EXIT_BAD_INPUT;
  dl_diag diag;
  dl_diag_init(&diag);
  if (run_tensors_prepare(program, options, inputs, &tensors, &diag) != 0) {
    cli_fail(CLI_EXIT_BAD_INPUT, &diag, "%s: bad inputs", options->model_path);
    goto done;
  }
  if (!options->quiet) {
    const dl_compile_stats *stats = dl_compiled_stats(compiled);
    const char *why = "";
    if (options->device == RUN_DEVICE_AUTO && dlrt_model_device_kind(model) == DLRT_DEVICE_HOST)
      why = program->module_count == 0 ? " (auto: no CUDA driver)" : " (auto: no GPU answered)";
    printf("dlcc run: %s on %s%s\n", options->model_path, dlrt_model_device_name(model), why);
    printf("  compiled %d kernels, %d launches in %.2f s (arena %.1f MiB, weights %.1f MiB)\n",
           stats->kernel_count, stats->launch_count, compile_time,
           (double)stats->arena_bytes / (1 << 20), (double)stats->weight_bytes / (1 << 20));
    run_tensors_print_inputs(program, &tensors, options, stdout);
  }
  double started = cli_seconds_now();
  for (int i = 0; i < options->repeat; i++) {
    status = dlrt_model_run(model, (const void *const *)tensors.inputs, tensors.outputs);
    if (status == DLRT_STATUS_INDEX_OUT_OF_RANGE) { /* the data's fault, not the device's */
      exit_code = cli_fail(CLI_EXIT_BAD_INPUT, NULL, "%s: run failed: %s", options->model_path,
                           dlrt_last_error());
      goto done;
    }
    if (status != DLRT_STATUS_OK) {
      /* A refused argument is the input's fault (a bound input given another value). */
      exit_code = status == DLRT_STATUS_INVALID_ARGUMENT ? CLI_EXIT_BAD_INPUT
                                                         : CLI_EXIT_ENVIRONMENT;
      cli_fail(exit_code, NULL, "%s: run failed: %s", options->model_path, dlrt_last_error());
      goto done;
    }
  }
  double run_time = (cli_seconds_now() - started) / options->repeat;
  if (!options->quiet) {
    run_tensors_print_outputs(model, program, &tensors, stdout);
    printf("  run: %.2f ms%s\n", run_time * 1e3, options->repeat > 1 ? " (mean)" : "");
    if (options->profile)
      run_profile_print(program, model, dl_compiled_launch_nodes(compiled), stdout);
    if (options->sanitize)
      printf("  sanitizer: %llu reports\n",
             (unsigned long long)dlrt_model_sanitizer_reports(model));
  }
  if (options->output_dir && run_tensors_write_outputs(model, program, &tensors, options->output_dir,
                                                       &diag) != 0) {
    exit_code = cli_fail(CLI_EXIT_ENVIRONMENT, &diag, "cannot write the outputs");
    goto done;
  }
  exit_code = CLI_EXIT_OK;
  if (dlrt_model_sanitizer_reports(model))
    exit_code = cli_fail(CLI_EXIT_SANITIZER, NULL,
                         "%s: the sanitizer reported %llu kernel problems (above)",
                         options->model_path,
                         (unsigned long long)dlrt_model_sanitizer_reports(model));
done:
  run_tensors_free(&tensors);
  dl_diag_deinit(&diag);
  dlrt_model_destroy(model);
  return exit_code;
}

int cmd_run_main(int argc, char **argv) {
  run_options options;
  if (run_options_parse(argc, argv, &options) != 0)
    return CLI_EXIT_BAD_INPUT;
  if (options.help) {
    cmd_run_help(stdout);
    return CLI_EXIT_OK;
  }
  const char *sanitize_flag = getenv("DLRT_SANITIZE");
  if (sanitize_flag && *sanitize_flag && strcmp(sanitize_flag, "0") != 0)
    options.sanitize = true; /* libdlrt would sanitize anyway: it needs checked twins */
  if (options.sanitize && options.device == RUN_DEVICE_CUDA)
    return cli_fail(CLI_EXIT_BAD_INPUT, NULL,
                    "--sanitize runs checked kernels on the host device: drop --device=cuda");
  if (options.sanitize)
    options.device = RUN_DEVICE_HOST;
  /* --device=cuda without a driver or a device fails at once, not after compiling. */
  int status = options.device == RUN_DEVICE_CUDA ? dlrt_cuda_probe(0) : DLRT_STATUS_OK;
  if (status != DLRT_STATUS_OK)
    return cli_fail(CLI_EXIT_ENVIRONMENT, NULL, "%s: no CUDA device: %s (use --device=host)",
                    options.model_path, dlrt_last_error());
  dl_diag diag;
  dl_diag_init(&diag);
  double started = cli_seconds_now();
  dl_compiled *compiled = NULL;
  ir_graph *graph = NULL;
  int exit_code =
      cli_prepare_model(options.model_path, &options.source, options.opt_level,
                        options.precision, NULL, &diag, &graph);
  if (exit_code != CLI_EXIT_OK)
    goto done;
  int want_ptx = options.device == RUN_DEVICE_CUDA ||
                 (options.device == RUN_DEVICE_AUTO && cli_cuda_driver_present());
  const char *targets[1] = {options.target};
  dl_compile_options compile = {.name = graph->name,
                                .ptx_targets = targets,
                                .num_ptx_targets = want_ptx ? 1 : 0,
                                .host_twins = true,
                                .host_cpu = "native", /* the twins run only here */
                                .opt_level = options.opt_level,
                                .sanitize = options.sanitize,
                                .check_indices = options.check_indices};
  compiled = dl_compile_graph(graph, &compile, &diag);
  if (!compiled) {
    exit_code = cli_fail(CLI_EXIT_BAD_INPUT, &diag, "%s: cannot compile", options.model_path);
    goto done;
  }
  exit_code = execute(&options, compiled, &graph->source_files, cli_seconds_now() - started);
done:
  dl_compiled_destroy(compiled);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  return exit_code;
}
