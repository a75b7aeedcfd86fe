import Platform
import Wire
import VirtIO

/// virtio-input config space selectors (§5.8.4).
public enum InputConfigSelect {
    public static let unset: UInt8 = 0x00
    public static let name: UInt8 = 0x01
    public static let serial: UInt8 = 0x02
    public static let deviceIDs: UInt8 = 0x03
    public static let propertyBits: UInt8 = 0x10
    /// subsel: the event type.
    public static let eventBits: UInt8 = 0x11
    /// subsel: the axis.
    public static let absoluteInfo: UInt8 = 0x12

    /// Config layout: select u8 @0, subsel u8 @1, size u8 @2, reserved[5], union[128] @8.
    public static let selectOffset = 0
    public static let subselectOffset = 1
    public static let sizeOffset = 2
    public static let dataOffset = 8
    public static let dataCapacity = 128
}

/// Who the device says it is.
public struct InputDeviceInfo: Equatable {
    public var name: String
    public var serial: String
    public var ids: InputDeviceIDs?
    public var capabilities: InputCapabilities
    public var classes: InputDeviceClass { capabilities.classes }
    /// Config answers that broke the rules (a size over 128, a short ABS_INFO …),
    /// ignored; for the log.
    public var configAnomalies: Int

    public init(name: String = "", serial: String = "", ids: InputDeviceIDs? = nil,
                capabilities: InputCapabilities = InputCapabilities(), configAnomalies: Int = 0) {
        self.name = name
        self.serial = serial
        self.ids = ids
        self.capabilities = capabilities
        self.configAnomalies = configAnomalies
    }
}

public struct InputStatistics: Equatable {
    public var interrupts: UInt64 = 0
    /// Events taken from the event queue (well-formed ones).
    public var events: UInt64 = 0
    public var framesDelivered: UInt64 = 0
    /// Frames thrown away: SYN_DROPPED from the device, or more events than
    /// `maximumFrameEvents` without a SYN_REPORT.
    public var framesDropped: UInt64 = 0
    /// Used event buffers whose length was not 8.
    public var malformedBuffers: UInt64 = 0
    /// LED and SYN events sent on the status queue.
    public var statusEventsSent: UInt64 = 0
    public var statusBuffersReclaimed: UInt64 = 0
    /// Most events one drain took (a burst).
    public var largestDrain: Int = 0
    public var restarts: Int = 0
    public init() {}
}

/// virtio-input (§5.8): a keyboard, mouse, tablet (or anything evdev) behind
/// two queues. The event queue (0) holds device-writable 8-byte buffers the
/// device fills with events; the driver drains every used buffer on each
/// interrupt, gives it straight back, and hands the events to `frameHandler`
/// a frame (up to SYN_REPORT) at a time. The status queue (1) carries LED
/// events + SYN_REPORT to the device (`setLEDs`); its buffers come back as the
/// device consumes them.
///
/// One instance per device; any number of devices. The device's identity and
/// capabilities are read from the config space once, at initialisation.
public final class VirtioInput<P: Platform, T: VirtioTransport> {
    public static var supportedFeatures: Features { [.ringEventIndex, .version1] }
    public static var eventQueueIndex: Int { 0 }
    public static var statusQueueIndex: Int { 1 }

    public let platform: P
    public let transport: T
    public let interrupt: Int?
    public let info: InputDeviceInfo
    public private(set) var features: Features
    public private(set) var eventQueue: SplitVirtqueue<P>
    public private(set) var statusQueue: SplitVirtqueue<P>
    public private(set) var statistics = InputStatistics()
    public private(set) var stopped = false
    /// A frame longer than this (without SYN_REPORT) is dropped.
    public let maximumFrameEvents: Int

    /// Called with each complete frame, in order, from `handleInterrupt`/`poll`.
    public var frameHandler: ((InputFrame) -> Void)?

    // Event buffers: `eventSlots` × 8 bytes in one DMA allocation.
    private let eventMemory: DMABuffer
    private let eventSlots: Int
    private var eventSlotForHead: [Int]
    // Status buffers: `statusSlots` × 16 bytes: an 8-byte event the device reads,
    // then an 8-byte sink it may write. (QEMU reports the bytes it *read* as the
    // used length; the sink makes that length legal for a checking queue.)
    private let statusMemory: DMABuffer
    private let statusSlots: Int
    private var statusSlotForHead: [Int]
    private var freeStatusSlots: [Int] = []

