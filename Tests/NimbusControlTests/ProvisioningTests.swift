import Foundation
import NimbusControl
import NimbusModel
import NimbusStore
import Testing

/// Provisioned concurrency as the allocator sees it: configs across accounts resolved to versions, and the
/// status moving IN_PROGRESS → READY or FAILED as the allocator reports.
@Suite struct ProvisioningTests {
    func provisioned(_ h: Harness, _ name: String, qualifier: String, count: Int) async throws {
        _ = try await h.control.putProvisionedConcurrency(
            name, qualifier: qualifier, Array(#"{"ProvisionedConcurrentExecutions":\#(count)}"#.utf8), caller: h.alice)
    }

    @Test("Configs on versions and aliases are listed with the version they keep warm, until deleted")
    func allocations() async throws {
        let h = try Harness(allocatesProvisioned: true)
        try await h.create("f1")
        try await h.create("idle")
        _ = try await h.control.publishVersion("f1", Array("{}".utf8), caller: h.alice)
        _ = try await h.control.createAlias(
            "f1", Array(#"{"Name":"live","FunctionVersion":"1"}"#.utf8), caller: h.alice)
        try await provisioned(h, "f1", qualifier: "live", count: 2)
        var all = try await h.control.provisionedAllocations()
        #expect(all.count == 1)
        #expect(all.first?.qualifier == "live" && all.first?.requested == 2)
        #expect(all.first?.target.version.version == "1")
        #expect(all.first?.target.invokedArn.hasSuffix(":function:f1:live") == true)
        #expect(all.first?.settled == false)
        _ = try await h.control.deleteProvisionedConcurrency("f1", qualifier: "live", caller: h.alice)
        all = try await h.control.provisionedAllocations()
        #expect(all.isEmpty)
    }

    @Test("IN_PROGRESS until the allocator settles it READY, or FAILED with its reason")
    func status() async throws {
        let h = try Harness(allocatesProvisioned: true)
        for name in ["f1", "f2"] {
            try await h.create(name)
            _ = try await h.control.publishVersion(name, Array("{}".utf8), caller: h.alice)
            try await provisioned(h, name, qualifier: "1", count: 1)
        }
        var got = try await h.control.getProvisionedConcurrency("f1", qualifier: "1", caller: h.alice)
        #expect(got["Status"] == .string("IN_PROGRESS"))
        #expect(got["AllocatedProvisionedConcurrentExecutions"] == .int(0))
        let all = try await h.control.provisionedAllocations()
        try await h.control.provisionedAllocationSettled(all[0], failure: nil)
        try await h.control.provisionedAllocationSettled(all[1], failure: "FUNCTION_ERROR_INIT_FAILURE")
        got = try await h.control.getProvisionedConcurrency("f1", qualifier: "1", caller: h.alice)
        #expect(got["Status"] == .string("READY"))
        #expect(got["AllocatedProvisionedConcurrentExecutions"] == .int(1))
        got = try await h.control.getProvisionedConcurrency("f2", qualifier: "1", caller: h.alice)
        #expect(got["Status"] == .string("FAILED"))
        #expect(got["StatusReason"] == .string("FUNCTION_ERROR_INIT_FAILURE"))
        let failed = try await h.control.provisionedAllocations().first { $0.key.name == "f2" }
        #expect(failed?.failure == "FUNCTION_ERROR_INIT_FAILURE")
        // A new Put starts over; a settlement for the old setting is ignored.
        try await Task.sleep(for: .milliseconds(2))  // a later LastModified
        try await provisioned(h, "f2", qualifier: "1", count: 1)
        try await h.control.provisionedAllocationSettled(all[1], failure: nil)
        got = try await h.control.getProvisionedConcurrency("f2", qualifier: "1", caller: h.alice)
        #expect(got["Status"] == .string("IN_PROGRESS"))
    }

    @Test("Without an allocator a config is READY as soon as it is stored")
    func withoutAllocator() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", Array("{}".utf8), caller: h.alice)
        try await provisioned(h, "f1", qualifier: "1", count: 3)
        let got = try await h.control.getProvisionedConcurrency("f1", qualifier: "1", caller: h.alice)
        #expect(got["Status"] == .string("READY"))
        #expect(got["AvailableProvisionedConcurrentExecutions"] == .int(3))
    }
}
