import Foundation
import NimbusCode
import NimbusControl
import NimbusModel
import NimbusStore

/// A control plane over an in-memory SQLite store and a temporary artifact directory.
struct Harness {
    let control: ControlPlane
    let store: SQLiteStore
    let alice = Caller(accountId: "111122223333", region: "us-east-1")
    let bob = Caller(accountId: "444455556666", region: "us-east-1")

    init(allocatesProvisioned: Bool = false) throws {
        store = try SQLiteStore.inMemory()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-control-\(UUID().uuidString)")
        control = ControlPlane(
            functions: store, mappings: store, code: CodeArtifactStore(directory: dir),
            urlBase: { "http://127.0.0.1:9000" }, allocatesProvisioned: allocatesProvisioned,
            codeLocation: { key, q in "http://x/\(key.name)/\(q)" })
    }

    /// A CreateFunction body with a small valid zip.
    func createBody(_ name: String, extra: String = "") -> [UInt8] {
        let zip = StoredZip.make(["app.py": "def handler(e, c):\n    return e\n"]).base64EncodedString()
        return Array(
            """
            {"FunctionName":"\(name)","Runtime":"python3.12","Role":"arn:aws:iam::111122223333:role/r",\
            "Handler":"app.handler","Code":{"ZipFile":"\(zip)"}\(extra)}
            """.utf8)
    }

    @discardableResult
    func create(_ name: String, extra: String = "", caller: Caller? = nil) async throws -> JSONValue {
        try await control.createFunction(createBody(name, extra: extra), caller: caller ?? alice)
    }
}

/// Writes an uncompressed ("stored") zip, enough for tests.
enum StoredZip {
    static func make(_ files: [String: String]) -> Data {
        var out = Data()
        var central = Data()
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            let body = Data(text.utf8)
            let crc = crc32(body)
            let offset = UInt32(out.count)
            out.append(le32(0x0403_4b50)); out.append(le16(20)); out.append(le16(0)); out.append(le16(0))
            out.append(le16(0)); out.append(le16(0)); out.append(le32(crc))
            out.append(le32(UInt32(body.count))); out.append(le32(UInt32(body.count)))
            out.append(le16(UInt16(name.utf8.count))); out.append(le16(0))
            out.append(Data(name.utf8)); out.append(body)
            central.append(le32(0x0201_4b50)); central.append(le16(0x031e)); central.append(le16(20))
            central.append(le16(0)); central.append(le16(0)); central.append(le16(0)); central.append(le16(0))
            central.append(le32(crc)); central.append(le32(UInt32(body.count))); central.append(le32(UInt32(body.count)))
            central.append(le16(UInt16(name.utf8.count))); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0)); central.append(le32(0o100644 << 16))
            central.append(le32(offset)); central.append(Data(name.utf8))
        }
        let start = UInt32(out.count)
        out.append(central)
        out.append(le32(0x0605_4b50)); out.append(le16(0)); out.append(le16(0))
        out.append(le16(UInt16(files.count))); out.append(le16(UInt16(files.count)))
        out.append(le32(UInt32(central.count))); out.append(le32(start)); out.append(le16(0))
        return out
    }

    static func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    static func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xedb8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}

extension LambdaError {
    /// Whether this is the given code with a message containing `text`.
    func matches(_ code: String, _ text: String = "") -> Bool {
        self.code == code && (text.isEmpty || message.contains(text))
    }
}

/// Runs `body` and returns the `LambdaError` it threw (nil when it did not throw one).
func lambdaError(_ body: () async throws -> Void) async -> LambdaError? {
    do {
        try await body()
        return nil
    } catch let error as LambdaError {
        return error
    } catch {
        return nil
    }
}
