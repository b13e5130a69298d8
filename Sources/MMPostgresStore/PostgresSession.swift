import Foundation
import Logging
import MMSearchKit
import PostgresNIO

/// One connection to a PostgreSQL server, used synchronously: the storage protocol is
/// synchronous (callers are index runs, command lines and the service's worker threads, never
/// Swift's cooperative threads), so each statement is sent with PostgresNIO's event-loop API
/// and waited for. Statements go through the extended protocol with binary parameters
/// (vectors travel as `real[]` in binary and are cast to `vector` on the server).
///
/// Errors become `MMSearchError`s naming the server (never its password) and PostgreSQL's own
/// message; a session whose connection broke is not reused (`isUsable`).
final class PostgresSession: @unchecked Sendable {
    let connection: PostgresConnection
    let location: PostgresLocation
    /// Set when a statement failed in a way that leaves the connection unfit (a broken
    /// connection, a failed COMMIT).
    private(set) var broken = false
    /// The SQLSTATE of the last statement that failed on the server (`42P01`: no such table).
    private(set) var lastSQLState: String?

    /// PostgresNIO logs nothing of ours: errors reach the user as messages.
    static let logger = Logger(label: "mmsearch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(connection: PostgresConnection, location: PostgresLocation) {
        self.connection = connection
        self.location = location
    }

    deinit {
        try? connection.close().wait()
    }

    /// Connects to `location`; an unreachable server or a refused login is an error naming it.
    static func connect(_ location: PostgresLocation) throws -> PostgresSession {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw MMSearchError(.fatal, "\(location): TLS cannot be set up: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", applicationName(process: getpid()))]
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: nextID.withLock { $0 += 1; return $0 }, logger: logger).wait()
            return PostgresSession(connection: connection, location: location)
        } catch {
            throw Self.failure(error, location: location, doing: "connect")
        }
    }

    private static let nextID = Locked(0)

    /// How the server's `pg_stat_activity` names this process's sessions: `mmsearch PID`.
    static func applicationName(process: Int32) -> String { "mmsearch \(process)" }

    /// Whether the session can run more statements.
    var isUsable: Bool { !broken && !connection.isClosed }

    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try result(query).rows
    }

    /// Runs one statement; how many rows it changed (or returned).
    @discardableResult
    func run(_ query: PostgresQuery) throws -> Int {
        try result(query).metadata.rows ?? 0
    }

    private func result(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: Self.logger).wait()
        } catch {
            let psql = error as? PSQLError
            lastSQLState = psql?.serverInfo?[.sqlState]
            if psql?.code != .server { broken = true }
            throw Self.failure(error, location: location, doing: nil)
        }
    }

    /// Runs `body` in one transaction (`BEGIN isolation` … `COMMIT`); an error rolls it back.
    func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try run(PostgresQuery(unsafeSQL: begin))
        do {
            let value = try body()
            do {
                try run("COMMIT")
            } catch {
                broken = true
                throw error
            }
            return value
        } catch {
            if isUsable { _ = try? run("ROLLBACK") }
            throw error
        }
    }

    /// An error of PostgresNIO as one of ours: the server and what PostgreSQL said.
    static func failure(_ error: Error, location: PostgresLocation, doing: String?) -> MMSearchError {
        if let error = error as? MMSearchError { return error }
        guard let psql = error as? PSQLError else {
            return MMSearchError(.fatal, "\(location): \(error)")
        }
        if let info = psql.serverInfo, let message = info[.message] {
            var text = "\(location): \(message)"
            if let detail = info[.detail] { text += " (\(detail))" }
            return MMSearchError(.fatal, text)
        }
        let underlying = psql.underlying.map { String(describing: $0) } ?? "\(psql.code)"
        switch psql.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            return MMSearchError(.fatal, "\(location) cannot be reached\(doing == "connect" ? "" : " (the connection broke)"): "
                                 + plainReason(underlying))
        default:
            return MMSearchError(.fatal, "\(location): \(psql.code): \(underlying)")
        }
    }
}

/// What a connection failure says, in the words people know (`connection refused`), or the
/// whole description when it is none of those.
func plainReason(_ description: String) -> String {
    let lower = description.lowercased()
    for (needle, reason) in [("refused", "connection refused"), ("reset", "connection refused (reset)"),
                             ("timed out", "connection timed out"), ("timeout", "connection timed out"),
                             ("unknown host", "unknown host"), ("no address", "unknown host"),
                             ("unreachable", "network unreachable")] where lower.contains(needle) {
        return reason
    }
    return description
}

/// Idle sessions to one server, reused by later operations: a reader's snapshot, a write
/// transaction and a catalog read each take one and give it back.
final class SessionPool: Sendable {
    let location: PostgresLocation
    private let idle = Locked<[PostgresSession]>([])
    /// Idle sessions kept; more are closed when given back.
    static let keep = 8

    init(location: PostgresLocation) {
        self.location = location
    }

    /// Runs `body` with a session of the pool (a new one when none is idle).
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let session = try idle.withLock { $0.popLast() } ?? PostgresSession.connect(location)
        defer {
            if session.isUsable {
                idle.withLock { sessions in if sessions.count < Self.keep { sessions.append(session) } }
            }
        }
        return try body(session)
    }
}
