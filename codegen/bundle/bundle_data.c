/* The dlrt_program of a bundle as LLVM constant globals: strings, the kernel, module, launch,
 * argument and tensor tables, the weights, and the exported NAME_program that points at them.
 * The flat structs of dlrt/program.h have LLVM's natural struct layout on x86-64 SysV. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"
#include "codegen/program/buffer_plan.h"

/* The layouts the LLVM structs below reproduce. */
_Static_assert(sizeof(void *) == 8, "bundles are emitted for 64-bit hosts");
_Static_assert(offsetof(dlrt_kernel, param_count) == 16 && offsetof(dlrt_kernel, flags) == 32 &&
                   sizeof(dlrt_kernel) == 40,
               "kernel");
_Static_assert(offsetof(dlrt_ptx_module, ptx) == 8 && offsetof(dlrt_ptx_module, cubin) == 16 &&
                   sizeof(dlrt_ptx_module) == 32,
               "module");
_Static_assert(offsetof(dlrt_arg, value) == 8 && offsetof(dlrt_arg, bytes) == 16 &&
                   sizeof(dlrt_arg) == 24,
               "arg");
_Static_assert(offsetof(dlrt_launch, block) == 16 && offsetof(dlrt_launch, arg_count) == 28 &&
                   offsetof(dlrt_launch, args) == 32 && sizeof(dlrt_launch) == 40,
               "launch");
_Static_assert(offsetof(dlrt_tensor_desc, dims) == 16 && offsetof(dlrt_tensor_desc, bound_value) == 32 &&
                   offsetof(dlrt_tensor_desc, dims_offset) == 40 &&
                   offsetof(dlrt_tensor_desc, flags) == 48 && sizeof(dlrt_tensor_desc) == 56,
               "tensor");
_Static_assert(offsetof(dlrt_program, weights) == 64 && offsetof(dlrt_program, arena_size) == 88 &&
                   offsetof(dlrt_program, counter_bytes) == 96 &&
                   offsetof(dlrt_program, outputs) == 128 &&
                   offsetof(dlrt_program, states) == 144 &&
                   offsetof(dlrt_program, index_check_count) == 160 &&
                   offsetof(dlrt_program, index_check_sites) == 168 && sizeof(dlrt_program) == 176,
               "program");

typedef struct data_emitter {
  LLVMModuleRef module;
  LLVMContextRef context;
  LLVMTypeRef i32, i64, ptr;
  LLVMTypeRef kernel, ptx_module, arg, launch, tensor;
} data_emitter;

static LLVMValueRef u32(data_emitter *e, uint64_t value) { return LLVMConstInt(e->i32, value, 0); }
static LLVMValueRef u64(data_emitter *e, uint64_t value) { return LLVMConstInt(e->i64, value, 0); }

static LLVMTypeRef struct_type(data_emitter *e, LLVMTypeRef *fields, unsigned count) {
  return LLVMStructTypeInContext(e->context, fields, count, 0);
}

static void init_types(data_emitter *e, LLVMModuleRef module) {
  e->module = module;
  e->context = LLVMGetModuleContext(module);
  e->i32 = LLVMInt32TypeInContext(e->context);
  e->i64 = LLVMInt64TypeInContext(e->context);
  e->ptr = LLVMPointerTypeInContext(e->context, 0);
  LLVMTypeRef triple = LLVMArrayType2(e->i32, 3);
  e->kernel =
      struct_type(e, (LLVMTypeRef[]){e->ptr, e->ptr, e->i32, e->i32, e->i32, e->i32, e->i32}, 7);
  e->ptx_module = struct_type(e, (LLVMTypeRef[]){e->i32, e->ptr, e->ptr, e->i64}, 4);
  e->arg = struct_type(e, (LLVMTypeRef[]){e->i32, e->i32, e->i64, e->i64}, 4);
  e->launch = struct_type(e, (LLVMTypeRef[]){e->i32, triple, triple, e->i32, e->ptr}, 5);
  e->tensor = struct_type(
      e, (LLVMTypeRef[]){e->ptr, e->i32, e->i32, e->ptr, e->i64, e->ptr, e->i64, e->i32}, 8);
}

static LLVMValueRef constant_global(data_emitter *e, const char *name, LLVMValueRef value,
                                    unsigned alignment) {
  LLVMValueRef global = LLVMAddGlobal(e->module, LLVMTypeOf(value), name);
  LLVMSetInitializer(global, value);
  LLVMSetGlobalConstant(global, 1);
  LLVMSetLinkage(global, LLVMPrivateLinkage);
  LLVMSetUnnamedAddress(global, LLVMGlobalUnnamedAddr);
  if (alignment)
    LLVMSetAlignment(global, alignment);
  return global;
}

static LLVMValueRef string(data_emitter *e, const char *text) {
  return constant_global(e, "bundle.str",
                         LLVMConstStringInContext2(e->context, text, strlen(text), 0), 1);
}

