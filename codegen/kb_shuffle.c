/* Warp shuffles. Each one is a phase boundary: on the host, lanes publish their values in
 * scratch slots in one phase and read their source lane's slot in the next. */
#include "codegen/kb_internal.h"

typedef enum shuffle_mode { SHUFFLE_XOR, SHUFFLE_DOWN, SHUFFLE_UP, SHUFFLE_IDX } shuffle_mode;

/* Host: lanes published their values in phase p; this reads the source lane's slot. */
static LLVMValueRef host_shuffle_read(kernel_builder *kb, shuffle_mode mode, LLVMTypeRef type,
                                      int buffer, LLVMValueRef lane_argument) {
  kb_kernel_state *k = &kb->k;
  LLVMBuilderRef b = kb->builder;
  LLVMValueRef linear = k->phases[k->phase].linear;
  LLVMValueRef lane = LLVMBuildAnd(b, linear, kb_const_i32(kb, KB_WARP - 1), "");
  LLVMValueRef warp = LLVMBuildSub(b, linear, lane, "");
  LLVMValueRef source = NULL;
  if (mode == SHUFFLE_XOR)
    source = LLVMBuildXor(b, lane, lane_argument, "");
  else if (mode == SHUFFLE_DOWN)
    source = LLVMBuildAdd(b, lane, lane_argument, "");
  else if (mode == SHUFFLE_UP) /* below lane 0 wraps to a huge unsigned: invalid */
    source = LLVMBuildSub(b, lane, lane_argument, "");
  else
    source = LLVMBuildAnd(b, lane_argument, kb_const_i32(kb, KB_WARP - 1), "");
  LLVMValueRef valid = LLVMBuildICmp(b, LLVMIntULT, source, kb_const_i32(kb, KB_WARP), "");
  LLVMValueRef thread = LLVMBuildAdd(b, warp, source, "");
  LLVMValueRef threads =
      LLVMBuildMul(b, k->block[0], LLVMBuildMul(b, k->block[1], k->block[2], ""), "");
  valid = LLVMBuildAnd(b, valid, LLVMBuildICmp(b, LLVMIntULT, thread, threads, ""), "");
  thread = LLVMBuildSelect(b, valid, thread, linear, "");
  LLVMValueRef value = LLVMBuildLoad2(b, type, kb_host_shuffle_slot(kb, buffer, thread), "");
  return value;
}

