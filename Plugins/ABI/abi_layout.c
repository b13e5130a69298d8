/* Compile-time checks that pin the parts of the ABI that must never move (see
 * include/mmsearch_plugin.h, "VERSIONING"): the version is the first field of both structs,
 * so a host can read it from a descriptor of any ABI version. */
#include <stddef.h>
#include "mmsearch_plugin.h"

_Static_assert(offsetof(mms_plugin, abi_version) == 0, "abi_version must be the first field of mms_plugin");
_Static_assert(offsetof(mms_host, abi_version) == 0, "abi_version must be the first field of mms_host");
_Static_assert(sizeof(((mms_plugin *)0)->abi_version) == 4, "abi_version is 32 bits");
