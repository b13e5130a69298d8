#ifndef MMSEARCH_CAUDIO_COMMON_H
#define MMSEARCH_CAUDIO_COMMON_H

#include <stdarg.h>
#include <stdio.h>

/// Writes a message into a caller's error buffer; safe with a NULL or empty buffer.
static inline void mm_set_error(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static inline void mm_set_error(char *buffer, size_t size, const char *format, ...) {
    if (buffer == NULL || size == 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, size, format, args);
    va_end(args);
}

#endif
