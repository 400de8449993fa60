/* ONNX export: writes a graph as an ONNX ModelProto (`dlcc compile --emit=onnx`), so that
 * Netron and onnxruntime see what the passes made of a model. Ops keep their ONNX names in
 * the default domain (opset 21, or the opset that introduced the newest op used); each
 * dl.group is a node of the `dlcc` domain calling a model-local function whose body is the
 * group's nodes (onnxruntime inlines it, Netron shows it as one box that opens); dl.copy
 * is an Identity. Constants are initializers, written as raw little-endian data. */
#ifndef DLCC_FRONTEND_ONNX_EXPORT_H
#define DLCC_FRONTEND_ONNX_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* The packed model in `*out_bytes` (malloc'ed; the caller frees it). 0, or -1 after a
 * message (a constant without data, a node with a body other than a dl.group). */
int dl_onnx_export(const ir_graph *graph, uint8_t **out_bytes, size_t *out_size, dl_diag *diag);

#endif
