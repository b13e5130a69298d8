#ifndef MMSEARCH_CCODECS_H
#define MMSEARCH_CCODECS_H
/// Version of the codec shim's interface.
int mm_codecs_version(void);
#endif
