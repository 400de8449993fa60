/* Checks every index, offset and size of a program against the others. */
#include "runtime/program_check.h"

#include <stddef.h>
#include <string.h>

#include "runtime/error.h"

#define MAX_RANK 16
#define MAX_THREADS_PER_BLOCK 1024u

static const uint8_t dtype_bits[DLRT_DTYPE_COUNT] = {
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND) [DLRT_DTYPE_##ENUM] = (BITS),
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
};

uint32_t dlrt_dtype_bits(uint32_t dtype) {
  return dtype < DLRT_DTYPE_COUNT ? dtype_bits[dtype] : 0;
}

uint32_t dlrt_dtype_size(uint32_t dtype) { return dlrt_dtype_bits(dtype) / 8; }

uint64_t dlrt_tensor_bytes(const dlrt_tensor_desc *tensor) {
  uint64_t elements = 1;
  for (uint32_t i = 0; i < tensor->rank; i++)
    elements *= (uint64_t)tensor->dims[i];
  return (elements * dlrt_dtype_bits(tensor->dtype) + 7) / 8; /* packed types: whole bytes */
}

static const char *program_name(const dlrt_program *program) {
  return program->name ? program->name : "(unnamed)";
}

static int check_tensor(const dlrt_program *program, const dlrt_tensor_desc *tensor,
                        const char *role, uint32_t index) {
  const char *name = tensor->name ? tensor->name : "(unnamed)";
  if (!tensor->name || dlrt_dtype_bits(tensor->dtype) == 0 || tensor->rank > MAX_RANK ||
      (tensor->rank && !tensor->dims))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': %s %u '%s' needs a name, a known dtype (got %u) and at "
                      "most %d dims",
                      program_name(program), role, index, name, tensor->dtype, MAX_RANK);
  for (uint32_t i = 0; i < tensor->rank; i++)
    if (tensor->dims[i] < 0)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': %s '%s' has dim %u = %lld",
                        program_name(program), role, name, i, (long long)tensor->dims[i]);
  if (tensor->bound_value && strcmp(role, "input") != 0)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': %s '%s' has a bound value",
                      program_name(program), role, name);
  if (tensor->flags & ~(uint32_t)DLRT_TENSOR_DATA_DEPENDENT ||
      ((tensor->flags & DLRT_TENSOR_DATA_DEPENDENT) &&
       (strcmp(role, "output") != 0 || tensor->dims_offset % sizeof(int64_t) ||
        tensor->dims_offset > program->arena_size ||
        tensor->rank * sizeof(int64_t) > program->arena_size - tensor->dims_offset)))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': %s '%s' has flags 0x%x and a dims record at arena offset "
                      "%llu (only outputs are data-dependent, with an aligned record of %u dims "
                      "inside the %llu-byte arena)",
                      program_name(program), role, name, tensor->flags,
                      (unsigned long long)tensor->dims_offset, tensor->rank,
                      (unsigned long long)program->arena_size);
  uint64_t bytes = dlrt_tensor_bytes(tensor);
  if (tensor->arena_offset != DLRT_BINDING && (tensor->arena_offset > program->arena_size ||
                                               bytes > program->arena_size - tensor->arena_offset))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': %s '%s' (%llu bytes at arena offset %llu) does not fit the "
                      "%llu-byte arena",
                      program_name(program), role, name, (unsigned long long)bytes,
                      (unsigned long long)tensor->arena_offset,
                      (unsigned long long)program->arena_size);
  return DLRT_STATUS_OK;
}

/* A state: a described tensor inside the weights, its name unique among the states (a
 * checkpoint names them). */
static int check_state(const dlrt_program *program, uint32_t index) {
  const dlrt_tensor_desc *state = &program->states[index];
  const char *name = state->name ? state->name : "(unnamed)";
  if (!state->name || dlrt_dtype_bits(state->dtype) == 0 || state->rank > MAX_RANK ||
      (state->rank && !state->dims) || state->bound_value || state->flags)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': state %u '%s' needs a name, a known dtype (got %u), at most "
                      "%d dims, and no bound value or flags",
                      program_name(program), index, name, state->dtype, MAX_RANK);
  for (uint32_t i = 0; i < state->rank; i++)
    if (state->dims[i] < 0)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': state '%s' has dim %u = %lld",
                        program_name(program), name, i, (long long)state->dims[i]);
  uint64_t bytes = dlrt_tensor_bytes(state);
  if (state->arena_offset > program->weights_size ||
      bytes > program->weights_size - state->arena_offset)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': state '%s' (%llu bytes at weights offset %llu) does not fit "
                      "the %llu bytes of weights",
                      program_name(program), name, (unsigned long long)bytes,
                      (unsigned long long)state->arena_offset,
                      (unsigned long long)program->weights_size);
  for (uint32_t j = 0; j < index; j++)
    if (strcmp(program->states[j].name, state->name) == 0)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': two states are named '%s'",
                        program_name(program), name);
  return DLRT_STATUS_OK;
}

