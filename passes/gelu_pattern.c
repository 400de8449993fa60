/* Pass gelu-pattern: GELU as exporters write it out becomes the Gelu op, one emitter in
 * whatever kernel it is fused into instead of five or more:
 *
 *   Erf form:  x * 0.5 * (1 + Erf(x / sqrt(2)))        (or Erf(x * 0.70710678))
 *   Tanh form: x * 0.5 * (1 + Tanh(0.7978845608 * (x + 0.044715 * x^3)))
 *              (x^3 as Pow(x, 3) or x * x * x)         → Gelu(x, approximate = "tanh")
 *
 * The outer product is any tree of Muls over x, 0.5 and the (1 + ...) term (torch writes
 * (x * (1 + erf)) * 0.5, others 0.5 * x * (...) or x * (0.5 * (...))), or a Div by 2 of
 * the product of the two others; sums take either operand order. Intermediates must be read
 * by the pattern alone and not be graph outputs. */
#include <math.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/pattern.h"

enum { MAX_DEAD = 24 };

static const double SQRT_2_OVER_PI = 0.79788456080286535588; /* sqrt(2 / pi) */

typedef struct gelu_match {
  ir_value *x;
  bool tanh;
  ir_node *dead[MAX_DEAD];
  int dead_count;
} gelu_match;

static bool kill(gelu_match *m, ir_node *node) {
  if (m->dead_count == MAX_DEAD)
    return false;
  m->dead[m->dead_count++] = node;
  return true;
}

static bool kill_all(gelu_match *m, ir_node *const *nodes, int count) {
  for (int i = 0; i < count; i++)
    if (!kill(m, nodes[i]))
      return false;
  return true;
}

/* The operand of Add `node` beside a one-element constant `want`; NULL if it has none. */
static ir_value *added_to(const ir_node *node, double want) {
  if (dl_pattern_scalar_near(node->inputs[1], want))
    return node->inputs[0];
  return dl_pattern_scalar_near(node->inputs[0], want) ? node->inputs[1] : NULL;
}

/* x / sqrt(2) or x * (1 / sqrt(2)), into x. */
static ir_value *erf_argument(const dl_pattern *p, gelu_match *m, ir_value *argument) {
  ir_node *div = dl_pattern_producer(argument, IR_OP_DIV);
  ir_node *mul = dl_pattern_producer(argument, IR_OP_MUL);
  if (!dl_pattern_private(p, argument, 1))
    return NULL;
  if (div && dl_pattern_scalar_near(div->inputs[1], sqrt(2.0)))
    return kill(m, div) ? div->inputs[0] : NULL;
  if (!mul)
    return NULL;
  ir_value *x = dl_pattern_scalar_near(mul->inputs[1], sqrt(0.5))   ? mul->inputs[0]
                : dl_pattern_scalar_near(mul->inputs[0], sqrt(0.5)) ? mul->inputs[1]
                                                                    : NULL;
  return x && kill(m, mul) ? x : NULL;
}

/* Whether `factors` are a constant near `want` and the other `count - 1` are all `x`. */
static bool constant_times_x(ir_value *const *factors, int count, double want, const ir_value *x) {
  int constants = 0;
  for (int i = 0; i < count; i++) {
    if (dl_pattern_scalar_near(factors[i], want))
      constants++;
    else if (factors[i] != x)
      return false;
  }
  return constants == 1;
}

/* 0.044715 * x^3 with x^3 a Pow(x, 3) or a product x * x * x. */
static bool cubic_term(const dl_pattern *p, gelu_match *m, ir_value *term, const ir_value *x) {
  ir_value *factors[DL_PATTERN_MAX_FACTORS];
  ir_node *muls[DL_PATTERN_MAX_FACTORS];
  int mul_count = 0, count = dl_pattern_factors(p, term, factors, muls, &mul_count);
  if (!dl_pattern_private(p, term, 1) || !kill_all(m, muls, mul_count))
    return false;
  if (count == 4)
    return constant_times_x(factors, count, 0.044715, x);
  for (int i = 0; count == 2 && i < 2; i++) {
    ir_node *pow = dl_pattern_producer(factors[i], IR_OP_POW);
    double exponent = 0;
    if (pow && pow->inputs[0] == x && dl_pattern_scalar(pow->inputs[1], &exponent) &&
        exponent == 3 && dl_pattern_private(p, factors[i], 1) &&
        dl_pattern_scalar_near(factors[1 - i], 0.044715))
      return kill(m, pow);
  }
  return false;
}

