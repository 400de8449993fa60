/* libFuzzer target: a state checkpoint (dlrt_model_save_state) checked by libdlrt against a
 * program, from arbitrary bytes, must be accepted only when it is a whole checkpoint of that
 * program (every byte covered, its data inside the file), else refused with a message; never
 * a crash or an overread. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/state_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* The program the seed corpus was written for: model "fuzz", states n: f32[] and
   * w: f32[2,3]. */
  static const int64_t w_dims[] = {2, 3};
  static const dlrt_tensor_desc states[] = {
      {.name = "n", .dtype = DLRT_DTYPE_F32, .rank = 0, .arena_offset = 0},
      {.name = "w", .dtype = DLRT_DTYPE_F32, .rank = 2, .dims = w_dims, .arena_offset = 256}};
  dlrt_program program = {.abi_version = DLRT_PROGRAM_ABI_VERSION,
                          .name = "fuzz",
                          .weights_size = 512,
                          .state_count = 2,
                          .states = states};
  const unsigned char *states_data = NULL;
  int status = dlrt_state_file_check(&program, "fuzz.state", data, size, &states_data);
  if (status == DLRT_STATUS_OK &&
      (!states_data || states_data < data || states_data + 4 + 24 + 8 != data + size))
    __builtin_trap(); /* accepted, but the data is not the file's last 28 bytes before the sum */
  if (status != DLRT_STATUS_OK && !dlrt_last_error()[0])
    __builtin_trap(); /* a refusal must say why */
  return 0;
}
