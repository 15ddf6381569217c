import Foundation
import ZIPFoundation

/// Streams entries' data out of an archive, counting the real inflated bytes against the limits.
///
/// Declared sizes are not trusted: every output chunk is counted and the unzipped-size and ratio limits
/// are checked as it arrives, so a zip bomb is abandoned after a few megabytes. Only after an entry ends
/// are its real size and CRC-32 compared with what the central directory declared.
///
/// Inflation uses ZIPFoundation's streaming `Data.decompress(size:bufferSize:skipCRC32:provider:consumer:)`
/// with a provider bounded to the entry's own bytes, rather than `Archive.extract(_:consumer:)`: on Linux,
/// 0.9.20's inflate loop spins forever when its provider reaches end-of-file before the deflate stream ends
/// (weichsel/ZIPFoundation#389), and it always hands zlib `bufferSize` input bytes even from a shorter
/// chunk. Here every chunk is full-sized (zero-padded at the end) and running out throws instead.
final class EntryInflater {
    /// Size of input and output chunks.
    static let bufferSize = 32 * 1024

    /// The archive whose entries are read.
    private let archive: ZipArchive
    /// Limits in force.
    private let limits: CodeLimits
    /// Real bytes inflated so far, over all entries read.
    private(set) var totalInflated: UInt64 = 0
    /// Real compressed bytes handed to the inflater so far, over all entries read.
    private var totalCompressedRead: UInt64 = 0

    /// Prepares to read entries of `archive` under `limits`.
    init(archive: ZipArchive, limits: CodeLimits) {
        self.archive = archive
        self.limits = limits
    }

    /// Reads a symbolic link's target into memory.
    func readLinkTarget(_ record: ZipEntryRecord) throws -> [UInt8] {
        var target: [UInt8] = []
        try inflate(record) { chunk in
            target.append(contentsOf: chunk)
            if target.count > self.limits.maxPathLength {
                throw CodeValidationError.entry(
                    .unsafeLink, record.displayName, "has a link target longer than \(self.limits.maxPathLength) bytes"
                )
            }
        }
        return target
    }

    /// Streams the inflated data of `record` to `sink`, then checks its size and CRC-32.
    func inflate(_ record: ZipEntryRecord, into sink: (Data) throws -> Void) throws {
        let range = record.dataRange
        var produced: UInt64 = 0
        var consumed: UInt64 = 0
        func account(_ chunk: Data) throws {
            produced += UInt64(chunk.count)
            totalInflated += UInt64(chunk.count)
            try checkLimits(record, produced: produced, consumed: consumed)
            try sink(chunk)
        }
        let checksum: CRC32
        if record.method == 0 {
            var crc: CRC32 = 0
            var offset = range.lowerBound
            while offset < range.upperBound {
                let end = min(offset + Self.bufferSize, range.upperBound)
                let chunk = Data(archive.bytes[offset..<end])
                consumed += UInt64(chunk.count)
                totalCompressedRead += UInt64(chunk.count)
                crc = chunk.crc32(checksum: crc)
                try account(chunk)
                offset = end
            }
            checksum = crc
        } else {
            var position = range.lowerBound
            let provider: Provider = { _, requested in
                let available = range.upperBound - position
                guard requested > 0 else { return Data() }
                guard available > 0 else {
                    throw CodeValidationError.entry(.corruptEntry, record.displayName, "has a truncated deflate stream")
                }
                let take = min(requested, available)
                var chunk = Data(self.archive.bytes[position..<(position + take)])
                if take < requested { chunk.append(Data(count: requested - take)) }
                position += take
                consumed += UInt64(take)
                self.totalCompressedRead += UInt64(take)
                return chunk
            }
            do {
                checksum = try Data.decompress(
                    size: Int64(range.count), bufferSize: Self.bufferSize, skipCRC32: false,
                    provider: provider, consumer: account
                )
            } catch let error as CodeValidationError {
                throw error
            } catch let error as CodeStoreError {
                throw error
            } catch {
                throw CodeValidationError.entry(.corruptEntry, record.displayName, "has a damaged deflate stream")
            }
        }
        guard produced == record.uncompressedSize else {
            throw CodeValidationError.entry(
                .corruptEntry, record.displayName,
                "inflates to \(produced) bytes, not the \(record.uncompressedSize) bytes its header declares"
            )
        }
        guard checksum == record.crc32 else {
            throw CodeValidationError.entry(.corruptEntry, record.displayName, "fails its CRC-32 check")
        }
    }

    /// Checks the running totals after a chunk: unzipped size first, then the entry's and the archive's ratio.
    private func checkLimits(_ record: ZipEntryRecord, produced: UInt64, consumed: UInt64) throws {
        if totalInflated > UInt64(limits.maxUnzippedSize) {
            throw CodeValidationError.unzippedTooLarge(limit: limits.maxUnzippedSize)
        }
        let ratio = UInt64(limits.maxCompressionRatio)
        let threshold = UInt64(limits.compressionRatioThreshold)
        if ExtractionPlan.exceedsRatio(produced, consumed, ratio: ratio, threshold: threshold) {
            throw CodeValidationError.entryRatio(record.displayName, limits: limits)
        }
        if ExtractionPlan.exceedsRatio(totalInflated, totalCompressedRead, ratio: ratio, threshold: threshold) {
            throw CodeValidationError.archiveRatio(limits: limits)
        }
    }
}
