/* Source positions for the checked lowering: while a kernel is built, every instruction
 * carries the lowering's file, line and function that built it (as a debug location whose
 * line is a site number), so that a sanitizer report can name both accesses' sources. */
#include <llvm-c/DebugInfo.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

/* Debug locations need a scope; one subprogram declaration serves every site. The
 * locations never reach emission (kb_site_clear), so no compile unit is needed. */
static LLVMMetadataRef site_scope(kernel_builder *kb) {
  if (kb->site_scope)
    return kb->site_scope;
  LLVMDIBuilderRef di = LLVMCreateDIBuilderDisallowUnresolved(kb->module);
  LLVMMetadataRef file = LLVMDIBuilderCreateFile(di, "dlcc", 4, "", 0);
  LLVMMetadataRef type = LLVMDIBuilderCreateSubroutineType(di, file, NULL, 0, LLVMDIFlagZero);
  kb->site_scope = LLVMDIBuilderCreateFunction(di, file, "kernel", 6, "", 0, file, 0, type, 1, 0,
                                               0, LLVMDIFlagZero, 1);
  LLVMDIBuilderFinalize(di);
  LLVMDisposeDIBuilder(di);
  return kb->site_scope;
}

static int same_text(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_position(const kb_position *a, const kb_position *b) {
  return a->line == b->line && same_text(a->file, b->file) && same_text(a->function, b->function);
}

static int same_site(const kb_site *site, const kb_position *chain) {
  for (int i = 0; i < KB_SITE_DEPTH; i++)
    if (!same_position(&site->chain[i], &chain[i]))
      return 0;
  return 1;
}

/* The 1-based number of a chain of positions, added on first sight; 0 when out of memory. */
static int site_number(kernel_builder *kb, const kb_position *chain) {
  if (kb->last_site && same_site(&kb->sites[kb->last_site - 1], chain))
    return kb->last_site;
  for (int i = kb->site_count - 1; i >= 0; i--)
    if (same_site(&kb->sites[i], chain))
      return kb->last_site = i + 1;
  kb_site *sites = kb_grow(kb, kb->sites, &kb->site_capacity, kb->site_count + 1, sizeof *sites);
  if (!sites)
    return 0;
  kb->sites = sites;
  int number = kb->site_count + 1;
  kb_site *site = &sites[kb->site_count++];
  memset(site, 0, sizeof *site);
  memcpy(site->chain, chain, sizeof site->chain);
  site->location =
      LLVMDIBuilderCreateDebugLocation(kb->context, (unsigned)number, 0, site_scope(kb), NULL);
  return kb->last_site = number;
}

/* A helper that builds for its caller (a load helper, say) names the same line for every
 * use, so a site is also named by its callers: the builder keeps the chain of functions that
 * noted positions, by their stack frames (a deeper call has a lower frame address; an
 * inlined helper shares its caller's frame but has another name). */
static void note_chain(kernel_builder *kb, const kb_position *here, const void *frame,
                       kb_position *chain) {
  kb_frame *stack = kb->frames;
  while (kb->frame_depth > 0 && (uintptr_t)stack[kb->frame_depth - 1].frame < (uintptr_t)frame)
    kb->frame_depth--; /* those calls have returned */
  int same = -1;
  for (int i = kb->frame_depth - 1; i >= 0 && stack[i].frame == frame; i--)
    if (same_text(stack[i].position.function, here->function))
      same = i;
  if (same >= 0) {
    kb->frame_depth = same + 1;
  } else if (kb->frame_depth < KB_MAX_FRAMES) {
    stack[kb->frame_depth++].frame = frame;
  } else {
    stack[KB_MAX_FRAMES - 1].frame = frame; /* deeper than we follow: keep the innermost */
  }
  stack[kb->frame_depth - 1].position = *here;
  memset(chain, 0, KB_SITE_DEPTH * sizeof *chain);
  for (int i = 0; i < KB_SITE_DEPTH && i < kb->frame_depth; i++)
    chain[i] = stack[kb->frame_depth - 1 - i].position;
}

void kb_note_source(kernel_builder *kb, kb_source source) {
  if (!kb || !kb->sanitize || !kb->in_kernel || !source.file || !source.function)
    return;
  kb_position here = {source.file, source.function, source.line}, chain[KB_SITE_DEPTH];
  note_chain(kb, &here, source.frame, chain);
  int number = site_number(kb, chain);
  if (number)
    LLVMSetCurrentDebugLocation2(kb->builder, kb->sites[number - 1].location);
}

LLVMBuilderRef kb_llvm_builder_from(kernel_builder *kb, kb_source source) {
  kb_note_source(kb, source);
  return kb->builder;
}

int kb_site_of(LLVMValueRef instruction) { return (int)LLVMGetDebugLocLine(instruction); }

/* "codegen/ops/tiled_gemm.c" from the compiler's absolute path. */
static const char *short_path(const char *file) {
  static const char *const roots[] = {"/tests/", "/codegen/", "/tools/"};
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
    const char *at = strstr(file, roots[i]);
    if (at)
      return at + 1;
  }
  const char *slash = strrchr(file, '/');
  return slash ? slash + 1 : file;
}

LLVMValueRef kb_site_text(kernel_builder *kb, int site) {
  char name[32];
  snprintf(name, sizeof name, "dlcc.site.%d", site);
  LLVMValueRef global = LLVMGetNamedGlobal(kb->module, name);
  if (global)
    return global;
  char text[512] = "an unknown place";
  size_t length = 0;
  for (int i = 0; site > 0 && site <= kb->site_count && i < KB_SITE_DEPTH; i++) {
    const kb_position *p = &kb->sites[site - 1].chain[i];
    if (!p->function || length >= sizeof text)
      break;
    const char *file = i == 0 ? short_path(p->file) : strrchr(p->file, '/');
    int n = snprintf(text + length, sizeof text - length, "%s%s:%d (%s)", i ? " from " : "",
                     file && i ? file + 1 : file ? file : p->file, p->line, p->function);
    length += n > 0 ? (size_t)n : 0;
  }
  LLVMValueRef value = LLVMConstStringInContext(kb->context, text, (unsigned)strlen(text), 0);
  global = LLVMAddGlobal(kb->module, LLVMTypeOf(value), name);
  LLVMSetInitializer(global, value);
  LLVMSetGlobalConstant(global, 1);
  LLVMSetLinkage(global, LLVMPrivateLinkage);
  LLVMSetUnnamedAddress(global, LLVMGlobalUnnamedAddr);
  return global;
}

void kb_site_clear(kernel_builder *kb) {
  LLVMSetCurrentDebugLocation2(kb->builder, NULL);
  kb->last_site = 0;
  kb->frame_depth = 0;
  if (!kb->sanitize || !kb->k.function)
    return;
  for (LLVMBasicBlockRef block = LLVMGetFirstBasicBlock(kb->k.function); block;
       block = LLVMGetNextBasicBlock(block))
    for (LLVMValueRef inst = LLVMGetFirstInstruction(block); inst;
         inst = LLVMGetNextInstruction(inst))
      LLVMInstructionSetDebugLoc(inst, NULL);
}
