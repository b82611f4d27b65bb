#include <oneapi/dnnl/dnnl.h>

// OpenMP (libgomp), which Debian's oneDNN threads with: its thread count is set per calling thread.
void omp_set_num_threads(int num_threads);

// Two-dimensional f32 memory descriptors, without Swift handling dnnl_dims_t's twelve-element tuples.
static inline dnnl_status_t explaind_matrix_desc(dnnl_memory_desc_t *desc, int64_t rows, int64_t columns,
                                                 int64_t row_stride, int64_t column_stride) {
    dnnl_dims_t dims = {rows, columns}, strides = {row_stride, column_stride};
    return dnnl_memory_desc_init_by_strides(desc, 2, dims, dnnl_f32, strides);
}

// A descriptor whose layout the primitive chooses (dnnl_format_tag_any).
static inline dnnl_status_t explaind_any_matrix_desc(dnnl_memory_desc_t *desc, int64_t rows, int64_t columns) {
    dnnl_dims_t dims = {rows, columns};
    return dnnl_memory_desc_init_by_tag(desc, 2, dims, dnnl_f32, dnnl_format_tag_any);
}

// The same memory seen with its two axes swapped (a packed B as the inner product's weights).
static inline dnnl_status_t explaind_swap_axes(dnnl_memory_desc_t *out, const dnnl_memory_desc_t *in) {
    int permutation[2] = {1, 0};
    return dnnl_memory_desc_permute_axes(out, in, permutation);
}

// DNNL_MEMORY_ALLOCATE, a pointer macro Swift does not import.
static inline void *explaind_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