static LLVMValueRef shuffle(kernel_builder *kb, shuffle_mode mode, LLVMValueRef value,
                            LLVMValueRef lane_argument, const char *what) {
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (kb_check_uniform_point(kb, what) != 0 || !lane_argument)
    return kb_placeholder(kb, type);
  LLVMTypeKind kind = LLVMGetTypeKind(type);
  int bits = kind == LLVMIntegerTypeKind  ? (int)LLVMGetIntTypeWidth(type)
             : kind == LLVMFloatTypeKind  ? 32
             : kind == LLVMDoubleTypeKind ? 64
                                          : 0;
  if ((bits != 32 && bits != 64) || LLVMTypeOf(lane_argument) != kb->i32) {
    kb_fail(kb, "%s needs a 32- or 64-bit integer or float value and an i32 lane", what);
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  int buffer = kb->k.shuffle_count++ % 2;
  /* A per-thread lane argument crosses the split with the value; a uniform one needs not. */
  int lane_per_thread = kb_value_phase(kb, lane_argument) != KB_UNIFORM;
  if (kb->kind == KB_TARGET_HOST) {
    LLVMValueRef linear = kb->k.phases[kb->k.phase].linear;
    LLVMBuildStore(kb->builder, value, kb_host_shuffle_slot(kb, buffer, linear));
    if (lane_per_thread)
      LLVMBuildStore(kb->builder, lane_argument,
                     kb_host_shuffle_slot(kb, KB_SHUFFLE_LANE_BUFFER, linear));
    kb_close_phase(kb);
    kb_sanitize_event(kb, DLRT_EVENT_SHUFFLE); /* not a barrier: shared memory stays unordered */
    kb_open_phase(kb);
    if (lane_per_thread)
      lane_argument = LLVMBuildLoad2(
          kb->builder, kb->i32,
          kb_host_shuffle_slot(kb, KB_SHUFFLE_LANE_BUFFER, kb->k.phases[kb->k.phase].linear), "");
    return host_shuffle_read(kb, mode, type, buffer, lane_argument);
  }
  /* Hand the value over through private slots, as the host does, so the shuffle's inputs
   * and output all belong to the phase after the split (SROA removes the slots). */
  LLVMValueRef slot = kb_prologue_alloca(kb, type, "shuffle.value");
  LLVMValueRef lane_slot = lane_per_thread ? kb_prologue_alloca(kb, kb->i32, "shuffle.lane") : NULL;
  LLVMBuildStore(kb->builder, value, slot);
  if (lane_slot)
    LLVMBuildStore(kb->builder, lane_argument, lane_slot);
  kb_close_phase(kb);
  kb_open_phase(kb);
  static const char *const names[] = {"bfly", "down", "up", "idx"};
  LLVMValueRef handed = LLVMBuildLoad2(kb->builder, type, slot, "");
  if (lane_slot)
    lane_argument = LLVMBuildLoad2(kb->builder, kb->i32, lane_slot, "");
  return kb_nvptx_shuffle(kb, names[mode], handed, lane_argument);
}

LLVMValueRef kb_shuffle_xor(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane_mask) {
  return shuffle(kb, SHUFFLE_XOR, value, lane_mask, "kb_shuffle_xor");
}
LLVMValueRef kb_shuffle_down(kernel_builder *kb, LLVMValueRef value, LLVMValueRef delta) {
  return shuffle(kb, SHUFFLE_DOWN, value, delta, "kb_shuffle_down");
}
LLVMValueRef kb_shuffle_up(kernel_builder *kb, LLVMValueRef value, LLVMValueRef delta) {
  return shuffle(kb, SHUFFLE_UP, value, delta, "kb_shuffle_up");
}
LLVMValueRef kb_shuffle_idx(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane) {
  return shuffle(kb, SHUFFLE_IDX, value, lane, "kb_shuffle_idx");
}

static LLVMValueRef combine(kernel_builder *kb, kb_reduce_op op, LLVMValueRef a, LLVMValueRef b) {
  LLVMBuilderRef builder = kb->builder;
  int is_float = LLVMGetTypeKind(LLVMTypeOf(a)) != LLVMIntegerTypeKind;
  switch (op) {
  case KB_REDUCE_ADD:
    return is_float ? LLVMBuildFAdd(builder, a, b, "") : LLVMBuildAdd(builder, a, b, "");
  case KB_REDUCE_MAX:
  case KB_REDUCE_MIN: {
    int max = op == KB_REDUCE_MAX;
    /* NaN-propagating for floats, like ONNX ReduceMax/Min: `a` wins unless `b` is larger
     * (smaller) or NaN. */
    if (!is_float)
      return LLVMBuildSelect(
          builder, LLVMBuildICmp(builder, max ? LLVMIntSGT : LLVMIntSLT, b, a, ""), b, a, "");
    LLVMValueRef b_wins =
        LLVMBuildOr(builder, LLVMBuildFCmp(builder, max ? LLVMRealOGT : LLVMRealOLT, b, a, ""),
                    LLVMBuildFCmp(builder, LLVMRealUNO, b, b, ""), "");
    return LLVMBuildSelect(builder, b_wins, b, a, "");
  }
  }
  return a;
}

LLVMValueRef kb_warp_reduce(kernel_builder *kb, LLVMValueRef value, kb_reduce_op op) {
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (kb_check_uniform_point(kb, "kb_warp_reduce") != 0)
    return kb_placeholder(kb, type);
  if ((unsigned)op > KB_REDUCE_MIN) {
    kb_fail(kb, "kb_warp_reduce: unknown reduction %d", (int)op);
    return kb_placeholder(kb, type);
  }
  /* Butterfly over 16, 8, 4, 2, 1: every lane ends with the whole warp's result. The partial
   * result crosses each shuffle's phase split in a thread variable. */
  kb_var *partial = kb_thread_var(kb, type, "warp_partial");
  kb_var_store(kb, partial, value);
  for (int offset = KB_WARP / 2; offset > 0; offset /= 2) {
    LLVMValueRef other = kb_shuffle_xor(kb, kb_var_load(kb, partial), kb_const_i32(kb, offset));
    kb_var_store(kb, partial, combine(kb, op, kb_var_load(kb, partial), other));
  }
  return kb_var_load(kb, partial);
}
