/* A hand-made dlrt_program for the runtime tests: two host twins written in C (a scaled
 * vector add and a shared-memory block sum), PTX naming the same entries, and a schedule
 * that touches every argument kind (input, output, arena, weight, f32 and i32 scalars). */
#ifndef DLRT_TESTS_SAMPLE_PROGRAM_H
#define DLRT_TESTS_SAMPLE_PROGRAM_H

#include "dlrt.h"

#define SAMPLE_N 1000
#define SAMPLE_BLOCK 256
#define SAMPLE_BLOCKS 4 /* ceil(SAMPLE_N / SAMPLE_BLOCK) */
#define SAMPLE_SCALE 0.5f
/* The program's counter region: zeroed at creation, no sample kernel uses it (the cuda tests
 * make a variant that reads it). */
#define SAMPLE_COUNTER_BYTES 64

/* Inputs: x (bound), y (arena). Outputs: sum = x + 0.5*y (bound), partials[4] (arena) =
 * per-block sums of (sum + w) where w are the weights. */
const dlrt_program *sample_program(void);
/* The same program with PTX modules replaced (for module selection and JIT errors). */
dlrt_program sample_program_with_modules(const dlrt_ptx_module *modules, uint32_t count);
const float *sample_weights(void);
/* The PTX of the sample kernels (sm_70 and later). */
const char *sample_ptx_text(void);
/* Fills inputs deterministically and computes the expected outputs. */
void sample_data(float *x, float *y, float *expected_sum, float *expected_partials);

#endif
