import Foundation
import NimbusControl
import NimbusModel
import Testing

@Suite struct ControlPlaneFunctionTests {
    @Test("CreateFunction answers Pending with AWS defaults; Get then shows Active with a new RevisionId")
    func createThenGet() async throws {
        let h = try Harness()
        let created = try await h.create("f1")
        #expect(created["State"] == .string("Pending"))
        #expect(created["StateReasonCode"] == .string("Creating"))
        #expect(created["LastUpdateStatus"] == nil)
        #expect(created["Timeout"] == .int(3))
        #expect(created["MemorySize"] == .int(128))
        #expect(created["FunctionArn"] == .string("arn:aws:lambda:us-east-1:111122223333:function:f1"))
        #expect(created["CodeSha256"]?.stringValue?.count == 44)
        let got = try await h.control.getFunctionConfiguration("f1", qualifier: nil, caller: h.alice)
        #expect(got["State"] == .string("Active"))
        #expect(got["LastUpdateStatus"] == .string("Successful"))
        #expect(got["RevisionId"] != created["RevisionId"])
    }

    @Test("A second create of the same name is a conflict and changes nothing")
    func duplicate() async throws {
        let h = try Harness()
        try await h.create("f1")
        let error = await lambdaError { try await h.create("f1", extra: #","Timeout":9"#) }
        #expect(error?.matches("ResourceConflictException", "Function already exist: f1") == true)
        let got = try await h.control.getFunctionConfiguration("f1", qualifier: nil, caller: h.alice)
        #expect(got["Timeout"] == .int(3))
    }

    @Test("Publish is idempotent until $LATEST changes, and numbers are never reused")
    func publish() async throws {
        let h = try Harness()
        try await h.create("f1")
        let v1 = try await h.control.publishVersion("f1", Array(#"{"Description":"one"}"#.utf8), caller: h.alice)
        let again = try await h.control.publishVersion("f1", Array(#"{"Description":"other"}"#.utf8), caller: h.alice)
        #expect(v1["Version"] == .string("1"))
        #expect(again["Version"] == .string("1"))
        #expect(again["Description"] == .string("one"))
        _ = try await h.control.updateFunctionConfiguration("f1", Array(#"{"Timeout":5}"#.utf8), caller: h.alice)
        let v2 = try await h.control.publishVersion("f1", [], caller: h.alice)
        #expect(v2["Version"] == .string("2"))
        #expect(v2["FunctionArn"] == .string("arn:aws:lambda:us-east-1:111122223333:function:f1:2"))
        try await h.control.deleteFunction("f1", qualifier: "2", caller: h.alice)
        _ = try await h.control.updateFunctionConfiguration("f1", Array(#"{"Timeout":6}"#.utf8), caller: h.alice)
        let v3 = try await h.control.publishVersion("f1", [], caller: h.alice)
        #expect(v3["Version"] == .string("3"))
    }

    @Test("A stale RevisionId is a 412 and leaves the function unchanged")
    func revision() async throws {
        let h = try Harness()
        let created = try await h.create("f1")
        let stale = try #require(created["RevisionId"]?.stringValue)
        let error = await lambdaError {
            _ = try await h.control.updateFunctionConfiguration(
                "f1", Array(#"{"Timeout":9,"RevisionId":"\#(stale)"}"#.utf8), caller: h.alice)
        }
        #expect(error?.status == 412)
        let got = try await h.control.getFunctionConfiguration("f1", qualifier: nil, caller: h.alice)
        #expect(got["Timeout"] == .int(3))
    }

    @Test("Listing pages by 50 in name order with FunctionVersion=ALL qualifying every ARN")
    func listAll() async throws {
        let h = try Harness()
        for i in 0..<30 { try await h.create(String(format: "fn%02d", i)) }
        for i in 0..<30 { _ = try await h.control.publishVersion(String(format: "fn%02d", i), [], caller: h.alice) }
        var seen: [String] = []
        var marker: String?
        repeat {
            let page = try await h.control.listFunctions(
                functionVersion: "ALL", marker: marker, maxItems: "7", caller: h.alice)
            guard case .array(let items) = page["Functions"] else { Issue.record("no list"); return }
            #expect(items.count <= 7)
            seen += items.compactMap { $0["FunctionArn"]?.stringValue }
            marker = page["NextMarker"]?.stringValue
        } while marker != nil
        #expect(seen.count == 60)
        #expect(Set(seen).count == 60)
        #expect(seen.first == "arn:aws:lambda:us-east-1:111122223333:function:fn00:$LATEST")
        #expect(seen[1] == "arn:aws:lambda:us-east-1:111122223333:function:fn00:1")
    }

    @Test("Reserved environment keys and oversized environments are rejected with AWS's words")
    func environment() async throws {
        let h = try Harness()
        let reserved = await lambdaError { try await h.create("f1", extra: #","Environment":{"Variables":{"AWS_REGION":"x"}}"#) }
        #expect(reserved?.matches("InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION") == true)
        let big = String(repeating: "x", count: 5000)
        let tooBig = await lambdaError { try await h.create("f2", extra: #","Environment":{"Variables":{"A1":"\#(big)"}}"#) }
        #expect(tooBig?.matches("InvalidParameterValueException", "exceeded the 4KB limit") == true)
    }
}
