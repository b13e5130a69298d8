import Foundation
import MMBERT
import MMTensor
import MMTestSupport
import Testing

/// all-MiniLM-L6-v2 (the `lite` pack's real weights) at int8 against f32, on the 1 200 texts of
/// Tests/Fixtures/lite/sentences.txt (Scripts/fixtures/make_sentences.py): package descriptions,
/// photo captions and the tokenizer's hazard strings.
@Suite(.serialized)
struct Int8AccuracyTests {
    /// The fixture's texts, `\n`, `\r` and `\\` unescaped.
    static func sentences() throws -> [String] {
        let file = try String(contentsOf: TestPaths.fixture("lite/sentences.txt"), encoding: .utf8)
        return file.unicodeScalars.split(separator: "\n").map { line in
            var out = String.UnicodeScalarView(), escaped = false
            for scalar in line {
                if escaped {
                    out.append(scalar == "n" ? "\n" : scalar == "r" ? "\r" : scalar)
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else {
                    out.append(scalar)
                }
            }
            return String(out)
        }
    }

    @Test func miniLMAtInt8StaysWithinCosine0999OfF32OnEveryText() throws {
        let texts = try Self.sentences()
        #expect(texts.count == 1200)
        let directory = try TestPaths.litePack("all-MiniLM-L6-v2")
        let f32 = try SentenceTransformer(directory: directory, precision: .f32)
        let int8 = try SentenceTransformer(directory: directory, precision: .int8)
        let (a, b) = BLAS.withThreads(2) { (f32.encode(texts), int8.encode(texts)) }
        let cosines = zip(a, b).map { cosine($0.0, $0.1) }
        let worst = cosines.indices.min { cosines[$0] < cosines[$1] }!
        let mean = cosines.reduce(0, +) / Float(cosines.count)
        print("MiniLM int8 vs f32 over \(texts.count) texts: mean cosine \(mean), min \(cosines[worst]) (\(texts[worst].debugDescription))")
        #expect(cosines[worst] >= 0.999, "text \(worst) \(texts[worst].debugDescription): cosine \(cosines[worst])")
        // The int8 model is not the f32 one in disguise.
        #expect(cosines.contains { $0 < 0.99999 })
    }
}
