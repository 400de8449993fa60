/* Inputs and outputs of `dlcc run`: binding --input files (or random data) to the program's
 * inputs, summarizing outputs and writing them as .npy. */
#ifndef DLCC_TOOLS_RUN_IO_H
#define DLCC_TOOLS_RUN_IO_H

#include <stdio.h>

#include "dlrt.h"
#include "ir/diag.h"
#include "ir/input_file.h"
#include "tools/dlcc/run_options.h"

typedef struct run_tensors {
  void **inputs;  /* one host buffer per program input */
  void **outputs; /* one host buffer per program output */
  char **input_sources; /* "file x.npy" or "random (seed 0)" */
  char **output_files;  /* with --output-dir: the .npy file of each output */
  int input_count, output_count;
} run_tensors;

/* Reads the bound input files (adding them to `inputs`) and names the output files, refused
 * when two outputs share one or one would replace a file of `inputs`. */
int run_tensors_prepare(const dlrt_program *program, const run_options *options,
                        dl_file_set *inputs, run_tensors *out, dl_diag *diag);
void run_tensors_print_inputs(const dlrt_program *program, const run_tensors *tensors,
                              const run_options *options, FILE *out);
/* Outputs have the dims `model`'s last run gave them (dlrt_model_output_dims): the actual
 * ones of data-dependent outputs. */
void run_tensors_print_outputs(const dlrt_model *model, const dlrt_program *program,
                               const run_tensors *tensors, FILE *out);
int run_tensors_write_outputs(const dlrt_model *model, const dlrt_program *program,
                              const run_tensors *tensors, const char *directory, dl_diag *diag);
void run_tensors_free(run_tensors *tensors);

#endif
