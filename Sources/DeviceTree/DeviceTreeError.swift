/// Why a device tree blob was rejected. Every malformed input maps to one of
/// these; the parser never traps on data.
public enum DeviceTreeError: Error, Equatable {
    /// Fewer bytes than the header, or than `totalsize`, says there are.
    case truncated(needed: Int, available: Int)
    case badMagic(UInt32)
    case unsupportedVersion(UInt32)
    /// A header offset or size points outside the blob.
    case blockOutOfBounds
    /// An unknown token, or one at an unaligned or out-of-range offset.
    case badToken(offset: Int)
    case unterminatedName(offset: Int)
    case propertyOutOfBounds(offset: Int)
    case badStringOffset(offset: Int)
    case nestingTooDeep
    /// BEGIN_NODE/END_NODE do not pair up, or the root is not a single node.
    case unbalanced

    /// What went wrong, without allocating (the kernel reads the tree before it has a heap).
    public var summary: StaticString {
        switch self {
        case .truncated: return "truncated"
        case .badMagic: return "bad magic (not a device tree)"
        case .unsupportedVersion: return "unsupported version"
        case .blockOutOfBounds: return "header points outside the blob"
        case .badToken: return "bad structure token"
        case .unterminatedName: return "unterminated node name"
        case .propertyOutOfBounds: return "property runs past the structure block"
        case .badStringOffset: return "property name offset out of range"
        case .nestingTooDeep: return "nodes nested too deeply"
        case .unbalanced: return "unbalanced nodes"
        }
    }

    /// What went wrong, in words, for the boot log.
    public var message: String {
        switch self {
        case .truncated(let needed, let available):
            return "device tree truncated: needs \(needed) bytes, has \(available)"
        case .badMagic(let magic):
            return "not a device tree: magic 0x" + String(magic, radix: 16) + ", expected 0xd00dfeed"
        case .unsupportedVersion(let version):
            return "device tree version \(version) is not supported (16 or later)"
        case .blockOutOfBounds:
            return "device tree header points outside the blob"
        case .badToken(let offset):
            return "device tree: bad structure token at offset \(offset)"
        case .unterminatedName(let offset):
            return "device tree: unterminated node name at offset \(offset)"
        case .propertyOutOfBounds(let offset):
            return "device tree: property at offset \(offset) runs past the structure block"
        case .badStringOffset(let offset):
            return "device tree: property name offset out of range at offset \(offset)"
        case .nestingTooDeep:
            return "device tree: nodes nested too deeply"
        case .unbalanced:
            return "device tree: unbalanced nodes"
        }
    }
}
