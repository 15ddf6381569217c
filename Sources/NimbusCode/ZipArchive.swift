/// A zip archive's central directory, parsed from untrusted bytes with every offset and length checked.
///
/// Only the central directory is trusted for names, sizes and attributes (as unzip tools do); local headers
/// are read solely to find where each entry's data starts. Multi-disk archives and archives with data
/// prepended (self-extractors) are refused as not-a-zip.
struct ZipArchive: Sendable {
    /// The whole archive.
    let bytes: [UInt8]
    /// The entries in central-directory order, each with its data range resolved.
    let entries: [ZipEntryRecord]

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50

    /// Where the central directory lies and how many entries it declares.
    private struct Directory {
        var offset: Int
        var size: Int
        var entryCount: UInt64
    }

    /// Parses `bytes`, refusing anything that is not a well-formed single-disk zip.
    init(bytes: [UInt8], limits: CodeLimits) throws {
        let directory = try Self.locateDirectory(bytes)
        guard directory.entryCount <= UInt64(limits.maxEntryCount) else {
            throw CodeValidationError.tooManyEntries(limit: limits.maxEntryCount)
        }
        // Each record takes at least 46 bytes, so a larger count is a lie.
        guard directory.entryCount <= UInt64(directory.size / 46) else { throw CodeValidationError.notAZip }
        var entries: [ZipEntryRecord] = []
        entries.reserveCapacity(Int(directory.entryCount))
        var position = directory.offset
        let end = directory.offset + directory.size
        for index in 0..<Int(directory.entryCount) {
            var record = try Self.readCentralRecord(bytes, at: &position, end: end, index: index)
            record.dataRange = try Self.locateData(bytes, of: record, before: directory.offset)
            entries.append(record)
        }
        try Self.checkNoOverlap(entries)
        self.bytes = bytes
        self.entries = entries
    }

    /// Finds the end-of-central-directory record (and its ZIP64 form when present) by scanning backwards.
    private static func locateDirectory(_ bytes: [UInt8]) throws -> Directory {
        guard bytes.count >= 22 else { throw CodeValidationError.notAZip }
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var candidate = bytes.count - 22
        while candidate >= lowest {
            if bytes.le32(candidate) == endOfCentralDirectorySignature,
               let commentLength = bytes.le16(candidate + 20),
               candidate + 22 + Int(commentLength) <= bytes.count {
                return try readDirectory(bytes, endRecord: candidate)
            }
            candidate -= 1
        }
        throw CodeValidationError.notAZip
    }

    /// Reads the end record at `endRecord`, following the ZIP64 locator when a field is saturated.
    private static func readDirectory(_ bytes: [UInt8], endRecord: Int) throws -> Directory {
        guard let disk = bytes.le16(endRecord + 4), let directoryDisk = bytes.le16(endRecord + 6),
              let onDisk = bytes.le16(endRecord + 8), let total = bytes.le16(endRecord + 10),
              let size = bytes.le32(endRecord + 12), let offset = bytes.le32(endRecord + 16)
        else { throw CodeValidationError.notAZip }
        var directory = Directory(offset: Int(offset), size: Int(size), entryCount: UInt64(total))
        var endOfDirectory = endRecord
        let saturated = total == 0xFFFF || onDisk == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF
        if saturated && endRecord >= 20 && bytes.le32(endRecord - 20) == zip64LocatorSignature {
            guard let recordOffset64 = bytes.le64(endRecord - 20 + 8), recordOffset64 < UInt64(endRecord),
                  bytes.le32(Int(recordOffset64)) == zip64EndSignature
            else { throw CodeValidationError.notAZip }
            let record = Int(recordOffset64)
            guard let disk64 = bytes.le32(record + 16), let directoryDisk64 = bytes.le32(record + 20),
                  let onDisk64 = bytes.le64(record + 24), let total64 = bytes.le64(record + 32),
                  let size64 = bytes.le64(record + 40), let offset64 = bytes.le64(record + 48),
                  disk64 == 0, directoryDisk64 == 0, onDisk64 == total64,
                  size64 <= UInt64(bytes.count), offset64 <= UInt64(bytes.count)
            else { throw CodeValidationError.notAZip }
            directory = Directory(offset: Int(offset64), size: Int(size64), entryCount: total64)
            endOfDirectory = record
        } else {
            guard disk == 0, directoryDisk == 0, onDisk == total else { throw CodeValidationError.notAZip }
        }
        guard directory.offset + directory.size <= endOfDirectory else { throw CodeValidationError.notAZip }
        return directory
    }

