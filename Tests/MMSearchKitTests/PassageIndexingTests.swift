import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// A passage encoder for the tests, for `.memo` files: each line `START END words…` is a passage
/// whose vector is the hash of its words; an empty file has no passages and the note `no
/// speech`; a line `cut` adds the note `first 4 s of 9 s indexed`; the words `nan` give a NaN
/// vector.
struct MemoEncoder: PassageEncoder {
    let info: EncoderInfo
    let counter: CallCounter

    init(space: SpaceID, counter: CallCounter) {
        info = EncoderInfo(name: "memo", version: "1", modality: .audio, space: space, fileExtensions: ["memo"])
        self.counter = counter
    }

    func embedPassages(_ input: EncoderInput) throws -> PassageEmbedding {
        guard case .file(let url) = input else { throw EncoderError("memo reads files") }
        counter.record(url.path)
        var passages: [FilePart] = []
        var note: FileNote?
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            if line == "cut" { note = FileNote(cut: (4, 9)); continue }
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3, let start = Double(parts[0]), let end = Double(parts[1]) else {
                throw EncoderError("bad line \(line)")
            }
            let vector = parts[2] == "nan" ? [Float](repeating: .nan, count: info.space.dimension)
                : hashVector(Array(parts[2].utf8), dimension: info.space.dimension)
            passages.append(FilePart(index: passages.count, time: TimeSpan(start: start, end: end), text: parts[2],
                                     vector: vector))
        }
        if passages.isEmpty { note = FileNote(noSpeech: true, cut: note?.cut) }
        return PassageEmbedding(passages: passages, note: note)
    }

    func embed(_ input: EncoderInput) throws -> [Float] {
        guard let vector = try embedPassages(input).pooledVector else { throw EncoderError("no speech") }
        return vector
    }
}

/// How the host stores files read as passages (transcripts): rows like text chunks, with time
/// ranges, and notes.
struct PassageIndexingTests {
    final class Memos {
        let temp: TemporaryDirectory
        let counter = CallCounter()
        let engine: Engine
        var folder: URL { temp.sub("memos") }

        init() throws {
            temp = try TemporaryDirectory()
            let space = SpaceID(name: "memo", dimension: 16, fingerprint: "m")
            let pack = try ModelPack(name: "memo", space: space, encoders: [
                HashTextEncoder(space: space), MemoEncoder(space: space, counter: counter),
            ])
            engine = Engine(pack: pack, indexDirectory: temp.sub("index"))
        }

        @discardableResult
        func write(_ name: String, _ lines: String...) throws -> String {
            try temp.write("memos/" + name, lines.joined(separator: "\n"))
        }

        func query(_ words: String) throws -> [SearchHit] {
            try engine.reader().search(hashVector(Array(words.utf8), dimension: 16), limit: 20)
        }
    }

    @Test func eachPassageIsARowFoundWithItsTextAndTimeRange() throws {
        let m = try Memos()
        try m.write("a.memo", "0.5 3.25 the weather tomorrow", "5 8.5 heavy rain")
        let summary = try m.engine.index(roots: [m.folder])
        #expect(summary.indexed == 1 && summary.failed == 0 && summary.notes.isEmpty)
        let hit = try #require(try m.query("heavy rain").first)
        #expect(hit.path.hasSuffix("a.memo") && hit.modality == .audio)
        #expect(abs(hit.score - 1) < 1e-5)
        let chunk = try #require(hit.part)
        #expect(chunk.index == 1 && chunk.text == "heavy rain")
        #expect(chunk.time?.start == 5 && chunk.time?.end == 8.5)
        // Offsets in the whole transcript, passages joined by a space.
        #expect(chunk.bytes == 21..<31)
        let first = try #require(try m.query("the weather tomorrow").first?.part)
        #expect(first.time?.start == 0.5 && first.time?.end == 3.25 && first.bytes == 0..<20)
    }

