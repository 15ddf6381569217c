import Testing

@testable import NimbusInvoke

@Suite struct RuntimeRegistryTests {
    @Test("Configured mappings serve a missing identifier with an installed runtime, and each one is a warning")
    func mappedWithWarnings() {
        let registry = RuntimeRegistry(
            pythonRuntime: "/opt/py", nodeRuntime: nil,
            aliases: ["python3.13": "python3.11", "python3.12": "ruby3.3", "nodejs20.x": "python3.11", "python3.11": "x"])
        #expect(registry.launch(for: "python3.13")?.name == "python3.11")
        #expect(registry.launch(for: "python3.12") == nil)
        #expect(registry.launch(for: "python3.14") == nil)  // the defaults are replaced, not merged
        #expect(registry.launch(for: "python3.11")?.name == "python3.11")
        #expect(registry.launch(for: "nodejs20.x")?.name == "python3.11")  // node is not installed here
        #expect(
            registry.warnings == [
                "runtime nodejs20.x is not installed; it is served by python3.11",
                "runtime python3.11 is installed; its mapping to x is ignored",
                "runtime python3.12 is not served: it is mapped to ruby3.3, which is not installed",
                "runtime python3.13 is not installed; it is served by python3.11",
            ])
    }

    @Test("No mappings: only installed identifiers are served, and nothing is said")
    func noMappings() {
        let registry = RuntimeRegistry(pythonRuntime: "/opt/py", nodeRuntime: "/opt/node", aliases: [:])
        #expect(registry.launch(for: "python3.12") == nil)
        #expect(registry.launch(for: "nodejs20.x")?.name == "nodejs20.x")
        #expect(registry.warnings.isEmpty)
    }
}
