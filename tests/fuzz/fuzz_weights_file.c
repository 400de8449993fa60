/* libFuzzer target: a bundle's weights file (dlcc compile --weights=separate) read by libdlrt
 * from arbitrary bytes must be accepted only when it is exactly the program's weights (header,
 * size, model name, checksum), else refused with a message; never a crash or an overread. */
#define _GNU_SOURCE /* fmemopen */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "runtime/weights.h"

enum { WEIGHT_BYTES = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The program the seed corpus was written for: model "fuzz", weights 0, 1, ..., 63. */
  static uint8_t expected[WEIGHT_BYTES];
  for (int i = 0; i < WEIGHT_BYTES; i++)
    expected[i] = (uint8_t)i;
  dlrt_program program = {.abi_version = DLRT_PROGRAM_ABI_VERSION,
                          .name = "fuzz",
                          .weights_size = WEIGHT_BYTES,
                          .weights_checksum = dlrt_weights_checksum(expected, WEIGHT_BYTES)};
  if (size == 0)
    return 0; /* fmemopen needs a buffer */
  FILE *file = fmemopen((void *)data, size, "rb");
  if (!file)
    return 0;
  uint8_t weights[WEIGHT_BYTES];
  int status = dlrt_weights_read(&program, "fuzz.weights", file, weights);
  fclose(file);
  if (status == DLRT_STATUS_OK &&
      (size != DLRT_WEIGHTS_HEADER_BYTES + WEIGHT_BYTES ||
       dlrt_weights_checksum(weights, WEIGHT_BYTES) != program.weights_checksum))
    __builtin_trap(); /* accepted something that is not exactly the program's weights */
  if (status != DLRT_STATUS_OK && !dlrt_last_error()[0])
    __builtin_trap(); /* a refusal must say why */
  return 0;
}
