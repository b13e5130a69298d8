// Decoding through libsndfile's virtual I/O: the shim supplies the bytes (pread on a descriptor,
// or memory), counts them, and mixes every frame read down to mono.

#define _GNU_SOURCE  // memfd_create
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "caudio.h"
#include "mm_shim_error.h"

/// Interleaved samples read per libsndfile call (split across channels: fewer frames when a
/// file has many channels).
#define MM_AUDIO_SCRATCH_SAMPLES 16384

struct mm_audio_file {
    SNDFILE *sndfile;
    int fd;                       // -1 for memory
    const unsigned char *data;    // NULL for a descriptor
    sf_count_t start;             // where the bytes libsndfile sees begin in the source
    sf_count_t size;              // how many it sees
    sf_count_t position;
    uint64_t bytes_read;
    int io_errno;                 // first read error, 0 if none
    int reached_end;              // a read asked for bytes at or past the end
    int channels;
    float *scratch;
    int64_t scratch_frames;
    int is_mpeg;                  // libmpg123 decodes it (and talks on stderr)
    char diagnostics[MM_AUDIO_DIAGNOSTICS_SIZE];  // what the decoder wrote to stderr, NUL-ended
    size_t diagnostics_length;
};

// MARK: - The decoder's own diagnostics

/// libmpg123 (libsndfile's MP3 decoder) prints its warnings and errors on stderr itself,
/// hundreds of lines for a damaged file, and libsndfile offers no way to silence them. While
/// it works, stderr is pointed at an anonymous memory file and what it wrote is kept with the
/// handle (`mm_audio_diagnostics`), so the caller can fold it into its one line about the file.
/// Only MP3s are captured (sniffed before the open, known after it). stderr is process-wide:
/// captures are serialised, and what other threads write meanwhile is not the decoder's
/// (`mm_decoder_text_start`) and is written to the real stderr when the capture ends, a moment
/// late but never lost. The mmsearch command line writes its own lines to a copy of stderr.
static pthread_mutex_t mm_stderr_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    int saved;   // the real stderr, -1 when nothing is captured
    int sink;
} mm_capture;

static mm_capture mm_capture_begin(void) {
    mm_capture capture = { -1, -1 };
    pthread_mutex_lock(&mm_stderr_lock);
    fflush(stderr);
    capture.sink = memfd_create("mmsearch-decoder-stderr", MFD_CLOEXEC);
    // Appending: another thread's write to fd 2 must land after the decoder's, not over it (a
    // memory file's offset is not shared atomically between concurrent writers).
    if (capture.sink >= 0 && fcntl(capture.sink, F_SETFL, O_APPEND) != 0) {
        close(capture.sink);
        capture.sink = -1;
    }
    capture.saved = capture.sink >= 0 ? dup(STDERR_FILENO) : -1;
    if (capture.saved < 0 || dup2(capture.sink, STDERR_FILENO) < 0) {
        if (capture.saved >= 0) close(capture.saved);
        if (capture.sink >= 0) close(capture.sink);
        capture.saved = capture.sink = -1;
    }
    return capture;
}

/// Where libmpg123's message starts in a line: `[src/libmpg123/layer3.c:…] error: …`, or its
/// `Note: `, `Warning: ` and `Error: ` messages; `length` when the line holds none. Usually at
/// 0, but another thread may have written part of a line (no newline yet) just before.
static size_t mm_decoder_text_start(const char *line, size_t length) {
    static const char *const prefixes[] = { "[src/libmpg123/", "Note: ", "Warning: ", "Error: " };
    size_t start = length;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        const char *found = memmem(line, length, prefixes[i], strlen(prefixes[i]));
        if (found != NULL && (size_t)(found - line) < start) {
            start = (size_t)(found - line);
        }
    }
    return start;
}

static void mm_write_all(int fd, const char *text, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, text, length);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        text += n;
        length -= (size_t)n;
    }
}

/// The most captured text sorted into decoder lines and others; what is beyond goes to stderr.
#define MM_CAPTURE_READ (1 << 20)

