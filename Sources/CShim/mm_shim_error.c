#include "mm_shim_error.h"

#include <stdarg.h>
#include <stdio.h>

void mm_set_error(char *buffer, size_t size, const char *format, ...) {
    if (buffer == NULL || size == 0) {
        return;
    }
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, size, format, args);
    va_end(args);
}
