import MMSearchKit
import GRDB

/// The catalog's keyword index, an SQLite FTS5 table kept in step with the file, chunk and
/// label tables by triggers, so every write that changes them (index runs, moves, deletions,
/// failures, labelling) changes it in the same transaction:
///
///     text_search (path, labels, body)    rowid = file_id · 2²⁰ + part
///
/// Part 0 is the file: the words of its path (`SearchWords`) and its labels; part i + 1 is
/// chunk i of a text file: its text. Compaction moves vectors, not files or chunks, so it needs
/// nothing here. Ranking is BM25 (FTS5's `bm25()`).
enum TextSearchIndex {
    /// Rowids per file: a file has at most this many minus one chunks in the index.
    static let partsPerFile: Int64 = 1 << 20
    /// The SQL function that turns a path into its words; every connection has it (the
    /// triggers call it).
    static let pathWordsFunction = "mms_path_words"

    /// Gives a connection the functions the triggers call.
    static func prepare(_ db: Database) {
        db.add(function: DatabaseFunction(pathWordsFunction, argumentCount: 1, pure: true) { values in
            guard let path = String.fromDatabaseValue(values[0]) else { return nil }
            return SearchWords.pathText(path)
        })
    }

    /// A keyword match: the vector-file row it stands for, best first.
    struct Match: Sendable, Equatable {
        let row: Int
        /// FTS5's BM25 score (lower is better).
        let bm25: Double
    }

    /// BM25 scores closer to 0 than this are no match: FTS5 floors the IDF of a word found in
    /// at least half of the indexed parts at 1e-6, so such a score says only that a common word
    /// matched (a folder every file is in, the user's name in every path). Kept, those matches
    /// would reorder the fused ranking by nothing but their row order.
    static let weakestScore = 1e-4

    /// The rows of `space` whose file (path words, labels) or chunk (text) matches `expression`
    /// (an FTS5 query, see `SearchWords.matchExpression`), best BM25 first, at most `limit` of
    /// those `accepts` lets through. A file match stands for the file's first row (a text
    /// file's first chunk). Matches on common words only are left out (`weakestScore`).
    static func matches(_ expression: String, space: Int64, limit: Int, in db: Database,
                        accepts: (Int) -> Bool) throws -> [Match] {
        guard limit > 0 else { return [] }
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT t.rowid, bm25(text_search) AS score, f.vector_row, f.vector_count
            FROM text_search t JOIN file f ON f.id = t.rowid / \(partsPerFile)
            WHERE text_search MATCH ? AND f.space_id = ? AND f.status = 'ok' AND f.vector_row IS NOT NULL
                  AND bm25(text_search) <= ?
            ORDER BY score
            """, arguments: [expression, space, -weakestScore])
        var found: [Match] = []
        var seen = Set<Int>()
        while let row = try cursor.next(), found.count < limit {
            let rowid: Int64 = row[0]
            let first: Int = row[2]
            let count: Int = row[3]
            let part = Int(rowid % partsPerFile)
            let index = part == 0 ? 0 : part - 1
            let rows = Catalog.rows(first: first, count: count)
            guard index < rows.count else { continue }
            let fileRow = rows.lowerBound + index
            guard accepts(fileRow), seen.insert(fileRow).inserted else { continue }
            found.append(Match(row: fileRow, bm25: row[1]))
        }
        return found
    }
}