    @Test func aFileWithoutPassagesIsIndexedWithItsNoteNoRowsAndNotReadAgain() throws {
        let m = try Memos()
        try m.write("music.memo", "")
        try m.write("talk.memo", "0 1 hello there")
        let summary = try m.engine.index(roots: [m.folder])
        #expect(summary.indexed == 2 && summary.failed == 0)
        #expect(summary.notes.map { ($0.path as NSString).lastPathComponent } == ["music.memo"])
        #expect(summary.notes.first?.note.description == "no speech")
        #expect(try m.query("hello there").map { ($0.path as NSString).lastPathComponent } == ["talk.memo"])
        let store = try StoreInternals(m.temp.sub("index"))
        let space = try #require(try store.space(matching: m.engine.pack.space))
        let record = try #require(try store.catalog.file(path: m.folder.appendingPathComponent("music.memo").path, space: space.id))
        #expect(record.status == .ok && record.vectorRow == nil && record.vectorCount == 0 && record.note == "no speech")
        #expect(try m.engine.index.store.notes(in: space).map(\.note.description) == ["no speech"])

        let calls = m.counter.count
        let again = try m.engine.index(roots: [m.folder])
        #expect(again.indexed == 0 && again.unchanged == 2 && again.notes.isEmpty)
        #expect(m.counter.count == calls)
    }

    @Test func aCopyKeepsThePassagesTimesAndNoteWithoutBeingReadAgain() throws {
        let m = try Memos()
        try m.write("a.memo", "cut", "1 2 go forward")
        _ = try m.engine.index(roots: [m.folder])
        let calls = m.counter.count
        try FileManager.default.copyItem(at: m.folder.appendingPathComponent("a.memo"),
                                         to: m.folder.appendingPathComponent("b.memo"))
        let summary = try m.engine.index(roots: [m.folder])
        #expect(summary.reused == 1 && m.counter.count == calls)
        let hits = try m.query("go forward")
        #expect(hits.count == 2)
        for hit in hits {
            #expect(hit.part?.text == "go forward" && hit.part?.time?.start == 1 && hit.part?.time?.end == 2)
        }
        let space = try #require(try m.engine.index.space(matching: m.engine.pack.space))
        #expect(try m.engine.index.store.notes(in: space).map(\.note.description)
                == ["first 4 s of 9 s indexed", "first 4 s of 9 s indexed"])
    }

    @Test func aBadPassageFailsItsFileWithThePassageNumber() throws {
        let m = try Memos()
        try m.write("bad.memo", "0 1 fine words", "1 2 nan")
        try m.write("backwards.memo", "3 1 time runs backwards")
        try m.write("good.memo", "0 1 good words")
        let summary = try m.engine.index(roots: [m.folder])
        #expect(summary.indexed == 1)
        let reasons = Dictionary(summary.failures.map { (($0.path as NSString).lastPathComponent, $0.reason) },
                                 uniquingKeysWith: { a, _ in a })
        #expect(reasons["bad.memo"]?.hasPrefix("passage 2 of 2:") == true, "\(reasons)")
        #expect(reasons["backwards.memo"]?.hasPrefix("passage 1 of 1: span 3.0…1.0 s is not in order") == true, "\(reasons)")
    }

    @Test func aPassageFileAsTheQueryIsTheMeanOfItsPassagesWithItsTranscript() throws {
        let m = try Memos()
        let path = try m.write("q.memo", "0 1 red car", "2 3 blue sky")
        let embedding = try m.engine.embed(.file(URL(fileURLWithPath: path)))
        #expect(embedding.transcript == "red car blue sky")
        #expect(embedding.modality == .audio)
        let a = hashVector(Array("red car".utf8), dimension: 16), b = hashVector(Array("blue sky".utf8), dimension: 16)
        let sum = zip(a, b).map { $0 + $1 }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(zip(embedding.vector, sum.map { $0 / norm }).allSatisfy { abs($0 - $1) < 1e-6 })
        let silent = try m.write("silent.memo", "")
        #expect { try m.engine.embed(.file(URL(fileURLWithPath: silent))) } throws: { "\($0)".contains("no speech") }
    }
}
