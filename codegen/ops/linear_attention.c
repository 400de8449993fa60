/* LinearAttention (opset 27): the recurrence run token by token, as ONNX defines it. One
 * thread owns column j of one key/value head's state S [key size, value size] and keeps it
 * in present_state (f32) while it walks the sequence: decay (S *= exp(g_t)), the delta
 * rule's correction (v_t <- beta_t (v_t - S^T k_t)), the update S += k_t v_t^T, then
 * output column j of every query head sharing this KV head: scale * q_t^T S. Each thread
 * reads and writes only its own column, so no synchronization; the parallelism is batch *
 * kv heads * value size, enough for decoding and modest prefill. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"
#include "ir/linear_attention.h"

#include "codegen/llvm_build.h"

enum { IN_QUERY, IN_KEY, IN_VALUE, IN_PAST, IN_DECAY, IN_BETA, IN_COUNT };

typedef struct linear_plan {
  ir_linear_attention_shape s;
  int param[IN_COUNT]; /* kernel parameter of each input, -1 if absent */
  int output_param, state_param;
} linear_plan;

static LLVMValueRef c32(kernel_builder *kb, int64_t value) { return kb_const_i32(kb, value); }

static LLVMValueRef mul_add(kernel_builder *kb, LLVMValueRef a, int64_t b, LLVMValueRef c) {
  return LLVMBuildAdd(B, LLVMBuildMul(B, a, c32(kb, b), ""), c, "");
}

static LLVMValueRef load(kernel_builder *kb, const linear_plan *p, int input, LLVMValueRef at) {
  return pw_load(kb, IR_DTYPE_F32, kb_param_value(kb, p->param[input]), at);
}

/* Row d of the thread's state column, at `column` + d * value size in present_state. */
static LLVMValueRef state_at(kernel_builder *kb, const linear_plan *p, LLVMValueRef column,
                             LLVMValueRef d) {
  return mul_add(kb, d, p->s.value_size, column);
}

/* Sum over d of S[d] * x[x_row + d]: S^T k_t or q_t^T S. */
static LLVMValueRef column_dot(kernel_builder *kb, const linear_plan *p, kb_var *sum,
                               LLVMValueRef column, int input, LLVMValueRef x_row) {
  LLVMValueRef state = kb_param_value(kb, p->state_param);
  kb_var_store(kb, sum, kb_const_f32(kb, 0));
  LLVMValueRef d = kb_for_begin(kb, c32(kb, 0), c32(kb, p->s.key_size), c32(kb, 1));
  LLVMValueRef s = pw_load(kb, IR_DTYPE_F32, state, state_at(kb, p, column, d));
  LLVMValueRef x = load(kb, p, input, LLVMBuildAdd(B, x_row, d, ""));
  kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), LLVMBuildFMul(B, s, x, ""), ""));
  kb_for_end(kb);
  return kb_var_load(kb, sum);
}

static void step(kernel_builder *kb, const linear_plan *p, kb_var *sum, LLVMValueRef b,
                 LLVMValueRef h, LLVMValueRef j, LLVMValueRef column, LLVMValueRef t) {
  const ir_linear_attention_shape *s = &p->s;
  LLVMValueRef state = kb_param_value(kb, p->state_param);
  LLVMValueRef token = mul_add(kb, b, s->sequence, t); /* b * sequence + t */
  LLVMValueRef k_row =
      LLVMBuildMul(B, mul_add(kb, token, s->kv_heads, h), c32(kb, s->key_size), "");
  if (s->gated) {
    LLVMValueRef d = kb_for_begin(kb, c32(kb, 0), c32(kb, s->key_size), c32(kb, 1));
    LLVMValueRef g_at =
        s->decay_per_head ? mul_add(kb, token, s->kv_heads, h) : LLVMBuildAdd(B, k_row, d, "");
    LLVMValueRef at = state_at(kb, p, column, d);
    LLVMValueRef decayed = LLVMBuildFMul(B, pw_load(kb, IR_DTYPE_F32, state, at),
                                         kb_exp(kb, load(kb, p, IN_DECAY, g_at)), "");
    pw_store(kb, IR_DTYPE_F32, state, at, decayed);
    kb_for_end(kb);
  }
  LLVMValueRef v_at = mul_add(kb, mul_add(kb, token, s->kv_heads, h), s->value_size, j);
  LLVMValueRef v = load(kb, p, IN_VALUE, v_at);
  if (s->delta) {
    LLVMValueRef retrieved = column_dot(kb, p, sum, column, IN_KEY, k_row);
    LLVMValueRef beta_at = s->beta_shared ? token : mul_add(kb, token, s->kv_heads, h);
    v = LLVMBuildFMul(B, load(kb, p, IN_BETA, beta_at), LLVMBuildFSub(B, v, retrieved, ""), "");
  }
  LLVMValueRef d = kb_for_begin(kb, c32(kb, 0), c32(kb, s->key_size), c32(kb, 1));
  LLVMValueRef at = state_at(kb, p, column, d);
  LLVMValueRef k = load(kb, p, IN_KEY, LLVMBuildAdd(B, k_row, d, ""));
  pw_store(kb, IR_DTYPE_F32, state, at,
           LLVMBuildFAdd(B, pw_load(kb, IR_DTYPE_F32, state, at), LLVMBuildFMul(B, k, v, ""), ""));
  kb_for_end(kb);
  /* Query heads h * group .. h * group + group - 1 read this KV head's state. */
  int64_t group = s->q_heads / s->kv_heads;
  LLVMValueRef g = kb_for_begin(kb, c32(kb, 0), c32(kb, group), c32(kb, 1));
  LLVMValueRef q_head = mul_add(kb, h, group, g);
  LLVMValueRef q_row =
      LLVMBuildMul(B, mul_add(kb, token, s->q_heads, q_head), c32(kb, s->key_size), "");
  LLVMValueRef y = LLVMBuildFMul(B, column_dot(kb, p, sum, column, IN_QUERY, q_row),
                                 kb_const_f32(kb, s->scale), "");
  LLVMValueRef y_at = mul_add(kb, mul_add(kb, token, s->q_heads, q_head), s->value_size, j);
  pw_store(kb, IR_DTYPE_F32, kb_param_value(kb, p->output_param), y_at, y);
  kb_for_end(kb);
}

