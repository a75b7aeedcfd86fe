import Platform
import VirtIO

/// The driver's memory of one submitted request until it is collected.
struct BlockRequestRecord {
    /// 0: the slot is free.
    var serial: UInt32 = 0
    /// Pieces not yet finished.
    var remaining = 0
    var failure: BlockDriverError? = nil
    var done = false
    /// Someone is in `wait` for it: it stays until `wait` collects it, handler or not.
    var waited = false
    var handler: ((BlockRequestID, BlockRequestOutcome) -> Void)? = nil
}

/// virtio-blk (VirtIO 1.2 §5.2), one instance per disk, with an asynchronous API.
///
/// Requests (`submit`) are cut to the device's limits — SEG_MAX segments of at most
/// SIZE_MAX bytes, at most `maximumRequestBytes` (1 MiB) each, discards and
/// write-zeroes to their sector and segment limits — and the pieces go into the
/// virtqueue at once, as many as it holds (long scatter lists through indirect
/// descriptors). Whatever does not fit waits in a software backlog and is issued as
/// completions free descriptors, so `submit` never blocks and never fails because
/// the queue is full. Adjacent pieces waiting in the backlog are merged into one
/// device request (reads or writes of consecutive sectors; discards or write-zeroes
/// as extra segments): that happens when the queue was full, and between `plug()`
/// and `unplug()`, which hold requests back so a batch can be merged before the
/// device is kicked.
///
/// Completions are collected by `processCompletions()`, which the interrupt handler
/// (`handleInterrupt`) and `wait` call; `wait` sleeps on the interrupt and polls
/// every 10 ms in case it does not come. A used ring with nonsense in it (the
/// virtqueue detects that), a device that completes nothing for
/// `timeoutMilliseconds` (noticed by `wait`, or by `checkForTimeout` from a timer),
/// or DEVICE_NEEDS_RESET disables the driver: the device is reset, so it can no
/// longer touch the callers' memory, and every outstanding request fails with
/// `.deviceBroken`. Status IOERR, UNSUPP or an unknown byte fails just that request.
///
/// Single-threaded, like the rest of the kernel: call it from the event loop only.
public final class VirtioBlock<P: Platform, T: VirtioTransport> {
    /// Features Lumen's block driver can use.
    public static var supportedFeatures: Features {
        [.blockSizeMax, .blockSegmentMax, .blockReadOnly, .blockBlockSize, .blockFlush, .blockTopology,
         .blockDiscard, .blockWriteZeroes, .ringIndirectDescriptors, .ringEventIndex, .version1]
    }

    /// Longest chain an indirect table holds: header, 62 data segments, status.
    static var indirectChainLength: Int { 64 }
    static var headerBytes: Int { 16 }
    /// One discard/write-zeroes segment: le64 sector, le32 num_sectors, le32 flags.
    static var rangeRecordBytes: Int { 16 }
    /// Most discard/write-zeroes segments one request carries (the command area's room).
    static var rangeRecordLimit: Int { 16 }
    /// The status byte is pre-filled with this, so a device that never writes it is caught.
    static var statusNotWritten: UInt8 { 0xff }
    static var identifierBytes: Int { 20 }
    static var unmapFlag: UInt32 { 1 }

    /// The disk's name in messages ("vda"); the kernel picks it.
    public let name: String
    public let platform: P
    public let transport: T
    public let interrupt: Int?
    public let features: Features
    public private(set) var configuration: VirtioBlockConfiguration
    public let queue: SplitVirtqueue<P>
    public private(set) var brokenReason: String? = nil
    public private(set) var statistics = BlockStatistics()
    /// How long the device may complete nothing, with requests outstanding, before
    /// `wait` or `checkForTimeout` disables it.
    public var timeoutMilliseconds: UInt64
    /// Most data bytes in one device request (a multiple of the block size).
    public let maximumRequestBytes: Int
    /// Most data segments in one device request (SEG_MAX and the descriptor budget).
    public let maximumRequestSegments: Int

