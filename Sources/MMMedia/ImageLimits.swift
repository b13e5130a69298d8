/// Guards on the resources one image may take, checked before anything large is allocated.
public struct ImageLimits: Sendable, Equatable {
    /// The largest image accepted, in pixels (width x height as the file declares it, before any
    /// DCT scaling). Default 128 000 000 (128 MP): ten times a 12 MP phone photo; decoded as RGB
    /// it takes 384 MB. A file claiming more is refused from its header alone.
    public var maxPixels: Int
    /// The largest file accepted, in bytes. Default 256 MiB.
    public var maxFileBytes: Int

    public static let defaultMaxPixels = 128_000_000
    public static let defaultMaxFileBytes = 256 << 20

    public init(maxPixels: Int = ImageLimits.defaultMaxPixels,
                maxFileBytes: Int = ImageLimits.defaultMaxFileBytes) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
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
