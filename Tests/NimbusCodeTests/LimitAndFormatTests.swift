import Foundation
import NimbusCode
import Testing

@Suite struct LimitAndFormatTests {
    static let notAZipMessage = "Could not unzip uploaded file. Please check your file, then try to upload again."

    @Test func notAZipIsRefused() throws {
        for data in [[], Array("hello, world".utf8), [UInt8](repeating: 0x50, count: 100)] as [[UInt8]] {
            let error = try rejection(data)
            #expect(error.kind == .notAZip)
            #expect(error.message == Self.notAZipMessage)
        }
        #expect(throws: CodeValidationError.self) { try Sandbox().store().store(Data()) }
    }

    @Test func zippedSizeIsCheckedBeforeParsing() throws {
        let limits = CodeLimits(maxZippedSize: 100)
        let garbage = try rejection([UInt8](repeating: 0xAB, count: 101), limits: limits)
        #expect(garbage.kind == .zippedTooLarge)
        #expect(garbage.message == "Zipped size must be smaller than 100 bytes")
        let zip = makeZip([.file("a.txt", String(repeating: "a", count: 200))])
        #expect(try rejection(zip, limits: limits).kind == .zippedTooLarge)
        #expect(CodeValidationError.Kind.zippedTooLarge.rawValue == "zippedTooLarge")
    }

    @Test func lambdaDefaultsMatchAWS() {
        #expect(CodeLimits.lambda.maxZippedSize == 52_428_800)
        #expect(CodeLimits.lambda.maxUnzippedSize == 262_144_000)
    }

    @Test func tooManyEntriesIsRefused() throws {
        let zip = makeZip((0..<4).map { .file("f\($0)", "x") })
        let error = try rejection(zip, limits: CodeLimits(maxEntryCount: 3))
        #expect(error.kind == .tooManyEntries)
        #expect(error.message == "Could not unzip uploaded file. The deployment package has more than 3 entries.")
    }

    @Test func honestZipBombIsRefusedBeforeInflating() throws {
        // 300 MiB of zeros in ~300 KB, sizes declared truthfully.
        let bomb = Deflate.zeroBomb(pairs: (300 * 1024 * 1024 - 1) / 258)
        #expect(bomb.deflated.count < 310_000)
        var entry = TestEntry.raw("bomb.bin", payload: bomb.deflated, method: 8)
        entry.uncompressedSize = UInt64(bomb.inflatedSize)
        let error = try rejection(makeZip([entry]))
        #expect(error.kind == .unzippedTooLarge)
        #expect(error.message == "Unzipped size must be smaller than 262144000 bytes")
        // 100 MiB fits the size limit but not the 1:500 ratio.
        let smaller = Deflate.zeroBomb(pairs: 100 * 1024 * 1024 / 258)
        entry = TestEntry.raw("bomb.bin", payload: smaller.deflated, method: 8)
        entry.uncompressedSize = UInt64(smaller.inflatedSize)
        let ratio = try rejection(makeZip([entry]))
        #expect(ratio.kind == .compressionRatio)
        #expect(ratio.message == "Could not unzip uploaded file. Entry 'bomb.bin' expands more than 500 times its compressed size.")
    }

    @Test func lyingZipBombIsStoppedWhileInflating() throws {
        // Declares 1000 bytes; really inflates to 300 MiB. Real bytes are counted, so it stops after a few MiB.
        let bomb = Deflate.zeroBomb(pairs: (300 * 1024 * 1024 - 1) / 258)
        var entry = TestEntry.raw("bomb.bin", payload: bomb.deflated, method: 8)
        entry.uncompressedSize = 1000
        let started = Date()
        let error = try rejection(makeZip([.file("index.js", "x"), entry]))
        #expect(error.kind == .compressionRatio)
        #expect(error.entry == "bomb.bin")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func lyingSizesAreCaughtByRealCounting() throws {
        var entry = TestEntry.deflated("big.txt", [UInt8](repeating: 0x41, count: 5_000))
        entry.uncompressedSize = 10
        let limited = try rejection(makeZip([entry]), limits: CodeLimits(maxUnzippedSize: 1_000))
        #expect(limited.kind == .unzippedTooLarge)
        #expect(limited.message == "Unzipped size must be smaller than 1000 bytes")
        let mismatch = try rejection(makeZip([entry]))
        #expect(mismatch.kind == .corruptEntry)
        #expect(mismatch.message == "Could not unzip uploaded file. Entry 'big.txt' inflates to 5000 bytes, "
            + "not the 10 bytes its header declares.")
    }

    @Test func archiveWideRatioIsChecked() throws {
        // Many small bombs, each below the per-entry threshold, together far above the archive ratio.
        let limits = CodeLimits(compressionRatioThreshold: 1024 * 1024)
        let piece = Deflate.zeroBomb(pairs: 900 * 1024 / 258)
        let entries = (0..<4).map { index -> TestEntry in
            var entry = TestEntry.raw("part\(index)", payload: piece.deflated, method: 8)
            entry.uncompressedSize = UInt64(piece.inflatedSize)
            return entry
        }
        let error = try rejection(makeZip(entries), limits: limits)
        #expect(error.kind == .compressionRatio)
        #expect(error.entry == nil)
    }

    @Test func truncatedDeflateStreamFailsFast() throws {
        // A stored block announcing 65535 bytes that the archive does not have: ZIPFoundation 0.9.20's
        // Archive.extract spins forever on Linux here; the bounded provider reports it instead.
        let payload: [UInt8] = [0x00, 0xFF, 0xFF, 0x00, 0x00] + Array("hello".utf8)
        var entry = TestEntry.raw("cut.txt", payload: payload, method: 8)
        entry.uncompressedSize = 65_535
        let error = try rejection(makeZip([entry]))
        #expect(error.kind == .corruptEntry)
        #expect(error.message == "Could not unzip uploaded file. Entry 'cut.txt' has a truncated deflate stream.")
        let garbage = TestEntry.raw("bad.txt", payload: [0xFF, 0xFF, 0xFF], method: 8, inflated: [1])
        #expect(try rejection(makeZip([garbage])).kind == .corruptEntry)
    }

    @Test func badChecksumsAndHeadersAreRefused() throws {
        var crc = TestEntry.deflated("a.txt", Array("hello".utf8))
        crc.crc32 ^= 1
        let crcError = try rejection(makeZip([crc]))
        #expect(crcError.message == "Could not unzip uploaded file. Entry 'a.txt' fails its CRC-32 check.")
        var overlap = TestEntry.file("b.txt", "same")
        overlap.localHeaderOffsetOverride = 0
        let overlapError = try rejection(makeZip([.file("a.txt", "same"), overlap]))
        #expect(overlapError.kind == .corruptEntry)
        #expect(overlapError.message.contains("overlaps the data of entry 'a.txt'"))
        var pastEnd = TestEntry.file("c.txt", "data")
        pastEnd.localHeaderOffsetOverride = 10_000
        #expect(try rejection(makeZip([pastEnd])).kind == .corruptEntry)
    }

    @Test func encryptedAndUnsupportedMethodsAreRefused() throws {
        var encrypted = TestEntry.file("secret.txt", "x")
        encrypted.flags = 1
        let encryptedError = try rejection(makeZip([encrypted]))
        #expect(encryptedError.kind == .unsupportedEntry)
        #expect(encryptedError.message == "Could not unzip uploaded file. Entry 'secret.txt' is encrypted.")
        let lzma = TestEntry.raw("x.bin", payload: [1, 2, 3], method: 14)
        #expect(try rejection(makeZip([lzma])).kind == .unsupportedEntry)
    }
}
