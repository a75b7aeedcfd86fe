import Platform

/// One buffer of a request: device-readable (driver → device) or device-writable.
public struct VirtqueueBuffer {
    public var physicalAddress: UInt64
    public var length: UInt32
    public var deviceWritable: Bool
    public init(physicalAddress: UInt64, length: UInt32, deviceWritable: Bool) {
        self.physicalAddress = physicalAddress
        self.length = length
        self.deviceWritable = deviceWritable
    }
}

/// A request the device has finished: the head descriptor the driver got from
/// `submit`, and how many bytes the device says it wrote.
public struct UsedBuffer: Equatable {
    public let head: UInt16
    public let length: UInt32
}

public struct VirtqueueStatistics {
    public var submitted: UInt64 = 0
    public var completed: UInt64 = 0
    /// Notifications actually written to QueueNotify.
    public var kicks: UInt64 = 0
    /// Notifications the device said it did not need (EVENT_IDX or NO_NOTIFY).
    public var kicksSuppressed: UInt64 = 0
    public var indirectChains: UInt64 = 0
}

/// A split virtqueue (§2.7) in memory from the platform's DMA allocator: the
/// descriptor free list, chains, indirect tables, EVENT_IDX suppression both ways,
/// and a used ring that is checked before anything in it is believed. A device
/// that names a descriptor out of range or not in flight, claims more bytes than
/// the buffer holds, or moves its index by more than the queue size marks the
/// queue broken: it stops, with a reason, and nothing is freed twice or written.
public final class SplitVirtqueue<P: Platform> {
    public let index: Int
    public let size: Int
    public let layout: VirtqueueLayout
    public let usesEventIndex: Bool
    public let usesIndirect: Bool
    /// Longest chain an indirect table holds.
    public let maximumIndirectLength: Int
    public private(set) var statistics = VirtqueueStatistics()
    public private(set) var brokenReason: String? = nil
    public var isBroken: Bool { brokenReason != nil }

    let platform: P
    let memory: DMABuffer
    let indirectTables: DMABuffer?

    // Driver-private state; the device never sees it, so it cannot corrupt it.
    private var nextLink: [UInt16]
    private var chainLength: [UInt16]
    private var writableLength: [UInt32]
    private var inFlight: [Bool]
    private var freeHead: UInt16 = 0
    public private(set) var freeCount: Int
    private var availableIndex: UInt16 = 0
    private var lastNotifiedIndex: UInt16 = 0
    private var lastUsedIndex: UInt16 = 0

    static var descriptorNext: UInt16 { 1 }
    static var descriptorWrite: UInt16 { 2 }
    static var descriptorIndirect: UInt16 { 4 }

    /// Sets up queue `index` of a device during initialisation (after feature
    /// negotiation, before DRIVER_OK). `features` are the negotiated ones.
    public static func create<T: VirtioTransport>(platform: P, transport: T, index: Int, maximumSize: Int = 256,
                                                  features: Features, maximumIndirectLength: Int = 32) throws(VirtioError) -> SplitVirtqueue<P> {
        let deviceMaximum = transport.queueSizeMaximum(index)
        guard deviceMaximum > 0 else { throw .queueUnavailable(index: index) }
        guard !transport.queueIsEnabled(index) else { throw .queueAlreadyInUse(index: index) }
        // Split queue sizes are powers of two, at most 32768.
        var size = 1
        while size * 2 <= min(deviceMaximum, maximumSize, 32768) { size *= 2 }
        guard size >= 2 else { throw .queueTooSmall(index: index, size: deviceMaximum) }
        let layout = VirtqueueLayout(size: size, legacy: transport.isLegacy)
        guard let memory = platform.allocateDMA(size: layout.totalSize, alignment: 4096) else { throw .outOfMemory }
        let indirect = features.contains(.ringIndirectDescriptors) && maximumIndirectLength > 1
        var tables: DMABuffer? = nil
        if indirect {
            tables = platform.allocateDMA(size: size * maximumIndirectLength * VirtqueueLayout.descriptorBytes, alignment: 16)
            if tables == nil { platform.freeDMA(memory); throw .outOfMemory }
        }
        let queue = SplitVirtqueue(platform: platform, index: index, layout: layout, memory: memory, indirectTables: tables,
                                   maximumIndirectLength: maximumIndirectLength,
                                   eventIndex: features.contains(.ringEventIndex))
        let base = memory.physicalAddress
        transport.enableQueue(index, size: size,
                              descriptors: base + UInt64(layout.descriptorOffset),
                              driverArea: base + UInt64(layout.driverOffset),
                              deviceArea: base + UInt64(layout.deviceOffset),
                              legacyAlignment: 4096)
        return queue
    }

