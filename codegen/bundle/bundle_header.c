/* NAME.h: the C API of a bundle — sizes, dtype and shape macros per tensor, the input and
 * output structs, and the prototypes of the functions NAME.o exports. C99 and C++. */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"

/* A C type for each row of dlrt/dtypes.def, from its kind and width: f16, bf16 and the 8-bit
 * floats travel as their bits, bool as a byte, the packed 4- and 2-bit types as their bytes. */
#define C_TYPE_FLOAT(BITS)                                                                         \
  (BITS == 32 ? "float" : BITS == 64 ? "double" : BITS == 16 ? "uint16_t" : "uint8_t")
#define C_TYPE_SIGNED(BITS)                                                                        \
  (BITS <= 8 ? (BITS == 8 ? "int8_t" : "uint8_t")                                                  \
             : BITS == 16 ? "int16_t" : BITS == 32 ? "int32_t" : "int64_t")
#define C_TYPE_UNSIGNED(BITS)                                                                      \
  (BITS <= 8 ? "uint8_t" : BITS == 16 ? "uint16_t" : BITS == 32 ? "uint32_t" : "uint64_t")
#define C_TYPE_BOOL(BITS) "uint8_t"

typedef struct dtype_info {
  const char *name;
  const char *c_type;
  const char *enumerator;
} dtype_info;

static const dtype_info DTYPES[DLRT_DTYPE_COUNT] = {
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND)                                               \
  [DLRT_DTYPE_##ENUM] = {NAME, C_TYPE_##KIND(BITS), "DLRT_DTYPE_" #ENUM},
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
};

const char *dl_bundle_c_type(uint32_t dtype) {
  return dtype < DLRT_DTYPE_COUNT ? DTYPES[dtype].c_type : NULL;
}

const char *dl_bundle_dtype_name(uint32_t dtype) {
  return dtype < DLRT_DTYPE_COUNT ? DTYPES[dtype].name : "?";
}

/* An ONNX name inside a C comment: nothing that ends the comment or makes a trigraph. */
static void put_comment_text(FILE *out, const char *text) {
  for (const char *p = text; *p; p++)
    fputc((*p >= ' ' && *p <= '~' && *p != '*' && *p != '?' && *p != '\\') ? *p : '_', out);
}

static void put_shape(FILE *out, const dlrt_tensor_desc *tensor) {
  fprintf(out, "%s[", dl_bundle_dtype_name(tensor->dtype));
  for (uint32_t d = 0; d < tensor->rank; d++)
    fprintf(out, "%s%lld", d ? "," : "", (long long)tensor->dims[d]);
  fputc(']', out);
}

static uint64_t element_count(const dlrt_tensor_desc *tensor) {
  uint64_t count = 1;
  for (uint32_t d = 0; d < tensor->rank; d++)
    count *= (uint64_t)tensor->dims[d];
  return count;
}

static void put_tensor_macros(FILE *out, const char *name, const char *role, uint32_t index,
                              const dlrt_tensor_desc *tensor, const char *c_name) {
  fprintf(out, "/* %s %u '", role, index);
  put_comment_text(out, tensor->name);
  fputs("': ", out);
  put_shape(out, tensor);
  fputs(" */\n", out);
  const char *upper = strcmp(role, "input") == 0 ? "INPUT" : "OUTPUT";
  fprintf(out, "#define %s_%s_%s_DTYPE %s\n", name, upper, c_name,
          DTYPES[tensor->dtype].enumerator);
  fprintf(out, "#define %s_%s_%s_RANK %u\n", name, upper, c_name, tensor->rank);
  fprintf(out, "#define %s_%s_%s_DIMS {", name, upper, c_name);
  for (uint32_t d = 0; d < tensor->rank; d++)
    fprintf(out, "%s%lld", d ? ", " : "", (long long)tensor->dims[d]);
  fprintf(out, "%s}\n", tensor->rank ? "" : "0 /* rank 0: no dims */");
  fprintf(out, "#define %s_%s_%s_COUNT %lluull\n", name, upper, c_name,
          (unsigned long long)element_count(tensor));
  fprintf(out, "#define %s_%s_%s_BYTES %lluull\n", name, upper, c_name,
          (unsigned long long)dlrt_tensor_bytes(tensor));
  if (tensor->flags & DLRT_TENSOR_DATA_DEPENDENT)
    fprintf(out,
            "/* Its size depends on the data: DIMS, COUNT and BYTES are upper bounds; after a\n"
            " * run, dlrt_model_output_dims((const dlrt_model *)model, %u, ...) gives the actual\n"
            " * dims of the tensor at the buffer's start. */\n"
            "#define %s_%s_%s_DATA_DEPENDENT 1\n",
            index, name, upper, c_name);
}

