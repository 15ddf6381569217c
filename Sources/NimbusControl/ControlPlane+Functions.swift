import Foundation
import NimbusCode
import NimbusModel
import NimbusStore

extension ControlPlane {
    /// CreateFunction: validates everything, stores the code once per SHA-256, creates `$LATEST`
    /// (and version 1 with `Publish`). The response shows `State: Pending`.
    public func createFunction(_ bytes: [UInt8], caller: Caller) async throws -> JSONValue {
        var body = try RequestReader.parse(bytes)
        let rawName = try body.string("FunctionName")
        let config = try ConfigurationInput(reading: &body, includeArchitectures: true)
        var codeBody = try body.object("Code")
        let publish = try body.bool("Publish") ?? false
        let tags = try body.stringMap("Tags") ?? [:]
        let packageType = try body.string("PackageType") ?? "Zip"
        _ = try body.raw("ImageConfig")
        _ = try body.string("CodeSigningConfigArn")
        let zipBase64 = try codeBody?.string("ZipFile")
        let s3Bucket = try codeBody?.string("S3Bucket")
        _ = try codeBody?.string("S3Key")
        _ = try codeBody?.string("S3ObjectVersion")
        let imageUri = try codeBody?.string("ImageUri")
        _ = try codeBody?.string("SourceKMSKeyArn")
        try codeBody?.finish()
        try Self.rejectUnsupported(&body, ["CapacityProviderConfig", "PublishTo", "DurableConfig", "TenancyConfig"])
        try body.finish()

        guard let rawName else { throw LambdaError.invalidContent("Missing required member FunctionName") }
        var errors = ValidationErrors()
        errors.oneOf(packageType, at: "packageType", ["Zip", "Image"])
        try errors.throwIfAny()
        if config.role == nil { throw LambdaError.invalidContent("Missing required member Role") }
        guard codeBody != nil else { throw LambdaError.invalidContent("Missing required member Code") }
        let ref = try FunctionReference.parse(rawName, shape: .standard)
        if ref.name.count > 64 {
            throw LambdaError.invalidParameter(
                "1 validation error detected: Value '\(ref.name)' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"
            )
        }
        if let region = ref.region, region != caller.region {
            throw LambdaError.resourceNotFound(
                "Functions from '\(region)' are not reachable in this region ('\(caller.region)')")
        }
        if let account = ref.accountId, account != caller.accountId { throw LambdaError.accessDenied() }
        try config.validate()
        if packageType == "Image" || imageUri != nil {
            throw LambdaError.invalidParameter("PackageType Image is not supported by this Nimbus server; use Zip.")
        }
        if config.runtime == nil || config.handler == nil {
            throw LambdaError.invalidParameter(
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.")
        }
        if tags.count > 50 { throw LambdaError.invalidParameter("Number of tags exceeds resource tag limit.") }
        let codeRef = try storeCode(zipBase64: zipBase64, s3Bucket: s3Bucket)

        let key = FunctionKey(accountId: caller.accountId, region: caller.region, name: ref.name)
        let now = self.now()
        var latest = VersionRecord(
            version: "$LATEST", runtime: nil, role: "", handler: nil, description: "", timeout: 3, memorySize: 128,
            environment: nil, architectures: ["x86_64"], ephemeralStorage: 512, tracingMode: "PassThrough",
            deadLetterTargetArn: nil, kmsKeyArn: nil, layers: nil, vpcConfig: nil, fileSystemConfigs: nil,
            loggingConfig: ["LogFormat": "Text", "LogGroup": "/aws/lambda/\(ref.name)"], snapStartApplyOn: "None",
            packageType: "Zip", code: codeRef, lastModified: now, revisionId: Self.newRevisionId(), state: "Active",
            lastUpdateStatus: "Successful")
        config.apply(to: &latest)
        let shownRevision = Self.newRevisionId()
        let created = latest
        return try await functions.updateFunction(key, withUsage: false) { record, _ in
            guard record == nil else { throw LambdaError.conflict("Function already exist: \(ref.name)") }
            var function = FunctionRecord(
                accountId: key.accountId, region: key.region, name: key.name, latest: created, tags: tags)
            var shown = created
            if publish {
                shown = function.publish(description: nil, at: now)
            }
            record = function
            return FunctionConfigurationView.render(
                shown, of: function, arn: function.arn, style: .detail, transition: .creating,
                revisionId: shownRevision)
        }
    }

    /// Decodes and stores uploaded code.
    func storeCode(zipBase64: String?, s3Bucket: String?) throws -> CodeReference {
        guard let zipBase64 else {
            if s3Bucket != nil {
                throw LambdaError.invalidParameter(
                    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist"
                )
            }
            throw LambdaError.invalidParameter("Please provide a source for function code.")
        }
        guard let data = Data(base64Encoded: zipBase64) else {
            throw LambdaError.invalidContent("Could not parse payload into json: ZipFile is not valid base64")
        }
        do {
            let artifact = try code.store(data)
            return CodeReference(
                sha256Hex: artifact.sha256Hex, codeSha256: artifact.codeSha256, codeSize: artifact.codeSize)
        } catch let error as CodeValidationError {
            if error.kind == .zippedTooLarge { throw LambdaError.requestTooLarge(error.message) }
            throw LambdaError.invalidParameter(error.message)
        }
    }

    /// GetFunction: configuration, code location, tags and reserved concurrency.
    public func getFunction(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:GetFunction",
            qualifierPattern: .namespacedQualifier)
        let record = try await load(target)
        let (version, arn) = try self.version(of: record, qualifier: target.qualifier)
        var o = JSONObjectBuilder()
        o.set("Configuration", FunctionConfigurationView.render(version, of: record, arn: arn, style: .detail))
        o.set(
            "Code",
            .object([
                ("RepositoryType", .string("S3")),
                ("Location", .string(codeLocation(target.key, target.qualifier ?? "$LATEST"))),
            ]))
        if !record.tags.isEmpty, !target.crossAccount { o.set("Tags", tagsJSON(record.tags)) }
        if let reserved = record.reservedConcurrency {
            o.set("Concurrency", .object([("ReservedConcurrentExecutions", .int(reserved))]))
        }
        return o.value
    }