/* sqrt(2 / pi) * (x + 0.044715 * x^3), into x. */
static ir_value *tanh_argument(const dl_pattern *p, gelu_match *m, ir_value *argument) {
  ir_value *factors[DL_PATTERN_MAX_FACTORS];
  ir_node *muls[DL_PATTERN_MAX_FACTORS];
  int mul_count = 0, count = dl_pattern_factors(p, argument, factors, muls, &mul_count);
  if (count != 2 || !dl_pattern_private(p, argument, 1) || !kill_all(m, muls, mul_count))
    return NULL;
  int sum = dl_pattern_scalar_near(factors[0], SQRT_2_OVER_PI) ? 1 : 0;
  ir_node *add = dl_pattern_producer(factors[sum], IR_OP_ADD);
  if (!add || !dl_pattern_scalar_near(factors[1 - sum], SQRT_2_OVER_PI) ||
      !dl_pattern_private(p, factors[sum], 1))
    return NULL;
  for (int i = 0; i < 2; i++)
    if (cubic_term(p, m, add->inputs[1 - i], add->inputs[i]))
      return kill(m, add) ? add->inputs[i] : NULL;
  return NULL;
}

/* 1 + Erf(...) or 1 + Tanh(...), into the x its argument is made of. */
static ir_value *one_plus(const dl_pattern *p, gelu_match *m, ir_value *value) {
  ir_node *add = dl_pattern_producer(value, IR_OP_ADD);
  ir_value *term = add && dl_pattern_private(p, value, 1) ? added_to(add, 1.0) : NULL;
  ir_node *erf = dl_pattern_producer(term, IR_OP_ERF);
  ir_node *tanh = dl_pattern_producer(term, IR_OP_TANH);
  if (!term || (!erf && !tanh) || !dl_pattern_private(p, term, 1) || !kill(m, add))
    return NULL;
  m->tanh = tanh != NULL;
  if (erf)
    return kill(m, erf) ? erf_argument(p, m, erf->inputs[0]) : NULL;
  return kill(m, tanh) ? tanh_argument(p, m, tanh->inputs[0]) : NULL;
}

/* The product's factors are x, 0.5 and 1 + act(x) (0.5 also as a Div by 2 at the root). */
static bool match_gelu(const dl_pattern *p, gelu_match *m, ir_node *root) {
  ir_value *product = root->outputs[0];
  bool halved = false;
  if (root->op == IR_OP_DIV) {
    if (!dl_pattern_scalar_near(root->inputs[1], 2.0) || !dl_pattern_producer(root->inputs[0], IR_OP_MUL) ||
        !dl_pattern_private(p, root->inputs[0], 1))
      return false;
    product = root->inputs[0];
    halved = true;
  }
  ir_value *factors[DL_PATTERN_MAX_FACTORS];
  ir_node *muls[DL_PATTERN_MAX_FACTORS];
  int mul_count = 0, count = dl_pattern_factors(p, product, factors, muls, &mul_count);
  if (count != (halved ? 2 : 3) || !kill_all(m, muls, mul_count))
    return false;
  for (int plus = 0; plus < count; plus++) {
    gelu_match attempt = *m;
    ir_value *x = one_plus(p, &attempt, factors[plus]);
    if (!x || x->type.dtype != factors[plus]->type.dtype || !ir_dtype_is_float(x->type.dtype) ||
        !ir_type_equal(&x->type, &root->outputs[0]->type))
      continue;
    ir_value *rest[2];
    int rest_count = 0;
    for (int i = 0; i < count; i++)
      if (i != plus)
        rest[rest_count++] = factors[i];
    bool fits = halved ? rest[0] == x : constant_times_x(rest, rest_count, 0.5, x);
    if (fits && (!halved || kill(&attempt, root))) {
      *m = attempt;
      m->x = x;
      return true;
    }
  }
  return false;
}

int dl_pass_gelu_pattern(ir_graph *graph, dl_diag *diag) {
  dl_pattern p;
  if (dl_pattern_init(&p, graph, diag) != 0)
    return -1;
  int status = 0;
  for (ir_node *node = graph->body.first; node && status == 0; node = node->next) {
    gelu_match m = {0};
    if ((node->op != IR_OP_MUL && node->op != IR_OP_DIV) || !match_gelu(&p, &m, node))
      continue;
    ir_node *gelu = dl_pattern_build(&p, node, IR_OP_GELU, &m.x, 1, "");
    if (!gelu || (m.tanh && ir_node_set_string(graph, gelu, "approximate", "tanh") != 0)) {
      status = ir_node_error(diag, node, "gelu-pattern: out of memory");
      break;
    }
    status = dl_pattern_commit(&p, gelu, node, m.dead, m.dead_count, diag);
    node = gelu;
  }
  dl_pattern_deinit(&p);
  return status;
}
