import CVectorKernels

/// CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and LevelDB): the checksum of
/// vector-file and graph-file headers, of blocks of rows (see `RowChecksumFile`) and of graph
/// bodies. The SSE 4.2 `crc32` instruction where the CPU has it (`mms_crc32c_update`), a table
/// otherwise. A CRC continues: the checksum of `a + b` is
/// `CRC32C.update(CRC32C.checksum(a), b)`.
enum CRC32C {
    /// The checksum of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The checksum of the bytes `crc` was computed over followed by `bytes`.
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return mms_crc32c_update(crc, base, bytes.count)
    }
}
