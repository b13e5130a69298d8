#include "vector_graph.h"
#include "shared_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MMS_X86 1
#else
#define MMS_X86 0
#endif

// ---------------------------------------------------------------------------------------------
// One int8 dot product of two rows: exact in int32 (values in [-127, 127], dim ≤ 65536).

/// The products the graph orders by: int8 pairs, and f32 pairs for inserts over f32 rows.
typedef struct {
    mms_dot_i8_pair i8;
    mms_dot_f32_pair f32;
} kernels;

/// What `mms_graph_limit_isa` allows: 0 everything, 1 up to AVX2, 2 plain C.
static int isa_cap = 0;

#if MMS_X86
#define AVX2 __attribute__((target("avx2")))
#define VNNI __attribute__((target("avx2,avx512f,avx512vl,avx512vnni")))

AVX2 static int32_t reduce8(__m256i v) {
    __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4e));
    x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xb1));
    return _mm_cvtsi128_si32(x);
}

// |a| is unsigned and b carries a's sign: |a|·sign(b, a) = a·b, four products of at most
// 127·127 added into each int32 lane by one `vpdpbusd`. (The AVX2 and plain C versions are
// kernels.c's, through shared_kernels.h.)
VNNI static int32_t pair_vnni(const int8_t *a, const int8_t *b, size_t d) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
    size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i y0 = _mm256_loadu_si256((const __m256i *)(b + i));
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(a + i + 32));
        __m256i y1 = _mm256_loadu_si256((const __m256i *)(b + i + 32));
        acc0 = _mm256_dpbusd_epi32(acc0, _mm256_abs_epi8(x0), _mm256_sign_epi8(y0, x0));
        acc1 = _mm256_dpbusd_epi32(acc1, _mm256_abs_epi8(x1), _mm256_sign_epi8(y1, x1));
    }
    for (; i + 32 <= d; i += 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(a + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(b + i));
        acc0 = _mm256_dpbusd_epi32(acc0, _mm256_abs_epi8(x), _mm256_sign_epi8(y, x));
    }
    int32_t sum = reduce8(_mm256_add_epi32(acc0, acc1));
    for (; i < d; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

static void prefetch_row(const int8_t *row, size_t bytes) {
    for (size_t o = 0; o < bytes; o += 64) _mm_prefetch((const char *)row + o, _MM_HINT_T0);
}
#else
static void prefetch_row(const int8_t *row, size_t bytes) { (void)row; (void)bytes; }
#endif

void mms_graph_limit_isa(int cap) { isa_cap = cap; }

static kernels choose_kernels(void) {
    kernels k = {mms_shared_dot_i8(isa_cap >= 2), mms_shared_dot_f32(isa_cap >= 2)};
#if MMS_X86
    if (isa_cap < 1 && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) k.i8 = pair_vnni;
#endif
    return k;
}

const char *mms_graph_isa(void) {
    mms_dot_i8_pair f = choose_kernels().i8;
#if MMS_X86
    if (f == pair_vnni) return "avx512vnni";
#endif
    return f == mms_shared_dot_i8(1) ? "portable" : "avx2";
}

// ---------------------------------------------------------------------------------------------
// Rows, lists and locks.

static inline const int8_t *row_of(const mms_graph *g, uint32_t r) { return g->codes + (size_t)r * g->stride; }

static inline float scale_of(const mms_graph *g, uint32_t r) {
    float s;
    memcpy(&s, row_of(g, r) + g->dim, sizeof s);
    return s;
}


/// Node's list on `level`, or NULL when the graph does not have one (a damaged file).
static inline uint32_t *list_of(const mms_graph *g, uint32_t node, int level) {
    if (level == 0) return g->base + (size_t)node * (g->base_links + 1);
    if (level > g->levels[node]) return NULL;
    size_t at = (size_t)g->upper_at[node] + (size_t)(level - 1);
    if (at >= g->upper_lists) return NULL;
    return g->upper + at * (g->links + 1);
}

static inline uint32_t capacity_of(const mms_graph *g, int level) { return level == 0 ? g->base_links : g->links; }

static inline void lock_word(uint8_t *byte) {
    while (__atomic_exchange_n(byte, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(byte, __ATOMIC_RELAXED)) {
#if MMS_X86
            _mm_pause();
#endif
        }
    }
}

static inline void unlock_word(uint8_t *byte) { __atomic_store_n(byte, 0, __ATOMIC_RELEASE); }

static inline void lock_node(const mms_graph *g, uint32_t node) { if (g->locks) lock_word(g->locks + node); }
static inline void unlock_node(const mms_graph *g, uint32_t node) { if (g->locks) unlock_word(g->locks + node); }

static void lock_entry(mms_graph *g) {
    if (!g->locks) return;
    while (__atomic_exchange_n(&g->entry_lock, 1, __ATOMIC_ACQUIRE)) {
#if MMS_X86
        _mm_pause();
#endif
    }
}

static void unlock_entry(mms_graph *g) { if (g->locks) __atomic_store_n(&g->entry_lock, 0, __ATOMIC_RELEASE); }

// ---------------------------------------------------------------------------------------------
// Scratch: visited marks (a stamp per node, so clearing is one increment) and two heaps.

typedef struct {
    float score;
    uint32_t row;
} item;

typedef struct {
    item *items;
    size_t count, capacity;
} heap;

struct mms_graph_scratch {
    uint32_t *marks;
    uint32_t capacity;
    uint32_t stamp;
    heap frontier;  // best first: the nodes still to expand
    heap found;     // worst first: the ef best so far
    uint32_t *links;  // a copy of one list
    uint32_t *fresh;  // a list's unvisited rows
    item *sorted;
    size_t sorted_capacity;
};

mms_graph_scratch *mms_graph_scratch_create(uint32_t capacity) {
    mms_graph_scratch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->marks = calloc(capacity ? capacity : 1, sizeof *s->marks);
    s->links = malloc(sizeof(uint32_t) * 1025);
    s->fresh = malloc(sizeof(uint32_t) * 1025);
    if (!s->marks || !s->links || !s->fresh) {
        mms_graph_scratch_destroy(s);
        return NULL;
    }
    s->capacity = capacity;
    return s;
}

void mms_graph_scratch_destroy(mms_graph_scratch *s) {
    if (!s) return;
    free(s->marks);
    free(s->links);
    free(s->fresh);
    free(s->frontier.items);
    free(s->found.items);
    free(s->sorted);
    free(s);
}

/// Starts a new set of visited marks.
static void new_visit(mms_graph_scratch *s) {
    if (++s->stamp == 0) {
        memset(s->marks, 0, sizeof *s->marks * (s->capacity ? s->capacity : 1));
        s->stamp = 1;
    }
}

static inline int visit(mms_graph_scratch *s, uint32_t row) {
    if (s->marks[row] == s->stamp) return 0;
    s->marks[row] = s->stamp;
    return 1;
}

static int reserve(heap *h, size_t count) {
    if (count <= h->capacity) return 1;
    size_t capacity = h->capacity ? h->capacity * 2 : 256;
    while (capacity < count) capacity *= 2;
    item *items = realloc(h->items, capacity * sizeof *items);
    if (!items) return 0;
    h->items = items;
    h->capacity = capacity;
    return 1;
}

// `better(a, b)` orders the heap's root: the highest score for the frontier, the lowest for found.
#define DEFINE_HEAP(name, above)                                                          \
    static inline void name##_push(heap *h, item x) {                                     \
        if (!reserve(h, h->count + 1)) return;                                            \
        size_t i = h->count++;                                                            \
        while (i > 0) {                                                                   \
            size_t p = (i - 1) / 2;                                                       \
            if (!(above(x, h->items[p]))) break;                                          \
            h->items[i] = h->items[p];                                                    \
            i = p;                                                                        \
        }                                                                                 \
        h->items[i] = x;                                                                  \
    }                                                                                     \
    static inline item name##_pop(heap *h) {                                              \
        item top = h->items[0], x = h->items[--h->count];                                 \
        size_t i = 0, n = h->count;                                                       \
        for (;;) {                                                                        \
            size_t c = 2 * i + 1;                                                         \
            if (c >= n) break;                                                            \
            if (c + 1 < n && above(h->items[c + 1], h->items[c])) c++;                    \
            if (!(above(h->items[c], x))) break;                                          \
            h->items[i] = h->items[c];                                                    \
            i = c;                                                                        \
        }                                                                                 \
        if (n) h->items[i] = x;                                                           \
        return top;                                                                       \
    }

