import Foundation
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// UpdateFunctionCode: new code for `$LATEST`, optionally published at once.
    public func updateFunctionCode(_ name: String, _ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let zipBase64 = try body.string("ZipFile")
        let s3Bucket = try body.string("S3Bucket")
        _ = try body.string("S3Key")
        _ = try body.string("S3ObjectVersion")
        let imageUri = try body.string("ImageUri")
        let publish = try body.bool("Publish") ?? false
        let dryRun = try body.bool("DryRun") ?? false
        let revisionId = try body.string("RevisionId")
        let architectures = try body.strings("Architectures")
        _ = try body.string("SourceKMSKeyArn")
        try Self.rejectUnsupported(&body, ["PublishTo"])
        try body.finish()
        let target = try await resolve(
            name, caller: caller, action: "lambda:UpdateFunctionCode", shape: .standard, qualifierPattern: nil)
        if imageUri != nil {
            throw LambdaError.invalidParameter(
                "Please don't provide ImageUri when updating a function with packageType Zip.")
        }
        if let architectures {
            var check = ConfigurationInput.empty
            check.architectures = architectures
            try check.validate()
        }
        _ = try await load(target)
        let codeRef = try storeCode(zipBase64: zipBase64, s3Bucket: s3Bucket)
        let now = self.now()
        let shownRevision = Self.newRevisionId()
        let update: @Sendable (inout FunctionRecord, AccountUsage?) throws -> JSONValue = { function, _ in
            if let revisionId, revisionId != function.latest.revisionId {
                throw LambdaError.functionRevisionMismatch
            }
            function.latest.code = codeRef
            if let architectures, !architectures.isEmpty { function.latest.architectures = architectures }
            function.latest.lastModified = now
            function.latest.revisionId = Self.newRevisionId()
            function.latest.lastUpdateStatus = "Successful"
            function.latestPublished = false
            if publish {
                let version = function.publish(description: nil, at: now)
                return FunctionConfigurationView.render(
                    version, of: function, arn: function.arn(version.version), style: .detail, transition: .creating)
            }
            return FunctionConfigurationView.render(
                function.latest, of: function, arn: function.arn, style: .detail, transition: .updating,
                revisionId: shownRevision)
        }
        if dryRun {
            var copy = try await load(target)
            return try update(&copy, nil)
        }
        return try await mutate(target.key, update)
    }

    /// UpdateFunctionConfiguration: merges the given members into `$LATEST`.
    public func updateFunctionConfiguration(_ name: String, _ bytes: [UInt8], caller: Caller) async throws
        -> JSONValue
    {
        var body = try RequestReader.parse(bytes)
        let config = try ConfigurationInput(reading: &body, includeArchitectures: false)
        let revisionId = try body.string("RevisionId")
        _ = try body.raw("ImageConfig")
        try Self.rejectUnsupported(&body, ["CapacityProviderConfig", "DurableConfig"])
        try body.finish()
        let target = try await resolve(
            name, caller: caller, action: "lambda:UpdateFunctionConfiguration", shape: .standard,
            qualifierPattern: nil)
        try config.validate()
        let now = self.now()
        let shownRevision = Self.newRevisionId()
        return try await mutate(target.key) { function, _ in
            if let revisionId, revisionId != function.latest.revisionId {
                throw LambdaError.functionRevisionMismatch
            }
            config.apply(to: &function.latest)
            function.latest.lastModified = now
            function.latest.revisionId = Self.newRevisionId()
            function.latest.lastUpdateStatus = "Successful"
            function.latestPublished = false
            return FunctionConfigurationView.render(
                function.latest, of: function, arn: function.arn, style: .detail, transition: .updating,
                revisionId: shownRevision)
        }
    }

    /// PublishVersion: idempotent until `$LATEST` changes.
    public func publishVersion(_ name: String, _ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let codeSha256 = try body.string("CodeSha256")
        let description = try body.string("Description")
        let revisionId = try body.string("RevisionId")
        try Self.rejectUnsupported(&body, ["PublishTo"])
        try body.finish()
        var errors = ValidationErrors()
        errors.length(description, at: "description", max: 256)
        try errors.throwIfAny()
        let target = try await resolve(
            name, caller: caller, action: "lambda:PublishVersion", shape: .standard, qualifierPattern: nil)
        let now = self.now()
        return try await mutate(target.key) { function, _ in
            if let codeSha256, codeSha256 != function.latest.code.codeSha256 {
                throw LambdaError.invalidParameter(
                    "CodeSHA256 (\(codeSha256)) is different from current CodeSHA256 in $LATEST (\(function.latest.code.codeSha256)). Please try again with the CodeSHA256 in $LATEST."
                )
            }
            if let revisionId, revisionId != function.latest.revisionId {
                throw LambdaError.functionRevisionMismatch
            }
            let version = function.publish(description: description, at: now)
            return FunctionConfigurationView.render(
                version, of: function, arn: function.arn(version.version), style: .detail)
        }
    }
}

extension ControlPlane {
    /// Members of Lambda features Nimbus does not offer (capacity providers, durable functions, tenancy):
    /// a clear error rather than silently ignoring what the caller asked for.
    static func rejectUnsupported(_ body: inout RequestReader, _ members: [String]) throws(LambdaError) {
        for member in members where body.has(member) {
            throw LambdaError.invalidParameter("\(member) is not supported by this Nimbus server.")
        }
        for member in members { _ = body.any(member) }
    }
}

extension ConfigurationInput {
    /// No members given.
    static var empty: ConfigurationInput {
        var reader = RequestReader.empty
        return try! ConfigurationInput(reading: &reader, includeArchitectures: false)
    }
}
