/* Enums named by a table of strings, the index being the value (loss and optimizer kinds,
 * schedules, precisions): one lookup each way instead of a loop per enum. */
#ifndef DLCC_IR_ENUM_NAMES_H
#define DLCC_IR_ENUM_NAMES_H

#define IR_ENUM_NAMES_COUNT(names) ((int)(sizeof(names) / sizeof((names)[0])))

/* The index of `name` in names[0 .. count), or -1 (also for a NULL name). */
int ir_enum_from_name(const char *const *names, int count, const char *name);
/* names[value], or "?" when value is out of range. */
const char *ir_enum_name(const char *const *names, int count, int value);

#endif
