import Foundation

/// Lambda-style log lines around one invocation's output.
enum InvocationLog {
    static func compose(
        requestId: String, version: String, initOutput: [UInt8], output: [UInt8], duration: Duration,
        memorySize: Int, maxMemoryBytes: Int, initDuration: Duration?
    ) -> [UInt8] {
        var text = Array(initOutput)
        text += Array("START RequestId: \(requestId) Version: \(version)\n".utf8)
        text += output
        if let last = output.last, last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
        text += Array("END RequestId: \(requestId)\n".utf8)
        let ms = milliseconds(duration)
        var report = "REPORT RequestId: \(requestId)\tDuration: \(format(ms)) ms\tBilled Duration: \(Int(ms.rounded(.up))) ms"
        report += "\tMemory Size: \(memorySize) MB\tMax Memory Used: \(max(1, maxMemoryBytes / 1_048_576)) MB"
        if let initDuration { report += "\tInit Duration: \(format(milliseconds(initDuration))) ms" }
        text += Array((report + "\t\n").utf8)
        return text
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    static func format(_ ms: Double) -> String {
        let hundredths = Int((ms * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction)"
    }
}
