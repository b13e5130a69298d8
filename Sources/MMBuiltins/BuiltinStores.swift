import Foundation
import MMEmbeddedStore
import MMPostgresStore
import MMSearchKit

/// The stores an index can live in, for programs that should not depend on one: the embedded
/// store (a folder) and the PostgreSQL store (a `postgres://` URL), opened here so that a
/// command line names an index by location only.
public enum BuiltinStores {
    /// The index at `location`: a folder holding (or to hold) an embedded index. Opens nothing
    /// until an operation needs it.
    public static func index(at location: URL) -> Index {
        Index.embedded(at: location)
    }

    /// The index `location` names: a `postgres://user@host:port/db` URL (the PostgreSQL
    /// store), or a folder (the embedded store). Opens nothing until an operation needs it; a
    /// malformed URL is a usage error.
    public static func index(named location: String) throws -> Index {
        if PostgresLocation.isURL(location) { return try Index.postgres(url: location) }
        if location.contains("://") {
            var shown = URLComponents(string: location)
            if shown?.password != nil { shown?.password = "***" }
            throw MMSearchError(.usage, "'\(shown?.string ?? location)' names no store mmsearch knows: give a folder or a "
                                + "postgres://user@host:port/database URL")
        }
        return index(at: URL(fileURLWithPath: location))
    }

    /// A file name for the server a location names (`host-port-database`), for what this
    /// machine keeps about it (thumbnails); nil for a folder.
    public static func serverName(_ location: String) throws -> String? {
        guard PostgresLocation.isURL(location) else { return nil }
        let server = try PostgresLocation(url: location)
        return String("\(server.host)-\(server.port)-\(server.database)".map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// Sets up a sharded PostgreSQL store on empty servers (see `PostgresStore.initializeSharded`).
    public static func initializeSharded(coordinator: String, shards: [String]) throws {
        try PostgresStore.initializeSharded(coordinator: coordinator, shards: shards)
    }
}
