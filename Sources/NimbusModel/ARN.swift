/// Builds the ARNs Lambda reports.
public enum ARN {
    /// The partition for a region (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`).
    public static func partition(for region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        if region.hasPrefix("us-isob-") { return "aws-iso-b" }
        if region.hasPrefix("us-iso-") { return "aws-iso" }
        return "aws"
    }

    /// `arn:<p>:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    public static func function(_ name: String, region: String, account: String, qualifier: String? = nil) -> String {
        let base = "arn:\(partition(for: region)):lambda:\(region):\(account):function:\(name)"
        guard let qualifier else { return base }
        return base + ":" + qualifier
    }

    /// `arn:<p>:lambda:<region>:<account>:event-source-mapping:<uuid>`.
    public static func eventSourceMapping(_ uuid: String, region: String, account: String) -> String {
        "arn:\(partition(for: region)):lambda:\(region):\(account):event-source-mapping:\(uuid)"
    }

    /// `arn:<p>:iam::<account>:root`.
    public static func accountRoot(_ account: String) -> String {
        "arn:aws:iam::\(account):root"
    }
}
