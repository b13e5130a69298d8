// Tesseract 5 (Debian's libtesseract-dev) through its C API: MMMedia's `TextRecognizer` sets
// raw grey pixels, analyses the layout (the cheap gate), recognises under a deadline (an
// ETEXT_DESC monitor) and walks the result by word.
#include <tesseract/capi.h>

// Leptonica (under Tesseract) prints its own errors to stderr ("Error in boxClipToRectangle")
// for harmless geometry on odd images; this sets the lowest severity it prints (6: none).
// Declared here rather than through leptonica's allheaders.h, which Swift need not import.
extern int setMsgSeverity(int newsev);
#define MM_LEPTONICA_SEVERITY_NONE 6
