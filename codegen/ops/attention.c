/* Attention (opsets 23, 24): softmax(Q K^T * scale, softcapped, + mask) V with grouped KV
 * heads, a KV cache (past_key/past_value before K/V) and causal masking. One thread per
 * output element walks the keys once with an online softmax (running maximum, sum and
 * weighted sum of V), in f32; the scores are recomputed per output element instead of being
 * stored. present_key/present_value (the cache with K/V appended) and the QK output each get
 * a launch of their own. Simple and exact rather than fast: no shared-memory tiles yet.
 * With Y its only output, Attention is a group root: every input element is read through
 * the group's prologue (the Reshapes, Transposes and Slices that split heads out of one
 * projection, as attention-pattern builds them) and Y is stored through its epilogue. */
#include "codegen/ops/group.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/attention.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

#include <math.h>

enum { IN_Q, IN_K, IN_V, IN_MASK, IN_PAST_KEY, IN_PAST_VALUE, IN_NONPAD, IN_COUNT };

/* Element strides of a tensor seen as [batch, heads, sequence, size] (3-D inputs are
 * [batch, sequence, heads * size]). */
typedef struct attention_layout {
  int64_t batch, head, sequence;
} attention_layout;

typedef struct attention_plan {
  ir_attention_shape s;
  ir_dtype dtype, mask_dtype;
  attention_layout q, k, v, y, past_k, past_v;
  int64_t mask_strides[4], mask_length; /* over [batch, q heads, q sequence, mask length] */
  int param[IN_COUNT];                  /* kernel parameter of each input, -1 if absent */
  int output_param;                     /* parameter of the launch's first output */
  lower_context *hooks; /* a group root: inputs and Y through the group's hooks; else NULL */
} attention_plan;

static attention_layout layout_of(bool three_d, int64_t heads, int64_t sequence, int64_t size) {
  if (three_d)
    return (attention_layout){
        .batch = sequence * heads * size, .head = size, .sequence = heads * size};
  return (attention_layout){
      .batch = heads * sequence * size, .head = sequence * size, .sequence = size};
}

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

/* b * batch + h * head + j * sequence + t. */
static LLVMValueRef offset_of(kernel_builder *kb, const attention_layout *l, LLVMValueRef b,
                              LLVMValueRef h, LLVMValueRef j, LLVMValueRef t) {
  LLVMValueRef at = LLVMBuildMul(B, b, c32(kb, l->batch), "");
  at = LLVMBuildAdd(B, at, LLVMBuildMul(B, h, c32(kb, l->head), ""), "");
  at = LLVMBuildAdd(B, at, LLVMBuildMul(B, j, c32(kb, l->sequence), ""), "");
  return LLVMBuildAdd(B, at, t, "");
}

/* Element `offset` of input `input` as stored: through the group's prologue, or a load. */
static LLVMValueRef load_input(kernel_builder *kb, const attention_plan *p, int input,
                               ir_dtype dtype, LLVMValueRef offset) {
  if (p->hooks)
    return lower_group_load(p->hooks, input, offset);
  return pw_load(kb, dtype, kb_param_value(kb, p->param[input]), offset);
}

static LLVMValueRef load_f32(kernel_builder *kb, const attention_plan *p, int input,
                             ir_dtype dtype, LLVMValueRef offset) {
  return pw_convert(kb, load_input(kb, p, input, dtype, offset), dtype, IR_DTYPE_F32);
}

/* Element t of key (value: `value`) j of KV head h: from the cache for j < past, else from
 * K/V at j - past. Both are read at positions clamped into their tensors and one is picked
 * (every access stays a plain parameter access, which the checked lowering follows). */
