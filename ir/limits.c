/* The process's resource limits (see limits.h): one setting read by every reader. */
#include "ir/limits.h"

static dl_limits current = {
    .max_file_bytes = DL_DEFAULT_MAX_FILE_BYTES,
    .max_tensor_bytes = DL_DEFAULT_MAX_TENSOR_BYTES,
    .max_nodes = DL_DEFAULT_MAX_NODES,
};

const dl_limits *dl_limits_get(void) { return &current; }

bool dl_limits_tensor_fits(int64_t bytes) {
  return bytes >= 0 && (uint64_t)bytes <= current.max_tensor_bytes;
}

void dl_limits_set(const dl_limits *limits) { current = *limits; }
