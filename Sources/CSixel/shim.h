// libsixel (Debian's libsixel-dev): colour quantisation and sixel encoding, for MMMedia's
// terminal previews (`TerminalPicture`). Its constants are expressions Swift cannot import
// (`SIXEL_PIXELFORMAT_RGB888` is `SIXEL_FORMATTYPE_COLOR | 0x03`), so they are named here.
#include <sixel.h>

static inline int mm_sixel_failed(SIXELSTATUS status) { return SIXEL_FAILED(status); }
static const int mm_sixel_pixelformat_rgb888 = SIXEL_PIXELFORMAT_RGB888;
static const int mm_sixel_large_auto = SIXEL_LARGE_AUTO;
static const int mm_sixel_rep_auto = SIXEL_REP_AUTO;
static const int mm_sixel_quality_auto = SIXEL_QUALITY_AUTO;
static const int mm_sixel_bad_allocation = SIXEL_BAD_ALLOCATION;
