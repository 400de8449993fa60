/* A pre-scan of protobuf wire format, guided by the generated message descriptors, run before
 * protobuf-c decodes a file: protobuf-c recurses once per nested message with no limit (a
 * few thousand levels overflow the stack) and allocates for every element it meets, so the
 * scan bounds the nesting depth and the memory decoding would take, and checks that every
 * field lies inside its message. */
#include "onnx_internal.h"

#include "ir/limits.h"

/* Decoding may take this many times the file's size (plus a floor): weights cost about their
 * size, a model of many small nodes a few times its size; more means a hostile file. */
enum { DECODED_BYTES_PER_FILE_BYTE = 16 };
#define DECODED_BYTES_FLOOR ((uint64_t)64 << 20)

typedef struct wire_scan {
  const unsigned char *start;
  uint64_t decoded_bytes; /* an upper bound on what protobuf-c will allocate */
  const char *problem;    /* set on the first failure */
  size_t problem_offset;
  bool too_deep;
} wire_scan;

static int scan_failed(wire_scan *scan, const unsigned char *at, const char *problem) {
  scan->problem = problem;
  scan->problem_offset = (size_t)(at - scan->start);
  return -1;
}

static int read_varint(wire_scan *scan, const unsigned char **at, const unsigned char *end,
                       uint64_t *out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*at >= end)
      return scan_failed(scan, *at, "a number runs past the end of its message");
    unsigned char byte = *(*at)++;
    value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = value;
      return 0;
    }
  }
  return scan_failed(scan, *at, "a number longer than 10 bytes");
}

static bool is_repeated(const ProtobufCFieldDescriptor *field) {
  return field && field->label == PROTOBUF_C_LABEL_REPEATED;
}

static int scan_message(wire_scan *scan, const unsigned char *at, const unsigned char *end,
                        const ProtobufCMessageDescriptor *descriptor, int depth);

/* A length-delimited field: a nested message (scanned one level deeper), a string, bytes or
 * a packed array. */
static int scan_delimited(wire_scan *scan, const ProtobufCFieldDescriptor *field,
                          const unsigned char *at, uint64_t length, int depth) {
  if (field && field->type == PROTOBUF_C_TYPE_MESSAGE) {
    scan->decoded_bytes += is_repeated(field) ? sizeof(void *) : 0;
    return scan_message(scan, at, at + length, field->descriptor, depth + 1);
  }
  /* Packed scalars: at least one byte each, at most 8 bytes decoded. Strings and bytes are
   * copied with a terminator. */
  uint64_t per_byte = is_repeated(field) && field->type != PROTOBUF_C_TYPE_STRING &&
                              field->type != PROTOBUF_C_TYPE_BYTES
                          ? 8
                          : 1;
  scan->decoded_bytes += length * per_byte + sizeof(ProtobufCBinaryData) + 1;
  return 0;
}

static int scan_message(wire_scan *scan, const unsigned char *at, const unsigned char *end,
                        const ProtobufCMessageDescriptor *descriptor, int depth) {
  if (depth > DL_MAX_MESSAGE_NESTING) {
    scan->too_deep = true;
    return scan_failed(scan, at, "messages nested too deeply");
  }
  scan->decoded_bytes += descriptor ? descriptor->sizeof_message : 0;
  while (at < end) {
    uint64_t key = 0, length = 0, skip = 0;
    if (read_varint(scan, &at, end, &key) != 0)
      return -1;
    const ProtobufCFieldDescriptor *field =
        descriptor && key >> 3 <= UINT32_MAX
            ? protobuf_c_message_descriptor_get_field(descriptor, (unsigned)(key >> 3))
            : NULL;
    if (!field) /* kept by protobuf-c as an unknown field */
      scan->decoded_bytes += sizeof(ProtobufCMessageUnknownField);
    switch (key & 7) {
    case 0: /* varint */
      if (read_varint(scan, &at, end, &skip) != 0)
        return -1;
      skip = 0;
      scan->decoded_bytes += 8;
      break;
    case 1: /* 64-bit */
      skip = 8;
      scan->decoded_bytes += 8;
      break;
    case 5: /* 32-bit */
      skip = 4;
      scan->decoded_bytes += 8;
      break;
    case 2:
      if (read_varint(scan, &at, end, &length) != 0)
        return -1;
      if (length > (uint64_t)(end - at))
        return scan_failed(scan, at, "a field runs past the end of its message");
      if (scan_delimited(scan, field, at, length, depth) != 0)
        return -1;
      skip = length;
      break;
    default:
      return scan_failed(scan, at, "a field of an unknown wire type");
    }
    if (skip > (uint64_t)(end - at))
      return scan_failed(scan, at, "a field runs past the end of its message");
    at += skip;
  }
  return 0;
}

int onnx_wire_check(const void *data, size_t size, const ProtobufCMessageDescriptor *descriptor,
                    const char *display_name, const char *what, dl_diag *diag) {
  wire_scan scan = {.start = data};
  if (size > 0 && scan_message(&scan, data, (const unsigned char *)data + size, descriptor, 1) != 0) {
    if (scan.too_deep)
      return dl_error(diag,
                      "%s: refused: protobuf messages nested more than %d levels deep "
                      "(at byte %zu)",
                      display_name, DL_MAX_MESSAGE_NESTING, scan.problem_offset);
    return dl_error(diag, "%s: not a valid %s (protobuf parse failed: %s at byte %zu)",
                    display_name, what, scan.problem, scan.problem_offset);
  }
  uint64_t budget = (uint64_t)size * DECODED_BYTES_PER_FILE_BYTE;
  if (budget < DECODED_BYTES_FLOOR)
    budget = DECODED_BYTES_FLOOR;
  if (scan.decoded_bytes > budget)
    return dl_error(diag,
                    "%s: refused: decoding it would take about %llu MiB, more than %d times "
                    "its size (a file of many empty messages or numbers)",
                    display_name, (unsigned long long)(scan.decoded_bytes >> 20),
                    DECODED_BYTES_PER_FILE_BYTE);
  return 0;
}