static void put_struct(FILE *out, const char *name, const char *role, const char *qualifier,
                       const dlrt_tensor_desc *tensors, uint32_t count, char **c_names) {
  fprintf(out, "/* One pointer per model %s, in the model's order (laid out as an array of\n"
               " * %u pointers: the struct is passed to libdlrt as that array). */\n"
               "struct %s_%ss {\n",
          role, count, name, role);
  for (uint32_t i = 0; i < count; i++) {
    fprintf(out, "  %s%s *%s; /* '", qualifier, DTYPES[tensors[i].dtype].c_type, c_names[i]);
    put_comment_text(out, tensors[i].name);
    fputs("': ", out);
    put_shape(out, &tensors[i]);
    fputs(" */\n", out);
  }
  if (count == 0)
    fprintf(out, "  void *no_%ss; /* the model has none; C needs a member */\n", role);
  fprintf(out, "};\n");
  /* C99 has no _Static_assert: a negative array size fails the build instead. */
  fprintf(out,
          "typedef char %s_%ss_are_pointers[sizeof(struct %s_%ss) == %u * sizeof(void *) ? 1 : "
          "-1];\n\n",
          name, role, name, role, count ? count : 1);
}

uint64_t dl_bundle_host_workspace_bytes(const dlrt_program *program,
                                        const dl_bundle_options *options) {
  uint64_t shared = 0, scratch = 0;
  for (uint32_t i = 0; options->host && i < program->kernel_count; i++) {
    uint64_t kernel_shared = (program->kernels[i].shared_bytes + 15ull) & ~15ull;
    uint64_t kernel_scratch = (program->kernels[i].scratch_bytes + 15ull) & ~15ull;
    shared = kernel_shared > shared ? kernel_shared : shared;
    scratch = kernel_scratch > scratch ? kernel_scratch : scratch;
  }
  return shared + scratch;
}

static const char API[] =
    "/* The opaque model: the program prepared on a device (kernels loaded, arena and weights\n"
    " * allocated). */\n"
    "typedef struct @_model @_model;\n"
    "\n"
    "/* The program libdlrt runs, for the raw API (dlrt_model_create(&@_program, ...)). */\n"
    "extern const dlrt_program @_program;\n"
    "\n"
    "/* Prepares the model on a device. opts NULL: defaults (the first device the bundle\n"
    " * supports that is present; $DLRT_DEVICE=host|cuda overrides). Returns a dlrt_status;\n"
    " * dlrt_last_error() says what failed. */\n"
    "int @_create(@_model **out_model, const dlrt_options *opts);\n"
    "/* Runs once on host buffers; returns when the outputs are written. */\n"
    "int @_run(@_model *model, const struct @_inputs *inputs, struct @_outputs *outputs);\n"
    "/* Enqueues one run on device buffers (CUdeviceptr values; host addresses on the host\n"
    " * device), inputs and outputs in the structs' order, on the model's stream (the one in\n"
    " * dlrt_options.stream, or its own); wait with @_synchronize. */\n"
    "int @_run_device(@_model *model, const uint64_t *inputs, const uint64_t *outputs);\n"
    "int @_synchronize(@_model *model);\n"
    "/* NULL is allowed. */\n"
    "void @_destroy(@_model *model);\n"
    "/* Which device runs the model, e.g. \"host (2 threads)\" or \"cuda:0 ... (sm_90)\". */\n"
    "const char *@_device_name(const @_model *model);\n"
    "/* How its kernels were loaded and are launched, e.g. \"sm_90 cubin; one CUDA graph of\n"
    " * 81 launches per run\" or \"sm_80 PTX; ...\" (JIT-compiled by the driver). */\n"
    "const char *@_launch_info(const @_model *model);\n"
    "/* States (@_STATE_COUNT; a training step's weights and moments): kept in the model's\n"
    " * own weights from run to run. Get or set state `index` (dlrt_model_state_desc of the\n"
    " * raw API has its name, dtype and dims), or save and load all of them as a checkpoint\n"
    " * (written atomically, checked before loading; see libdlrt's docs/runtime.md). */\n"
    "uint32_t @_state_count(const @_model *model);\n"
    "int @_get_state(@_model *model, uint32_t index, void *dst);\n"
    "int @_set_state(@_model *model, uint32_t index, const void *src);\n"
    "int @_save_state(@_model *model, const char *path);\n"
    "int @_load_state(@_model *model, const char *path);\n";

