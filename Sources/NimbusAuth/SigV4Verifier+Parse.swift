import Foundation

extension SigV4Verifier {
    /// Reads the signature claims from the `Authorization` header or, failing that, from presigned
    /// query parameters. Needs no secret; throws AWS's error for missing or malformed data.
    public func parse(_ request: SigV4Request) throws(SigV4Failure) -> SigV4Signature {
        if let authorization = request.header("authorization") {
            return try parseHeader(authorization, request)
        }
        let query = Self.queryParameters(request.rawQuery)
        if query["X-Amz-Algorithm"] != nil || query["X-Amz-Credential"] != nil || query["X-Amz-Signature"] != nil {
            return try parseQuery(query)
        }
        throw .missingAuthenticationToken
    }

    private func parseHeader(_ authorization: String, _ request: SigV4Request) throws(SigV4Failure) -> SigV4Signature {
        let text = authorization.trimmingASCIIWhitespace()
        let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        let algorithm = String(text[..<space])
        var params: [String: String] = [:]
        for component in text[space...].asciiSplit(UInt8(ascii: ",")) {
            let item = component.trimmingASCIIWhitespace()
            if item.isEmpty { continue }
            guard let eq = item.utf8.firstIndex(of: UInt8(ascii: "=")) else {
                throw .incompleteSignature(
                    "'\(item)' not a valid key=value pair (missing equal-sign) in Authorization header: '\(text)'.")
            }
            params[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        var missing: [String] = []
        for key in ["Credential", "Signature"] where (params[key] ?? "").isEmpty {
            missing.append("Authorization header requires '\(key)' parameter.")
        }
        if params["SignedHeaders"] == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        let amzDateHeader = request.header("x-amz-date")
        let dateHeader = request.header("date")
        if amzDateHeader == nil && dateHeader == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        if !missing.isEmpty {
            throw .incompleteSignature(missing.joined(separator: " ") + " Authorization=\(text)")
        }
        let time: Date?
        if let amzDateHeader { time = AmzDate.parse(amzDateHeader) } else { time = dateHeader.flatMap(AmzDate.parseHTTPDate) }
        guard let time else { throw Self.badDate(amzDateHeader ?? dateHeader ?? "") }
        try Self.checkAlgorithm(algorithm)
        let scope = try Self.credential(params["Credential"] ?? "")
        return SigV4Signature(
            accessKeyId: scope[0], dateStamp: scope[1], region: scope[2], service: scope[3], terminator: scope[4],
            signedHeaders: Self.headerNames(params["SignedHeaders"] ?? ""), signature: params["Signature"] ?? "",
            amzDate: AmzDate.format(time), requestTime: time, isPresigned: false,
            securityToken: request.header("x-amz-security-token"))
    }

    private func parseQuery(_ query: [String: String]) throws(SigV4Failure) -> SigV4Signature {
        let required = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders",
                        "X-Amz-Date", "X-Amz-Expires"]
        let missing = required.filter { query[$0] == nil }
        if !missing.isEmpty {
            throw .incompleteSignature(
                missing.map { "AWS query-string parameters must include '\($0)'." }.joined(separator: " ")
                    + " Re-examine the query-string parameters.")
        }
        let amzDate = query["X-Amz-Date"] ?? ""
        guard let time = AmzDate.parse(amzDate) else { throw Self.badDate(amzDate) }
        try Self.checkAlgorithm(query["X-Amz-Algorithm"] ?? "")
        let expiresText = query["X-Amz-Expires"] ?? ""
        guard !expiresText.isEmpty, expiresText.allSatisfy(\.isASCIIDigit), let expires = Int(expiresText) else {
            throw .incompleteSignature("X-Amz-Expires should be a number")
        }
        guard expires <= 604_800 else {
            throw .incompleteSignature(
                "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
                    + "must be less than 604800 seconds")
        }
        let scope = try Self.credential(query["X-Amz-Credential"] ?? "")
        return SigV4Signature(
            accessKeyId: scope[0], dateStamp: scope[1], region: scope[2], service: scope[3], terminator: scope[4],
            signedHeaders: Self.headerNames(query["X-Amz-SignedHeaders"] ?? ""),
            signature: query["X-Amz-Signature"] ?? "", amzDate: amzDate, requestTime: time, isPresigned: true,
            expires: expires, securityToken: query["X-Amz-Security-Token"])
    }

    private static func checkAlgorithm(_ algorithm: String) throws(SigV4Failure) {
        guard algorithm == SigV4Canonical.algorithm else {
            throw .incompleteSignature("Unsupported AWS 'algorithm': '\(algorithm)' (only AWS4-HMAC-SHA256 for now).")
        }
    }

    /// Splits `AKID/date/region/service/terminator`; trailing slashes are ignored, as AWS does.
    private static func credential(_ credential: String) throws(SigV4Failure) -> [String] {
        var parts = credential.asciiSplit(UInt8(ascii: "/"), omittingEmptySubsequences: false).map(String.init)
        while parts.count > 5, parts.last == "" { parts.removeLast() }
        guard parts.count == 5, !parts[0].isEmpty else {
            throw .incompleteSignature(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                    + "got '\(credential)'")
        }
        return parts
    }

    private static func badDate(_ value: String) -> SigV4Failure {
        .incompleteSignature(
            "Date must be in ISO-8601 'basic format'. Got '\(value)'. See http://en.wikipedia.org/wiki/ISO_8601")
    }

    private static func headerNames(_ list: String) -> [String] {
        list.asciiSplit(UInt8(ascii: ";")).map { $0.trimmingASCIIWhitespace().lowercased() }
    }

    /// Percent-decoded query parameters; the first value wins for repeated keys.
    static func queryParameters(_ rawQuery: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in rawQuery.split(separator: "&") {
            let eq = part.firstIndex(of: "=") ?? part.endIndex
            let key = String(decoding: PercentEncoding.decode(part[..<eq]), as: UTF8.self)
            let value = eq == part.endIndex ? "" : part[part.index(after: eq)...]
            if result[key] == nil { result[key] = String(decoding: PercentEncoding.decode(value), as: UTF8.self) }
        }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
