/// Finds the EXIF orientation in image metadata the way Pillow's `Image.getexif()` does, with
/// every read bounds-checked: the data comes from untrusted files.
enum ExifOrientation {
    /// What IFD0 of some EXIF data says about orientation.
    enum Lookup: Equatable {
        /// No Orientation tag (or no readable EXIF at all).
        case absent
        /// An Orientation tag, with its value when it is a single integer.
        case present(Int?)
    }

    /// Looks up the Orientation tag in EXIF data: a TIFF structure, optionally behind the
    /// `Exif\0\0` header, read like Pillow's `ImageFileDirectory_v2`: entries of unknown types
    /// are skipped, a later duplicate wins, entries read before a truncation are kept.
    static func lookup(inExif data: [UInt8]) -> Lookup {
        let base = data.starts(with: exifHeader) ? exifHeader.count : 0
        guard let reader = TIFFReader(bytes: data, base: base),
              let ifd = reader.uint32(at: 4).map(Int.init),
              let count = reader.uint16(at: ifd) else { return .absent }
        var found = Lookup.absent
        for i in 0..<Int(count) {
            let entry = ifd + 2 + 12 * i
            guard let tag = reader.uint16(at: entry),
                  let type = reader.uint16(at: entry + 2),
                  let valueCount = reader.uint32(at: entry + 4),
                  reader.uint32(at: entry + 8) != nil else { break }
            guard tag == orientationTag, knownTypes.contains(type) else { continue }
            // Pillow unwraps a single value only; anything else is no orientation it knows.
            guard valueCount == 1 else {
                found = .present(nil)
                continue
            }
            switch type {
            case 1: found = .present(reader.uint8(at: entry + 8).map(Int.init))               // BYTE
            case 3: found = .present(reader.uint16(at: entry + 8).map(Int.init))              // SHORT
            case 4: found = .present(reader.uint32(at: entry + 8).map(Int.init))              // LONG
            case 8: found = .present(reader.uint16(at: entry + 8).map { Int(Int16(bitPattern: $0)) }) // SSHORT
            case 9: found = .present(reader.uint32(at: entry + 8).map { Int(Int32(bitPattern: $0)) }) // SLONG
            default: found = .present(nil)
            }
        }
        return found
    }

    /// Pillow's fallback when EXIF has no Orientation: the first `tiff:Orientation="N` or
    /// `tiff:Orientation>N` (one digit) in the XMP packet.
    static func value(inXMP data: [UInt8]) -> Int? {
        let key = Array("tiff:Orientation".utf8)
        guard data.count > key.count else { return nil }
        var i = 0
        while i + key.count < data.count {
            if data[i] == key[0], data[i..<(i + key.count)].elementsEqual(key) {
                var j = i + key.count
                if data[j] == UInt8(ascii: "=") {
                    j += 1
                    if j < data.count, data[j] == UInt8(ascii: "\"") { j += 1 } else { i += 1; continue }
                } else if data[j] == UInt8(ascii: ">") {
                    j += 1
                } else {
                    i += 1
                    continue
                }
                if j < data.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(data[j]) {
                    return Int(data[j] - UInt8(ascii: "0"))
                }
            }
            i += 1
        }
        return nil
    }

    /// The orientation to apply: EXIF's tag if present, else XMP's, else `.up`. Values outside
    /// 1…8 are ignored, as `exif_transpose` ignores them.
    static func resolve(exif: [UInt8]?, xmp: [UInt8]?) -> ImageOrientation {
        let value: Int?
        switch exif.map(lookup(inExif:)) ?? .absent {
        case .present(let tagValue): value = tagValue
        case .absent: value = xmp.flatMap { self.value(inXMP: $0) }
        }
        return value.flatMap(ImageOrientation.init(rawValue:)) ?? .up
    }

    static let exifHeader: [UInt8] = Array("Exif\0\0".utf8)
    static let orientationTag: UInt16 = 0x0112
    /// TIFF field types Pillow reads (others are skipped with a warning).
    static let knownTypes: Set<UInt16> = Set(1...13).union([16, 17, 18])
}

/// Bounds-checked reads in a TIFF structure of either byte order. Offsets are relative to the
/// TIFF header, as in the format.
private struct TIFFReader {
    let bytes: [UInt8]
    let base: Int
    let bigEndian: Bool

    init?(bytes: [UInt8], base: Int) {
        guard bytes.count >= base + 8 else { return nil }
        let order = (bytes[base], bytes[base + 1], bytes[base + 2], bytes[base + 3])
        switch order {
        case (0x49, 0x49, 0x2A, 0x00): bigEndian = false  // "II*\0"
        case (0x4D, 0x4D, 0x00, 0x2A): bigEndian = true   // "MM\0*"
        default: return nil
        }
        self.bytes = bytes
        self.base = base
    }

    func uint8(at offset: Int) -> UInt8? {
        guard offset >= 0, base + offset < bytes.count else { return nil }
        return bytes[base + offset]
    }

    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - base - 2 else { return nil }
        let a = UInt16(bytes[base + offset])
        let b = UInt16(bytes[base + offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func uint32(at offset: Int) -> UInt32? {
        guard let first = uint16(at: offset), let second = uint16(at: offset + 2) else { return nil }
        return bigEndian ? UInt32(first) << 16 | UInt32(second) : UInt32(second) << 16 | UInt32(first)
    }
}
