/// A mounted FAT12, FAT16 or FAT32 volume with VFAT long names, on any `BlockDevice`.
///
/// Paths are absolute within the volume ("/dir/File.txt"; a missing leading "/"
/// means the same), "/" separated, looked up case-insensitively like FAT does;
/// "." and ".." components are resolved by name.
///
/// How it talks to the disk:
/// - Metadata (FAT sectors, directory sectors, FSInfo) and partial data sectors
///   go through a write-back `BlockCache`; whole data sectors of large reads and
///   writes bypass it, one device request per physically contiguous run of
///   clusters (up to 1 MiB), straight between the device and the caller's buffer.
/// - Nothing reaches the disk until `sync()` or a cache eviction, except where an
///   operation needs an ordering barrier (below) and direct data writes.
///
/// Crash consistency ("as far as FAT allows"; see `WriteStage`):
/// - Growing a file or creating anything: data and new directory clusters are
///   written (stage `.data`) before the FAT entries that claim them
///   (`.allocation`), which go before the directory entry carrying the new size
///   or cluster (`.directory`). The cache's sync and eviction keep that order.
/// - Shrinking, removing and rmdir: the directory entry changes first, then a
///   cache sync acts as a barrier, then the clusters are freed in the FAT. A
///   crash leaves at worst lost clusters, never an entry pointing at free ones.
///
/// Damaged volumes: every value read from disk is checked before use; chain walks
/// are bounded by the cluster count; anything wrong is `FATError.corrupt` naming
/// the problem. Not thread-safe: the owner serialises calls.
public final class FATVolume<Device: BlockDevice> {
    public let device: Device
    /// The cache in front of the device (exposed for statistics).
    public let cache: BlockCache<Device>
    public let isReadOnly: Bool
    let geometry: FATGeometry
    let clock: () -> FATTimestamp

    /// Free clusters, counted at mount and kept up to date.
    var freeClusterCount: UInt32
    /// Where the next allocation starts looking (next fit).
    var nextFreeHint: UInt32
    /// FAT32: the FSInfo values on disk, when its signatures are valid (so sync
    /// rewrites it only when they changed).
    var fsInfoOnDisk: (freeCount: UInt32, nextFree: UInt32)?
    /// The last position reached in a cluster chain, so sequential reads and
    /// appends do not walk the chain from its start every call.
    var chainCursor = ChainCursor()
    /// Bumped whenever clusters are freed: cursors from before may be stale.
    var chainGeneration = 0
    /// Bumped on every allocation or free (any change to chains).
    var fatGeneration = 0
    /// The last chain checked end to end by `validatedChain`.
    var validated: ValidatedChain?
    /// Name indexes of recently used directories, by first cluster (0: a fixed
    /// root), with the `chainGeneration` they were built at: once clusters are
    /// freed, a cluster may hold another directory, and they are rebuilt.
    var directoryIndexes: [UInt32: (index: DirectoryIndex, generation: Int)] = [:]
    /// The sectors of recently opened directory chains, on the same terms: a
    /// chain changes only when it grows (`grow` updates it) or clusters are freed.
    var directoryHandles: [UInt32: (handle: DirectoryHandle, generation: Int)] = [:]

    public private(set) var label: String

    public var kind: FATKind { geometry.kind }
    public var clusterSize: Int { geometry.clusterSize }
    public var totalBytes: UInt64 { UInt64(geometry.clusterCount) * UInt64(geometry.clusterSize) }
    public var freeBytes: UInt64 { UInt64(freeClusterCount) * UInt64(geometry.clusterSize) }
    /// Bytes per logical sector of the volume.
    public var sectorSize: Int { geometry.bytesPerSector }
    public var clusterCount: UInt32 { geometry.clusterCount }

    /// Default cache size: enough for the FAT sectors and directories of a busy
    /// working set; file data mostly bypasses it.
    public static var defaultCacheBytes: Int { 256 * 1024 }

