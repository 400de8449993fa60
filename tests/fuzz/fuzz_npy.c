/* libFuzzer target: a `.npy` input of dlcc run parsed from arbitrary bytes must give an array
 * whose data matches its shape, or a message; never a crash, leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "tools/dlcc/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dl_diag diag;
  dl_diag_init(&diag);
  npy_array array;
  if (npy_parse(data, size, "fuzz.npy", &array, &diag) == 0) {
    int64_t bytes = 0;
    if (!ir_type_byte_size(&array.type, &bytes) || bytes != array.bytes)
      __builtin_trap(); /* the data must be exactly what the shape needs */
    npy_array_free(&array);
  } else if (diag.count == 0) {
    __builtin_trap(); /* a failure must always say why */
  }
  dl_diag_deinit(&diag);
  return 0;
}
