import Foundation
import MMTestSupport
import Testing

/// Model files are untrusted input (issue 9), through the real command line: a copy of the
/// `lite` pack with one file damaged the way the hostile test campaign damaged them (the
/// crashes: exit 132) is now a fatal error (exit 3) whose message names the file and the key.
@Suite(.serialized)
struct DamagedModelFilesCommandLineTests {
    /// `$MMSEARCH_MODELS` with a `lite` pack whose files link to the real ones, but `file`
    /// (relative to the pack) is a copy with `change` applied to its JSON object.
    static func damagedLitePack(_ file: String, _ change: (inout [String: Any]) -> Void) throws -> ScratchDirectory {
        let scratch = try ScratchDirectory("damaged-lite")
        let real = try TestPaths.litePack("")
        let pack = scratch.path("models/lite")
        let files = FileManager.default.enumerator(at: real, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in files where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(real.standardizedFileURL.path.count + 1))
            let target = pack.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if relative == file {
                var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                change(&object)
                try JSONSerialization.data(withJSONObject: object).write(to: target)
            } else {
                try FileManager.default.createSymbolicLink(at: target, withDestinationURL: url)
            }
        }
        return scratch
    }

    /// `mmsearch embed "a dog"` with the damaged pack.
    static func embed(_ scratch: ScratchDirectory) throws -> CommandLineTool.Output {
        try CommandLineTool.run(["embed", "a dog"], environment: ["MMSEARCH_MODELS": scratch.path("models").path,
                                                                  "MMSEARCH_INDEX": scratch.path("index").path])
    }

    @Test func aDamagedLitePackIsAFatalErrorNamingTheFileAndKey() throws {
        let cases: [(file: String, change: (inout [String: Any]) -> Void, message: String)] = [
            ("all-MiniLM-L6-v2/tokenizer.json", { object in
                var model = object["model"] as! [String: Any]
                var vocab = model["vocab"] as! [String: Any]
                vocab["dog"] = 2_147_483_648
                model["vocab"] = vocab
                object["model"] = model
            }, "all-MiniLM-L6-v2/tokenizer.json: model.vocab \"dog\" has id 2147483648, outside 0…4194303"),
            ("all-MiniLM-L6-v2/tokenizer.json", { object in
                var added = object["added_tokens"] as! [[String: Any]]
                added[4]["id"] = 40_000
                object["added_tokens"] = added
            }, "all-MiniLM-L6-v2/tokenizer.json: added_tokens[4] \"[MASK]\" has id 40000, but config.json's vocab_size is 30522"),
            ("all-MiniLM-L6-v2/config.json", { $0["num_hidden_layers"] = -1 },
             "all-MiniLM-L6-v2/config.json: num_hidden_layers -1 must be positive"),
            ("efficientnet-lite0/config.json", { object in
                var preprocessing = object["preprocessing"] as! [String: Any]
                preprocessing["crop"] = 0
                object["preprocessing"] = preprocessing
            }, "efficientnet-lite0/config.json: preprocessing: crop 0 must be positive"),
            ("efficientnet-lite0/config.json", { object in
                var preprocessing = object["preprocessing"] as! [String: Any]
                preprocessing["resize_shortest_side"] = -1
                object["preprocessing"] = preprocessing
            }, "efficientnet-lite0/config.json: preprocessing: resize_shortest_side -1 must be positive"),
            // These loaded before and embedded garbage: every text the same few [UNK]s, or the
            // embeddings without a single layer.
            ("all-MiniLM-L6-v2/tokenizer.json", { object in
                var model = object["model"] as! [String: Any]
                model["vocab"] = [String: Any]()
                object["model"] = model
            }, "all-MiniLM-L6-v2/tokenizer.json: model.vocab is empty"),
            ("all-MiniLM-L6-v2/tokenizer.json", { object in
                var model = object["model"] as! [String: Any]
                model["max_input_chars_per_word"] = 0
                object["model"] = model
            }, "all-MiniLM-L6-v2/tokenizer.json: model.max_input_chars_per_word 0 must be positive"),
            ("all-MiniLM-L6-v2/config.json", { $0["num_hidden_layers"] = 0 },
             "all-MiniLM-L6-v2/config.json: num_hidden_layers 0 must be positive"),
        ]
        for c in cases {
            let scratch = try Self.damagedLitePack(c.file, c.change)
            let run = try Self.embed(scratch)
            #expect(run.status == 3, "\(c.file): exit \(run.status), stderr: \(run.stderr)")
            #expect(run.stderr.contains(c.message), "\(c.file): \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("crashed"), "no trap: \(run.stderr)")
        }
    }

    @Test func theUndamagedCopyEmbeds() throws {
        // The copy itself is sound: the failures above are the damage's.
        let scratch = try Self.damagedLitePack("none") { _ in }
        let run = try Self.embed(scratch)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.isEmpty)
    }

    @Test func aDamagedImageNetworkStopsAnIndexRunWithPhotosButNeverATextQuery() throws {
        let scratch = try Self.damagedLitePack("none") { _ in }
        // The image network's weights cut to their first 1 000 bytes.
        let weights = scratch.path("models/lite/efficientnet-lite0/model.safetensors")
        let head = try Data(contentsOf: weights.resolvingSymlinksInPath()).prefix(1000)
        try FileManager.default.removeItem(at: weights)
        try head.write(to: weights)
        let environment = ["MMSEARCH_MODELS": scratch.path("models").path, "MMSEARCH_INDEX": scratch.path("index").path]

        // A text query opens the text network only (issue 12: a command loads what it uses).
        let embed = try Self.embed(scratch)
        #expect(embed.status == 0, "\(embed.stderr)")

        // An index run with a photo opens the image network before it reads any file, and stops
        // with the weights file's own message instead of failing the photo.
        let photos = scratch.path("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.repository.appendingPathComponent("Media/airplane.jpg"),
                                         to: photos.appendingPathComponent("airplane.jpg"))
        try Data("a note about aeroplanes".utf8).write(to: photos.appendingPathComponent("note.txt"))
        let index = try CommandLineTool.run(["index", photos.path], environment: environment)
        #expect(index.status == 3, "exit \(index.status), stderr: \(index.stderr)")
        #expect(index.stderr.contains("efficientnet-lite0/model.safetensors"), "\(index.stderr)")
        #expect(!index.stderr.contains("Fatal error") && !index.stderr.contains("crashed"), "no trap: \(index.stderr)")
    }
}
