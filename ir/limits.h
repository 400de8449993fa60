/* Resource limits on what dlcc reads: each a documented default (docs/security.md) that a
 * command-line flag can raise, so a hostile file is refused with a message, not obeyed. */
#ifndef DLCC_IR_LIMITS_H
#define DLCC_IR_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct dl_limits {
  uint64_t max_file_bytes;   /* a file dlcc parses: .onnx, .dlir, .pb, .npy */
  uint64_t max_tensor_bytes; /* one tensor: a constant, an input, an output */
  int64_t max_nodes;         /* nodes of one model, subgraphs included */
} dl_limits;

/* 2 GiB is protobuf's own ceiling for a message; larger weights belong in external data. */
#define DL_DEFAULT_MAX_FILE_BYTES ((uint64_t)2 << 30)
#define DL_DEFAULT_MAX_TENSOR_BYTES ((uint64_t)16 << 30)
#define DL_DEFAULT_MAX_NODES ((int64_t)1000000)
/* Protobuf messages nested deeper than this (graph → node → attribute → graph ...) are
 * refused before decoding; real models nest a handful of levels. Not a flag. */
#define DL_MAX_MESSAGE_NESTING 64

/* Whether one tensor of `bytes` bytes is within max_tensor_bytes. */
bool dl_limits_tensor_fits(int64_t bytes);
/* How messages about a tensor over the limit end: "<bytes> bytes, more than the limit ...". */
#define DL_TENSOR_LIMIT_FORMAT "%lld bytes, more than the limit of %llu (--max-tensor-size raises it)"
#define DL_TENSOR_LIMIT_ARGS(bytes)                                                              \
  (long long)(bytes), (unsigned long long)dl_limits_get()->max_tensor_bytes

/* The limits in force for this process (the defaults until dl_limits_set). */
const dl_limits *dl_limits_get(void);
void dl_limits_set(const dl_limits *limits);

#endif
