/*
 * A toy plugin for the host's tests, built by them with `cc` against the public header only.
 * It reads `.toy` files and behaves by the file's name, so one library exercises every path
 * of the host:
 *
 *   error*       MMS_ERR_INPUT with a reason          nan*         a vector of NaNs
 *   zero*        a vector of zeros                    internal*    MMS_ERR_INTERNAL
 *   status*      an unknown status (42)               segments*    three segments, the last
 *   badsegment*  a segment with a NaN vector                       one equal to the vector
 *   caption*     the host's embed_text of the content rgb*         "W H\n" + RGB bytes through
 *   anything else: a vector hashed from the content                the host's embed_image_rgb
 *
 * The vector of a content is the tests' `hashVector` (FNV-1a seeding splitmix64), so a test
 * can search for a file by its content. Compile-time switches make broken variants:
 * TOY_ABI_VERSION, TOY_DIMENSION, TOY_NAME, TOY_VERSION, TOY_SPACE, TOY_EXTENSION, TOY_REFUSE
 * (entry returns NULL after logging why), TOY_NO_ENTRY (exports no entry point) and
 * TOY_THREAD_SAFE. Without TOY_THREAD_SAFE it fails any call made while another is running.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmsearch_plugin.h"

#ifndef TOY_ABI_VERSION
#define TOY_ABI_VERSION MMS_PLUGIN_ABI_VERSION
#endif
#ifndef TOY_NAME
#define TOY_NAME "toy"
#endif
#ifndef TOY_VERSION
#define TOY_VERSION "1"
#endif
#ifndef TOY_SPACE
#define TOY_SPACE MMS_SPACE_HOST
#endif
#ifndef TOY_EXTENSION
#define TOY_EXTENSION "toy"
#endif

static const mms_host *toy_host;
static atomic_int in_flight;

static void hash_vector(const unsigned char *bytes, size_t count, float *out, uint32_t dimension) {
    uint64_t seed = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < count; i++) seed = (seed ^ bytes[i]) * 0x100000001b3ull;
    uint64_t state = seed;
    float sum = 0;
    for (uint32_t i = 0; i < dimension; i++) {
        state += 0x9e3779b97f4a7c15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        out[i] = (float)((double)(z >> 11) / 9007199254740992.0) * 2.0f - 1.0f;
        sum += out[i] * out[i];
    }
    float norm = sqrtf(sum);
    for (uint32_t i = 0; i < dimension; i++) out[i] /= norm;
}

/* Reads a whole (small) file; NULL when it cannot. */
static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = calloc(1, (1 << 20) + 1);
    *size = data ? fread(data, 1, 1 << 20, f) : 0;
    fclose(f);
    return data;
}

static int starts_with(const char *path, const char *prefix) {
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

static int embed_file(const mms_plugin *self, const char *path, float *out,
                      const mms_segment_sink *segments, char *error, size_t error_size) {
    uint32_t d = self->dimension;
#ifndef TOY_THREAD_SAFE
    if (atomic_fetch_add(&in_flight, 1) != 0) {
        atomic_fetch_sub(&in_flight, 1);
        snprintf(error, error_size, "toy: called while another call was running");
        return MMS_ERR_INTERNAL;
    }
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
#endif
    int status = MMS_OK;
    size_t size = 0;
    unsigned char *data = read_file(path, &size);
    if (!data) {
        snprintf(error, error_size, "toy: cannot read the file");
        status = MMS_ERR_INPUT;
    } else if (starts_with(path, "error")) {
        snprintf(error, error_size, "toy: cannot read this toy file (asked to fail)");
        status = MMS_ERR_INPUT;
    } else if (starts_with(path, "nan")) {
        for (uint32_t i = 0; i < d; i++) out[i] = NAN;
    } else if (starts_with(path, "zero")) {
        for (uint32_t i = 0; i < d; i++) out[i] = 0;
    } else if (starts_with(path, "internal")) {
        snprintf(error, error_size, "toy: internal trouble");
        status = MMS_ERR_INTERNAL;
    } else if (starts_with(path, "status")) {
        status = 42;
    } else if (starts_with(path, "segments") || starts_with(path, "badsegment")) {
        hash_vector(data, size, out, d);
        float *part = malloc(sizeof(float) * d);
        for (int i = 0; i < 3 && part && status == MMS_OK; i++) {
            /* Parts 0 and 1 hash the content with a suffix; part 2 is the content itself. */
            unsigned char buffer[1024];
            size_t n = size < 1000 ? size : 1000;
            memcpy(buffer, data, n);
            if (i < 2) buffer[n++] = (unsigned char)('0' + i);
            hash_vector(buffer, n, part, d);
            if (i == 1 && starts_with(path, "badsegment")) part[0] = NAN;
            if (segments->add(segments, i, i + 1, part) != MMS_OK) {
                snprintf(error, error_size, "toy: the host refused segment %d", i + 1);
                status = MMS_ERR_INPUT;
            }
        }
        free(part);
    } else if (starts_with(path, "caption")) {
        char text[1024];
        size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
        memcpy(text, data, n);
        text[n] = 0;
        status = toy_host->embed_text(toy_host, text, out, error, error_size);
    } else if (starts_with(path, "rgb")) {
        unsigned w = 0, h = 0;
        int header = 0;
        if (sscanf((const char *)data, "%u %u\n%n", &w, &h, &header) != 2 || header <= 0
            || (size_t)header + (size_t)w * h * 3 > size) {
            snprintf(error, error_size, "toy: not an rgb toy file");
            status = MMS_ERR_INPUT;
        } else {
            status = toy_host->embed_image_rgb(toy_host, w, h, data + header, out, error, error_size);
        }
    } else {
        hash_vector(data, size, out, d);
    }
    free(data);
#ifndef TOY_THREAD_SAFE
    atomic_fetch_sub(&in_flight, 1);
#endif
    return status;
}

static void destroy(const mms_plugin *self) { (void)self; }

static const char *const extensions[] = {TOY_EXTENSION, NULL};

static mms_plugin descriptor = {
    .abi_version = TOY_ABI_VERSION,
    .name = TOY_NAME,
    .version = TOY_VERSION,
    .modality = "toy",
    .space = TOY_SPACE,
    .extensions = extensions,
    .settings = "none",
    .embed_file = embed_file,
    .embed_text = NULL,
    .destroy = destroy,
};

#ifdef TOY_NO_ENTRY
const mms_plugin *not_the_entry_point(const mms_host *host) {
#else
const mms_plugin *mms_plugin_entry(const mms_host *host) {
#endif
    toy_host = host;
#ifdef TOY_REFUSE
    host->log(host, MMS_LOG_ERROR, "toy: refusing to load (TOY_REFUSE is set)");
    return NULL;
#endif
#ifdef TOY_DIMENSION
    descriptor.dimension = TOY_DIMENSION;
#else
    descriptor.dimension = host->dimension;
#endif
#ifdef TOY_THREAD_SAFE
    descriptor.flags = MMS_PLUGIN_THREAD_SAFE;
#endif
    host->log(host, MMS_LOG_INFO, "toy: loaded");
    return &descriptor;
}
