import Foundation
import NimbusModel
import Testing

@Suite struct FunctionReferenceTests {
    @Test(
        "Every FunctionName form the model allows is parsed into name, qualifier, account and region",
        arguments: [
            ("f1", "f1", nil, nil, nil),
            ("f1:prod", "f1", "prod", nil, nil),
            ("f1:$LATEST", "f1", "$LATEST", nil, nil),
            ("123456789012:function:f1", "f1", nil, "123456789012", nil),
            ("123456789012:function:f1:7", "f1", "7", "123456789012", nil),
            ("arn:aws:lambda:us-east-1:123456789012:function:f1", "f1", nil, "123456789012", "us-east-1"),
            ("arn:aws:lambda:eu-west-2:123456789012:function:f1:live", "f1", "live", "123456789012", "eu-west-2"),
            ("arn:aws:lambda:us-east-1:123456789012:function", "function", nil, "123456789012", "us-east-1"),
            ("function:$LATEST", "function", "$LATEST", nil, nil),
        ] as [(String, String, String?, String?, String?)])
    func parses(raw: String, name: String, qualifier: String?, account: String?, region: String?) throws {
        let ref = try FunctionReference.parse(raw)
        #expect(ref == FunctionReference(name: name, qualifier: qualifier, accountId: account, region: region))
    }

    @Test(
        "Names outside the model pattern are a ValidationException quoting the pattern",
        arguments: [
            "my-function!", "*", "name:1:2", "function:name:$LATEST:extra", "arn:aws:lambda::123456789012:function:x",
            "arn:aws:lambda:us-east-1::function:x", "invalid-account:function:x", "arn:aws:s3:::bucket", "f:$LATES",
        ])
    func rejects(raw: String) {
        #expect {
            try FunctionReference.parse(raw)
        } throws: { error in
            guard let error = error as? LambdaError else { return false }
            return error.code == "ValidationException" && error.status == 400
                && error.message.hasPrefix("1 validation error detected: Value '\(raw)' at 'functionName'")
                && error.message.contains("Member must satisfy regular expression pattern")
        }
    }

    @Test("A name longer than the shape's maximum fails on length")
    func tooLong() {
        let raw = String(repeating: "a", count: 141)
        #expect(throws: LambdaError.validation(
            "1 validation error detected: Value '\(raw)' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140"
        )) {
            try FunctionReference.parse(raw, shape: .standard)
        }
    }
}

@Suite struct ValidationErrorsTests {
    @Test("Several violations are counted and joined the way Coral words them")
    func coralMessage() {
        var errors = ValidationErrors()
        errors.range(1200, at: "timeout", max: 900)
        errors.range(64, at: "memorySize", min: 128)
        #expect(
            errors.message
                == "2 validation errors detected: Value '1200' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
        )
    }

    @Test("Nothing recorded means no error")
    func empty() throws {
        let errors = ValidationErrors()
        #expect(errors.message == nil)
        try errors.throwIfAny()
    }
}

@Suite struct JSONValueTests {
    @Test("Serialisation keeps member order, escapes strings and renders whole doubles with .0")
    func serialises() {
        let value = JSONValue.object([
            ("b", .string("a\"b\\c\n\u{01}")), ("a", .array([.int(1), .double(0.5), .double(2), .bool(true), .null])),
        ])
        #expect(value.jsonString == #"{"b":"a\"b\\c\n\u0001","a":[1,0.5,2.0,true,null]}"#)
    }

    @Test("Parsing then serialising round-trips objects, numbers and unicode")
    func roundTrip() throws {
        let parsed = try JSONValue.parse(Array(#"{"k":[1,2.5,"é",{"x":null}]}"#.utf8))
        #expect(parsed["k"] == .array([.int(1), .double(2.5), .string("é"), .object([("x", .null)])]))
    }

    @Test("Malformed JSON is an InvalidRequestContentException")
    func malformed() {
        #expect(throws: LambdaError.self) { try JSONValue.parse(Array("{\"a\":".utf8)) }
    }
}

@Suite struct RequestReaderTests {
    @Test("Wrong member types and unknown members are content errors; nulls count as absent")
    func strictTypes() throws {
        var reader = try RequestReader.parse(Array(#"{"MemorySize":"big","Publish":null,"Extra":1}"#.utf8))
        #expect(throws: LambdaError.self) { try reader.int("MemorySize") }
        #expect(try reader.bool("Publish") == nil)
        do {
            try reader.finish()
            Issue.record("unknown member accepted")
        } catch {
            #expect(error.code == "InvalidRequestContentException")
            #expect(error.message.contains("Extra"))
        }
    }

    @Test("A body that is not an object is rejected")
    func notObject() {
        #expect(throws: LambdaError.self) { try RequestReader.parse(Array("[1]".utf8)) }
    }
}

@Suite struct TimestampsTests {
    @Test("LastModified uses milliseconds and +0000")
    func iso() {
        #expect(Timestamps.iso(Date(timeIntervalSince1970: 1_714_566_896.789)) == "2024-05-01T12:34:56.789+0000")
    }
}

@Suite struct PatternTests {
    @Test("A whole match must cover the whole string, trailing newline included", arguments: ["prod\n", "x.h\n", "a\nb"])
    func trailingNewline(value: String) {
        #expect(!Pattern.aliasName.matches(value))
        #expect(!Pattern.handler.matches(value))
    }
}