static int check_arg(const dlrt_program *program, uint32_t launch_index, const char *kernel,
                     uint32_t arg_index, const dlrt_arg *arg) {
  const char *problem = NULL;
  switch (arg->kind) {
  case DLRT_ARG_ARENA:
    if (arg->value >= program->arena_size)
      problem = "an arena offset past the arena";
    else if (arg->bytes > program->arena_size - arg->value)
      problem = "a tensor that ends past the arena";
    break;
  case DLRT_ARG_WEIGHT:
    if (arg->value >= program->weights_size)
      problem = "a weight offset past the weights";
    else if (arg->bytes > program->weights_size - arg->value)
      problem = "a tensor that ends past the weights";
    break;
  case DLRT_ARG_COUNTERS:
    if (arg->value >= program->counter_bytes || arg->value % sizeof(uint32_t))
      problem = "a counter offset past the counters or not u32-aligned";
    else if (arg->bytes > program->counter_bytes - arg->value)
      problem = "a counter range that ends past the counters";
    break;
  case DLRT_ARG_INPUT:
    if (arg->index >= program->input_count)
      problem = "an input index past the inputs";
    break;
  case DLRT_ARG_OUTPUT:
    if (arg->index >= program->output_count)
      problem = "an output index past the outputs";
    break;
  case DLRT_ARG_I32:
  case DLRT_ARG_I64:
  case DLRT_ARG_F32:
  case DLRT_ARG_F64:
    break;
  default:
    problem = "of an unknown kind";
  }
  if (problem)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': launch %u (kernel '%s'): argument %u (kind %u, index %u, "
                      "value %llu) is %s",
                      program_name(program), launch_index, kernel, arg_index, arg->kind, arg->index,
                      (unsigned long long)arg->value, problem);
  return DLRT_STATUS_OK;
}

static int check_launch(const dlrt_program *program, uint32_t index) {
  const dlrt_launch *launch = &program->launches[index];
  if (launch->kernel >= program->kernel_count)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': launch %u names kernel %u of %u",
                      program_name(program), index, launch->kernel, program->kernel_count);
  const dlrt_kernel *kernel = &program->kernels[launch->kernel];
  if (launch->arg_count != kernel->param_count || (launch->arg_count && !launch->args))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': launch %u passes %u arguments to kernel '%s' of %u "
                      "parameters",
                      program_name(program), index, launch->arg_count, kernel->name,
                      kernel->param_count);
  uint64_t threads = (uint64_t)launch->block[0] * launch->block[1] * launch->block[2];
  uint64_t blocks = (uint64_t)launch->grid[0] * launch->grid[1] * launch->grid[2];
  if (threads == 0 || threads > MAX_THREADS_PER_BLOCK || blocks == 0)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': launch %u (kernel '%s') has grid %ux%ux%u and block "
                      "%ux%ux%u (need at least one block of 1..%u threads)",
                      program_name(program), index, kernel->name, launch->grid[0], launch->grid[1],
                      launch->grid[2], launch->block[0], launch->block[1], launch->block[2],
                      MAX_THREADS_PER_BLOCK);
  for (uint32_t i = 0; i < launch->arg_count; i++) {
    int status = check_arg(program, index, kernel->name, i, &launch->args[i]);
    if (status)
      return status;
  }
  return DLRT_STATUS_OK;
}

/* The index error word (a u32) lies inside the arena and every site has a name. */
static int check_index_sites(const dlrt_program *program) {
  if (!program->index_check_count)
    return DLRT_STATUS_OK;
  if (!program->index_check_sites || program->arena_size < sizeof(uint32_t) ||
      program->index_check_offset > program->arena_size - sizeof(uint32_t) ||
      program->index_check_offset % sizeof(uint32_t))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': the index error word (arena offset %llu) is not an aligned "
                      "u32 inside the %llu-byte arena, or its sites are missing",
                      program_name(program), (unsigned long long)program->index_check_offset,
                      (unsigned long long)program->arena_size);
  for (uint32_t i = 0; i < program->index_check_count; i++)
    if (!program->index_check_sites[i])
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': index check site %u has no name",
                        program_name(program), i + 1);
  return DLRT_STATUS_OK;
}

int dlrt_program_check(const dlrt_program *program) {
  if (!program)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_create: program is NULL");
  if (program->abi_version != DLRT_PROGRAM_ABI_VERSION)
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s' has ABI version %u but this libdlrt reads version %u: "
                      "recompile the model with a matching dlcc",
                      program_name(program), program->abi_version, DLRT_PROGRAM_ABI_VERSION);
  if ((program->kernel_count && !program->kernels) ||
      (program->module_count && !program->modules) ||
      (program->launch_count && !program->launches) || (program->input_count && !program->inputs) ||
      (program->output_count && !program->outputs) || (program->state_count && !program->states))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': a table with a nonzero count has a NULL pointer",
                      program_name(program));
  for (uint32_t i = 0; i < program->kernel_count; i++)
    if (!program->kernels[i].name)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': kernel %u has no name",
                        program_name(program), i);
  for (uint32_t i = 0; i < program->module_count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    if (!module->ptx)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM, "program '%s': PTX module %u is NULL",
                        program_name(program), i);
    if (!module->cubin != !module->cubin_size)
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                        "program '%s': the sm_%u module has a cubin pointer and size that "
                        "disagree (%s, %llu bytes)",
                        program_name(program), module->sm_version, module->cubin ? "set" : "NULL",
                        (unsigned long long)module->cubin_size);
  }
  if (program->counter_bytes % sizeof(uint32_t))
    return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                      "program '%s': the counter region has %llu bytes, not whole u32s",
                      program_name(program), (unsigned long long)program->counter_bytes);
  for (uint32_t i = 0; i < program->input_count; i++) {
    int status = check_tensor(program, &program->inputs[i], "input", i);
    if (status)
      return status;
  }
  for (uint32_t i = 0; i < program->output_count; i++) {
    int status = check_tensor(program, &program->outputs[i], "output", i);
    if (status)
      return status;
  }
  for (uint32_t i = 0; i < program->state_count; i++) {
    int status = check_state(program, i);
    if (status)
      return status;
  }
  for (uint32_t i = 0; i < program->launch_count; i++) {
    int status = check_launch(program, i);
    if (status)
      return status;
  }
  return check_index_sites(program);
}
