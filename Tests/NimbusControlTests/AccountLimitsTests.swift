import Testing

@testable import NimbusControl

@Suite struct AccountLimitsTests {
    @Test("A configured quota: 100 stays unreserved from 1,000 up, 10 below it, all of a quota under 10")
    func configuredQuota() {
        #expect(AccountLimits.with(concurrentExecutions: 1000).minimumUnreserved == 100)
        #expect(AccountLimits.with(concurrentExecutions: 3000).minimumUnreserved == 100)
        let small = AccountLimits.with(concurrentExecutions: 50)
        #expect(small.concurrentExecutions == 50 && small.minimumUnreserved == 10)
        #expect(AccountLimits.with(concurrentExecutions: 2).minimumUnreserved == 2)
        #expect(AccountLimits.with(concurrentExecutions: 2).totalCodeSize == AccountLimits.lambda.totalCodeSize)
    }
}
