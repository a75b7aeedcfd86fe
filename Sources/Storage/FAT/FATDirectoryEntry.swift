/// A file or directory as `list` and `info` report it.
public struct FATDirectoryEntry: Equatable, Sendable {
    /// The long name when the entry has a valid one, else the 8.3 name (with the
    /// lower-case flags Windows NT sets applied).
    public var name: String
    /// The 8.3 name as stored, e.g. "GRE~1.TXT".
    public var shortName: String
    public var size: UInt64
    public var isDirectory: Bool
    public var attributes: FATAttributes
    public var created: FATTimestamp
    public var modified: FATTimestamp
    /// Date only: FAT keeps no access time.
    public var accessed: FATTimestamp
    /// 0 for an empty file (and for the FAT12/16 root directory).
    public var firstCluster: UInt32

    public init(name: String, shortName: String, size: UInt64, isDirectory: Bool, attributes: FATAttributes,
                created: FATTimestamp, modified: FATTimestamp, accessed: FATTimestamp, firstCluster: UInt32) {
        self.name = name
        self.shortName = shortName
        self.size = size
        self.isDirectory = isDirectory
        self.attributes = attributes
        self.created = created
        self.modified = modified
        self.accessed = accessed
        self.firstCluster = firstCluster
    }
}