static LLVMValueRef load_key_value(kernel_builder *kb, const attention_plan *p, bool value,
                                   LLVMValueRef b, LLVMValueRef h, LLVMValueRef j, LLVMValueRef t) {
  int current = value ? IN_V : IN_K;
  const attention_layout *layout = value ? &p->v : &p->k;
  if (p->s.past_sequence == 0)
    return load_f32(kb, p, current, p->dtype, offset_of(kb, layout, b, h, j, t));
  LLVMValueRef past = c32(kb, p->s.past_sequence);
  LLVMValueRef in_past = LLVMBuildICmp(B, LLVMIntSLT, j, past, "in_past");
  LLVMValueRef past_j = LLVMBuildSelect(B, in_past, j, c32(kb, 0), "");
  LLVMValueRef new_j = LLVMBuildSelect(B, in_past, c32(kb, 0), LLVMBuildSub(B, j, past, ""), "");
  LLVMValueRef from_past = load_f32(kb, p, value ? IN_PAST_VALUE : IN_PAST_KEY, p->dtype,
                                    offset_of(kb, value ? &p->past_v : &p->past_k, b, h, past_j, t));
  LLVMValueRef from_new =
      load_f32(kb, p, current, p->dtype, offset_of(kb, layout, b, h, new_j, t));
  return LLVMBuildSelect(B, in_past, from_past, from_new, "");
}

static LLVMValueRef negative_infinity(kernel_builder *kb) { return kb_const_f32(kb, -INFINITY); }

/* The additive mask of query i, key j: attn_mask (bool: 0 or -inf; float: its value; -inf
 * past its last dim), the causal frontier j <= i + offset, and nonpad_kv_seqlen. */
static LLVMValueRef bias_of(kernel_builder *kb, const attention_plan *p, LLVMValueRef b,
                            LLVMValueRef h, LLVMValueRef i, LLVMValueRef j) {
  LLVMValueRef zero = kb_const_f32(kb, 0), bias = zero, blocked = NULL;
  LLVMValueRef nonpad = NULL;
  if (p->param[IN_NONPAD] >= 0)
    nonpad = LLVMBuildTrunc(B, load_input(kb, p, IN_NONPAD, IR_DTYPE_I64, b),
                            LLVMInt32TypeInContext(kb_context(kb)), "nonpad");
  if (p->param[IN_MASK] >= 0) {
    LLVMValueRef inside = LLVMBuildICmp(B, LLVMIntSLT, j, c32(kb, p->mask_length), "");
    LLVMValueRef column = LLVMBuildSelect(B, inside, j, c32(kb, 0), "");
    LLVMValueRef coords[4] = {b, h, i, column}, at = c32(kb, 0);
    for (int d = 0; d < 4; d++)
      if (p->mask_strides[d])
        at = LLVMBuildAdd(B, at, LLVMBuildMul(B, coords[d], c32(kb, p->mask_strides[d]), ""), "");
    if (p->mask_dtype == IR_DTYPE_BOOL)
      blocked = LLVMBuildICmp(B, LLVMIntEQ, load_input(kb, p, IN_MASK, IR_DTYPE_BOOL, at),
                              LLVMConstInt(pw_storage_type(kb, IR_DTYPE_BOOL), 0, 0), "");
    else
      bias = load_f32(kb, p, IN_MASK, p->mask_dtype, at);
    LLVMValueRef outside = LLVMBuildNot(B, inside, "");
    blocked = blocked ? LLVMBuildOr(B, blocked, outside, "") : outside;
  }
  if (p->s.causal) {
    LLVMValueRef offset = c32(kb, p->s.past_sequence);
    if (nonpad && p->s.past_sequence == 0)
      offset = LLVMBuildSub(B, nonpad, c32(kb, p->s.q_sequence), "");
    LLVMValueRef future = LLVMBuildICmp(B, LLVMIntSGT, j, LLVMBuildAdd(B, i, offset, ""), "future");
    blocked = blocked ? LLVMBuildOr(B, blocked, future, "") : future;
  }
  if (nonpad) {
    LLVMValueRef padding = LLVMBuildICmp(B, LLVMIntSGE, j, nonpad, "padding");
    blocked = blocked ? LLVMBuildOr(B, blocked, padding, "") : padding;
  }
  return blocked ? LLVMBuildSelect(B, blocked, negative_infinity(kb), bias, "") : bias;
}

/* The score of query i and key j for q head h: Q.K * scale, softcapped when softcap > 0
 * (`raw`), and with the mask added (`biased`). `dot` is a scratch thread variable. */
