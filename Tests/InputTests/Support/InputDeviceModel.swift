import Platform
import VirtIO
import Drivers

/// A virtio-input device (type 18) on top of `ModelDevice`: the select/subsel
/// config protocol answered from a table, an event queue the test fills with
/// events the way QEMU does (a frame only when buffers for all of it are
/// available, otherwise the frame is dropped), and a status queue whose events
/// are recorded and whose buffers are returned with the length QEMU reports
/// (the bytes it read).
final class InputDeviceModel {
    let device: ModelDevice
    /// (select << 8 | subsel) → data bytes.
    var answers: [UInt16: [UInt8]] = [:]
    /// Replaces the size byte of every answer (hostile devices).
    var sizeOverride: UInt8? = nil
    /// Config queries seen: (select, subsel).
    private(set) var queries: [(UInt8, UInt8)] = []
    /// Status events the device consumed, in order.
    private(set) var statusEvents: [InputEvent] = []
    /// Frames the device had to drop because the event queue lacked buffers.
    private(set) var framesDroppedByDevice = 0
    /// The used length reported for status buffers (QEMU: 8, the bytes it read).
    var statusUsedLength: UInt32 = 8
    private var frame: [InputEvent] = []

    init(device: ModelDevice) {
        self.device = device
        // Buffers are completed only by this model, never with ModelDevice's pattern.
        device.stalled = true
    }

    static func key(_ select: UInt8, _ subselect: UInt8) -> UInt16 { UInt16(select) << 8 | UInt16(subselect) }

    func answer(_ select: UInt8, _ subselect: UInt8, _ bytes: [UInt8]) {
        answers[InputDeviceModel.key(select, subselect)] = bytes
    }

    func answer(_ select: UInt8, _ subselect: UInt8 = 0, string: String) {
        answer(select, subselect, Array(string.utf8) + [0])
    }

    /// A bitmap answer with `bits` set (size: up to the last non-zero byte).
    func answer(_ select: UInt8, _ subselect: UInt8, bits: [Int]) {
        var bytes: [UInt8] = []
        for bit in bits {
            while bytes.count <= bit / 8 { bytes.append(0) }
            bytes[bit / 8] |= 1 << UInt8(bit % 8)
        }
        answer(select, subselect, bytes)
    }

    func absInfo(axis: UInt8, minimum: Int32, maximum: Int32, fuzz: Int32 = 0, flat: Int32 = 0, resolution: Int32 = 0) {
        var bytes: [UInt8] = []
        for value in [minimum, maximum, fuzz, flat, resolution] {
            let raw = UInt32(bitPattern: value)
            bytes += [UInt8(truncatingIfNeeded: raw), UInt8(truncatingIfNeeded: raw >> 8),
                      UInt8(truncatingIfNeeded: raw >> 16), UInt8(truncatingIfNeeded: raw >> 24)]
        }
        answer(InputConfigSelect.absoluteInfo, axis, bytes)
    }

    /// Called after every config write: a write to select or subsel fills size and data.
    func configWritten(offset: Int) {
        guard offset == InputConfigSelect.selectOffset || offset == InputConfigSelect.subselectOffset else { return }
        let select = device.config[0], subselect = device.config[1]
        if offset == InputConfigSelect.subselectOffset { queries.append((select, subselect)) }
        let data = answers[InputDeviceModel.key(select, subselect)] ?? []
        let size = min(data.count, 128)
        device.config[2] = sizeOverride ?? UInt8(size)
        for index in 8..<device.config.count {
            let position = index - 8
            device.config[index] = position < size ? data[position] : 0
        }
    }

    // MARK: - Event queue

    /// Event buffers the driver has made available (taken into the model).
    var availableEventBuffers: Int {
        device.fetch(0)
        return device.queues[0].pending.count
    }

    /// Sends events as QEMU's `virtio_input_send` does: they collect until
    /// SYN_REPORT, then the frame is written only if enough buffers are
    /// available for all of it (otherwise dropped). Returns whether it was written.
    /// Interrupts (if asked) only after the whole frame is in the used ring.
    @discardableResult
    func send(_ event: InputEvent, interrupt: Bool = true) -> Bool {
        frame.append(event)
        guard event.type == InputEventType.synchronize && event.code == SynchronizeCode.report else { return true }
        defer { frame.removeAll() }
        return write(frame, interrupt: interrupt)
    }

