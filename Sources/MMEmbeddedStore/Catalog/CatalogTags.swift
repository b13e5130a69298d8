import MMSearchKit
import GRDB

/// Modality codes for the vector files' tag files (see `RowTagWriter`).
extension Catalog {
    /// The codes of `modalities`, assigning new ones (1…255) to those that have none yet.
    func modalityCodes(for modalities: Set<Modality>) throws -> [Modality: UInt8] {
        var known = try modalityCodes()
        let missing = modalities.filter { known[$0] == nil }
        guard !missing.isEmpty else { return known }
        try write { db in
            for modality in missing.sorted(by: { $0.rawValue < $1.rawValue }) {
                if let code = try UInt8.fetchOne(db, sql: "SELECT code FROM modality_code WHERE name = ?",
                                                  arguments: [modality.rawValue]) {
                    known[modality] = code
                    continue
                }
                let next = (try Int.fetchOne(db, sql: "SELECT MAX(code) FROM modality_code") ?? 0) + 1
                guard next <= 255 else {
                    throw MMSearchError(.fatal, "catalog \(url.path): more than 255 modalities")
                }
                try db.execute(sql: "INSERT INTO modality_code (code, name) VALUES (?, ?)",
                               arguments: [next, modality.rawValue])
                known[modality] = UInt8(next)
            }
        }
        return known
    }

    /// The modalities of the files of `space`.
    func modalities(space: Int64) throws -> Set<Modality> {
        try read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT modality FROM file WHERE space_id = ?",
                                    arguments: [space]).map(Modality.init(rawValue:)))
        }
    }

    /// Every assigned modality code.
    func modalityCodes() throws -> [Modality: UInt8] {
        try read { db in try Self.modalityCodes(in: db) }
    }

    static func modalityCodes(in db: Database) throws -> [Modality: UInt8] {
        var codes: [Modality: UInt8] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT code, name FROM modality_code") {
            codes[Modality(rawValue: row["name"])] = row["code"]
        }
        return codes
    }

    /// The tags of `rows` of `space` as the catalog knows them (files' modalities; 0 for rows
    /// no file owns): how a tag file is rebuilt.
    static func tags(of rows: Range<Int>, space: Int64, in db: Database) throws -> [UInt8] {
        var tags = [UInt8](repeating: 0, count: rows.count)
        guard !rows.isEmpty else { return tags }
        let codes = try modalityCodes(in: db)
        let files = try Row.fetchAll(db, sql: """
            SELECT vector_row, vector_count, modality FROM file
            WHERE space_id = ? AND status = 'ok' AND vector_row IS NOT NULL
              AND vector_row < ? AND vector_row + vector_count > ?
            """, arguments: [space, rows.upperBound, rows.lowerBound])
        for file in files {
            let first: Int = file["vector_row"]
            let count: Int = file["vector_count"]
            let code = codes[Modality(rawValue: file["modality"])] ?? 0
            for row in Catalog.rows(first: first, count: count).clamped(to: rows) {
                tags[row - rows.lowerBound] = code
            }
        }
        return tags
    }
}
