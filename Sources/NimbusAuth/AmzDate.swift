import Foundation

/// UTC timestamp helpers for SigV4: the `yyyymmddTHHMMSSZ` form and the HTTP `Date` header.
enum AmzDate {
    /// Formats `date` (whole seconds, UTC) as `yyyymmddTHHMMSSZ`.
    static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(rest / 3600, 2) + pad(rest / 60 % 60, 2)
            + pad(rest % 60, 2) + "Z"
    }

    /// Parses exactly `yyyymmddTHHMMSSZ`; nil for anything else, including impossible dates.
    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        guard let y = number(b[0..<4]), let m = number(b[4..<6]), let d = number(b[6..<8]),
            let hh = number(b[9..<11]), let mm = number(b[11..<13]), let ss = number(b[13..<15])
        else { return nil }
        return make(y, m, d, hh, mm, ss, offset: 0)
    }

    /// Parses an RFC 1123 / RFC 2822 date such as `Wed, 01 May 2024 12:00:00 GMT` or `... -0000`.
    static func parseHTTPDate(_ text: String) -> Date? {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if let first = words.first, first.hasSuffix(",") { words.removeFirst() }
        guard words.count == 4 || words.count == 5, let d = Int(words[0]), let y = Int(words[2]),
            let m = months.firstIndex(of: words[1].lowercased()).map({ $0 + 1 })
        else { return nil }
        let clock = words[3].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard clock.count == 3, let hh = clock[0], let mm = clock[1], let ss = clock[2],
            let offset = zoneOffset(words.count == 5 ? words[4] : "GMT")
        else { return nil }
        return make(y, m, d, hh, mm, ss, offset: offset)
    }

    /// Describes a window the way AWS does: `5 min.` when whole minutes, else `N sec.`.
    static func describe(_ window: TimeInterval) -> String {
        let seconds = Int(window.rounded())
        return seconds % 60 == 0 ? "\(seconds / 60) min." : "\(seconds) sec."
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func zoneOffset(_ zone: String) -> Int? {
        if ["GMT", "UTC", "UT", "Z"].contains(zone.uppercased()) { return 0 }
        let b = Array(zone.utf8)
        guard b.count == 5, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"),
            let hh = number(b[1..<3]), let mm = number(b[3..<5])
        else { return nil }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (hh * 3600 + mm * 60)
    }

    private static func make(_ y: Int, _ m: Int, _ d: Int, _ hh: Int, _ mm: Int, _ ss: Int, offset: Int) -> Date? {
        guard (1...9999).contains(y), (1...12).contains(m), (1...31).contains(d), (0...23).contains(hh), (0...59).contains(mm),
            (0...59).contains(ss)
        else { return nil }
        let days = days(fromCivil: y, m, d)
        guard civil(fromDays: days) == (y, m, d) else { return nil }  // rejects e.g. 30 February
        let seconds = days * 86_400 + hh * 3600 + mm * 60 + ss - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(c - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays count: Int) -> (Int, Int, Int) {
        let z = count + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
