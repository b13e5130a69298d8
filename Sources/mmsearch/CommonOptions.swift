import ArgumentParser
import Foundation
import MMBuiltins
import MMSearchKit

/// `--model PACK`, `--model-dir DIR`, `--plugin-dir DIR`, `--precision f32|int8` and `--max-audio-seconds S`, shared by
/// every command that embeds.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "Model pack (\(BuiltinPacks.registry.names.joined(separator: ", "))). Default: the pack the index was built with, "
        + "else the best pack present (see `mmsearch models`).",
        valueName: "pack"))
    var pack: String?

    @Option(name: .customLong("model-dir"), help: ArgumentHelp(
        "Load the pack's weights from this folder instead of $MMSEARCH_MODELS/<pack> (for clip-vit-b32 and "
        + "clap-htsat: any Hugging Face model folder). Needs --model unless the index was built with a pack.",
        valueName: "dir"))
    var modelDirectory: String?

    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp(
        "Also load plugins from this folder (repeatable; searched before $MMSEARCH_PLUGIN_PATH "
        + "and $XDG_DATA_HOME/mmsearch/plugins).", valueName: "dir"))
    var pluginDirectories: [String] = []

    @Option(name: .customLong("precision"), help: ArgumentHelp(
        "Number format of the encoders' matrix products: f32 (the reference's numbers) or int8 (2-3x faster "
        + "image and text embedding, within cosine 0.995 of f32; one space: either answers the other's queries). "
        + "Default: what the index was built at, else the pack's (see `mmsearch models`). "
        + "Indexing at the other precision embeds the files again.",
        valueName: "f32|int8"))
    var precision: InferencePrecision?

    @Option(name: .customLong("max-audio-seconds"), help: ArgumentHelp(
        "Read at most this many seconds of each audio file (default 3600); a longer file is indexed up to there and the summary says so.",
        valueName: "s"))
    var maxAudioSeconds: Double?

    func validate() throws {
        if let maxAudioSeconds, !(maxAudioSeconds > 0 && maxAudioSeconds.isFinite) {
            throw ValidationError("--max-audio-seconds must be a positive number of seconds")
        }
    }

    /// What these options ask for.
    func request(_ locations: Locations) -> PackRequest {
        PackRequest(name: pack,
                    modelDirectory: modelDirectory.map { URL(fileURLWithPath: locations.absolutePath($0), isDirectory: true) },
                    pluginDirectories: pluginDirectories, maxAudioSeconds: maxAudioSeconds, precision: precision)
    }

    /// The pack with every plugin that loaded (`index`: the index the command works on, whose
    /// pack is the default); `mmsearch plugins` lists the ones that did not.
    func loadRegistry(_ locations: Locations, index: Index?) throws -> EncoderRegistry {
        try PackLoader(locations: locations).load(request(locations), index: index, log: { plugin, level, message in
            if level >= .warning { Console.error("plugin \(plugin): \(level): \(message)") }
        })
    }

    /// The pack with every plugin that loaded; each plugin that did not is a warning on stderr.
    func load(_ locations: Locations, index: Index?) throws -> ModelPack {
        let registry = try loadRegistry(locations, index: index)
        for failure in registry.failures {
            Console.error("warning: plugin \(failure.path) not loaded: \(failure.reason)")
        }
        return registry.pack
    }
}

/// `--index DIR` or `--store URL`, shared by the commands that read or write an index.
struct IndexLocationOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: ArgumentHelp(
        "Index directory (default: $MMSEARCH_STORE, else $MMSEARCH_INDEX, else $XDG_DATA_HOME/mmsearch/index).",
        valueName: "dir"))
    var directory: String?

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Where the index lives: postgres://user@host:port/database for a PostgreSQL store (shared, several "
        + "indexers at once), or a folder; instead of --index (default: $MMSEARCH_STORE).",
        valueName: "url"))
    var store: String?

    /// Where the index lives, as named (a URL, or an absolute folder).
    func location(_ locations: Locations) throws -> String {
        try locations.indexLocation(store: store, directory: directory)
    }

    /// The index these options name (nothing is opened yet).
    func index(_ locations: Locations) throws -> Index {
        try BuiltinStores.index(named: location(locations))
    }

    /// Where the service keeps thumbnails: in an index folder, or for a PostgreSQL store in
    /// this machine's cache, one folder per server and database.
    func thumbnailFolder(_ locations: Locations) throws -> URL {
        let location = try location(locations)
        if let server = try BuiltinStores.serverName(location) {
            return locations.cacheDirectory("thumbnails").appendingPathComponent(server)
        }
        return URL(fileURLWithPath: location, isDirectory: true).appendingPathComponent("thumbnails")
    }
}