/// Restores stderr, appends the decoder's lines written meanwhile to `file`'s diagnostics (cut
/// to fit) and writes every other line to the real stderr.
static void mm_capture_end(mm_capture capture, struct mm_audio_file *file) {
    if (capture.saved >= 0) {
        fflush(stderr);
        dup2(capture.saved, STDERR_FILENO);
        close(capture.saved);
        // Read at offsets (pread), never through the file's own offset: a write another thread
        // began on fd 2 before the switch back may still land in the memory file, and an
        // appending write moves that offset to the end, past what is left to read.
        struct stat info;
        off_t written = fstat(capture.sink, &info) == 0 ? info.st_size : 0;
        if (written > 0) {
            size_t size = (size_t)written < MM_CAPTURE_READ ? (size_t)written : MM_CAPTURE_READ;
            char *text = malloc(size);
            ssize_t got = text != NULL ? pread(capture.sink, text, size, 0) : -1;
            for (ssize_t at = 0; got > 0 && at < got;) {
                const char *end = memchr(text + at, '\n', (size_t)(got - at));
                size_t length = end != NULL ? (size_t)(end - (text + at)) + 1 : (size_t)(got - at);
                size_t start = mm_decoder_text_start(text + at, length);
                mm_write_all(STDERR_FILENO, text + at, start);   // another thread's, passed on
                if (start < length) {
                    size_t room = MM_AUDIO_DIAGNOSTICS_SIZE - 1 - file->diagnostics_length;
                    size_t kept = length - start < room ? length - start : room;
                    memcpy(file->diagnostics + file->diagnostics_length, text + at + start, kept);
                    file->diagnostics_length += kept;
                }
                at += (ssize_t)length;
            }
            free(text);
            // More than was sorted (a flood): the rest is passed on as it was.
            char rest[4096];
            off_t at = got > 0 ? got : 0;
            for (ssize_t n; (n = pread(capture.sink, rest, sizeof rest, at)) > 0; at += n) {
                mm_write_all(STDERR_FILENO, rest, (size_t)n);
            }
        }
        file->diagnostics[file->diagnostics_length] = '\0';
        close(capture.sink);
    }
    pthread_mutex_unlock(&mm_stderr_lock);
}


int mm_audio_version(void) { return 1; }

// MARK: - Virtual I/O

static sf_count_t mm_vio_length(void *user) {
    return ((struct mm_audio_file *)user)->size;
}

static sf_count_t mm_vio_seek(sf_count_t offset, int whence, void *user) {
    struct mm_audio_file *file = user;
    sf_count_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = file->position; break;
    case SEEK_END: base = file->size; break;
    default: return -1;
    }
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0) {
        return -1;
    }
    file->position = base + offset;   // past the end is allowed: reads there return 0
    return file->position;
}

static sf_count_t mm_vio_read(void *out, sf_count_t count, void *user) {
    struct mm_audio_file *file = user;
    if (count <= 0) {
        return 0;
    }
    if (file->position >= file->size || count >= file->size - file->position) {
        file->reached_end = 1;
    }
    if (file->position >= file->size) {
        return 0;
    }
    sf_count_t wanted = count < file->size - file->position ? count : file->size - file->position;
    sf_count_t done = 0;
    if (file->data != NULL) {
        memcpy(out, file->data + file->start + file->position, (size_t)wanted);
        done = wanted;
    } else {
        while (done < wanted) {
            ssize_t n = pread(file->fd, (char *)out + done, (size_t)(wanted - done), (off_t)(file->start + file->position + done));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                if (file->io_errno == 0) {
                    file->io_errno = errno;
                }
                break;
            }
            if (n == 0) {
                break;   // the file shrank under us: the data simply ends here
            }
            done += n;
        }
    }
    file->position += done;
    file->bytes_read += (uint64_t)done;
    return done;
}

static sf_count_t mm_vio_write(const void *data, sf_count_t count, void *user) {
    (void)data;
    (void)count;
    (void)user;
    return 0;
}

static sf_count_t mm_vio_tell(void *user) {
    return ((struct mm_audio_file *)user)->position;
}

/// Whether the data starts like an MP3 (an ID3v2 tag or an MPEG audio frame's sync bits), read
/// through the virtual I/O and rewound: only then is the open captured.
static int mm_looks_mpeg(struct mm_audio_file *file) {
    unsigned char head[3] = { 0, 0, 0 };
    sf_count_t got = mm_vio_read(head, sizeof head, file);
    file->position = 0;
    file->bytes_read -= (uint64_t)got;
    file->reached_end = 0;
    return got >= 2 && ((got == 3 && memcmp(head, "ID3", 3) == 0) || (head[0] == 0xFF && (head[1] & 0xE0) == 0xE0));
}

// MARK: - Open and close

/// libsndfile reports a failed open through `sf_error(NULL)`, a process-wide variable: opens
/// are serialised so that each caller reads its own error.
static pthread_mutex_t mm_audio_open_lock = PTHREAD_MUTEX_INITIALIZER;

