/// The three FAT variants, named after the width of a FAT entry.
public enum FATKind: Equatable, Sendable {
    case fat12, fat16, fat32

    public var name: String {
        switch self {
        case .fat12: return "FAT12"
        case .fat16: return "FAT16"
        case .fat32: return "FAT32"
        }
    }

    /// Entry values at or above this end a cluster chain.
    var endOfChainMinimum: UInt32 {
        switch self {
        case .fat12: return 0xFF8
        case .fat16: return 0xFFF8
        case .fat32: return 0x0FFF_FFF8
        }
    }

    /// The end-of-chain value this implementation writes.
    var endOfChain: UInt32 {
        switch self {
        case .fat12: return 0xFFF
        case .fat16: return 0xFFFF
        case .fat32: return 0x0FFF_FFFF
        }
    }

    /// The "bad cluster" marker.
    var badCluster: UInt32 { endOfChainMinimum - 1 }

    /// Highest cluster number a volume of this kind may have (one below the bad marker).
    var maximumCluster: UInt32 { badCluster - 1 }
}
