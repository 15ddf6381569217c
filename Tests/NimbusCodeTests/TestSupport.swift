import Foundation
import NimbusCode
import Testing

/// A private, empty store directory that is deleted (read-only trees included) when released.
final class Sandbox {
    let root: URL
    let url: URL

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("nimbus-code-tests-\(UUID().uuidString)", isDirectory: true)
        url = root.appendingPathComponent("store", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit {
        makeWritable(root.path)
        try? FileManager.default.removeItem(at: root)
    }

    /// Names left in the store directory (none when it was never created).
    var leftovers: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    func store(_ limits: CodeLimits = .lambda) -> CodeArtifactStore {
        CodeArtifactStore(directory: url, limits: limits)
    }

    private func makeWritable(_ path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeDirectory else { return }
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        for child in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            makeWritable(path + "/" + child)
        }
    }
}

struct UnexpectedSuccess: Error {}

/// Stores `zip` in a fresh sandbox, expects a `CodeValidationError` and an empty store directory afterwards.
@discardableResult
func rejection(
    _ zip: [UInt8], limits: CodeLimits = .lambda, sourceLocation: SourceLocation = #_sourceLocation
) throws -> CodeValidationError {
    let sandbox = try Sandbox()
    do {
        let artifact = try sandbox.store(limits).store(zip)
        Issue.record("expected a rejection, got \(artifact)", sourceLocation: sourceLocation)
        throw UnexpectedSuccess()
    } catch let error as CodeValidationError {
        #expect(sandbox.leftovers.isEmpty, "left behind: \(sandbox.leftovers)", sourceLocation: sourceLocation)
        return error
    }
}

/// POSIX permission bits of `path` (not following a final symbolic link).
func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

/// A zip made by Info-ZIP 3.0 (`zip -r -y -X`): `bootstrap` (0755, stored), `hello.py` (0644, stored),
/// `lib/`, `lib/link.py -> ../hello.py` (symlink), `lib/data.js` (deflated). 558 bytes.
let infoZipFixture: [UInt8] = Array(Data(base64Encoded: """
    UEsDBAoAAAAAANi1el0vOtrpEgAAABIAAAAJAAAAYm9vdHN0cmFwIyEvYmluL3NoCmVjaG8gaGkKUEsDBAoAAAAAANi1el2vpp74DAAAAAwA\
    AAAIAAAAaGVsbG8ucHlwcmludCgnaGknKQpQSwMECgAAAAAA2LV6XQAAAAAAAAAAAAAAAAQAAABsaWIvUEsDBAoAAAAAANi1el3c2rUdCwAA\
    AAsAAAALAAAAbGliL2xpbmsucHkuLi9oZWxsby5weVBLAwQUAAAACADYtXpdyPOzGB0AAABBAQAACwAAAGxpYi9kYXRhLmpzS60oyC8qUUjO\
    zysuUahQsFVQSkxKHkVEIiVrLgBQSwECHgMKAAAAAADYtXpdLzra6RIAAAASAAAACQAAAAAAAAABAAAA7YEAAAAAYm9vdHN0cmFwUEsBAh4D\
    CgAAAAAA2LV6Xa+mnvgMAAAADAAAAAgAAAAAAAAAAQAAAKSBOQAAAGhlbGxvLnB5UEsBAh4DCgAAAAAA2LV6XQAAAAAAAAAAAAAAAAQAAAAA\
    AAAAAAAQAO1BawAAAGxpYi9QSwECHgMKAAAAAADYtXpd3Nq1HQsAAAALAAAACwAAAAAAAAAAAAAA/6GNAAAAbGliL2xpbmsucHlQSwECHgMU\
    AAAACADYtXpdyPOzGB0AAABBAQAACwAAAAAAAAABAAAApIHBAAAAbGliL2RhdGEuanNQSwUGAAAAAAUABQARAQAABwEAAAAA
    """)!)