static int mm_contains(const char *text, const char *word) {
    size_t n = strlen(word);
    for (const char *p = text; *p != '\0'; p++) {
        if (strncasecmp(p, word, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static mm_status mm_audio_open(struct mm_audio_file *file, mm_audio_file **result, mm_audio_info *info,
                                     char *error, size_t error_size) {
    SF_VIRTUAL_IO io = {
        .get_filelen = mm_vio_length,
        .seek = mm_vio_seek,
        .read = mm_vio_read,
        .write = mm_vio_write,
        .tell = mm_vio_tell,
    };
    SF_INFO sfinfo;
    memset(&sfinfo, 0, sizeof sfinfo);

    pthread_mutex_lock(&mm_audio_open_lock);
    if (mm_looks_mpeg(file)) {
        mm_capture capture = mm_capture_begin();
        file->sndfile = sf_open_virtual(&io, SFM_READ, &sfinfo, file);
        mm_capture_end(capture, file);
    } else {
        file->sndfile = sf_open_virtual(&io, SFM_READ, &sfinfo, file);
    }
    int code = file->sndfile == NULL ? sf_error(NULL) : 0;
    if (file->sndfile == NULL && file->io_errno == 0) {
        mm_set_error(error, error_size, "%s", sf_strerror(NULL));
    }
    pthread_mutex_unlock(&mm_audio_open_lock);

    if (file->sndfile == NULL) {
        mm_status status = MM_ERR_CORRUPT;
        if (file->io_errno != 0) {
            mm_set_error(error, error_size, "%s", strerror(file->io_errno));
            status = MM_ERR_IO;
        } else if (code == SF_ERR_UNSUPPORTED_ENCODING || (error != NULL && error_size > 0 &&
                   (mm_contains(error, "not supported") || mm_contains(error, "unimplemented")))) {
            status = MM_ERR_UNSUPPORTED;
        }
        if (file->diagnostics_length > 0 && error != NULL && error_size > 0) {
            // The decoder's own words, after the message, for the caller to fold in.
            size_t used = strlen(error);
            if (used + 2 < error_size) {
                mm_set_error(error + used, error_size - used, "\n%s", file->diagnostics);
            }
        }
        free(file);
        return status;
    }
    if (sfinfo.channels < 1 || sfinfo.samplerate < 1) {
        sf_close(file->sndfile);
        free(file);
        mm_set_error(error, error_size, "the header declares %d channels at %d Hz", sfinfo.channels, sfinfo.samplerate);
        return MM_ERR_CORRUPT;
    }

    file->channels = sfinfo.channels;
    file->is_mpeg = (sfinfo.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;
    file->scratch_frames = MM_AUDIO_SCRATCH_SAMPLES / sfinfo.channels;
    if (file->scratch_frames < 1) {
        file->scratch_frames = 1;
    }
    file->scratch = malloc(sizeof(float) * (size_t)file->scratch_frames * (size_t)sfinfo.channels);
    if (file->scratch == NULL) {
        sf_close(file->sndfile);
        free(file);
        mm_set_error(error, error_size, "out of memory");
        return MM_ERR_NO_MEMORY;
    }

    if (info != NULL) {
        info->sample_rate = sfinfo.samplerate;
        info->channels = sfinfo.channels;
        // libsndfile says SF_COUNT_MAX when it cannot tell (e.g. an Ogg stream it cannot seek).
        info->frames = (sfinfo.frames < 0 || sfinfo.frames == SF_COUNT_MAX) ? -1 : sfinfo.frames;
        info->major_format = sfinfo.format & SF_FORMAT_TYPEMASK;
        info->subtype = sfinfo.format & SF_FORMAT_SUBMASK;
    }
    *result = file;
    return MM_OK;
}

static struct mm_audio_file *mm_audio_alloc(int64_t start, int64_t size, char *error, size_t error_size) {
    struct mm_audio_file *file = calloc(1, sizeof *file);
    if (file == NULL) {
        mm_set_error(error, error_size, "out of memory");
        return NULL;
    }
    file->fd = -1;
    file->start = start;
    file->size = size - start;
    return file;
}

mm_status mm_audio_open_fd(int fd, int64_t start, int64_t size, mm_audio_file **result, mm_audio_info *info,
                                 char *error, size_t error_size) {
    if (result == NULL || fd < 0 || start < 0 || size < start) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    *result = NULL;
    struct mm_audio_file *file = mm_audio_alloc(start, size, error, error_size);
    if (file == NULL) {
        return MM_ERR_NO_MEMORY;
    }
    file->fd = fd;
    return mm_audio_open(file, result, info, error, error_size);
}

mm_status mm_audio_open_memory(const void *data, int64_t start, int64_t size, mm_audio_file **result,
                                     mm_audio_info *info, char *error, size_t error_size) {
    if (result == NULL || (data == NULL && size > 0) || start < 0 || size < start) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    *result = NULL;
    struct mm_audio_file *file = mm_audio_alloc(start, size, error, error_size);
    if (file == NULL) {
        return MM_ERR_NO_MEMORY;
    }
    static const unsigned char nothing = 0;
    file->data = data != NULL ? data : &nothing;
    return mm_audio_open(file, result, info, error, error_size);
}

void mm_audio_close(mm_audio_file *file) {
    if (file == NULL) {
        return;
    }
    if (file->sndfile != NULL) {
        sf_close(file->sndfile);
    }
    free(file->scratch);
    free(file);
}

uint64_t mm_audio_bytes_read(const mm_audio_file *file) {
    return file == NULL ? 0 : file->bytes_read;
}

int mm_audio_reached_end(const mm_audio_file *file) {
    return file != NULL && file->reached_end;
}

// MARK: - Reading

const char *mm_audio_diagnostics(const mm_audio_file *file) {
    return file == NULL ? "" : file->diagnostics;
}

mm_status mm_audio_seek(mm_audio_file *file, int64_t frame, char *error, size_t error_size) {
    if (file == NULL || frame < 0) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    if (sf_seek(file->sndfile, frame, SEEK_SET) != frame) {
        if (file->io_errno != 0) {
            mm_set_error(error, error_size, "%s", strerror(file->io_errno));
            return MM_ERR_IO;
        }
        mm_set_error(error, error_size, "cannot seek to frame %lld (%s)", (long long)frame, sf_strerror(file->sndfile));
        return MM_ERR_CORRUPT;
    }
    return MM_OK;
}

/// Writes the mono mix of `frames` interleaved frames; returns how many are finite before the
/// first non-finite one (== frames when all are).
static int64_t mm_mix_down(const float *in, int channels, int64_t frames, float *out) {
    if (channels == 1) {
        for (int64_t i = 0; i < frames; i++) {
            if (!isfinite(in[i])) {
                return i;
            }
            out[i] = in[i];
        }
        return frames;
    }
    const float count = (float)channels;
    for (int64_t i = 0; i < frames; i++) {
        const float *frame = in + i * channels;
        float sum = frame[0];
        for (int c = 1; c < channels; c++) {
            sum += frame[c];
        }
        if (!isfinite(sum)) {
            return i;
        }
        out[i] = sum / count;
    }
    return frames;
}

mm_status mm_audio_read_mono(mm_audio_file *file, float *out, int64_t frames, int64_t *frames_read,
                                   char *error, size_t error_size) {
    if (frames_read != NULL) {
        *frames_read = 0;
    }
    if (file == NULL || frames_read == NULL || frames < 0 || (out == NULL && frames > 0)) {
        mm_set_error(error, error_size, "bad argument");
        return MM_ERR_ARGUMENT;
    }
    int64_t done = 0;
    while (done < frames) {
        int64_t chunk = frames - done < file->scratch_frames ? frames - done : file->scratch_frames;
        sf_count_t got;
        if (file->is_mpeg) {
            mm_capture capture = mm_capture_begin();
            got = sf_readf_float(file->sndfile, file->scratch, chunk);
            mm_capture_end(capture, file);
        } else {
            got = sf_readf_float(file->sndfile, file->scratch, chunk);
        }
        if (got > 0) {
            int64_t finite = mm_mix_down(file->scratch, file->channels, got, out + done);
            done += finite;
            *frames_read = done;
            if (finite < got) {
                mm_set_error(error, error_size, "a sample is not a finite number");
                return MM_ERR_NOT_FINITE;
            }
        }
        if (got < chunk) {
            if (file->io_errno != 0) {
                mm_set_error(error, error_size, "%s", strerror(file->io_errno));
                return MM_ERR_IO;
            }
            if (sf_error(file->sndfile) != SF_ERR_NO_ERROR) {
                mm_set_error(error, error_size, "%s", sf_strerror(file->sndfile));
                return MM_ERR_CORRUPT;
            }
            break;   // the end of the data
        }
    }
    return MM_OK;
}

void mm_audio_clamp(float *samples, int64_t count) {
    if (samples == NULL) {
        return;
    }
    for (int64_t i = 0; i < count; i++) {
        float x = samples[i];
        samples[i] = x < -1.0f ? -1.0f : (x > 1.0f ? 1.0f : x);
    }
}
