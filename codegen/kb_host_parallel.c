/* Host lowering: tells LLVM that the threads of a phase are independent. Every memory access
 * in per-thread code joins one access group, and each phase's x loop lists it in
 * llvm.loop.parallel_accesses, so the loop vectorizer runs threads in SIMD lanes without
 * proving that, say, a scatter into shared memory cannot collide (a race-free kernel has no
 * dependence between two threads of one phase: that is what barriers are for). */
#include <llvm-c/DebugInfo.h>
#include <llvm-c/IRReader.h>
#include <string.h>

#include "codegen/kb_internal.h"

/* Access groups must be distinct nodes, which the C API cannot make: parse one into a side
 * module of the same context (metadata belongs to the context) and keep that module. */
static LLVMMetadataRef access_group(kernel_builder *kb) {
  if (kb->access_group)
    return kb->access_group;
  static const char text[] = "!dlcc.access_group = !{!0}\n!0 = distinct !{}\n";
  LLVMMemoryBufferRef buffer =
      LLVMCreateMemoryBufferWithMemoryRangeCopy(text, sizeof text - 1, "dlcc.access_group");
  char *message = NULL;
  if (LLVMParseIRInContext(kb->context, buffer, &kb->metadata_module, &message)) {
    kb_fail(kb, "cannot make an LLVM access group: %s", message ? message : "");
    LLVMDisposeMessage(message);
    return NULL;
  }
  LLVMValueRef node = NULL;
  LLVMGetNamedMetadataOperands(kb->metadata_module, "dlcc.access_group", &node);
  kb->access_group = node ? LLVMValueAsMetadata(node) : NULL;
  return kb->access_group;
}

static int accesses_memory(LLVMValueRef inst) {
  return LLVMIsALoadInst(inst) || LLVMIsAStoreInst(inst) || LLVMIsAAtomicRMWInst(inst) ||
         LLVMIsAAtomicCmpXchgInst(inst) || LLVMIsACallInst(inst);
}

/* A fresh loop ID (self-referencing, hence distinct) naming the access group. */
static LLVMMetadataRef parallel_loop_id(kernel_builder *kb, LLVMMetadataRef group) {
  static const char key[] = "llvm.loop.parallel_accesses";
  LLVMMetadataRef property[2] = {LLVMMDStringInContext2(kb->context, key, strlen(key)), group};
  LLVMMetadataRef self = LLVMTemporaryMDNode(kb->context, NULL, 0);
  LLVMMetadataRef operands[2] = {self, LLVMMDNodeInContext2(kb->context, property, 2)};
  LLVMMetadataRef id = LLVMMDNodeInContext2(kb->context, operands, 2);
  LLVMMetadataReplaceAllUsesWith(self, id);
  return id;
}

int kb_host_mark_parallel(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  LLVMMetadataRef group = access_group(kb);
  if (!group)
    return -1;
  LLVMValueRef group_value = LLVMMetadataAsValue(kb->context, group);
  unsigned group_kind = LLVMGetMDKindIDInContext(kb->context, "llvm.access.group", 17);
  unsigned loop_kind = LLVMGetMDKindIDInContext(kb->context, "llvm.loop", 9);
  for (int i = 0; i < k->tag_count; i++) {
    if (k->tags[i].phase == KB_UNIFORM)
      continue;
    for (LLVMValueRef inst = LLVMGetFirstInstruction(k->tags[i].block); inst;
         inst = LLVMGetNextInstruction(inst))
      if (accesses_memory(inst))
        LLVMSetMetadata(inst, group_kind, group_value);
  }
  for (int p = 0; p < k->phase_count; p++)
    if (k->phases[p].x_latch)
      LLVMSetMetadata(k->phases[p].x_latch, loop_kind,
                      LLVMMetadataAsValue(kb->context, parallel_loop_id(kb, group)));
  return 0;
}
