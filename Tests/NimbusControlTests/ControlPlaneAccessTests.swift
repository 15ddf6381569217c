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

@Suite struct ControlPlaneReviewRegressionTests {
    let arn = "arn:aws:lambda:us-east-1:111122223333:function:f1"

    @Test("A grant on an alias never lets another account change the whole function")
    func aliasGrantIsScoped() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        _ = try await h.control.createAlias("f1", Array(#"{"Name":"prod","FunctionVersion":"1"}"#.utf8), caller: h.alice)
        _ = try await h.control.addPermission(
            "f1", qualifier: "prod", Array(#"{"StatementId":"all","Action":"lambda:*","Principal":"444455556666"}"#.utf8),
            caller: h.alice)
        let readAlias = try await h.control.getFunctionConfiguration(arn + ":prod", qualifier: nil, caller: h.bob)
        #expect(readAlias["Version"] == .string("1"))
        let update = await lambdaError {
            _ = try await h.control.updateFunctionConfiguration(arn + ":prod", Array(#"{"Timeout":9}"#.utf8), caller: h.bob)
        }
        #expect(update?.code == "AccessDeniedException")
        let publish = await lambdaError { _ = try await h.control.publishVersion(arn + ":prod", [], caller: h.bob) }
        #expect(publish?.code == "AccessDeniedException")
    }

    @Test("Publishing after the newest version was deleted makes a new version")
    func publishAfterDelete() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        _ = try await h.control.updateFunctionConfiguration("f1", Array(#"{"Timeout":5}"#.utf8), caller: h.alice)
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        try await h.control.deleteFunction("f1", qualifier: "2", caller: h.alice)
        let next = try await h.control.publishVersion("f1", [], caller: h.alice)
        #expect(next["Version"] == .string("3"))
        #expect(next["Timeout"] == .int(5))
    }

    @Test("Provisioned concurrency behind a reservation is not subtracted twice, and huge values cannot overflow")
    func provisionedAccounting() async throws {
        let h = try Harness()
        try await h.create("f1")
        _ = try await h.control.publishVersion("f1", [], caller: h.alice)
        _ = try await h.control.putFunctionConcurrency(
            "f1", Array(#"{"ReservedConcurrentExecutions":500}"#.utf8), caller: h.alice)
        _ = try await h.control.putProvisionedConcurrency(
            "f1", qualifier: "1", Array(#"{"ProvisionedConcurrentExecutions":400}"#.utf8), caller: h.alice)
        let settings = try await h.control.getAccountSettings(caller: h.alice)
        #expect(settings["AccountLimit"]?["UnreservedConcurrentExecutions"] == .int(500))
        let huge = await lambdaError {
            _ = try await h.control.putProvisionedConcurrency(
                "f1", qualifier: "1", Array(#"{"ProvisionedConcurrentExecutions":9223372036854775807}"#.utf8),
                caller: h.alice)
        }
        #expect(huge?.code == "InvalidParameterValueException")
    }

    @Test("Async destinations in another account are refused exactly like missing ones")
    func foreignDestination() async throws {
        let h = try Harness()
        try await h.create("f1")
        try await h.create("victim", caller: h.bob)
        func put(_ destination: String) async -> LambdaError? {
            await lambdaError {
                _ = try await h.control.putEventInvokeConfig(
                    "f1", qualifier: nil,
                    Array(#"{"DestinationConfig":{"OnSuccess":{"Destination":"\#(destination)"}}}"#.utf8), merge: false,
                    caller: h.alice)
            }
        }
        let foreign = await put("arn:aws:lambda:us-east-1:444455556666:function:victim")
        let missing = await put("arn:aws:lambda:us-east-1:444455556666:function:nothing")
        #expect(foreign?.code == "InvalidParameterValueException")
        #expect(foreign?.message.replacingOccurrences(of: "victim", with: "X")
            == missing?.message.replacingOccurrences(of: "nothing", with: "X"))
    }
}