    private var pendingFrame: [InputEvent] = []
    private var discardingFrame = false
    /// False while the queues are released (during `restart`, after a failed one).
    private var live = true

    /// LEDs as the driver wants them (only those the device has).
    public private(set) var leds: InputLEDs = []
    /// LEDs as last sent; nil until the first update.
    public private(set) var sentLEDs: InputLEDs? = nil

    /// Initialises the device: negotiation, the config queries, both queues, the
    /// event buffers posted. `eventBuffers`/`statusBuffers` are capped by the
    /// queue sizes (QEMU's are 64).
    /// The event and status queues; on failure nothing is left allocated and the
    /// device is marked FAILED.
    private static func makeQueues(platform: P, transport: T, features: Features)
        throws(VirtioError) -> (events: SplitVirtqueue<P>, status: SplitVirtqueue<P>) {
        let events: SplitVirtqueue<P>
        do {
            events = try SplitVirtqueue.create(platform: platform, transport: transport, index: eventQueueIndex,
                                               maximumSize: 64, features: features)
        } catch {
            DeviceInitialization.fail(transport)
            throw error
        }
        do {
            let status = try SplitVirtqueue.create(platform: platform, transport: transport, index: statusQueueIndex,
                                                   maximumSize: 64, features: features)
            return (events, status)
        } catch {
            events.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw error
        }
    }

    public init(platform: P, transport: T, interrupt: Int?, eventBuffers: Int = 64, statusBuffers: Int = 16,
                maximumFrameEvents: Int = 128) throws(VirtioError) {
        self.platform = platform
        self.transport = transport
        self.interrupt = interrupt
        self.maximumFrameEvents = max(1, maximumFrameEvents)
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: VirtioInput.supportedFeatures)
        features = negotiated
        info = VirtioInputConfig.readInfo(transport)

