import Foundation

/// WAV files built in memory by the tests, for rules that need exact, hand-picked samples.
enum TestWAV {
    /// A 16-bit PCM WAV: `frames[i]` holds one sample per channel.
    static func pcm16(_ frames: [[Int16]], sampleRate: Int) -> [UInt8] {
        let channels = frames.first?.count ?? 1
        var data: [UInt8] = []
        data.reserveCapacity(frames.count * channels * 2)
        for frame in frames {
            precondition(frame.count == channels)
            for sample in frame {
                let bits = UInt16(bitPattern: sample)
                data += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
            }
        }
        return riff(tag: 1, channels: channels, sampleRate: sampleRate, bitsPerSample: 16, data: data)
    }

    static func riff(tag: Int, channels: Int, sampleRate: Int, bitsPerSample: Int, data: [UInt8]) -> [UInt8] {
        let align = channels * bitsPerSample / 8
        var fmt: [UInt8] = []
        fmt += le(tag, 2) + le(channels, 2) + le(sampleRate, 4) + le(sampleRate * align, 4) + le(align, 2) + le(bitsPerSample, 2)
        var body: [UInt8] = Array("WAVE".utf8)
        body += Array("fmt ".utf8) + le(fmt.count, 4) + fmt
        body += Array("data".utf8) + le(data.count, 4) + data
        if data.count % 2 == 1 { body.append(0) }
        return Array("RIFF".utf8) + le(body.count, 4) + body
    }

    static func le(_ value: Int, _ size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Stereo 16-bit frames of a deterministic signal: a tone, another tone and some noise.
    static func stereoSignal(frames: Int, sampleRate: Int) -> [[Int16]] {
        var state: UInt32 = 12345
        return (0..<frames).map { i in
            state = state &* 1_664_525 &+ 1_013_904_223
            let t = Double(i) / Double(sampleRate)
            let noise = Double(Int32(bitPattern: state) >> 16) / 32768 * 0.02
            let left = 0.4 * sin(2 * Double.pi * 440 * t) + noise
            let right = 0.3 * sin(2 * Double.pi * 2500 * t) - noise
            return [Int16(left * 32767), Int16(right * 32767)]
        }
    }
}
