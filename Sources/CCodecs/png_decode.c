// PNG decoding through libpng's full (progressive-row) API. The simplified API is not used: it
// applies gamma to 16-bit data and composites alpha, where Pillow's convert("RGB") does neither.

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "ccodecs.h"
#include "mm_shim_error.h"

/// Largest ancillary chunk (iCCP, text, eXIf…) libpng may allocate; the pixel data is bounded
/// by the caller's pixel limit instead.
#define MM_PNG_CHUNK_MALLOC_MAX (16u << 20)

struct mm_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int truncated;
    int out_of_memory;
    char *message;
    size_t message_size;
    png_bytep *rows;
    uint32_t width;
    uint32_t height;
    int color_type;
    int passes;
    int read_started;
    uint8_t palette[256 * 3];
};

// MARK: - libpng callbacks

static void mm_png_on_error(png_structp png, png_const_charp text) {
    mm_png_decoder *dec = png_get_error_ptr(png);
    if (dec != NULL) {
        mm_set_error(dec->message, dec->message_size, "%s", text);
        if (strstr(text, "memory") != NULL) {
            dec->out_of_memory = 1;
        }
    }
    png_longjmp(png, 1);
}

/// Warnings (bad ancillary chunk CRC, known-incorrect sRGB profiles, …) leave the pixels intact.
static void mm_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void mm_png_read_bytes(png_structp png, png_bytep out, size_t length) {
    mm_png_decoder *dec = png_get_io_ptr(png);
    if (length > dec->size - dec->offset) {
        dec->truncated = 1;
        png_error(png, "premature end of data");
    }
    memcpy(out, dec->data + dec->offset, length);
    dec->offset += length;
}

static mm_status mm_png_failure_status(const mm_png_decoder *dec) {
    if (dec->truncated) {
        return MM_ERR_TRUNCATED;
    }
    if (dec->out_of_memory) {
        return MM_ERR_NO_MEMORY;
    }
    return MM_ERR_CORRUPT;
}

// MARK: - API

