/* .npy reading and writing: a small header (a Python dict literal) and raw data. numpy has
 * no bfloat16, 8- or 4-bit floats or 4- and 2-bit integers; their descr is the ml_dtypes
 * name (numpy.load reads it once ml_dtypes is imported) with ml_dtypes' layout: the 4- and
 * 2-bit types one element a byte, in its low bits, unpacked from and into dlcc's packing. */
#include "tools/dlcc/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/input_file.h"
#include "ir/limits.h"

static const char NPY_MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
enum { NPY_MAX_HEADER = 1 << 16 };

typedef struct npy_descr {
  const char *code; /* without the byte-order character */
  ir_dtype dtype;
} npy_descr;

static const npy_descr DESCRS[] = {
    {"f4", IR_DTYPE_F32}, {"f2", IR_DTYPE_F16}, {"f8", IR_DTYPE_F64}, {"i1", IR_DTYPE_I8},
    {"u1", IR_DTYPE_U8},  {"i2", IR_DTYPE_I16}, {"u2", IR_DTYPE_U16}, {"i4", IR_DTYPE_I32},
    {"u4", IR_DTYPE_U32}, {"i8", IR_DTYPE_I64}, {"u8", IR_DTYPE_U64}, {"b1", IR_DTYPE_BOOL},
};

/* ml_dtypes' names (its numpy dtypes' names) for the types numpy lacks. */
static const npy_descr ML_DTYPES[] = {
    {"bfloat16", IR_DTYPE_BF16},         {"float8_e4m3fn", IR_DTYPE_F8E4M3FN},
    {"float8_e4m3fnuz", IR_DTYPE_F8E4M3FNUZ}, {"float8_e5m2", IR_DTYPE_F8E5M2},
    {"float8_e5m2fnuz", IR_DTYPE_F8E5M2FNUZ}, {"float4_e2m1fn", IR_DTYPE_F4E2M1},
    {"int4", IR_DTYPE_I4},               {"uint4", IR_DTYPE_U4},
    {"int2", IR_DTYPE_I2},               {"uint2", IR_DTYPE_U2},
    {"float8_e8m0fnu", IR_DTYPE_F8E8M0},
};

static ir_dtype dtype_of_descr(const char *descr) {
  for (size_t i = 0; i < sizeof(ML_DTYPES) / sizeof(ML_DTYPES[0]); i++)
    if (strcmp(descr, ML_DTYPES[i].code) == 0)
      return ML_DTYPES[i].dtype;
  if (descr[0] != '<' && descr[0] != '|' && descr[0] != '=')
    return IR_DTYPE_INVALID; /* big-endian or odd */
  for (size_t i = 0; i < sizeof(DESCRS) / sizeof(DESCRS[0]); i++)
    if (strcmp(descr + 1, DESCRS[i].code) == 0)
      return DESCRS[i].dtype;
  return IR_DTYPE_INVALID;
}

static const char *descr_of_dtype(ir_dtype dtype) {
  static char text[4];
  for (size_t i = 0; i < sizeof(ML_DTYPES) / sizeof(ML_DTYPES[0]); i++)
    if (ML_DTYPES[i].dtype == dtype)
      return ML_DTYPES[i].code;
  for (size_t i = 0; i < sizeof(DESCRS) / sizeof(DESCRS[0]); i++)
    if (DESCRS[i].dtype == dtype) {
      snprintf(text, sizeof(text), "%c%s", ir_dtype_size(dtype) == 1 ? '|' : '<', DESCRS[i].code);
      return text;
    }
  return NULL;
}

/* Bytes of the file's data: one byte an element for packed types. */
static bool file_bytes(const ir_type *type, int64_t *out) {
  if (!ir_dtype_is_packed(type->dtype))
    return ir_type_byte_size(type, out);
  return ir_type_element_count(type, out);
}

/* Finds `'key':` in the header dict and returns what follows it (spaces skipped). */
static const char *header_value(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof(quoted), "'%s'", key);
  const char *at = strstr(header, quoted);
  if (!at)
    return NULL;
  at += strlen(quoted);
  while (*at == ' ')
    at++;
  if (*at++ != ':')
    return NULL;
  while (*at == ' ')
    at++;
  return at;
}

static int parse_header(const char *path, const char *header, ir_type *type, dl_diag *diag) {
  const char *descr = header_value(header, "descr");
  const char *fortran = header_value(header, "fortran_order");
  const char *shape = header_value(header, "shape");
  if (!descr || !fortran || !shape || *descr != '\'' || *shape != '(')
    return dl_error(diag, "%s: malformed .npy header", path);
  char code[32] = "";
  const char *end = strchr(descr + 1, '\'');
  if (!end || end - descr - 1 >= (long)sizeof(code))
    return dl_error(diag, "%s: malformed dtype in .npy header", path);
  memcpy(code, descr + 1, (size_t)(end - descr - 1));
  type->dtype = dtype_of_descr(code);
  if (type->dtype == IR_DTYPE_INVALID)
    return dl_error(diag,
                    "%s: unsupported .npy dtype '%s' (little-endian numbers, bool and the "
                    "ml_dtypes names)",
                    path, code);
  if (strncmp(fortran, "False", 5) != 0)
    return dl_error(diag, "%s: Fortran-order arrays are not supported; save with "
                          "numpy.ascontiguousarray",
                    path);
  type->rank = 0;
  for (const char *at = shape + 1; *at != ')';) {
    while (*at == ' ' || *at == ',')
      at++;
    if (*at == ')')
      break;
    char *after;
    errno = 0;
    long long dim = strtoll(at, &after, 10);
    if (after == at || errno || dim < 0)
      return dl_error(diag, "%s: malformed shape in .npy header", path);
    if (type->rank == IR_MAX_RANK)
      return dl_error(diag, "%s: rank above %d is not supported", path, IR_MAX_RANK);
    type->dims[type->rank++] = dim;
    at = after;
  }
  return 0;
}

