import Foundation
import MMSearchKit
import PostgresNIO

/// Writes one space of a PostgreSQL index on a connection of its own. Several writers (index
/// runs on several machines) may write at once: every call is one transaction keyed by path,
/// and `claim` hands each file to one of them. A writer's claims are tied to its connection
/// (the server process serving it): when the writer is released, or its process is killed,
/// they are void.
final class PostgresWriter: SpaceWriter {
    let store: PostgresStore
    let session: PostgresSession
    let space: SpaceRecord
    /// What `files(under:)` told this writer about each path: the record's `indexed_at`, or nil
    /// for a path it had no record of. A file whose record changed since was committed by
    /// another writer.
    private var seen: [String: Double?] = [:]

    init(store: PostgresStore, session: PostgresSession, space: SpaceRecord) throws {
        self.store = store
        self.session = session
        self.space = space
    }

    deinit {
        if session.isUsable { _ = try? session.run("DELETE FROM mmsearch.claim WHERE pid = pg_backend_pid()") }
    }

    private var table: String { get throws { try VectorTables.table(of: space) } }

    // MARK: Reads

    func files(under roots: [String]) throws -> [String: FileRecord] {
        var known: [String: FileRecord] = [:]
        for root in roots {
            let inside = FilePaths.descendantBounds(of: root)
            for row in try session.query("""
                SELECT \(unescaped: FileRows.columns) FROM mmsearch.file
                WHERE space_id = \(space.id) AND (path = \(root) OR (path >= \(inside.from) AND path < \(inside.below)))
                """) {
                let record = try FileRows.record(row)
                if known[record.path] == nil { known[record.path] = record }
            }
        }
        for (path, record) in known { seen[path] = .some(record.indexedAt) }
        return known
    }

    func encoderFingerprints(under roots: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for root in roots {
            let inside = FilePaths.descendantBounds(of: root)
            for row in try session.query("""
                SELECT path, encoder FROM mmsearch.file
                WHERE space_id = \(space.id) AND encoder IS NOT NULL
                  AND (path = \(root) OR (path >= \(inside.from) AND path < \(inside.below)))
                """) {
                let (path, encoder) = try row.decode((String, String).self)
                result[path] = encoder
            }
        }
        return result
    }

    func file(path: String) throws -> FileRecord? {
        try session.query("""
            SELECT \(unescaped: FileRows.columns) FROM mmsearch.file WHERE space_id = \(space.id) AND path = \(path)
            """).first.map(FileRows.record)
    }

    func reusable(hash: UInt64, size: Int64, modality: Modality, encoder: String) throws -> FileRecord? {
        try session.query("""
            SELECT \(unescaped: FileRows.columns) FROM mmsearch.file
            WHERE space_id = \(space.id) AND content_hash = \(Int64(bitPattern: hash)) AND size = \(size)
              AND modality = \(modality.rawValue) AND status = 'ok' AND (encoder IS NULL OR encoder = \(encoder))
            ORDER BY id LIMIT 1
            """).first.map(FileRows.record)
    }

    // MARK: Claims

    /// Claims `files` for this writer and returns those it got: not claimed by another live
    /// writer, and not committed by another writer since this one read their records (those
    /// are done). A claim ends when the file is committed or the writer's connection ends.
    func claim(_ files: [ScannedFile]) throws -> [ScannedFile] {
        guard !files.isEmpty else { return [] }
        let claimed = Set(try session.query("""
            INSERT INTO mmsearch.claim (space_id, path, pid, backend_start)
            SELECT \(space.id), w.path, a.pid, a.backend_start
            FROM unnest(\(files.map(\.path))::text[]) AS w(path)
            CROSS JOIN (SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS a
            ON CONFLICT (space_id, path) DO UPDATE SET pid = excluded.pid, backend_start = excluded.backend_start
            WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity s
                              WHERE s.pid = claim.pid AND s.backend_start = claim.backend_start
                                AND s.pid <> pg_backend_pid())
            RETURNING path
            """).map { try $0.decode(String.self) })
        // Committed by another writer since this one looked: done.
        var done: [String] = []
        for row in try session.query("""
            SELECT path, indexed_at FROM mmsearch.file
            WHERE space_id = \(space.id) AND path = ANY(\(Array(claimed))) AND status = 'ok'
            """) {
            let (path, indexed) = try row.decode((String, Double).self)
            let before = seen[path] ?? nil
            if before.map({ $0 != indexed }) ?? true { done.append(path) }
        }
        if !done.isEmpty {
            try session.run("""
                DELETE FROM mmsearch.claim WHERE space_id = \(space.id) AND path = ANY(\(done)) AND pid = pg_backend_pid()
                """)
        }
        let mine = claimed.subtracting(done)
        return files.filter { mine.contains($0.path) }
    }