        let (events, status) = try VirtioInput.makeQueues(platform: platform, transport: transport, features: negotiated)
        eventQueue = events
        statusQueue = status
        eventSlots = max(1, min(eventBuffers, events.size))
        // Each status event takes a two-descriptor chain.
        statusSlots = max(2, min(statusBuffers, status.size / 2))
        eventSlotForHead = Array(repeating: -1, count: events.size)
        statusSlotForHead = Array(repeating: -1, count: status.size)
        guard let eventMemory = platform.allocateDMA(size: eventSlots * InputEvent.size, alignment: 64) else {
            events.release(transport: transport)
            status.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .outOfMemory
        }
        guard let statusMemory = platform.allocateDMA(size: statusSlots * 16, alignment: 64) else {
            platform.freeDMA(eventMemory)
            events.release(transport: transport)
            status.release(transport: transport)
            DeviceInitialization.fail(transport)
            throw .outOfMemory
        }
        self.eventMemory = eventMemory
        self.statusMemory = statusMemory
        freeStatusSlots = Array((0..<statusSlots).reversed())
        pendingFrame.reserveCapacity(self.maximumFrameEvents)
        DeviceInitialization.finish(transport)
        postAllEventBuffers()
    }

    // MARK: - Interrupts and draining

    /// The interrupt handler: acknowledge, then drain the event queue completely
    /// (delivering frames), reclaim status buffers and send LED changes that
    /// were waiting for them. DEVICE_NEEDS_RESET restarts the device.
    public func handleInterrupt() {
        guard !stopped, live else { return }
        statistics.interrupts += 1
        let status = transport.acknowledgeInterrupt()
        if status.contains(.configurationChange) && DeviceInitialization.needsReset(transport) {
            try? restart()
            return
        }
        service()
    }

    /// Does what the interrupt handler does, without acknowledging: for polling
    /// (no interrupt line) or to be sure nothing is left.
    public func poll() {
        guard !stopped, live else { return }
        service()
    }

    /// Why the device is no longer trusted (a queue saw nonsense), if it is not.
    public var brokenReason: String? { eventQueue.brokenReason ?? statusQueue.brokenReason }

    private func service() {
        drainEvents()
        reclaimStatusBuffers()
        flushLEDs()
    }

    /// Takes every used event buffer, giving each straight back to the device,
    /// until the used ring is empty. Bounded (16 rings' worth) only against a
    /// device that completes faster than we can take: it interrupts again for the rest.
    private func drainEvents() {
        var taken = 0
        var resubmitted = false
        let limit = 16 * eventQueue.size
        while taken < limit, let used = eventQueue.nextUsed() {
            taken += 1
            let head = Int(used.head)
            let slot = eventSlotForHead[head]
            eventSlotForHead[head] = -1
            guard slot >= 0 else { continue }
            var event: InputEvent? = nil
            if used.length == UInt32(InputEvent.size) {
                event = InputEvent(loadingFrom: eventMemory.pointer + slot * InputEvent.size)
            } else {
                statistics.malformedBuffers += 1
            }
            if postEventBuffer(slot) { resubmitted = true }
            if let event { process(event) }
            // The frame handler may have shut the device down or restarted it.
            guard !stopped, live else { return }
        }
        if taken > statistics.largestDrain { statistics.largestDrain = taken }
        if resubmitted { eventQueue.notifyIfNeeded(transport) }
    }

    private func postAllEventBuffers() {
        var posted = false
        for slot in 0..<eventSlots where postEventBuffer(slot) { posted = true }
        if posted { eventQueue.notifyIfNeeded(transport) }
    }

    /// Puts event buffer `slot` in the available ring (without notifying).
    private func postEventBuffer(_ slot: Int) -> Bool {
        // Zero it, so a device that claims 8 bytes without writing them is read as a no-op event.
        (eventMemory.pointer + slot * InputEvent.size).initializeMemory(as: UInt8.self, repeating: 0, count: InputEvent.size)
        let buffer = VirtqueueBuffer(physicalAddress: eventMemory.physicalAddress + UInt64(slot * InputEvent.size),
                                     length: UInt32(InputEvent.size), deviceWritable: true)
        guard let head = try? eventQueue.submit([buffer]) else { return false }
        eventSlotForHead[Int(head)] = slot
        return true
    }

    /// Groups events into frames by SYN_REPORT (SYN_DROPPED discards up to the
    /// next report, as evdev does).
    private func process(_ event: InputEvent) {
        statistics.events += 1
        if event.type == InputEventType.synchronize {
            switch event.code {
            case SynchronizeCode.report:
                if discardingFrame {
                    discardingFrame = false
                } else if !pendingFrame.isEmpty {
                    let frame = InputFrame(events: pendingFrame)
                    pendingFrame.removeAll(keepingCapacity: true)
                    statistics.framesDelivered += 1
                    frameHandler?(frame)
                }
                pendingFrame.removeAll(keepingCapacity: true)
                return
            case SynchronizeCode.dropped:
                if !discardingFrame { statistics.framesDropped += 1 }
                pendingFrame.removeAll(keepingCapacity: true)
                discardingFrame = true
                return
            case SynchronizeCode.config:
                return
            default:
                break  // SYN_MT_REPORT separates contacts inside a frame: keep it.
            }
        }
        guard !discardingFrame else { return }
        guard pendingFrame.count < maximumFrameEvents else {
            statistics.framesDropped += 1
            pendingFrame.removeAll(keepingCapacity: true)
            discardingFrame = true
            return
        }
        pendingFrame.append(event)
    }

    // MARK: - LEDs (status queue)

    /// Sets the keyboard LEDs (bit n = LED code n; only LEDs the device has
    /// count). Sends EV_LED for each LED that changed (all of them the first
    /// time) and a SYN_REPORT, as one batch; if the status queue has no room,
    /// the newest state is sent when the device returns buffers. Returns false
    /// if the device has no LEDs.
    @discardableResult
    public func setLEDs(_ leds: InputLEDs) -> Bool {
        let supported = info.capabilities.supportedLEDs
        guard !supported.isEmpty else { return false }
        self.leds = leds.intersection(supported)
        guard !stopped, live else { return true }
        reclaimStatusBuffers()
        flushLEDs()
        return true
    }

    /// Whether an LED change is waiting for status buffers.
    public var ledUpdatePending: Bool { sentLEDs != leds && !info.capabilities.supportedLEDs.isEmpty }

    private func flushLEDs() {
        let supported = info.capabilities.supportedLEDs
        guard !stopped, live, !supported.isEmpty, sentLEDs != leds, !statusQueue.isBroken else { return }
        var changed: [UInt16] = []
        for code in UInt16(0)..<16 where supported.contains(InputLEDs(rawValue: 1 << code)) {
            let bit = InputLEDs(rawValue: 1 << code)
            if let sent = sentLEDs, sent.contains(bit) == leds.contains(bit) { continue }
            changed.append(code)
        }
        // EV_LED events only, as Linux sends: QEMU's status handler takes no
        // other type (an EV_SYN makes it print "unknown type 0" on the user's
        // terminal), and each event is applied as it comes.
        let needed = changed.count
        guard freeStatusSlots.count >= needed, statusQueue.freeCount >= 2 * needed else { return }
        for code in changed {
            sendStatus(InputEvent(type: InputEventType.led, code: code,
                                  value: leds.contains(InputLEDs(rawValue: 1 << code)) ? 1 : 0))
        }
        sentLEDs = leds
        statusQueue.notifyIfNeeded(transport)
    }

    private func sendStatus(_ event: InputEvent) {
        guard let slot = freeStatusSlots.popLast() else { return }
        let base = statusMemory.pointer + slot * 16
        event.store(to: base)
        (base + 8).initializeMemory(as: UInt8.self, repeating: 0, count: 8)
        let address = statusMemory.physicalAddress + UInt64(slot * 16)
        let chain = [VirtqueueBuffer(physicalAddress: address, length: 8, deviceWritable: false),
                     VirtqueueBuffer(physicalAddress: address + 8, length: 8, deviceWritable: true)]
        guard let head = try? statusQueue.submit(chain) else {
            freeStatusSlots.append(slot)
            return
        }
        statusSlotForHead[Int(head)] = slot
        statistics.statusEventsSent += 1
    }

    private func reclaimStatusBuffers() {
        guard !stopped, live else { return }
        var reclaimed = 0
        while reclaimed < statusQueue.size, let used = statusQueue.nextUsed() {
            reclaimed += 1
            let head = Int(used.head)
            let slot = statusSlotForHead[head]
            statusSlotForHead[head] = -1
            if slot >= 0 { freeStatusSlots.append(slot) }
            statistics.statusBuffersReclaimed += 1
        }
    }

    // MARK: - Lifecycle

    /// Resets the device and sets it up again (new queues, every event buffer
    /// posted, the LEDs sent again); a partial frame is dropped. For
    /// DEVICE_NEEDS_RESET, or to recover after a queue broke.
    public func restart() throws(VirtioError) {
        guard !stopped else { return }
        transport.reset()
        if live {
            eventQueue.release(transport: transport)
            statusQueue.release(transport: transport)
            live = false
        }
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: VirtioInput.supportedFeatures)
        let (events, status) = try VirtioInput.makeQueues(platform: platform, transport: transport, features: negotiated)
        // The new queues may be smaller; a device that shrank them below our
        // buffer counts gets fewer buffers (the extra slots stay idle).
        features = negotiated
        eventQueue = events
        statusQueue = status
        eventSlotForHead = Array(repeating: -1, count: events.size)
        statusSlotForHead = Array(repeating: -1, count: status.size)
        freeStatusSlots = Array((0..<statusSlots).reversed())
        pendingFrame.removeAll(keepingCapacity: true)
        discardingFrame = false
        sentLEDs = nil
        live = true
        statistics.restarts += 1
        DeviceInitialization.finish(transport)
        postAllEventBuffers()
        flushLEDs()
    }

    /// Stops the device and gives its memory back.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        transport.reset()
        if live {
            eventQueue.release(transport: transport)
            statusQueue.release(transport: transport)
            live = false
        }
        platform.freeDMA(eventMemory)
        platform.freeDMA(statusMemory)
    }
}

