// Tesseract 5 (Debian's libtesseract-dev) through its C API: MMMedia's `TextRecognizer` sets
// raw grey pixels, analyses the layout (the cheap gate), recognises under a deadline (an
// ETEXT_DESC monitor) and walks the result by text line.
#include <tesseract/capi.h>
