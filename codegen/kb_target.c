/* Target machines for the two lowerings: nvptx64-nvidia-cuda (sm_75..sm_90, matching PTX
 * ISA) and the host triple (portable x86-64 for bundles, or this CPU for the JIT). */
#include <llvm-c/Target.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kb_internal.h"

typedef struct sm_row {
  const char *sm;
  unsigned ptx; /* lowest PTX ISA version that supports the architecture */
} sm_row;

static const sm_row sm_table[] = {
    {"sm_75", 63}, {"sm_80", 70}, {"sm_86", 71}, {"sm_87", 74}, {"sm_89", 78}, {"sm_90", 78},
};

static void initialize_targets(void) {
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  LLVMInitializeNativeAsmParser(); /* inline asm in host objects; without it LLVM exits */
}

static int create_machine(kernel_builder *kb, const char *triple, const char *cpu,
                          const char *features, LLVMRelocMode reloc) {
  LLVMTargetRef target = NULL;
  char *message = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &message) != 0) {
    int status = kb_fail(kb, "LLVM has no target for '%s': %s", triple, message ? message : "");
    LLVMDisposeMessage(message);
    return status;
  }
  kb->machine = LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive,
                                        reloc, LLVMCodeModelDefault);
  if (!kb->machine)
    return kb_fail(kb, "cannot create an LLVM target machine for %s (%s)", triple, cpu);
  LLVMSetTarget(kb->module, triple);
  LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(kb->machine);
  LLVMSetModuleDataLayout(kb->module, layout);
  LLVMDisposeTargetData(layout);
  return 0;
}

static int init_nvptx(kernel_builder *kb, const char *sm) {
  const sm_row *row = NULL;
  for (size_t i = 0; i < sizeof sm_table / sizeof sm_table[0]; i++)
    if (strcmp(sm_table[i].sm, sm) == 0)
      row = &sm_table[i];
  if (!row)
    return kb_fail(kb,
                   "unsupported GPU target '%s'; use one of sm_75, sm_80, sm_86, sm_87, "
                   "sm_89, sm_90",
                   sm);
  kb->kind = KB_TARGET_NVPTX;
  kb->sm = row->sm;
  kb->ptx_version = row->ptx;
  kb->global_as = 1;
  kb->shared_as = 3;
  kb->constant_as = 4;
  char features[16];
  snprintf(features, sizeof features, "+ptx%u", row->ptx);
  return create_machine(kb, "nvptx64-nvidia-cuda", row->sm, features, LLVMRelocDefault);
}

static int init_host(kernel_builder *kb, const char *cpu) {
  kb->kind = KB_TARGET_HOST;
  kb->global_as = 0;
  kb->shared_as = 0;
  kb->constant_as = 0;
  char *triple = LLVMGetDefaultTargetTriple();
  int status;
  if (cpu && strcmp(cpu, "native") == 0) {
    char *name = LLVMGetHostCPUName();
    char *features = LLVMGetHostCPUFeatures();
    status = create_machine(kb, triple, name, features, LLVMRelocPIC);
    LLVMDisposeMessage(name);
    LLVMDisposeMessage(features);
  } else {
    const char *name = !cpu || strcmp(cpu, "generic") == 0 ? "x86-64" : cpu;
    status = create_machine(kb, triple, name, "", LLVMRelocPIC);
  }
  LLVMDisposeMessage(triple);
  return status;
}

int kb_target_init(kernel_builder *kb, const kb_target_options *options) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, initialize_targets); /* builders may be made on several threads */
  kb_target_options defaults = {.kind = KB_TARGET_NVPTX, .opt_level = 3};
  if (!options)
    options = &defaults;
  kb->opt_level = options->opt_level < 0 ? 0 : options->opt_level > 3 ? 3 : options->opt_level;
  kb->merge_identical = options->merge_identical;
  kb->host_codegen_parts = options->host_codegen_parts;
  kb->sanitize = options->sanitize && options->kind == KB_TARGET_HOST;
  kb->test_drop_barrier = options->test_drop_barrier;
  kb->test_drop_fence = options->test_drop_fence;
  const char *drop = getenv("DLCC_TEST_DROP_BARRIER"); /* the CLI's sanitizer tests only */
  if (!kb->test_drop_barrier && drop && *drop)
    kb->test_drop_barrier = atoi(drop);
  if (options->kind == KB_TARGET_HOST)
    return init_host(kb, options->host_cpu);
  if (options->kind != KB_TARGET_NVPTX)
    return kb_fail(kb, "unknown target kind %d", (int)options->kind);
  return init_nvptx(kb, options->sm ? options->sm : "sm_80");
}