static void score_of(kernel_builder *kb, const attention_plan *p, kb_var *dot, LLVMValueRef b,
                     LLVMValueRef h, LLVMValueRef i, LLVMValueRef j, LLVMValueRef *raw,
                     LLVMValueRef *biased) {
  LLVMValueRef kv_head = LLVMBuildUDiv(B, h, c32(kb, p->s.q_heads / p->s.kv_heads), "kv_head");
  LLVMValueRef q_row = offset_of(kb, &p->q, b, h, i, c32(kb, 0));
  kb_var_store(kb, dot, kb_const_f32(kb, 0));
  LLVMValueRef t = kb_for_begin(kb, c32(kb, 0), c32(kb, p->s.head_size), c32(kb, 1));
  LLVMValueRef q = load_f32(kb, p, IN_Q, p->dtype, LLVMBuildAdd(B, q_row, t, ""));
  LLVMValueRef k = load_key_value(kb, p, false, b, kv_head, j, t);
  kb_var_store(kb, dot, LLVMBuildFAdd(B, kb_var_load(kb, dot), LLVMBuildFMul(B, q, k, ""), ""));
  kb_for_end(kb);
  LLVMValueRef score = LLVMBuildFMul(B, kb_var_load(kb, dot), kb_const_f32(kb, p->s.scale), "");
  if (p->s.softcap > 0)
    score = LLVMBuildFMul(
        B, kb_tanh(kb, LLVMBuildFMul(B, score, kb_const_f32(kb, 1.0 / p->s.softcap), "")),
        kb_const_f32(kb, p->s.softcap), "softcapped");
  *raw = score;
  *biased = LLVMBuildFAdd(B, score, bias_of(kb, p, b, h, i, j), "");
}

/* Online softmax state of one row: maximum m, sum l of exp(s - m), and a weighted sum. */
typedef struct online_softmax {
  kb_var *maximum, *sum, *weighted;
} online_softmax;

static void online_init(kernel_builder *kb, online_softmax *o) {
  kb_var_store(kb, o->maximum, negative_infinity(kb));
  kb_var_store(kb, o->sum, kb_const_f32(kb, 0));
  kb_var_store(kb, o->weighted, kb_const_f32(kb, 0));
}

/* Adds score s with value v (NULL: only the maximum and sum). -inf scores add nothing, and
 * a row that is -inf so far stays at sum 0 (no exp(-inf - -inf)). */
static void online_add(kernel_builder *kb, online_softmax *o, LLVMValueRef s, LLVMValueRef v) {
  LLVMValueRef m = kb_var_load(kb, o->maximum), minus_infinity = negative_infinity(kb);
  LLVMValueRef m_new = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, s, m, ""), s, m, "");
  LLVMValueRef zero = kb_const_f32(kb, 0);
  LLVMValueRef alpha = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, m, minus_infinity, ""),
                                       zero, kb_exp(kb, LLVMBuildFSub(B, m, m_new, "")), "alpha");
  LLVMValueRef weight = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, s, minus_infinity, ""),
                                        zero, kb_exp(kb, LLVMBuildFSub(B, s, m_new, "")), "weight");
  kb_var_store(kb, o->maximum, m_new);
  kb_var_store(kb, o->sum,
               LLVMBuildFAdd(B, LLVMBuildFMul(B, kb_var_load(kb, o->sum), alpha, ""), weight, ""));
  if (v)
    kb_var_store(kb, o->weighted,
                 LLVMBuildFAdd(B, LLVMBuildFMul(B, kb_var_load(kb, o->weighted), alpha, ""),
                               LLVMBuildFMul(B, weight, v, ""), ""));
}

static online_softmax online_vars(kernel_builder *kb) {
  return (online_softmax){kb_thread_var(kb, pw_f32_type(kb), "maximum"),
                          kb_thread_var(kb, pw_f32_type(kb), "sum"),
                          kb_thread_var(kb, pw_f32_type(kb), "weighted")};
}

/* Splits linear index e over row-major dims (4 of them). */
static void split4(kernel_builder *kb, LLVMValueRef e, const int64_t *dims, LLVMValueRef *out) {
  for (int d = 3; d > 0; d--) {
    out[d] = LLVMBuildURem(B, e, c32(kb, dims[d]), "");
    e = LLVMBuildUDiv(B, e, c32(kb, dims[d]), "");
  }
  out[0] = e;
}

