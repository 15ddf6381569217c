/// Bounds applied to an uploaded function code zip before and while it is extracted.
///
/// The defaults (`CodeLimits.lambda`) mirror AWS Lambda's documented quotas for direct uploads
/// (50 MiB zipped, 250 MB unzipped) and add defences Lambda does not document: an entry-count cap,
/// a compression-ratio cap against zip bombs, and path length/depth caps.
public struct CodeLimits: Sendable, Equatable, Hashable {
    /// Largest accepted zip, in bytes (Lambda: 52_428_800). Checked before anything is parsed.
    public var maxZippedSize: Int
    /// Largest accepted total of inflated entry data, in bytes (Lambda: 262_144_000), counted from real bytes.
    public var maxUnzippedSize: Int
    /// Largest accepted number of central-directory entries (files, directories and links together).
    public var maxEntryCount: Int
    /// Largest accepted inflated-to-compressed ratio, for one entry and for the archive as a whole.
    public var maxCompressionRatio: Int
    /// Inflated size (of one entry, or of the archive) below which the ratio is not checked.
    public var compressionRatioThreshold: Int
    /// Longest accepted entry path (and symbolic link target), in UTF-8 bytes after normalisation.
    public var maxPathLength: Int
    /// Largest accepted number of components in an entry path.
    public var maxPathDepth: Int

    /// Creates limits; every parameter defaults to Lambda's value.
    public init(
        maxZippedSize: Int = 52_428_800,
        maxUnzippedSize: Int = 262_144_000,
        maxEntryCount: Int = 65_535,
        maxCompressionRatio: Int = 500,
        compressionRatioThreshold: Int = 8 * 1024 * 1024,
        maxPathLength: Int = 1024,
        maxPathDepth: Int = 64
    ) {
        self.maxZippedSize = maxZippedSize
        self.maxUnzippedSize = maxUnzippedSize
        self.maxEntryCount = maxEntryCount
        self.maxCompressionRatio = maxCompressionRatio
        self.compressionRatioThreshold = compressionRatioThreshold
        self.maxPathLength = maxPathLength
        self.maxPathDepth = maxPathDepth
    }

    /// Lambda's defaults: 50 MiB zipped, 250 MB unzipped, 65_535 entries, 1:500 past 8 MiB, 1024-byte / 64-deep paths.
    public static let lambda = CodeLimits()

    /// Longest single path component, in bytes: the Linux `NAME_MAX`, not configurable.
    static let maxComponentLength = 255
}
