/* libdlrt: runs programs compiled by dlcc on the host CPU or on an NVIDIA GPU through the
 * CUDA Driver API (opened at run time; nothing to link but libdlrt). */
#ifndef DLRT_H
#define DLRT_H

#include <stdint.h>

#include "dlrt/host_kernel.h"
#include "dlrt/program.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DLRT_API __attribute__((visibility("default")))

/* Status codes returned by every call that can fail; 0 is success. */
typedef enum dlrt_status_code {
  DLRT_STATUS_OK = 0,
  DLRT_STATUS_INVALID_ARGUMENT = 1, /* a NULL or out-of-range argument */
  DLRT_STATUS_INVALID_PROGRAM = 2,  /* the program description is inconsistent */
  DLRT_STATUS_NO_DEVICE = 3,        /* no CUDA driver or no GPU for the requested device */
  DLRT_STATUS_OUT_OF_MEMORY = 4,    /* host or device allocation failed */
  DLRT_STATUS_MODULE_LOAD = 5,      /* the driver rejected the PTX (JIT log in the error) */
  DLRT_STATUS_DEVICE_ERROR = 6,     /* another driver call failed */
  DLRT_STATUS_INTERNAL = 7,         /* e.g. a worker thread could not be started */
  /* a kernel met an index out of range (programs compiled with dlcc --check-indices); the
   * run completed with the index clamped, and the error names the node */
  DLRT_STATUS_INDEX_OUT_OF_RANGE = 8
} dlrt_status_code;
typedef int dlrt_status;

/* Short fixed name of a status code, e.g. "DLRT_STATUS_NO_DEVICE". */
DLRT_API const char *dlrt_status_string(int status);
/* What the last failing call of this thread said (the failing driver call, the CUDA error
 * name and text, the PTX JIT log); "" when nothing failed yet. */
DLRT_API const char *dlrt_last_error(void);

typedef enum dlrt_device_kind {
  /* The first device the program supports that is present: cuda when it has PTX and a driver
   * and a GPU answer, else host when it has host twins. */
  DLRT_DEVICE_AUTO = 0,
  DLRT_DEVICE_HOST = 1, /* host twins on a pool of CPU threads */
  DLRT_DEVICE_CUDA = 2  /* the CUDA Driver API */
} dlrt_device_kind;

/* All-zero options are the defaults; dlrt_options_init gives the same with struct_size set. */
typedef struct dlrt_options {
  /* sizeof(dlrt_options) of the header the application was built with (dlrt_options_init
   * sets it), so that later libdlrt versions can add members; 0: this header's struct. */
  uint32_t struct_size;
  int device;         /* dlrt_device_kind; DLRT_DEVICE_AUTO honours $DLRT_DEVICE=host|cuda */
  int device_ordinal; /* CUDA device number */
  void *stream;       /* CUstream to run on; NULL: the model makes its own */
  int host_threads;   /* worker threads of the host device; 0: number of online cores */
  /* Weights loaded by the application (bundles compiled with separate weights); NULL: the
   * program's own. Must be weights_size bytes long, the program's weights_size. */
  const void *weights;
  uint64_t weights_size;
  /* Non-zero: time every launch (the device is synchronized after each one, so runs are
   * slower and each time includes its launch overhead); see dlrt_model_launch_times. */
  int profile;
  /* A weights file (dlcc compile --weights=separate) to load when `weights` is NULL; checked
   * against the program (model name, size, checksum) before use. */
  const char *weights_path;
  /* Non-zero (or $DLRT_SANITIZE=1): run on the host device under the sanitizer: every launch
   * runs its blocks one by one with shadow state, and races, out-of-bounds accesses and
   * reads of unwritten memory are printed to stderr (docs/sanitizer.md). Every kernel must
   * have a checked host twin (DLRT_KERNEL_CHECKED); see dlrt_model_sanitizer_reports. */
  int sanitize;
  /* New members go here, at the end, so struct_size tells which ones a caller knows. */
} dlrt_options;

/* Defaults, with struct_size of the caller's header (inline, so that an application built
 * against an older header never gets a newer, larger struct written over its own). */
static inline void dlrt_options_init(dlrt_options *options) {
  if (options) {
#ifdef __cplusplus
    dlrt_options defaults = dlrt_options();
#else
    dlrt_options defaults = {0};
#endif
    defaults.struct_size = (uint32_t)sizeof defaults;
    *options = defaults;
  }
}

/* Checks that the CUDA driver loads and device `ordinal` answers, taking nothing (no context),
 * so that a tool can refuse --device=cuda before it compiles anything. DLRT_STATUS_OK, or the
 * failure's status with the reason in dlrt_last_error(). */
DLRT_API dlrt_status dlrt_cuda_probe(int ordinal);

typedef struct dlrt_model dlrt_model;

/* Prepares `program` (which must outlive the model) on a device: loads kernels, allocates
 * the arena, uploads the weights. options NULL: defaults. */
DLRT_API dlrt_status dlrt_model_create(const dlrt_program *program, const dlrt_options *options,
                                       dlrt_model **out_model);
/* Runs the program once on host buffers: inputs[i] and outputs[i] follow the program's
 * input and output order. Returns when the outputs are written. */
DLRT_API dlrt_status dlrt_model_run(dlrt_model *model, const void *const *inputs,
                                    void *const *outputs);
/* Enqueues one run on device buffers (CUdeviceptr values; host addresses on the host
 * device) on the model's stream; wait with dlrt_model_synchronize. */
DLRT_API dlrt_status dlrt_model_run_device(dlrt_model *model, const uint64_t *inputs,
                                           const uint64_t *outputs);
