// JPEG decoding through libjpeg-turbo's jpeglib API, matching what Pillow's JPEG plugin does
// (src/libImaging/JpegDecode.c + JpegImagePlugin.py) so that a Pillow reference is bit-identical.

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "ccodecs.h"
#include "mm_shim_error.h"

/// A progressive file may carry thousands of tiny scans, each of which makes libjpeg walk the
/// whole coefficient buffer: unbounded time for a small file. libjpeg-turbo's documentation
/// advises a scan limit; no real encoder comes near this one.
#define MM_JPEG_MAX_SCANS 500

typedef struct mm_jpeg_error {
    struct jpeg_error_mgr pub; // first: libjpeg hands this pointer to the callbacks below
    jmp_buf jump;
    mm_status status;
    char *message;
    size_t message_size;
} mm_jpeg_error;

struct mm_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    mm_jpeg_error error;
    struct jpeg_progress_mgr progress;
    int cmyk;
    int read_started;
    uint32_t width;
    uint32_t height;
};

// MARK: - Error handling

static void mm_jpeg_fail_with_text(j_common_ptr cinfo, mm_status status, const char *text) {
    mm_jpeg_error *error = (mm_jpeg_error *)cinfo->err;
    mm_set_error(error->message, error->message_size, "%s", text);
    error->status = status;
    longjmp(error->jump, 1);
}

static void mm_jpeg_fail(j_common_ptr cinfo, mm_status status) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    mm_jpeg_fail_with_text(cinfo, status, text);
}

static mm_status mm_jpeg_status_for_error(int code) {
    switch (code) {
    case JERR_OUT_OF_MEMORY:
        return MM_ERR_NO_MEMORY;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_SOF_UNSUPPORTED:
        return MM_ERR_UNSUPPORTED;
    default:
        return MM_ERR_CORRUPT;
    }
}

/// libjpeg's fatal errors: leave through the jump buffer set by the current entry point.
static void mm_jpeg_on_error_exit(j_common_ptr cinfo) {
    mm_jpeg_fail(cinfo, mm_jpeg_status_for_error(cinfo->err->msg_code));
}

/// libjpeg's warnings (level < 0). Data that ends early, or damaged entropy-coded data, is an
/// error for us (Pillow too refuses truncated files by default). Warnings that leave every
/// pixel intact are ignored, as Pillow ignores them: unknown JFIF revision, unknown Adobe
/// transform, bad ICC marker, and extraneous bytes before a marker (common in camera files,
/// where the entropy decoder has already consumed all the data it needs).
static void mm_jpeg_on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return; // trace messages
    }
    cinfo->err->num_warnings++;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        mm_jpeg_fail(cinfo, MM_ERR_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        mm_jpeg_fail(cinfo, MM_ERR_CORRUPT);
        break;
    default:
        break;
    }
}

static void mm_jpeg_on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void mm_jpeg_on_progress(j_common_ptr cinfo) {
    if (cinfo->is_decompressor &&
        ((j_decompress_ptr)cinfo)->input_scan_number > MM_JPEG_MAX_SCANS) {
        char text[96];
        snprintf(text, sizeof text, "more than %d progressive scans", MM_JPEG_MAX_SCANS);
        mm_jpeg_fail_with_text(cinfo, MM_ERR_CORRUPT, text);
    }
}

// MARK: - Pixel conversion

/// Pillow's MULDIV255: a * b / 255 rounded, without a division.
static inline unsigned mm_muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

/// One row of libjpeg CMYK output to RGB, as Pillow does it: its JPEG plugin always reads
/// 4-component data with the "CMYK;I" raw mode (Adobe's inverted convention, every channel
/// v -> 255 - v), then `convert("RGB")` applies `cmyk2rgb`: nk = 255 - k,
/// out = nk - c * nk / 255 (with MULDIV255 rounding), clipped.
static void mm_cmyk_row_to_rgb(const JSAMPLE *in, uint8_t *out, uint32_t width) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = 255u - in[0];
        unsigned m = 255u - in[1];
        unsigned y = 255u - in[2];
        unsigned nk = in[3]; // 255 - (255 - k)
        int r = (int)nk - (int)mm_muldiv255(c, nk);
        int g = (int)nk - (int)mm_muldiv255(m, nk);
        int b = (int)nk - (int)mm_muldiv255(y, nk);
        out[0] = (uint8_t)(r < 0 ? 0 : r);
        out[1] = (uint8_t)(g < 0 ? 0 : g);
        out[2] = (uint8_t)(b < 0 ? 0 : b);
        in += 4;
        out += 3;
    }
}

