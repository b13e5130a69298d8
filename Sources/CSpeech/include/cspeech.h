#ifndef CSPEECH_H
#define CSPEECH_H

// A small C face over pocketsphinx 5prealpha for Swift: its configuration is built with a
// variadic call Swift cannot make, and its word segments are iterated with pointers valid only
// until the next step. Here a decoder is opened from three model paths, fed 16 kHz 16-bit mono
// samples stream by stream (a file each) and utterance by utterance, and each finished utterance's words are copied out.
//
// A decoder is not thread-safe: use each from one thread at a time. Different decoders may run
// on different threads at once.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_speech mm_speech;

enum {
    MM_SPEECH_OK = 0,
    /// The model could not be loaded (missing or damaged files).
    MM_SPEECH_ERR_MODEL = 1,
    /// The decoder refused a call (out of order, or an internal error).
    MM_SPEECH_ERR_DECODE = 2,
    MM_SPEECH_ERR_MEMORY = 3,
};

/// Opens a decoder with the acoustic model folder `hmm`, the n-gram language model `lm` and the
/// pronunciation dictionary `dict`. pocketsphinx's own log is silenced (it goes to stderr
/// otherwise); on failure `message` says which step failed.
int mm_speech_open(const char *hmm, const char *lm, const char *dict, mm_speech **out,
                   char *message, size_t capacity);
void mm_speech_close(mm_speech *decoder);

/// Frames per second of the word times (100 for the usual models).
int mm_speech_frame_rate(const mm_speech *decoder);

/// Starts a new stream (a new file): noise levels are estimated afresh, and word frames are
/// counted from the stream's first sample (across its utterances).
int mm_speech_start_stream(mm_speech *decoder);
/// Starts an utterance.
int mm_speech_begin(mm_speech *decoder);
/// Feeds samples of the current utterance; `in_speech` is set to 1 when the voice activity
/// detector hears speech in what was fed so far in this utterance's latest block.
int mm_speech_feed(mm_speech *decoder, const int16_t *samples, size_t count, int *in_speech);
/// Ends the utterance and keeps its words (fillers and silences left out): returns their
/// number, or a negative value on error.
int mm_speech_finish(mm_speech *decoder);
/// Word `index` of the last finished utterance, with its first and last frame counted from
/// the start of the stream; NULL when out of range.
const char *mm_speech_word(const mm_speech *decoder, int index, int *start_frame, int *end_frame);

#ifdef __cplusplus
}
#endif

#endif
