/// The order in which the block cache writes dirty blocks back.
///
/// FAT has no journal; the best a FAT implementation can do for crash consistency
/// is to write blocks in an order where every intermediate state on disk is one
/// `fsck` can repair without losing data that was already reachable. For growing
/// files and creating things that order is: new contents first, then the
/// allocation table that claims their clusters, then the directory entry that
/// points at them (a crash in between leaves at worst lost clusters, never an
/// entry pointing at clusters the FAT calls free or a size the chain cannot hold).
///
/// So every dirty block carries a stage, and `BlockCache.sync` writes all dirty
/// blocks of one stage (in sector order) before any of the next, with a device
/// flush between stages. A block dirtied twice keeps the earlier stage, so a
/// freshly made directory cluster written as `.data` stays ahead of the parent's
/// entry even after more entries are added to it.
///
/// The opposite order (deleting: the entry must go before its clusters are freed)
/// is not expressible with stages; `FATVolume` calls `BlockCache.sync` as a barrier
/// between the two steps instead.
public enum WriteStage: Int, Comparable, Sendable {
    /// File contents and freshly allocated blocks nothing on disk refers to yet.
    case data = 0
    /// Allocation metadata: FAT sectors, the FAT32 FSInfo sector.
    case allocation = 1
    /// Directory entries, which point at clusters and carry file sizes.
    case directory = 2

    public static func < (a: WriteStage, b: WriteStage) -> Bool { a.rawValue < b.rawValue }
}
