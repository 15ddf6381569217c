import Foundation
import Logging
import Testing

@testable import NimbusServer

@Suite struct LineLogHandlerTests {
    /// What `write` puts into a pipe it is given the write end of.
    private func captured(_ write: (Int32) -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        write(fds[1])
        close(fds[1])
        return String(decoding: FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile(), as: UTF8.self)
    }

    /// Logs through a handler writing into a pipe and returns what came out.
    private func captured(_ body: (inout Logger) -> Void) throws -> String {
        try captured { descriptor in
            var logger = Logger(label: "nimbus") { LineLogHandler(label: $0, descriptor: descriptor) }
            body(&logger)
        }
    }

    @Test func linesHaveStreamLogHandlersLayoutWithMetadataSorted() throws {
        let text = try captured { logger in
            logger[metadataKey: "z.request"] = "abc"
            logger[metadataKey: "a.first"] = "1"
            logger.info("request", metadata: ["m.status": "202", "z.request": "override"])
        }
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info nimbus: a.first=1 m.status=202 z.request=override \[NimbusServerTests\] request\n$/#
        #expect(text.wholeMatch(of: pattern) != nil, "\(text)")
    }

    @Test func levelsBelowTheThresholdAreDropped() throws {
        let text = try captured { logger in
            logger.logLevel = .warning
            logger.info("quiet")
            logger.error("loud")
        }
        #expect(!text.contains("quiet"))
        #expect(text.contains(" error nimbus: [NimbusServerTests] loud\n"))
    }

    @Test func errorsAreRenderedAsMetadata() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let text = try captured { descriptor in
            LineLogHandler(label: "nimbus", descriptor: descriptor).log(
                event: LogEvent(
                    level: .error, message: "failed", error: Broken(), metadata: nil, source: "test", file: #file,
                    function: #function, line: #line))
        }
        #expect(text.contains("error.message=disk on fire"))
        #expect(text.contains("error.type=NimbusServerTests.LineLogHandlerTests"))
    }

    @Test func theTimeTextIsReusedWithinASecondAndRenewedAfter() {
        let clock = LineLogHandler.Clock()
        let first = clock.text(now: 1_000_000)
        #expect(clock.text(now: 1_000_000) == first)
        #expect(clock.text(now: 1_000_001) != first)
        #expect(first.count == "1970-01-12T13:46:40+0000".count)
    }
}
