#ifndef MMSEARCH_VECTOR_GRAPH_H
#define MMSEARCH_VECTOR_GRAPH_H

// The inner loops of the approximate index: an HNSW graph (Malkov & Yashunin, 2018) over the
// int8 twin of a vector file. Each node is a row; its neighbour lists are row numbers. Searches
// walk on int8 dot products (`q · r` in integers, times both rows' scales): a row of 384 values
// is 388 bytes, a quarter of its f32 row, so a walk touches a quarter of the memory. The caller
// rescores what a search returns with the exact rows. Inserts order by the f32 rows when they
// are given (`exact`), by the codes otherwise.
//
// Memory layout (what the index file holds, see `GraphFile` on the Swift side):
//   levels[n]          the top level of each node (0 for most)
//   upper_at[n]        where node i's level-1 list starts in `upper`, in lists; its level-l
//                      list is list upper_at[i] + l - 1
//   base[n * (m0+1)]   level-0 lists: a count, then up to m0 row numbers
//   upper[lists * (m+1)]  lists of levels 1 and above: a count, then up to m row numbers
//
// Searching never writes and checks every number it reads (row numbers below `count`, counts
// within their list, lists within `upper`), so a damaged graph gives poor results, never a
// read outside its arrays. Building writes only through `mms_graph_insert`.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mms_graph {
    /// Nodes 0 ..< count may be searched (and, when building, inserted).
    uint32_t count;
    /// Links per node on levels 1 and above (m), and on level 0 (m0, usually 2m).
    uint32_t links;
    uint32_t base_links;
    /// Values per row, and bytes from one row of `codes` to the next; a row's f32 scale
    /// follows its `dim` codes.
    uint32_t dim;
    size_t stride;
    const int8_t *codes;
    const uint8_t *levels;
    const uint32_t *upper_at;
    uint32_t *base;
    uint32_t *upper;
    /// Lists in `upper`.
    size_t upper_lists;
    /// The entry node and its level; top is -1 for a graph with no node yet.
    uint32_t entry;
    int32_t top;
    /// While building on several threads: one byte per node guarding its lists, and one word
    /// guarding `entry` and `top`. NULL (searching, or building on one thread): no locking.
    uint8_t *locks;
    uint32_t entry_lock;
    /// When building: the rows in f32 (`exact_stride` floats apart), which inserts then order
    /// by instead of the int8 codes; NULL: the codes.
    const float *exact;
    size_t exact_stride;
} mms_graph;

/// Per-thread working memory of searches and inserts on graphs of up to `capacity` nodes.
typedef struct mms_graph_scratch mms_graph_scratch;

mms_graph_scratch *mms_graph_scratch_create(uint32_t capacity);
void mms_graph_scratch_destroy(mms_graph_scratch *scratch);

/// The `ef` rows the graph finds closest to the query (int8 codes of `dim` values in [-127,
/// 127], and their scale), best first: row numbers into `rows`, approximate scores (int8 dot
/// product times both scales) into `scores`. Returns how many (fewer than `ef` only in a graph
/// of fewer nodes). `rows` and `scores` hold `ef` values.
size_t mms_graph_search(const mms_graph *graph, mms_graph_scratch *scratch, const int8_t *query,
                        float scale, uint32_t ef, uint32_t *rows, float *scores);

/// Inserts node `node` (its level is `levels[node]`, its upper lists reserved in `upper`,
/// every list of it empty), searching `ef` candidates on each level and keeping neighbours by
/// the HNSW heuristic. Several threads may insert different nodes at once when `locks` is set.
void mms_graph_insert(mms_graph *graph, mms_graph_scratch *scratch, uint32_t node, uint32_t ef);

/// The score of two rows as inserts order them: their f32 rows' product when `exact` is set,
/// their int8 codes' product times both scales otherwise.
float mms_graph_score(const mms_graph *graph, uint32_t a, uint32_t b);

/// Which dot product the graph uses on this CPU: "avx512vnni", "avx2" or "portable". For
/// tests, `mms_graph_limit_isa` keeps it below what the CPU has: 0 the best there is, 1 at
/// most AVX2, 2 portable.
const char *mms_graph_isa(void);
void mms_graph_limit_isa(int cap);

#ifdef __cplusplus
}
#endif

#endif