mm_status mm_png_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                      mm_png_decoder **decoder, mm_image_header *header,
                      char *error, size_t error_size) {
    mm_set_error(error, error_size, "%s", "");
    if (decoder == NULL || header == NULL) {
        mm_set_error(error, error_size, "%s", "mm_png_open: null argument");
        return MM_ERR_ARGUMENT;
    }
    *decoder = NULL;
    memset(header, 0, sizeof *header);
    if (data == NULL || size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        mm_set_error(error, error_size, "%s", "no PNG signature");
        return size < 8 ? MM_ERR_TRUNCATED : MM_ERR_CORRUPT;
    }
    // IHDR is always the first chunk: judge the declared size before libpng reads further
    // (a bomb need not be a well-formed file beyond its header).
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 | (uint32_t)data[18] << 8 | data[19];
        uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 | (uint32_t)data[22] << 8 | data[23];
        if ((uint64_t)w * h > max_pixels) {
            header->stored_width = header->width = w;
            header->stored_height = header->height = h;
            mm_set_error(error, error_size, "image is %ux%u, above the pixel limit", (unsigned)w, (unsigned)h);
            return MM_ERR_TOO_LARGE;
        }
    }

    mm_png_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL) {
        mm_set_error(error, error_size, "%s", "out of memory");
        return MM_ERR_NO_MEMORY;
    }
    dec->data = data;
    dec->size = size;
    dec->message = error;
    dec->message_size = error_size;
    dec->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, dec, mm_png_on_error,
                                      mm_png_on_warning);
    if (dec->png != NULL) {
        dec->info = png_create_info_struct(dec->png);
    }
    if (dec->png == NULL || dec->info == NULL) {
        mm_png_close(dec);
        mm_set_error(error, error_size, "%s", "out of memory");
        return MM_ERR_NO_MEMORY;
    }

    if (setjmp(png_jmpbuf(dec->png))) {
        mm_status status = mm_png_failure_status(dec);
        mm_png_close(dec);
        return status;
    }

    png_set_read_fn(dec->png, dec, mm_png_read_bytes);
    // libpng's own guard on each dimension; the product is checked below, before any row
    // buffer exists.
    uint64_t dimension_limit = max_pixels;
    if (dimension_limit > 0x7fffffffu) {
        dimension_limit = 0x7fffffffu;
    }
    if (dimension_limit == 0) {
        dimension_limit = 1;
    }
    png_set_user_limits(dec->png, (png_uint_32)dimension_limit, (png_uint_32)dimension_limit);
    png_set_chunk_malloc_max(dec->png, MM_PNG_CHUNK_MALLOC_MAX);

    png_read_info(dec->png, dec->info);

    png_uint_32 width = 0;
    png_uint_32 height = 0;
    int bit_depth = 0;
    int color_type = 0;
    int interlace = 0;
    png_get_IHDR(dec->png, dec->info, &width, &height, &bit_depth, &color_type, &interlace,
                 NULL, NULL);
    header->stored_width = width;
    header->stored_height = height;
    header->width = width;
    header->height = height;
    header->scale_denominator = 1;
    header->channels = png_get_channels(dec->png, dec->info);
    header->bit_depth = (uint32_t)bit_depth;
    header->progressive = interlace != PNG_INTERLACE_NONE;
    if ((uint64_t)width * height > max_pixels) {
        mm_set_error(error, error_size, "image is %ux%u, above the pixel limit",
                     (unsigned)width, (unsigned)height);
        mm_png_close(dec);
        return MM_ERR_TOO_LARGE;
    }
    dec->width = width;
    dec->height = height;
    dec->color_type = color_type;

    // Pillow's raw modes: 16-bit samples keep their high byte ("RGB;16B", "LA;16B", …), alpha
    // is dropped by convert("RGB"), 1/2/4-bit grey is scaled (0/255, x85, x17), grey replicated.
    // tRNS is not turned into alpha and no gamma is applied.
    if (bit_depth == 16) {
        png_set_strip_16(dec->png);
    }
    if (color_type & PNG_COLOR_MASK_ALPHA) {
        png_set_strip_alpha(dec->png);
    }
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        // Indices, one per byte; looked up below with Pillow's palette semantics.
        // Indices past the end of the PLTE give black, as in Pillow (the table is zeroed).
        png_set_packing(dec->png);
        memset(dec->palette, 0, sizeof dec->palette);
        png_colorp entries = NULL;
        int count = 0;
        if (png_get_PLTE(dec->png, dec->info, &entries, &count) && entries != NULL) {
            for (int i = 0; i < count && i < 256; i++) {
                dec->palette[i * 3 + 0] = entries[i].red;
                dec->palette[i * 3 + 1] = entries[i].green;
                dec->palette[i * 3 + 2] = entries[i].blue;
            }
        }
    } else if (!(color_type & PNG_COLOR_MASK_COLOR)) {
        if (bit_depth < 8) {
            png_set_expand_gray_1_2_4_to_8(dec->png);
        }
        png_set_gray_to_rgb(dec->png);
    }
    dec->passes = png_set_interlace_handling(dec->png);
    png_read_update_info(dec->png, dec->info);

    size_t expected = (size_t)width * (color_type == PNG_COLOR_TYPE_PALETTE ? 1 : 3);
    if (png_get_rowbytes(dec->png, dec->info) != expected) {
        mm_set_error(error, error_size, "%s", "unexpected row size after libpng transforms");
        mm_png_close(dec);
        return MM_ERR_CORRUPT;
    }

    *decoder = dec;
    return MM_OK;
}

