#ifndef MMSEARCH_CAUDIO_H
#define MMSEARCH_CAUDIO_H

// A small C shim over libsndfile (decoding) and libsamplerate (resampling).
//
// libsndfile reads through virtual I/O that this shim provides, over a file descriptor (with
// pread, so the descriptor's offset is never shared) or over memory, and counts every byte it
// reads: callers can check that a decode stopped early really left the rest of a file unread.
// Frames are read mixed down to mono, ready for the resampler.
//
// Every call returns a status and writes a human-readable message into a caller-provided
// buffer (always NUL-terminated when its size is > 0). Nothing here aborts or reads outside
// its input. A handle owns everything it allocated; `*_close` / `*_free` release it.
// Different handles may be used on different threads at once; opening is serialised inside
// the shim because libsndfile keeps the error of a failed open in a process-wide variable.

#include <stddef.h>
#include <stdint.h>

#include "mm_shim_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Interface version of this shim.
int mm_audio_version(void);


/// What `mm_audio_open_*` learnt from the header.
typedef struct mm_audio_info {
    /// Frames per second, as the file declares it.
    int32_t sample_rate;
    /// Channels per frame.
    int32_t channels;
    /// Frames libsndfile expects; -1 when it does not know. For WAV libsndfile has already cut
    /// a declared length that runs past the end of the file down to the data present.
    int64_t frames;
    /// libsndfile's SF_FORMAT_* major (container) and subtype (encoding) codes.
    int32_t major_format;
    int32_t subtype;
} mm_audio_info;

typedef struct mm_audio_file mm_audio_file;

/// Opens the audio in bytes `start..<size` of the file open as `fd` (which must stay open
/// until `mm_audio_close`; the shim does not close it): libsndfile sees a file that begins at
/// `start` (after a tag in front of the container). The container is detected by libsndfile
/// from the content; no file name is involved. On failure `*file` is NULL.
mm_status mm_audio_open_fd(int fd, int64_t start, int64_t size, mm_audio_file **file, mm_audio_info *info,
                                 char *error, size_t error_size);

/// Same, over bytes `start..<size` of memory that must stay valid and unchanged until
/// `mm_audio_close`.
mm_status mm_audio_open_memory(const void *data, int64_t start, int64_t size, mm_audio_file **file,
                                     mm_audio_info *info, char *error, size_t error_size);

/// Moves to `frame` (0-based) with libsndfile's sf_seek.
mm_status mm_audio_seek(mm_audio_file *file, int64_t frame, char *error, size_t error_size);

/// Reads up to `frames` frames and writes them mixed down to mono: the mean of the channels,
/// summed in channel order in float and divided by the channel count, as numpy's
/// `x.mean(axis=channel)` on float32 data. Integer PCM is scaled by libsndfile (16-bit
/// x / 32768, 24-bit x / 8388608, …). `*frames_read` is less than `frames` only at the end of
/// the data; 0 means the end. A NaN or infinite sample is MM_ERR_NOT_FINITE, with the
/// frames before it in `out` and counted in `*frames_read`.
mm_status mm_audio_read_mono(mm_audio_file *file, float *out, int64_t frames, int64_t *frames_read,
                                   char *error, size_t error_size);

/// Total bytes libsndfile has read from the source so far (headers, seeks to the end and
/// re-reads included).
uint64_t mm_audio_bytes_read(const mm_audio_file *file);

/// Whether libsndfile has asked for bytes at the end of the source (a decoder error after
/// that is the end of a cut-off file rather than damage in the middle).
int mm_audio_reached_end(const mm_audio_file *file);

/// Room kept per handle for what the decoder itself wrote on stderr.
#define MM_AUDIO_DIAGNOSTICS_SIZE 2048

/// What the decoder (libmpg123, for MP3) wrote on stderr while this handle opened and read:
/// the raw lines, NUL-ended, empty when it said nothing; valid until the handle is closed. A
/// failed open appends them to its error message, after a newline.
const char *mm_audio_diagnostics(const mm_audio_file *file);

/// Frees the handle and everything it owns. NULL is allowed.
void mm_audio_close(mm_audio_file *file);

// MARK: - Resampling

/// libsamplerate's band-limited sinc converters (its docs: a worst-case SNR of 97 dB for all
/// three, flat up to 97 %, 90 % and 80 % of the lower Nyquist frequency).
typedef enum mm_resample_quality {
    MM_RESAMPLE_BEST = 0,
    MM_RESAMPLE_MEDIUM = 1,
    MM_RESAMPLE_FASTEST = 2,
} mm_resample_quality;

typedef struct mm_resampler mm_resampler;

/// A one-channel converter for a fixed `ratio` (output rate / input rate). libsamplerate
/// accepts ratios from 1/256 to 256; others are MM_ERR_ARGUMENT.
mm_status mm_resampler_new(mm_resample_quality quality, double ratio, mm_resampler **resampler,
                                 char *error, size_t error_size);

/// Feeds `input_frames` samples and writes at most `output_capacity` converted samples.
/// `*input_used` may be less than `input_frames` when the output is full: call again with the
/// rest. `end_of_input` non-zero on the last call flushes the converter's delay line.
/// Processing a signal in any number of calls gives exactly the samples of one call.
mm_status mm_resampler_process(mm_resampler *resampler, const float *input, int64_t input_frames,
                                     int end_of_input, float *output, int64_t output_capacity,
                                     int64_t *input_used, int64_t *output_generated,
                                     char *error, size_t error_size);

/// Frees the converter. NULL is allowed.
void mm_resampler_free(mm_resampler *resampler);

/// Clamps every sample of `samples` into [-1, 1].
void mm_audio_clamp(float *samples, int64_t count);

#ifdef __cplusplus
}
#endif

#endif