static void put_api(FILE *out, const char *name) {
  for (const char *p = API; *p; p++)
    if (*p == '@')
      fputs(name, out);
    else
      fputc(*p, out);
}

char *dl_bundle_header(const dlrt_program *program, const dl_bundle_names *names,
                       const dl_bundle_options *options) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  if (!out)
    return NULL;
  const char *name = options->name;
  fprintf(out,
          "/* %s.h: the C API of the dlcc bundle %s.o (generated by dlcc compile; see\n"
          " * docs/bundles.md). Link: cc app.c %s.o $(pkg-config --cflags --libs dlrt) */\n"
          "#ifndef DLCC_BUNDLE_%s_H\n#define DLCC_BUNDLE_%s_H\n\n"
          "#include <stdint.h>\n\n#include <dlrt.h>\n\n"
          "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
          name, name, name, name, name);
  fprintf(out, "/* Memory in bytes: the arena (activations and workspace) is allocated on the\n"
               " * device per model; the weights are uploaded to it once per model. */\n");
  fprintf(out, "#define %s_ARENA_BYTES %lluull\n", name, (unsigned long long)program->arena_size);
  fprintf(out, "#define %s_WEIGHT_BYTES %lluull\n", name,
          (unsigned long long)program->weights_size);
  fprintf(out, "/* Counters of split-K GEMMs: allocated and zeroed on the device per model. */\n");
  fprintf(out, "#define %s_COUNTER_BYTES %lluull\n", name,
          (unsigned long long)program->counter_bytes);
  fprintf(out, "/* Per worker thread of the host device: shared memory and scratch of the largest\n"
               " * kernel (0 without host twins). */\n");
  fprintf(out, "#define %s_HOST_WORKSPACE_BYTES %lluull\n", name,
          (unsigned long long)dl_bundle_host_workspace_bytes(program, options));
  fprintf(out, "/* 0: load %s.weights (dlrt_options.weights_path or .weights) */\n", name);
  fprintf(out, "#define %s_WEIGHTS_EMBEDDED %d\n", name, options->separate_weights ? 0 : 1);
  fprintf(out, "#define %s_INPUT_COUNT %u\n#define %s_OUTPUT_COUNT %u\n", name,
          program->input_count, name, program->output_count);
  fprintf(out, "#define %s_STATE_COUNT %u\n\n", name, program->state_count);
  for (uint32_t i = 0; i < program->input_count; i++)
    put_tensor_macros(out, name, "input", i, &program->inputs[i], names->inputs[i]);
  for (uint32_t i = 0; i < program->output_count; i++)
    put_tensor_macros(out, name, "output", i, &program->outputs[i], names->outputs[i]);
  fputc('\n', out);
  put_struct(out, name, "input", "const ", program->inputs, program->input_count, names->inputs);
  put_struct(out, name, "output", "", program->outputs, program->output_count, names->outputs);
  put_api(out, name);
  if (options->train)
    dl_bundle_put_train_api(out, program, names, name);
  fprintf(out, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
  if (fclose(out) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
