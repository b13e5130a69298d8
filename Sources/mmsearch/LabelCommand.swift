import ArgumentParser
import Foundation
import MMSearchKit

/// `mmsearch label FILE… --labels "a,b,c"` and `mmsearch label --all --labels …`
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Zero-shot labelling: which of your labels fits a file best.",
        discussion: """
            Each label is put into prompt templates ("a photo of a {}.", "a picture of a \
            {}.", "a photo of the {}.", "an image of a {}.", "a close-up photo of a {}.", \
            and "{}"; --template replaces them), the prompts are embedded by the pack's \
            text encoder, and the label's vector is the renormalised mean of theirs. A \
            file's probabilities are a softmax over its cosine similarities with the \
            labels divided by a temperature T: p = exp(cos/T) / Σ exp(cos/T). Default T: \
            the pack's own: 0.015 for the lite pack (the log-loss minimum for labelling \
            the bundled Media/ photos with broad categories), 1/exp(logit_scale) for CLIP \
            and CLAP (0.01 with their published weights).

            FILE… (indexed or not; embedded now) prints, per file, one \
            "probability  label" line per label, best first (a "path:" line first when \
            there are several files). --json prints one object:
              {"labels": [NAME, …], "temperature": T,
               "files": [{"path": ABSOLUTE-PATH,
                          "labels": [{"label": NAME, "probability": P}, …]}, …]}

            --all classifies every indexed image, audio and video file (--include-text: \
            text files too) from its stored vector and stores its best label when its \
            probability is at least --min-probability (default 0.3; --top K keeps up to \
            K labels above it), replacing earlier labels. Stored labels filter queries \
            (query --label NAME), feed --hybrid, and show in query --json.

            EXAMPLES
              mmsearch label ./cat.jpg --labels "cat,dog,car"
              mmsearch label ~/Pictures/*.jpg --labels-file labels.txt --json
              mmsearch label ./x.jpg --labels "day,night" --template "a photo taken at {}"
              mmsearch label --all --labels "dog,cat,beach,food,car"
              mmsearch query "a cute animal" --label dog
            """)

    @Argument(help: ArgumentHelp("Files to label.", valueName: "file"))
    var files: [String] = []

    @Flag(help: "Label every indexed file and store the labels in the index.")
    var all = false

    @Option(help: ArgumentHelp("Labels, comma-separated.", valueName: "a,b,c"))
    var labels: String?

    @Option(name: .customLong("labels-file"), help: ArgumentHelp(
        "A file of labels, one per line (# comments and blank lines skipped).", valueName: "file"))
    var labelsFile: String?

    @Option(name: .customLong("template"), help: ArgumentHelp(
        "Prompt template with {} for the label; repeatable (replaces the built-in ones).", valueName: "text"))
    var templates: [String] = []

    @Option(help: ArgumentHelp("Softmax temperature (default: per pack, see above).", valueName: "t"))
    var temperature: Float?

    @Option(name: .customLong("min-probability"), help: ArgumentHelp(
        "With --all: store labels at least this probable.", valueName: "p"))
    var minProbability: Float = 0.3

    @Option(name: .customLong("top"), help: ArgumentHelp("With --all: store up to this many labels per file.", valueName: "k"))
    var top = 1

    @Flag(name: .customLong("include-text"), help: "With --all: label text files too.")
    var includeText = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    @OptionGroup var index: IndexLocationOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        if labels == nil && labelsFile == nil {
            throw ValidationError("give the labels: --labels \"cat,dog\" or --labels-file FILE")
        }
        if labels != nil && labelsFile != nil { throw ValidationError("give --labels or --labels-file, not both") }
        if all && !files.isEmpty { throw ValidationError("give files or --all, not both") }
        if !all && files.isEmpty { throw ValidationError("give files to label, or --all for the whole index") }
        if let temperature, !(temperature > 0) || !temperature.isFinite {
            throw ValidationError("--temperature must be a positive number")
        }
        if top < 1 { throw ValidationError("--top must be at least 1") }
        if !(0...1).contains(minProbability) { throw ValidationError("--min-probability must be between 0 and 1") }
    }

    func run() throws {
        let locations = Locations.current()
        let names = try labelsFile.map { try ZeroShotClassifier.readList(URL(fileURLWithPath: locations.absolutePath($0))) }
            ?? ZeroShotClassifier.parseList(labels ?? "")
        let index = try self.index.index(locations)
        let engine = Engine(pack: try model.load(locations, index: index), index: index)
        if all {
            // Open the index before embedding the labels: a missing index fails fast.
            _ = try engine.reader()
        }
        let classifier = try engine.classifier(labels: names,
                                               templates: templates.isEmpty ? ZeroShotClassifier.defaultTemplates : templates,
                                               temperature: temperature)
        if all {
            let summary = try engine.labelAll(with: classifier, policy: LabelPolicy(
                top: top, minimumProbability: minProbability, includeText: includeText))
            if json {
                print(try JSONOutput.encode(LabelAllDocument(summary)))
            } else {
                print("\(summary.labelled) of \(summary.items) files labelled")
                for (label, count) in summary.counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
                    print(String(format: "%6d  ", count) + label)
                }
            }
            return
        }
        var results: [LabelFilesDocument.File] = []
        var failed = false
        for file in files {
            let path = locations.absolutePath(file)
            do {
                results.append(.init(path: path, labels: try engine.label(URL(fileURLWithPath: path), with: classifier)))
            } catch let error as MMSearchError where error.kind == .inputFailed {
                Console.error(error.message)
                failed = true
            }
        }
        if json {
            print(try JSONOutput.encode(LabelFilesDocument(labels: classifier.labels, temperature: classifier.temperature,
                                                           files: results)))
        } else {
            for result in results {
                if files.count > 1 { print(FilePaths.display(result.path, from: locations.currentDirectory) + ":") }
                for score in result.labels { print(String(format: "%.4f  ", score.probability) + score.label) }
            }
        }
        if failed { throw ExitCode(ExitStatus.someFailed) }
    }
}