DLRT_API dlrt_status dlrt_model_synchronize(dlrt_model *model);
/* NULL is allowed. */
DLRT_API void dlrt_model_destroy(dlrt_model *model);
/* Which device runs the model, e.g. "host (2 threads)" or "cuda:0 NVIDIA H100 (sm_90)". */
DLRT_API const char *dlrt_model_device_name(const dlrt_model *model);
/* How the model's kernels were loaded and are launched, e.g. "sm_90 cubin; one CUDA graph of
 * 81 launches per run", "sm_80 PTX; 81 kernel launches per run (no CUDA graph: profiling
 * times each launch)" or "host twins; 81 launches per run". */
DLRT_API const char *dlrt_model_launch_info(const dlrt_model *model);
/* Which device kind the model runs on (DLRT_DEVICE_AUTO only for a NULL model). */
DLRT_API dlrt_device_kind dlrt_model_device_kind(const dlrt_model *model);

/* The dims of output `index` after the last run: *out_dims points at *out_rank values owned
 * by the model, valid until the next run. An output whose size depends on the data
 * (dlrt_tensor_desc.flags has DLRT_TENSOR_DATA_DEPENDENT: NonZero, Compress, Unique,
 * NonMaxSuppression) fills its buffer, allocated at the program's dims (upper bounds), with
 * the tensor of these dims, row-major from the buffer's start; every other output always has
 * the program's dims. After dlrt_model_run_device, call dlrt_model_synchronize first. */
DLRT_API dlrt_status dlrt_model_output_dims(const dlrt_model *model, uint32_t index,
                                            const int64_t **out_dims, uint32_t *out_rank);

/* With dlrt_options.profile: the wall time of every launch of the program, in the program's
 * launch order (program->launch_count entries, nanoseconds summed over *out_runs runs).
 * DLRT_STATUS_INVALID_ARGUMENT when the model was not created with profiling. */
DLRT_API dlrt_status dlrt_model_launch_times(const dlrt_model *model, const uint64_t **out_ns,
                                             uint64_t *out_runs);

/* States (dlrt_program.states): tensors that keep their value from one run to the next, e.g.
 * the weights and optimizer moments of a training step. Each model has its own copy of the
 * weights, where its states live, initialized from the program's weights at creation; a run
 * reads the states as they were when it began and leaves them updated. Get, set, save and
 * load synchronize with the model's stream first (runs enqueued by dlrt_model_run_device
 * finish before the states are read or written). */
DLRT_API uint32_t dlrt_model_state_count(const dlrt_model *model);
/* Name, dtype and dims of state `index` (arena_offset: its byte offset in the weights); NULL
 * when `index` is out of range. Valid while the model lives. */
DLRT_API const dlrt_tensor_desc *dlrt_model_state_desc(const dlrt_model *model, uint32_t index);
/* Copies state `index` (dlrt_tensor_bytes of its desc) to or from host memory. */
DLRT_API dlrt_status dlrt_model_get_state(dlrt_model *model, uint32_t index, void *dst);
DLRT_API dlrt_status dlrt_model_set_state(dlrt_model *model, uint32_t index, const void *src);
/* A checkpoint of every state (docs/runtime.md has the format: model name, each state's name,
 * dtype, dims and bytes, the data, a checksum). Saving writes a temporary file beside `path`
 * and renames it over `path`, so `path` is never a partial file. Loading checks the whole
 * file first (format, checksum, model name, every state's name, dtype and dims) and refuses
 * a corrupt, truncated or foreign checkpoint with DLRT_STATUS_INVALID_ARGUMENT, naming the
 * file and what is wrong; the model's states are then untouched. */
DLRT_API dlrt_status dlrt_model_save_state(dlrt_model *model, const char *path);
DLRT_API dlrt_status dlrt_model_load_state(dlrt_model *model, const char *path);

/* The checksum of dlrt_program.weights_checksum: FNV-1a (64-bit) over the little-endian
 * 64-bit words of the data, then over its trailing bytes. */
DLRT_API uint64_t dlrt_weights_checksum(const void *data, uint64_t size);
/* With the sanitizer: the distinct problems it reported so far (0 when it found none or the
 * model runs without it). */
DLRT_API uint64_t dlrt_model_sanitizer_reports(const dlrt_model *model);

/* Bytes of one element of a dlrt_dtype; 0 for an unknown value and for the packed 4- and
 * 2-bit types, which hold several elements a byte (dlrt/dtypes.def). */
DLRT_API uint32_t dlrt_dtype_size(uint32_t dtype);
/* Bits of one element of a dlrt_dtype (64 ... 2); 0 for an unknown value. */
DLRT_API uint32_t dlrt_dtype_bits(uint32_t dtype);
/* Bytes of a tensor: its element count times the element's bits, rounded up to a byte. */
DLRT_API uint64_t dlrt_tensor_bytes(const dlrt_tensor_desc *tensor);

/* Host-twin registry: lets a driver without a GPU (the test fake) find the host code of a
 * PTX kernel by its entry name. dlrt_model_create registers the kernels of its program that
 * have a host_fn until the last model using them is destroyed; registrations made here stay
 * for the process. A later registration of the same name replaces the earlier one. */
DLRT_API dlrt_status dlrt_host_kernel_register(const char *name, dlrt_host_block_fn fn);
DLRT_API dlrt_host_block_fn dlrt_host_kernel_lookup(const char *name);
/* The same with the kernel's shared and scratch sizes (the descriptor is copied). */
DLRT_API dlrt_status dlrt_host_kernel_register_kernel(const dlrt_kernel *kernel);
/* Fills *out_kernel and returns 0, or returns -1. out_kernel->name points into the
 * registry and is valid while the entry is registered. */
DLRT_API int dlrt_host_kernel_lookup_kernel(const char *name, dlrt_kernel *out_kernel);

#ifdef __cplusplus
}
#endif

#endif
