#ifndef MMSEARCH_CCODECS_H
#define MMSEARCH_CCODECS_H

// A small C shim over libjpeg-turbo (jpeglib API) and libpng (full API).
//
// Both libraries report errors with setjmp/longjmp, which Swift cannot catch. Every function
// here catches them and returns a status plus a human-readable message written into a
// caller-provided buffer (always NUL-terminated when its size is > 0). Nothing here aborts,
// reads outside the input buffer, or leaks: a decoder handle owns everything it allocated and
// `*_close` frees it on every path.
//
// Decoding is two-step so that the caller allocates the output: `*_open` parses the header
// (and checks the declared size against a pixel limit before anything big is allocated), the
// caller allocates `width * height * 3` bytes, `*_read_rgb` fills them with 8-bit RGB.
// The input bytes must stay valid and unchanged until `*_close`.
//
// Handles are independent: different handles may be used on different threads at once.

#include <stddef.h>
#include <stdint.h>

#include "mm_shim_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Interface version of this shim.
int mm_codecs_version(void);


/// What `*_open` learnt from the header.
typedef struct mm_image_header {
    /// Size declared by the file.
    uint32_t stored_width;
    uint32_t stored_height;
    /// Size of the RGB output (after JPEG DCT scaling; equal to the stored size for PNG).
    uint32_t width;
    uint32_t height;
    /// JPEG DCT scaling denominator (1, 2, 4 or 8); 1 for PNG.
    uint32_t scale_denominator;
    /// Channels in the file: JPEG components (1, 3, 4); PNG channels (1 to 4).
    uint32_t channels;
    /// PNG bit depth, 8 for JPEG.
    uint32_t bit_depth;
    /// 1 for progressive JPEG or interlaced (Adam7) PNG.
    uint32_t progressive;
} mm_image_header;

// MARK: - JPEG

typedef struct mm_jpeg_decoder mm_jpeg_decoder;

/// Reads the JPEG header from `data`.
///
/// `draft_width`/`draft_height` > 0 request libjpeg DCT scaling exactly like Pillow's
/// `JpegImageFile.draft("RGB", (draft_width, draft_height))`: scale = min(W / dw, H / dh) with
/// integer division, then the largest of 8, 4, 2, 1 not above it; the output is
/// ceil(W / scale) x ceil(H / scale). Zero means no scaling.
///
/// On success `*decoder` is a handle to pass to the other functions and to `mm_jpeg_close`.
/// On failure `*decoder` is NULL and nothing needs freeing. `MM_ERR_TOO_LARGE` fills `header`.
mm_status mm_jpeg_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                       uint32_t draft_width, uint32_t draft_height,
                       mm_jpeg_decoder **decoder, mm_image_header *header,
                       char *error, size_t error_size);

/// Number of APP1 segments (EXIF, XMP) found before the first scan, in file order.
size_t mm_jpeg_app1_count(const mm_jpeg_decoder *decoder);

/// The payload of APP1 segment `index` (without marker and length). Returns 0 if out of range.
/// The bytes live until `mm_jpeg_close`.
int mm_jpeg_app1(const mm_jpeg_decoder *decoder, size_t index,
                 const uint8_t **bytes, size_t *length);

/// Decodes the image as 8-bit RGB rows, top to bottom, into `rgb` (at least
/// `width * height * 3` bytes). Greyscale is replicated; CMYK/YCCK is converted like Pillow
/// (Adobe-inverted CMYK, then Pillow's `cmyk2rgb`). Call at most once per handle.
mm_status mm_jpeg_read_rgb(mm_jpeg_decoder *decoder, uint8_t *rgb, size_t rgb_size,
                           char *error, size_t error_size);

/// Frees the handle and everything it owns. NULL is allowed.
void mm_jpeg_close(mm_jpeg_decoder *decoder);

// MARK: - PNG

typedef struct mm_png_decoder mm_png_decoder;

/// Reads the PNG signature and every chunk up to the first IDAT. Same contract as
/// `mm_jpeg_open` (no draft: PNG has no cheap scaled decode).
mm_status mm_png_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                      mm_png_decoder **decoder, mm_image_header *header,
                      char *error, size_t error_size);

/// Decodes the image as 8-bit RGB like Pillow's `convert("RGB")`: alpha is dropped (not
/// composited), tRNS is ignored, 16-bit samples keep their high byte, 1/2/4-bit grey is scaled
/// to 0…255, palette indices are looked up in the PLTE (an index past its end gives black, as
/// in Pillow). Adam7 interlacing is handled. Call at most once.
mm_status mm_png_read_rgb(mm_png_decoder *decoder, uint8_t *rgb, size_t rgb_size,
                          char *error, size_t error_size);

/// The eXIf chunk (raw TIFF bytes), if any. Complete only after `mm_png_read_rgb` (the chunk
/// may follow the image data). Returns 0 if absent.
int mm_png_exif(const mm_png_decoder *decoder, const uint8_t **bytes, size_t *length);

/// The text of the first tEXt/zTXt/iTXt chunk whose keyword is `key`. Same lifetime rules as
/// `mm_png_exif`. Returns 0 if absent.
int mm_png_text(const mm_png_decoder *decoder, const char *key,
                const uint8_t **bytes, size_t *length);

/// Frees the handle and everything it owns. NULL is allowed.
void mm_png_close(mm_png_decoder *decoder);

// MARK: - JPEG encoding

/// Encodes `width` x `height` 8-bit RGB rows (top to bottom, `width * 3` bytes each, at least
/// `width * height * 3` bytes in `rgb`) as a baseline JFIF JPEG: YCbCr 4:2:0, libjpeg's
/// `quality` scale (1 to 100), optimized Huffman tables.
///
/// On success `*jpeg` is a malloc'd buffer of `*jpeg_size` bytes that the caller frees with
/// `mm_jpeg_free`. On failure `*jpeg` is NULL and nothing needs freeing.
mm_status mm_jpeg_encode_rgb(const uint8_t *rgb, size_t rgb_size, uint32_t width, uint32_t height,
                             int quality, uint8_t **jpeg, size_t *jpeg_size,
                             char *error, size_t error_size);

/// Frees a buffer from `mm_jpeg_encode_rgb`. NULL is allowed.
void mm_jpeg_free(uint8_t *jpeg);

#ifdef __cplusplus
}
#endif

#endif
