/// A write-back cache of fixed-size blocks in front of a `BlockDevice`.
///
/// - A block is `blockSize` bytes (a multiple of the device's sector size; the FAT
///   volume uses its own logical sector size), addressed by block number.
/// - Fixed capacity (`capacityBytes / blockSize` blocks, at least 4), allocated
///   once; least-recently-used blocks are evicted when a new one is needed.
/// - Writes only mark blocks dirty. Dirty blocks reach the device on `sync()` or
///   when they are evicted, in `WriteStage` order (see there): an evicted dirty
///   block first pushes out every dirty block of an earlier stage.
/// - Large transfers skip the cache: `readDirect`/`writeDirect` go straight
///   between the caller's buffer and the device, at most `maxTransferBlocks` per
///   request, and stay coherent with whatever the cache holds for those blocks.
///
/// Lookups use a small open hash (block number to slot) and an intrusive LRU
/// list, both in flat arrays: no dictionaries, no per-block allocation. Not
/// thread-safe; the owner serialises access.
public final class BlockCache<Device: BlockDevice> {
    /// What the cache did; `resetStatistics()` zeroes it.
    public struct Statistics: Equatable, Sendable {
        /// Block accesses served from memory.
        public var hits = 0
        /// Block accesses that had to read the block from the device.
        public var misses = 0
        /// Dirty blocks written back to the device (on sync or eviction).
        public var writes = 0
        /// Blocks dropped to make room for others.
        public var evictions = 0
        /// Device requests issued by `readDirect` / `writeDirect`.
        public var directReads = 0
        public var directWrites = 0
        public init() {}
    }

    public let device: Device
    public let blockSize: Int
    /// Blocks the cache holds at most.
    public let capacity: Int
    /// Largest single device request `readDirect`/`writeDirect` issue, in blocks.
    public let maxTransferBlocks: Int
    /// Blocks on the device (whole blocks only).
    public let blockCount: UInt64
    public private(set) var statistics = Statistics()
    /// Dirty blocks waiting for `sync`.
    public private(set) var dirtyCount = 0

    let sectorsPerBlock: Int
    // Per-slot state, indexed by slot number.
    private var keys: [UInt64]
    private var stages: [Int8]          // dirty stage (WriteStage.rawValue), or -1 when clean
    private var newer: [Int32]          // LRU list links: toward the most / least recently used
    private var older: [Int32]
    private var hashNext: [Int32]       // next slot in the same hash bucket
    private var buckets: [Int32]        // first slot of each bucket, -1 when empty
    private let bucketShift: UInt64
    private var freeSlots: [Int32]
    private var mostRecent: Int32 = -1
    private var leastRecent: Int32 = -1
    private let storage: UnsafeMutableRawBufferPointer
    // The last block looked up: FAT walks hit the same block many times in a row.
    private var lastBlock: UInt64 = .max
    private var lastSlot: Int32 = -1
    // A write reached the device since the last flush.
    private var needsFlush = false

    private static var none: Int32 { -1 }
    private static var clean: Int8 { -1 }

    /// `blockSize` 0 means the device's sector size. A `blockSize` that is not a
    /// positive multiple of the sector size is a programmer error.
    public static func create(device: Device, blockSize: Int = 0, capacityBytes: Int,
                              maxTransferBytes: Int = 1 << 20) -> BlockCache {
        BlockCache(device: device, blockSize: blockSize == 0 ? device.sectorSize : blockSize,
                   capacityBytes: capacityBytes, maxTransferBytes: maxTransferBytes)
    }

    private init(device: Device, blockSize: Int, capacityBytes: Int, maxTransferBytes: Int) {
        let sectorSize = device.sectorSize
        if sectorSize <= 0 || blockSize <= 0 || blockSize % sectorSize != 0 {
            fatalError("BlockCache: block size must be a positive multiple of the sector size")
        }
        self.device = device
        self.blockSize = blockSize
        self.sectorsPerBlock = blockSize / sectorSize
        self.blockCount = device.sectorCount / UInt64(sectorsPerBlock)
        let capacity = max(4, capacityBytes / blockSize)
        self.capacity = capacity
        self.maxTransferBlocks = max(1, maxTransferBytes / blockSize)
        keys = [UInt64](repeating: .max, count: capacity)
        stages = [Int8](repeating: BlockCache.clean, count: capacity)
        newer = [Int32](repeating: BlockCache.none, count: capacity)
        older = [Int32](repeating: BlockCache.none, count: capacity)
        hashNext = [Int32](repeating: BlockCache.none, count: capacity)
        var bucketCount = 1
        var bits: UInt64 = 0
        while bucketCount < capacity * 2 { bucketCount <<= 1; bits += 1 }
        buckets = [Int32](repeating: BlockCache.none, count: bucketCount)
        bucketShift = 64 - max(bits, 1)
        freeSlots = (0 ..< Int32(capacity)).reversed()
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * blockSize, alignment: 64)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit { storage.deallocate() }

