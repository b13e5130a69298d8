/*
 * mmsearch_plugin.h — the C ABI between mmsearch (the host) and encoder plugins loaded from
 * shared libraries. This header is the whole contract: a plugin needs nothing else from
 * mmsearch to build, and the host relies on nothing a plugin does beyond what is written here.
 *
 * ABI version 1.
 *
 * ---------------------------------------------------------------------------------------------
 * WHAT A PLUGIN IS
 *
 * A plugin is a shared library (`.so` on Linux, `.dylib` on macOS) that adds one encoder: it
 * turns files of some type (its extensions) into vectors of the host's vector space, so they can
 * be indexed and searched next to photos and texts. It exports exactly one symbol:
 *
 *     const mms_plugin *mms_plugin_entry(const mms_host *host);
 *
 * The host calls it right after loading the library and reads the returned descriptor. The
 * entry point returns NULL when the plugin cannot work (a setting is wrong, the host lacks
 * something it needs); it should first say why through `host->log` at MMS_LOG_ERROR: the host
 * shows the last such message as the reason the plugin did not load.
 *
 * A process may load a library more than once (a program with two registries, or two model
 * packs): each load calls `mms_plugin_entry` again, with its own `mms_host`, and calls `destroy`
 * once for each descriptor returned. Keep per-host state in a descriptor allocated per call
 * (its `context`), not in globals; a plugin without such state may return one static
 * descriptor every time, with a `destroy` that frees nothing.
 *
 * ---------------------------------------------------------------------------------------------
 * WHERE THE HOST LOOKS
 *
 * Every `*.so` (`*.dylib`) file directly inside these folders, in this order; a plugin whose
 * name was already loaded from an earlier folder is not loaded again:
 *   1. each `--plugin-dir DIR` given on the command line, in order;
 *   2. each folder of `$MMSEARCH_PLUGIN_PATH` (colon-separated);
 *   3. `$XDG_DATA_HOME/mmsearch/plugins` (default `~/.local/share/mmsearch/plugins`).
 * `mmsearch plugins` lists what loaded and, for each library that did not, why.
 *
 * ---------------------------------------------------------------------------------------------
 * VERSIONING
 *
 * `abi_version` is the first field of both structs and never moves. The host compares the
 * descriptor's `abi_version` with its own MMS_PLUGIN_ABI_VERSION before reading any other field
 * and refuses a mismatch (the message names the library and both versions). A plugin may
 * likewise check `host->abi_version` and return NULL. Any change to a struct's layout or to the
 * meaning of a field bumps MMS_PLUGIN_ABI_VERSION.
 *
 * ---------------------------------------------------------------------------------------------
 * THE VECTOR SPACE
 *
 * Every vector a plugin returns lives in one space: `space` and `dimension` in the descriptor.
 *   - MMS_SPACE_HOST ("host") means the space of the host's model pack: the vectors come from
 *     the host's own encoders (through `host->embed_text` / `host->embed_image_rgb`), or are
 *     otherwise comparable with them. `dimension` must then equal `host->dimension`. Text
 *     queries, image queries and the plugin's files then all search each other.
 *   - Any other name must be the host pack's name (`host->space_name`, e.g. "lite"): a plugin
 *     built for one particular pack. Plugins of other spaces are refused.
 * Because the host's space fingerprint cannot know how a plugin makes its vectors (which frames
 * it samples, how it pools them), the host gives each plugin encoder its own fingerprint, made
 * from the space's fingerprint, the plugin's `name`, `version` and `settings`. The index records
 * it with every file, and `mmsearch index` embeds again the files a different fingerprint made:
 * vectors from an older version of a plugin are never ranked next to the new version's. Bump
 * `version` whenever the vectors change, and put in `settings` whatever user setting changes
 * them.
 *
 * ---------------------------------------------------------------------------------------------
 * CALLS, STATUS CODES AND ERRORS
 *
 * Every call returns an `int` status (MMS_OK or one of MMS_ERR_*). Every call that can fail takes
 * an error buffer: `char *error` of `error_size` bytes (error_size >= 1, the host passes at least
 * 256 bytes, zero-filled). On failure the callee writes one line of UTF-8 that says what went
 * wrong with this input, NUL-terminated and truncated to fit (snprintf does this); it does not
 * repeat the file's path, which the host prints in front of it. A plugin must never abort, exit,
 * or let a signal escape: the host process indexes many other files.
 *
 * The host checks every vector it gets: `dimension` floats, all finite, not all zero (it
 * normalises to unit length itself). A vector that fails the check fails that file only, with
 * the reason. MMS_ERR_INPUT fails that file only. MMS_ERR_INTERNAL, an unknown status and an
 * invalid vector count against the plugin: after MMS_HOST_MAX_CONSECUTIVE_FAILURES of them in a
 * row (with no success in between) the host disables the plugin for the rest of the run, and its
 * remaining files are reported as failed with that reason.
 *
 * ---------------------------------------------------------------------------------------------
 * MEMORY
 *
 *   - The descriptor and every string and array it points to belong to the plugin and must stay
 *     valid and unchanged until `destroy` returns.
 *   - `out_vector`, `error`, `path`, `text`, `rgb` and the segment sink belong to the host and are
 *     valid only during the call they are passed to: copy what you keep.
 *   - Vectors given to host services and to the segment sink are copied by the host before the
 *     call returns.
 *   - The `mms_host` struct and its strings stay valid until `destroy` returns.
 *   - Nothing crosses the boundary for the other side to free.
 *
 * ---------------------------------------------------------------------------------------------
 * THREADS
 *
 * The host indexes with several worker threads. If the descriptor's `flags` has
 * MMS_PLUGIN_THREAD_SAFE, the host may call `embed_file` and `embed_text` of one descriptor from
 * several threads at once, and the plugin must allow it (keep per-call state on the stack or in
 * per-call allocations). Without that flag the host never makes two calls on that descriptor at the
 * same time (it holds a lock around each call), though successive calls may come from different
 * threads. `destroy` is never called while a call on the same descriptor is running, nor before
 * all of them returned. The entry point of a library loaded again (see WHAT A PLUGIN IS) may run
 * while descriptors of an earlier load are in use: it must not change what they rely on.
 *
 * The host's services (`log`, `embed_text`, `embed_image_rgb`, and the segment sink's `add`) are
 * thread-safe: a plugin may call them from any thread while one of its calls is running, e.g.
 * from worker threads of its own; never after that call returned, and never after `destroy`.
 * `log` may also be called during `mms_plugin_entry`.
 *
 * ---------------------------------------------------------------------------------------------
 * SEGMENTS (time-based media)
 *
 * A plugin for media with a time axis (video, audio) embeds a file as one pooled vector and may
 * also hand the host the vectors of its parts: `segments->add(segments, start, end, vector)` for
 * each part, in any order, before `embed_file` returns. The host stores them with the file and,
 * when the file is a search hit, shows the part that best matches the query (`@ 12.0s–13.0s` in
 * plain output, a `part` object in JSON, and `segment` in the words of its first schema). `add` returns MMS_OK, or an error status when the vector
 * is invalid (see above), when `start`/`end` are not finite or `end < start`, or when the file
 * already has MMS_HOST_MAX_SEGMENTS segments: the host then fails the whole file with that
 * reason, so the plugin should stop and return. A plugin without segments ignores the sink.
 */