mm_status mm_png_read_rgb(mm_png_decoder *decoder, uint8_t *rgb, size_t rgb_size,
                          char *error, size_t error_size) {
    mm_set_error(error, error_size, "%s", "");
    if (decoder == NULL || rgb == NULL) {
        mm_set_error(error, error_size, "%s", "mm_png_read_rgb: null argument");
        return MM_ERR_ARGUMENT;
    }
    if (decoder->read_started) {
        mm_set_error(error, error_size, "%s", "mm_png_read_rgb: called twice");
        return MM_ERR_ARGUMENT;
    }
    const size_t stride = (size_t)decoder->width * 3;
    if (rgb_size / 3 / (decoder->width ? decoder->width : 1) < decoder->height) {
        mm_set_error(error, error_size, "%s", "mm_png_read_rgb: output buffer too small");
        return MM_ERR_ARGUMENT;
    }
    decoder->read_started = 1;
    decoder->message = error;
    decoder->message_size = error_size;

    mm_png_decoder *const dec = decoder;
    if (setjmp(png_jmpbuf(dec->png))) {
        return mm_png_failure_status(dec); // the caller closes the handle
    }

    if (dec->passes > 1) {
        dec->rows = malloc((size_t)dec->height * sizeof *dec->rows + 1);
        if (dec->rows == NULL) {
            mm_set_error(error, error_size, "%s", "out of memory");
            return MM_ERR_NO_MEMORY;
        }
        for (uint32_t y = 0; y < dec->height; y++) {
            dec->rows[y] = rgb + (size_t)y * stride;
        }
        png_read_image(dec->png, dec->rows);
    } else {
        for (uint32_t y = 0; y < dec->height; y++) {
            png_read_row(dec->png, rgb + (size_t)y * stride, NULL);
        }
    }

    if (dec->color_type == PNG_COLOR_TYPE_PALETTE) {
        // Each row holds `width` indices at its start; expand from the right so that no index
        // is overwritten before it is read (3x >= x).
        for (uint32_t y = 0; y < dec->height; y++) {
            uint8_t *row = rgb + (size_t)y * stride;
            for (uint32_t x = dec->width; x-- > 0;) {
                const uint8_t *entry = &dec->palette[row[x] * 3];
                uint8_t *out = row + (size_t)x * 3;
                uint8_t r = entry[0], g = entry[1], b = entry[2];
                out[0] = r;
                out[1] = g;
                out[2] = b;
            }
        }
    }

    // Chunks after the image data (eXIf, text). Like Pillow, damage there (a missing IEND, a
    // truncated trailer) does not fail an image whose pixels are all decoded.
    if (setjmp(png_jmpbuf(dec->png)) == 0) {
        png_read_end(dec->png, dec->info);
    }
    mm_set_error(error, error_size, "%s", "");
    return MM_OK;
}

int mm_png_exif(const mm_png_decoder *decoder, const uint8_t **bytes, size_t *length) {
    if (decoder == NULL || bytes == NULL || length == NULL) {
        return 0;
    }
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 count = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(decoder->png, decoder->info, &count, &exif) && exif != NULL) {
        *bytes = exif;
        *length = count;
        return 1;
    }
#endif
    return 0;
}

int mm_png_text(const mm_png_decoder *decoder, const char *key,
                const uint8_t **bytes, size_t *length) {
    if (decoder == NULL || key == NULL || bytes == NULL || length == NULL) {
        return 0;
    }
    png_textp texts = NULL;
    int count = png_get_text(decoder->png, decoder->info, &texts, NULL);
    for (int i = 0; i < count && texts != NULL; i++) {
        if (texts[i].key == NULL || texts[i].text == NULL || strcmp(texts[i].key, key) != 0) {
            continue;
        }
        *bytes = (const uint8_t *)texts[i].text;
        *length = texts[i].compression > PNG_TEXT_COMPRESSION_zTXt ? texts[i].itxt_length
                                                                   : texts[i].text_length;
        return 1;
    }
    return 0;
}

void mm_png_close(mm_png_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    if (decoder->png != NULL) {
        png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL, NULL);
    }
    free(decoder->rows);
    free(decoder);
}
