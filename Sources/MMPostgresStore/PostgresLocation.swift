import Foundation
import MMSearchKit

/// Where a PostgreSQL index lives: `postgres://user[:password]@host[:port]/database`, as people
/// write it for `psql` and every PostgreSQL client. `postgresql://` is the same. Query
/// parameters: `sslmode=disable|prefer|require` (default `disable`: a loopback or private
/// network; say `require` across the internet).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Whether `text` names a PostgreSQL server rather than a folder.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL; anything else is a usage error saying what is wrong.
    public init(url text: String) throws {
        func bad(_ why: String) -> MMSearchError {
            MMSearchError(.usage, "'\(Self.withoutPassword(text))' is not a PostgreSQL URL: \(why) "
                          + "(expected postgres://user@host:port/database)")
        }
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw bad("it does not start with postgres:// or is malformed")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("it names no host") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("it names no database (the path after the host)") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw bad("sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw bad("unknown parameter '\(item.name)'")
            }
        }
        self.host = host
        self.port = port
        self.user = components.user.flatMap { $0.removingPercentEncoding } ?? ProcessInfo.processInfo.userName
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        self.database = database
        self.tls = tls
    }

    /// The URL without the password: how messages name the server.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The URL with its password, for handing to another server (a shard's foreign server).
    var url: String {
        var text = "postgres://\(user)"
        if let password { text += ":" + (password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? password) }
        return text + "@\(host):\(port)/\(database)"
    }

    /// `text` with any password replaced by `***`.
    static func withoutPassword(_ text: String) -> String {
        guard let components = URLComponents(string: text), components.password != nil else { return text }
        var hidden = components
        hidden.password = "***"
        return hidden.string ?? text
    }
}
