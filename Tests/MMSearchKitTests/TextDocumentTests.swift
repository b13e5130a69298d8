import Foundation
import Testing
@testable import MMEmbeddedStore
@testable import MMSearchKit

/// Plain-text files: chunking, offsets, and chunks as search results.
@Suite struct TextDocumentTests {
    let chunker = TextChunker(chunking: wordChunking)  // 8 words a chunk

    func bytes(_ text: String, _ range: Range<Int>) -> String {
        String(decoding: Array(text.utf8)[range], as: UTF8.self)
    }

    @Test func shortParagraphsArePackedAndNeverSplit() {
        let text = "One two three.\n\nFour five.\n\n\n  Six seven eight nine.\n\nTen."
        let chunks = chunker.chunks(text)
        #expect(chunks.map(\.text) == ["One two three.\n\nFour five.", "Six seven eight nine.\n\nTen."])
        for chunk in chunks {
            #expect(bytes(text, chunk.bytes!) == chunk.text)
            #expect(wordChunking.countTokens(chunk.text ?? "") <= 8)
        }
        #expect(chunks.map(\.index) == [0, 1])
    }

    @Test func aLongParagraphIsCutAtSentencesThenWordsThenCharacters() {
        let long = "Alpha beta gamma delta. Epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho. Sigma!"
        let chunks = chunker.chunks("Intro words here.\n\n" + long + "\n\nOutro.")
        for chunk in chunks { #expect(wordChunking.countTokens(chunk.text ?? "") <= 8) }
        // The long paragraph starts its own chunk; its first sentence stays whole.
        #expect(chunks.first?.text == "Intro words here.")
        #expect(chunks[1].text == "Alpha beta gamma delta.")
        #expect(chunks.compactMap(\.text).joined(separator: " ").split(whereSeparator: \.isWhitespace)
                == ("Intro words here. " + long + " Outro.").split(whereSeparator: \.isWhitespace), "no word lost")

        // One word longer than the budget (by a character counter) is cut between characters.
        let byCharacters = TextChunker(chunking: TextChunking(maxTokens: 4) { $0.count })
        let cut = byCharacters.chunks("ab\n\nabcdefghij")
        #expect(cut.map(\.text) == ["ab", "abcd", "efgh", "ij"])
    }

