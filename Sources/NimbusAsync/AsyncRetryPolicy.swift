import NimbusStore

/// The error handling of one function's asynchronous invocations (its EventInvokeConfig and DeadLetterConfig).
public struct AsyncSettings: Sendable, Equatable {
    /// Retries after a function error (0–2; Lambda's default 2).
    public var maximumRetryAttempts: Int
    /// Events older than this are not run (60 s–6 h; default 6 h).
    public var maximumEventAge: Double
    /// Destination for successes.
    public var onSuccess: String?
    /// Destination for events that failed or expired.
    public var onFailure: String?
    /// The function's dead-letter queue.
    public var deadLetterTarget: String?

    /// Creates settings (Lambda's defaults when omitted).
    public init(
        maximumRetryAttempts: Int = 2, maximumEventAge: Double = 21_600, onSuccess: String? = nil,
        onFailure: String? = nil, deadLetterTarget: String? = nil
    ) {
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAge = maximumEventAge
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.deadLetterTarget = deadLetterTarget
    }
}

/// How one attempt ended.
public enum AttemptOutcome: Sendable, Equatable {
    /// The function returned.
    case succeeded
    /// The function ran and failed (error, timeout, crash, out of memory).
    case functionFailed
    /// It could not run: throttled, or a system error.
    case deferred
}

/// What to do with an event.
public enum AsyncDecision: Sendable, Equatable {
    /// Run it now.
    case run
    /// Done: deliver a success record when `OnSuccess` is set.
    case succeeded
    /// Try again later: store the updated event.
    case retry(AsyncEvent)
    /// Give up: dead-letter queue and `OnFailure` with this condition.
    case failed(condition: String)
}

/// Lambda's retry rules for asynchronous invocation, pure: function errors are retried
/// `MaximumRetryAttempts` times, `retryBase` then twice that apart (Lambda: 1 and 2 minutes);
/// throttles and system errors go back to the queue with a backoff doubling from `backoffStart` up to
/// `backoffCap` until the event is older than `MaximumEventAgeInSeconds`.
public struct AsyncRetryPolicy: Sendable {
    /// The first retry's delay, seconds (Lambda: 60).
    public var retryBase: Double
    /// The first backoff after a throttle, seconds.
    public var backoffStart: Double
    /// The longest backoff, seconds (Lambda: 5 minutes).
    public var backoffCap: Double

    /// Creates a policy.
    public init(retryBase: Double = 60, backoffStart: Double = 1, backoffCap: Double = 300) {
        self.retryBase = retryBase
        self.backoffStart = backoffStart
        self.backoffCap = backoffCap
    }

    /// Before an attempt: run it, or fail it because it is too old (or its function may not run at all).
    public func beforeAttempt(_ event: AsyncEvent, _ settings: AsyncSettings, reservedConcurrency: Int?, now: Double)
        -> AsyncDecision
    {
        if reservedConcurrency == 0 { return .failed(condition: "ZeroReservedConcurrency") }
        if now - event.createdAt > settings.maximumEventAge { return .failed(condition: "EventAgeExceeded") }
        return .run
    }

    /// After an attempt.
    public func afterAttempt(_ event: AsyncEvent, _ outcome: AttemptOutcome, _ settings: AsyncSettings, now: Double)
        -> AsyncDecision
    {
        var next = event
        switch outcome {
        case .succeeded:
            return .succeeded
        case .functionFailed:
            next.failedAttempts += 1
            guard next.failedAttempts <= settings.maximumRetryAttempts else {
                return .failed(condition: "RetriesExhausted")
            }
            next.notBefore = now + retryBase * Double(next.failedAttempts)
        case .deferred:
            next.deferredAttempts += 1
            let backoff = min(backoffCap, backoffStart * Double(1 << min(next.deferredAttempts - 1, 30)))
            next.notBefore = now + backoff
        }
        if next.notBefore - event.createdAt > settings.maximumEventAge { return .failed(condition: "EventAgeExceeded") }
        return .retry(next)
    }
}
