#include "ccodecs.h"

int mm_codecs_version(void) { return 2; }
