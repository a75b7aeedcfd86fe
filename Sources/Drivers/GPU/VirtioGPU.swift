import Platform
import VirtIO

public enum GPUError: Error, Equatable {
    case virtio(VirtioError)
    /// The device answered `command` with an error response.
    case response(command: UInt32, type: UInt32)
    case timeout(command: UInt32)
    case noEnabledScanout
    case outOfMemory
    case edidUnavailable

    public var message: String {
        switch self {
        case .virtio(let error): return "virtio-gpu: " + error.message
        case .response(let command, let type):
            return "virtio-gpu: command " + hex(command) + " failed: " + string(GPUCommand.responseName(type)) + " (" + hex(type) + ")"
        case .timeout(let command): return "virtio-gpu: no answer to command " + hex(command) + " in time"
        case .noEnabledScanout: return "virtio-gpu: no enabled scanout"
        case .outOfMemory: return "virtio-gpu: out of memory"
        case .edidUnavailable: return "virtio-gpu: the device offers no EDID"
        }
    }

    private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
    private func string(_ text: StaticString) -> String { text.withUTF8Buffer { String(decoding: $0, as: UTF8.self) } }
}

public struct GPUStatistics {
    public var commands: UInt64 = 0
    public var transfers: UInt64 = 0
    /// Bytes of framebuffer copied to the host by TRANSFER_TO_HOST_2D.
    public var bytesTransferred: UInt64 = 0
    public var flushes: UInt64 = 0
    public var fencesCompleted: UInt64 = 0
    public var displayChanges: UInt64 = 0
    public var cursorUpdates: UInt64 = 0
    /// Frame commands (sent without waiting) the device answered with an error.
    public var frameErrors: UInt64 = 0
}

/// virtio-gpu in 2D mode (§5.7): display info and EDID, 2D resources with
/// scatter-list backing, scanouts, transfers and flushes of just the damaged
/// rectangles (batched, the last one fenced, sent without waiting: the caller
/// waits for the fence before it draws again), the cursor queue, and display
/// change events. Commands go through a pool of DMA slots; responses are checked
/// and errors reported in words.
public final class VirtioGPU<P: Platform, T: VirtioTransport> {
    public static var supportedFeatures: Features {
        [.ringIndirectDescriptors, .ringEventIndex, .version1, Features(bit: 1) /* EDID */]
    }
    public static var edidFeature: Features { Features(bit: 1) }
    static var slotSize: Int { 4096 }
    static var responseOffset: Int { 2048 }
    static var slotCount: Int { 32 }
    static var timeoutMilliseconds: UInt64 { 2000 }

    public let platform: P
    public let transport: T
    public let interrupt: Int?
    public let features: Features
    public private(set) var statistics = GPUStatistics()
    public var hasEDID: Bool { features.contains(VirtioGPU.edidFeature) }
    public var scanoutCount: Int { Int(transport.configRead32(GPUConfig.numberOfScanouts)) }

    let control: SplitVirtqueue<P>
    let cursor: SplitVirtqueue<P>
    let slots: DMABuffer
    private var slotBusy: [Bool]
    private var slotForHead: [Int]
    private var slotDone: [Bool]
    /// Slots of frame commands nobody waits for: freed by `collect` when answered.
    private var slotDetached: [Bool]
    /// The first error a frame command got, until `takeFrameError` reads it.
    private var frameError: GPUError? = nil
    private var cursorSlot: DMABuffer
    private var cursorBusy = false
    private var nextFence: UInt64 = 1
    public private(set) var completedFence: UInt64 = 0
    /// Set by a configuration interrupt that reported a display change.
    public private(set) var displayChangePending = false