    // Per in-flight device request: a command slot in DMA memory holding the
    // header, the discard/write-zeroes segments and the status byte.
    private let commandArea: DMABuffer
    private let commandStride: Int
    private let rangeRecordsPerCommand: Int
    private let statusOffset: Int
    private let identifierOffset: Int
    private var freeCommands: [Int]
    private var commandPieces: [[BlockPiece]]
    /// Command slot of each in-flight chain, by head descriptor (-1: none).
    private var commandForHead: [Int]
    private var inFlight = 0
    /// Device requests in flight that change the disk: a flush waits for them.
    private var changesInFlight = 0

    private var records: [BlockRequestRecord] = []
    private var freeRecords: [Int] = []
    private var nextSerial: UInt32 = 1
    /// Pieces not yet in the virtqueue, in submission order, from `backlogHead` on
    /// (issued ones are dropped in bulk, not shifted out one batch at a time).
    private var backlog: [BlockPiece] = []
    private var backlogHead = 0
    /// Device requests completed so far: timeouts count from the last one.
    private var completedDeviceRequests: UInt64 = 0
    // `checkForTimeout`'s memory: whether it is timing, the progress it last saw, and since when.
    private var watchdogArmed = false
    private var watchdogProgress: UInt64 = 0
    private var watchdogSince = Instant(nanoseconds: 0)
    private var plugDepth = 0
    /// Finished records whose handler has yet to run.
    private var notifications: [Int] = []