    func finish() throws {
        try VectorTables.ensureGraph(space, store: store, session: session)
    }

    func imagesWithoutPhotoDetails(under roots: [String]) throws -> [(id: Int64, path: String)] {
        var found: [(id: Int64, path: String)] = []
        for root in roots {
            let inside = FilePaths.descendantBounds(of: root)
            for row in try session.query("""
                SELECT f.id, f.path FROM mmsearch.file f
                WHERE f.space_id = \(space.id) AND f.status = 'ok' AND f.modality = \(Modality.image.rawValue)
                  AND (f.path = \(root) OR (f.path >= \(inside.from) AND f.path < \(inside.below)))
                  AND NOT EXISTS (SELECT 1 FROM mmsearch.photo p WHERE p.file_id = f.id)
                ORDER BY f.path
                """) {
                let (id, path) = try row.decode((Int64, String).self)
                found.append((id, path))
            }
        }
        return found
    }

    /// Files removed meanwhile (by another writer) are skipped.
    func recordPhotoDetails(_ entries: [(id: Int64, photo: PhotoMetadata)]) throws {
        guard !entries.isEmpty else { return }
        try session.transaction {
            let present = Set(try session.query("""
                SELECT id FROM mmsearch.file WHERE id = ANY(\(entries.map(\.id))) FOR UPDATE
                """).map { try $0.decode(Int64.self) })
            try PhotoRows.insert(entries.filter { present.contains($0.id) }, in: session)
        }
    }

