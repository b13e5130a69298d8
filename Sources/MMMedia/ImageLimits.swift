/// Guards on the resources one image may take, checked before anything large is allocated.
public struct ImageLimits: Sendable, Equatable {
    /// The largest image accepted, in pixels (width x height as the file declares it, before any
    /// DCT scaling). Default 128 000 000 (128 MP): ten times a 12 MP phone photo; decoded as RGB
    /// it takes 384 MB. A file claiming more is refused from its header alone.
    public var maxPixels: Int
    /// The largest file accepted, in bytes. Default 256 MiB.
    public var maxFileBytes: Int
    /// The most pixels the image may have once resized to the size its consumer asks for (the
    /// `draft` size: the shorter side scaled to it). Default 16 000 000 (16 MP, 48 MB as RGB).
    /// A photo of any common shape stays far below (a 6:1 panorama at 256 px is 0.4 MP); what
    /// this refuses is an extreme aspect ratio, such as a 1 x 30 000 strip that a resize to
    /// 256 px on its short side would inflate to 256 x 7 680 000 (2 GP). Checked from the
    /// header, before any pixel is decoded.
    public var maxResizedPixels: Int

    public static let defaultMaxPixels = 128_000_000
    public static let defaultMaxFileBytes = 256 << 20
    public static let defaultMaxResizedPixels = 16_000_000

    public init(maxPixels: Int = ImageLimits.defaultMaxPixels,
                maxFileBytes: Int = ImageLimits.defaultMaxFileBytes,
                maxResizedPixels: Int = ImageLimits.defaultMaxResizedPixels) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.maxResizedPixels = maxResizedPixels
    }

    /// Refuses an image of `width` x `height` (as stored) that would exceed `maxResizedPixels`
    /// once its shorter side is scaled to `side` (torchvision's `Resize(side)` rule).
    func checkResize(width: Int, height: Int, toShorterSide side: Int, name: String) throws {
        let short = min(width, height), long = max(width, height)
        guard side > 0, short > 0 else { return }
        let newLong = Double(side) * Double(long) / Double(short)
        let resized = Double(side) * newLong
        guard resized > Double(maxResizedPixels) else { return }
        let (w, h) = width <= height ? (side, Int(newLong)) : (Int(newLong), side)
        let ratio = Int((Double(long) / Double(short)).rounded())
        throw MediaError(path: name, kind: .tooManyPixels,
                         reason: "\(width) x \(height) pixels would become \(w) x \(h) (\(megapixels(Int(min(resized, 1e18))))) "
                            + "resized to \(side) pixels on its shorter side, above the limit of "
                            + "\(megapixels(maxResizedPixels)): its aspect ratio of \(ratio):1 is too extreme")
    }
}

/// "900 MP", "1.5 MP", "4000 pixels": a pixel count with the precision a person needs.
func megapixels(_ pixels: Int) -> String {
    if pixels >= 10_000_000 {
        return "\((pixels + 500_000) / 1_000_000) MP"
    }
    if pixels >= 100_000 {
        let tenths = (pixels + 50_000) / 100_000
        return tenths % 10 == 0 ? "\(tenths / 10) MP" : "\(tenths / 10).\(tenths % 10) MP"
    }
    return "\(pixels) pixels"
}

/// "300 MB", "12 KB", "900 bytes": decimal units, rounded.
func byteCount(_ bytes: Int) -> String {
    switch bytes {
    case ..<1_000: return "\(bytes) bytes"
    case ..<1_000_000: return "\((bytes + 500) / 1_000) KB"
    default: return "\((bytes + 500_000) / 1_000_000) MB"
    }
}
