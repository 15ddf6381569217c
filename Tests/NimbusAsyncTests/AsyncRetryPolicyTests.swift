import Foundation
import NimbusModel
import NimbusStore
import Testing

@testable import NimbusAsync

@Suite struct AsyncRetryPolicyTests {
    let policy = AsyncRetryPolicy()
    let event = AsyncEvent(
        requestId: "r", accountId: "123456789012", region: "us-east-1", functionName: "f", qualifier: nil,
        payload: Array("{}".utf8), createdAt: 1_000)

    @Test func functionErrorsAreRetriedOneThenTwoMinutesApart() {
        let settings = AsyncSettings()
        guard case .retry(let first) = policy.afterAttempt(event, .functionFailed, settings, now: 1_001) else {
            Issue.record("first failure should retry")
            return
        }
        #expect(first.failedAttempts == 1 && first.notBefore == 1_061)
        guard case .retry(let second) = policy.afterAttempt(first, .functionFailed, settings, now: 1_061) else {
            Issue.record("second failure should retry")
            return
        }
        #expect(second.failedAttempts == 2 && second.notBefore == 1_181)
        #expect(policy.afterAttempt(second, .functionFailed, settings, now: 1_181) == .failed(condition: "RetriesExhausted"))
        #expect(policy.afterAttempt(event, .functionFailed, AsyncSettings(maximumRetryAttempts: 0), now: 1_001)
            == .failed(condition: "RetriesExhausted"))
        #expect(policy.afterAttempt(second, .succeeded, settings, now: 1_200) == .succeeded)
    }

    @Test func throttlesBackOffUntilTheEventIsTooOld() {
        let settings = AsyncSettings(maximumEventAge: 60)
        var current = event
        var delays: [Double] = []
        while case .retry(let next) = policy.afterAttempt(current, .deferred, settings, now: current.notBefore == 0 ? 1_000 : current.notBefore) {
            delays.append(next.notBefore - (current.notBefore == 0 ? 1_000 : current.notBefore))
            current = next
        }
        #expect(delays == [1, 2, 4, 8, 16])  // the next (32 s) would pass the 60 s age
        #expect(current.failedAttempts == 0 && current.deferredAttempts == 5)
        let capped = AsyncEvent(
            requestId: "r", accountId: "a", region: "r", functionName: "f", qualifier: nil, payload: [], createdAt: 0,
            deferredAttempts: 20)
        guard case .retry(let next) = policy.afterAttempt(capped, .deferred, AsyncSettings(), now: 10) else {
            Issue.record("should retry")
            return
        }
        #expect(next.notBefore == 310)  // capped at 5 minutes
    }

    @Test func oldEventsAndZeroConcurrencyFailBeforeRunning() {
        #expect(policy.beforeAttempt(event, AsyncSettings(maximumEventAge: 60), reservedConcurrency: nil, now: 1_061)
            == .failed(condition: "EventAgeExceeded"))
        #expect(policy.beforeAttempt(event, AsyncSettings(maximumEventAge: 60), reservedConcurrency: nil, now: 1_059) == .run)
        #expect(policy.beforeAttempt(event, AsyncSettings(), reservedConcurrency: 0, now: 1_001)
            == .failed(condition: "ZeroReservedConcurrency"))
    }

    @Test func destinationRecordHasLambdasFields() throws {
        let record = DestinationRecord.make(
            requestId: "req", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
            condition: "RetriesExhausted", invokeCount: 3, payload: Array(#"{"k":1}"#.utf8),
            response: (Array(#"{"errorMessage":"boom","errorType":"Exception"}"#.utf8), "Unhandled", "$LATEST"),
            at: Date(timeIntervalSince1970: 1_700_000_000.5))
        #expect(record["version"] == .string("1.0"))
        #expect(record["timestamp"] == .string("2023-11-14T22:13:20.500Z"))
        #expect(record["requestContext"]?["condition"] == .string("RetriesExhausted"))
        #expect(record["requestContext"]?["approximateInvokeCount"] == .int(3))
        #expect(record["requestPayload"]?["k"] == .int(1))
        #expect(record["responseContext"]?["functionError"] == .string("Unhandled"))
        #expect(record["responsePayload"]?["errorMessage"] == .string("boom"))
        let expired = DestinationRecord.make(
            requestId: "req", functionArn: "a", condition: "EventAgeExceeded", invokeCount: 0, payload: [], response: nil,
            at: Date())
        #expect(expired["responseContext"] == nil && expired["responsePayload"] == nil)
        #expect(DestinationRecord.errorMessage(Array(#"{"errorMessage":"boom"}"#.utf8)) == "boom")
    }
}

@Suite struct AsyncDeliveryTests {
    @Test func targetsOfOtherAccountsAreRefused() throws {
        #expect(try AsyncDelivery.ownTarget("arn:aws:sqs:us-east-1:111122223333:q", owner: "111122223333")[5] == "q")
        #expect(throws: LambdaError.self) {
            try AsyncDelivery.ownTarget("arn:aws:sqs:us-east-1:444455556666:q", owner: "111122223333")
        }
        #expect(throws: LambdaError.self) {
            try AsyncDelivery.ownTarget("arn:aws:lambda:us-east-1:444455556666:function:f", owner: "111122223333")
        }
        #expect(throws: LambdaError.self) { try AsyncDelivery.ownTarget("not-an-arn", owner: "111122223333") }
    }
}
