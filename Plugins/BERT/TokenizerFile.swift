import Foundation

/// The parts of a Hugging Face `tokenizer.json` that a BERT WordPiece tokenizer uses, with the
/// file's own key names.
struct TokenizerFile: Decodable {
    struct AddedToken: Decodable {
        let id: Int
        let content: String
        let special: Bool
        let normalized: Bool
    }

    struct Normalizer: Decodable {
        let type: String
        let clean_text: Bool?
        let handle_chinese_chars: Bool?
        let strip_accents: Bool?
        let lowercase: Bool?
    }

    struct PreTokenizer: Decodable {
        let type: String
    }

    struct Model: Decodable {
        let type: String
        let unk_token: String
        let continuing_subword_prefix: String?
        let max_input_chars_per_word: Int?
        let vocab: [String: Int]
    }

    struct PostProcessor: Decodable {
        struct SpecialToken: Decodable {
            let id: String
            let ids: [Int]
        }
        struct Piece: Decodable {
            struct Special: Decodable { let id: String }
            struct Sequence: Decodable { let id: String }
            let SpecialToken: Special?
            let Sequence: Sequence?
        }
        let type: String
        // TemplateProcessing
        let single: [Piece]?
        let special_tokens: [String: SpecialToken]?
        // BertProcessing: ["[CLS]", 101]
        let cls: [StringOrInt]?
        let sep: [StringOrInt]?
    }

    enum StringOrInt: Decodable {
        case string(String), int(Int)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
        }
        var int: Int? { if case .int(let i) = self { i } else { nil } }
    }

    let added_tokens: [AddedToken]?
    let normalizer: Normalizer?
    let pre_tokenizer: PreTokenizer?
    let model: Model
    let post_processor: PostProcessor?
}