    public func resetStatistics() { statistics = Statistics() }

    // MARK: Reading and writing bytes of one block

    /// Copies `buffer.count` bytes from `offset` within `block`.
    public func read(block: UInt64, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockError) {
        checkRange(offset, buffer.count)
        let slot = try obtain(block, fill: .read)
        if let destination = buffer.baseAddress, buffer.count > 0 {
            destination.copyMemory(from: base(slot) + offset, byteCount: buffer.count)
        }
    }

    /// Overwrites `buffer.count` bytes at `offset` within `block` (reading the rest
    /// of the block first if it is not cached) and marks it dirty.
    public func write(block: UInt64, offset: Int, from buffer: UnsafeRawBufferPointer,
                      stage: WriteStage) throws(BlockError) {
        checkRange(offset, buffer.count)
        let fill: Fill = offset == 0 && buffer.count == blockSize ? .zero : .read
        let slot = try obtain(block, fill: fill)
        if let source = buffer.baseAddress, buffer.count > 0 {
            (base(slot) + offset).copyMemory(from: source, byteCount: buffer.count)
        }
        markDirty(slot, stage)
    }

    /// `write` for a byte array.
    public func write(block: UInt64, offset: Int, bytes: [UInt8], stage: WriteStage) throws(BlockError) {
        checkRange(offset, bytes.count)
        let fill: Fill = offset == 0 && bytes.count == blockSize ? .zero : .read
        let slot = try obtain(block, fill: fill)
        let destination = base(slot) + offset
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress, source.count > 0 { destination.copyMemory(from: start, byteCount: source.count) }
        }
        markDirty(slot, stage)
    }

    /// `count` bytes at `offset` within `block`, as an array.
    public func readBytes(block: UInt64, offset: Int, count: Int) throws(BlockError) -> [UInt8] {
        checkRange(offset, count)
        let slot = try obtain(block, fill: .read)
        let source = UnsafeRawBufferPointer(start: base(slot) + offset, count: count)
        return [UInt8](source)
    }

    /// Like `write`, but a block that is not cached starts as zeros instead of being
    /// read: for blocks whose old contents do not matter (a freshly allocated
    /// cluster, the part of a file's last cluster past its end).
    public func writeFresh(block: UInt64, offset: Int, from buffer: UnsafeRawBufferPointer,
                           stage: WriteStage) throws(BlockError) {
        checkRange(offset, buffer.count)
        let slot = try obtain(block, fill: .zero)
        if let source = buffer.baseAddress, buffer.count > 0 {
            (base(slot) + offset).copyMemory(from: source, byteCount: buffer.count)
        }
        markDirty(slot, stage)
    }

    /// Makes `block` all zeros (without reading it) and marks it dirty.
    public func zero(block: UInt64, stage: WriteStage) throws(BlockError) {
        let slot = try obtain(block, fill: .zero)
        UnsafeMutableRawBufferPointer(start: base(slot), count: blockSize).initializeMemory(as: UInt8.self, repeating: 0)
        markDirty(slot, stage)
    }

    /// Calls `body` with the block's bytes (valid only during the call).
    public func withBlock<R>(_ block: UInt64, _ body: (UnsafeRawBufferPointer) -> R) throws(BlockError) -> R {
        let slot = try obtain(block, fill: .read)
        return body(UnsafeRawBufferPointer(start: base(slot), count: blockSize))
    }

    /// Calls `body` with the block's bytes to change them; the block becomes dirty.
    public func withMutableBlock<R>(_ block: UInt64, stage: WriteStage,
                                    _ body: (UnsafeMutableRawBufferPointer) -> R) throws(BlockError) -> R {
        let slot = try obtain(block, fill: .read)
        let result = body(UnsafeMutableRawBufferPointer(start: base(slot), count: blockSize))
        markDirty(slot, stage)
        return result
    }

    public func loadByte(block: UInt64, offset: Int) throws(BlockError) -> UInt8 {
        checkRange(offset, 1)
        let slot = try obtain(block, fill: .read)
        return base(slot).load(fromByteOffset: offset, as: UInt8.self)
    }

    public func storeByte(_ value: UInt8, block: UInt64, offset: Int, stage: WriteStage) throws(BlockError) {
        checkRange(offset, 1)
        let slot = try obtain(block, fill: .read)
        base(slot).storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
        markDirty(slot, stage)
    }

    /// A little-endian 16-bit value inside one block.
    public func loadUInt16(block: UInt64, offset: Int) throws(BlockError) -> UInt16 {
        checkRange(offset, 2)
        let slot = try obtain(block, fill: .read)
        let p = base(slot) + offset
        return UInt16(p.load(as: UInt8.self)) | UInt16(p.load(fromByteOffset: 1, as: UInt8.self)) << 8
    }

    public func storeUInt16(_ value: UInt16, block: UInt64, offset: Int, stage: WriteStage) throws(BlockError) {
        checkRange(offset, 2)
        let slot = try obtain(block, fill: .read)
        let p = base(slot) + offset
        p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        p.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: 1, as: UInt8.self)
        markDirty(slot, stage)
    }

    /// A little-endian 32-bit value inside one block.
    public func loadUInt32(block: UInt64, offset: Int) throws(BlockError) -> UInt32 {
        checkRange(offset, 4)
        let slot = try obtain(block, fill: .read)
        let p = base(slot) + offset
        var value: UInt32 = 0
        for i in 0 ..< 4 { value |= UInt32(p.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt32(i)) }
        return value
    }

    public func storeUInt32(_ value: UInt32, block: UInt64, offset: Int, stage: WriteStage) throws(BlockError) {
        checkRange(offset, 4)
        let slot = try obtain(block, fill: .read)
        let p = base(slot) + offset
        for i in 0 ..< 4 { p.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))), toByteOffset: i, as: UInt8.self) }
        markDirty(slot, stage)
    }

    // MARK: Bypassing the cache

    /// Reads `count` whole blocks straight into `buffer` (at most
    /// `maxTransferBlocks` per device request). Dirty cached copies of those
    /// blocks win over the device's older contents.
    public func readDirect(block: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockError) {
        try checkDirect(block, count, buffer.count)
        var done = 0
        while done < count {
            let n = min(count - done, maxTransferBlocks)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[done * blockSize ..< (done + n) * blockSize])
            statistics.directReads += 1
            try device.read(sector: (block + UInt64(done)) * UInt64(sectorsPerBlock), count: n * sectorsPerBlock, into: part)
            done += n
        }
        guard dirtyCount > 0 else { return }
        forEachCached(from: block, count: count) { slot, index in
            if stages[slot] != BlockCache.clean, let destination = buffer.baseAddress {
                (destination + index * blockSize).copyMemory(from: base(Int32(slot)), byteCount: blockSize)
            }
        }
    }

    /// Writes `count` whole blocks straight from `buffer` to the device. Cached
    /// copies of those blocks take the new contents and become clean.
    public func writeDirect(block: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) throws(BlockError) {
        try checkDirect(block, count, buffer.count)
        var done = 0
        while done < count {
            let n = min(count - done, maxTransferBlocks)
            let part = UnsafeRawBufferPointer(rebasing: buffer[done * blockSize ..< (done + n) * blockSize])
            statistics.directWrites += 1
            needsFlush = true
            try device.write(sector: (block + UInt64(done)) * UInt64(sectorsPerBlock), count: n * sectorsPerBlock, from: part)
            done += n
        }
        forEachCached(from: block, count: count) { slot, index in
            if let source = buffer.baseAddress {
                base(Int32(slot)).copyMemory(from: source + index * blockSize, byteCount: blockSize)
            }
            if stages[slot] != BlockCache.clean {
                stages[slot] = BlockCache.clean
                dirtyCount -= 1
            }
        }
    }

    // MARK: Write-back

    /// Writes every dirty block back, stage by stage in `WriteStage` order (each
    /// stage in block order, a device flush between stages), then flushes the
    /// device. Also the barrier `FATVolume` uses between steps that must reach the
    /// disk in order. A failed write stops the sync; the blocks not yet written
    /// stay dirty, so a later sync retries them.
    public func sync() throws(BlockError) {
        var stage: Int8 = 0
        while dirtyCount > 0 && stage <= Int8(WriteStage.directory.rawValue) {
            let wrote = try writeBack(stagesBelow: stage + 1)
            if wrote && dirtyCount > 0 {
                try device.flush()
                needsFlush = false
            }
            stage += 1
        }
        if needsFlush {
            try device.flush()
            needsFlush = false
        }
    }

    // MARK: Inspection (tests, statistics)

    public func contains(block: UInt64) -> Bool { lookup(block) >= 0 }

    public func isDirty(block: UInt64) -> Bool {
        let slot = lookup(block)
        return slot >= 0 && stages[Int(slot)] != BlockCache.clean
    }

    /// Cached block numbers, most recently used first.
    public var cachedBlocks: [UInt64] {
        var result: [UInt64] = []
        var slot = mostRecent
        while slot >= 0 {
            result.append(keys[Int(slot)])
            slot = older[Int(slot)]
        }
        return result
    }

    /// Forgets every clean block (dirty ones stay), e.g. after the device was
    /// changed behind the cache's back.
    public func dropCleanBlocks() {
        for slot in 0 ..< capacity where keys[slot] != .max && stages[slot] == BlockCache.clean {
            remove(Int32(slot))
            freeSlots.append(Int32(slot))
        }
    }

    // MARK: Internals

    private enum Fill { case read, zero }

    @inline(__always)
    private func base(_ slot: Int32) -> UnsafeMutableRawPointer {
        storage.baseAddress! + Int(slot) * blockSize
    }

    @inline(__always)
    private func checkRange(_ offset: Int, _ count: Int) {
        if offset < 0 || count < 0 || offset > blockSize - count { fatalError("BlockCache: byte range outside the block") }
    }

    private func checkDirect(_ block: UInt64, _ count: Int, _ bufferBytes: Int) throws(BlockError) {
        let (end, overflow) = block.addingReportingOverflow(UInt64(max(count, 0)))
        guard count >= 0, !overflow, end <= blockCount else {
            throw .outOfRange(sector: block &* UInt64(sectorsPerBlock), count: count &* sectorsPerBlock)
        }
        if count > bufferBytes / blockSize { fatalError("BlockCache: buffer smaller than the request") }
    }

    private func markDirty(_ slot: Int32, _ stage: WriteStage) {
        let index = Int(slot)
        let value = Int8(stage.rawValue)
        if stages[index] == BlockCache.clean {
            stages[index] = value
            dirtyCount += 1
        } else if value < stages[index] {
            stages[index] = value
        }
    }

    @inline(__always)
    private func bucket(_ block: UInt64) -> Int {
        Int((block &* 0x9E37_79B9_7F4A_7C15) >> bucketShift) & (buckets.count - 1)
    }

    private func lookup(_ block: UInt64) -> Int32 {
        if block == lastBlock && lastSlot >= 0 { return lastSlot }
        var slot = buckets[bucket(block)]
        while slot >= 0 {
            if keys[Int(slot)] == block {
                lastBlock = block
                lastSlot = slot
                return slot
            }
            slot = hashNext[Int(slot)]
        }
        return -1
    }

    /// The slot holding `block`, loading it (or zero-filling it) on a miss.
    private func obtain(_ block: UInt64, fill: Fill) throws(BlockError) -> Int32 {
        let found = lookup(block)
        if found >= 0 {
            statistics.hits += 1
            touch(found)
            return found
        }
        guard block < blockCount else {
            throw .outOfRange(sector: block &* UInt64(sectorsPerBlock), count: sectorsPerBlock)
        }
        let slot = try takeSlot()
        if fill == .read {
            do {
                try device.read(sector: block * UInt64(sectorsPerBlock), count: sectorsPerBlock,
                                into: UnsafeMutableRawBufferPointer(start: base(slot), count: blockSize))
            } catch {
                freeSlots.append(slot)
                throw error
            }
            statistics.misses += 1
        } else {
            UnsafeMutableRawBufferPointer(start: base(slot), count: blockSize).initializeMemory(as: UInt8.self, repeating: 0)
        }
        insert(slot, block)
        return slot
    }

    /// A free slot, evicting the least recently used block when there is none.
    private func takeSlot() throws(BlockError) -> Int32 {
        if let slot = freeSlots.popLast() { return slot }
        let victim = leastRecent
        if victim < 0 { fatalError("BlockCache: no slot to evict") }
        let stage = stages[Int(victim)]
        if stage != BlockCache.clean {
            do {
                // Keep the stage order: everything dirty of an earlier stage goes first.
                if try writeBack(stagesBelow: stage) {
                    try device.flush()
                    needsFlush = false
                }
                try writeBack(slot: victim)
            } catch {
                // Leave it dirty, but give the next eviction another candidate.
                touch(victim)
                throw error
            }
        }
        remove(victim)
        statistics.evictions += 1
        return victim
    }

    /// Writes back every dirty block whose stage is below `limit`, in block order.
    /// Returns whether anything was written.
    private func writeBack(stagesBelow limit: Int8) throws(BlockError) -> Bool {
        var pending: [Int32] = []
        for slot in 0 ..< capacity where stages[slot] != BlockCache.clean && stages[slot] < limit {
            pending.append(Int32(slot))
        }
        if pending.isEmpty { return false }
        // Lower stages first, then block order (sequential for the device).
        pending.sort { a, b in
            let sa = stages[Int(a)], sb = stages[Int(b)]
            return sa != sb ? sa < sb : keys[Int(a)] < keys[Int(b)]
        }
        for slot in pending { try writeBack(slot: slot) }
        return true
    }

    private func writeBack(slot: Int32) throws(BlockError) {
        let block = keys[Int(slot)]
        needsFlush = true
        try device.write(sector: block * UInt64(sectorsPerBlock), count: sectorsPerBlock,
                         from: UnsafeRawBufferPointer(start: base(slot), count: blockSize))
        stages[Int(slot)] = BlockCache.clean
        dirtyCount -= 1
        statistics.writes += 1
    }

    /// Calls `body(slot, index)` for every cached block in `block ..< block + count`.
    private func forEachCached(from block: UInt64, count: Int, _ body: (Int, Int) -> Void) {
        if count <= 32 {
            for index in 0 ..< count {
                let slot = lookup(block + UInt64(index))
                if slot >= 0 { body(Int(slot), index) }
            }
        } else {
            let end = block + UInt64(count)
            for slot in 0 ..< capacity where keys[slot] != .max && keys[slot] >= block && keys[slot] < end {
                body(slot, Int(keys[slot] - block))
            }
        }
    }

    private func insert(_ slot: Int32, _ block: UInt64) {
        let index = Int(slot)
        keys[index] = block
        stages[index] = BlockCache.clean
        let b = bucket(block)
        hashNext[index] = buckets[b]
        buckets[b] = slot
        // Link as most recently used.
        older[index] = mostRecent
        newer[index] = BlockCache.none
        if mostRecent >= 0 { newer[Int(mostRecent)] = slot }
        mostRecent = slot
        if leastRecent < 0 { leastRecent = slot }
        lastBlock = block
        lastSlot = slot
    }

    private func remove(_ slot: Int32) {
        let index = Int(slot)
        let block = keys[index]
        if stages[index] != BlockCache.clean {
            stages[index] = BlockCache.clean
            dirtyCount -= 1
        }
        // Out of the hash chain.
        let b = bucket(block)
        if buckets[b] == slot {
            buckets[b] = hashNext[index]
        } else {
            var previous = buckets[b]
            while previous >= 0 && hashNext[Int(previous)] != slot { previous = hashNext[Int(previous)] }
            if previous >= 0 { hashNext[Int(previous)] = hashNext[index] }
        }
        unlink(slot)
        keys[index] = .max
        if lastSlot == slot { lastSlot = -1; lastBlock = .max }
    }

    private func unlink(_ slot: Int32) {
        let index = Int(slot)
        let n = newer[index], o = older[index]
        if n >= 0 { older[Int(n)] = o } else { mostRecent = o }
        if o >= 0 { newer[Int(o)] = n } else { leastRecent = n }
        newer[index] = BlockCache.none
        older[index] = BlockCache.none
    }

    private func touch(_ slot: Int32) {
        guard slot != mostRecent else { return }
        unlink(slot)
        let index = Int(slot)
        older[index] = mostRecent
        if mostRecent >= 0 { newer[Int(mostRecent)] = slot }
        mostRecent = slot
        if leastRecent < 0 { leastRecent = slot }
    }
}
