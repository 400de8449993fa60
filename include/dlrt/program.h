/* The program format: what a compiled bundle embeds as constant data for libdlrt to run
 * (kernels, PTX, launch list, weights, arena and input/output descriptions). */
#ifndef DLRT_PROGRAM_H
#define DLRT_PROGRAM_H

#include <stdint.h>

#include "dlrt/host_kernel.h"

/* Bumped whenever a struct below changes layout; dlrt_model_create rejects other values. */
#define DLRT_PROGRAM_ABI_VERSION 9u

/* Marks a tensor that does not live in the arena: kernels get the caller's buffer itself. */
#define DLRT_BINDING UINT64_MAX

/* Element types: the rows of dlrt/dtypes.def, numbered from 0 in table order. */
typedef enum dlrt_dtype {
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND) DLRT_DTYPE_##ENUM,
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
  DLRT_DTYPE_COUNT
} dlrt_dtype;

/* One kernel: the PTX `.entry` name and, for the host device, its host twin. */
typedef struct dlrt_kernel {
  const char *name;              /* `.entry` name in the PTX; unique across linked bundles */
  dlrt_host_block_fn host_fn;    /* host twin; NULL: looked up by name in the registry */
  uint32_t param_count;          /* number of kernel parameters (= dlrt_launch.arg_count) */
  uint32_t shared_bytes;         /* shared memory per block the host twin gets (static+dynamic) */
  uint32_t dynamic_shared_bytes; /* passed as cuLaunchKernel's sharedMemBytes (0: static only) */
  uint32_t scratch_bytes;        /* host twin scratch per block (values live across barriers) */
  uint32_t flags;                /* dlrt_kernel_flags */
} dlrt_kernel;

typedef enum dlrt_kernel_flags {
  /* host_fn is a checked twin: it reports its memory accesses to the sanitizer
   * (dlrt_options.sanitize, $DLRT_SANITIZE) and runs unchecked without one */
  DLRT_KERNEL_CHECKED = 1u
} dlrt_kernel_flags;

/* All kernels for one GPU target: PTX, and optionally the cubin ptxas made of it. The cuda
 * device loads a cubin its compute capability runs (same major, minor at or below its own),
 * else JIT-compiles the newest PTX at or below it. */
typedef struct dlrt_ptx_module {
  uint32_t sm_version; /* e.g. 80 for sm_80: PTX loads on devices of compute capability >= 8.0 */
  const char *ptx;     /* NUL-terminated PTX text */
  const void *cubin;   /* ELF image from `ptxas -arch=sm_XX` of `ptx`; NULL: none (ABI 6) */
  uint64_t cubin_size; /* bytes of `cubin` */
} dlrt_ptx_module;

typedef enum dlrt_arg_kind {
  DLRT_ARG_ARENA = 0, /* pointer: arena base + value (byte offset) */
  DLRT_ARG_WEIGHT,    /* pointer: weights base + value (byte offset) */
  DLRT_ARG_INPUT,     /* pointer: model input `index` + value (byte offset) */
  DLRT_ARG_OUTPUT,    /* pointer: model output `index` + value (byte offset) */
  DLRT_ARG_I32,       /* scalar: low 32 bits of value */
  DLRT_ARG_I64,       /* scalar: value */
  DLRT_ARG_F32,       /* scalar: IEEE bits of a float in the low 32 bits of value */
  DLRT_ARG_F64,       /* scalar: IEEE bits of a double in value */
  DLRT_ARG_COUNTERS,  /* pointer: counter region base + value (byte offset) (ABI 8) */
  DLRT_ARG_KIND_COUNT
} dlrt_arg_kind;

/* One kernel argument; a flat layout so code generators can emit it as plain integers. */
typedef struct dlrt_arg {
  uint32_t kind;  /* dlrt_arg_kind */
  uint32_t index; /* input/output index for DLRT_ARG_INPUT/OUTPUT, else 0 */
  uint64_t value; /* byte offset or scalar bits, see dlrt_arg_kind */
  /* Pointer arguments: bytes of the tensor it addresses, from the pointer on (the
   * sanitizer's bounds); 0: not recorded (up to the end of the arena, weights or buffer). */
  uint64_t bytes;
} dlrt_arg;

/* One kernel launch of the schedule; launches run in order on one stream. */
typedef struct dlrt_launch {
  uint32_t kernel;   /* index into dlrt_program.kernels */
  uint32_t grid[3];  /* blocks */
  uint32_t block[3]; /* threads per block */
  uint32_t arg_count;
  const dlrt_arg *args;
} dlrt_launch;

/* A model input, output or state. Its bytes are dtype size * product of dims. */
typedef struct dlrt_tensor_desc {
  const char *name;
  uint32_t dtype; /* dlrt_dtype */
  uint32_t rank;
  const int64_t *dims;
  /* Byte offset of the tensor in the arena (the runtime copies it in/out around the
   * launches), or DLRT_BINDING: kernels address it through DLRT_ARG_INPUT/OUTPUT.
   * States: the byte offset of the state in the weights (ABI 9). */
  uint64_t arena_offset;
  /* Inputs only: the value the input was bound to at compile time (`dlcc compile --bind`:
   * the shapes it decides were fixed with it), dtype size * product of dims bytes; every
   * run must give exactly these bytes. NULL: any value. */
  const void *bound_value;
  /* Outputs only, with DLRT_TENSOR_DATA_DEPENDENT in `flags` (ABI 7): `dims` are upper
   * bounds, the buffer is allocated at them, and the kernels write the run's actual dims
   * (`rank` int64 values, each at most its bound) at this arena byte offset; the tensor is
   * row-major under the actual dims from the buffer's start. libdlrt fetches them after
   * every run: dlrt_model_output_dims. */
  uint64_t dims_offset;
  uint32_t flags; /* dlrt_tensor_flags */
} dlrt_tensor_desc;