/// The filters and ranking options a search takes, shared by `query` and `eval`.
struct SearchFilterOptions: ParsableArguments {
    @Option(name: .customLong("modality"), help: ArgumentHelp(
        "Only results of this modality (image, text, audio, video, …); repeatable.", valueName: "modality"))
    var modalities: [Modality] = []

    @Option(name: .customLong("in"), help: ArgumentHelp(
        "Only files at or below this folder (or this file); repeatable.", valueName: "dir"))
    var directories: [String] = []

    @Option(name: .customLong("label"), help: ArgumentHelp(
        "Only files carrying this stored label (`mmsearch label --all`); repeatable (any of them).",
        valueName: "name"))
    var labels: [String] = []

    @Option(name: .customLong("min-score"), help: ArgumentHelp(
        "Only results with at least this cosine similarity.", valueName: "s"))
    var minScore: Float?

    @Option(help: ArgumentHelp(
        "When to stop: auto (only results that stand out from the query's scores over the whole index), none, or a score (as --min-score).",
        valueName: "auto|none|score"))
    var cutoff: Cutoff?

    @Option(help: ArgumentHelp(
        "Only files dated from the start of DATE on (2024, 2024-06, 2024-06-15 or 2024-06-15T14:30): a photo's date taken, else the file's modification time.",
        valueName: "date"))
    var after: String?

    @Option(help: ArgumentHelp(
        "Only files dated before the start of DATE (--after 2024 --before 2025: the year 2024).", valueName: "date"))
    var before: String?

    @Option(help: ArgumentHelp("Only photos whose camera make or model contains TEXT (any case).", valueName: "text"))
    var camera: String?

    @Option(help: ArgumentHelp(
        "Only photos taken within RADIUS of a GPS position: LAT,LON (5 km) or LAT,LON:RADIUS (2km, 500m).",
        valueName: "lat,lon[:radius]"))
    var near: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Order of the results: score (best first), date (oldest first) or -date (newest first); the best -t by score are sorted.",
        valueName: "order"))
    var sort: ResultOrder = .score

    @Flag(help: "Fuse the vector ranking with a keyword (BM25) ranking of the query's words.")
    var hybrid = false

    @Flag(help: ArgumentHelp(
        "Compare the query with every stored vector instead of walking the approximate index (which spaces of 100 000 rows and more have: recall@10 about 0.98, many times faster)."))
    var exact = false

    func validate() throws {
        if let minScore, !minScore.isFinite { throw ValidationError("--min-score must be a number") }
        if case .score = cutoff, minScore != nil {
            throw ValidationError("--cutoff SCORE and --min-score say the same: give one")
        }
        do {
            _ = try DateWindow(after: after, before: before)
        } catch let error as MMSearchError {
            let flags = [after.map { _ in "--after" }, before.map { _ in "--before" }].compactMap { $0 }
            throw ValidationError(flags.joined(separator: "/") + ": " + error.message)
        }
        do {
            _ = try near.map(GeoCircle.init(parsing:))
        } catch let error as MMSearchError {
            throw ValidationError("--near: " + error.message)
        }
        if let camera, camera.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--camera needs a text to look for in camera makes and models")
        }
    }

    /// The search options these filters say (checked by `validate`).
    func options(_ locations: Locations) throws -> SearchOptions {
        var options = SearchOptions()
        options.modalities = modalities.isEmpty ? nil : Set(modalities)
        options.directories = directories.isEmpty ? nil : directories.map { locations.absolutePath($0) }
        options.labels = labels.isEmpty ? nil : labels
        options.minimumScore = minScore
        switch cutoff {
        case .automatic: options.cutoff = AutomaticCutoff()
        case .score(let score): options.minimumScore = score
        case .none?, nil: break
        }
        options.hybrid = hybrid
        let dates = try DateWindow(after: after, before: before)
        options.dates = dates.isEmpty ? nil : dates
        options.camera = camera?.trimmingCharacters(in: .whitespaces)
        options.near = try near.map(GeoCircle.init(parsing:))
        options.order = sort
        // The int8 scan with exact rescoring: exact results, the fastest way.
        if exact { options.method = .quantized }
        return options
    }
}