    /// Mounts the volume on `device`. `clock` gives the time for new timestamps.
    /// Reads the boot sector, validates it, counts the free clusters (one pass
    /// over the FAT with large reads), and reads the label.
    public static func mount(device: Device, clock: @escaping () -> FATTimestamp,
                             cacheBytes: Int = defaultCacheBytes) throws(FATError) -> FATVolume {
        let sectorSize = device.sectorSize
        guard sectorSize >= 512, sectorSize <= 4096, sectorSize & (sectorSize - 1) == 0 else {
            throw .io(.unsupported)
        }
        guard device.sectorCount > 0 else { throw .corrupt("device is empty") }
        let bootSector = UnsafeMutableRawBufferPointer.allocate(byteCount: sectorSize, alignment: 16)
        defer { bootSector.deallocate() }
        do { try device.read(sector: 0, count: 1, into: bootSector) } catch { throw .io(error) }
        let geometry = try FATGeometry.parse(UnsafeRawBufferPointer(bootSector), deviceBytes: device.byteCount)
        guard geometry.bytesPerSector % sectorSize == 0 else { throw .io(.unsupported) }
        let cache = BlockCache.create(device: device, blockSize: geometry.bytesPerSector,
                                      capacityBytes: max(cacheBytes, 16 * geometry.bytesPerSector))
        let volume = FATVolume(device: device, cache: cache, geometry: geometry, clock: clock)
        try volume.countFreeClusters()
        try volume.readFSInfo()
        volume.label = volume.readLabel()
        return volume
    }

    private init(device: Device, cache: BlockCache<Device>, geometry: FATGeometry, clock: @escaping () -> FATTimestamp) {
        self.device = device
        self.cache = cache
        self.geometry = geometry
        self.clock = clock
        self.isReadOnly = device.isReadOnly
        self.freeClusterCount = 0
        self.nextFreeHint = 2
        self.label = geometry.label
    }

    /// Writes every cached change back (data, then FAT, then directories, see
    /// above), updates FSInfo on FAT32, and flushes the device. A no-op on a
    /// read-only volume.
    public func sync() throws(FATError) {
        if isReadOnly { return }
        try writeFSInfo()
        do { try cache.sync() } catch { throw .io(error) }
    }

    /// The ordering barrier between two steps that must reach the disk in order.
    func barrier() throws(FATError) {
        do { try cache.sync() } catch { throw .io(error) }
    }

    func checkWritable() throws(FATError) {
        if isReadOnly { throw .readOnly }
    }

    // MARK: FAT32 FSInfo

    private func readFSInfo() throws(FATError) {
        guard let sector = geometry.fsInfoSector else { return }
        do {
            // (Three separate loads: `try` inside `&&` would be an untyped autoclosure.)
            let lead = try cache.loadUInt32(block: sector, offset: FSInfo.leadOffset)
            let structure = try cache.loadUInt32(block: sector, offset: FSInfo.structOffset)
            let trail = try cache.loadUInt32(block: sector, offset: FSInfo.trailOffset)
            guard lead == FSInfo.leadSignature, structure == FSInfo.structSignature,
                  trail == FSInfo.trailSignature else { return }
            let free = try cache.loadUInt32(block: sector, offset: FSInfo.freeCountOffset)
            let next = try cache.loadUInt32(block: sector, offset: FSInfo.nextFreeOffset)
            fsInfoOnDisk = (free, next)
            // The stored hint is where the last writer left off: continue there (next fit).
            if next >= 2 && next <= geometry.maxCluster { nextFreeHint = next }
        } catch {
            // An unreadable FSInfo is only a lost hint.
            fsInfoOnDisk = nil
        }
    }

    private func writeFSInfo() throws(FATError) {
        guard let sector = geometry.fsInfoSector, let onDisk = fsInfoOnDisk else { return }
        if onDisk.freeCount == freeClusterCount && onDisk.nextFree == nextFreeHint { return }
        do {
            try cache.storeUInt32(freeClusterCount, block: sector, offset: FSInfo.freeCountOffset, stage: .allocation)
            try cache.storeUInt32(nextFreeHint, block: sector, offset: FSInfo.nextFreeOffset, stage: .allocation)
        } catch {
            throw .io(error)
        }
        fsInfoOnDisk = (freeClusterCount, nextFreeHint)
    }

    /// The volume label entry in the root directory, else the BPB's label.
    private func readLabel() -> String {
        var found: [UInt16] = []
        do throws(FATError) {
            let root = try openRoot()
            try scan(root) { item in
                guard item.record.isVolumeLabel else { return false }
                found = item.record.name.bytes.map { CodePage437.unicode($0) }
                return true
            }
        } catch {
            return geometry.label
        }
        while let last = found.last, last == 0x20 { found.removeLast() }
        return found.isEmpty ? geometry.label : String(decoding: found, as: UTF16.self)
    }

    var now: FATTimestamp { clock() }
}

/// A chain known to end properly, as of `generation` (`FATVolume.fatGeneration`).
struct ValidatedChain {
    var first: UInt32
    var generation: Int
    var count: Int
    var last: UInt32
}

/// A remembered position in a cluster chain.
struct ChainCursor {
    var first: UInt32 = 0
    var index = 0
    var cluster: UInt32 = 0
    var generation = -1
}