    func record(_ key: IndexSetting, _ value: String) throws {
        try session.run("""
            INSERT INTO mmsearch.setting (key, value) VALUES (\(key.rawValue), \(value))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
    }

    // MARK: Writes

    /// One file as this writer records it: an outcome with its rows, chunks and parts.
    struct Entry {
        var file: ScannedFile
        var modality: Modality
        var contentHash: UInt64?
        var encoder: String?
        var result: Result<Stored, FailureReason>
        /// For an image: what its EXIF said.
        var photo: PhotoMetadata? = nil

        struct Stored {
            var rows: [[Float]]
            /// Parts that are rows of their own (text chunks), in row order.
            var chunks: [FilePart]
            /// Parts under the file's one row (a video's frames), with vectors.
            var partsUnderRow: [FilePart]
            var note: String?
        }
    }

    func commit(_ indexed: [IndexedFile]) throws {
        guard !indexed.isEmpty else { return }
        let entries = indexed.map { file in
            Entry(file: file.file, modality: file.modality, contentHash: file.contentHash,
                  encoder: file.encoderFingerprint,
                  result: file.outcome.map { embedded in
                      // A file's parts are its rows (`.parts`) or lie under its one row (`.whole`).
                      let whole = if case .whole = embedded.rows { true } else { false }
                      return Entry.Stored(rows: embedded.rowVectors, chunks: whole ? [] : embedded.parts,
                                          partsUnderRow: whole ? embedded.parts : [],
                                          note: embedded.note.map(String.init(describing:)))
                  }, photo: file.photo)
        }
        try session.transaction { try record(entries) }
    }

    /// Copies are recorded like embedded files, with their source's rows, chunks, parts and
    /// note, read in the same transaction.
    func copy(_ copies: [FileCopy]) throws {
        guard !copies.isEmpty else { return }
        try session.transaction {
            let sources = Array(Set(copies.map(\.source.id)))
            var rows: [Int64: [[Float]]] = [:]
            for row in try session.query("""
                SELECT file_id, v::real[] FROM \(unescaped: try table) WHERE file_id = ANY(\(sources)) ORDER BY file_id, part
                """) {
                let (file, vector) = try row.decode((Int64, [Float]).self)
                rows[file, default: []].append(vector)
            }
            var chunks: [Int64: [FilePart]] = [:]
            for row in try session.query("""
                SELECT file_id, idx, byte_start, byte_end, text, start_s, end_s, \(unescaped: ChunkRegions.columns)
                FROM mmsearch.chunk WHERE file_id = ANY(\(sources)) ORDER BY file_id, idx
                """) {
                let (file, part) = try Self.chunk(row)
                chunks[file, default: []].append(part)
            }
            var parts: [Int64: [FilePart]] = [:]
            for row in try session.query("""
                SELECT file_id, start_s, end_s, vector FROM mmsearch.media_segment
                WHERE file_id = ANY(\(sources)) ORDER BY file_id, ordinal
                """) {
                let (file, start, end, vector) = try row.decode((Int64, Double, Double, [Float]).self)
                parts[file, default: []].append(FilePart(index: parts[file]?.count ?? 0,
                                                         time: TimeSpan(start: start, end: end), vector: vector))
            }
            let photos = try PhotoRows.details(of: sources, in: session)
            try record(copies.map { copy in
                Entry(file: copy.file, modality: copy.source.modality, contentHash: copy.contentHash,
                      encoder: copy.encoderFingerprint,
                      result: .success(Entry.Stored(rows: rows[copy.source.id] ?? [], chunks: chunks[copy.source.id] ?? [],
                                                    partsUnderRow: parts[copy.source.id] ?? [], note: copy.source.note)),
                      photo: photos[copy.source.id])
            })
        }
    }

    static func chunk(_ row: PostgresRow) throws -> (file: Int64, part: FilePart) {
        let cells = Array(row)
        guard cells.count >= 7 else { throw MMSearchError(.fatal, "a chunk row has \(cells.count) columns, not 7") }
        let file = try cells[0].decode(Int64.self), idx = try cells[1].decode(Int32.self)
        let start = try cells[2].decode(Int32.self), end = try cells[3].decode(Int32.self)
        let text = try cells[4].decode(String.self)
        let startS = try cells[5].decode(Double?.self), endS = try cells[6].decode(Double?.self)
        let time = startS.flatMap { s in endS.map { TimeSpan(start: s, end: $0) } }
        let region = cells.count >= 11 ? try ChunkRegions.region(cells[7...10]) : nil
        let part = ChunkRegions.part(index: Int(idx), start: Int(start), end: Int(end), text: text, time: time,
                                     region: region)
        return (file, part)
    }

    /// Records `entries` inside the caller's transaction: a path seen again replaces its old
    /// record (its rows, chunks, parts, labels and keyword documents go), new rows are
    /// inserted, the space's row count follows, and the files' claims end.
    private func record(_ given: [Entry]) throws {
        // One outcome per path: the last.
        var index: [String: Int] = [:]
        var entries: [Entry] = []
        for entry in given {
            if let i = index[entry.file.path] { entries[i] = entry } else {
                index[entry.file.path] = entries.count
                entries.append(entry)
            }
        }
        let paths = entries.map(\.file.path)
        let (oldIDs, oldRows) = try lockRecords(paths)
        try retire(oldIDs)

        let newRows = entries.reduce(0) { sum, entry in sum + ((try? entry.result.get().rows.count) ?? 0) }
        let ids = try VectorTables.newRowIDs(newRows, session: session)
        let now = Date().timeIntervalSince1970
        var firstRows: [Int64] = [], counts: [Int32] = [], statuses: [String] = [], errors: [String] = []
        var notes: [String] = [], encoders: [String] = [], hashes: [Int64] = [], hashed: [Bool] = []
        var next = 0
        for entry in entries {
            hashes.append(entry.contentHash.map { Int64(bitPattern: $0) } ?? 0)
            hashed.append(entry.contentHash != nil)
            switch entry.result {
            case .success(let stored):
                firstRows.append(stored.rows.isEmpty ? -1 : ids[next])
                counts.append(Int32(stored.rows.count))
                next += stored.rows.count
                statuses.append(FileStatus.ok.rawValue)
                errors.append("")
                notes.append(stored.note ?? "")
                encoders.append(entry.encoder ?? "")
            case .failure(let reason):
                firstRows.append(-1)
                counts.append(0)
                statuses.append(FileStatus.failed.rawValue)
                errors.append(reason.text)
                notes.append("")
                encoders.append("")
            }
        }
        var fileIDs: [String: Int64] = [:]
        for row in try session.query("""
            INSERT INTO mmsearch.file (space_id, path, size, mtime_ns, modality, vector_row, vector_count,
                                       content_hash, status, error, indexed_at, note, encoder)
            SELECT \(space.id), t.path, t.size, t.mtime, t.modality, NULLIF(t.first_row, -1), t.count,
                   CASE WHEN t.hashed THEN t.hash END, t.status, NULLIF(t.error, ''), \(now),
                   NULLIF(t.note, ''), NULLIF(t.encoder, '')
            FROM unnest(\(paths)::text[], \(entries.map(\.file.size))::bigint[], \(entries.map(\.file.mtimeNs))::bigint[],
                        \(entries.map(\.modality.rawValue))::text[], \(firstRows)::bigint[], \(counts)::integer[],
                        \(hashes)::bigint[], \(hashed)::boolean[], \(statuses)::text[], \(errors)::text[],
                        \(notes)::text[], \(encoders)::text[])
                 AS t(path, size, mtime, modality, first_row, count, hash, hashed, status, error, note, encoder)
            ON CONFLICT (space_id, path) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, modality = excluded.modality,
                vector_row = excluded.vector_row, vector_count = excluded.vector_count,
                content_hash = excluded.content_hash, status = excluded.status, error = excluded.error,
                indexed_at = excluded.indexed_at, note = excluded.note, encoder = excluded.encoder
            RETURNING id, path
            """) {
            let (id, path) = try row.decode((Int64, String).self)
            fileIDs[path] = id
        }

        var rows = VectorTables.Rows()
        rows.values.reserveCapacity(newRows * space.dimension)
        var chunkFiles: [Int64] = [], chunkIndexes: [Int32] = [], chunkStarts: [Int32] = [], chunkEnds: [Int32] = []
        var chunkTexts: [String] = [], chunkTimes: [Double] = [], chunkTimeEnds: [Double] = []
        // A chunk's region as four arrays, -1 for none (NULL in the table).
        var chunkRegions: [[Int32]] = [[], [], [], []]
        var segmentFiles: [Int64] = [], segmentOrdinals: [Int32] = [], segmentStarts: [Double] = []
        var segmentEnds: [Double] = [], segmentValues: [Float] = []
        var documents = KeywordIndex.Documents()
        next = 0
        for entry in entries {
            guard case .success(let stored) = entry.result, let file = fileIDs[entry.file.path] else { continue }
            for (part, vector) in stored.rows.enumerated() {
                rows.ids.append(ids[next])
                next += 1
                rows.files.append(file)
                rows.parts.append(Int32(part))
                rows.modalities.append(entry.modality.rawValue)
                rows.values += vector
            }
            for chunk in stored.chunks {
                chunkFiles.append(file)
                chunkIndexes.append(Int32(chunk.index))
                chunkStarts.append(Int32(clamping: chunk.bytes?.lowerBound ?? 0))
                chunkEnds.append(Int32(clamping: chunk.bytes?.upperBound ?? 0))
                chunkTexts.append(chunk.text ?? "")
                chunkTimes.append(chunk.time?.start ?? .nan)
                chunkTimeEnds.append(chunk.time?.end ?? .nan)
                let region = chunk.region.map { [$0.x, $0.y, $0.width, $0.height].map { Int32(clamping: $0) } }
                for i in 0..<4 { chunkRegions[i].append(region?[i] ?? -1) }
                documents.add(file: file, part: chunk.index + 1, words: KeywordIndex.bodyWords(chunk.text ?? ""))
            }
            for (ordinal, part) in stored.partsUnderRow.enumerated() {
                guard let time = part.time, let vector = part.vector, vector.count == space.dimension else { continue }
                segmentFiles.append(file)
                segmentOrdinals.append(Int32(ordinal))
                segmentStarts.append(time.start)
                segmentEnds.append(time.end)
                segmentValues += vector
            }
            documents.add(file: file, part: 0, words: KeywordIndex.fileWords(path: entry.file.path, labels: []))
        }
        try VectorTables.insert(rows, into: space, session: session)
        if !chunkFiles.isEmpty {
            try session.run("""
                INSERT INTO mmsearch.chunk (file_id, idx, byte_start, byte_end, text, start_s, end_s,
                                            region_x, region_y, region_width, region_height)
                SELECT f, i, s, e, t, NULLIF(a, 'NaN'::float8), NULLIF(b, 'NaN'::float8),
                       NULLIF(rx, -1), NULLIF(ry, -1), NULLIF(rw, -1), NULLIF(rh, -1)
                FROM unnest(\(chunkFiles)::bigint[], \(chunkIndexes)::integer[], \(chunkStarts)::integer[],
                            \(chunkEnds)::integer[], \(chunkTexts)::text[], \(chunkTimes)::float8[],
                            \(chunkTimeEnds)::float8[], \(chunkRegions[0])::integer[], \(chunkRegions[1])::integer[],
                            \(chunkRegions[2])::integer[], \(chunkRegions[3])::integer[])
                     AS c(f, i, s, e, t, a, b, rx, ry, rw, rh)
                """)
        }
        if !segmentFiles.isEmpty {
            let d = Int32(space.dimension)
            try session.run("""
                INSERT INTO mmsearch.media_segment (file_id, ordinal, start_s, end_s, vector)
                SELECT f, o, s, e, x.vals[(n - 1) * \(d) + 1 : n * \(d)]
                FROM unnest(\(segmentFiles)::bigint[], \(segmentOrdinals)::integer[], \(segmentStarts)::float8[],
                            \(segmentEnds)::float8[]) WITH ORDINALITY AS m(f, o, s, e, n),
                     (SELECT \(segmentValues)::real[] AS vals) AS x
                """)
        }
        try KeywordIndex.insert(documents, space: space.id, in: session)
        try PhotoRows.insert(entries.compactMap { entry in
            guard case .success = entry.result, let photo = entry.photo, let id = fileIDs[entry.file.path] else { return nil }
            return (id, photo)
        }, in: session)
        try addLiveRows(Int64(newRows) - oldRows)
        try session.run("""
            DELETE FROM mmsearch.claim WHERE space_id = \(space.id) AND path = ANY(\(paths)) AND pid = pg_backend_pid()
            """)
        for path in paths { seen[path] = .some(now) }
    }

    /// Locks the records of `paths` for the rest of the transaction and returns their ids and
    /// how many rows the `ok` ones own.
    private func lockRecords(_ paths: [String]) throws -> (ids: [Int64], rows: Int64) {
        var ids: [Int64] = []
        var rows: Int64 = 0
        for row in try session.query("""
            SELECT id, status, vector_count FROM mmsearch.file
            WHERE space_id = \(space.id) AND path = ANY(\(paths)) FOR UPDATE
            """) {
            let (id, status, count) = try row.decode((Int64, String, Int32).self)
            ids.append(id)
            if status == "ok" { rows += Int64(count) }
        }
        return (ids, rows)
    }

    private func retire(_ ids: [Int64]) throws {
        try Self.retire(ids, of: space, in: session)
    }

    /// Drops what the files `ids` of `space` had besides their records: rows, chunks, parts
    /// under their row, labels, keyword documents and photo details (they were about the old
    /// content). Inside the caller's transaction; `repair` uses it too.
    static func retire(_ ids: [Int64], of space: SpaceRecord, in session: PostgresSession) throws {
        guard !ids.isEmpty else { return }
        try session.run("DELETE FROM \(unescaped: try VectorTables.table(of: space)) WHERE file_id = ANY(\(ids))")
        for table in ["chunk", "media_segment", "label", "keyword_doc"] + (try PhotoRows.exist(in: session) ? ["photo"] : []) {
            try session.run("DELETE FROM mmsearch.\(unescaped: table) WHERE file_id = ANY(\(ids))")
        }
    }

    private func addLiveRows(_ delta: Int64) throws {
        guard delta != 0 else { return }
        try session.run("UPDATE mmsearch.space SET live_rows = live_rows + \(delta) WHERE id = \(space.id)")
    }

    func touch(_ touched: [(id: Int64, file: ScannedFile)]) throws {
        guard !touched.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try session.run("""
            UPDATE mmsearch.file f SET size = t.size, mtime_ns = t.mtime, indexed_at = \(now)
            FROM unnest(\(touched.map(\.id))::bigint[], \(touched.map(\.file.size))::bigint[],
                        \(touched.map(\.file.mtimeNs))::bigint[]) AS t(id, size, mtime)
            WHERE f.id = t.id
            """)
    }

    func move(_ moves: [(id: Int64, file: ScannedFile)]) throws {
        guard !moves.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try session.transaction {
            for move in moves {
                if let row = try session.query("""
                    SELECT id, status, vector_count FROM mmsearch.file
                    WHERE space_id = \(space.id) AND path = \(move.file.path) AND id <> \(move.id) FOR UPDATE
                    """).first {
                    let (old, status, count) = try row.decode((Int64, String, Int32).self)
                    try retire([old])
                    try session.run("DELETE FROM mmsearch.file WHERE id = \(old)")
                    if status == "ok" { try addLiveRows(-Int64(count)) }
                }
                try session.run("""
                    UPDATE mmsearch.file SET path = \(move.file.path), size = \(move.file.size),
                        mtime_ns = \(move.file.mtimeNs), indexed_at = \(now)
                    WHERE id = \(move.id)
                    """)
                seen[move.file.path] = .some(now)
            }
            try KeywordIndex.refreshFileDocuments(moves.map(\.id), in: session)
        }
    }

    func remove(paths: [String]) throws {
        guard !paths.isEmpty else { return }
        try session.transaction {
            let (ids, rows) = try lockRecords(paths)
            try retire(ids)
            try session.run("DELETE FROM mmsearch.file WHERE id = ANY(\(ids))")
            try addLiveRows(-rows)
        }
    }
}