    /// Initialises the device: negotiation, configuration, queue 0, DRIVER_OK.
    /// `disabled` features are left out of negotiation (to test or measure without them).
    /// The caller registers `handleInterrupt` for `interrupt`.
    public static func create(platform: P, transport: T, interrupt: Int?, name: String, disabled: Features = [],
                              maximumQueueSize: Int = 128, maximumRequestBytes: Int = 1 << 20,
                              timeoutMilliseconds: UInt64 = 30_000) throws(VirtioError) -> VirtioBlock<P, T> {
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: supportedFeatures.subtracting(disabled))
        let configuration = VirtioBlockConfiguration.read(from: transport, features: negotiated)
        let queue: SplitVirtqueue<P>
        do {
            queue = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0,
                                              maximumSize: maximumQueueSize, features: negotiated,
                                              maximumIndirectLength: min(indirectChainLength, configuration.maximumSegments + 2))
        } catch {
            DeviceInitialization.fail(transport)
            throw error
        }
        // Two descriptors of every chain are the header and the status byte.
        let descriptorBudget = queue.usesIndirect ? queue.maximumIndirectLength : queue.size
        let segments = min(configuration.maximumSegments, descriptorBudget - 2)
        guard segments >= 1 else {
            queue.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .queueTooSmall(index: 0, size: queue.size)
        }
        let block = configuration.logicalBlockSize
        var bytes = min(max(maximumRequestBytes, block), segments * configuration.maximumSegmentBytes)
        bytes = max(bytes - bytes % block, block)

        let ranges = min(max(configuration.discard.map { Int($0.maximumSegments) } ?? 1,
                             configuration.writeZeroes.map { Int($0.maximumSegments) } ?? 1), rangeRecordLimit)
        let statusOffset = headerBytes + ranges * rangeRecordBytes
        let stride = (statusOffset + 1 + 63) / 64 * 64
        let identifierOffset = queue.size * stride
        guard let area = platform.allocateDMA(size: identifierOffset + 64, alignment: 64) else {
            queue.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .outOfMemory
        }
        let driver = VirtioBlock(platform: platform, transport: transport, interrupt: interrupt, name: name,
                                 features: negotiated, configuration: configuration, queue: queue,
                                 timeoutMilliseconds: timeoutMilliseconds, maximumRequestBytes: bytes,
                                 maximumRequestSegments: segments, commandArea: area, commandStride: stride,
                                 rangeRecordsPerCommand: ranges, statusOffset: statusOffset,
                                 identifierOffset: identifierOffset)
        DeviceInitialization.finish(transport)
        return driver
    }

    private init(platform: P, transport: T, interrupt: Int?, name: String, features: Features,
                 configuration: VirtioBlockConfiguration, queue: SplitVirtqueue<P>, timeoutMilliseconds: UInt64,
                 maximumRequestBytes: Int, maximumRequestSegments: Int, commandArea: DMABuffer, commandStride: Int,
                 rangeRecordsPerCommand: Int, statusOffset: Int, identifierOffset: Int) {
        self.platform = platform
        self.transport = transport
        self.interrupt = interrupt
        self.name = name
        self.features = features
        self.configuration = configuration
        self.queue = queue
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maximumRequestBytes = maximumRequestBytes
        self.maximumRequestSegments = maximumRequestSegments
        self.commandArea = commandArea
        self.commandStride = commandStride
        self.rangeRecordsPerCommand = rangeRecordsPerCommand
        self.statusOffset = statusOffset
        self.identifierOffset = identifierOffset
        freeCommands = (0..<queue.size).reversed().map { $0 }
        commandPieces = Array(repeating: [], count: queue.size)
        commandForHead = Array(repeating: -1, count: queue.size)
    }

    // MARK: - What the disk is

    /// Size in 512-byte sectors.
    public var capacity: UInt64 { configuration.capacity }
    /// Logical block size in bytes; requests must start and end on multiples of it.
    public var blockSize: Int { configuration.logicalBlockSize }
    public var isReadOnly: Bool { configuration.readOnly }
    /// Whether FLUSH is negotiated; without it the device writes through.
    public var supportsFlush: Bool { configuration.flush }
    public var supportsDiscard: Bool { configuration.discard != nil }
    public var supportsWriteZeroes: Bool { configuration.writeZeroes != nil }
    public var isBroken: Bool { brokenReason != nil }
    /// Device requests in the virtqueue now.
    public var requestsInFlight: Int { inFlight }
    /// Pieces waiting for room in the virtqueue (or for `unplug`).
    public var requestsWaiting: Int { backlog.count - backlogHead }

    /// "vda: " + the error's message.
    public func describe(_ error: BlockDriverError) -> String { name + ": " + error.message }

    // MARK: - Asynchronous API

    /// Queues `request` and returns its ID; it is issued at once unless plugged.
    /// Validation errors (read-only disk, range, alignment, unsupported operation,
    /// a disabled device) are thrown here and the device never sees the request.
    /// The memory of the request's buffers belongs to the device until it completes.
    /// `completion` runs from `processCompletions` (the interrupt handler or a
    /// `wait`); a request with a completion is forgotten once it has run, one without
    /// is kept until `wait` or `result` collects it.
    @discardableResult
    public func submit(_ request: BlockRequest,
                       completion: ((BlockRequestID, BlockRequestOutcome) -> Void)? = nil) throws(BlockDriverError) -> BlockRequestID {
        if let brokenReason { throw .deviceBroken(brokenReason) }
        let pieces = try plan(request)
        let slot: Int
        if let free = freeRecords.popLast() {
            slot = free
        } else {
            slot = records.count
            records.append(BlockRequestRecord())
        }
        let serial = nextSerial
        nextSerial = nextSerial == .max ? 1 : nextSerial + 1
        records[slot] = BlockRequestRecord(serial: serial, remaining: pieces.count, handler: completion)
        for var piece in pieces {
            piece.record = slot
            backlog.append(piece)
        }
        statistics.requestsSubmitted += 1
        if plugDepth == 0 { issueBacklog() }
        deliverNotifications()  // only if issuing found the device broken
        return BlockRequestID(slot: slot, serial: serial)
    }

    /// Whether the request has finished (true for one already collected).
    public func isComplete(_ id: BlockRequestID) -> Bool {
        guard let slot = lookup(id) else { return true }
        return records[slot].done
    }

    /// The outcome of a finished request, which is then forgotten; nil while it is
    /// still pending; `.failed(.unknownRequest)` for one already collected.
    public func result(_ id: BlockRequestID) -> BlockRequestOutcome? {
        guard let slot = lookup(id) else { return .failed(.unknownRequest) }
        guard records[slot].done else { return nil }
        let failure = records[slot].failure
        retire(slot)
        return failure.map { .failed($0) } ?? .succeeded
    }

    /// Issues whatever is queued (even while plugged), then sleeps until the request
    /// finishes and collects it: returns, or throws its error. If the device
    /// completes nothing for `timeoutMilliseconds` meanwhile, it is disabled
    /// (`.deviceBroken`).
    public func wait(_ id: BlockRequestID) throws(BlockDriverError) {
        guard let slot = lookup(id) else { throw .unknownRequest }
        records[slot].waited = true
        var deadline = platform.now().adding(milliseconds: timeoutMilliseconds)
        var progress = completedDeviceRequests
        while !records[slot].done {
            issueBacklog()
            processCompletions()
            if completedDeviceRequests != progress {
                // The device is answering: a long transfer is not a dead device.
                progress = completedDeviceRequests
                deadline = platform.now().adding(milliseconds: timeoutMilliseconds)
            }
            guard records[slot].serial == id.serial else { throw .unknownRequest }
            if records[slot].done { break }
            if let brokenReason {
                // Disabling settles everything; this is only a guard against looping forever.
                records[slot].failure = .deviceBroken(brokenReason)
                records[slot].done = true
                break
            }
            if platform.now() >= deadline {
                disable("no answer within \(timeoutMilliseconds) ms")
                continue
            }
            sleep(until: deadline)
        }
        let failure = records[slot].failure
        retire(slot)
        if let failure { throw failure }
    }

    /// Collects finished device requests, settles their callers' requests, issues
    /// waiting pieces into the freed room and runs completion handlers. Called by
    /// the interrupt handler and by `wait`; harmless to call any time.
    public func processCompletions() {
        guard brokenReason == nil else {
            deliverNotifications()
            return
        }
        while let used = queue.nextUsed() {
            let head = Int(used.head)
            guard head < commandForHead.count, commandForHead[head] >= 0 else { continue }
            let command = commandForHead[head]
            commandForHead[head] = -1
            let status = (commandArea.pointer + command * commandStride + statusOffset).load(as: UInt8.self)
            let pieces = commandPieces[command]
            commandPieces[command] = []
            freeCommands.append(command)
            inFlight -= 1
            completedDeviceRequests += 1
            if let first = pieces.first, first.operation.changesDisk { changesInFlight -= 1 }
            if status != 0 { statistics.failedDeviceRequests += 1 }
            for piece in pieces { settle(piece, error: error(status: status, piece: piece)) }
        }
        if let reason = queue.brokenReason {
            disable(reason)
            return
        }
        if plugDepth == 0 { issueBacklog() }
        deliverNotifications()
    }

    /// For a periodic timer (requests with completion handlers are not waited
    /// for, so nothing else would notice a dead device): disables the device when
    /// it has had requests in flight and completed none for `timeoutMilliseconds`
    /// since the first call that saw it so.
    public func checkForTimeout() {
        guard brokenReason == nil else { return }
        let now = platform.now()
        guard inFlight > 0 else {
            watchdogArmed = false
            return
        }
        guard watchdogArmed, completedDeviceRequests == watchdogProgress else {
            watchdogArmed = true
            watchdogProgress = completedDeviceRequests
            watchdogSince = now
            return
        }
        if now >= watchdogSince.adding(milliseconds: timeoutMilliseconds) {
            disable("no answer within \(timeoutMilliseconds) ms")
        }
    }

    /// The interrupt handler: acknowledge, then collect. A configuration change
    /// re-reads the capacity (a resized disk), or disables the device if it asks to
    /// be reset.
    public func handleInterrupt() {
        let status = transport.acknowledgeInterrupt()
        if status.contains(.usedBuffer) { statistics.interrupts += 1 }
        if status.contains(.configurationChange) && brokenReason == nil {
            if DeviceInitialization.needsReset(transport) {
                disable("the device asked to be reset (DEVICE_NEEDS_RESET)")
                return
            }
            configuration.capacity = transport.configRead64(VirtioBlockConfiguration.Offset.capacity)
        }
        processCompletions()
    }

    /// Holds submitted requests back (nestable) so adjacent ones can be merged.
    public func plug() { plugDepth += 1 }

    /// Ends a `plug`; the outermost one issues everything held, merged.
    public func unplug() {
        guard plugDepth > 0 else { return }
        plugDepth -= 1
        if plugDepth == 0 {
            issueBacklog()
            deliverNotifications()
        }
    }

    // MARK: - Synchronous calls

    /// Reads `count` sectors from `sector` into the start of `buffer` and waits.
    public func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockDriverError) {
        let bytes = try VirtioBlock.bytes(count, within: buffer.count)
        guard bytes > 0 else { return }
        let id = try submit(.read(sector: sector, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes])))
        try wait(id)
    }

    /// Writes `count` sectors from the start of `buffer` to `sector` and waits.
    public func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) throws(BlockDriverError) {
        let bytes = try VirtioBlock.bytes(count, within: buffer.count)
        guard bytes > 0 else { return }
        let id = try submit(.write(sector: sector, from: UnsafeRawBufferPointer(rebasing: buffer[0..<bytes])))
        try wait(id)
    }

    /// Makes completed writes durable. Without FLUSH the device writes through
    /// (§5.2.6.3), so there is nothing to do and the device is not asked.
    public func flush() throws(BlockDriverError) {
        guard supportsFlush else {
            if let brokenReason { throw .deviceBroken(brokenReason) }
            return
        }
        let id = try submit(.flush)
        try wait(id)
    }

    public func discard(sector: UInt64, count: UInt64) throws(BlockDriverError) {
        guard count > 0 else { return }
        let id = try submit(.discard(sector: sector, count: count))
        try wait(id)
    }

    public func writeZeroes(sector: UInt64, count: UInt64, mayUnmap: Bool = false) throws(BlockDriverError) {
        guard count > 0 else { return }
        let id = try submit(.writeZeroes(sector: sector, count: count, mayUnmap: mayUnmap))
        try wait(id)
    }

    /// The device's serial number (VIRTIO_BLK_T_GET_ID), up to 20 characters.
    public func serialNumber() throws(BlockDriverError) -> String {
        let scratch = UnsafeMutableRawBufferPointer(start: commandArea.pointer + identifierOffset,
                                                    count: VirtioBlock.identifierBytes)
        _ = scratch.initializeMemory(as: UInt8.self, repeating: 0)
        let id = try submit(.getID(into: scratch))
        try wait(id)
        var bytes: [UInt8] = []
        for byte in scratch {
            guard byte != 0 else { break }
            bytes.append(byte >= 0x20 && byte < 0x7f ? byte : UInt8(ascii: "?"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Planning

    private static func bytes(_ count: Int, within available: Int) throws(BlockDriverError) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 512)
        guard count >= 0, !overflow, bytes <= available else {
            throw .invalidRequest("a \(available)-byte buffer cannot hold \(count) sectors")
        }
        return bytes
    }

    /// Checks a request against the disk and cuts it into pieces that each fit one
    /// device request.
    private func plan(_ request: BlockRequest) throws(BlockDriverError) -> [BlockPiece] {
        let operation = request.operation
        switch operation {
        case .flush: if !supportsFlush { throw .unsupported(.flush) }
        case .discard: if !supportsDiscard { throw .unsupported(.discard) }
        case .writeZeroes: if !supportsWriteZeroes { throw .unsupported(.writeZeroes) }
        case .read, .write, .getID: break
        }
        if operation.changesDisk && isReadOnly { throw .readOnly }
        let blockSectors = UInt64(blockSize / 512)

        switch operation {
        case .flush:
            return [BlockPiece(operation: .flush, sector: 0, count: 0, segments: [], mayUnmap: false, record: -1)]

        case .getID:
            var total = 0
            for buffer in request.buffers { total += buffer.count }
            guard total >= VirtioBlock.identifierBytes else {
                throw .invalidRequest("get-id needs a \(VirtioBlock.identifierBytes)-byte buffer, not \(total) bytes")
            }
            let limit = min(VirtioBlock.identifierBytes, maximumRequestSegments)
            guard let pieces = BlockTransferSplitter.split(
                    VirtioBlock.prefix(request.buffers, bytes: VirtioBlock.identifierBytes), platform: platform,
                    blockBytes: VirtioBlock.identifierBytes, maximumBytes: VirtioBlock.identifierBytes,
                    maximumSegments: limit, maximumSegmentBytes: configuration.maximumSegmentBytes),
                  pieces.count == 1 else {
                throw .invalidRequest("the get-id buffer is spread over more than \(limit) segments")
            }
            return [BlockPiece(operation: .getID, sector: 0, count: 0, segments: pieces[0], mayUnmap: false, record: -1)]

        case .read, .write:
            var total = 0
            for buffer in request.buffers {
                let (sum, overflow) = total.addingReportingOverflow(buffer.count)
                guard !overflow else { throw .invalidRequest("the buffers are larger than memory") }
                total = sum
            }
            guard total > 0, total % 512 == 0 else {
                throw .invalidRequest("a " + operation.name + " must be a whole number of 512-byte sectors, not \(total) bytes")
            }
            let count = UInt64(total / 512)
            try check(sector: request.sector, count: count, blockSectors: blockSectors)
            guard let cut = BlockTransferSplitter.split(request.buffers, platform: platform, blockBytes: blockSize,
                                                        maximumBytes: maximumRequestBytes,
                                                        maximumSegments: maximumRequestSegments,
                                                        maximumSegmentBytes: configuration.maximumSegmentBytes) else {
                throw .invalidRequest("a \(blockSize)-byte block is spread over more than \(maximumRequestSegments) buffers")
            }
            var pieces: [BlockPiece] = []
            var sector = request.sector
            for segments in cut {
                let sectors = UInt64(segments.reduce(0) { $0 + $1.length } / 512)
                pieces.append(BlockPiece(operation: operation, sector: sector, count: sectors, segments: segments,
                                         mayUnmap: false, record: -1))
                sector += sectors
            }
            return pieces

        case .discard, .writeZeroes:
            let count = request.rangeCount
            guard count > 0 else { throw .invalidRequest("an empty " + operation.name) }
            try check(sector: request.sector, count: count, blockSectors: blockSectors)
            let maximum: UInt32
            let alignment: UInt64
            var unmap = false
            if operation == .discard, let limits = configuration.discard {
                maximum = limits.maximumSectors
                alignment = UInt64(limits.sectorAlignment)
            } else if let limits = configuration.writeZeroes {
                maximum = limits.maximumSectors
                alignment = blockSectors
                unmap = request.mayUnmap && limits.mayUnmap
            } else {
                throw .unsupported(operation)
            }
            return BlockTransferSplitter.splitRange(sector: request.sector, count: count, maximumSectors: UInt64(maximum),
                                                    alignment: alignment, blockSectors: blockSectors).map {
                BlockPiece(operation: operation, sector: $0.sector, count: $0.count, segments: [], mayUnmap: unmap,
                           record: -1)
            }
        }
    }

    private func check(sector: UInt64, count: UInt64, blockSectors: UInt64) throws(BlockDriverError) {
        let (end, overflow) = sector.addingReportingOverflow(count)
        guard !overflow, end <= capacity else { throw .outOfRange(sector: sector, count: count, capacity: capacity) }
        guard sector % blockSectors == 0, count % blockSectors == 0 else {
            throw .invalidRequest(BlockDriverError.sectors(sector, count) + " are not aligned to the \(blockSize)-byte block size")
        }
    }

    /// The first `bytes` bytes of a scatter list.
    private static func prefix(_ buffers: [BlockBuffer], bytes: Int) -> [BlockBuffer] {
        var left = bytes
        var result: [BlockBuffer] = []
        for buffer in buffers where left > 0 {
            let take = min(buffer.count, left)
            result.append(BlockBuffer(address: buffer.address, count: take))
            left -= take
        }
        return result
    }

    // MARK: - Issuing

    /// Moves pieces from the backlog into the virtqueue while there is room,
    /// merging neighbours, and kicks the device once.
    private func issueBacklog() {
        guard brokenReason == nil, backlogHead < backlog.count else { return }
        var taken = backlogHead
        var issued = false
        while taken < backlog.count {
            let first = backlog[taken]
            // The device makes only *completed* writes durable, so a flush waits for
            // every earlier change; what was submitted after it waits behind it.
            if first.operation == .flush && changesInFlight > 0 { break }
            var end = taken + 1
            var segments = first.segments.count
            switch first.operation {
            case .read, .write:
                var bytes = first.byteCount
                var next = first.sector &+ first.count
                while end < backlog.count {
                    let candidate = backlog[end]
                    guard candidate.operation == first.operation, candidate.sector == next,
                          segments + candidate.segments.count <= maximumRequestSegments,
                          bytes + candidate.byteCount <= maximumRequestBytes else { break }
                    segments += candidate.segments.count
                    bytes += candidate.byteCount
                    next = next &+ candidate.count
                    end += 1
                }
            case .discard, .writeZeroes:
                let limit = min(rangeRecordsPerCommand, Int(first.operation == .discard
                    ? configuration.discard?.maximumSegments ?? 1 : configuration.writeZeroes?.maximumSegments ?? 1))
                while end < backlog.count && end - taken < limit && backlog[end].operation == first.operation { end += 1 }
                segments = 1  // the segment records travel in one descriptor
            case .flush, .getID:
                break
            }
            guard let command = freeCommands.last, queue.canSubmit(count: segments + 2) else { break }

            let slot = commandArea.pointer + command * commandStride
            let slotAddress = commandArea.physicalAddress + UInt64(command * commandStride)
            // Only reads and writes address the disk in the header; discard and
            // write-zeroes carry their ranges in segments, flush and get-id none.
            let addressed = first.operation == .read || first.operation == .write
            slot.storeBytes(of: first.operation.typeCode.littleEndian, as: UInt32.self)
            slot.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
            slot.storeBytes(of: (addressed ? first.sector : 0).littleEndian, toByteOffset: 8, as: UInt64.self)
            slot.storeBytes(of: VirtioBlock.statusNotWritten, toByteOffset: statusOffset, as: UInt8.self)

            var chain = [VirtqueueBuffer(physicalAddress: slotAddress, length: UInt32(VirtioBlock.headerBytes),
                                         deviceWritable: false)]
            switch first.operation {
            case .read, .write, .getID:
                let writable = first.operation != .write
                for index in taken..<end {
                    for segment in backlog[index].segments {
                        chain.append(VirtqueueBuffer(physicalAddress: segment.address, length: UInt32(segment.length),
                                                     deviceWritable: writable))
                    }
                }
            case .discard, .writeZeroes:
                for index in taken..<end {
                    let piece = backlog[index]
                    let offset = VirtioBlock.headerBytes + (index - taken) * VirtioBlock.rangeRecordBytes
                    slot.storeBytes(of: piece.sector.littleEndian, toByteOffset: offset, as: UInt64.self)
                    slot.storeBytes(of: UInt32(truncatingIfNeeded: piece.count).littleEndian, toByteOffset: offset + 8,
                                    as: UInt32.self)
                    let flags = piece.mayUnmap ? VirtioBlock.unmapFlag : 0
                    slot.storeBytes(of: flags.littleEndian, toByteOffset: offset + 12, as: UInt32.self)
                }
                chain.append(VirtqueueBuffer(physicalAddress: slotAddress + UInt64(VirtioBlock.headerBytes),
                                             length: UInt32((end - taken) * VirtioBlock.rangeRecordBytes),
                                             deviceWritable: false))
            case .flush:
                break
            }
            chain.append(VirtqueueBuffer(physicalAddress: slotAddress + UInt64(statusOffset), length: 1, deviceWritable: true))

            let head: UInt16
            do {
                head = try queue.submit(chain)
            } catch {
                disable(queue.brokenReason ?? ("the virtqueue refused a request: " + error.message))
                return
            }
            freeCommands.removeLast()
            commandForHead[Int(head)] = command
            commandPieces[command] = Array(backlog[taken..<end])
            inFlight += 1
            if first.operation.changesDisk { changesInFlight += 1 }
            statistics.deviceRequests += 1
            statistics.mergedPieces += UInt64(end - taken - 1)
            statistics.mostInFlight = max(statistics.mostInFlight, inFlight)
            taken = end
            issued = true
        }
        backlogHead = taken
        if backlogHead == backlog.count {
            backlog.removeAll(keepingCapacity: true)
            backlogHead = 0
        } else if backlogHead >= 64 && backlogHead * 2 >= backlog.count {
            backlog.removeFirst(backlogHead)
            backlogHead = 0
        }
        if issued { queue.notifyIfNeeded(transport) }
    }

    // MARK: - Settling

    private func error(status: UInt8, piece: BlockPiece) -> BlockDriverError? {
        switch status {
        case 0: return nil
        case 1: return .ioError(operation: piece.operation, sector: piece.sector, count: piece.count)
        case 2: return .unsupported(piece.operation)
        default: return .badStatus(status, operation: piece.operation, sector: piece.sector, count: piece.count)
        }
    }

    private func settle(_ piece: BlockPiece, error: BlockDriverError?) {
        let slot = piece.record
        guard slot >= 0, slot < records.count, records[slot].serial != 0, !records[slot].done else { return }
        if let error {
            records[slot].failure = VirtioBlock.combine(records[slot].failure, error)
        } else if piece.operation == .read {
            statistics.sectorsRead += piece.count
        } else if piece.operation == .write {
            statistics.sectorsWritten += piece.count
        }
        records[slot].remaining -= 1
        if records[slot].remaining <= 0 {
            records[slot].done = true
            if records[slot].handler != nil { notifications.append(slot) }
        }
    }

    /// One error for a request whose pieces failed separately: neighbouring I/O
    /// error ranges join; otherwise the lowest range (or the first error) wins.
    static func combine(_ existing: BlockDriverError?, _ new: BlockDriverError) -> BlockDriverError {
        guard let existing else { return new }
        if case .ioError(let operation, let sector, let count) = existing,
           case .ioError(let newOperation, let newSector, let newCount) = new, operation == newOperation {
            if newSector == sector &+ count { return .ioError(operation: operation, sector: sector, count: count &+ newCount) }
            if sector == newSector &+ newCount { return .ioError(operation: operation, sector: newSector, count: count &+ newCount) }
            return newSector < sector ? new : existing
        }
        return existing
    }

    /// Runs the handlers of finished requests (outside every loop over driver
    /// state, so a handler may submit or wait). Each pass takes the list, so a
    /// handler that blocks leaves what finished meanwhile to whoever collects next.
    private func deliverNotifications() {
        while !notifications.isEmpty {
            let batch = notifications
            notifications = []
            for slot in batch {
                let record = records[slot]
                guard record.serial != 0, record.done, let handler = record.handler else { continue }
                let id = BlockRequestID(slot: slot, serial: record.serial)
                let outcome: BlockRequestOutcome = record.failure.map { .failed($0) } ?? .succeeded
                if record.waited { records[slot].handler = nil } else { retire(slot) }
                handler(id, outcome)
            }
        }
    }

    private func lookup(_ id: BlockRequestID) -> Int? {
        let slot = id.slot
        guard slot < records.count, records[slot].serial != 0, records[slot].serial == id.serial else { return nil }
        return slot
    }

    private func retire(_ slot: Int) {
        records[slot] = BlockRequestRecord()
        freeRecords.append(slot)
    }

    /// Stops the device for good: a reset, so it no longer touches memory the
    /// callers may now reuse, then every outstanding request fails.
    private func disable(_ reason: String) {
        guard brokenReason == nil else { return }
        brokenReason = reason
        transport.reset()
        let error = BlockDriverError.deviceBroken(reason)
        for head in commandForHead.indices where commandForHead[head] >= 0 {
            let command = commandForHead[head]
            commandForHead[head] = -1
            for piece in commandPieces[command] { settle(piece, error: error) }
            commandPieces[command] = []
            freeCommands.append(command)
        }
        inFlight = 0
        changesInFlight = 0
        let waiting = backlog[backlogHead...]
        backlog = []
        backlogHead = 0
        for piece in waiting { settle(piece, error: error) }
        deliverNotifications()
    }

    /// Sleeps until the interrupt, at most 10 ms (then polls: an interrupt may be
    /// lost or not wired), or spins on the used ring when there is no interrupt.
    private func sleep(until deadline: Instant) {
        let wake = min(deadline, platform.now().adding(milliseconds: 10))
        if let interrupt {
            if !platform.waitForInterrupt(interrupt, until: wake), queue.hasUsed { statistics.polledCompletions += 1 }
        } else {
            while platform.now() < wake && !queue.hasUsed {}
            if queue.hasUsed { statistics.polledCompletions += 1 }
        }
    }
}