/// The config-space queries (§5.8.4): write select and subsel (8-bit writes),
/// read size, then that many bytes of the union.
public enum VirtioInputConfig {
    /// The answer to one query: the data bytes, or nil when the device's size
    /// is impossible (over 128).
    public static func query<T: VirtioTransport>(_ transport: T, select: UInt8, subselect: UInt8) -> [UInt8]? {
        transport.configWrite8(InputConfigSelect.selectOffset, select)
        transport.configWrite8(InputConfigSelect.subselectOffset, subselect)
        let size = Int(transport.configRead8(InputConfigSelect.sizeOffset))
        guard size <= InputConfigSelect.dataCapacity else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for index in 0..<size { bytes.append(transport.configRead8(InputConfigSelect.dataOffset + index)) }
        return bytes
    }

    /// Event types whose EV_BITS Lumen reads.
    static let eventTypes: [UInt16] = [InputEventType.key, InputEventType.relative, InputEventType.absolute,
                                       InputEventType.miscellaneous, InputEventType.switchEvent, InputEventType.led,
                                       InputEventType.sound, InputEventType.autorepeat, InputEventType.forceFeedback]

    /// Reads name, serial, IDs, properties, event bits and ABS_INFO, then
    /// leaves select at 0 (§5.8.5: nothing selected).
    public static func readInfo<T: VirtioTransport>(_ transport: T) -> InputDeviceInfo {
        var info = InputDeviceInfo()
        var anomalies = 0
        func ask(_ select: UInt8, _ subselect: UInt8) -> [UInt8] {
            guard let bytes = query(transport, select: select, subselect: subselect) else {
                anomalies += 1
                return []
            }
            return bytes
        }
        info.name = text(ask(InputConfigSelect.name, 0))
        info.serial = text(ask(InputConfigSelect.serial, 0))
        let ids = ask(InputConfigSelect.deviceIDs, 0)
        if ids.count >= 8 {
            info.ids = InputDeviceIDs(bustype: le16(ids, 0), vendor: le16(ids, 2), product: le16(ids, 4), version: le16(ids, 6))
        } else if !ids.isEmpty {
            anomalies += 1
        }
        var capabilities = InputCapabilities()
        capabilities.properties = InputBitmap(bytes: ask(InputConfigSelect.propertyBits, 0))
        var typeBits = [UInt8](repeating: 0, count: 4)
        for type in eventTypes {
            let bytes = ask(InputConfigSelect.eventBits, UInt8(type))
            let bitmap = InputBitmap(bytes: bytes)
            // EV_REP announces itself with an (empty) answer of any size.
            if !bitmap.isEmpty || (type == InputEventType.autorepeat && !bytes.isEmpty) {
                typeBits[Int(type) / 8] |= 1 << UInt8(type % 8)
            }
            switch type {
            case InputEventType.key: capabilities.keys = bitmap
            case InputEventType.relative: capabilities.relativeAxes = bitmap
            case InputEventType.absolute: capabilities.absoluteAxes = bitmap
            case InputEventType.led: capabilities.leds = bitmap
            default: break
            }
        }
        capabilities.eventTypes = InputBitmap(bytes: typeBits)
        for axis in 0..<AbsoluteAxis.count where capabilities.absoluteAxes.contains(axis) {
            let bytes = ask(InputConfigSelect.absoluteInfo, UInt8(axis))
            // min and max are needed; fuzz, flat, res default to 0 if the answer is short.
            guard bytes.count >= 8 else {
                anomalies += 1
                continue
            }
            capabilities.absoluteInfo.append(AbsoluteAxisInfo(
                axis: UInt16(axis), minimum: le32(bytes, 0), maximum: le32(bytes, 4),
                fuzz: le32(bytes, 8), flat: le32(bytes, 12), resolution: le32(bytes, 16)))
        }
        info.capabilities = capabilities
        info.configAnomalies = anomalies
        transport.configWrite8(InputConfigSelect.selectOffset, InputConfigSelect.unset)
        transport.configWrite8(InputConfigSelect.subselectOffset, 0)
        return info
    }

    /// A config string: up to the first NUL, invalid UTF-8 repaired.
    static func text(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// Little-endian fields of a config answer; 0 where the answer is too short.
    static func le16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        offset + 2 <= bytes.count ? LittleEndian.u16(bytes, offset) : 0
    }

    static func le32(_ bytes: [UInt8], _ offset: Int) -> Int32 {
        offset + 4 <= bytes.count ? Int32(bitPattern: LittleEndian.u32(bytes, offset)) : 0
    }
}
