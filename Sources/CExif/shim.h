// libexif (Debian's libexif-dev): the EXIF block of a JPEG, parsed into IFDs and entries.
// MMMedia's `PhotoMetadata` reads the few tags mmsearch uses and checks every value itself.
#include <libexif/exif-data.h>
#include <libexif/exif-loader.h>
#include <libexif/exif-utils.h>
