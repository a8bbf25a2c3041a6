// OpenBLAS CBLAS interface (Debian: libopenblas-dev, pthread flavour).
#include <cblas.h>
// Declared by OpenBLAS; repeated here so the shim does not depend on openblas_config.h.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel family OpenBLAS's DYNAMIC_ARCH build chose at load time ("Haswell", "SkylakeX",
// "Prescott", …) and its build configuration string (version, options).
char *openblas_get_corename(void);
char *openblas_get_config(void);
