/* Host code generation on every core: the kernels are split into parts, and each part is
 * optimized and compiled to its own object in its own forked child, all at once. Kernels call
 * only internal helpers, so a part is the module less the other parts' kernels. */
#include <stdlib.h>
#include <unistd.h>

#include "codegen/kb_internal.h"

/* Below this many instructions (before optimization; helpers counted at each call) the
 * whole module compiles in a few tens of milliseconds and a second child cannot pay. */
enum { SPLIT_MIN_INSTRUCTIONS = 3000 };

typedef struct part_context {
  int part;
  const int *part_of; /* per kernel */
} part_context;

static LLVMValueRef kernel_function(kernel_builder *kb, int index) {
  return LLVMGetNamedFunction(kb->module, kb->kernels[index].host_symbol);
}

static int is_local(LLVMValueRef global) {
  LLVMLinkage linkage = LLVMGetLinkage(global);
  return linkage == LLVMInternalLinkage || linkage == LLVMPrivateLinkage;
}

/* Deleting the other parts' kernels leaves each symbol defined in one object only if every
 * external definition is a kernel that nothing uses and no global variable is external. */
static int splittable(kernel_builder *kb) {
  int definitions = 0;
  for (LLVMValueRef f = LLVMGetFirstFunction(kb->module); f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f) || is_local(f))
      continue;
    if (LLVMGetFirstUse(f))
      return 0;
    definitions++;
  }
  for (LLVMValueRef g = LLVMGetFirstGlobal(kb->module); g; g = LLVMGetNextGlobal(g))
    if (!LLVMIsDeclaration(g) && !is_local(g))
      return 0;
  if (LLVMGetFirstGlobalAlias(kb->module) || LLVMGetFirstGlobalIFunc(kb->module))
    return 0;
  for (int i = 0; i < kb->kernel_count; i++) {
    LLVMValueRef function = kernel_function(kb, i);
    if (!function || LLVMIsDeclaration(function) || is_local(function))
      return 0;
  }
  return definitions == kb->kernel_count;
}

/* A kernel's share of the work: its instructions and those of the helpers it calls. */
static long instruction_count(LLVMValueRef function, int with_callees) {
  long count = 0;
  for (LLVMBasicBlockRef b = LLVMGetFirstBasicBlock(function); b; b = LLVMGetNextBasicBlock(b))
    for (LLVMValueRef i = LLVMGetFirstInstruction(b); i; i = LLVMGetNextInstruction(i)) {
      count++;
      LLVMValueRef callee = with_callees && LLVMIsACallInst(i) ? LLVMGetCalledValue(i) : NULL;
      if (callee && LLVMIsAFunction(callee) && !LLVMIsDeclaration(callee))
        count += instruction_count(callee, 0);
    }
  return count;
}

static int part_count(kernel_builder *kb, const long *weights) {
  long total = 0;
  for (int i = 0; i < kb->kernel_count; i++)
    total += weights[i];
  int parts = kb->host_codegen_parts;
  if (parts <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    parts = total < SPLIT_MIN_INSTRUCTIONS || cores < 1 ? 1 : (int)cores;
  }
  return parts < kb->kernel_count ? parts : kb->kernel_count > 0 ? kb->kernel_count : 1;
}

/* Largest kernel first, each to the least loaded part: parts of about equal work. */
static void assign_parts(const long *weights, int kernel_count, int parts, int *part_of) {
  long *load = calloc((size_t)parts, sizeof *load);
  int *done = calloc((size_t)kernel_count, sizeof *done);
  for (int n = 0; load && done && n < kernel_count; n++) {
    int largest = -1, lightest = 0;
    for (int i = 0; i < kernel_count; i++)
      if (!done[i] && (largest < 0 || weights[i] > weights[largest]))
        largest = i;
    for (int p = 1; p < parts; p++)
      if (load[p] < load[lightest])
        lightest = p;
    done[largest] = 1;
    part_of[largest] = lightest;
    load[lightest] += weights[largest];
  }
  if (!load || !done) /* out of memory: round robin is still a valid split */
    for (int i = 0; i < kernel_count; i++)
      part_of[i] = i % parts;
  free(load);
  free(done);
}

/* Runs in a child only: it deletes the other parts' kernels from kb->module. */
static int compile_part(kernel_builder *kb, void *context, char **out, size_t *out_size) {
  const part_context *part = context;
  for (int i = 0; i < kb->kernel_count; i++)
    if (part->part_of[i] != part->part)
      LLVMDeleteFunction(kernel_function(kb, i));
  if (!kb->finished && kb_optimize_module(kb) != 0)
    return -1;
  return kb_emit_object_here(kb, out, out_size);
}

static int compile_parts(kernel_builder *kb, const long *weights, int parts, char **objects,
                         size_t *sizes) {
  int *part_of = calloc((size_t)kb->kernel_count, sizeof *part_of);
  part_context *contexts = calloc((size_t)parts, sizeof *contexts);
  void **context_pointers = calloc((size_t)parts, sizeof *context_pointers);
  int status = part_of && contexts && context_pointers
                   ? 0
                   : kb_fail(kb, "out of memory splitting code generation");
  if (status == 0) {
    assign_parts(weights, kb->kernel_count, parts, part_of);
    for (int p = 0; p < parts; p++) {
      contexts[p] = (part_context){.part = p, .part_of = part_of};
      context_pointers[p] = &contexts[p];
    }
    status = kb_run_isolated_each(kb, compile_part, context_pointers, parts, objects, sizes);
  }
  free(part_of);
  free(contexts);
  free(context_pointers);
  return status;
}

int kb_emit_host_objects(kernel_builder *kb, char ***out_objects, size_t **out_sizes,
                         int *out_count) {
  *out_objects = NULL;
  *out_sizes = NULL;
  *out_count = 0;
  if (kb->kind != KB_TARGET_HOST)
    return kb_fail(kb, "host objects need a builder for the host target");
  if (kb_close_module(kb) != 0)
    return -1;
  int parts = 1;
  /* In process the parts would all edit the one module: there it stays whole. */
  long *weights = kb_codegen_in_process() || !splittable(kb)
                      ? NULL
                      : calloc((size_t)kb->kernel_count + 1, sizeof *weights);
  if (weights) {
    for (int i = 0; i < kb->kernel_count; i++)
      weights[i] = instruction_count(kernel_function(kb, i), 1);
    parts = part_count(kb, weights);
  }
  char **objects = calloc((size_t)parts, sizeof *objects);
  size_t *sizes = calloc((size_t)parts, sizeof *sizes);
  int status = objects && sizes ? 0 : kb_fail(kb, "out of memory splitting code generation");
  if (status == 0)
    status = parts == 1 ? kb_emit_object(kb, &objects[0], &sizes[0])
                        : compile_parts(kb, weights, parts, objects, sizes);
  free(weights);
  if (status != 0) {
    free(objects);
    free(sizes);
    return -1;
  }
  *out_objects = objects;
  *out_sizes = sizes;
  *out_count = parts;
  return 0;
}