static int linear_kernel(kernel_builder *kb, const linear_plan *p, int64_t count, uint32_t grid) {
  const ir_linear_attention_shape *s = &p->s;
  kb_var *sum = kb_thread_var(kb, pw_f32_type(kb), "sum");
  LLVMValueRef e = pw_grid_stride_begin(kb, count, grid);
  LLVMValueRef j = LLVMBuildURem(B, e, c32(kb, s->value_size), "j");
  LLVMValueRef rest = LLVMBuildUDiv(B, e, c32(kb, s->value_size), "");
  LLVMValueRef h = LLVMBuildURem(B, rest, c32(kb, s->kv_heads), "h");
  LLVMValueRef b = LLVMBuildUDiv(B, rest, c32(kb, s->kv_heads), "b");
  /* Element (b, h, 0, j) of the state; row d is value size further per d. */
  LLVMValueRef column =
      mul_add(kb, LLVMBuildMul(B, rest, c32(kb, s->key_size), ""), s->value_size, j);
  LLVMValueRef state = kb_param_value(kb, p->state_param);
  LLVMValueRef d = kb_for_begin(kb, c32(kb, 0), c32(kb, s->key_size), c32(kb, 1));
  LLVMValueRef at = state_at(kb, p, column, d);
  pw_store(kb, IR_DTYPE_F32, state, at,
           p->param[IN_PAST] >= 0 ? load(kb, p, IN_PAST, at) : kb_const_f32(kb, 0));
  kb_for_end(kb);
  LLVMValueRef t = kb_for_begin(kb, c32(kb, 0), c32(kb, s->sequence), c32(kb, 1));
  step(kb, p, sum, b, h, j, column, t);
  kb_for_end(kb);
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_linear_attention(lower_context *ctx, const ir_node *node, lower_result *out) {
  linear_plan p = {0};
  if (ir_linear_attention_read((ir_graph *)ctx->graph, node, &p.s, ctx->diag) != 0)
    return -1;
  for (int i = 0; i < node->num_inputs; i++)
    if (ir_node_input(node, i) && pw_check_value(ctx, node, node->inputs[i], "input", NULL) != 0)
      return -1;
  int64_t count = p.s.batch * p.s.kv_heads * p.s.value_size;
  if (pw_check_value(ctx, node, node->outputs[0], "output", NULL) != 0 ||
      pw_check_value(ctx, node, node->outputs[1], "present_state", NULL) != 0)
    return -1;
  uint32_t grid = pw_grid_for(count);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "linear_attention"), grid, PW_BLOCK);
  int params = 0;
  for (int i = 0; i < IN_COUNT; i++) {
    p.param[i] = ir_node_input(node, i) ? params++ : -1;
    if (p.param[i] >= 0)
      lower_add_arg(launch, LOWER_ARG_INPUT, i);
  }
  p.output_param = params++;
  p.state_param = params;
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 1);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return linear_kernel(ctx->kb, &p, count, grid);
}
