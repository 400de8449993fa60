/* Binding and reporting the tensors of `dlcc run` (see run_io.h). */
#include "tools/dlcc/run_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend/onnx/onnx_import.h"
#include "ir/arena.h"
#include "ir/type.h"
#include "tools/dlcc/npy.h"
#include "tools/dlcc/output_file.h"
#include "tools/dlcc/tensor_file.h"

static ir_type type_of(const dlrt_tensor_desc *tensor) {
  return ir_type_make((ir_dtype)(tensor->dtype + 1), (int)tensor->rank, tensor->dims);
}

/* Output `index` with the dims of the last run (actual ones for data-dependent outputs). */
static ir_type output_type(const dlrt_model *model, const dlrt_program *program, uint32_t index) {
  const int64_t *dims = NULL;
  uint32_t rank = 0;
  if (dlrt_model_output_dims(model, index, &dims, &rank) != DLRT_STATUS_OK)
    return type_of(&program->outputs[index]);
  return ir_type_make((ir_dtype)(program->outputs[index].dtype + 1), (int)rank, dims);
}

static int64_t bytes_of(const dlrt_tensor_desc *tensor) {
  ir_type type = type_of(tensor);
  int64_t bytes = 0;
  ir_type_byte_size(&type, &bytes);
  return bytes;
}

/* xorshift64*: deterministic across machines, seeded per input. */
static uint64_t next_random(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 2685821657736338717ull;
}

