import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `mmsearch store init` and `mmsearch migrate`: setting up and moving between stores.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Set up a store that several servers hold (PostgreSQL + pgvector, sharded).",
        discussion: """
            A PostgreSQL store needs no setting up: the first `mmsearch index --store \
            postgres://…` creates its tables. A sharded one is set up once, on empty servers, \
            with `store init --shards`; afterwards every command names the coordinator only.

            EXAMPLES
              mmsearch store init --store postgres://mmsearch@db0/photos \\
                  --shards postgres://mmsearch@db1/photos,postgres://mmsearch@db2/photos
            """,
        subcommands: [StoreInitCommand.self])
}

/// `mmsearch store init --store URL --shards URL,URL,…`
struct StoreInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Spread a new PostgreSQL store over shard servers (postgres_fdw).",
        discussion: """
            The coordinator (--store) keeps the catalog; each space's vectors are split by \
            file over the shards, each shard searching its own part (its own HNSW graph) and \
            sending back only its best rows. Every server needs pgvector \
            (Scripts/setup-postgres.sh install), the coordinator also postgres_fdw \
            (postgresql-contrib); the coordinator must be able to reach the shards with the \
            user and password their URLs give. The databases must exist and hold no index.
            """)

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "The coordinator: postgres://user@host:port/database (default: $MMSEARCH_STORE).", valueName: "url"))
    var store: String?

    @Option(help: ArgumentHelp("The shard servers, comma-separated postgres:// URLs.", valueName: "url,url,…"))
    var shards: String

    func run() throws {
        let locations = Locations.current()
        let coordinator = try locations.indexLocation(store: store)
        guard try BuiltinStores.serverName(coordinator) != nil else {
            throw ValidationError("--store must name a PostgreSQL server (postgres://…), not a folder")
        }
        let urls = shards.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw ValidationError("--shards needs at least one postgres:// URL") }
        try BuiltinStores.initializeSharded(coordinator: coordinator, shards: urls)
        Console.error("\(try BuiltinStores.index(named: coordinator).location): sharded over \(urls.count) servers")
    }
}

/// `mmsearch migrate --from LOCATION --to LOCATION`
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an index into another store without embedding anything again.",
        discussion: """
            Copies every file's vectors, parts, notes and labels, and every failure, from one \
            store to another: a folder (the embedded store) into PostgreSQL, or back. Queries \
            on the copy give the same results. The destination must hold no index yet; the \
            source must not be indexed meanwhile. Needs no models.

            EXAMPLES
              mmsearch migrate --from ~/.local/share/mmsearch/index --to postgres://me@db/photos
              mmsearch migrate --from postgres://me@db/photos --to /tmp/photos-index
            """)

    @Option(help: ArgumentHelp("The index to copy: a folder or a postgres:// URL.", valueName: "location"))
    var from: String

    @Option(help: ArgumentHelp("Where to copy it: a folder or a postgres:// URL.", valueName: "location"))
    var to: String

    func run() throws {
        let locations = Locations.current()
        let source = try BuiltinStores.index(named: locations.indexLocation(store: from))
        let destination = try BuiltinStores.index(named: locations.indexLocation(store: to))
        guard source.location != destination.location else { throw ValidationError("--from and --to name the same index") }
        let terminal = Console.stderrIsTerminal
        var last = Date.distantPast
        let summary = try source.copy(to: destination) { done, total in
            guard terminal, Date().timeIntervalSince(last) > 0.2 || done == total else { return }
            last = Date()
            Console.errorRaw("\r\u{1B}[Kcopying \(done)/\(total) files")
            if done == total { Console.errorRaw("\n") }
        }
        var line = "copied \(summary.files) files (\(summary.rows) vectors)"
        if summary.failures > 0 { line += ", \(summary.failures) failures" }
        if summary.labels > 0 { line += ", \(summary.labels) labels" }
        line += String(format: " from %@ to %@ in %.1f s", source.location, destination.location, summary.seconds)
        Console.error(line)
        if summary.unreadable > 0 {
            Console.error("warning: \(summary.unreadable) files had vectors that could not be read; they are recorded "
                          + "as failed in \(destination.location) and the next `mmsearch index` embeds them")
        }
    }
}