    /// Writes `events` into available buffers regardless of frames (nil if not
    /// enough buffers: nothing is written).
    @discardableResult
    func write(_ events: [InputEvent], interrupt: Bool = true, usedLength: UInt32 = 8) -> Bool {
        device.fetch(0)
        let queue = device.queues[0]
        guard queue.pending.count >= events.count else {
            framesDroppedByDevice += 1
            return false
        }
        let old = queue.usedIndex
        for event in events {
            let request = queue.pending.removeFirst()
            if let buffer = request.buffers.first, buffer.writable, buffer.length >= 8,
               let pointer = device.memory.pointer(to: buffer.address, length: 8) {
                event.store(to: pointer)
            } else {
                device.violation("event buffer is not an 8-byte device-writable buffer")
            }
            device.pushUsedRaw(0, id: UInt32(request.head), length: usedLength)
        }
        if interrupt { interruptIfWanted(queue: 0, old: old) }
        return true
    }

    /// Completes one available event buffer with a raw used length (hostile tests).
    func completeRaw(length: UInt32) {
        device.fetch(0)
        let queue = device.queues[0]
        guard !queue.pending.isEmpty else { return }
        let request = queue.pending.removeFirst()
        if let pointer = device.memory.pointer(to: request.buffers[0].address, length: 8) {
            InputEvent(type: 1, code: 30, value: 1).store(to: pointer)
        }
        device.pushUsedRaw(0, id: UInt32(request.head), length: length)
    }

    /// Raises the used-buffer interrupt if the driver asked for one (EVENT_IDX
    /// used_event, or the NO_INTERRUPT flag).
    func interruptIfWanted(queue index: Int, old: UInt16) {
        let new = device.queues[index].usedIndex
        guard new != old else { return }
        let wanted: Bool
        if device.negotiated(.ringEventIndex) {
            wanted = RingIndex.needEvent(event: device.usedEvent(index), new: new, old: old)
        } else {
            wanted = device.availFlags(index) & 1 == 0
        }
        if wanted { device.raiseInterrupt(.usedBuffer) }
    }

    // MARK: - Status queue

    /// Status buffers the driver has made available and the model has not completed.
    var pendingStatusBuffers: Int {
        device.fetch(1)
        return device.queues[1].pending.count
    }

    /// Consumes every available status buffer (as QEMU does when kicked):
    /// records its event, returns it with `statusUsedLength`. Returns the events.
    @discardableResult
    func serviceStatus(interrupt: Bool = true) -> [InputEvent] {
        device.fetch(1)
        let queue = device.queues[1]
        let old = queue.usedIndex
        var consumed: [InputEvent] = []
        while !queue.pending.isEmpty {
            let request = queue.pending.removeFirst()
            guard let first = request.buffers.first, !first.writable, first.length == 8,
                  let pointer = device.memory.pointer(to: first.address, length: 8) else {
                device.violation("status buffer does not start with an 8-byte device-readable event")
                device.pushUsedRaw(1, id: UInt32(request.head), length: 0)
                continue
            }
            let event = InputEvent(loadingFrom: pointer)
            consumed.append(event)
            statusEvents.append(event)
            device.pushUsedRaw(1, id: UInt32(request.head), length: statusUsedLength)
        }
        if interrupt { interruptIfWanted(queue: 1, old: old) }
        return consumed
    }
}

/// The register window of an input model: forwards to the `ModelDevice` and
/// lets the input model answer config selects.
struct InputModelRegisters: DeviceRegisters {
    let inner: ModelRegisters
    let model: InputDeviceModel
    var base: UInt64 { inner.base }
    var size: Int { inner.size }

    func read8(_ offset: Int) -> UInt8 { inner.read8(offset) }
    func read16(_ offset: Int) -> UInt16 { inner.read16(offset) }
    func read32(_ offset: Int) -> UInt32 { inner.read32(offset) }
    func read64(_ offset: Int) -> UInt64 { inner.read64(offset) }
    func write8(_ offset: Int, _ value: UInt8) { inner.write8(offset, value); configWritten(offset) }
    func write16(_ offset: Int, _ value: UInt16) { inner.write16(offset, value); configWritten(offset) }
    func write32(_ offset: Int, _ value: UInt32) { inner.write32(offset, value); configWritten(offset) }
    func write64(_ offset: Int, _ value: UInt64) { inner.write64(offset, value); configWritten(offset) }

    private func configWritten(_ offset: Int) {
        if offset >= 0x100 { model.configWritten(offset: offset - 0x100) }
    }
}

typealias InputTransport = MMIOTransport<InputModelRegisters>
typealias TestInput = VirtioInput<TestPlatform, InputTransport>

