/// The attribute byte of a directory entry.
public struct FATAttributes: OptionSet, Equatable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readOnly = FATAttributes(rawValue: 0x01)
    public static let hidden = FATAttributes(rawValue: 0x02)
    public static let system = FATAttributes(rawValue: 0x04)
    public static let volumeLabel = FATAttributes(rawValue: 0x08)
    public static let directory = FATAttributes(rawValue: 0x10)
    /// Set on every write so backup tools see the change.
    public static let archive = FATAttributes(rawValue: 0x20)
    /// readOnly|hidden|system|volumeLabel: the mark of a VFAT long-name entry.
    public static let longName = FATAttributes(rawValue: 0x0F)
}
