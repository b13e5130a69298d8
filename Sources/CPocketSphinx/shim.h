// pocketsphinx 5prealpha (Debian bookworm's libpocketsphinx-dev): the decoder, and sphinxbase's
// configuration and logging. Swift code uses CSpeech, which wraps what is needed here; this
// module exists so that the C shim gets pkg-config's include paths and link flags.
#include <pocketsphinx.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/err.h>
#include <sphinxbase/feat.h>
