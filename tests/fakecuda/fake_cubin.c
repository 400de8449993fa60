/* Fake driver: reads a cubin (the ELF image ptxas writes) as far as running it through host
 * twins needs: its architecture from the ELF header, its kernels from the symbol table and
 * their parameter sizes from the .nv.info.NAME attributes. The GPU code is never looked at. */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

#ifndef EM_CUDA
#define EM_CUDA 190
#endif
#define STO_CUDA_ENTRY 0x10     /* st_other of a kernel entry (a __global__ function) */
#define EIATTR_KPARAM_INFO 0x17 /* one kernel parameter: ordinal, offset, size */
#define EIFMT_SVAL 0x04         /* attribute with a 16-bit size and that many bytes */
/* Since CUDA 13 (ELF ABI version 8) the architecture sits in bits 8..15 of e_flags, before in
 * bits 0..7 (0x500550 for sm_80). */
#define CUBIN_ABI_ARCH_SHIFTED 8

/* The image as ptxas wrote it: its size is known only from its own headers. */
typedef struct cubin {
  const unsigned char *bytes;
  const Elf64_Ehdr *header;
  const Elf64_Shdr *sections;
  const char *section_names;
} cubin;

static int fail(char *log, size_t size, const char *problem) {
  if (log && size)
    snprintf(log, size, "(fakecuda) not a cubin it can read: %s", problem);
  return -1;
}

int fake_cubin_is_elf(const void *image) { return memcmp(image, ELFMAG, SELFMAG) == 0; }

static int read_header(const unsigned char *image, cubin *out, char *log, size_t size) {
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)image;
  if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB)
    return fail(log, size, "not a 64-bit little-endian ELF file");
  if (header->e_machine != EM_CUDA)
    return fail(log, size, "an ELF file for another machine than EM_CUDA");
  if (header->e_shentsize != sizeof(Elf64_Shdr) || header->e_shnum == 0 ||
      header->e_shstrndx >= header->e_shnum)
    return fail(log, size, "no usable section table");
  out->bytes = image;
  out->header = header;
  out->sections = (const Elf64_Shdr *)(image + header->e_shoff);
  out->section_names = (const char *)(image + out->sections[header->e_shstrndx].sh_offset);
  return 0;
}

static int architecture(const Elf64_Ehdr *header) {
  unsigned flags = header->e_flags;
  return (int)(header->e_ident[EI_ABIVERSION] >= CUBIN_ABI_ARCH_SHIFTED ? (flags >> 8) & 0xff
                                                                        : flags & 0xff);
}

static const Elf64_Shdr *section_named(const cubin *image, const char *name) {
  for (unsigned i = 0; i < image->header->e_shnum; i++)
    if (strcmp(image->section_names + image->sections[i].sh_name, name) == 0)
      return &image->sections[i];
  return NULL;
}

/* Parameter sizes of one kernel from its EIATTR_KPARAM_INFO records: 4-byte headers (format,
 * attribute, 16-bit value or size), SVAL payloads of index, ordinal, offset and a word whose
 * bits 18..31 hold the size. */
static int read_params(const cubin *image, struct CUfunc_st *function, char *log, size_t size) {
  char name[160];
  snprintf(name, sizeof name, ".nv.info.%s", function->name);
  const Elf64_Shdr *info = section_named(image, name);
  if (!info)
    return 0; /* a kernel without parameters has no parameter records */
  const unsigned char *at = image->bytes + info->sh_offset, *end = at + info->sh_size;
  while (at + 4 <= end) {
    uint8_t format = at[0], attribute = at[1];
    uint16_t value;
    memcpy(&value, at + 2, sizeof value);
    at += 4;
    if (format != EIFMT_SVAL)
      continue;
    if (at + value > end)
      return fail(log, size, "an .nv.info record runs past its section");
    if (attribute == EIATTR_KPARAM_INFO && value >= 12) {
      uint16_t ordinal;
      uint32_t word;
      memcpy(&ordinal, at + 4, sizeof ordinal);
      memcpy(&word, at + 8, sizeof word);
      if (ordinal >= PARAM_SPACE_BYTES)
        return fail(log, size, "a parameter ordinal past CUDA's parameter space");
      function->param_sizes[ordinal] = (word >> 18) & 0x3fff;
      if (ordinal + 1u > function->param_count)
        function->param_count = ordinal + 1u;
    }
    at += value;
  }
  return 0;
}

static int is_entry(const Elf64_Sym *symbol) {
  return ELF64_ST_TYPE(symbol->st_info) == STT_FUNC && (symbol->st_other & STO_CUDA_ENTRY);
}

CUresult fake_cubin_parse(const unsigned char *bytes, struct CUmod_st *module, int *out_sm_version,
                          char *log, size_t log_size) {
  cubin image;
  if (read_header(bytes, &image, log, log_size) != 0)
    return CUDA_ERROR_INVALID_IMAGE;
  *out_sm_version = architecture(image.header);
  const Elf64_Shdr *symbols = section_named(&image, ".symtab");
  if (!symbols || symbols->sh_entsize != sizeof(Elf64_Sym) ||
      symbols->sh_link >= image.header->e_shnum)
    return fail(log, log_size, "no symbol table"), CUDA_ERROR_INVALID_IMAGE;
  const Elf64_Sym *table = (const Elf64_Sym *)(bytes + symbols->sh_offset);
  const char *names = (const char *)(bytes + image.sections[symbols->sh_link].sh_offset);
  size_t count = symbols->sh_size / sizeof(Elf64_Sym);
  module->functions = calloc(count + 1, sizeof *module->functions);
  if (!module->functions)
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (size_t i = 0; i < count; i++) {
    if (!is_entry(&table[i]))
      continue;
    struct CUfunc_st *function = &module->functions[module->function_count];
    const char *name = names + table[i].st_name;
    if (strlen(name) >= sizeof function->name)
      return fail(log, log_size, "a kernel name longer than the fake keeps"),
             CUDA_ERROR_INVALID_IMAGE;
    strcpy(function->name, name);
    if (read_params(&image, function, log, log_size) != 0)
      return CUDA_ERROR_INVALID_IMAGE;
    module->function_count++;
  }
  if (module->function_count == 0)
    return fail(log, log_size, "no kernel entry in its symbol table"), CUDA_ERROR_INVALID_IMAGE;
  return CUDA_SUCCESS;
}