int npy_parse(const void *bytes, size_t size, const char *path, npy_array *out, dl_diag *diag) {
  memset(out, 0, sizeof(*out));
  const unsigned char *file = bytes;
  if (size < 10 || memcmp(file, NPY_MAGIC, 6) != 0)
    return dl_error(diag, "%s: not a .npy file (bad magic)", path);
  unsigned major = file[6];
  size_t header_length = file[8] | (size_t)file[9] << 8, header_start = 10;
  if (major >= 2) {
    if (size < 12)
      return dl_error(diag, "%s: truncated .npy header", path);
    header_length |= (size_t)file[10] << 16 | (size_t)file[11] << 24;
    header_start = 12;
  }
  if (major < 1 || major > 3 || header_length > NPY_MAX_HEADER)
    return dl_error(diag, "%s: unsupported .npy version %u or header size", path, major);
  if (header_length > size - header_start)
    return dl_error(diag, "%s: truncated .npy header", path);
  char *header = strndup((const char *)file + header_start, header_length);
  if (!header)
    return dl_error(diag, "%s: out of memory", path);
  int status = parse_header(path, header, &out->type, diag);
  free(header);
  if (status != 0)
    return -1;
  int64_t stored = 0;
  if (!ir_type_byte_size(&out->type, &out->bytes) || !file_bytes(&out->type, &stored))
    return dl_error(diag, "%s: shape too large", path);
  if (!dl_limits_tensor_fits(stored))
    return dl_error(diag, "%s: " DL_TENSOR_LIMIT_FORMAT, path, DL_TENSOR_LIMIT_ARGS(stored));
  size_t data_start = header_start + header_length, have = size - data_start;
  if ((uint64_t)stored != have)
    return dl_error(diag, "%s: holds %s bytes than its shape needs (%lld)", path,
                    have < (uint64_t)stored ? "fewer" : "more", (long long)stored);
  out->data = calloc(1, out->bytes ? (size_t)out->bytes : 1);
  if (!out->data)
    return dl_error(diag, "%s: out of memory", path);
  if (!ir_dtype_is_packed(out->type.dtype)) {
    memcpy(out->data, file + data_start, have);
    return 0;
  }
  for (int64_t i = 0; i < stored; i++) /* the low bits of each byte, packed */
    ir_element_packed_set(out->type.dtype, out->data, i, file[data_start + (size_t)i]);
  return 0;
}

int npy_read(const char *path, npy_array *out, dl_diag *diag) {
  size_t size = 0;
  memset(out, 0, sizeof(*out));
  void *bytes = dl_input_read(path, dl_limits_get()->max_file_bytes, &size, NULL, diag);
  if (!bytes)
    return -1;
  int status = npy_parse(bytes, size, path, out, diag);
  free(bytes);
  return status;
}

int npy_write(FILE *file, const char *path, const ir_type *type, const void *data, dl_diag *diag) {
  const char *descr = descr_of_dtype(type->dtype);
  int64_t bytes;
  if (!descr || !file_bytes(type, &bytes))
    return dl_error(diag, "%s: cannot write dtype %s as .npy", path, ir_dtype_name(type->dtype));
  char header[512];
  int length = snprintf(header, sizeof(header), "{'descr': '%s', 'fortran_order': False, 'shape': (",
                        descr);
  for (int i = 0; i < type->rank; i++)
    length += snprintf(header + length, sizeof(header) - (size_t)length, "%lld,%s",
                       (long long)type->dims[i], i + 1 < type->rank ? " " : "");
  if (type->rank > 1)
    length--; /* numpy writes (2, 3) but (2,) */
  length += snprintf(header + length, sizeof(header) - (size_t)length, "), }");
  /* Pad with spaces so the data starts 64-byte aligned; the header ends in a newline. */
  int total = 10 + length + 1;
  int padding = (64 - total % 64) % 64;
  memset(header + length, ' ', (size_t)padding);
  length += padding;
  header[length++] = '\n';
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(length & 0xff),
                              (unsigned char)(length >> 8)};
  int ok = fwrite(prefix, 1, 10, file) == 10 &&
           fwrite(header, 1, (size_t)length, file) == (size_t)length;
  if (ir_dtype_is_packed(type->dtype)) {
    for (int64_t i = 0; ok && i < bytes; i++) /* unpacked: each element's bits in a byte */
      ok = fputc((int)ir_element_packed_get(type->dtype, data, i), file) != EOF;
  } else {
    ok = ok && fwrite(data, 1, (size_t)bytes, file) == (size_t)bytes;
  }
  return ok ? 0 : dl_error(diag, "%s: write failed: %s", path, strerror(errno));
}

void npy_array_free(npy_array *array) {
  free(array->data);
  array->data = NULL;
}
