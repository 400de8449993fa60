/* The one-line summary of a graph: counts of inputs, outputs, nodes per op and constant bytes. */
#include "tools/dlcc/graph_stats.h"

#include <inttypes.h>

static const char *plural(int64_t count) { return count == 1 ? "" : "s"; }

void cli_write_bytes(FILE *out, int64_t bytes) {
  static const char *const UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double amount = (double)bytes;
  int unit = 0;
  while (amount >= 1024 && unit < 4) {
    amount /= 1024;
    unit++;
  }
  if (unit == 0)
    fprintf(out, "%" PRId64 " B", bytes);
  else
    fprintf(out, "%.1f %s", amount, UNITS[unit]);
}

void cli_write_graph_stats(const ir_graph *graph, FILE *out) {
  int per_op[IR_OP_COUNT] = {0}, nodes = 0;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    nodes++;
    if (node->op > IR_OP_INVALID && node->op < IR_OP_COUNT)
      per_op[node->op]++;
  }
  int64_t constant_bytes = 0;
  for (int i = 0; i < graph->num_constants; i++) {
    int64_t bytes = 0;
    if (ir_type_byte_size(&graph->constants[i]->type, &bytes))
      constant_bytes += bytes;
  }
  fprintf(out, "graph '%s': %d input%s, %d output%s, %d node%s", graph->name ? graph->name : "",
          graph->body.num_params, plural(graph->body.num_params), graph->body.num_results,
          plural(graph->body.num_results), nodes, plural(nodes));
  const char *separator = " (";
  for (int op = 1; op < IR_OP_COUNT; op++)
    if (per_op[op]) {
      fprintf(out, "%s%s %d", separator, ir_op_name((ir_op)op), per_op[op]);
      separator = ", ";
    }
  if (nodes)
    fputc(')', out);
  fprintf(out, ", %d constant%s (", graph->num_constants, plural(graph->num_constants));
  cli_write_bytes(out, constant_bytes);
  fputs(")\n", out);
}