/// The DCT scale Pillow's `draft` picks: min(W // w, H // h), then the largest of 8, 4, 2, 1
/// not above it.
static unsigned mm_draft_scale(uint32_t width, uint32_t height, uint32_t draft_width,
                               uint32_t draft_height) {
    if (draft_width == 0 || draft_height == 0) {
        return 1;
    }
    uint32_t sx = width / draft_width;
    uint32_t sy = height / draft_height;
    uint32_t scale = sx < sy ? sx : sy;
    if (scale >= 8) return 8;
    if (scale >= 4) return 4;
    if (scale >= 2) return 2;
    return 1;
}

// MARK: - API

mm_status mm_jpeg_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                       uint32_t draft_width, uint32_t draft_height,
                       mm_jpeg_decoder **decoder, mm_image_header *header,
                       char *error, size_t error_size) {
    mm_set_error(error, error_size, "%s", "");
    if (decoder == NULL || header == NULL) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_open: null argument");
        return MM_ERR_ARGUMENT;
    }
    *decoder = NULL;
    memset(header, 0, sizeof *header);
    if (data == NULL || size == 0) {
        mm_set_error(error, error_size, "%s", "empty input");
        return MM_ERR_TRUNCATED;
    }

    mm_jpeg_decoder *dec = calloc(1, sizeof *dec);
    if (dec == NULL) {
        mm_set_error(error, error_size, "%s", "out of memory");
        return MM_ERR_NO_MEMORY;
    }
    dec->cinfo.err = jpeg_std_error(&dec->error.pub);
    dec->error.pub.error_exit = mm_jpeg_on_error_exit;
    dec->error.pub.emit_message = mm_jpeg_on_emit_message;
    dec->error.pub.output_message = mm_jpeg_on_output_message;
    dec->error.message = error;
    dec->error.message_size = error_size;

    if (setjmp(dec->error.jump)) {
        mm_status status = dec->error.status;
        mm_jpeg_close(dec);
        return status;
    }

    jpeg_create_decompress(&dec->cinfo);
    jpeg_mem_src(&dec->cinfo, data, (unsigned long)size);
    jpeg_save_markers(&dec->cinfo, JPEG_APP0 + 1, 0xFFFF);
    dec->progress.progress_monitor = mm_jpeg_on_progress;
    dec->cinfo.progress = &dec->progress;

    (void)jpeg_read_header(&dec->cinfo, TRUE);

    struct jpeg_decompress_struct *cinfo = &dec->cinfo;
    header->stored_width = cinfo->image_width;
    header->stored_height = cinfo->image_height;
    header->channels = (uint32_t)cinfo->num_components;
    header->bit_depth = (uint32_t)cinfo->data_precision;
    header->progressive = cinfo->progressive_mode ? 1 : 0;
    if ((uint64_t)cinfo->image_width * cinfo->image_height > max_pixels) {
        mm_set_error(error, error_size, "image is %ux%u, above the pixel limit",
                     (unsigned)cinfo->image_width, (unsigned)cinfo->image_height);
        mm_jpeg_close(dec);
        return MM_ERR_TOO_LARGE;
    }

    // Pillow picks the mode from the number of components (1: L, 3: RGB, 4: CMYK) and lets
    // libjpeg pick the stored colour space (YCbCr/RGB, CMYK/YCCK) from the JFIF/Adobe markers.
    switch (cinfo->num_components) {
    case 1:
    case 3:
        cinfo->out_color_space = JCS_RGB; // greyscale is replicated, as Pillow's L -> RGB
        break;
    case 4:
        cinfo->out_color_space = JCS_CMYK; // YCCK is turned into CMYK by libjpeg
        dec->cmyk = 1;
        break;
    default:
        mm_set_error(error, error_size, "JPEG with %d components", cinfo->num_components);
        mm_jpeg_close(dec);
        return MM_ERR_UNSUPPORTED;
    }

    // Pillow's decoder settings without `draft`'s mode change: accurate integer IDCT and fancy
    // upsampling (the library defaults), DCT scaling 1/scale.
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    unsigned scale = mm_draft_scale(cinfo->image_width, cinfo->image_height, draft_width,
                                    draft_height);
    if (scale > 1) {
        cinfo->scale_num = 1;
        cinfo->scale_denom = scale;
    }
    jpeg_calc_output_dimensions(cinfo);

    dec->width = cinfo->output_width;
    dec->height = cinfo->output_height;
    header->width = dec->width;
    header->height = dec->height;
    header->scale_denominator = scale;
    *decoder = dec;
    return MM_OK;
}

