import Foundation
import NimbusCode
import Testing

@Suite struct CodeArtifactStoreTests {
    // Digests of `infoZipFixture`, from `sha256sum` and
    // `python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.sha256(open('f.zip','rb').read()).digest()))"`.
    static let fixtureHex = "c8bef9e1e71175572b65c3266be414e42b5b33359c217938c98fd99baeddca3e"
    static let fixtureBase64 = "yL754ecRdVcrZcMma+QU5CtbMzWcIXk4yY/Zm67dyj4="

    @Test func storesAnInfoZipArchiveWithLambdaDigests() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let artifact = try store.store(Data(infoZipFixture))
        #expect(artifact == CodeArtifact(
            sha256Hex: Self.fixtureHex, codeSha256: Self.fixtureBase64, codeSize: 558,
            unzippedSize: 18 + 12 + 11 + 321, entryCount: 5
        ))
        #expect(artifact.codeSha256.count == 44)
        #expect(store.contains(sha256Hex: Self.fixtureHex))
        #expect(store.contains(sha256Hex: Self.fixtureHex.uppercased()))
        #expect(try store.zipData(sha256Hex: Self.fixtureHex) == Data(infoZipFixture))
        #expect(try store.artifact(sha256Hex: Self.fixtureHex) == artifact)
        #expect(sandbox.leftovers == [Self.fixtureHex])
    }

    @Test func extractsReadOnlyTreeKeepingExecBitsAndLinks() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let artifact = try store.store(infoZipFixture)
        let task = store.taskDirectory(sha256Hex: artifact.sha256Hex)
        #expect(task == sandbox.url.path + "/" + Self.fixtureHex + "/task")
        #expect(try String(contentsOfFile: task + "/bootstrap", encoding: .utf8) == "#!/bin/sh\necho hi\n")
        #expect(try String(contentsOfFile: task + "/hello.py", encoding: .utf8) == "print('hi')\n")
        let data = try String(contentsOfFile: task + "/lib/data.js", encoding: .utf8)
        #expect(data == "export const x = \"" + String(repeating: "abc", count: 100) + "\";\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: task + "/lib/link.py") == "../hello.py")
        #expect(try String(contentsOfFile: task + "/lib/link.py", encoding: .utf8) == "print('hi')\n")
        #expect(try permissions(task + "/bootstrap") == 0o555)
        #expect(try permissions(task + "/hello.py") == 0o444)
        #expect(try permissions(task + "/lib/data.js") == 0o444)
        #expect(try permissions(task + "/lib") == 0o555)
        #expect(try permissions(task) == 0o555)
        #expect(try permissions(sandbox.url.path + "/" + Self.fixtureHex + "/code.zip") == 0o444)
    }

    @Test func secondStoreOfSameBytesIsANoOp() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let first = try store.store(infoZipFixture)
        let directory = sandbox.url.path + "/" + first.sha256Hex
        let inode = try FileManager.default.attributesOfItem(atPath: directory)[.systemFileNumber] as? NSNumber
        // Even with stricter limits the stored copy is returned at once, without reading the zip again.
        let second = try sandbox.store(CodeLimits(maxEntryCount: 1)).store(infoZipFixture)
        #expect(second == first)
        let inodeAfter = try FileManager.default.attributesOfItem(atPath: directory)[.systemFileNumber] as? NSNumber
        #expect(inode != nil && inode == inodeAfter)
        #expect(sandbox.leftovers == [first.sha256Hex])
    }

    @Test func concurrentStoresOfOneZipAgree() async throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let zip = makeZip((0..<300).map { .file("f\($0).txt", String(repeating: "x", count: $0)) })
        let artifacts = await withTaskGroup(of: CodeArtifact?.self) { group in
            for _ in 0..<4 { group.addTask { try? store.store(zip) } }
            var results: [CodeArtifact?] = []
            for await artifact in group { results.append(artifact) }
            return results
        }
        #expect(artifacts.count == 4)
        #expect(Set(artifacts).count == 1 && artifacts[0] != nil)
        #expect(artifacts[0]?.entryCount == 300)
        #expect(sandbox.leftovers == [artifacts[0]?.sha256Hex ?? "?"])
    }

    @Test func removeDeletesEverything() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let artifact = try store.store(infoZipFixture)
        try store.remove(sha256Hex: artifact.sha256Hex)
        #expect(!store.contains(sha256Hex: artifact.sha256Hex))
        #expect(sandbox.leftovers.isEmpty)
        try store.remove(sha256Hex: artifact.sha256Hex)   // absent: no error
        #expect(throws: CodeStoreError.self) { try store.zipData(sha256Hex: artifact.sha256Hex) }
        #expect(try store.artifact(sha256Hex: artifact.sha256Hex) == nil)
        // Storing again after removal works.
        #expect(try store.store(infoZipFixture) == artifact)
    }

    @Test func invalidDigestsNeverReachTheFileSystem() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        #expect(!store.contains(sha256Hex: "../../etc"))
        #expect(store.taskDirectory(sha256Hex: "../../etc").hasSuffix("/.invalid/task"))
        do {
            _ = try store.zipData(sha256Hex: "../x")
            Issue.record("expected notFound")
        } catch let error as CodeStoreError {
            #expect(error.kind == .notFound)
        }
        try store.remove(sha256Hex: "..")
    }

    @Test func deflatedEntriesAndDirectoriesRoundTrip() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let text = Array((0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let zip = makeZip([
            .directory("./"), .directory("src/"), .directory("src/"),
            .deflated("src/./main.bin", text, mode: 0o100700), .file("src//empty", ""),
        ])
        let artifact = try store.store(zip)
        #expect(artifact.entryCount == 5 && artifact.unzippedSize == 5_000)
        let task = store.taskDirectory(sha256Hex: artifact.sha256Hex)
        #expect(FileManager.default.contents(atPath: task + "/src/main.bin") == Data(text))
        #expect(try permissions(task + "/src/main.bin") == 0o555)
        #expect(FileManager.default.contents(atPath: task + "/src/empty") == Data())
    }

    @Test func zip64RecordsAndCodePage437NamesAreRead() throws {
        let sandbox = try Sandbox()
        var entry = TestEntry.file("a.txt", "zip64")
        entry.zip64 = true
        var legacy = TestEntry.file("x", "cp437")
        legacy.name = [0x63, 0x61, 0x66, 0x82]   // "café" in code page 437, no UTF-8 flag
        let artifact = try sandbox.store().store(makeZip([entry, legacy], zip64EndRecord: true))
        let task = sandbox.store().taskDirectory(sha256Hex: artifact.sha256Hex)
        #expect(FileManager.default.contents(atPath: task + "/a.txt") == Data("zip64".utf8))
        #expect(FileManager.default.contents(atPath: task + "/caf\u{E9}") == Data("cp437".utf8))
    }
}