/* Uniform floats in [-1, 1); integers in [0, 8) so they index small tables; bools 0/1. */
static void fill_random(const dlrt_tensor_desc *tensor, void *data, unsigned seed, int index) {
  uint64_t state = 0x9E3779B97F4A7C15ull * ((uint64_t)seed + 1) + (uint64_t)index * 7919 + 1;
  ir_type type = type_of(tensor);
  int64_t count = 0;
  ir_type_element_count(&type, &count);
  size_t size = ir_dtype_size(type.dtype);
  if (ir_dtype_is_packed(type.dtype)) /* small integers in every packed byte */
    ir_type_byte_size(&type, &count), size = 1;
  for (int64_t i = 0; i < count; i++) {
    uint64_t bits = next_random(&state);
    char *at = (char *)data + (size_t)i * size;
    if (type.dtype == IR_DTYPE_F32) {
      float value = (float)((double)(bits >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
      memcpy(at, &value, sizeof(value));
    } else if (type.dtype == IR_DTYPE_F64) {
      double value = (double)(bits >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
      memcpy(at, &value, sizeof(value));
    } else {
      uint64_t value = type.dtype == IR_DTYPE_BOOL ? (bits >> 63) : (bits >> 61);
      memcpy(at, &value, size); /* little-endian: the low bytes */
    }
  }
}

static const char *binding_for(const run_options *options, const char *name) {
  size_t length = strlen(name);
  for (int i = 0; i < options->num_inputs; i++)
    if (strncmp(options->inputs[i], name, length) == 0 && options->inputs[i][length] == '=')
      return options->inputs[i] + length + 1;
  return NULL;
}

static int load_input(const dlrt_tensor_desc *tensor, const char *path, void *data, dl_diag *diag) {
  ir_arena *arena = ir_arena_create();
  if (!arena)
    return dl_error(diag, "out of memory");
  ir_type have_type;
  const void *have_data = NULL;
  int64_t bytes = 0;
  int status = cli_read_tensor_file(path, arena, &have_type, &have_data, &bytes, diag);
  ir_type expected = type_of(tensor);
  if (status == 0 && !ir_type_equal(&have_type, &expected)) {
    char have[128], want[128];
    ir_type_format(&have_type, NULL, have, sizeof(have));
    ir_type_format(&expected, NULL, want, sizeof(want));
    status = dl_error(diag, "%s: input '%s' needs %s but the file holds %s", path, tensor->name,
                      want, have);
  } else if (status == 0 && bytes > 0) {
    memcpy(data, have_data, (size_t)bytes);
  }
  ir_arena_destroy(arena);
  return status;
}

static int check_bindings(const dlrt_program *program, const run_options *options, dl_diag *diag) {
  int status = 0;
  for (int i = 0; i < options->num_inputs; i++) {
    const char *binding = options->inputs[i];
    size_t length = (size_t)(strchr(binding, '=') - binding);
    int known = 0;
    for (uint32_t j = 0; j < program->input_count; j++)
      known |= strlen(program->inputs[j].name) == length &&
               strncmp(program->inputs[j].name, binding, length) == 0;
    if (!known)
      status =
          dl_error(diag, "--input %.*s: the model has no input of that name", (int)length, binding);
  }
  return status;
}

/* The .npy file of each output: names can hold '/' and ':' (ONNX), so file names keep only
 * plain characters; two outputs that would share a file are refused, naming both. */
static int name_output_files(const dlrt_program *program, const char *directory,
                             const dl_file_set *inputs, run_tensors *out, dl_diag *diag) {
  if (!*directory)
    return dl_error(diag, "--output-dir is empty: give the folder to write the outputs to");
  out->output_files = calloc(program->output_count + 1, sizeof(char *));
  if (!out->output_files)
    return dl_error(diag, "out of memory");
  int status = 0;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const char *name = program->outputs[i].name;
    size_t length = strlen(directory) + strlen(name) + 8;
    char *path = out->output_files[i] = malloc(length);
    if (!path)
      return dl_error(diag, "out of memory");
    int at = snprintf(path, length, "%s/", directory);
    for (const char *c = name; *c; c++)
      path[at++] = (*c == '/' || *c == '\\' || *c == ':' || *c == ' ') ? '_' : *c;
    strcpy(path + at, ".npy");
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(out->output_files[j], path) == 0)
        status = dl_error(diag, "outputs '%s' and '%s' would both be written to %s",
                          program->outputs[j].name, name, path);
    if (cli_output_check(path, "an output", inputs, diag) != 0)
      status = -1;
  }
  return status;
}

int run_tensors_prepare(const dlrt_program *program, const run_options *options,
                        dl_file_set *inputs, run_tensors *out, dl_diag *diag) {
  memset(out, 0, sizeof(*out));
  out->input_count = (int)program->input_count;
  out->output_count = (int)program->output_count;
  out->inputs = calloc(program->input_count + 1, sizeof(void *));
  out->outputs = calloc(program->output_count + 1, sizeof(void *));
  out->input_sources = calloc(program->input_count + 1, sizeof(char *));
  if (!out->inputs || !out->outputs || !out->input_sources)
    return dl_error(diag, "out of memory");
  if (check_bindings(program, options, diag) != 0)
    return -1;
  int status = 0;
  for (uint32_t i = 0; i < program->input_count; i++) {
    const dlrt_tensor_desc *tensor = &program->inputs[i];
    int64_t bytes = bytes_of(tensor);
    out->inputs[i] = calloc(1, bytes ? (size_t)bytes : 1);
    if (!out->inputs[i])
      return dl_error(diag, "out of memory for input '%s'", tensor->name);
    const char *path = binding_for(options, tensor->name);
    char source[512];
    dl_file_id id;
    if (path && dl_file_id_of(path, &id) && dl_file_set_add(inputs, id) != 0)
      return dl_error(diag, "out of memory");
    if (path) {
      status |= load_input(tensor, path, out->inputs[i], diag);
      snprintf(source, sizeof(source), "from %s", path);
    } else if (tensor->bound_value) { /* random data would not be the bound value */
      memcpy(out->inputs[i], tensor->bound_value, (size_t)bytes);
      snprintf(source, sizeof(source), "its value bound at compile time");
    } else {
      fill_random(tensor, out->inputs[i], options->seed, (int)i);
      snprintf(source, sizeof(source), "random (seed %u)", options->seed);
    }
    out->input_sources[i] = strdup(source);
  }
  for (uint32_t i = 0; i < program->output_count; i++) {
    int64_t bytes = bytes_of(&program->outputs[i]);
    if (!(out->outputs[i] = calloc(1, bytes ? (size_t)bytes : 1)))
      return dl_error(diag, "out of memory for output '%s'", program->outputs[i].name);
  }
  if (options->output_dir && name_output_files(program, options->output_dir, inputs, out, diag))
    return -1;
  return status;
}

static void print_type(const dlrt_tensor_desc *tensor, FILE *out) {
  char text[128];
  ir_type type = type_of(tensor);
  ir_type_format(&type, NULL, text, sizeof(text));
  fputs(text, out);
}

void run_tensors_print_inputs(const dlrt_program *program, const run_tensors *tensors,
                              const run_options *options, FILE *out) {
  (void)options;
  for (uint32_t i = 0; i < program->input_count; i++) {
    fprintf(out, "  input  %s: ", program->inputs[i].name);
    print_type(&program->inputs[i], out);
    fprintf(out, " %s\n", tensors->input_sources[i] ? tensors->input_sources[i] : "");
  }
}

/* The first few values, and min/max of float outputs. */
void run_tensors_print_outputs(const dlrt_model *model, const dlrt_program *program,
                               const run_tensors *tensors, FILE *out) {
  for (uint32_t i = 0; i < program->output_count; i++) {
    const dlrt_tensor_desc *tensor = &program->outputs[i];
    ir_type type = output_type(model, program, i);
    int64_t count = 0;
    ir_type_element_count(&type, &count);
    char text[128];
    ir_type_format(&type, NULL, text, sizeof(text));
    fprintf(out, "  output %s: %s", tensor->name, text);
    if (type.dtype != IR_DTYPE_F32) {
      fputc('\n', out);
      continue;
    }
    const float *values = tensors->outputs[i];
    fputs(" = [", out);
    for (int64_t k = 0; k < count && k < 6; k++)
      fprintf(out, "%s%.6g", k ? ", " : "", values[k]);
    float low = count ? values[0] : 0, high = low;
    for (int64_t k = 1; k < count; k++) {
      low = values[k] < low ? values[k] : low;
      high = values[k] > high ? values[k] : high;
    }
    fprintf(out, "%s] min %.6g max %.6g\n", count > 6 ? ", ..." : "", low, high);
  }
}

/* mkdir -p: every missing folder of `directory`, as `dlcc run --output-dir a/b/c` expects. */
static int make_directories(const char *directory, dl_diag *diag) {
  if (!*directory) /* the walk below starts after the first character */
    return dl_error(diag, "no folder given for the outputs");
  char *path = strdup(directory);
  if (!path)
    return dl_error(diag, "out of memory");
  int status = 0;
  for (char *at = path + 1; status == 0; at++) {
    char kept = *at;
    if (kept != '/' && kept != '\0')
      continue;
    *at = '\0';
    struct stat info;
    if (mkdir(path, 0777) != 0 &&
        !(errno == EEXIST && stat(path, &info) == 0 && S_ISDIR(info.st_mode)))
      status = dl_error(diag, "%s: cannot create: %s", path,
                        errno == EEXIST ? "a file is in the way" : strerror(errno));
    *at = kept;
    if (kept == '\0')
      break;
  }
  free(path);
  return status;
}

int run_tensors_write_outputs(const dlrt_model *model, const dlrt_program *program,
                              const run_tensors *tensors, const char *directory, dl_diag *diag) {
  if (make_directories(directory, diag) != 0)
    return -1;
  for (uint32_t i = 0; i < program->output_count; i++) {
    const char *path = tensors->output_files[i];
    ir_type type = output_type(model, program, i);
    cli_output output;
    if (cli_output_open(&output, path, diag) != 0)
      return -1;
    if (npy_write(output.stream, path, &type, tensors->outputs[i], diag) != 0) {
      cli_output_discard(&output);
      return -1;
    }
    if (cli_output_commit(&output, diag) != 0)
      return -1;
  }
  return 0;
}

void run_tensors_free(run_tensors *tensors) {
  for (int i = 0; tensors->inputs && i < tensors->input_count; i++)
    free(tensors->inputs[i]);
  for (int i = 0; tensors->outputs && i < tensors->output_count; i++)
    free(tensors->outputs[i]);
  for (int i = 0; tensors->input_sources && i < tensors->input_count; i++)
    free(tensors->input_sources[i]);
  for (int i = 0; tensors->output_files && i < tensors->output_count; i++)
    free(tensors->output_files[i]);
  free(tensors->output_files);
  free(tensors->inputs);
  free(tensors->outputs);
  free(tensors->input_sources);
  memset(tensors, 0, sizeof(*tensors));
}