typedef enum dlrt_tensor_flags {
  /* The output's size depends on the data (NonZero, Compress, Unique, NonMaxSuppression):
   * its actual dims are in the arena at dims_offset after a run. */
  DLRT_TENSOR_DATA_DEPENDENT = 1u
} dlrt_tensor_flags;

typedef struct dlrt_program {
  uint32_t abi_version; /* DLRT_PROGRAM_ABI_VERSION */
  const char *name;     /* model name, for messages */
  uint32_t kernel_count;
  const dlrt_kernel *kernels;
  uint32_t module_count;
  const dlrt_ptx_module *modules;
  uint32_t launch_count;
  const dlrt_launch *launches;
  const void *weights; /* uploaded once per model; NULL: shipped separately (dlrt_options) */
  uint64_t weights_size;
  /* dlrt_weights_checksum of the weights; libdlrt checks weights given by the application
   * (dlrt_options.weights or .weights_path) against it. 0: not recorded, not checked. */
  uint64_t weights_checksum;
  uint64_t arena_size; /* activations and workspace, one allocation per model */
  /* Counters (ABI 8): a region of u32s, one allocation per model that libdlrt zeroes once
   * at dlrt_model_create, apart from the arena (which other tensors reuse). Kernels reach it
   * through DLRT_ARG_COUNTERS and leave every counter they use at 0 again by the end of
   * their launch (split-K GEMMs count the blocks of a tile there: docs/kernels.md). 0: none. */
  uint64_t counter_bytes;
  uint32_t input_count;
  const dlrt_tensor_desc *inputs;
  uint32_t output_count;
  const dlrt_tensor_desc *outputs;
  /* States (ABI 9): tensors that keep their value from one run to the next (a training
   * step's weights, optimizer moments, step counter). Each lives inside the weights, at its
   * desc's arena_offset (a byte offset into the weights), and its initial value is packed
   * there with the weights; kernels read it through DLRT_ARG_WEIGHT like a constant. The
   * last launches of the program copy each updated state's new value into it (a kernel whose
   * destination is a DLRT_ARG_WEIGHT pointer), so every read in a run sees the value the
   * state had when the run began. A model of a program with states owns a private copy of
   * the weights (dlrt_model_get_state, _set_state, _save_state, _load_state). */
  uint32_t state_count;
  const dlrt_tensor_desc *states;
  /* Index checks (dlcc --check-indices): kernels that read indices store the site number
   * (1-based) of the first out-of-range index of a run in the u32 at this arena offset, which
   * libdlrt clears before the launches and reads after them; the run then fails with
   * DLRT_STATUS_INDEX_OUT_OF_RANGE naming index_check_sites[site - 1], the node (e.g.
   * "node 'gather1' (Gather)"). index_check_count 0: no checks (out-of-range indices are
   * clamped into range, silently). */
  uint64_t index_check_offset;
  uint32_t index_check_count;
  const char *const *index_check_sites;
} dlrt_program;

/* A weights file (`dlcc compile --weights=separate` writes NAME.weights): this header, then
 * weights_size bytes at offset header_bytes. Integers are little-endian. */
#define DLRT_WEIGHTS_MAGIC "DLCCWGT\0"
#define DLRT_WEIGHTS_FORMAT_VERSION 1u
#define DLRT_WEIGHTS_HEADER_BYTES 256u
typedef struct dlrt_weights_file_header {
  char magic[8];           /* DLRT_WEIGHTS_MAGIC */
  uint32_t format_version; /* DLRT_WEIGHTS_FORMAT_VERSION */
  uint32_t header_bytes;   /* DLRT_WEIGHTS_HEADER_BYTES: the weights start there */
  uint64_t weights_size;   /* the program's weights_size */
  uint64_t checksum;       /* the program's weights_checksum */
  char model_name[64];     /* the program's name, NUL-padded (truncated past 63 bytes) */
} dlrt_weights_file_header;

/* A state checkpoint file (dlrt_model_save_state), little-endian: this header; the model
 * name (model_name_bytes, no NUL); per state a dlrt_state_file_entry followed by its name
 * (name_bytes, no NUL) and its dims (rank int64 values); every state's data (data_bytes each,
 * in state order); then the dlrt_weights_checksum of everything before it (u64). */
#define DLRT_STATE_MAGIC "DLCCSTA\0"
#define DLRT_STATE_FORMAT_VERSION 1u
typedef struct dlrt_state_file_header {
  char magic[8];           /* DLRT_STATE_MAGIC */
  uint32_t format_version; /* DLRT_STATE_FORMAT_VERSION */
  uint32_t state_count;
  uint32_t model_name_bytes;
  uint32_t reserved; /* 0 */
} dlrt_state_file_header;
typedef struct dlrt_state_file_entry {
  uint32_t name_bytes;
  uint32_t dtype; /* dlrt_dtype */
  uint32_t rank;
  uint32_t reserved; /* 0 */
  uint64_t data_bytes;
} dlrt_state_file_entry;

#endif
