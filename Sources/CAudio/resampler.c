// Resampling through libsamplerate's streaming API (src_process), one channel.

#include <stdlib.h>
#include <string.h>

#include <samplerate.h>

#include "caudio.h"
#include "mm_shim_error.h"

/// libsamplerate's public header has no error names: its message says when memory ran out.
static mm_status mm_resample_status(int code) {
    return strstr(src_strerror(code), "alloc") != NULL ? MM_ERR_NO_MEMORY : MM_ERR_ARGUMENT;
}

struct mm_resampler {
    SRC_STATE *state;
    double ratio;
};

mm_status mm_resampler_new(mm_resample_quality quality, double ratio, mm_resampler **result,
                                 char *error, size_t error_size) {
    if (result == NULL) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    *result = NULL;
    if (!src_is_valid_ratio(ratio)) {
        mm_set_error(error, error_size, "libsamplerate cannot convert by a ratio of %g", ratio);
        return MM_ERR_ARGUMENT;
    }
    int converter;
    switch (quality) {
    case MM_RESAMPLE_BEST: converter = SRC_SINC_BEST_QUALITY; break;
    case MM_RESAMPLE_MEDIUM: converter = SRC_SINC_MEDIUM_QUALITY; break;
    case MM_RESAMPLE_FASTEST: converter = SRC_SINC_FASTEST; break;
    default:
        mm_set_error(error, error_size, "unknown converter %d", (int)quality);
        return MM_ERR_ARGUMENT;
    }
    mm_resampler *resampler = calloc(1, sizeof *resampler);
    if (resampler == NULL) {
        mm_set_error(error, error_size, "out of memory");
        return MM_ERR_NO_MEMORY;
    }
    int code = 0;
    resampler->state = src_new(converter, 1, &code);
    if (resampler->state == NULL) {
        free(resampler);
        mm_set_error(error, error_size, "%s", src_strerror(code));
        return mm_resample_status(code);
    }
    resampler->ratio = ratio;
    *result = resampler;
    return MM_OK;
}

mm_status mm_resampler_process(mm_resampler *resampler, const float *input, int64_t input_frames,
                                     int end_of_input, float *output, int64_t output_capacity,
                                     int64_t *input_used, int64_t *output_generated,
                                     char *error, size_t error_size) {
    if (input_used != NULL) {
        *input_used = 0;
    }
    if (output_generated != NULL) {
        *output_generated = 0;
    }
    if (resampler == NULL || input_used == NULL || output_generated == NULL || input_frames < 0 ||
        output_capacity < 0 || (input == NULL && input_frames > 0) || (output == NULL && output_capacity > 0) ||
        input_frames > (int64_t)(~0UL >> 1) || output_capacity > (int64_t)(~0UL >> 1)) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    SRC_DATA data = {
        .data_in = input,
        .data_out = output,
        .input_frames = (long)input_frames,
        .output_frames = (long)output_capacity,
        .end_of_input = end_of_input != 0,
        .src_ratio = resampler->ratio,
    };
    int code = src_process(resampler->state, &data);
    if (code != 0) {
        mm_set_error(error, error_size, "%s", src_strerror(code));
        return mm_resample_status(code);
    }
    *input_used = data.input_frames_used;
    *output_generated = data.output_frames_gen;
    return MM_OK;
}

void mm_resampler_free(mm_resampler *resampler) {
    if (resampler == NULL) {
        return;
    }
    src_delete(resampler->state);
    free(resampler);
}
