extension JSONValue {
    /// Parses JSON bytes, keeping member order; anything that is not JSON is an
    /// `InvalidRequestContentException`.
    public static func parse(_ bytes: [UInt8]) throws(LambdaError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw LambdaError.invalidContent("Could not parse payload into json: \(error)")
        }
    }
}
