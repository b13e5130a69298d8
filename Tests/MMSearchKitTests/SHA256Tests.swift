import MMSearchKit
import Testing

struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func digestsMatchTheFIPSTestVectors(input: String, expected: String) {
        #expect(SHA256.hex(input) == expected)
    }

    @Test func streamingInOddChunksEqualsOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var chunked = SHA256()
        var i = 0
        for size in [1, 63, 64, 65, 7, 300, 500] where i < bytes.count {
            chunked.update(bytes[i..<min(i + size, bytes.count)])
            i += size
        }
        var whole = SHA256()
        whole.update(bytes[0..<min(i, bytes.count)])
        #expect(chunked.finalize() == whole.finalize())
    }

    @Test func aMillionAs() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

struct SHA256RawBufferTests {
    @Test func rawBufferUpdatesEqualByteUpdatesAcrossBlockBoundaries() {
        let bytes = (0..<777).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var viaBytes = SHA256()
        viaBytes.update(bytes)
        var viaRaw = SHA256()
        bytes.withUnsafeBytes { raw in
            viaRaw.update(UnsafeRawBufferPointer(rebasing: raw[0..<10]))
            viaRaw.update(UnsafeRawBufferPointer(rebasing: raw[10..<300]))
            viaRaw.update(UnsafeRawBufferPointer(rebasing: raw[300...]))
        }
        #expect(viaBytes.finalize() == viaRaw.finalize())
    }
}
