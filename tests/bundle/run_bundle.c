/* Runs one bundle from the command line, the way an application would: compiled with
 * -DBUNDLE=NAME -DBUNDLE_HEADER='"NAME.h"' and linked with NAME.o and libdlrt.
 * usage: run_bundle INPUTS.bin OUTPUTS.bin [WEIGHTS_FILE [RUNS]]
 * INPUTS.bin holds every input's bytes in order; OUTPUTS.bin gets every output's (of the last
 * of RUNS runs, default 1). Prints the device that ran it, how its kernels were loaded and
 * launched, and how long creation (kernel load, uploads, graph capture) and the first run took
 * (reported, never checked); on failure the status and libdlrt's error text, exit 1. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include BUNDLE_HEADER

#define PASTE2(a, b) a##b
#define PASTE(a, b) PASTE2(a, b)
#define API(suffix) PASTE(BUNDLE, suffix)

static int fail(int status) {
  fprintf(stderr, "run_bundle: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
  return 1;
}

static double now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static uint64_t bytes_of(const dlrt_tensor_desc *tensor) { return dlrt_tensor_bytes(tensor); }

int main(int argc, char **argv) {
  if (argc < 3)
    return fprintf(stderr, "usage: run_bundle INPUTS.bin OUTPUTS.bin [WEIGHTS_FILE [RUNS]]\n"), 2;
  const dlrt_program *program = &API(_program);
  void *inputs[API(_INPUT_COUNT) + 1], *outputs[API(_OUTPUT_COUNT) + 1];
  FILE *in = fopen(argv[1], "rb");
  if (!in)
    return perror(argv[1]), 2;
  for (uint32_t i = 0; i < program->input_count; i++) {
    uint64_t bytes = bytes_of(&program->inputs[i]);
    inputs[i] = malloc(bytes + 1);
    if (fread(inputs[i], 1, bytes, in) != bytes)
      return fprintf(stderr, "run_bundle: %s is short\n", argv[1]), 2;
  }
  fclose(in);
  for (uint32_t i = 0; i < program->output_count; i++)
    outputs[i] = calloc(1, bytes_of(&program->outputs[i]) + 1);
  struct API(_inputs) named_inputs;
  struct API(_outputs) named_outputs;
  memcpy(&named_inputs, inputs, sizeof named_inputs);
  memcpy(&named_outputs, outputs, sizeof named_outputs);

  dlrt_options options;
  dlrt_options_init(&options);
  options.weights_path = argc > 3 && argv[3][0] ? argv[3] : NULL; /* "": none */
  API(_model) *model = NULL;
  double started = now_ms();
  int status = API(_create)(&model, &options);
  if (status)
    return fail(status);
  double created = now_ms();
  if ((status = API(_run)(model, &named_inputs, &named_outputs)) != 0)
    return fail(status);
  printf("run_bundle: %s ran on %s (created in %.1f ms, first run %.1f ms)\n", program->name,
         API(_device_name)(model), created - started, now_ms() - created);
  printf("run_bundle: kernels: %s\n", API(_launch_info)(model));
  for (int run = 1, runs = argc > 4 ? atoi(argv[4]) : 1; run < runs; run++)
    if ((status = API(_run)(model, &named_inputs, &named_outputs)) != 0)
      return fail(status);
  API(_destroy)(model);

  FILE *out = fopen(argv[2], "wb");
  if (!out)
    return perror(argv[2]), 2;
  for (uint32_t i = 0; i < program->output_count; i++)
    fwrite(outputs[i], 1, bytes_of(&program->outputs[i]), out);
  for (uint32_t i = 0; i < program->input_count; i++)
    free(inputs[i]);
  for (uint32_t i = 0; i < program->output_count; i++)
    free(outputs[i]);
  return fclose(out) != 0;
}
