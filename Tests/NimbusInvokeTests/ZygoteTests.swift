import Foundation
import Testing

@testable import NimbusInvoke

struct ZygoteTests {
    @Test(
        "Variables an interpreter reads only at start-up force a fresh exec",
        arguments: [
            (Zygote.python, ["GREETING": "hi", "AWS_REGION_X": "1"], true),
            (Zygote.python, ["PYTHONPATH": "/opt"], false),
            (Zygote.python, ["LD_PRELOAD": "/x.so"], false),
            (Zygote.python, ["AWS_LAMBDA_LOG_FORMAT": "JSON"], false),
            (Zygote.node, ["NODE_OPTIONS": "--max-old-space-size=64"], false),
            (Zygote.node, ["PYTHONPATH": "/opt"], true),
            (Zygote.exec, ["LD_PRELOAD": "/x.so"], true),
        ])
    func inProcess(zygote: Zygote, variables: [String: String], accepted: Bool) {
        #expect(zygote.acceptsInProcess(variables) == accepted)
    }

    @Test("The configuration document carries the environment and argv as JSON")
    func configuration() throws {
        let bytes = Zygote.configuration(environment: ["B": "2", "A": "quote\"d"], argv: ["awslambdaric", "app.h"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["env"] as? [String: String] == ["A": "quote\"d", "B": "2"])
        #expect(object["argv"] as? [String] == ["awslambdaric", "app.h"])
    }

    @Test("Each runtime family waits in its own way; provided runtimes exec the function's bootstrap")
    func registry() throws {
        let registry = RuntimeRegistry(pythonRuntime: "/opt/py", nodeRuntime: "/opt/node")
        #expect(registry.launch(for: "python3.12")?.zygote == .python)
        #expect(registry.launch(for: "python3.12")?.name == "python3.11")
        #expect(registry.launch(for: "nodejs20.x")?.zygote == .node)
        let provided = try #require(registry.launch(for: "provided.al2023"))
        #expect(provided.zygote == .exec)
        #expect(Zygote.exec.command(provided).first == "/usr/bin/python3")
        #expect(registry.warnings.count == 3)
    }
}

struct ForkServerTrustTests {
    @Test("A fork server (root) imports only from a runtime directory that only root may write")
    func runtimeDirectoryTrust() throws {
        let directory = "/tmp/nimbus-trust-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        #expect(Zygote.ownedByRoot(directory) == (getuid() == 0))
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)
        #expect(!Zygote.ownedByRoot(directory))
        #expect(!Zygote.ownedByRoot("\(directory)/missing"))
        var launch = try #require(RuntimeRegistry(pythonRuntime: directory, nodeRuntime: nil).launch(for: "python3.11"))
        #expect(Zygote.forkServer(for: launch) == nil)
        launch.runtimeDirectory = "/usr"
        #expect((Zygote.forkServer(for: launch) != nil) == (getuid() == 0))
        #expect(Zygote.forkServer(for: RuntimeRegistry.provided) == nil)
    }
}
