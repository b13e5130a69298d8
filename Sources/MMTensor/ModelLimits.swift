/// The largest values a model file may set. Every count, size and id read from a `config.json`,
/// a tokenizer file or a `preprocessor_config.json` is checked against these at load (by
/// `ConfigCheck`), so that no product of them overflows `Int` and no buffer sized from them is
/// absurd, whatever the file says: a model file is untrusted input.
///
/// Each bound is far above any checkpoint of the families mmsearch runs (the largest CLIP,
/// ViT-bigG/14, is 1664 wide with an MLP of 8192, 48 layers and 257 image tokens; RoBERTa-large
/// is 1024 wide, 24 layers, 514 positions; the vocabularies hold 30 522 to 50 265 tokens) and far
/// below where sizes computed from them would overflow or ask for terabytes.
public enum ModelLimits {
    /// A layer's width: `hidden_size`, `intermediate_size`, `projection_dim`, channels, filters,
    /// classes (2^16).
    public static let width = 1 << 16
    /// Layers of a tower, blocks of a stage, repeats of a block (2^10).
    public static let layers = 1 << 10
    /// Attention heads of a layer (2^10; they must also divide its width).
    public static let heads = 1 << 10
    /// Tokens of a vocabulary, and so one more than the largest token id (2^22 = 4 194 304).
    public static let vocabulary = 1 << 22
    /// Tokens of one sequence: a text tower's `max_position_embeddings`, a tokenizer's
    /// maximum length, the patches of a vision or audio tower's grid. Attention needs
    /// `tokens²` floats of scratch, 256 MiB at this bound (2^13 = 8192).
    public static let sequence = 1 << 13
    /// Side of an image a network takes or a preprocessing step makes, or of a spectrogram image,
    /// in pixels (2^12 = 4096).
    public static let imageSide = 1 << 12
    /// Side of a convolution kernel or an image patch (64: CLIP's patches are 14 to 32 pixels,
    /// HTSAT's 4, EfficientNet's kernels 3 and 5).
    public static let kernel = 64
    /// Floats of the widest intermediate result of one input (a sequence, an image, a clip) in
    /// a network, as its configuration sizes it (2^25: 128 MiB as float32): sizes that each pass
    /// the bounds above can still multiply into terabytes, while the weights that come with them
    /// stay small. The real models' widest are a few million (ViT-L/14 at 336 px: 577 tokens ×
    /// 4096; EfficientNet-Lite4: 150² × 192).
    public static let activation = 1 << 25
    /// Samples per second of audio a feature extractor expects (192 kHz).
    public static let sampleRate = 192_000
    /// Seconds of audio a feature extractor cuts a clip to (60 s).
    public static let clipSeconds = 60
    /// Spectrogram frames of one clip (2^16).
    public static let frames = 1 << 16
    /// FFT window of a spectrogram, in samples (2^15).
    public static let fftWindow = 1 << 15
    /// Mel bins of a spectrogram (2^10).
    public static let melBins = 1 << 10
    /// Characters of one word a WordPiece tokenizer splits (`max_input_chars_per_word`: 100 in
    /// BERT's tokenizers; the greedy longest match is quadratic in the word's length) (2^10).
    public static let wordCharacters = 1 << 10
    /// Elements of one tensor read as floats (2^30: 4 GiB as float32); a config can only ask
    /// for a tensor of the shape it implies, and no model here has one near this.
    public static let tensorElements = 1 << 30
    /// Bytes of one JSON or text file a loader reads (`config.json`, `tokenizer.json`,
    /// `vocab.json`, `merges.txt`, …): 256 MiB, where the largest real tokenizer files hold a
    /// few tens of MB.
    public static let textFileBytes = 256 << 20
}