    @Test func offsetsAreUTF8ByteOffsets() {
        let text = "Ünïcødé façade — naïve.\n\n日本語のテキスト。\n\nEnd ✓"
        let chunks = TextChunker(chunking: TextChunking(maxTokens: 3) { $0.split(separator: " ").count }).chunks(text)
        #expect(chunks.count >= 2)
        for chunk in chunks { #expect(bytes(text, chunk.bytes!) == chunk.text) }
    }

    @Test func textFilesAreIndexedAsChunksThatResultsCarry() throws {
        let f = try Fixture(chunking: wordChunking)
        let notes = try f.photo("notes.md", "# Trip\n\nWe saw a dog on the beach.\n\nThen it rained all day long, and the whole town was wet and grey.")
        try f.photo("a.jpg", "an image")
        let (summary, _) = try f.index()
        #expect(summary.indexed == 2 && summary.failed == 0)
        let record = try #require(try f.catalog().file(path: notes, space: 1))
        #expect(record.modality == .text && record.vectorCount >= 3)
        let chunks = try f.catalog().chunks(fileID: record.id)
        #expect(chunks.count == record.vectorCount)
        let content = try Data(contentsOf: URL(fileURLWithPath: notes))
        for chunk in chunks {
            #expect(String(decoding: content[try #require(chunk.bytes)], as: UTF8.self) == chunk.text)
        }
        // Searching for a chunk's text finds that chunk, with its offsets and text.
        let target = try #require(chunks.first { $0.text?.contains("dog") == true })
        let hit = try #require(try f.engine.search(.text(target.text ?? ""), limit: 3).first)
        #expect(hit.path == notes && hit.modality == .text && hit.part?.part == target)
        #expect(abs(hit.score - 1) < 1e-5)
        #expect(hit.part?.part.snippet(limit: 10) == "# Trip We…" || hit.part?.part.snippet(limit: 10).hasSuffix("…") == true)
    }

    @Test func aByteOrderMarkShiftsOffsetsAndBadTextIsAFailureWithAReason() throws {
        let f = try Fixture(chunking: wordChunking)
        let bom = f.photos.path + "/bom.txt"
        try Data([0xEF, 0xBB, 0xBF] + Array("Hello there.".utf8)).write(to: URL(fileURLWithPath: bom))
        let latin1 = f.photos.path + "/latin1.txt"
        try Data([0x63, 0x61, 0x66, 0xE9]).write(to: URL(fileURLWithPath: latin1))
        let binary = f.photos.path + "/binary.txt"
        try Data([0x41, 0x00, 0x42]).write(to: URL(fileURLWithPath: binary))
        let empty = try f.photo("empty.md", "  \n\n ")
        let poisoned = try f.photo("poison.txt", "fine words, quite a few of them here.\n\nbut poison here")
        let (summary, failures) = try f.index()
        let reasons = Dictionary(uniqueKeysWithValues: failures.map { ($0.path, $0.reason) })
        #expect(reasons[latin1] == "not UTF-8 text")
        #expect(reasons[binary] == "not a text file (it contains NUL bytes)")
        #expect(reasons[poisoned] == "chunk 2 of 2: poisoned text")
        #expect(summary.failed == 3)
        let record = try #require(try f.catalog().file(path: bom, space: 1))
        #expect(try f.catalog().chunks(fileID: record.id).map(\.bytes) == [3..<15])
        // An empty document is indexed with no vectors: not a failure, and not retried.
        #expect(try f.catalog().file(path: empty, space: 1)?.status == .ok)
        #expect(try f.catalog().file(path: empty, space: 1)?.vectorRow == nil)
        #expect(try f.rowsAddUp())
    }

    @Test func aLongTextIsCutAtItsChunkBudgetWithANoteAndKeptUntilItChanges() throws {
        let f = try Fixture(chunking: wordChunking)
        // 100 paragraphs of 8 words: 100 chunks.
        let paragraphs = (0..<100).map { i in "paragraph \(i) of the long notes, words here" }
        let long = try f.photo("long.txt", paragraphs.joined(separator: "\n\n"))
        let short = try f.photo("short.txt", "a short note with a few words")
        var options = IndexOptions(threads: 2)
        options.textBudget = TextBudget(maxChunks: 40)
        var chunkCounts: [(done: Int, total: Int)] = []
        let (summary, failures) = try f.index(options: options) { progress in
            if progress.phase == .embedding { chunkCounts.append((progress.chunksDone, progress.chunksTotal)) }
        }
        #expect(failures.isEmpty && summary.indexed == 2)
        // The progress counts the long file's chunks within its budget, never past it.
        #expect(chunkCounts.contains { $0 == (40, 40) }, "\(chunkCounts)")
        #expect(chunkCounts.allSatisfy { $0.done <= $0.total && $0.total <= 40 }, "\(chunkCounts)")
        #expect(summary.notes.map(\.path) == [long])
        #expect(summary.notes.first?.note.description == "first 40 of 100 chunks indexed")
        let record = try #require(try f.catalog().file(path: long, space: 1))
        #expect(record.vectorCount == 40 && record.fileNote?.chunksCut?.kept == 40)
        #expect(try f.catalog().file(path: short, space: 1)?.vectorCount == 1)
        // The first 40 are searchable; the rest is not there.
        #expect(try f.engine.search(.text(paragraphs[39]), limit: 1).first?.part?.index == 39)
        #expect(try f.engine.search(.text(paragraphs[40]), limit: 1).first?.part?.index != 40)
        // Not read again until it changes.
        let (again, _) = try f.index(options: options)
        #expect(again.indexed == 0 && again.unchanged == 2)
        #expect(try f.rowsAddUp())
    }

    @Test func aLongTextStopsAtItsTimeBudgetBetweenPieces() throws {
        let f = try Fixture(chunking: wordChunking)
        let paragraphs = (0..<100).map { i in "paragraph \(i) of the long notes, words here" }
        let long = try f.photo("long.txt", paragraphs.joined(separator: "\n\n"))
        var options = IndexOptions(threads: 1)
        // Spent after the first piece of chunks, whatever the machine.
        options.textBudget = TextBudget(maxSeconds: 1e-9)
        let (summary, _) = try f.index(options: options)
        let piece = EmbeddingWorkers.textPiece
        #expect(summary.notes.first?.note.description == "first \(piece) of 100 chunks indexed")
        #expect(try f.catalog().file(path: long, space: 1)?.vectorCount == piece)
    }

    @Test func aSixteenMebibyteTextIsIndexedWithinItsBudget() throws {
        let f = try Fixture(chunking: wordChunking)
        // Just under the 16 MiB a text file may have: about 400 000 short paragraphs.
        var text = ""
        var i = 0
        while text.utf8.count < TextDocument.maxBytes - 64 {
            text += "note \(i) about the day, short words.\n\n"
            i += 1
        }
        let big = try f.photo("big.md", text)
        let (summary, failures) = try f.index()
        #expect(failures.isEmpty && summary.indexed == 1)
        let record = try #require(try f.catalog().file(path: big, space: 1))
        #expect(record.vectorCount == TextBudget.defaultMaxChunks)
        #expect(record.fileNote?.chunksCut?.kept == TextBudget.defaultMaxChunks)
        #expect((record.fileNote?.chunksCut?.of ?? 0) > 100_000)
    }

    @Test func aRenamedTextFileKeepsItsChunks() throws {
        let counter = CallCounter()
        let f = try Fixture(counter: counter, chunking: wordChunking)
        let old = try f.photo("a.txt", "One paragraph here, with enough words in it.\n\nAnother one there.")
        _ = try f.index()
        let embedded = counter.count
        let new = f.photos.path + "/b.txt"
        try FileManager.default.moveItem(atPath: old, toPath: new)
        let (summary, _) = try f.index()
        #expect(summary.reused == 1 && counter.count == embedded)
        let hit = try #require(try f.engine.search(.text("Another one there."), limit: 1).first)
        #expect(hit.path == new && hit.part?.index == 1)
    }

    @Test func theLitePackStyleHintIsUsedWhenTheEncoderGivesOne() throws {
        // Without a hint the host assumes 256 tokens of about 4 bytes: a 2000-byte paragraph of
        // short words is cut; with a generous hint it is one chunk.
        let paragraph = String(repeating: "word ", count: 400)
        let guessed = TextChunker(chunking: .approximate).chunks(paragraph)
        let hinted = TextChunker(chunking: TextChunking(maxTokens: 1000) { $0.split(separator: " ").count }).chunks(paragraph)
        #expect(guessed.count == 2)
        #expect(hinted.count == 1)
    }
}