#ifndef MMSEARCH_PLUGIN_H
#define MMSEARCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. */
#define MMS_PLUGIN_ABI_VERSION 1u

/** `mms_plugin.space` value meaning "the space of the host's model pack". */
#define MMS_SPACE_HOST "host"

/** Bit of `mms_plugin.flags`: `embed_file`/`embed_text` may be called from several threads at once. */
#define MMS_PLUGIN_THREAD_SAFE 1u

/** Consecutive failures that are the plugin's fault after which the host disables it for the run. */
#define MMS_HOST_MAX_CONSECUTIVE_FAILURES 5

/** Most segments the host accepts for one file. */
#define MMS_HOST_MAX_SEGMENTS 4096

/* Status codes. */
enum {
    /** Success: the out vector is filled. */
    MMS_OK = 0,
    /** This input cannot be embedded (unreadable, corrupt, not of the expected kind): the host
        fails this file only, with the error text. */
    MMS_ERR_INPUT = 1,
    /** The call is not supported (e.g. `embed_text` for a text the plugin cannot embed). */
    MMS_ERR_UNSUPPORTED = 2,
    /** A host service the plugin called failed; the error text says why. */
    MMS_ERR_HOST = 3,
    /** The plugin itself is in trouble (out of memory, a broken dependency). Counts towards
        MMS_HOST_MAX_CONSECUTIVE_FAILURES. */
    MMS_ERR_INTERNAL = 4,
};

/* Log levels for `mms_host.log`. */
enum {
    MMS_LOG_DEBUG = 0,
    MMS_LOG_INFO = 1,
    MMS_LOG_WARNING = 2,
    MMS_LOG_ERROR = 3,
};

/**
 * Where a plugin hands the host the vectors of the parts of one file (see SEGMENTS above).
 * Owned by the host, valid only during the `embed_file` call it is passed to.
 */
typedef struct mms_segment_sink {
    /** The host's; the plugin must not touch it. */
    void *host_context;
    /**
     * Adds one part: it spans [start_seconds, end_seconds] of the file and its vector has
     * `dimension` floats (copied before `add` returns). Returns MMS_OK, or an error status after
     * which the plugin should stop and return (the host fails the file).
     */
    int (*add)(const struct mms_segment_sink *sink, double start_seconds, double end_seconds,
               const float *vector);
} mms_segment_sink;

