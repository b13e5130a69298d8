import CSixel

/// RGB to a sixel escape sequence through libsixel: a palette of at most 256 colours chosen by
/// median cut, the image dithered onto it, written as DCS `ESC P … q` with raster attributes
/// (`"1;1;W;H`, square pixels), colour registers (`#N;2;R;G;B`) and ST `ESC \` (7-bit).
enum SixelEncoding {
    /// The colour registers asked for (what VT340-class terminals and libsixel's default give).
    static let colours: Int32 = 256

    /// `image` as one sixel sequence; `name` stands for the image in error messages.
    static func encode(_ image: RGBImage, name: String) throws -> String {
        var dither: OpaquePointer?
        var status = sixel_dither_new(&dither, colours, nil)
        guard mm_sixel_failed(status) == 0, let dither else { throw error(status, "palette", image, name) }
        defer { sixel_dither_unref(dither) }

        // libsixel takes the pixels as a mutable pointer; it reads them only.
        var pixels = image.pixels
        let sink = Sink()
        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        var output: OpaquePointer?
        status = sixel_output_new(&output, { data, size, context in
            guard let data, let context, size > 0 else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            data.withMemoryRebound(to: UInt8.self, capacity: Int(size)) {
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(size)))
            }
            return size
        }, box.toOpaque(), nil)
        guard mm_sixel_failed(status) == 0, let output else { throw error(status, "output", image, name) }
        defer { sixel_output_unref(output) }

        let width = Int32(clamping: image.width), height = Int32(clamping: image.height)
        status = pixels.withUnsafeMutableBufferPointer { buffer in
            sixel_dither_initialize(dither, buffer.baseAddress, width, height, mm_sixel_pixelformat_rgb888,
                                    mm_sixel_large_auto, mm_sixel_rep_auto, mm_sixel_quality_auto)
        }
        guard mm_sixel_failed(status) == 0 else { throw error(status, "palette", image, name) }
        status = pixels.withUnsafeMutableBufferPointer { buffer in
            sixel_encode(buffer.baseAddress, width, height, 3, dither, output)
        }
        guard mm_sixel_failed(status) == 0 else { throw error(status, "sixel", image, name) }
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// Where libsixel's output callback collects the sequence (one per call, never shared).
    private final class Sink {
        var bytes: [UInt8] = []
    }

    private static func error(_ status: SIXELSTATUS, _ step: String, _ image: RGBImage, _ name: String) -> MediaError {
        let detail = sixel_helper_format_error(status).map { String(cString: $0) } ?? "status \(status)"
        return MediaError(path: name, kind: status == mm_sixel_bad_allocation ? .outOfMemory : .unsupported,
                          reason: "cannot encode a \(image.width)x\(image.height) sixel \(step): \(detail)")
    }
}