    /// GetFunctionConfiguration.
    public func getFunctionConfiguration(_ name: String, qualifier: String?, caller: Caller) async throws -> JSONValue
    {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:GetFunctionConfiguration",
            qualifierPattern: .namespacedQualifier)
        let record = try await load(target)
        let (version, arn) = try self.version(of: record, qualifier: target.qualifier)
        return FunctionConfigurationView.render(version, of: record, arn: arn, style: .detail)
    }

    /// The zip bytes of a function's code at a qualifier (for the signed `Code.Location` URL).
    public func codeBytes(_ key: FunctionKey, qualifier: String) async throws -> Data? {
        guard let record = try await functions.function(key),
            let (version, _) = try? self.version(of: record, qualifier: qualifier == "$LATEST" ? nil : qualifier)
        else { return nil }
        return try code.zipData(sha256Hex: version.code.sha256Hex)
    }

    /// DeleteFunction: the whole function, or one published version.
    public func deleteFunction(_ name: String, qualifier: String?, caller: Caller) async throws {
        let target = try await resolve(
            name, qualifier: qualifier, caller: caller, action: "lambda:DeleteFunction",
            qualifierPattern: .namespacedQualifier)
        let arn = target.key.arn(target.qualifier)
        try await functions.updateFunction(target.key, withUsage: false) { record, _ in
            guard var function = record else { throw LambdaError.resourceNotFound("Function not found: \(arn)") }
            guard let qualifier = target.qualifier else {
                record = nil
                return
            }
            if qualifier == "$LATEST" {
                throw LambdaError.invalidParameter("$LATEST version cannot be deleted without deleting the function.")
            }
            if function.aliases[qualifier] != nil || !qualifier.allSatisfy(\.isNumber) {
                throw LambdaError.invalidParameter("Deletion of aliases is not currently supported.")
            }
            let referencing = function.aliases.values.filter {
                $0.functionVersion == qualifier || $0.additionalVersionWeights[qualifier] != nil
            }.map(\.name).sorted()
            if !referencing.isEmpty {
                throw LambdaError.conflict(
                    "Unable to delete version because the following aliases reference it: [\(referencing.joined(separator: ", "))]"
                )
            }
            function.versions.removeAll { $0.version == qualifier }
            function.policies[qualifier] = nil
            function.provisioned[qualifier] = nil
            function.eventInvokeConfigs[qualifier] = nil
            record = function
        }
    }

    func tagsJSON(_ tags: [String: String]) -> JSONValue {
        .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}

extension FunctionRecord {
    /// Publishes `$LATEST` as a new version, or returns the newest version when nothing changed since.
    mutating func publish(description: String?, at now: Date) -> VersionRecord {
        if latestPublished, let last = versions.last, last.version == String(lastVersionNumber) { return last }
        lastVersionNumber += 1
        var version = latest
        version.version = String(lastVersionNumber)
        version.description = description ?? latest.description
        version.revisionId = ControlPlane.newRevisionId()
        version.state = "Active"
        version.lastUpdateStatus = "Successful"
        versions.append(version)
        latest.revisionId = ControlPlane.newRevisionId()
        latestPublished = true
        return version
    }
}
