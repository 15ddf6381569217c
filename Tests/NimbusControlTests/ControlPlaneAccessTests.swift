import Foundation
import NimbusControl
import NimbusModel
import Testing

@Suite struct ControlPlaneAccessTests {
    let arn = "arn:aws:lambda:us-east-1:111122223333:function:f1"

    @Test("Another account is denied alike for existing and missing functions, until a policy allows it")
    func crossAccount() async throws {
        let h = try Harness()
        try await h.create("f1")
        let existing = await lambdaError { _ = try await h.control.getFunction(arn, qualifier: nil, caller: h.bob) }
        let missing = await lambdaError {
            _ = try await h.control.getFunction(arn + "nope", qualifier: nil, caller: h.bob)
        }
        #expect(existing?.code == "AccessDeniedException")
        #expect(existing == missing)
        _ = try await h.control.addPermission(
            "f1", qualifier: nil,
            Array(#"{"StatementId":"bob","Action":"lambda:GetFunction","Principal":"444455556666"}"#.utf8),
            caller: h.alice)
        let granted = try await h.control.getFunction(arn, qualifier: nil, caller: h.bob)
        #expect(granted["Configuration"]?["FunctionName"] == .string("f1"))
        let otherAction = await lambdaError { try await h.control.deleteFunction(arn, qualifier: nil, caller: h.bob) }
        #expect(otherAction?.code == "AccessDeniedException")
        let listed = try await h.control.listFunctions(functionVersion: nil, marker: nil, maxItems: nil, caller: h.bob)
        #expect(listed["Functions"] == .array([]))
    }

    @Test("Statements render as AWS writes them, and removing the last one drops the policy")
    func policyDocument() async throws {
        let h = try Harness()
        try await h.create("f1")
        let added = try await h.control.addPermission(
            "f1", qualifier: nil,
            Array(#"{"StatementId":"s3","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::b","SourceAccount":"111122223333"}"#.utf8),
            caller: h.alice)
        #expect(
            added["Statement"]?.stringValue
                == #"{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"\#(arn)","Condition":{"StringEquals":{"AWS:SourceAccount":"111122223333"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}}"#
        )
        try await h.control.removePermission("f1", statementId: "s3", qualifier: nil, revisionId: nil, caller: h.alice)
        let gone = await lambdaError { _ = try await h.control.getPolicy("f1", qualifier: nil, caller: h.alice) }
        #expect(gone?.matches("ResourceNotFoundException", "The resource you requested does not exist.") == true)
    }

    @Test(
        "Alias routing rules follow Lambda",
        arguments: [
            (#"{"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"1":0.5}}}"#, "InvalidParameterValueException"),
            (#"{"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":1.5}}}"#, "ValidationException"),
            (#"{"Name":"a","FunctionVersion":"$LATEST","RoutingConfig":{"AdditionalVersionWeights":{"1":0.5}}}"#, "InvalidParameterValueException"),
            (#"{"Name":"a","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"9":0.5}}}"#, "ResourceNotFoundException"),
            (#"{"Name":"2024","FunctionVersion":"1"}"#, "ValidationException"),
        ])
    func aliasRules(body: String, code: String) async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        _ = try await h.control.updateFunctionConfiguration("f1", Array(#"{"Timeout":4}"#.utf8), caller: h.alice)
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        let error = await lambdaError { _ = try await h.control.createAlias("f1", Array(body.utf8), caller: h.alice) }
        #expect(error?.code == code)
    }

    @Test("A version an alias points at cannot be deleted")
    func versionInUse() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        _ = try await h.control.createAlias("f1", Array(#"{"Name":"live","FunctionVersion":"1"}"#.utf8), caller: h.alice)
        let error = await lambdaError { try await h.control.deleteFunction("f1", qualifier: "1", caller: h.alice) }
        #expect(error?.matches("ResourceConflictException", "[live]") == true)
    }

    @Test("Reserved concurrency may not eat into the account's unreserved minimum")
    func reserved() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.putFunctionConcurrency(
            "f1", Array(#"{"ReservedConcurrentExecutions":900}"#.utf8), caller: h.alice)
        try await h.create("f2")
        let error = await lambdaError {
            _ = try await h.control.putFunctionConcurrency(
                "f2", Array(#"{"ReservedConcurrentExecutions":1}"#.utf8), caller: h.alice)
        }
        #expect(error?.matches("InvalidParameterValueException", "minimum value of [100]") == true)
        let settings = try await h.control.getAccountSettings(caller: h.alice)
        #expect(settings["AccountLimit"]?["UnreservedConcurrentExecutions"] == .int(100))
        #expect(settings["AccountUsage"]?["FunctionCount"] == .int(2))
    }
}