#define HIGHER(a, b) ((a).score > (b).score || ((a).score == (b).score && (a).row < (b).row))
#define LOWER(a, b) ((a).score < (b).score || ((a).score == (b).score && (a).row > (b).row))
DEFINE_HEAP(frontier, HIGHER)
DEFINE_HEAP(found, LOWER)

// ---------------------------------------------------------------------------------------------
// Walking the graph.

typedef struct {
    const int8_t *codes;
    float scale;
    const float *exact;  // the probe's f32 row, when the graph orders by f32 rows
    const kernels *dot;
} probe;

static inline const float *exact_of(const mms_graph *g, uint32_t r) { return g->exact + (size_t)r * g->exact_stride; }

static inline float score(const mms_graph *g, const probe *p, uint32_t r) {
    if (p->exact) return p->dot->f32(p->exact, exact_of(g, r), g->dim);
    return (float)p->dot->i8(p->codes, row_of(g, r), g->dim) * p->scale * scale_of(g, r);
}

/// Two rows of the graph, as inserts order them.
static inline float pair_score(const mms_graph *g, const kernels *dot, uint32_t a, uint32_t b) {
    if (g->exact) return dot->f32(exact_of(g, a), exact_of(g, b), g->dim);
    return (float)dot->i8(row_of(g, a), row_of(g, b), g->dim) * scale_of(g, a) * scale_of(g, b);
}