/* What a thread of the output and score kernels holds: its element's [b, h, i, last]
 * coordinates, a dot-product scratch and its row's online softmax. */
typedef struct row_thread {
  LLVMValueRef e, c[4];
  kb_var *dot;
  online_softmax o;
} row_thread;

static void row_thread_begin(kernel_builder *kb, const attention_plan *p, int64_t last,
                             int64_t count, uint32_t grid, row_thread *r) {
  r->dot = kb_thread_var(kb, pw_f32_type(kb), "dot");
  r->o = online_vars(kb);
  r->e = pw_grid_stride_begin(kb, count, grid);
  const int64_t dims[4] = {p->s.batch, p->s.q_heads, p->s.q_sequence, last};
  split4(kb, r->e, dims, r->c);
}

/* The online softmax over the thread's row; with `weighted`, of V's column c[3] too. */
static void row_softmax(kernel_builder *kb, const attention_plan *p, row_thread *r, bool weighted) {
  LLVMValueRef kv_head = LLVMBuildUDiv(B, r->c[1], c32(kb, p->s.q_heads / p->s.kv_heads), "");
  online_init(kb, &r->o);
  LLVMValueRef j = kb_for_begin(kb, c32(kb, 0), c32(kb, p->s.total_sequence), c32(kb, 1));
  LLVMValueRef raw, biased;
  score_of(kb, p, r->dot, r->c[0], r->c[1], r->c[2], j, &raw, &biased);
  online_add(kb, &r->o, biased,
             weighted ? load_key_value(kb, p, true, r->c[0], kv_head, j, r->c[3]) : NULL);
  kb_for_end(kb);
}

