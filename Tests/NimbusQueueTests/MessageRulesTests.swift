import Crypto
import NimbusModel
import Testing

@testable import NimbusQueue

@Suite struct MessageRulesTests {
    @Test func attributeMD5FollowsTheDocumentedEncoding() throws {
        // Expected value computed independently (Python, struct.pack('>I') length prefixes, sorted names).
        let attributes: [String: MessageAttribute] = [
            "City": .init(dataType: "String", stringValue: "Any City"),
            "Population": .init(dataType: "Number", stringValue: "1250800"),
            "Blob": .init(dataType: "Binary", binaryValue: [0, 1, 2]),
        ]
        #expect(MessageAttributes.md5(attributes) == "69d43f899c5f825653b41c617787137a")
        #expect(MessageAttributes.md5([:]) == nil)
        #expect(MessageBody.md5(Array("hello".utf8)) == "5d41402abc4b2a76b9719d911017c592")
    }

    @Test func attributesAreParsedAndChecked() throws {
        let good = try JSONValue.parse(Array(#"{"a.b":{"DataType":"Number.int","StringValue":"12"},"bin":{"DataType":"Binary","BinaryValue":"AAEC"}}"#.utf8))
        let parsed = try MessageAttributes.parse(good)
        #expect(parsed["a.b"]?.stringValue == "12")
        #expect(parsed["bin"]?.binaryValue == [0, 1, 2])
        #expect(MessageAttributes.fromDocument(MessageAttributes.document(parsed)) == parsed)
        for bad in [
            #"{"AWS.x":{"DataType":"String","StringValue":"v"}}"#,
            #"{".x":{"DataType":"String","StringValue":"v"}}"#,
            #"{"x":{"DataType":"Text","StringValue":"v"}}"#,
            #"{"x":{"DataType":"String","StringValue":""}}"#,
            #"{"x":{"DataType":"Number","StringValue":"ten"}}"#,
            #"{"x":{"DataType":"Binary","StringValue":"v"}}"#,
        ] {
            #expect(throws: QueueError.self) { try MessageAttributes.parse(try JSONValue.parse(Array(bad.utf8))) }
        }
        let eleven = JSONValue.object((0..<11).map { ("k\($0)", .object([("DataType", .string("String")), ("StringValue", .string("v"))])) })
        #expect(throws: QueueError.self) { try MessageAttributes.parse(eleven) }
    }

    @Test func attributeSelection() {
        let attributes: [String: MessageAttribute] = [
            "a.one": .init(dataType: "String", stringValue: "1"), "b": .init(dataType: "String", stringValue: "2"),
        ]
        #expect(MessageAttributes.selected(attributes, names: ["All"]).count == 2)
        #expect(Set(MessageAttributes.selected(attributes, names: ["a.*"]).keys) == ["a.one"])
        #expect(Set(MessageAttributes.selected(attributes, names: ["b"]).keys) == ["b"])
        #expect(MessageAttributes.selected(attributes, names: []).isEmpty)
    }

    @Test func bodyCharacters() {
        #expect(MessageBody.isValid("tab\there\nok ✓ 😀"))
        #expect(!MessageBody.isValid("bell\u{7}"))
        #expect(!MessageBody.isValid("\u{FFFE}"))
    }

    @Test func receiptHandlesAreSealed() {
        let key = SymmetricKey(data: [UInt8](repeating: 7, count: 32))
        let handle = ReceiptHandle(queueId: 3, seq: 42, token: "abc-def")
        let text = handle.seal(with: key)
        #expect(ReceiptHandle.open(text, with: key) == handle)
        #expect(ReceiptHandle.open(text, with: SymmetricKey(data: [UInt8](repeating: 8, count: 32))) == nil)
        #expect(ReceiptHandle.open("forged", with: key) == nil)
        // Changing the sealed payload (another message) breaks the seal.
        let other = ReceiptHandle(queueId: 3, seq: 43, token: "abc-def").seal(with: key)
        let spliced = String(other.split(separator: ".")[0]) + "." + String(text.split(separator: ".")[1])
        #expect(ReceiptHandle.open(spliced, with: key) == nil)
    }

    @Test func queueAttributesAreValidated() throws {
        try QueueAttributes.validate(["VisibilityTimeout": "0", "DelaySeconds": "900", "MaximumMessageSize": "1024"])
        #expect(throws: QueueError.invalidAttributeValue("Invalid value for the parameter VisibilityTimeout.")) {
            try QueueAttributes.validate(["VisibilityTimeout": "43201"])
        }
        #expect(throws: QueueError.invalidAttributeName("Colour")) { try QueueAttributes.validate(["Colour": "red"]) }
        #expect(throws: QueueError.self) { try QueueAttributes.validate(["RedrivePolicy": "{\"maxReceiveCount\":3}"]) }
        #expect(QueueAttributes.integer("VisibilityTimeout", in: [:]) == 30)
        #expect(QueueAttributes.integer("MaximumMessageSize", in: [:]) == 262_144)
    }

    @Test func redrivePolicies() throws {
        let policy = try RedrivePolicy.parse(#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":"5"}"#)
        #expect(policy.maxReceiveCount == 5)
        #expect(QueueARN(policy.deadLetterTargetArn)?.name == "dlq")
        #expect(throws: QueueError.self) {
            try RedrivePolicy.parse(#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":0}"#)
        }
        let allow = try RedriveAllowPolicy.parse(#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:a"]}"#)
        #expect(allow.allows("arn:aws:sqs:us-east-1:123456789012:a"))
        #expect(!allow.allows("arn:aws:sqs:us-east-1:123456789012:b"))
        #expect(throws: QueueError.self) { try RedriveAllowPolicy.parse(#"{"redrivePermission":"byQueue"}"#) }
    }

    @Test func batchRules() {
        #expect(throws: QueueError.self) { try QueueService.checkBatch([], entry: "E") }
        #expect(throws: QueueError.self) { try QueueService.checkBatch((0..<11).map(String.init), entry: "E") }
        #expect(throws: QueueError.self) { try QueueService.checkBatch(["a", "a"], entry: "E") }
        #expect(throws: QueueError.self) { try QueueService.checkBatch(["a b"], entry: "E") }
        #expect(throws: Never.self) { try QueueService.checkBatch(["a", "b-1", "c_2"], entry: "E") }
    }
}
