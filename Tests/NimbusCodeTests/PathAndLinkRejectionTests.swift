import Foundation
import NimbusCode
import Testing

@Suite struct PathAndLinkRejectionTests {
    @Test(arguments: [
        ("/abs", "has an absolute path"),
        ("../x", "has a path outside the deployment package"),
        ("a/../../x", "has a path outside the deployment package"),
        ("a/../b", "has a path outside the deployment package"),
        ("a/b/..", "has a path outside the deployment package"),
        ("..\\evil", "has a name containing a backslash; use '/' to separate path components"),
        ("dir\\file.js", "has a name containing a backslash; use '/' to separate path components"),
    ])
    func unsafeNamesAreRefused(name: String, detail: String) throws {
        let error = try rejection(makeZip([.file("ok.txt", "fine"), .file(name, "evil")]))
        #expect(error.kind == .unsafePath)
        #expect(error.entry == name)
        #expect(error.message == "Could not unzip uploaded file. Entry '\(name)' \(detail).")
    }

    @Test func nulAndEmptyNamesAreRefused() throws {
        var withNul = TestEntry.file("x", "evil")
        withNul.name = Array("a\0.txt".utf8)
        let nul = try rejection(makeZip([withNul]))
        #expect(nul.kind == .unsafePath)
        #expect(nul.message == "Could not unzip uploaded file. Entry 'a\\0.txt' has a name containing a NUL byte.")
        let empty = try rejection(makeZip([.file("", "evil")]))
        #expect(empty.kind == .unsafePath)
        #expect(empty.message == "Could not unzip uploaded file. Entry '' has an empty name.")
        let root = try rejection(makeZip([.file(".", "not a directory")]))
        #expect(root.kind == .unsafePath)
        var badUTF8 = TestEntry.file("x", "evil")
        badUTF8.name = [0x61, 0xFF, 0xFE]
        badUTF8.flags = 0x0800   // declares UTF-8
        let encoding = try rejection(makeZip([badUTF8]))
        #expect(encoding.kind == .unsafePath)
        #expect(encoding.message.hasSuffix("has a name that is not valid UTF-8."))
    }

    @Test func symlinkToAbsolutePathIsRefused() throws {
        let error = try rejection(makeZip([.file("index.js", "x"), .symlink("passwd", to: "/etc/passwd")]))
        #expect(error.kind == .unsafeLink)
        #expect(error.message
            == "Could not unzip uploaded file. Entry 'passwd' is a symbolic link to the absolute path '/etc/passwd'.")
    }

    @Test(arguments: ["../../x", "..", "sub/../../x", "./../x"])
    func symlinkEscapingTheTreeIsRefused(target: String) throws {
        let error = try rejection(makeZip([.directory("sub/"), .symlink("link", to: target)]))
        #expect(error.kind == .unsafeLink)
        #expect(error.message == "Could not unzip uploaded file. Entry 'link' is a symbolic link to '\(target)', "
            + "outside the deployment package.")
    }

    @Test func nestedSymlinkEscapingOneLevelUpIsRefused() throws {
        let error = try rejection(makeZip([.symlink("a/b/c/link", to: "../../../../x")]))
        #expect(error.kind == .unsafeLink)
        #expect(error.entry == "a/b/c/link")
    }

    @Test func escapeThroughAnotherLinkIsRefused() throws {
        // Lexically "sub/x -> ../r/.." stays at the root, but "r -> ." makes the kernel climb above it.
        let error = try rejection(makeZip([.symlink("r", to: "."), .symlink("sub/x", to: "../r/..")]))
        #expect(error.kind == .unsafeLink)
        #expect(error.entry == "sub/x")
    }

    @Test func linkLoopsAreRefused() throws {
        let error = try rejection(makeZip([.symlink("a", to: "b"), .symlink("b", to: "a")]))
        #expect(error.kind == .unsafeLink)
        #expect(error.message.contains("loops"))
    }

    @Test func entriesBeneathALinkAreRefused() throws {
        let error = try rejection(makeZip([.directory("real/"), .symlink("l", to: "real"), .file("l/evil", "x")]))
        #expect(error.kind == .unsafeLink)
        #expect(error.message == "Could not unzip uploaded file. Entry 'l/evil' lies beneath the symbolic link 'l'.")
    }

    @Test func linksStayingInsideAreRecreated() throws {
        let sandbox = try Sandbox()
        let store = sandbox.store()
        let artifact = try store.store(makeZip([
            .file("lib/v1/index.js", "v1"), .symlink("lib/current", to: "v1"), .symlink("index.js", to: "lib/current/index.js"),
            .symlink("dangling", to: "missing/inside"),
            .raw("packed", payload: Deflate.fixedHuffman(Array("lib/v1".utf8)), method: 8, mode: 0o120777,
                 inflated: Array("lib/v1".utf8)),
        ]))
        let task = store.taskDirectory(sha256Hex: artifact.sha256Hex)
        #expect(try String(contentsOfFile: task + "/index.js", encoding: .utf8) == "v1")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: task + "/dangling") == "missing/inside")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: task + "/packed") == "lib/v1")
    }

    @Test func conflictingDuplicatesAreRefused() throws {
        let twice = try rejection(makeZip([.file("a.js", "1"), .file("a.js", "2")]))
        #expect(twice.kind == .duplicateEntry)
        #expect(twice.message == "Could not unzip uploaded file. Entry 'a.js' appears more than once in the archive.")
        let fileThenChild = try rejection(makeZip([.file("a", "1"), .file("a/b", "2")]))
        #expect(fileThenChild.kind == .duplicateEntry)
        #expect(fileThenChild.message == "Could not unzip uploaded file. Entry 'a/b' uses the file 'a' as a directory.")
        let childThenFile = try rejection(makeZip([.file("a/b", "1"), .file("a", "2")]))
        #expect(childThenFile.kind == .duplicateEntry)
        let normalisedTwice = try rejection(makeZip([.file("x/y", "1"), .file("./x//y", "2")]))
        #expect(normalisedTwice.kind == .duplicateEntry)
    }

    @Test func overLongAndOverDeepPathsAreRefused() throws {
        let limits = CodeLimits(maxPathLength: 20, maxPathDepth: 3)
        let long = try rejection(makeZip([.file(String(repeating: "n", count: 21), "x")]), limits: limits)
        #expect(long.kind == .pathTooLong)
        #expect(long.message.hasSuffix("has a path longer than 20 bytes."))
        let deep = try rejection(makeZip([.file("a/b/c/d", "x")]), limits: limits)
        #expect(deep.kind == .pathTooLong)
        let component = try rejection(makeZip([.file(String(repeating: "c", count: 256), "x")]))
        #expect(component.kind == .pathTooLong)
    }
}