static LLVMValueRef struct_value(data_emitter *e, LLVMTypeRef type, LLVMValueRef *fields,
                                 unsigned count) {
  (void)type; /* literal struct types are uniqued: the value's type is `type` */
  return LLVMConstStructInContext(e->context, fields, count, 0);
}

/* A private array of `count` elements; NULL pointer when empty. */
static LLVMValueRef array(data_emitter *e, const char *name, LLVMTypeRef element,
                          LLVMValueRef *values, uint64_t count) {
  if (count == 0)
    return LLVMConstNull(e->ptr);
  return constant_global(e, name, LLVMConstArray2(element, values, count), 8);
}

static LLVMValueRef triple_of(data_emitter *e, const uint32_t values[3]) {
  LLVMValueRef elements[3] = {u32(e, values[0]), u32(e, values[1]), u32(e, values[2])};
  return LLVMConstArray2(e->i32, elements, 3);
}

static LLVMValueRef kernels(data_emitter *e, const dlrt_program *program, bool host_twins,
                            dl_diag *diag) {
  LLVMValueRef *values = calloc(program->kernel_count + 1, sizeof *values);
  LLVMValueRef table = NULL;
  for (uint32_t i = 0; values && i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    LLVMValueRef host_fn = LLVMConstNull(e->ptr);
    if (host_twins) {
      char symbol[512];
      snprintf(symbol, sizeof symbol, "%s__host", kernel->name);
      if (!(host_fn = LLVMGetNamedFunction(e->module, symbol))) {
        dl_error(diag, "bundle: kernel '%s' has no host twin %s in the host module", kernel->name,
                 symbol);
        free(values);
        return NULL;
      }
    }
    LLVMValueRef fields[] = {string(e, kernel->name), host_fn, u32(e, kernel->param_count),
                             u32(e, kernel->shared_bytes), u32(e, kernel->dynamic_shared_bytes),
                             u32(e, kernel->scratch_bytes), u32(e, kernel->flags)};
    values[i] = struct_value(e, e->kernel, fields, 7);
  }
  if (values)
    table = array(e, "bundle.kernels", e->kernel, values, program->kernel_count);
  else
    dl_error(diag, "out of memory");
  free(values);
  return table;
}

/* A cubin: an ELF image, aligned as ELF64 headers want it. */
static LLVMValueRef cubin(data_emitter *e, const dlrt_ptx_module *module) {
  if (!module->cubin)
    return LLVMConstNull(e->ptr);
  LLVMValueRef bytes = LLVMConstStringInContext2(e->context, module->cubin, module->cubin_size, 1);
  return constant_global(e, "bundle.cubin", bytes, 64);
}

static LLVMValueRef modules(data_emitter *e, const dlrt_program *program) {
  LLVMValueRef values[64];
  uint32_t count = program->module_count < 64 ? program->module_count : 64;
  for (uint32_t i = 0; i < count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    LLVMValueRef fields[] = {u32(e, module->sm_version), string(e, module->ptx), cubin(e, module),
                             u64(e, module->cubin_size)};
    values[i] = struct_value(e, e->ptx_module, fields, 4);
  }
  return array(e, "bundle.modules", e->ptx_module, values, count);
}

/* Every launch's arguments in one array; launches point into it. */
static LLVMValueRef launches(data_emitter *e, const dlrt_program *program, dl_diag *diag) {
  uint64_t arg_total = 0;
  for (uint32_t l = 0; l < program->launch_count; l++)
    arg_total += program->launches[l].arg_count;
  LLVMValueRef *args = calloc(arg_total + 1, sizeof *args);
  LLVMValueRef *values = calloc(program->launch_count + 1, sizeof *values);
  LLVMValueRef table = NULL;
  if (!args || !values) {
    dl_error(diag, "out of memory");
    goto done;
  }
  uint64_t next = 0;
  for (uint32_t l = 0; l < program->launch_count; l++)
    for (uint32_t a = 0; a < program->launches[l].arg_count; a++) {
      const dlrt_arg *arg = &program->launches[l].args[a];
      LLVMValueRef fields[] = {u32(e, arg->kind), u32(e, arg->index), u64(e, arg->value),
                               u64(e, arg->bytes)};
      args[next++] = struct_value(e, e->arg, fields, 4);
    }
  LLVMValueRef all_args = array(e, "bundle.args", e->arg, args, arg_total);
  LLVMTypeRef args_type = LLVMArrayType2(e->arg, arg_total);
  next = 0;
  for (uint32_t l = 0; l < program->launch_count; l++) {
    const dlrt_launch *launch = &program->launches[l];
    LLVMValueRef first = LLVMConstNull(e->ptr);
    if (launch->arg_count) {
      LLVMValueRef indices[2] = {u64(e, 0), u64(e, next)};
      first = LLVMConstInBoundsGEP2(args_type, all_args, indices, 2);
    }
    next += launch->arg_count;
    LLVMValueRef fields[] = {u32(e, launch->kernel), triple_of(e, launch->grid),
                             triple_of(e, launch->block), u32(e, launch->arg_count), first};
    values[l] = struct_value(e, e->launch, fields, 5);
  }
  table = array(e, "bundle.launches", e->launch, values, program->launch_count);
done:
  free(args);
  free(values);
  return table;
}

