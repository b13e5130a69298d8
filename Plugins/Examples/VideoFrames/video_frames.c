/*
 * video-frames: an example mmsearch plugin that makes videos searchable, written as a third
 * party would write it: it includes only the public mmsearch_plugin.h and links only FFmpeg's
 * libraries. It opens a video with libavformat/libavcodec, samples frames (one every N seconds,
 * at most K, spread over the whole video when it is long), converts each to RGB with
 * libswscale, embeds it with the host's own image encoder (host->embed_image_rgb), and pools the
 * frame vectors (mean, then unit length) into the video's vector. Each frame's vector and time
 * go to the host as a segment, so search results can say which moment matches best.
 *
 * Settings (read once, when the plugin is loaded):
 *   MMS_VIDEO_INTERVAL    seconds between sampled frames (default 1; 0.05 to 3600)
 *   MMS_VIDEO_MAX_FRAMES  most frames sampled per video (default 32; 1 to 1024)
 * They are part of the plugin's `settings`, so changing them re-embeds videos on the next
 * `mmsearch index`.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "mmsearch_plugin.h"

#define PLUGIN_VERSION "1.0.0"
/* Frames are scaled down (keeping their shape) so that the shorter side is at most this; the
 * host's image encoder resizes to 256 anyway. */
#define MAX_SHORT_SIDE 512
/* Frames larger than this are refused (a damaged header can claim anything). */
#define MAX_PIXELS (64 * 1024 * 1024)
/* A gap to the next sample longer than this is crossed by seeking instead of decoding. */
#define SEEK_GAP_SECONDS 4.0
/* Packets read for one sample before the file is taken as damaged. */
#define MAX_PACKETS_PER_SAMPLE 20000

typedef struct settings {
    double interval;
    int max_frames;
} settings;

/* Everything one load of the plugin keeps: its descriptor (whose `context` points back here),
 * the host it was given and its settings. Allocated by the entry point, freed by `destroy`. */
typedef struct plugin_state {
    mms_plugin descriptor;
    const mms_host *host;
    settings config;
    char settings_text[96];
} plugin_state;

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

static int fail(char *error, size_t error_size, int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
    return status;
}

static const char *av_error_text(int code, char *buffer, size_t size) {
    if (av_strerror(code, buffer, size) < 0) snprintf(buffer, size, "error %d", code);
    return buffer;
}

/* Reads a number from the environment; returns 0 when it is set but not a number in range. */
static int read_setting(const mms_host *host, const char *name, double fallback, double low, double high,
                        double *out) {
    const char *text = getenv(name);
    if (!text || !*text) {
        *out = fallback;
        return 1;
    }
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end || !(value >= low && value <= high)) {
        char message[256];
        snprintf(message, sizeof message, "%s=%s is not a number from %g to %g", name, text, low, high);
        host->log(host, MMS_LOG_ERROR, message);
        return 0;
    }
    *out = value;
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* One video being embedded                                                                   */

typedef struct video {
    AVFormatContext *format;
    AVCodecContext *codec;
    AVFrame *frame;
    AVPacket *packet;
    struct SwsContext *scaler;
    uint8_t *rgb;
    size_t rgb_size;
    int stream;
    double time_base;  /* seconds per stream tick */
    double start;      /* the stream's first timestamp, in seconds */
    double duration;   /* seconds, or a negative number when unknown */
} video;

static void video_close(video *v) {
    sws_freeContext(v->scaler);
    av_packet_free(&v->packet);
    av_frame_free(&v->frame);
    avcodec_free_context(&v->codec);
    avformat_close_input(&v->format);
    free(v->rgb);
}