/** What the host gives a plugin: its version, its space, and services. */
typedef struct mms_host {
    /** The host's MMS_PLUGIN_ABI_VERSION. Always the first field. */
    uint32_t abi_version;
    /** Dimension of the host pack's space: the length of every vector in this ABI. */
    uint32_t dimension;
    /** Name of the host pack's space (e.g. "lite"), NUL-terminated UTF-8. */
    const char *space_name;
    /** The host's; the plugin must not touch it. */
    void *host_context;

    /**
     * Writes `message` (one line of UTF-8, without the plugin's name, which the host adds) to the
     * host's log at `level` (MMS_LOG_*). Warnings and errors are shown to the user.
     */
    void (*log)(const struct mms_host *host, int level, const char *message);

    /**
     * Embeds `text` (NUL-terminated UTF-8) with the host pack's text encoder into `out_vector`
     * (`dimension` floats, unit length). Returns MMS_OK, or MMS_ERR_HOST with a reason in `error`.
     */
    int (*embed_text)(const struct mms_host *host, const char *text, float *out_vector,
                      char *error, size_t error_size);

    /**
     * Embeds an RGB image with the host pack's image encoder into `out_vector` (`dimension`
     * floats, unit length). `rgb` holds `height` rows of `width` pixels, 3 bytes each (R, G, B),
     * rows packed without padding: `width * height * 3` bytes. The image is preprocessed exactly
     * like a photo file (resize, crop, normalisation). Returns MMS_OK, or MMS_ERR_HOST with a
     * reason in `error` (no image encoder, a zero or too large size).
     */
    int (*embed_image_rgb)(const struct mms_host *host, uint32_t width, uint32_t height,
                           const uint8_t *rgb, float *out_vector, char *error, size_t error_size);
} mms_host;

/** What a plugin is and does. Returned by `mms_plugin_entry`; owned by the plugin. */
typedef struct mms_plugin {
    /** MMS_PLUGIN_ABI_VERSION as the plugin was compiled. Always the first field. */
    uint32_t abi_version;
    /** MMS_PLUGIN_THREAD_SAFE or 0. */
    uint32_t flags;
    /** Unique name, e.g. "video-frames": letters, digits, '-', '_', '.', '+', 1-64 bytes. */
    const char *name;
    /** The plugin's version, e.g. "1.2.0"; bump it whenever its vectors change. Non-empty. */
    const char *version;
    /**
     * The kind of input, e.g. "video": a known modality ("text", "image", "audio", "video") or a
     * new one; lower-case letters, digits, '-' and '_', 1-32 bytes.
     */
    const char *modality;
    /** MMS_SPACE_HOST, or the host pack's name (see THE VECTOR SPACE). */
    const char *space;
    /** Length of every vector; must equal the space's (`host->dimension`). */
    uint32_t dimension;
    /**
     * The file extensions the plugin reads: a NULL-terminated array of lower-case names without
     * the dot ("mp4"), each 1-16 letters or digits, at least one, at most 64, no duplicates.
     * An extension another encoder already reads is refused.
     */
    const char *const *extensions;
    /**
     * Settings that change how vectors are made (e.g. "interval=1;max_frames=16"); part of the
     * encoder's fingerprint (see THE VECTOR SPACE). May be NULL or "".
     */
    const char *settings;
    /** The plugin's own state, passed back through `self`; the host never reads it. */
    void *context;

    /**
     * Embeds the file at `path` (NUL-terminated, absolute) into `out_vector` (`dimension` floats).
     * `segments` is never NULL (see SEGMENTS). Required.
     */
    int (*embed_file)(const struct mms_plugin *self, const char *path, float *out_vector,
                      const mms_segment_sink *segments, char *error, size_t error_size);

    /**
     * Embeds a query text (NUL-terminated UTF-8) into `out_vector`. Optional (NULL): a plugin in
     * the host's space leaves text to the host's text encoder.
     */
    int (*embed_text)(const struct mms_plugin *self, const char *text, float *out_vector,
                      char *error, size_t error_size);

    /** Frees the plugin's state; the descriptor is not used after it. Optional (NULL). */
    void (*destroy)(const struct mms_plugin *self);
} mms_plugin;

/** Marks the entry point exported, also when a plugin hides its other symbols
    (-fvisibility=hidden, which keeps a plugin's helpers from clashing with the host's). */
#if defined(_WIN32)
#define MMS_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MMS_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** The one symbol a plugin exports. See the top of this file. */
typedef const mms_plugin *(*mms_plugin_entry_fn)(const mms_host *host);
MMS_PLUGIN_EXPORT const mms_plugin *mms_plugin_entry(const mms_host *host);

#ifdef __cplusplus
}
#endif

#endif /* MMSEARCH_PLUGIN_H */