/// `--cutoff`: where a query's results stop.
enum Cutoff: Equatable, ExpressibleByArgument {
    /// `auto`: `AutomaticCutoff`.
    case automatic
    /// `none`: every result up to -t.
    case none
    /// A score: as `--min-score`.
    case score(Float)

    init?(argument: String) {
        switch argument.lowercased() {
        case "auto": self = .automatic
        case "none": self = .none
        default:
            guard let score = Float(argument), score.isFinite else { return nil }
            self = .score(score)
        }
    }
}

extension Modality: ExpressibleByArgument {
    /// A modality name: letters only, any case (`image`, `Text`).
    public init?(argument: String) {
        guard !argument.isEmpty, argument.allSatisfy(\.isLetter) else { return nil }
        self.init(argument.lowercased())
    }
}

extension VectorStorage: ExpressibleByArgument {}

extension ImageTextMode: ExpressibleByArgument {}

extension ResultOrder: ExpressibleByArgument {}

/// How an index run scans and embeds (threads, excludes, hidden files, vector storage, text
/// budgets), shared by `index` and `serve`.
struct IndexingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker threads that decode and embed (default: the cores this process may use, or MMSEARCH_THREADS).",
                               valueName: "n"))
    var threads: Int?

    @Option(name: .customLong("exclude"), help: ArgumentHelp(
        "Skip folders (and files) with this name (a pattern such as 'build*'), or this folder when the value contains a '/'. Repeatable.",
        valueName: "dir"))
    var excludes: [String] = []

    @Flag(name: .customLong("no-default-excludes"), help: "Also enter .git, node_modules and the other folders skipped by default.")
    var noDefaultExcludes = false

    @Flag(name: .customLong("include-hidden"), help: "Also index hidden files and folders (names starting with '.').")
    var includeHidden = false

    @Option(help: ArgumentHelp("How a new index stores vectors: f32 (default; exact scores) or f16 (half the disk). `mmsearch compact --storage` converts an existing one.",
                               valueName: "type"))
    var storage: VectorStorage?

    @Option(name: .customLong("max-text-chunks"), help: ArgumentHelp(
        "Embed at most this many chunks of one text file (default \(TextBudget.defaultMaxChunks)); a longer file is indexed up to there and the summary says so.",
        valueName: "n"))
    var maxTextChunks: Int?

    @Option(name: .customLong("max-text-seconds"), help: ArgumentHelp(
        "Stop embedding one text file after this many seconds (default \(Int(TextBudget.defaultMaxSeconds))); what was embedded is kept and the summary says so.",
        valueName: "s"))
    var maxTextSeconds: Double?

    @Option(help: ArgumentHelp(
        "Read the text inside images (OCR, Tesseract) so that it is searchable by meaning and with --hybrid: auto reads images in which a quick layout analysis of a shrunk copy finds text, on reads every image, off none. Changing it reads images again.",
        valueName: "mode"))
    var ocr: ImageTextMode = .auto

    @Option(name: .customLong("ocr-seconds"), help: ArgumentHelp(
        "Stop reading the text of one image after this many seconds (default 5); the words read by then are kept.",
        valueName: "s"))
    var ocrSeconds: Double?

    func validate() throws {
        if let ocrSeconds, !(ocrSeconds > 0 && ocrSeconds.isFinite) {
            throw ValidationError("--ocr-seconds must be a positive number of seconds")
        }
        if let maxTextChunks, maxTextChunks < 1 { throw ValidationError("--max-text-chunks must be at least 1") }
        if let maxTextSeconds, !(maxTextSeconds > 0 && maxTextSeconds.isFinite) {
            throw ValidationError("--max-text-seconds must be a positive number of seconds")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// The index options these say.
    func options(_ locations: Locations) -> IndexOptions {
        var options = IndexOptions()
        if let threads { options.threads = threads }
        if noDefaultExcludes { options.excludedNames = [] }
        for exclude in excludes {
            if exclude.contains("/") {
                options.excludedPaths.append(locations.absolutePath(exclude))
            } else {
                options.excludedNames.append(exclude)
            }
        }
        options.includeHidden = includeHidden
        if let storage { options.storage = storage }
        options.textBudget = TextBudget(maxChunks: maxTextChunks ?? TextBudget.defaultMaxChunks,
                                        maxSeconds: maxTextSeconds ?? TextBudget.defaultMaxSeconds)
        options.imageText = ocr
        if let ocrSeconds { options.imageTextBudget = ocrSeconds }
        return options
    }
}

extension InferencePrecision: ExpressibleByArgument {}
