/// An image container this module decodes, recognised by its first bytes (never by the file
/// name's extension).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// The format whose signature `bytes` starts with, if any: JPEG is `FF D8 FF` (SOI and the
    /// next marker, Pillow's test), PNG its 8-byte signature.
    public init?(sniffing bytes: UnsafeRawBufferPointer) {
        if bytes.starts(with: ImageFormat.pngSignature) {
            self = .png
        } else if bytes.starts(with: ImageFormat.jpegSignature) {
            self = .jpeg
        } else {
            return nil
        }
    }

    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `starts with 54 68 69 73 20 69 73 20 ("This is ")`: the first bytes of unrecognised
    /// data, in hex, and as text when they are printable ASCII.
    static func describePrefix(_ bytes: UnsafeRawBufferPointer) -> String {
        let prefix = Array(bytes.prefix(8))
        let hex = prefix.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let printable = prefix.allSatisfy { (0x20...0x7E).contains($0) }
        if printable {
            let text = String(decoding: prefix, as: UTF8.self)
            return "starts with \(hex) (\"\(text)\")"
        }
        return "starts with \(hex)"
    }
}
