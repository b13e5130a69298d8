import Foundation
import MMSearchKit
import PostgresNIO

/// The keyword index of hybrid search on PostgreSQL full-text search: one `tsvector` document
/// per file (the words of its path, `SearchWords`, and its labels) and per chunk (its text),
///
///     keyword_doc (file_id, part, space_id, words tsvector, length)   part 0: the file, i + 1: chunk i
///
/// written by the writer in the transaction that records the file (and by `replaceLabels`), and
/// ranked with the same BM25 as the embedded store's SQLite FTS5 index (k1 = 1.2, b = 0.75,
/// IDF = ln((N − n + 0.5) / (n + 0.5)) floored at 1e-6, scores below 1e-4 no match), so both
/// stores fuse the same keyword ranking. Documents are built from our own words with their
/// positions (a `tsvector` literal), so the index holds exactly the words the embedded one does.
enum KeywordIndex {
    /// FTS5's `bm25()` parameters and its weakest match (`TextSearchIndex.weakestScore`).
    static let k1 = 1.2
    static let b = 0.75
    static let weakestScore = 1e-4

    /// The words of a chunk's text as FTS5's `unicode61` tokenizer cuts them: runs of letters
    /// and digits, lower-cased.
    static func bodyWords(_ text: String) -> [String] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map { $0.lowercased() }
    }

    /// The words of a file's document: its path's words and its labels' words.
    static func fileWords(path: String, labels: [String]) -> [String] {
        SearchWords.words(path) + labels.flatMap(bodyWords)
    }

    /// `words` as a `tsvector` literal with each word's positions (1-based, at most PostgreSQL's
    /// 16 383; a word keeps at most 256 positions, as `tsvector` does).
    static func document(_ words: [String]) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        for (i, word) in words.enumerated() {
            if positions[word] == nil { order.append(word) }
            if positions[word, default: []].count < 256 { positions[word, default: []].append(min(i + 1, 16_383)) }
        }
        return order.map { word in
            quoted(word) + ":" + positions[word]!.map(String.init).joined(separator: ",")
        }.joined(separator: " ")
    }

    /// A word as a lexeme in `tsvector` and `tsquery` input: quoted, `'` and `\` escaped.
    static func quoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Documents to write: for files (part 0) and chunks (part i + 1).
    struct Documents {
        var files: [Int64] = []
        var parts: [Int32] = []
        var texts: [String] = []
        var lengths: [Int32] = []

        mutating func add(file: Int64, part: Int, words: [String]) {
            files.append(file)
            parts.append(Int32(part))
            texts.append(KeywordIndex.document(words))
            lengths.append(Int32(words.count))
        }
    }

    static func insert(_ documents: Documents, space: Int64, in session: PostgresSession) throws {
        guard !documents.files.isEmpty else { return }
        try session.run("""
            INSERT INTO mmsearch.keyword_doc (file_id, part, space_id, words, length)
            SELECT f, p, \(space), w::tsvector, l
            FROM unnest(\(documents.files)::bigint[], \(documents.parts)::integer[], \(documents.texts)::text[],
                        \(documents.lengths)::integer[]) AS t(f, p, w, l)
            ON CONFLICT (file_id, part) DO UPDATE SET words = excluded.words, length = excluded.length
            """)
    }

    /// Rewrites the file documents (part 0) of `files` from their paths and labels as they are
    /// now; files that are not `ok` have none.
    static func refreshFileDocuments(_ files: [Int64], in session: PostgresSession) throws {
        guard !files.isEmpty else { return }
        try session.run("DELETE FROM mmsearch.keyword_doc WHERE part = 0 AND file_id = ANY(\(files))")
        var bySpace: [Int64: Documents] = [:]
        for row in try session.query("""
            SELECT f.id, f.space_id, f.path,
                   coalesce((SELECT array_agg(l.name ORDER BY l.name) FROM mmsearch.label l WHERE l.file_id = f.id), '{}')
            FROM mmsearch.file f WHERE f.id = ANY(\(files)) AND f.status = 'ok'
            """) {
            let (id, space, path, labels) = try row.decode((Int64, Int64, String, [String]).self)
            bySpace[space, default: Documents()].add(file: id, part: 0, words: fileWords(path: path, labels: labels))
        }
        for (space, documents) in bySpace { try insert(documents, space: space, in: session) }
    }

    /// A match: a document's file and part, with its BM25 score (higher is better).
    struct Match {
        let file: Int64
        let part: Int
        let score: Double
    }

    /// The documents of `space` that match any of `words` (distinct: `SearchWords.queryWords`),
    /// best BM25 first, through the
    /// filters (`files`: only these files; `modalities`: only rows of these), documents whose
    /// file has no such row left out. `fetch` runs the statement (a snapshot's, which names
    /// unreachable shards).
    static func matches(_ words: [String], space: SpaceRecord, files: [Int64]?, modalities: [String]?,
                        fetch: (PostgresQuery) throws -> [PostgresRow]) throws -> [(match: Match, row: Int64)] {
        guard !words.isEmpty else { return [] }
        let query = words.map(quoted).joined(separator: " | ")
        let table = try VectorTables.table(of: space)
        return try fetch("""
            WITH q AS (SELECT unnest(\(words)::text[]) AS word),
            total AS (SELECT count(*)::float8 AS n, greatest(coalesce(avg(length), 0), 1e-9)::float8 AS avgdl
                      FROM mmsearch.keyword_doc WHERE space_id = \(space.id)),
            idf AS (SELECT q.word,
                           CASE WHEN ln((t.n - c.n + 0.5) / (c.n + 0.5)) <= 0 THEN 1e-6
                                ELSE ln((t.n - c.n + 0.5) / (c.n + 0.5)) END AS idf
                    FROM q CROSS JOIN total t
                    CROSS JOIN LATERAL (SELECT count(*)::float8 AS n FROM mmsearch.keyword_doc d
                                        WHERE d.space_id = \(space.id) AND d.words @@ quote_literal(q.word)::tsquery) c),
            scored AS (
                SELECT d.file_id, d.part,
                       sum(i.idf * (u.tf * \(k1 + 1)) / (u.tf + \(k1) * (1 - \(b) + \(b) * d.length / t.avgdl))) AS score
                FROM mmsearch.keyword_doc d CROSS JOIN total t
                CROSS JOIN LATERAL (SELECT lexeme, cardinality(positions)::float8 AS tf FROM unnest(d.words)) u
                JOIN idf i ON i.word = u.lexeme
                WHERE d.space_id = \(space.id) AND d.words @@ \(query)::tsquery
                  AND (\(files)::bigint[] IS NULL OR d.file_id = ANY(\(files)::bigint[]))
                GROUP BY d.file_id, d.part)
            SELECT s.file_id, s.part, s.score, r.id
            FROM scored s
            JOIN mmsearch.file f ON f.id = s.file_id AND f.status = 'ok'
            JOIN \(unescaped: table) r ON r.file_id = s.file_id AND r.part = greatest(s.part - 1, 0)
            WHERE s.score >= \(weakestScore) AND (\(modalities)::text[] IS NULL OR r.modality = ANY(\(modalities)::text[]))
            ORDER BY s.score DESC, s.file_id, s.part
            """).map { row in
            let (file, part, score, id) = try row.decode((Int64, Int32, Double, Int64).self)
            return (Match(file: file, part: Int(part), score: score), id)
        }
    }
}
