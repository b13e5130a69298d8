#ifndef MMSEARCH_MM_SHIM_ERROR_H
#define MMSEARCH_MM_SHIM_ERROR_H

// The error convention of mmsearch's C shims (CCodecs, CAudio): every call returns an
// `mm_status` and writes a human-readable message into a buffer the caller provides
// (`char *error, size_t error_size`), always NUL-terminated when its size is > 0.

#include <stddef.h>

/// Outcome of a shim call. The error buffer says more.
typedef enum mm_status {
    MM_OK = 0,
    /// The data ends before the image does (libjpeg's "Premature end of JPEG file").
    MM_ERR_TRUNCATED = 1,
    /// The data is damaged or not valid for its format (a CRC error, a bad Huffman code, a
    /// header libsndfile refuses; the library's own message is in the buffer).
    MM_ERR_CORRUPT = 2,
    /// An image's declared size is above the caller's pixel limit; the header is still filled in.
    MM_ERR_TOO_LARGE = 3,
    /// Valid data the shim does not decode (12-bit JPEG, an encoding libsndfile lacks, …).
    MM_ERR_UNSUPPORTED = 4,
    /// An allocation failed.
    MM_ERR_NO_MEMORY = 5,
    /// The caller passed a bad argument (null handle, buffer too small, a ratio libsamplerate
    /// cannot do, …).
    MM_ERR_ARGUMENT = 6,
    /// A sample decoded to NaN or infinity (float WAV with garbage in it).
    MM_ERR_NOT_FINITE = 7,
    /// Reading the file failed (the message holds strerror's text).
    MM_ERR_IO = 8,
} mm_status;

/// Writes a message into a caller's error buffer, cut to fit; safe with a NULL or empty buffer.
void mm_set_error(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