float mms_graph_score(const mms_graph *g, uint32_t a, uint32_t b) {
    kernels k = choose_kernels();
    return pair_score(g, &k, a, b);
}

/// Copies node's list on `level` into s->links (under the node's lock while building);
/// returns its length, 0 for a list the graph lacks. Counts beyond the list are cut.
static uint32_t read_list(const mms_graph *g, mms_graph_scratch *s, uint32_t node, int level) {
    const uint32_t *list = list_of(g, node, level);
    if (!list) return 0;
    lock_node(g, node);
    uint32_t n = list[0], cap = capacity_of(g, level);
    if (n > cap) n = cap;
    memcpy(s->links, list + 1, n * sizeof *list);
    unlock_node(g, node);
    return n;
}

/// Greedy descent on one level: the neighbour closest to the probe until none is closer.
static item greedy(const mms_graph *g, mms_graph_scratch *s, const probe *p, item at, int level) {
    for (int changed = 1; changed;) {
        changed = 0;
        uint32_t n = read_list(g, s, at.row, level);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = s->links[i];
            if (r >= g->count) continue;
            float x = score(g, p, r);
            if (x > at.score) {
                at = (item){x, r};
                changed = 1;
            }
        }
    }
    return at;
}

/// The `ef` nodes of `level` closest to the probe reachable from `entries` (in s->found,
/// worst first).
static void search_level(const mms_graph *g, mms_graph_scratch *s, const probe *p, const item *entries,
                         size_t n_entries, uint32_t ef, int level) {
    new_visit(s);
    s->frontier.count = 0;
    s->found.count = 0;
    for (size_t i = 0; i < n_entries; i++) {
        if (!visit(s, entries[i].row)) continue;
        frontier_push(&s->frontier, entries[i]);
        found_push(&s->found, entries[i]);
        if (s->found.count > ef) found_pop(&s->found);
    }
    size_t bytes = g->stride;
    while (s->frontier.count) {
        item c = frontier_pop(&s->frontier);
        if (s->found.count >= ef && c.score < s->found.items[0].score) break;
        uint32_t n = read_list(g, s, c.row, level), fresh = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = s->links[i];
            if (r < g->count && visit(s, r)) {
                s->fresh[fresh++] = r;
                prefetch_row(row_of(g, r), bytes);
            }
        }
        for (uint32_t i = 0; i < fresh; i++) {
            uint32_t r = s->fresh[i];
            float x = score(g, p, r);
            if (s->found.count < ef || x > s->found.items[0].score) {
                item e = {x, r};
                frontier_push(&s->frontier, e);
                found_push(&s->found, e);
                if (s->found.count > ef) found_pop(&s->found);
            }
        }
    }
}

/// s->found emptied into s->sorted, best first; returns how many.
static size_t drain_sorted(mms_graph_scratch *s) {
    size_t n = s->found.count;
    if (n > s->sorted_capacity) {
        item *sorted = realloc(s->sorted, n * sizeof *sorted);
        if (!sorted) return 0;
        s->sorted = sorted;
        s->sorted_capacity = n;
    }
    for (size_t i = n; i > 0; i--) s->sorted[i - 1] = found_pop(&s->found);
    return n;
}

/// Entry points of the bottom walk (see `mms_graph_search`).
#define UPPER_ENTRIES 16

