/* C member names for a bundle's tensors: the ONNX name with every character that cannot be in
 * a C identifier made '_', a leading digit or a C/C++ keyword given a suffix; two tensors of
 * one struct that end up with the same name are an error naming both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"

/* C11 and C++20 keywords and the names the header itself uses for members. */
static const char *const RESERVED[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return",
    "co_yield", "compl", "concept", "const", "const_cast", "consteval", "constexpr", "constinit",
    "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try",
    "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile",
    "wchar_t", "while", "xor", "xor_eq", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex",
    "_Generic", "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local"};

static int is_identifier_char(char c, int first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

static int reserved(const char *name) {
  for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++)
    if (strcmp(name, RESERVED[i]) == 0)
      return 1;
  /* Leading "__" or "_X" is reserved to the implementation in C. */
  return name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'));
}

static char *sanitize(const char *onnx_name, uint32_t index, const char *role) {
  size_t length = strlen(onnx_name);
  char *name = malloc(length + 32);
  if (!name)
    return NULL;
  if (length == 0) {
    snprintf(name, length + 32, "%s%u", role, index);
    return name;
  }
  size_t at = 0;
  if (!is_identifier_char(onnx_name[0], 1) && onnx_name[0] >= '0' && onnx_name[0] <= '9')
    name[at++] = 't'; /* "0" -> "t0" */
  for (size_t i = 0; i < length; i++)
    name[at++] = is_identifier_char(onnx_name[i], 0) ? onnx_name[i] : '_';
  name[at] = '\0';
  if (reserved(name)) { /* "int" -> "t_int", "__x" -> "t___x" */
    memmove(name + 2, name, at + 1);
    memcpy(name, "t_", 2);
  }
  return name;
}

static int build_side(const dlrt_tensor_desc *tensors, uint32_t count, const char *role,
                      char ***out, dl_diag *diag) {
  char **names = calloc(count + 1, sizeof *names);
  *out = names;
  if (!names)
    return dl_error(diag, "out of memory");
  for (uint32_t i = 0; i < count; i++) {
    if (!(names[i] = sanitize(tensors[i].name, i, role)))
      return dl_error(diag, "out of memory");
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0)
        return dl_error(diag,
                        "bundle: %ss '%s' and '%s' both become the C name '%s' in the header; "
                        "rename one of them in the model",
                        role, tensors[j].name, tensors[i].name, names[i]);
  }
  return 0;
}

int dl_bundle_names_build(const dlrt_program *program, dl_bundle_names *out, dl_diag *diag) {
  *out = (dl_bundle_names){0};
  if (build_side(program->inputs, program->input_count, "input", &out->inputs, diag) != 0 ||
      build_side(program->outputs, program->output_count, "output", &out->outputs, diag) != 0)
    return -1;
  return 0;
}

void dl_bundle_names_deinit(const dlrt_program *program, dl_bundle_names *names) {
  for (uint32_t i = 0; names->inputs && i < program->input_count; i++)
    free(names->inputs[i]);
  for (uint32_t i = 0; names->outputs && i < program->output_count; i++)
    free(names->outputs[i]);
  free(names->inputs);
  free(names->outputs);
  *names = (dl_bundle_names){0};
}