static int row_thread_end(kernel_builder *kb, const attention_plan *p, LLVMValueRef at,
                          LLVMValueRef value) {
  if (p->hooks)
    lower_group_store_f32(p->hooks, at, value);
  else
    pw_store(kb, p->dtype, kb_param_value(kb, p->output_param), at,
             pw_convert(kb, value, IR_DTYPE_F32, p->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

/* Y[b, h, i, d] = sum_j softmax_j(score(i, j)) V[j, d]. */
static int output_kernel(kernel_builder *kb, const attention_plan *p, int64_t count,
                         uint32_t grid) {
  row_thread r;
  row_thread_begin(kb, p, p->s.v_head_size, count, grid, &r);
  row_softmax(kb, p, &r, true);
  LLVMValueRef y = LLVMBuildFDiv(B, kb_var_load(kb, r.o.weighted), kb_var_load(kb, r.o.sum), "");
  return row_thread_end(kb, p, offset_of(kb, &p->y, r.c[0], r.c[1], r.c[2], r.c[3]), y);
}

/* The QK output [b, h, i, j]: the (softcapped) scores, the masked scores, or the softmax. */
static int scores_kernel(kernel_builder *kb, const attention_plan *p, int64_t count,
                         uint32_t grid) {
  row_thread r;
  row_thread_begin(kb, p, p->s.total_sequence, count, grid, &r);
  if (p->s.qk_mode == 3)
    row_softmax(kb, p, &r, false);
  LLVMValueRef raw, biased;
  score_of(kb, p, r.dot, r.c[0], r.c[1], r.c[2], r.c[3], &raw, &biased);
  LLVMValueRef value = p->s.qk_mode == 2 ? biased : raw;
  if (p->s.qk_mode == 3)
    value = LLVMBuildFDiv(B, kb_exp(kb, LLVMBuildFSub(B, biased, kb_var_load(kb, r.o.maximum), "")),
                          kb_var_load(kb, r.o.sum), "");
  return row_thread_end(kb, p, r.e, value);
}

/* present_key / present_value [b, kv head, j, t]: the cache, then K / V. */
static int present_kernel(kernel_builder *kb, const attention_plan *p, int output, int64_t count,
                          uint32_t grid) {
  bool value = output == 2;
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  const int64_t dims[4] = {p->s.batch, p->s.kv_heads, p->s.total_sequence,
                           value ? p->s.v_head_size : p->s.head_size};
  LLVMValueRef c[4];
  split4(kb, e, dims, c);
  LLVMValueRef x = load_key_value(kb, p, value, c[0], c[1], c[2], c[3]);
  pw_store(kb, p->dtype, kb_param_value(kb, p->output_param), e,
           pw_convert(kb, x, IR_DTYPE_F32, p->dtype));
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

/* Adds a launch over `count` elements writing output `output`; its parameters are every
 * input present, then that output. */
static int add_launch(lower_context *ctx, const ir_node *node, lower_result *out, attention_plan *p,
                      int output, const char *what) {
  int64_t count = 0;
  ir_type_element_count(&node->outputs[output]->type, &count);
  uint32_t grid = pw_grid_for(count);
  lower_launch *launch = lower_add_launch(out, lower_kernel_name(ctx, node, what), grid, PW_BLOCK);
  int params = 0;
  for (int i = 0; i < IN_COUNT; i++) {
    p->param[i] = ir_node_input(node, i) ? params++ : -1;
    if (p->param[i] >= 0 && !p->hooks)
      lower_add_arg(launch, LOWER_ARG_INPUT, i);
  }
  p->output_param = params;
  if (p->hooks)
    lower_group_bind(ctx->group, launch); /* the group's reads, then Y */
  else
    lower_add_arg(launch, LOWER_ARG_OUTPUT, output);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  if (output == 0)
    return output_kernel(ctx->kb, p, count, grid);
  if (output == 3)
    return scores_kernel(ctx->kb, p, count, grid);
  return present_kernel(ctx->kb, p, output, count, grid);
}

int lower_attention(lower_context *ctx, const ir_node *node, lower_result *out) {
  attention_plan p = {.dtype = node->inputs[0]->type.dtype,
                      .hooks = node->num_outputs == 1 ? ctx : NULL};
  if (ir_attention_read((ir_graph *)ctx->graph, node, &p.s, ctx->diag) != 0)
    return -1;
  for (int i = 0; i < IN_COUNT; i++)
    if (ir_node_input(node, i) && pw_check_value(ctx, node, node->inputs[i], "input", NULL) != 0)
      return -1;
  if (p.dtype != IR_DTYPE_F32 && p.dtype != IR_DTYPE_F16 && p.dtype != IR_DTYPE_BF16)
    return ir_node_error(ctx->diag, node, "no kernel for Attention on %s yet",
                         ir_dtype_name(p.dtype));
  const ir_attention_shape *s = &p.s;
  p.q = layout_of(s->three_d, s->q_heads, s->q_sequence, s->head_size);
  p.k = layout_of(s->three_d, s->kv_heads, s->kv_sequence, s->head_size);
  p.v = layout_of(s->three_d, s->kv_heads, s->kv_sequence, s->v_head_size);
  p.y = layout_of(s->three_d, s->q_heads, s->q_sequence, s->v_head_size);
  p.past_k = layout_of(false, s->kv_heads, s->past_sequence, s->head_size);
  p.past_v = layout_of(false, s->kv_heads, s->past_sequence, s->v_head_size);
  const ir_value *mask = ir_node_input(node, IN_MASK);
  if (mask) {
    /* Right-aligned against [batch, q heads, q sequence, total]; broadcast dims stride 0. */
    const ir_type *m = &mask->type;
    int64_t stride = 1;
    p.mask_dtype = m->dtype;
    p.mask_length = m->dims[m->rank - 1];
    for (int d = 3; d >= 0; d--) {
      int md = d - (4 - m->rank);
      p.mask_strides[d] = md >= 0 && m->dims[md] != 1 ? stride : 0;
      if (md >= 0)
        stride *= m->dims[md];
    }
  }
  static const char *const NAMES[4] = {"attention", "attention_present_key",
                                       "attention_present_value", "attention_scores"};
  for (int output = 1; output < node->num_outputs; output++)
    if (add_launch(ctx, node, out, &p, output, NAMES[output]) != 0)
      return -1;
  return add_launch(ctx, node, out, &p, 0, NAMES[0]);
}