size_t mm_jpeg_app1_count(const mm_jpeg_decoder *decoder) {
    if (decoder == NULL) {
        return 0;
    }
    size_t count = 0;
    for (jpeg_saved_marker_ptr m = decoder->cinfo.marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) {
            count++;
        }
    }
    return count;
}

int mm_jpeg_app1(const mm_jpeg_decoder *decoder, size_t index,
                 const uint8_t **bytes, size_t *length) {
    if (decoder == NULL || bytes == NULL || length == NULL) {
        return 0;
    }
    size_t i = 0;
    for (jpeg_saved_marker_ptr m = decoder->cinfo.marker_list; m != NULL; m = m->next) {
        if (m->marker != JPEG_APP0 + 1) {
            continue;
        }
        if (i == index) {
            *bytes = m->data;
            *length = m->data_length;
            return 1;
        }
        i++;
    }
    return 0;
}

mm_status mm_jpeg_read_rgb(mm_jpeg_decoder *decoder, uint8_t *rgb, size_t rgb_size,
                           char *error, size_t error_size) {
    mm_set_error(error, error_size, "%s", "");
    if (decoder == NULL || rgb == NULL) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_read_rgb: null argument");
        return MM_ERR_ARGUMENT;
    }
    if (decoder->read_started) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_read_rgb: called twice");
        return MM_ERR_ARGUMENT;
    }
    const size_t stride = (size_t)decoder->width * 3;
    if (rgb_size / 3 / (decoder->width ? decoder->width : 1) < decoder->height) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_read_rgb: output buffer too small");
        return MM_ERR_ARGUMENT;
    }
    decoder->read_started = 1;
    decoder->error.message = error;
    decoder->error.message_size = error_size;

    mm_jpeg_decoder *const dec = decoder;
    if (setjmp(dec->error.jump)) {
        return dec->error.status; // the caller closes the handle
    }

    struct jpeg_decompress_struct *cinfo = &dec->cinfo;
    (void)jpeg_start_decompress(cinfo);
    if (cinfo->output_width != dec->width || cinfo->output_height != dec->height ||
        cinfo->output_components != (dec->cmyk ? 4 : 3)) {
        mm_set_error(error, error_size, "%s", "unexpected output geometry from libjpeg");
        return MM_ERR_CORRUPT;
    }

    if (!dec->cmyk) {
        while (cinfo->output_scanline < cinfo->output_height) {
            JSAMPROW rows[16];
            JDIMENSION first = cinfo->output_scanline;
            JDIMENSION n = cinfo->output_height - first;
            if (n > 16) {
                n = 16;
            }
            for (JDIMENSION i = 0; i < n; i++) {
                rows[i] = rgb + (size_t)(first + i) * stride;
            }
            if (jpeg_read_scanlines(cinfo, rows, n) == 0) {
                mm_set_error(error, error_size, "%s", "libjpeg returned no scanlines");
                return MM_ERR_CORRUPT;
            }
        }
    } else {
        JSAMPARRAY row = (*cinfo->mem->alloc_sarray)((j_common_ptr)cinfo, JPOOL_IMAGE,
                                                      cinfo->output_width * 4, 1);
        while (cinfo->output_scanline < cinfo->output_height) {
            JDIMENSION y = cinfo->output_scanline;
            if (jpeg_read_scanlines(cinfo, row, 1) != 1) {
                mm_set_error(error, error_size, "%s", "libjpeg returned no scanlines");
                return MM_ERR_CORRUPT;
            }
            mm_cmyk_row_to_rgb(row[0], rgb + (size_t)y * stride, dec->width);
        }
    }
    // Like Pillow, the end of the file after the last scanline (EOI marker, trailing data) is
    // not checked: every pixel has been decoded from real data at this point.
    return MM_OK;
}

void mm_jpeg_close(mm_jpeg_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    // Safe on a calloc'd, partially created or failed object: it checks for its pools.
    jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder);
}
