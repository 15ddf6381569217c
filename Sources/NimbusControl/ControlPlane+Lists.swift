import Foundation
import NimbusModel
import NimbusStore

/// Opaque pagination markers: base64 of the last item's sort key.
enum Marker {
    static func encode(_ parts: [String]) -> String {
        Data(parts.joined(separator: "\u{1}").utf8).base64EncodedString()
    }

    static func decode(_ marker: String?) throws(LambdaError) -> [String]? {
        guard let marker else { return nil }
        guard let data = Data(base64Encoded: marker), let text = String(data: data, encoding: .utf8) else {
            throw LambdaError.invalidParameter("Invalid pagination token: \(marker)")
        }
        return text.components(separatedBy: "\u{1}")
    }

    /// Validates MaxItems (1…upper) and clamps it to the page size.
    static func pageSize(_ maxItems: String?, modelMax: Int, pageMax: Int) throws(LambdaError) -> Int {
        guard let maxItems else { return pageMax }
        guard let value = Int(maxItems) else {
            throw LambdaError.invalidParameter("Value '\(maxItems)' at 'maxItems' is not a valid integer.")
        }
        var errors = ValidationErrors()
        errors.range(value, at: "maxItems", min: 1, max: modelMax)
        try errors.throwIfAny()
        return min(value, pageMax)
    }

    /// Slices `items` (already in order) after `marker`, returning the page and the next marker.
    static func page<T>(_ items: [T], after marker: String?, size: Int, key: (T) -> String) throws(LambdaError)
        -> (page: [T], next: String?)
    {
        var start = 0
        if let last = try decode(marker)?.first {
            start = items.firstIndex { key($0) > last } ?? items.count
        }
        let page = Array(items[start..<min(items.count, start + size)])
        let next = start + size < items.count ? page.last.map { encode([key($0)]) } : nil
        return (page, next)
    }
}

extension ControlPlane {
    /// ListFunctions: `$LATEST` of every function (unqualified ARNs), or every version with `FunctionVersion=ALL`.
    public func listFunctions(
        functionVersion: String?, marker: String?, maxItems: String?, caller: Caller
    ) async throws -> JSONValue {
        var errors = ValidationErrors()
        errors.oneOf(functionVersion, at: "functionVersion", ["ALL"])
        try errors.throwIfAny()
        let size = try Marker.pageSize(maxItems, modelMax: 10000, pageMax: 50)
        let all = functionVersion == "ALL"
        let after = try Marker.decode(marker)
        var entries: [(FunctionRecord, VersionRecord)] = []
        func take(_ function: FunctionRecord, afterVersion: Int) {
            let versions = all ? [function.latest] + function.versions : [function.latest]
            for version in versions where Self.versionIndex(version.version) > afterVersion {
                entries.append((function, version))
            }
        }
        var cursor = after?.first
        if all, let name = cursor, let resume = after.flatMap({ $0.count > 1 ? Int($0[1]) : nil }),
            let function = try await functions.function(
                FunctionKey(accountId: caller.accountId, region: caller.region, name: name))
        {
            take(function, afterVersion: resume)
        }
        while entries.count <= size {
            let batch = try await functions.listFunctions(
                accountId: caller.accountId, region: caller.region, after: cursor, limit: size + 1)
            for function in batch { take(function, afterVersion: -1) }
            if batch.count < size + 1 { break }
            cursor = batch.last?.name
        }
        var next: String?
        if entries.count > size {
            entries.removeLast(entries.count - size)
            let (function, version) = entries[entries.count - 1]
            next = Marker.encode(all ? [function.name, String(Self.versionIndex(version.version))] : [function.name])
        }
        var o = JSONObjectBuilder()
        o.set(
            "Functions",
            .array(entries.map { function, version in
                let arn = all ? function.arn(version.version) : function.arn
                return FunctionConfigurationView.render(version, of: function, arn: arn, style: .list)
            }))
        o.set("NextMarker", next)
        return o.value
    }

    /// `$LATEST` sorts first (0), then versions by number.
    static func versionIndex(_ version: String) -> Int {
        version == "$LATEST" ? 0 : Int(version) ?? 0
    }

    /// ListVersionsByFunction: `$LATEST` first, then versions ascending; qualified ARNs.
    public func listVersions(_ name: String, marker: String?, maxItems: String?, caller: Caller) async throws
        -> JSONValue
    {
        let target = try await resolve(
            name, caller: caller, action: "lambda:ListVersionsByFunction", qualifierPattern: nil)
        let size = try Marker.pageSize(maxItems, modelMax: 10000, pageMax: 50)
        let record = try await load(target)
        let versions = [record.latest] + record.versions
        let (page, next) = try Marker.page(versions, after: marker, size: size) { version in
            let number = version.version == "$LATEST" ? 0 : Int(version.version) ?? 0
            let digits = String(number)
            return String(repeating: "0", count: 12 - digits.count) + digits
        }
        var o = JSONObjectBuilder()
        o.set("Versions", .array(page.map {
            FunctionConfigurationView.render($0, of: record, arn: record.arn($0.version), style: .list)
        }))
        o.set("NextMarker", next)
        return o.value
    }
}