/* NULL when out of memory. */
static LLVMValueRef tensors(data_emitter *e, const char *name, const dlrt_tensor_desc *tensors,
                            uint32_t count) {
  LLVMValueRef dims[16];
  LLVMValueRef *values = calloc((size_t)count + 1, sizeof *values);
  if (!values)
    return NULL;
  for (uint32_t i = 0; i < count; i++) {
    const dlrt_tensor_desc *tensor = &tensors[i];
    for (uint32_t d = 0; d < tensor->rank && d < 16; d++)
      dims[d] = u64(e, (uint64_t)tensor->dims[d]);
    LLVMValueRef bound = LLVMConstNull(e->ptr);
    if (tensor->bound_value)
      bound = constant_global(e, "bundle.bound_value",
                              LLVMConstStringInContext2(e->context, tensor->bound_value,
                                                        dlrt_tensor_bytes(tensor), 1),
                              DL_BUFFER_ALIGN);
    LLVMValueRef fields[] = {string(e, tensor->name),
                             u32(e, tensor->dtype),
                             u32(e, tensor->rank),
                             array(e, "bundle.dims", e->i64, dims, tensor->rank),
                             u64(e, tensor->arena_offset),
                             bound,
                             u64(e, tensor->dims_offset),
                             u32(e, tensor->flags)};
    values[i] = struct_value(e, e->tensor, fields, 8);
  }
  LLVMValueRef table = array(e, name, e->tensor, values, count);
  free(values);
  return table;
}

/* The names of the index check sites (dlcc --check-indices); NULL when there are none. */
static LLVMValueRef index_check_sites(data_emitter *e, const dlrt_program *program) {
  LLVMValueRef *values = calloc(program->index_check_count + 1, sizeof *values);
  if (!values)
    return NULL;
  for (uint32_t i = 0; i < program->index_check_count; i++)
    values[i] = string(e, program->index_check_sites[i]);
  LLVMValueRef table =
      array(e, "bundle.index_check_sites", e->ptr, values, program->index_check_count);
  free(values);
  return table;
}

static LLVMValueRef weights(data_emitter *e, const dlrt_program *program, bool separate) {
  if (separate || !program->weights_size)
    return LLVMConstNull(e->ptr);
  LLVMValueRef bytes = LLVMConstStringInContext2(e->context, program->weights,
                                                 program->weights_size, 1);
  return constant_global(e, "bundle.weights", bytes, DL_BUFFER_ALIGN);
}

LLVMValueRef dl_bundle_emit_program(LLVMModuleRef module, const dlrt_program *program,
                                    const dl_bundle_options *options, dl_diag *diag) {
  data_emitter e;
  init_types(&e, module);
  if (program->input_count > 256 || program->output_count > 256 || program->module_count > 64) {
    dl_error(diag, "bundle: at most 256 inputs, 256 outputs and 64 PTX targets");
    return NULL;
  }
  LLVMValueRef kernel_table = kernels(&e, program, options->host, diag);
  LLVMValueRef launch_table = kernel_table ? launches(&e, program, diag) : NULL;
  LLVMValueRef site_table = launch_table ? index_check_sites(&e, program) : NULL;
  LLVMValueRef input_table =
      site_table ? tensors(&e, "bundle.inputs", program->inputs, program->input_count) : NULL;
  LLVMValueRef output_table =
      input_table ? tensors(&e, "bundle.outputs", program->outputs, program->output_count) : NULL;
  LLVMValueRef state_table =
      output_table ? tensors(&e, "bundle.states", program->states, program->state_count) : NULL;
  if (launch_table && !state_table)
    dl_error(diag, "out of memory");
  if (!state_table)
    return NULL;
  LLVMValueRef fields[] = {u32(&e, program->abi_version),
                           string(&e, options->name),
                           u32(&e, program->kernel_count),
                           kernel_table,
                           u32(&e, program->module_count),
                           modules(&e, program),
                           u32(&e, program->launch_count),
                           launch_table,
                           weights(&e, program, options->separate_weights),
                           u64(&e, program->weights_size),
                           u64(&e, program->weights_checksum),
                           u64(&e, program->arena_size),
                           u64(&e, program->counter_bytes),
                           u32(&e, program->input_count),
                           input_table,
                           u32(&e, program->output_count),
                           output_table,
                           u32(&e, program->state_count),
                           state_table,
                           u64(&e, program->index_check_offset),
                           u32(&e, program->index_check_count),
                           site_table};
  LLVMValueRef value =
      LLVMConstStructInContext(e.context, fields, sizeof fields / sizeof *fields, 0);
  char symbol[256];
  snprintf(symbol, sizeof symbol, "%s_program", options->name);
  LLVMValueRef global = LLVMAddGlobal(module, LLVMTypeOf(value), symbol);
  LLVMSetInitializer(global, value);
  LLVMSetGlobalConstant(global, 1);
  LLVMSetAlignment(global, 8);
  return global;
}
