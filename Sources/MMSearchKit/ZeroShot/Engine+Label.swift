import Foundation
import MMTensor

/// Which labels `Engine.labelAll` stores for an item.
public struct LabelPolicy: Sendable, Equatable {
    /// At most this many labels per item, most probable first.
    public var top: Int
    /// Only labels at least this probable. The default, 0.3, keeps an item out of every label
    /// when no label stands out (with n labels, a shrug gives each about 1/n).
    public var minimumProbability: Float
    /// Also label text files (by the mean of their chunks); off by default: labels are meant
    /// for media, and a text is better found by its words.
    public var includeText: Bool

    public init(top: Int = 1, minimumProbability: Float = 0.3, includeText: Bool = false) {
        self.top = max(1, top)
        self.minimumProbability = minimumProbability
        self.includeText = includeText
    }

    /// The labels to store out of a classification (best first).
    public func chosen(_ scores: [LabelScore]) -> [LabelScore] {
        Array(scores.filter { $0.probability >= minimumProbability }.prefix(top))
    }
}

/// What `Engine.labelAll` did.
public struct LabelAllSummary: Sendable, Equatable {
    /// Items classified.
    public var items = 0
    /// Items that got at least one label.
    public var labelled = 0
    /// Files per stored label, by label.
    public var counts: [String: Int] = [:]
}

extension Engine {
    /// A zero-shot classifier over `labels` with the pack's text encoder.
    public func classifier(labels: [String], templates: [String] = ZeroShotClassifier.defaultTemplates,
                           temperature: Float? = nil) throws -> ZeroShotClassifier {
        guard let text = pack.encoder(for: .text) else {
            throw MMSearchError(.usage, "model pack '\(pack.name)' has no text encoder: it cannot label")
        }
        return try BLAS.withThreads(threads) {
            try ZeroShotClassifier(labels: labels, templates: templates,
                                   temperature: temperature ?? pack.labelTemperature, textEncoder: text)
        }
    }

    /// The label probabilities of a file (indexed or not: it is embedded now), best first.
    public func label(_ file: URL, with classifier: ZeroShotClassifier) throws -> [LabelScore] {
        classifier.classify(try embed(.file(file)).vector)
    }

    /// Classifies every indexed item (images, audio, video; text files too with
    /// `policy.includeText`) from its stored vector and stores the labels `policy` chooses in
    /// the catalog, replacing the item's earlier labels. Needs no file to be read again.
    public func labelAll(with classifier: ZeroShotClassifier, policy: LabelPolicy = LabelPolicy()) throws -> LabelAllSummary {
        let reader = try reader()
        let matrix = try reader.matrix()
        var summary = LabelAllSummary()
        var entries: [(fileID: Int64, labels: [LabelScore])] = []
        for (i, item) in matrix.items.enumerated() where policy.includeText || item.modality != .text {
            let vector = Array(matrix.values[(i * matrix.dimension)..<((i + 1) * matrix.dimension)])
            let chosen = policy.chosen(classifier.classify(vector))
            summary.items += 1
            if !chosen.isEmpty { summary.labelled += 1 }
            for label in chosen { summary.counts[label.label, default: 0] += 1 }
            entries.append((item.fileID, chosen))
        }
        // Labels touch no vectors: they are written without the writer's lock, in one
        // transaction, while readers and a running index go on.
        try index.store.replaceLabels(entries, in: reader.space)
        return summary
    }
}