    /// Reads the central-directory record at `position` and advances past it.
    private static func readCentralRecord(
        _ bytes: [UInt8], at position: inout Int, end: Int, index: Int
    ) throws -> ZipEntryRecord {
        let start = position
        guard start + 46 <= end, bytes.le32(start) == centralHeaderSignature,
              let madeBy = bytes.le16(start + 4), let flags = bytes.le16(start + 8),
              let method = bytes.le16(start + 10), let crc = bytes.le32(start + 16),
              let compressed32 = bytes.le32(start + 20), let uncompressed32 = bytes.le32(start + 24),
              let nameLength = bytes.le16(start + 28), let extraLength = bytes.le16(start + 30),
              let commentLength = bytes.le16(start + 32), let attributes = bytes.le32(start + 38),
              let offset32 = bytes.le32(start + 42)
        else { throw CodeValidationError.corruptArchive("central directory record \(index + 1) is unreadable") }
        let nameStart = start + 46
        let extraStart = nameStart + Int(nameLength)
        position = extraStart + Int(extraLength) + Int(commentLength)
        guard position <= end, let rawName = bytes.bytes(nameStart, Int(nameLength)),
              let extra = bytes.bytes(extraStart, Int(extraLength))
        else { throw CodeValidationError.corruptArchive("central directory record \(index + 1) is truncated") }
        let lossyName = String(decoding: rawName, as: UTF8.self)
        guard let name = ZipEntryRecord.decodeName(rawName, utf8Flag: flags & 0x0800 != 0) else {
            throw CodeValidationError.entry(
                .unsafePath, ZipEntryRecord.display(lossyName), "has a name that is not valid UTF-8"
            )
        }
        var record = ZipEntryRecord(
            index: index, name: name, displayName: ZipEntryRecord.display(name), versionMadeBy: madeBy,
            flags: flags, method: method, crc32: crc, compressedSize: UInt64(compressed32),
            uncompressedSize: UInt64(uncompressed32), externalAttributes: attributes,
            localHeaderOffset: UInt64(offset32)
        )
        if uncompressed32 == 0xFFFF_FFFF || compressed32 == 0xFFFF_FFFF || offset32 == 0xFFFF_FFFF {
            try applyZip64Extra(extra, to: &record,
                                saturated: (uncompressed32 == 0xFFFF_FFFF, compressed32 == 0xFFFF_FFFF,
                                            offset32 == 0xFFFF_FFFF))
        }
        return record
    }

    /// Replaces saturated 32-bit fields with the 64-bit values from the ZIP64 extended-information field.
    private static func applyZip64Extra(
        _ extra: [UInt8], to record: inout ZipEntryRecord, saturated: (size: Bool, compressed: Bool, offset: Bool)
    ) throws {
        let display = record.displayName
        var cursor = 0
        while let id = extra.le16(cursor), let length = extra.le16(cursor + 2) {
            let body = cursor + 4
            guard body + Int(length) <= extra.count else { break }
            if id == 0x0001 {
                var field = body
                func next() throws -> UInt64 {
                    guard field + 8 <= body + Int(length), let value = extra.le64(field) else {
                        throw CodeValidationError.entry(.corruptEntry, display, "has a damaged ZIP64 field")
                    }
                    field += 8
                    return value
                }
                if saturated.size { record.uncompressedSize = try next() }
                if saturated.compressed { record.compressedSize = try next() }
                if saturated.offset { record.localHeaderOffset = try next() }
                return
            }
            cursor = body + Int(length)
        }
        throw CodeValidationError.entry(.corruptEntry, display, "lacks its ZIP64 field")
    }

    /// Reads the local header of `record` and returns where its stored data lies, all before the directory.
    private static func locateData(
        _ bytes: [UInt8], of record: ZipEntryRecord, before limit: Int
    ) throws -> Range<Int> {
        let damaged = CodeValidationError.entry(.corruptEntry, record.displayName, "has a damaged local header")
        guard record.localHeaderOffset <= UInt64(limit) else { throw damaged }
        let header = Int(record.localHeaderOffset)
        guard header + 30 <= limit, bytes.le32(header) == localHeaderSignature,
              let nameLength = bytes.le16(header + 26), let extraLength = bytes.le16(header + 28)
        else { throw damaged }
        let start = header + 30 + Int(nameLength) + Int(extraLength)
        guard start <= limit, record.compressedSize <= UInt64(limit - start) else {
            throw CodeValidationError.entry(.corruptEntry, record.displayName, "has data past the end of the archive")
        }
        return start..<(start + Int(record.compressedSize))
    }

    /// Refuses entries whose header and data overlap another's: the trick behind overlapping-file zip bombs.
    private static func checkNoOverlap(_ entries: [ZipEntryRecord]) throws {
        let ordered = entries.sorted { ($0.localHeaderOffset, $0.index) < ($1.localHeaderOffset, $1.index) }
        for (previous, next) in zip(ordered, ordered.dropFirst())
        where next.localHeaderOffset < UInt64(previous.dataRange.upperBound) {
            throw CodeValidationError.entry(
                .corruptEntry, next.displayName, "overlaps the data of entry '\(previous.displayName)'"
            )
        }
    }
}
