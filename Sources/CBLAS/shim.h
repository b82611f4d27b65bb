#include <cblas.h>
// OpenBLAS extensions: thread control for --threads.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

// Subnormal floats flushed to zero on the calling thread: results (FTZ, MXCSR bit 15) and inputs (DAZ, bit 6).
// The SSE/AVX control word is per thread; the products (OpenBLAS, oneDNN's JIT kernels) read it too.
// Returns the word as it was, for explaind_restore_float_control.
#if defined(__x86_64__)
#include <xmmintrin.h>
static inline unsigned explaind_flush_subnormals(void) {
    unsigned previous = _mm_getcsr();
    _mm_setcsr(previous | 0x8040);
    return previous;
}
static inline void explaind_restore_float_control(unsigned previous) { _mm_setcsr(previous); }
#else
static inline unsigned explaind_flush_subnormals(void) { return 0; }
static inline void explaind_restore_float_control(unsigned previous) { (void)previous; }
#endif