/// evdev numbers the tests use.
enum EV {
    static let syn: UInt16 = 0, key: UInt16 = 1, rel: UInt16 = 2, abs: UInt16 = 3, led: UInt16 = 0x11, rep: UInt16 = 0x14
    static func report() -> InputEvent { InputEvent(type: syn, code: 0, value: 0) }
    static func dropped() -> InputEvent { InputEvent(type: syn, code: 3, value: 0) }
    static func keyEvent(_ code: UInt16, _ value: Int32) -> InputEvent { InputEvent(type: key, code: code, value: value) }
}

/// Where test devices sit: QEMU virt's slots, from the top.
func slotAddress(_ slot: Int) -> UInt64 { 0x0a00_0000 + UInt64(slot) * 0x200 }

enum InputModelKind {
    case keyboard, mouse, tablet
}

/// A platform with a device model whose config answers like QEMU's
/// virtio-keyboard / virtio-mouse / virtio-tablet.
struct InputSetup {
    let platform: TestPlatform
    let device: ModelDevice
    let model: InputDeviceModel
    let transport: InputTransport

    static let line = 48 + 31

    init(platform: TestPlatform = TestPlatform(), slot: Int = 31, kind: InputModelKind = .keyboard, version: UInt32 = 2,
         eventIndex: Bool = true, queueSizes: [Int] = [64, 64], configure: (InputDeviceModel) -> Void = { _ in }) throws {
        self.platform = platform
        var features: Features = eventIndex ? [.ringEventIndex] : []
        if version == 2 { features.insert(.version1) }
        device = platform.addDevice(at: slotAddress(slot), version: version, deviceID: DeviceType.input, features: features,
                                    queueSizes: queueSizes, interrupt: 48 + slot, configSize: 136)
        model = InputDeviceModel(device: device)
        switch kind {
        case .keyboard:
            model.answer(InputConfigSelect.name, string: "QEMU Virtio Keyboard")
            model.answer(InputConfigSelect.deviceIDs, 0, [6, 0, 0x27, 0x06, 1, 0, 1, 0])
            model.answer(InputConfigSelect.eventBits, UInt8(EV.rep), [])
            model.answer(InputConfigSelect.eventBits, UInt8(EV.led), bits: [0, 1, 2])
            model.answer(InputConfigSelect.eventBits, UInt8(EV.key), bits: Array(1...88) + Array(96...127))
            // QEMU's EV_REP answer has size 1 and an empty bitmap.
            model.answers[InputDeviceModel.key(InputConfigSelect.eventBits, UInt8(EV.rep))] = [0]
        case .mouse:
            model.answer(InputConfigSelect.name, string: "QEMU Virtio Mouse")
            model.answer(InputConfigSelect.eventBits, UInt8(EV.rel), bits: [0, 1, 8])
            model.answer(InputConfigSelect.eventBits, UInt8(EV.key), bits: [0x110, 0x111, 0x112, 0x113, 0x114])
        case .tablet:
            model.answer(InputConfigSelect.name, string: "QEMU Virtio Tablet")
            model.answer(InputConfigSelect.eventBits, UInt8(EV.abs), bits: [0, 1])
            model.answer(InputConfigSelect.eventBits, UInt8(EV.key), bits: [0x110, 0x111, 0x112])
            model.absInfo(axis: 0, minimum: 0, maximum: 0x7fff)
            model.absInfo(axis: 1, minimum: 0, maximum: 0x7fff)
        }
        configure(model)
        guard let inner = platform.registers(at: slotAddress(slot)) else { throw VirtioError.noDevice }
        transport = try MMIOTransport(registers: InputModelRegisters(inner: inner, model: model))
    }

    /// The driver, with its frames collected into `frames` and its interrupt handler registered.
    func makeDriver(eventBuffers: Int = 64, statusBuffers: Int = 16, maximumFrameEvents: Int = 128,
                    frames: FrameLog) throws -> TestInput {
        let line = device.interruptLine
        let input = try TestInput(platform: platform, transport: transport, interrupt: line, eventBuffers: eventBuffers,
                                  statusBuffers: statusBuffers, maximumFrameEvents: maximumFrameEvents)
        input.frameHandler = { frames.frames.append($0) }
        if let line { _ = platform.registerInterrupt(line) { [weak input] in input?.handleInterrupt() } }
        return input
    }

    /// Runs the interrupt handlers of raised lines, as the kernel's event loop would.
    func deliverInterrupts() {
        if device.interruptStatus != 0, let line = device.interruptLine { platform.handlers[line]?() }
    }
}

final class FrameLog {
    var frames: [InputFrame] = []
}
