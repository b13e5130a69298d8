// Baseline JPEG encoding through libjpeg-turbo's jpeglib API (thumbnails), with the shim's
// error convention: libjpeg's longjmp becomes a status and a message.

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "ccodecs.h"
#include "mm_shim_error.h"

/// The output buffer's first size; it doubles when full (a 256 px thumbnail takes 10-30 KB).
#define MM_JPEG_OUTPUT_START 16384

/// A growing malloc'd buffer that the encoder owns until it hands it to the caller. Not
/// libjpeg's `jpeg_mem_dest`: once that one has grown its buffer, an error in the middle of
/// the image loses it (its buffer is handed back only by the callback that ends a success).
typedef struct mm_jpeg_output {
    struct jpeg_destination_mgr pub; // first: libjpeg hands this pointer to the callbacks
    uint8_t *data;
    size_t capacity;
    size_t size;
} mm_jpeg_output;

typedef struct mm_jpeg_encode_error {
    struct jpeg_error_mgr pub; // first: libjpeg hands this pointer to the callbacks
    jmp_buf jump;
    mm_status status;
    char *message;
    size_t message_size;
} mm_jpeg_encode_error;

/// Everything one call uses, on the heap: it is read again after a longjmp.
typedef struct mm_jpeg_encoder {
    struct jpeg_compress_struct cinfo;
    mm_jpeg_encode_error error;
    mm_jpeg_output output;
} mm_jpeg_encoder;

// MARK: - Error handling

/// libjpeg's fatal errors: leave through the jump buffer of `mm_jpeg_encode_rgb`. With the
/// arguments checked first, only running out of memory is expected here.
static void mm_jpeg_encode_on_error_exit(j_common_ptr cinfo) {
    mm_jpeg_encode_error *error = (mm_jpeg_encode_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    mm_set_error(error->message, error->message_size, "%s", text);
    error->status = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? MM_ERR_NO_MEMORY : MM_ERR_ARGUMENT;
    longjmp(error->jump, 1);
}

/// Warnings and trace messages are not printed.
static void mm_jpeg_encode_on_output_message(j_common_ptr cinfo) { (void)cinfo; }

// MARK: - Output buffer

static void mm_jpeg_output_init(j_compress_ptr cinfo) {
    mm_jpeg_output *out = (mm_jpeg_output *)cinfo->dest;
    out->data = malloc(MM_JPEG_OUTPUT_START);
    if (out->data == NULL) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
    out->capacity = MM_JPEG_OUTPUT_START;
    out->pub.next_output_byte = out->data;
    out->pub.free_in_buffer = out->capacity;
}

/// Called when the buffer is full: all of it is data, and the free half follows it.
static boolean mm_jpeg_output_grow(j_compress_ptr cinfo) {
    mm_jpeg_output *out = (mm_jpeg_output *)cinfo->dest;
    if (out->capacity > SIZE_MAX / 2) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
    }
    size_t capacity = out->capacity * 2;
    uint8_t *data = realloc(out->data, capacity);
    if (data == NULL) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1); // out->data is still ours to free
    }
    out->pub.next_output_byte = data + out->capacity;
    out->pub.free_in_buffer = capacity - out->capacity;
    out->data = data;
    out->capacity = capacity;
    return TRUE;
}

static void mm_jpeg_output_term(j_compress_ptr cinfo) {
    mm_jpeg_output *out = (mm_jpeg_output *)cinfo->dest;
    out->size = out->capacity - out->pub.free_in_buffer;
}

// MARK: - API

mm_status mm_jpeg_encode_rgb(const uint8_t *rgb, size_t rgb_size, uint32_t width, uint32_t height,
                             int quality, uint8_t **jpeg, size_t *jpeg_size,
                             char *error, size_t error_size) {
    mm_set_error(error, error_size, "%s", "");
    if (rgb == NULL || jpeg == NULL || jpeg_size == NULL) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_encode_rgb: null argument");
        return MM_ERR_ARGUMENT;
    }
    *jpeg = NULL;
    *jpeg_size = 0;
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        mm_set_error(error, error_size, "image is %ux%u, JPEG holds 1 to %ld pixels a side",
                     (unsigned)width, (unsigned)height, (long)JPEG_MAX_DIMENSION);
        return MM_ERR_ARGUMENT;
    }
    if (quality < 1 || quality > 100) {
        mm_set_error(error, error_size, "quality %d is outside 1...100", quality);
        return MM_ERR_ARGUMENT;
    }
    if ((size_t)width > SIZE_MAX / 3 || (size_t)width * 3 > SIZE_MAX / height) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_encode_rgb: image size overflows");
        return MM_ERR_ARGUMENT;
    }
    const size_t stride = (size_t)width * 3;
    if (rgb_size < stride * height) {
        mm_set_error(error, error_size, "%s", "mm_jpeg_encode_rgb: input buffer too small");
        return MM_ERR_ARGUMENT;
    }

    mm_jpeg_encoder *enc = calloc(1, sizeof *enc);
    if (enc == NULL) {
        mm_set_error(error, error_size, "%s", "out of memory");
        return MM_ERR_NO_MEMORY;
    }
    enc->cinfo.err = jpeg_std_error(&enc->error.pub);
    enc->error.pub.error_exit = mm_jpeg_encode_on_error_exit;
    enc->error.pub.output_message = mm_jpeg_encode_on_output_message;
    enc->error.message = error;
    enc->error.message_size = error_size;

    if (setjmp(enc->error.jump)) {
        mm_status status = enc->error.status;
        // Safe on a partially created object: it checks for its pools.
        jpeg_destroy_compress(&enc->cinfo);
        free(enc->output.data);
        free(enc);
        return status;
    }

    struct jpeg_compress_struct *cinfo = &enc->cinfo;
    jpeg_create_compress(cinfo);
    enc->output.pub.init_destination = mm_jpeg_output_init;
    enc->output.pub.empty_output_buffer = mm_jpeg_output_grow;
    enc->output.pub.term_destination = mm_jpeg_output_term;
    cinfo->dest = &enc->output.pub;

    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    // Defaults: baseline sequential JFIF, YCbCr 4:2:0, accurate integer DCT. Optimized
    // Huffman tables make the file smaller and stay baseline.
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->optimize_coding = TRUE;

    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        // libjpeg only reads the rows it is given; its row type is not const.
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo->next_scanline * stride);
        (void)jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);

    *jpeg = enc->output.data;
    *jpeg_size = enc->output.size;
    jpeg_destroy_compress(cinfo);
    free(enc);
    return MM_OK;
}

void mm_jpeg_free(uint8_t *jpeg) { free(jpeg); }
