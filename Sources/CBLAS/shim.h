// OpenBLAS's CBLAS interface plus its threading controls (openblas_set_num_threads).
#include <cblas.h>