    private init(platform: P, index: Int, layout: VirtqueueLayout, memory: DMABuffer, indirectTables: DMABuffer?,
                 maximumIndirectLength: Int, eventIndex: Bool) {
        let size = layout.size
        self.platform = platform
        self.index = index
        self.size = size
        self.layout = layout
        self.memory = memory
        self.indirectTables = indirectTables
        self.usesIndirect = indirectTables != nil
        self.maximumIndirectLength = indirectTables != nil ? maximumIndirectLength : 1
        self.usesEventIndex = eventIndex
        self.nextLink = (0..<size).map { UInt16(truncatingIfNeeded: $0 + 1) }
        self.chainLength = Array(repeating: 0, count: size)
        self.writableLength = Array(repeating: 0, count: size)
        self.inFlight = Array(repeating: false, count: size)
        self.freeCount = size
    }

    /// Gives the memory back. Call after the device was reset (or the queue disabled).
    public func release<T: VirtioTransport>(transport: T) {
        transport.disableQueue(index)
        platform.freeDMA(memory)
        if let indirectTables { platform.freeDMA(indirectTables) }
    }

    // MARK: - Submitting

    /// Whether a chain of `count` buffers fits now.
    public func canSubmit(count: Int) -> Bool {
        guard !isBroken, count > 0 else { return false }
        if usesIndirect && count > 1 && count <= maximumIndirectLength { return freeCount >= 1 }
        return count <= freeCount
    }

    /// Places a chain in the available ring and returns its head (the request's
    /// token). The device is not told yet: call `notifyIfNeeded` after a batch.
    public func submit(_ buffers: [VirtqueueBuffer]) throws(VirtioError) -> UInt16 {
        guard !isBroken else { throw .deviceBroken }
        let count = buffers.count
        guard count > 0 else { throw .emptyChain }
        var seenWritable = false
        for buffer in buffers {
            if buffer.deviceWritable { seenWritable = true } else if seenWritable { throw .readableAfterWritable }
        }
        let indirect = usesIndirect && count > 1 && count <= maximumIndirectLength
        if !indirect {
            guard count <= size else { throw .chainTooLong }
            guard count <= freeCount else { throw .noFreeDescriptors }
        } else {
            guard freeCount >= 1 else { throw .noFreeDescriptors }
        }

        let head = freeHead
        var writable: UInt32 = 0
        if indirect, let tables = indirectTables {
            let table = tables.pointer + Int(head) * maximumIndirectLength * VirtqueueLayout.descriptorBytes
            for (position, buffer) in buffers.enumerated() {
                var flags: UInt16 = position + 1 < count ? Self.descriptorNext : 0
                if buffer.deviceWritable { flags |= Self.descriptorWrite; writable = Self.saturatingAdd(writable, buffer.length) }
                writeDescriptor(at: table + position * VirtqueueLayout.descriptorBytes, address: buffer.physicalAddress,
                                length: buffer.length, flags: flags, next: UInt16(truncatingIfNeeded: position + 1))
            }
            let tableAddress = tables.physicalAddress + UInt64(Int(head) * maximumIndirectLength * VirtqueueLayout.descriptorBytes)
            writeDescriptor(at: descriptorPointer(head), address: tableAddress,
                            length: UInt32(count * VirtqueueLayout.descriptorBytes), flags: Self.descriptorIndirect, next: 0)
            freeHead = nextLink[Int(head)]
            freeCount -= 1
            chainLength[Int(head)] = 1
            statistics.indirectChains += 1
        } else {
            var descriptor = head
            for (position, buffer) in buffers.enumerated() {
                let last = position + 1 == count
                var flags: UInt16 = last ? 0 : Self.descriptorNext
                if buffer.deviceWritable { flags |= Self.descriptorWrite; writable = Self.saturatingAdd(writable, buffer.length) }
                let next = nextLink[Int(descriptor)]
                writeDescriptor(at: descriptorPointer(descriptor), address: buffer.physicalAddress,
                                length: buffer.length, flags: flags, next: last ? 0 : next)
                if !last { descriptor = next }
            }
            freeHead = nextLink[Int(descriptor)]
            freeCount -= count
            chainLength[Int(head)] = UInt16(count)
        }
        writableLength[Int(head)] = writable
        inFlight[Int(head)] = true

        // Publish: the ring entry, then (after a barrier) the index that exposes it.
        let slot = Int(availableIndex) & (size - 1)
        (memory.pointer + layout.driverOffset + 4 + 2 * slot).storeBytes(of: head, as: UInt16.self)
        platform.memoryBarrier()
        availableIndex &+= 1
        (memory.pointer + layout.driverOffset + 2).storeBytes(of: availableIndex, as: UInt16.self)
        statistics.submitted += 1
        return head
    }

    /// Tells the device about new buffers, unless it said it does not need to hear
    /// (EVENT_IDX `avail_event`, or the legacy NO_NOTIFY flag). Returns whether it kicked.
    @discardableResult
    public func notifyIfNeeded<T: VirtioTransport>(_ transport: T) -> Bool {
        platform.memoryBarrier()  // the index must be visible before we read the device's wish
        let old = lastNotifiedIndex
        let new = availableIndex
        lastNotifiedIndex = new
        guard old != new else { return false }
        let needed: Bool
        if usesEventIndex {
            let availEvent = (memory.pointer + layout.deviceOffset + 4 + 8 * size).load(as: UInt16.self)
            needed = RingIndex.needEvent(event: availEvent, new: new, old: old)
        } else {
            let usedFlags = (memory.pointer + layout.deviceOffset).load(as: UInt16.self)
            needed = usedFlags & 1 == 0
        }
        if needed {
            transport.notify(index)
            statistics.kicks += 1
        } else {
            statistics.kicksSuppressed += 1
        }
        return needed
    }

