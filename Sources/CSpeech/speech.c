#include "cspeech.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pocketsphinx.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>

typedef struct {
    char *text;
    int start;
    int end;
} mm_word;

struct mm_speech {
    ps_decoder_t *ps;
    cmd_ln_t *config;
    int frame_rate;
    /// The cepstral mean the model starts from (`-cmninit`), restored at each stream so a
    /// file's transcript does not depend on the files the decoder read before.
    mfcc_t *cmn_start;
    int cmn_length;
    mm_word *words;
    int count;
    int capacity;
};

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

// sphinxbase logs every configuration value and model step to stderr; the host reports
// failures itself.
static void quiet(void) { err_set_logfp(NULL); }

static void say(char *message, size_t capacity, const char *text) {
    if (message && capacity > 0) snprintf(message, capacity, "%s", text);
}

int mm_speech_open(const char *hmm, const char *lm, const char *dict, mm_speech **out,
                   char *message, size_t capacity) {
    pthread_once(&quiet_once, quiet);
    *out = NULL;
    mm_speech *d = calloc(1, sizeof *d);
    if (!d) return MM_SPEECH_ERR_MEMORY;
    char *argv[] = {
        "-hmm", (char *)hmm, "-lm", (char *)lm, "-dict", (char *)dict,
        "-logfn", "/dev/null",
    };
    d->config = cmd_ln_parse_r(NULL, ps_args(), (int32)(sizeof argv / sizeof argv[0]), argv, TRUE);
    if (!d->config) {
        free(d);
        say(message, capacity, "the recogniser's settings were refused");
        return MM_SPEECH_ERR_MODEL;
    }
    d->ps = ps_init(d->config);
    if (!d->ps) {
        cmd_ln_free_r(d->config);
        free(d);
        say(message, capacity, "the acoustic model, language model or dictionary could not be loaded");
        return MM_SPEECH_ERR_MODEL;
    }
    d->frame_rate = (int)cmd_ln_int32_r(d->config, "-frate");
    if (d->frame_rate <= 0) d->frame_rate = 100;
    feat_t *feat = ps_get_feat(d->ps);
    if (feat && feat->cmn_struct && feat->cmn_struct->veclen > 0) {
        cmn_t *cmn = feat->cmn_struct;
        d->cmn_start = malloc((size_t)cmn->veclen * sizeof *d->cmn_start);
        if (d->cmn_start) {
            memcpy(d->cmn_start, cmn->cmn_mean, (size_t)cmn->veclen * sizeof *d->cmn_start);
            d->cmn_length = cmn->veclen;
        }
    }
    *out = d;
    return MM_SPEECH_OK;
}

static void clear_words(mm_speech *d) {
    for (int i = 0; i < d->count; i++) free(d->words[i].text);
    d->count = 0;
}

void mm_speech_close(mm_speech *d) {
    if (!d) return;
    clear_words(d);
    free(d->words);
    free(d->cmn_start);
    ps_free(d->ps);
    cmd_ln_free_r(d->config);
    free(d);
}

int mm_speech_frame_rate(const mm_speech *d) { return d->frame_rate; }

int mm_speech_start_stream(mm_speech *d) {
    feat_t *feat = ps_get_feat(d->ps);
    if (d->cmn_start && feat && feat->cmn_struct && feat->cmn_struct->veclen == d->cmn_length) {
        cmn_live_set(feat->cmn_struct, d->cmn_start);
    }
    return ps_start_stream(d->ps) < 0 ? MM_SPEECH_ERR_DECODE : MM_SPEECH_OK;
}

int mm_speech_begin(mm_speech *d) {
    clear_words(d);
    return ps_start_utt(d->ps) < 0 ? MM_SPEECH_ERR_DECODE : MM_SPEECH_OK;
}

int mm_speech_feed(mm_speech *d, const int16_t *samples, size_t count, int *in_speech) {
    if (ps_process_raw(d->ps, samples, count, FALSE, FALSE) < 0) return MM_SPEECH_ERR_DECODE;
    if (in_speech) *in_speech = ps_get_in_speech(d->ps) ? 1 : 0;
    return MM_SPEECH_OK;
}

/// Fillers (<s>, </s>, <sil>, [NOISE], ++GARBAGE++) are not words of the transcript.
static int is_filler(const char *word) {
    return word[0] == '<' || word[0] == '[' || word[0] == '+' || word[0] == '\0';
}

int mm_speech_finish(mm_speech *d) {
    clear_words(d);
    if (ps_end_utt(d->ps) < 0) return -MM_SPEECH_ERR_DECODE;
    for (ps_seg_t *seg = ps_seg_iter(d->ps); seg; seg = ps_seg_next(seg)) {
        const char *word = ps_seg_word(seg);
        if (!word || is_filler(word)) continue;
        // Alternative pronunciations are spelled `word(2)`.
        size_t length = strcspn(word, "(");
        if (length == 0) continue;
        if (d->count == d->capacity) {
            int capacity = d->capacity ? d->capacity * 2 : 32;
            mm_word *grown = realloc(d->words, (size_t)capacity * sizeof *grown);
            if (!grown) {
                ps_seg_free(seg);
                return -MM_SPEECH_ERR_MEMORY;
            }
            d->words = grown;
            d->capacity = capacity;
        }
        char *text = strndup(word, length);
        if (!text) {
            ps_seg_free(seg);
            return -MM_SPEECH_ERR_MEMORY;
        }
        int start = 0, end = 0;
        ps_seg_frames(seg, &start, &end);
        d->words[d->count++] = (mm_word){text, start, end};
    }
    return d->count;
}

const char *mm_speech_word(const mm_speech *d, int index, int *start_frame, int *end_frame) {
    if (index < 0 || index >= d->count) return NULL;
    if (start_frame) *start_frame = d->words[index].start;
    if (end_frame) *end_frame = d->words[index].end;
    return d->words[index].text;
}
