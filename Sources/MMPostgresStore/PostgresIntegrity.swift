import Foundation
import MMSearchKit
import PostgresNIO

/// `check` and `repair` of a PostgreSQL index. PostgreSQL keeps its own pages sound (checksums,
/// WAL); what can still go wrong is the catalog disagreeing with the vectors (rows edited or
/// deleted by hand, a shard restored from an older backup): files whose rows are missing or
/// extra, rows no file owns, rows that are not unit vectors, a wrong row count, keyword
/// documents missing.
enum PostgresIntegrity {
    static func check(_ store: PostgresStore, session: PostgresSession) throws -> IntegrityReport {
        var report = IntegrityReport(location: store.location)
        try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            let spaces = try PostgresStore.spaces(in: session)
            report.spaces = spaces.count
            report.files = Int(try session.query("SELECT count(*) FROM mmsearch.file")[0].decode(Int64.self))
            for space in spaces {
                let id = space.spaceID
                let table = try VectorTables.table(of: space)
                guard try session.query("SELECT to_regclass(\(table)) IS NOT NULL")[0].decode(Bool.self) else {
                    report.problems.append(IntegrityProblem(.vectorFile, space: id, "the vector table \(table) is missing",
                                                            remedy: .reembed))
                    continue
                }
                let rows = Int(try session.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(Int64.self))
                report.rows += rows
                let wrong = try mismatchedFiles(space, table: table, in: session)
                if !wrong.isEmpty {
                    report.problems.append(IntegrityProblem(.rows, space: id, "\(wrong.count) files do not have the rows "
                                                            + "the catalog counts", remedy: .reembed, files: wrong))
                }
                let orphans = Int(try session.query(PostgresQuery(unsafeSQL: """
                    SELECT count(*) FROM \(table) r
                    WHERE NOT EXISTS (SELECT 1 FROM mmsearch.file f WHERE f.id = r.file_id AND f.status = 'ok'
                                      AND f.space_id = \(space.id) AND r.part < f.vector_count)
                    """))[0].decode(Int64.self))
                if orphans > 0 {
                    report.problems.append(IntegrityProblem(.deadRows, space: id, "\(orphans) rows of \(table) belong to no file",
                                                            remedy: .rebuild))
                }
                let bad = try badVectorFiles(space, table: table, in: session)
                if !bad.isEmpty {
                    report.problems.append(IntegrityProblem(.badVector, space: id, "\(bad.count) files have rows that are "
                                                            + "not unit vectors", remedy: .reembed, files: bad))
                }
                if rows - orphans != space.rowCount, orphans == 0, wrong.isEmpty {
                    report.problems.append(IntegrityProblem(.rows, space: id, "the space counts \(space.rowCount) rows "
                                                            + "but \(table) holds \(rows)", remedy: .rebuild))
                }
                let missing = Int(try session.query("""
                    SELECT count(*) FROM mmsearch.file f WHERE f.space_id = \(space.id) AND f.status = 'ok'
                      AND NOT EXISTS (SELECT 1 FROM mmsearch.keyword_doc d WHERE d.file_id = f.id AND d.part = 0)
                    """)[0].decode(Int64.self))
                if missing > 0 {
                    report.problems.append(IntegrityProblem(.keywordIndex, space: id, "\(missing) files have no keyword "
                                                            + "document", remedy: .rebuild))
                }
            }
        }
        return report
    }

    /// `ok` files whose rows (count or places) disagree with their record.
    private static func mismatchedFiles(_ space: SpaceRecord, table: String, in session: PostgresSession) throws -> [String] {
        try session.query(PostgresQuery(unsafeSQL: """
            SELECT f.path FROM mmsearch.file f
            LEFT JOIN (SELECT file_id, count(*) AS n, max(part) AS last FROM \(table) GROUP BY file_id) r ON r.file_id = f.id
            WHERE f.space_id = \(space.id) AND f.status = 'ok'
              AND (coalesce(r.n, 0) <> f.vector_count OR coalesce(r.last, -1) <> f.vector_count - 1)
            ORDER BY f.path
            """)).map { try $0.decode(String.self) }
    }

    /// Files with a row that is not a unit vector.
    private static func badVectorFiles(_ space: SpaceRecord, table: String, in session: PostgresSession) throws -> [String] {
        let norm = VectorTables.type(of: space) == "halfvec" ? "l2_norm" : "vector_norm"
        return try session.query(PostgresQuery(unsafeSQL: """
            SELECT DISTINCT f.path FROM \(table) r JOIN mmsearch.file f ON f.id = r.file_id
            WHERE abs(\(norm)(r.v) ^ 2 - 1) > \(StoredVectors.squaredNormTolerance) ORDER BY f.path
            """)).map { try $0.decode(String.self) }
    }

    static func repair(_ store: PostgresStore, session: PostgresSession) throws -> RepairReport {
        let found = try check(store, session: session)
        var actions: [RepairReport.Action] = []
        var embedAgain: [String] = []
        try session.transaction {
            for space in try PostgresStore.spaces(in: session) {
                let table = try VectorTables.table(of: space)
                guard try session.query("SELECT to_regclass(\(table)) IS NOT NULL")[0].decode(Bool.self) else {
                    for statement in VectorTables.rowTableDDL(space, name: space.vectorFile, withDefault: true) {
                        try session.run(PostgresQuery(unsafeSQL: statement))
                    }
                    actions.append(.init(.vectorFile, "created the missing vector table \(table)"))
                    embedAgain += try fail(space, paths: nil, reason: "its vectors were lost; index it again", in: session)
                    continue
                }
                let wrong = try mismatchedFiles(space, table: table, in: session)
                    + badVectorFiles(space, table: table, in: session)
                if !wrong.isEmpty {
                    embedAgain += try fail(space, paths: Array(Set(wrong)).sorted(),
                                           reason: "its vectors were damaged; index it again", in: session)
                    actions.append(.init(.rows, "dropped the rows of \(Set(wrong).count) files and marked them failed"))
                }
                let orphans = try session.run(PostgresQuery(unsafeSQL: """
                    DELETE FROM \(table) r
                    WHERE NOT EXISTS (SELECT 1 FROM mmsearch.file f WHERE f.id = r.file_id AND f.status = 'ok'
                                      AND f.space_id = \(space.id) AND r.part < f.vector_count)
                    """))
                if orphans > 0 { actions.append(.init(.deadRows, "deleted \(orphans) rows that belonged to no file")) }
                let counted = try session.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(Int64.self)
                if counted != Int64(space.rowCount) {
                    try session.run("UPDATE mmsearch.space SET live_rows = \(counted) WHERE id = \(space.id)")
                    actions.append(.init(.rows, "set the row count of space \(space.name) to \(counted)"))
                }
                let missing = try session.query("""
                    SELECT f.id FROM mmsearch.file f WHERE f.space_id = \(space.id) AND f.status = 'ok'
                      AND NOT EXISTS (SELECT 1 FROM mmsearch.keyword_doc d WHERE d.file_id = f.id AND d.part = 0)
                    """).map { try $0.decode(Int64.self) }
                if !missing.isEmpty {
                    try KeywordIndex.refreshFileDocuments(missing, in: session)
                    actions.append(.init(.keywordIndex, "rebuilt the keyword documents of \(missing.count) files"))
                }
            }
        }
        var report = RepairReport(found: found, remaining: try check(store, session: session))
        report.actions = actions
        report.embedAgain = embedAgain.sorted()
        return report
    }

    /// Marks files of `space` failed (all `ok` ones when `paths` is nil), dropping their rows and
    /// what went with them; returns their paths.
    private static func fail(_ space: SpaceRecord, paths: [String]?, reason: String,
                             in session: PostgresSession) throws -> [String] {
        let failed = try session.query("""
            UPDATE mmsearch.file SET status = 'failed', error = \(reason), vector_row = NULL, vector_count = 0, note = NULL
            WHERE space_id = \(space.id) AND status = 'ok' AND (\(paths)::text[] IS NULL OR path = ANY(\(paths)::text[]))
            RETURNING id, path
            """).map { try $0.decode((Int64, String).self) }
        try PostgresWriter.retire(failed.map(\.0), of: space, in: session)
        return failed.map(\.1)
    }
}