    // MARK: - Completions

    /// The next finished request, or nil. Never trusts the device: see the type's comment.
    public func nextUsed() -> UsedBuffer? {
        guard !isBroken else { return nil }
        platform.memoryBarrier()
        let deviceIndex = (memory.pointer + layout.deviceOffset + 2).load(as: UInt16.self)
        guard deviceIndex != lastUsedIndex else { return nil }
        let outstanding = size - freeCount  // heads (or descriptors) we handed over
        if Int(RingIndex.distance(from: lastUsedIndex, to: deviceIndex)) > size || outstanding == 0 {
            markBroken("used index moved from \(lastUsedIndex) to \(deviceIndex) with \(outstanding) descriptors in flight")
            return nil
        }
        platform.memoryBarrier()  // read the entry only after the index
        let slot = Int(lastUsedIndex) & (size - 1)
        let entry = memory.pointer + layout.deviceOffset + 4 + 8 * slot
        let id = entry.load(as: UInt32.self)
        let length = entry.load(fromByteOffset: 4, as: UInt32.self)
        guard id < UInt32(size) else {
            markBroken("used ring names descriptor \(id); the queue has \(size)")
            return nil
        }
        let head = Int(id)
        guard inFlight[head] else {
            markBroken("used ring names descriptor \(id), which is not in flight")
            return nil
        }
        guard length <= writableLength[head] else {
            markBroken("device says it wrote \(length) bytes into \(writableLength[head]) writable bytes (descriptor \(id))")
            return nil
        }
        freeChain(head)
        lastUsedIndex &+= 1
        if usesEventIndex {
            // Ask for an interrupt when the device passes what we have consumed.
            (memory.pointer + layout.driverOffset + 4 + 2 * size).storeBytes(of: lastUsedIndex, as: UInt16.self)
        }
        statistics.completed += 1
        return UsedBuffer(head: UInt16(head), length: length)
    }

    /// Whether the device has finished something we have not collected.
    public var hasUsed: Bool {
        platform.memoryBarrier()
        return !isBroken && (memory.pointer + layout.deviceOffset + 2).load(as: UInt16.self) != lastUsedIndex
    }

    /// Number of requests in flight.
    public var outstandingRequests: Int { inFlight.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Asks the device not to interrupt (legacy flag; with EVENT_IDX the device
    /// already interrupts only when it passes `used_event`).
    public func suppressInterrupts() {
        if !usesEventIndex { (memory.pointer + layout.driverOffset).storeBytes(of: UInt16(1), as: UInt16.self) }
    }

    /// Re-enables interrupts; returns true if completions arrived meanwhile (the
    /// caller must drain them, or it could sleep on work that is already done).
    public func enableInterrupts() -> Bool {
        if usesEventIndex {
            (memory.pointer + layout.driverOffset + 4 + 2 * size).storeBytes(of: lastUsedIndex, as: UInt16.self)
        } else {
            (memory.pointer + layout.driverOffset).storeBytes(of: UInt16(0), as: UInt16.self)
        }
        return hasUsed
    }

    // MARK: - Internals

    private func descriptorPointer(_ descriptor: UInt16) -> UnsafeMutableRawPointer {
        memory.pointer + layout.descriptorOffset + Int(descriptor) * VirtqueueLayout.descriptorBytes
    }

    private func writeDescriptor(at pointer: UnsafeMutableRawPointer, address: UInt64, length: UInt32, flags: UInt16, next: UInt16) {
        pointer.storeBytes(of: address, as: UInt64.self)
        pointer.storeBytes(of: length, toByteOffset: 8, as: UInt32.self)
        pointer.storeBytes(of: flags, toByteOffset: 12, as: UInt16.self)
        pointer.storeBytes(of: next, toByteOffset: 14, as: UInt16.self)
    }

    private func freeChain(_ head: Int) {
        let count = Int(chainLength[head])
        var last = head
        for _ in 1..<max(count, 1) { last = Int(nextLink[last]) }
        nextLink[last] = freeHead
        freeHead = UInt16(head)
        freeCount += count
        inFlight[head] = false
        chainLength[head] = 0
        writableLength[head] = 0
    }

    /// Writable totals saturate: more than 4 GiB of writable buffers must not wrap
    /// to a small number and make an honest used length look like an overrun.
    private static func saturatingAdd(_ a: UInt32, _ b: UInt32) -> UInt32 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    private func markBroken(_ reason: String) {
        if brokenReason == nil { brokenReason = "queue \(index): " + reason }
    }
}
