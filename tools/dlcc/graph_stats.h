/* The one-line summary of a graph that `dlcc inspect --stats` prints. */
#ifndef DLCC_TOOLS_GRAPH_STATS_H
#define DLCC_TOOLS_GRAPH_STATS_H

#include <stdio.h>

#include "ir/graph.h"

/* "graph 'mlp': 1 input, 1 output, 5 nodes (Gemm 2, Relu 1, ...), 4 constants (1.2 KiB)". */
void cli_write_graph_stats(const ir_graph *graph, FILE *out);
/* A byte count as people read it: "268 B", "1.2 KiB", "44.6 MiB". */
void cli_write_bytes(FILE *out, int64_t bytes);

#endif
