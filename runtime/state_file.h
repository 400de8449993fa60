/* The reading half of state checkpoints, apart from any model (fuzzed alone). */
#ifndef DLRT_RUNTIME_STATE_FILE_H
#define DLRT_RUNTIME_STATE_FILE_H

#include <stdint.h>

#include "dlrt.h"

/* Checks the `size` bytes of checkpoint `file` (named `path` in messages) against `program`:
 * format, checksum, model name, every state's name, dtype and dims. On success *out_data
 * points at the states' data in `file`, in state order (dlrt_tensor_bytes each); else
 * DLRT_STATUS_INVALID_ARGUMENT with the reason in dlrt_last_error. */
int dlrt_state_file_check(const dlrt_program *program, const char *path,
                          const unsigned char *file, uint64_t size,
                          const unsigned char **out_data);

#endif
