/* Enums named by a table of strings (enum_names.h). */
#include "ir/enum_names.h"

#include <stddef.h>
#include <string.h>

int ir_enum_from_name(const char *const *names, int count, const char *name) {
  for (int i = 0; name && i < count; i++)
    if (strcmp(name, names[i]) == 0)
      return i;
  return -1;
}

const char *ir_enum_name(const char *const *names, int count, int value) {
  return value >= 0 && value < count ? names[value] : "?";
}