    public init(platform: P, transport: T, interrupt: Int?, disabled: Features = []) throws(GPUError) {
        self.platform = platform
        self.transport = transport
        self.interrupt = interrupt
        let negotiated: Features
        do {
            negotiated = try DeviceInitialization.negotiate(transport, driverSupports: VirtioGPU.supportedFeatures.subtracting(disabled))
        } catch { throw .virtio(error) }
        features = negotiated
        // Whatever was set up before a failure is given back (queues, memory).
        let control: SplitVirtqueue<P>
        do {
            control = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, maximumSize: 64, features: negotiated)
        } catch {
            DeviceInitialization.fail(transport)
            throw .virtio(error)
        }
        let cursor: SplitVirtqueue<P>
        do {
            cursor = try SplitVirtqueue.create(platform: platform, transport: transport, index: 1, maximumSize: 16, features: negotiated)
        } catch {
            control.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .virtio(error)
        }
        let slots = platform.allocateDMA(size: VirtioGPU.slotSize * VirtioGPU.slotCount, alignment: 4096)
        let cursorSlot = platform.allocateDMA(size: VirtioGPU.slotSize, alignment: 4096)
        guard let slots, let cursorSlot else {
            if let slots { platform.freeDMA(slots) }
            if let cursorSlot { platform.freeDMA(cursorSlot) }
            cursor.release(transport: transport)
            control.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .outOfMemory
        }
        self.control = control
        self.cursor = cursor
        self.slots = slots
        self.cursorSlot = cursorSlot
        slotBusy = Array(repeating: false, count: VirtioGPU.slotCount)
        slotDone = Array(repeating: false, count: VirtioGPU.slotCount)
        slotDetached = Array(repeating: false, count: VirtioGPU.slotCount)
        slotForHead = Array(repeating: -1, count: control.size)
        DeviceInitialization.finish(transport)
    }

    // MARK: - Commands

    /// GET_DISPLAY_INFO: every scanout the device has, enabled or not.
    public func displayInfo() throws(GPUError) -> [GPUScanout] {
        let slot = try submitDisplayInfo()
        try flushAndWait()
        return try finishDisplayInfo(slot)
    }

    /// GET_DISPLAY_INFO and, with EDID, GET_EDID of `edidScanout` in one round
    /// trip: the boot's first two questions, asked together because each
    /// answer waits for QEMU's main loop (busy, for one, while a screen is
    /// being captured). The EDID is nil when the device has none or refuses it.
    public func displayInfoAndEDID(edidScanout: Int = 0) throws(GPUError) -> (scanouts: [GPUScanout], edid: [UInt8]?) {
        let infoSlot = try submitDisplayInfo()
        let edidSlot = hasEDID ? try submitEDID(scanout: edidScanout) : nil
        try flushAndWait()
        let edid = edidSlot.flatMap { slot in try? finishEDID(slot) }
        return (try finishDisplayInfo(infoSlot), edid)
    }

    private func submitDisplayInfo() throws(GPUError) -> Int {
        try submit(GPUCommand.getDisplayInfo, requestSize: GPUCommand.headerSize,
                   responseSize: GPUCommand.headerSize + GPUCommand.maximumScanouts * 24) { _ in }
    }

    private func finishDisplayInfo(_ slot: Int) throws(GPUError) -> [GPUScanout] {
        let response = try finish(slot, command: GPUCommand.getDisplayInfo, expecting: GPUCommand.okDisplayInfo)
        var scanouts: [GPUScanout] = []
        let count = min(max(scanoutCount, 1), GPUCommand.maximumScanouts)
        for index in 0..<count {
            let entry = response + GPUCommand.headerSize + index * 24
            scanouts.append(GPUScanout(index: index,
                                       width: Int(entry.load(fromByteOffset: 8, as: UInt32.self)),
                                       height: Int(entry.load(fromByteOffset: 12, as: UInt32.self)),
                                       enabled: entry.load(fromByteOffset: 16, as: UInt32.self) != 0))
        }
        return scanouts
    }

    /// GET_EDID for one scanout: the raw EDID bytes (parse them with `EDID`).
    public func edid(scanout: Int) throws(GPUError) -> [UInt8] {
        guard hasEDID else { throw .edidUnavailable }
        let slot = try submitEDID(scanout: scanout)
        try flushAndWait()
        return try finishEDID(slot)
    }

    private func submitEDID(scanout: Int) throws(GPUError) -> Int {
        try submit(GPUCommand.getEDID, requestSize: 32, responseSize: 32 + 1024) { writer in
            writer.u32(UInt32(scanout)); writer.u32(0)
        }
    }

    private func finishEDID(_ slot: Int) throws(GPUError) -> [UInt8] {
        let response = try finish(slot, command: GPUCommand.getEDID, expecting: GPUCommand.okEDID)
        let size = min(Int(response.load(fromByteOffset: 24, as: UInt32.self)), 1024)
        return Array(UnsafeRawBufferPointer(start: response + 32, count: size))
    }

    public func createResource(_ id: UInt32, width: Int, height: Int, format: UInt32 = GPUCommand.formatB8G8R8X8) throws(GPUError) {
        let slot = try submitCreateResource(id, width: width, height: height, format: format)
        try flushAndWait()
        _ = try finish(slot, command: GPUCommand.resourceCreate2D, expecting: GPUCommand.okNoData)
    }

    /// RESOURCE_ATTACH_BACKING with a scatter list: the pixels need not be contiguous.
    public func attachBacking(_ id: UInt32, segments: [(address: UInt64, length: UInt32)]) throws(GPUError) {
        let slot = try submitAttachBacking(id, segments: segments)
        try flushAndWait()
        _ = try finish(slot, command: GPUCommand.resourceAttachBacking, expecting: GPUCommand.okNoData)
    }

    /// RESOURCE_CREATE_2D, ATTACH_BACKING and SET_SCANOUT on each of `scanouts`,
    /// in one round trip: the device takes its control queue in order, so each
    /// command finds what the one before made. The first error is thrown.
    public func createResourceAndShow(_ id: UInt32, width: Int, height: Int, segments: [(address: UInt64, length: UInt32)],
                                      scanouts: [Int], format: UInt32 = GPUCommand.formatB8G8R8X8) throws(GPUError) {
        var submitted: [(slot: Int, command: UInt32)] = []
        var failure: GPUError? = nil
        do {
            submitted.append((try submitCreateResource(id, width: width, height: height, format: format), GPUCommand.resourceCreate2D))
            submitted.append((try submitAttachBacking(id, segments: segments), GPUCommand.resourceAttachBacking))
            for scanout in scanouts {
                submitted.append((try submitSetScanout(scanout, resource: id, width: width, height: height), GPUCommand.setScanout))
            }
        } catch {
            failure = error
        }
        if !submitted.isEmpty {
            do { try flushAndWait() } catch { failure = failure ?? error }
        }
        for (slot, command) in submitted {
            do { _ = try finish(slot, command: command, expecting: GPUCommand.okNoData) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    private func submitCreateResource(_ id: UInt32, width: Int, height: Int, format: UInt32) throws(GPUError) -> Int {
        try submit(GPUCommand.resourceCreate2D, requestSize: 40, responseSize: GPUCommand.headerSize) { writer in
            writer.u32(id); writer.u32(format)
            writer.u32(UInt32(width)); writer.u32(UInt32(height))
        }
    }

    private func submitAttachBacking(_ id: UInt32, segments: [(address: UInt64, length: UInt32)]) throws(GPUError) -> Int {
        let entries = min(segments.count, (VirtioGPU.responseOffset - 32) / 16)
        return try submit(GPUCommand.resourceAttachBacking, requestSize: 32 + 16 * entries,
                          responseSize: GPUCommand.headerSize) { writer in
            writer.u32(id); writer.u32(UInt32(entries))
            for segment in segments.prefix(entries) {
                writer.u64(segment.address); writer.u32(segment.length); writer.u32(0)
            }
        }
    }

    public func detachBacking(_ id: UInt32) throws(GPUError) {
        try simple(GPUCommand.resourceDetachBacking, size: 32) { writer in writer.u32(id); writer.u32(0) }
    }

    public func unref(_ id: UInt32) throws(GPUError) {
        try simple(GPUCommand.resourceUnref, size: 32) { writer in writer.u32(id); writer.u32(0) }
    }

    /// Shows `resource` (its top-left width × height) on a scanout; resource 0 turns the scanout off.
    public func setScanout(_ scanout: Int, resource: UInt32, width: Int, height: Int) throws(GPUError) {
        let slot = try submitSetScanout(scanout, resource: resource, width: width, height: height)
        try flushAndWait()
        _ = try finish(slot, command: GPUCommand.setScanout, expecting: GPUCommand.okNoData)
    }

    private func submitSetScanout(_ scanout: Int, resource: UInt32, width: Int, height: Int) throws(GPUError) -> Int {
        try submit(GPUCommand.setScanout, requestSize: 48, responseSize: GPUCommand.headerSize) { writer in
            writer.rect(x: 0, y: 0, width: width, height: height)
            writer.u32(UInt32(scanout)); writer.u32(resource)
        }
    }

    /// Copies the damaged rectangles of `resource` (stride `stride` bytes) to the host
    /// and flushes them to the screen, in one batch whose last command carries a
    /// fence. Returns that fence; `waitForFence` or the next present waits for it.
    @discardableResult
    /// Sends a frame: a transfer and a flush per damaged rectangle, the last
    /// flush fenced. Returns the fence at once, without waiting for the device:
    /// the caller must `waitForFence` before it changes those pixels again (the
    /// device reads them while it transfers). Waits only when the slot pool is
    /// empty. An error the device answers comes back from `takeFrameError`.
    public func present(_ resource: UInt32, stride: Int, rects: [(x: Int, y: Int, width: Int, height: Int)]) throws(GPUError) -> UInt64 {
        guard !rects.isEmpty else { return completedFence }
        let fence = nextFence
        nextFence += 1
        for (position, rect) in rects.enumerated() {
            // Two slots per rectangle: when the pool runs low, wait for answers.
            if freeSlots < 2 { try waitForFreeSlots(2) }
            let offset = UInt64(rect.y * stride + rect.x * 4)
            let transfer = try submit(GPUCommand.transferToHost2D, requestSize: 56, responseSize: GPUCommand.headerSize) { writer in
                writer.rect(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
                writer.u64(offset); writer.u32(resource); writer.u32(0)
            }
            slotDetached[transfer] = true
            statistics.transfers += 1
            statistics.bytesTransferred += UInt64(rect.width * rect.height * 4)
            let last = position + 1 == rects.count
            let flush = try submit(GPUCommand.resourceFlush, requestSize: 48, responseSize: GPUCommand.headerSize,
                                   flags: last ? GPUCommand.flagFence : 0, fence: last ? fence : 0) { writer in
                writer.rect(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
                writer.u32(resource); writer.u32(0)
            }
            slotDetached[flush] = true
            statistics.flushes += 1
        }
        control.notifyIfNeeded(transport)
        return fence
    }

    /// The first error a frame command got since the last call, if any.
    public func takeFrameError() -> GPUError? {
        collect()
        defer { frameError = nil }
        return frameError
    }

    /// One TRANSFER_TO_HOST_2D without a flush (a cursor image, say), waited for.
    public func transfer(_ resource: UInt32, stride: Int, x: Int, y: Int, width: Int, height: Int) throws(GPUError) {
        try simple(GPUCommand.transferToHost2D, size: 56) { writer in
            writer.rect(x: x, y: y, width: width, height: height)
            writer.u64(UInt64(y * stride + x * 4)); writer.u32(resource); writer.u32(0)
        }
        statistics.transfers += 1
        statistics.bytesTransferred += UInt64(width * height * 4)
    }

    /// Waits until the device has completed the command carrying `fence`.
    public func waitForFence(_ fence: UInt64) throws(GPUError) {
        guard fence > completedFence else { return }
        try waitUntil { $0.completedFence >= fence }
    }

    // MARK: - Cursor queue

    /// UPDATE_CURSOR: shows `resource` (a 64×64 image) as the pointer with its hot spot.
    public func updateCursor(scanout: Int, resource: UInt32, hotX: Int, hotY: Int, x: Int, y: Int) {
        sendCursor(GPUCommand.updateCursor, scanout: scanout, resource: resource, hotX: hotX, hotY: hotY, x: x, y: y)
    }

    /// MOVE_CURSOR: moves the pointer without reloading its image.
    public func moveCursor(scanout: Int, x: Int, y: Int) {
        sendCursor(GPUCommand.moveCursor, scanout: scanout, resource: 0, hotX: 0, hotY: 0, x: x, y: y)
    }

    private func sendCursor(_ type: UInt32, scanout: Int, resource: UInt32, hotX: Int, hotY: Int, x: Int, y: Int) {
        // One cursor command in flight; a newer position simply waits for the older one.
        reapCursor()
        guard !cursorBusy else { return }
        var writer = GPUCommandWriter(cursorSlot.pointer)
        writer.header(type)
        writer.u32(UInt32(scanout)); writer.u32(UInt32(truncatingIfNeeded: x)); writer.u32(UInt32(truncatingIfNeeded: y)); writer.u32(0)
        writer.u32(resource); writer.u32(UInt32(hotX)); writer.u32(UInt32(hotY)); writer.u32(0)
        guard (try? cursor.submit([VirtqueueBuffer(physicalAddress: cursorSlot.physicalAddress, length: 56, deviceWritable: false)])) != nil
        else { return }
        cursorBusy = true
        cursor.notifyIfNeeded(transport)
        statistics.cursorUpdates += 1
    }

    private func reapCursor() {
        while cursor.nextUsed() != nil { cursorBusy = false }
    }

    // MARK: - Interrupts

    /// Acknowledges the interrupt; a configuration change with VIRTIO_GPU_EVENT_DISPLAY
    /// sets `displayChangePending` (the display re-reads the modes and resizes).
    public func handleInterrupt() {
        let status = transport.acknowledgeInterrupt()
        if status.contains(.configurationChange) {
            let events = transport.configRead32(GPUConfig.eventsRead)
            if events & GPUCommand.eventDisplay != 0 {
                transport.configWrite32(GPUConfig.eventsClear, GPUCommand.eventDisplay)
                displayChangePending = true
                statistics.displayChanges += 1
            }
        }
        collect()
        reapCursor()
    }

    public func acknowledgeDisplayChange() { displayChangePending = false }

    /// The used-ring problem that disabled the device, if any.
    public var brokenReason: String? { control.brokenReason ?? cursor.brokenReason }

    // MARK: - Slots

    private var freeSlots: Int { slotBusy.reduce(0) { $0 + ($1 ? 0 : 1) } }

    private func simple(_ command: UInt32, size: Int, _ body: (inout GPUCommandWriter) -> Void) throws(GPUError) {
        let slot = try submit(command, requestSize: size, responseSize: GPUCommand.headerSize, body)
        try flushAndWait()
        _ = try finish(slot, command: command, expecting: GPUCommand.okNoData)
    }

    /// Writes a command into a free slot and queues it (request readable, response writable).
    private func submit(_ command: UInt32, requestSize: Int, responseSize: Int, flags: UInt32 = 0, fence: UInt64 = 0,
                        _ body: (inout GPUCommandWriter) -> Void) throws(GPUError) -> Int {
        if brokenReason != nil { throw .virtio(.deviceBroken) }
        guard let slot = slotBusy.firstIndex(of: false) else { throw .outOfMemory }
        let base = slots.pointer + slot * VirtioGPU.slotSize
        var writer = GPUCommandWriter(base)
        writer.header(command, flags: flags, fence: fence)
        body(&writer)
        // A response header that is not overwritten reads as an error, never as OK.
        (base + VirtioGPU.responseOffset).storeBytes(of: UInt32(0), as: UInt32.self)
        let physical = slots.physicalAddress + UInt64(slot * VirtioGPU.slotSize)
        let head: UInt16
        do {
            head = try control.submit([
                VirtqueueBuffer(physicalAddress: physical, length: UInt32(writer.offset), deviceWritable: false),
                VirtqueueBuffer(physicalAddress: physical + UInt64(VirtioGPU.responseOffset), length: UInt32(responseSize), deviceWritable: true),
            ])
        } catch { throw .virtio(error) }
        slotBusy[slot] = true
        slotDone[slot] = false
        slotForHead[Int(head)] = slot
        statistics.commands += 1
        return slot
    }

    /// Kicks the device and waits until every submitted command has an answer.
    private func flushAndWait() throws(GPUError) {
        try waitUntil { $0.control.outstandingRequests == 0 }
    }

    private func waitForFreeSlots(_ count: Int) throws(GPUError) {
        try waitUntil { $0.freeSlots >= count }
    }

    /// Kicks the device, then blocks (on its interrupt, polling every 5 ms in
    /// case one is lost) until `done` holds or the device times out.
    private func waitUntil(_ done: (VirtioGPU) -> Bool) throws(GPUError) {
        control.notifyIfNeeded(transport)
        let deadline = platform.now().adding(milliseconds: VirtioGPU.timeoutMilliseconds)
        while true {
            collect()
            if brokenReason != nil { throw .virtio(.deviceBroken) }
            if done(self) { return }
            guard platform.now() < deadline else { throw .timeout(command: 0) }
            let wake = min(deadline, platform.now().adding(milliseconds: 5))
            if let interrupt {
                _ = platform.waitForInterrupt(interrupt, until: wake)
            }
        }
    }

    private func collect() {
        while let used = control.nextUsed() {
            let slot = slotForHead[Int(used.head)]
            slotForHead[Int(used.head)] = -1
            guard slot >= 0 else { continue }
            slotDone[slot] = true
            let response = slots.pointer + slot * VirtioGPU.slotSize + VirtioGPU.responseOffset
            let flags = response.load(fromByteOffset: 4, as: UInt32.self)
            if flags & GPUCommand.flagFence != 0 {
                let fence = response.load(fromByteOffset: 8, as: UInt64.self)
                if fence > completedFence { completedFence = fence; statistics.fencesCompleted += 1 }
            }
            if slotDetached[slot] {
                // A frame command: nobody waits for it; its slot is free again.
                slotDetached[slot] = false
                slotBusy[slot] = false
                let type = response.load(as: UInt32.self)
                if type != GPUCommand.okNoData {
                    statistics.frameErrors += 1
                    if frameError == nil { frameError = .response(command: GPUCommand.resourceFlush, type: type) }
                }
            }
        }
    }

    /// Frees a slot and checks its response type; returns the response bytes.
    private func finish(_ slot: Int, command: UInt32, expecting: UInt32) throws(GPUError) -> UnsafeMutableRawPointer {
        let response = slots.pointer + slot * VirtioGPU.slotSize + VirtioGPU.responseOffset
        slotBusy[slot] = false
        guard slotDone[slot] else { throw .timeout(command: command) }
        let type = response.load(as: UInt32.self)
        guard type == expecting else { throw .response(command: command, type: type) }
        return response
    }
}