/* Opens the file and its best video stream; returns MMS_OK or fills `error`. */
static int video_open(video *v, const char *path, char *error, size_t error_size) {
    char why[128];
    int code = avformat_open_input(&v->format, path, NULL, NULL);
    if (code < 0) return fail(error, error_size, MMS_ERR_INPUT, "not a readable video: %s", av_error_text(code, why, sizeof why));
    const char *format_name = v->format->iformat->name;
    if (strcmp(format_name, "image2") == 0 || strstr(format_name, "_pipe"))
        return fail(error, error_size, MMS_ERR_INPUT, "a still image (%s), not a video", format_name);
    code = avformat_find_stream_info(v->format, NULL);
    if (code < 0) return fail(error, error_size, MMS_ERR_INPUT, "cannot read the video's streams: %s", av_error_text(code, why, sizeof why));
    const AVCodec *decoder = NULL;
    v->stream = av_find_best_stream(v->format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (v->stream < 0 || !decoder) {
        if (v->stream == AVERROR_DECODER_NOT_FOUND)
            return fail(error, error_size, MMS_ERR_INPUT, "no decoder for its video stream");
        return fail(error, error_size, MMS_ERR_INPUT, "has no video stream (%s)", format_name);
    }
    AVStream *stream = v->format->streams[v->stream];
    if (stream->disposition & AV_DISPOSITION_ATTACHED_PIC)
        return fail(error, error_size, MMS_ERR_INPUT, "its only picture is a cover image, not a video");
    int w = stream->codecpar->width, h = stream->codecpar->height;
    if (w <= 0 || h <= 0 || (int64_t)w * h > MAX_PIXELS)
        return fail(error, error_size, MMS_ERR_INPUT, "frame size %dx%d is empty or larger than %d MP", w, h, MAX_PIXELS >> 20);

    v->codec = avcodec_alloc_context3(decoder);
    if (!v->codec) return fail(error, error_size, MMS_ERR_INTERNAL, "out of memory");
    code = avcodec_parameters_to_context(v->codec, stream->codecpar);
    if (code < 0) return fail(error, error_size, MMS_ERR_INPUT, "bad codec parameters: %s", av_error_text(code, why, sizeof why));
    v->codec->thread_count = 1; /* the host runs one call per core already */
    code = avcodec_open2(v->codec, decoder, NULL);
    if (code < 0) return fail(error, error_size, MMS_ERR_INPUT, "cannot open the %s decoder: %s", decoder->name, av_error_text(code, why, sizeof why));

    v->frame = av_frame_alloc();
    v->packet = av_packet_alloc();
    if (!v->frame || !v->packet) return fail(error, error_size, MMS_ERR_INTERNAL, "out of memory");
    v->time_base = av_q2d(stream->time_base);
    v->start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time * v->time_base : 0;
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
        v->duration = stream->duration * v->time_base;
    else if (v->format->duration != AV_NOPTS_VALUE && v->format->duration > 0)
        v->duration = (double)v->format->duration / AV_TIME_BASE;
    else
        v->duration = -1;
    return MMS_OK;
}

/* The times to sample, in seconds from the start: every `interval`, or, when that would give
 * more than `max_frames`, `max_frames` times spread evenly over the whole video. */
static int plan_samples(const video *v, settings config, double *times) {
    int count = 0;
    if (v->duration > 0 && v->duration / config.interval > config.max_frames) {
        for (int i = 0; i < config.max_frames; i++) times[count++] = (i + 0.5) * v->duration / config.max_frames;
    } else {
        for (int i = 0; i < config.max_frames; i++) {
            double t = i * config.interval;
            if (v->duration > 0 && t >= v->duration && i > 0) break;
            times[count++] = t;
        }
    }
    return count;
}

/* Converts the decoded frame to packed RGB (square pixels, shorter side at most
 * MAX_SHORT_SIDE) and embeds it with the host's image encoder. */
static int embed_frame(const mms_host *host, video *v, float *out, char *error, size_t error_size) {
    AVFrame *f = v->frame;
    double aspect = f->sample_aspect_ratio.num > 0 && f->sample_aspect_ratio.den > 0 ? av_q2d(f->sample_aspect_ratio) : 1.0;
    double width = f->width * (aspect > 0.1 && aspect < 10 ? aspect : 1.0), height = f->height;
    double shorter = width < height ? width : height;
    double scale = shorter > MAX_SHORT_SIDE ? MAX_SHORT_SIDE / shorter : 1.0;
    int ow = (int)lround(width * scale), oh = (int)lround(height * scale);
    if (ow < 1) ow = 1;
    if (oh < 1) oh = 1;
    v->scaler = sws_getCachedContext(v->scaler, f->width, f->height, (enum AVPixelFormat)f->format, ow, oh,
                                     AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    if (!v->scaler) return fail(error, error_size, MMS_ERR_INPUT, "cannot convert frames of pixel format %d to RGB", f->format);
    size_t need = (size_t)ow * oh * 3;
    if (need > v->rgb_size) {
        uint8_t *grown = realloc(v->rgb, need);
        if (!grown) return fail(error, error_size, MMS_ERR_INTERNAL, "out of memory");
        v->rgb = grown;
        v->rgb_size = need;
    }
    uint8_t *planes[4] = {v->rgb, NULL, NULL, NULL};
    int strides[4] = {ow * 3, 0, 0, 0};
    if (sws_scale(v->scaler, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes, strides) != oh)
        return fail(error, error_size, MMS_ERR_INPUT, "frame conversion to RGB failed");
    int status = host->embed_image_rgb(host, (uint32_t)ow, (uint32_t)oh, v->rgb, out, error, error_size);
    return status == MMS_OK ? MMS_OK : MMS_ERR_HOST;
}

/* The frame's time in seconds from the start of the stream. */
static double frame_time(const video *v) {
    int64_t ts = v->frame->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE) ts = v->frame->pts;
    return ts == AV_NOPTS_VALUE ? 0 : ts * v->time_base - v->start;
}

/* ------------------------------------------------------------------------------------------ */
/* The ABI entry points                                                                       */

static int embed_file(const mms_plugin *self, const char *path, float *out_vector,
                      const mms_segment_sink *segments, char *error, size_t error_size) {
    const plugin_state *state = self->context;
    const settings config = state->config;
    const uint32_t d = self->dimension;
    video v = {0};
    double times[1024];
    float *frame_vector = malloc(sizeof(float) * d);
    double *sum = calloc(d, sizeof(double));
    int status = frame_vector && sum ? MMS_OK : fail(error, error_size, MMS_ERR_INTERNAL, "out of memory");
    if (status == MMS_OK) status = video_open(&v, path, error, error_size);

    int planned = status == MMS_OK ? plan_samples(&v, config, times) : 0;
    int taken = 0, packets = 0, draining = 0, finished = 0;
    double taken_at[1024], last_seen = -1;
    char why[128];
    while (status == MMS_OK && taken < planned && !finished) {
        /* Far from the next sample: seek to the key frame before it instead of decoding. */
        double target = times[taken];
        if (!draining && taken > 0 && target - taken_at[taken - 1] > SEEK_GAP_SECONDS) {
            int64_t ts = (int64_t)((target + v.start) / v.time_base);
            if (av_seek_frame(v.format, v.stream, ts, AVSEEK_FLAG_BACKWARD) >= 0) avcodec_flush_buffers(v.codec);
        }
        /* Decode until a frame at or after the target comes out. */
        int got = 0;
        packets = 0;
        while (status == MMS_OK && !got && !finished) {
            int code = avcodec_receive_frame(v.codec, v.frame);
            if (code == 0) {
                double t = frame_time(&v);
                if (t > last_seen) last_seen = t;
                if (t + 1e-3 >= target || (draining && taken == 0)) {
                    got = 1;
                } else {
                    av_frame_unref(v.frame);
                }
                continue;
            }
            if (code == AVERROR_EOF) { finished = 1; break; }
            if (code != AVERROR(EAGAIN)) {
                status = fail(error, error_size, MMS_ERR_INPUT, "decoding failed: %s", av_error_text(code, why, sizeof why));
                break;
            }
            if (draining) { finished = 1; break; }
            if (++packets > MAX_PACKETS_PER_SAMPLE) {
                status = fail(error, error_size, MMS_ERR_INPUT, "no frame after %d packets: damaged video", MAX_PACKETS_PER_SAMPLE);
                break;
            }
            code = av_read_frame(v.format, v.packet);
            if (code == AVERROR_EOF) {
                avcodec_send_packet(v.codec, NULL); /* drain what the decoder holds */
                draining = 1;
                continue;
            }
            if (code < 0) {
                status = fail(error, error_size, MMS_ERR_INPUT, "damaged or truncated after %.1f s: %s",
                              taken ? taken_at[taken - 1] : 0.0, av_error_text(code, why, sizeof why));
                break;
            }
            if (v.packet->stream_index == v.stream) {
                code = avcodec_send_packet(v.codec, v.packet);
                /* A damaged packet loses a frame, not the video; the decoder resynchronises. */
                (void)code;
            }
            av_packet_unref(v.packet);
        }
        if (status != MMS_OK || !got) break;

        double t = frame_time(&v);
        status = embed_frame(state->host, &v, frame_vector, error, error_size);
        av_frame_unref(v.frame);
        if (status != MMS_OK) break;
        for (uint32_t i = 0; i < d; i++) sum[i] += frame_vector[i];
        taken_at[taken] = t < 0 ? 0 : t;
        /* Drop later samples this frame already stands for (sparse frames, a late seek). */
        int skip = 0;
        while (taken + 1 + skip < planned && times[taken + 1 + skip] <= t) skip++;
        if (skip) {
            memmove(&times[taken + 1], &times[taken + 1 + skip], sizeof(double) * (size_t)(planned - taken - 1 - skip));
            planned -= skip;
        }
        /* The segment runs until the next planned sample (or the end of the video). */
        double end = taken + 1 < planned ? times[taken + 1] : (v.duration > 0 ? v.duration : t + config.interval);
        if (end < taken_at[taken]) end = taken_at[taken];
        if (segments->add(segments, taken_at[taken], end, frame_vector) != MMS_OK)
            status = fail(error, error_size, MMS_ERR_INTERNAL, "the host refused the vector of the frame at %.1f s", taken_at[taken]);
        taken++;
    }
    if (status == MMS_OK && taken == 0) status = fail(error, error_size, MMS_ERR_INPUT, "no frame could be decoded");
    /* The data ran out long before the length the container declares: a cut-off download. */
    if (status == MMS_OK && finished && v.duration > 0 && v.duration - last_seen > 0.25 * v.duration + config.interval)
        status = fail(error, error_size, MMS_ERR_INPUT, "truncated: frames end at %.1f s of a %.1f s video",
                      last_seen < 0 ? 0.0 : last_seen, v.duration);
    if (status == MMS_OK) {
        double norm = 0;
        for (uint32_t i = 0; i < d; i++) norm += sum[i] * sum[i];
        norm = sqrt(norm);
        if (!(norm > 0)) status = fail(error, error_size, MMS_ERR_INPUT, "the frames' vectors cancel out");
        else for (uint32_t i = 0; i < d; i++) out_vector[i] = (float)(sum[i] / norm);
    }
    video_close(&v);
    free(frame_vector);
    free(sum);
    return status;
}

static void destroy(const mms_plugin *self) { free(self->context); }

static const char *const extensions[] = {"mp4", "mkv", "webm", NULL};

const mms_plugin *mms_plugin_entry(const mms_host *host) {
    if (host->abi_version != MMS_PLUGIN_ABI_VERSION) return NULL;
    settings config;
    double max_frames = 0;
    if (!read_setting(host, "MMS_VIDEO_INTERVAL", 1.0, 0.05, 3600, &config.interval)) return NULL;
    if (!read_setting(host, "MMS_VIDEO_MAX_FRAMES", 32, 1, 1024, &max_frames)) return NULL;
    config.max_frames = (int)max_frames;

    plugin_state *state = calloc(1, sizeof *state);
    if (!state) {
        host->log(host, MMS_LOG_ERROR, "out of memory");
        return NULL;
    }
    state->host = host;
    state->config = config;
    snprintf(state->settings_text, sizeof state->settings_text, "interval=%g;max_frames=%d",
             config.interval, config.max_frames);
    state->descriptor = (mms_plugin){
        .abi_version = MMS_PLUGIN_ABI_VERSION,
        .flags = MMS_PLUGIN_THREAD_SAFE,
        .name = "video-frames",
        .version = PLUGIN_VERSION,
        .modality = "video",
        .space = MMS_SPACE_HOST,
        .dimension = host->dimension,
        .extensions = extensions,
        .settings = state->settings_text,
        .context = state,
        .embed_file = embed_file,
        .embed_text = NULL,
        .destroy = destroy,
    };
    av_log_set_level(AV_LOG_QUIET); /* errors come back as messages, not on the host's stderr */
    return &state->descriptor;
}