size_t mms_graph_search(const mms_graph *g, mms_graph_scratch *s, const int8_t *query, float scale,
                        uint32_t ef, uint32_t *rows, float *scores) {
    if (g->top < 0 || g->entry >= g->count || ef == 0 || g->count > s->capacity) return 0;
    kernels dot = choose_kernels();
    probe p = {query, scale, NULL, &dot};
    int top = g->top > g->levels[g->entry] ? g->levels[g->entry] : g->top;
    item at = {score(g, &p, g->entry), g->entry};
    for (int level = top; level > 1; level--) at = greedy(g, s, &p, at, level);
    // Level 1 (one node in m) is walked for its UPPER_ENTRIES nearest, not its one nearest:
    // the bottom walk then starts from several places, and a tight group of rows that has few
    // links in is reached from whichever is near it. On 1M vectors made from real embeddings
    // this took recall@10 from 0.987 to 0.997 at width 384 for 1 % more time.
    item entries[UPPER_ENTRIES];
    size_t n_entries = 1;
    entries[0] = at;
    if (top >= 1) {
        search_level(g, s, &p, &at, 1, UPPER_ENTRIES, 1);
        n_entries = drain_sorted(s);
        memcpy(entries, s->sorted, n_entries * sizeof *entries);
    }
    search_level(g, s, &p, entries, n_entries, ef, 0);
    size_t n = drain_sorted(s);
    for (size_t i = 0; i < n; i++) {
        rows[i] = s->sorted[i].row;
        scores[i] = s->sorted[i].score;
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// Building.

/// Keeps at most `keep` of `candidates` (best first) by the HNSW heuristic: a candidate is
/// kept when it is closer to the base than to every candidate kept before it, so the links
/// spread in every direction instead of bunching in the nearest cluster. Returns the count.
/// (Topping the list up with the candidates it passed over, the paper's "keep pruned
/// connections", did not raise recall on 1M real-derived vectors and made walks slower.)
static uint32_t select_neighbours(const mms_graph *g, const kernels *dot, const item *candidates, size_t n,
                                  uint32_t keep, uint32_t *out) {
    uint32_t kept = 0;
    for (size_t i = 0; i < n && kept < keep; i++) {
        const item c = candidates[i];
        int good = 1;
        for (uint32_t j = 0; j < kept && good; j++)
            if (pair_score(g, dot, c.row, out[j]) > c.score) good = 0;
        if (good) out[kept++] = c.row;
    }
    return kept;
}

static int by_score_desc(const void *a, const void *b) {
    const item *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/// Adds `node` to `neighbour`'s list on `level`; a full list is pruned by the heuristic.
static void link_back(mms_graph *g, const kernels *dot, uint32_t neighbour, uint32_t node, int level) {
    uint32_t *list = list_of(g, neighbour, level);
    if (!list) return;
    uint32_t cap = capacity_of(g, level);
    lock_node(g, neighbour);
    uint32_t n = list[0] > cap ? cap : list[0];
    int present = 0;
    for (uint32_t i = 0; i < n; i++) present |= list[i + 1] == node;
    if (!present) {
        if (n < cap) {
            list[1 + n] = node;
            list[0] = n + 1;
        } else {
            item candidates[1025];
            for (uint32_t i = 0; i <= n; i++) {
                uint32_t r = i < n ? list[i + 1] : node;
                candidates[i] = (item){pair_score(g, dot, neighbour, r), r};
            }
            qsort(candidates, n + 1, sizeof *candidates, by_score_desc);
            uint32_t kept[1024];
            uint32_t k = select_neighbours(g, dot, candidates, n + 1, cap, kept);
            memcpy(list + 1, kept, k * sizeof *kept);
            list[0] = k;
        }
    }
    unlock_node(g, neighbour);
}

void mms_graph_insert(mms_graph *g, mms_graph_scratch *s, uint32_t node, uint32_t ef) {
    if (node >= g->count || g->count > s->capacity || g->links > 1024 || g->base_links > 1024) return;
    kernels dot = choose_kernels();
    probe p = {row_of(g, node), scale_of(g, node), g->exact ? exact_of(g, node) : NULL, &dot};
    int level = g->levels[node];

    lock_entry(g);
    uint32_t entry = g->entry;
    int top = g->top;
    if (top < 0) {
        g->entry = node;
        g->top = level;
        unlock_entry(g);
        return;
    }
    unlock_entry(g);

    item at = {score(g, &p, entry), entry};
    for (int l = top; l > level; l--) at = greedy(g, s, &p, at, l);

    item *entries = malloc(sizeof(item));
    size_t n_entries = 1;
    if (!entries) return;
    entries[0] = at;
    for (int l = level < top ? level : top; l >= 0; l--) {
        search_level(g, s, &p, entries, n_entries, ef, l);
        size_t n = drain_sorted(s);
        uint32_t cap = capacity_of(g, l);
        uint32_t chosen[1024];
        // As in hnswlib: m links of its own on every level; lists of level 0 take up to m0
        // as later nodes link back.
        uint32_t k = select_neighbours(g, &dot, s->sorted, n, g->links > cap ? cap : g->links, chosen);
        uint32_t *list = list_of(g, node, l);
        if (list) {
            lock_node(g, node);
            memcpy(list + 1, chosen, k * sizeof *chosen);
            list[0] = k;
            unlock_node(g, node);
        }
        for (uint32_t i = 0; i < k; i++) link_back(g, &dot, chosen[i], node, l);
        item *next = realloc(entries, (n ? n : 1) * sizeof *entries);
        if (!next) break;
        entries = next;
        memcpy(entries, s->sorted, n * sizeof *entries);
        n_entries = n;
    }
    free(entries);

    if (level > top) {
        lock_entry(g);
        if (level > g->top) {
            g->entry = node;
            g->top = level;
        }
        unlock_entry(g);
    }
}
