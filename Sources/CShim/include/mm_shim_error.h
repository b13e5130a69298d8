#ifndef MMSEARCH_MM_SHIM_ERROR_H
#define MMSEARCH_MM_SHIM_ERROR_H

// The error convention of mmsearch's C shims (CCodecs, CAudio): every call returns its shim's
// status code and writes a human-readable message into a buffer the caller provides
// (`char *error, size_t error_size`), always NUL-terminated when its size is > 0.

#include <stddef.h>

/// Writes a message into a caller's error buffer, cut to fit; safe with a NULL or empty buffer.
void mm_set_error(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
