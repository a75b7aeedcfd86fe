import Platform
import VirtIO

/// A descriptor as the device read it from guest memory.
struct ModelDescriptor: Equatable, CustomStringConvertible {
    var address: UInt64
    var length: UInt32
    var flags: UInt16
    var next: UInt16
    var description: String { "desc(addr: \(address), len: \(length), flags: \(flags), next: \(next))" }
}

/// One buffer of a request, after following NEXT chains and indirect tables.
struct ModelBuffer: Equatable {
    var address: UInt64
    var length: UInt32
    var writable: Bool
}

/// A request the device took from an available ring.
struct ModelRequest {
    let queue: Int
    let head: UInt16
    /// The avail ring index it was published at.
    let availIndex: UInt16
    let headDescriptor: ModelDescriptor
    /// Descriptors of the queue's own table the chain occupies, head first.
    let ringDescriptors: [UInt16]
    /// Raw entries of the indirect table, if the head was INDIRECT.
    let indirectTable: [ModelDescriptor]?
    let buffers: [ModelBuffer]
    var writableBytes: Int { buffers.reduce(0) { $0 + ($1.writable ? Int($1.length) : 0) } }
}

/// Ways the model can break the used-ring protocol (each is used once, on the
/// next device turn).
enum ModelHostility: CaseIterable {
    /// A used id ≥ queue size.
    case outOfRangeID
    /// A used id naming a descriptor on the driver's free list.
    case freeDescriptorID
    /// A used id naming the second descriptor of an in-flight chain (not a head).
    case nonHeadDescriptorID
    /// The same head completed twice.
    case repeatedID
    /// A length larger than the request's device-writable buffers.
    case overlongLength
    /// The used index moves by more than the queue size.
    case indexJump
    /// The used index moves backwards (a jump of 65535).
    case indexBackwards

    /// Whether the act needs a request in flight (it waits for one).
    var needsRequest: Bool {
        switch self {
        case .nonHeadDescriptorID, .repeatedID, .overlongLength: return true
        case .outOfRangeID, .freeDescriptorID, .indexJump, .indexBackwards: return false
        }
    }
}

enum ModelCompletionOrder {
    case fifo
    case lifo
    /// A deterministic shuffle.
    case shuffled(seed: UInt64)
}

/// What the device does with `avail_event` when EVENT_IDX is negotiated.
enum AvailEventPolicy: Equatable {
    /// After taking buffers, ask to be notified for the very next one.
    case notifyNext
    /// Leave it to the test (`setAvailEvent`); the device then polls instead of waiting for kicks.
    case manual
}

/// One queue's device-side state.
final class ModelQueue {
    let maximumSize: Int
    // Registers.
    var size = 0
    var ready = false
    var pfn: UInt32 = 0
    var align: UInt32 = 0
    var descriptorLow: UInt32 = 0, descriptorHigh: UInt32 = 0
    var driverLow: UInt32 = 0, driverHigh: UInt32 = 0
    var deviceLow: UInt32 = 0, deviceHigh: UInt32 = 0
    // Device side of the ring.
    var lastAvail: UInt16 = 0
    var usedIndex: UInt16 = 0
    var pending: [ModelRequest] = []
    /// Every request taken, in order (when `ModelDevice.keepsLog`).
    var log: [ModelRequest] = []
    var taken = 0
    var completed = 0
    var notifications = 0
    var notifiedSinceTurn = false
    var noNotify = false
    var availEventPolicy: AvailEventPolicy = .notifyNext

    init(maximumSize: Int) { self.maximumSize = maximumSize }

    func resetDeviceSide() {
        size = 0; ready = false; pfn = 0; align = 0
        descriptorLow = 0; descriptorHigh = 0; driverLow = 0; driverHigh = 0; deviceLow = 0; deviceHigh = 0
        lastAvail = 0; usedIndex = 0; pending = []; notifiedSinceTurn = false
    }
}

/// A Swift model of a virtio-mmio device (VirtIO 1.2 §4.2): the register file of
/// version 1 (legacy) and version 2 (modern), a config space, and the device side
/// of split virtqueues in guest memory — with knobs to misbehave.
///
/// Anything the driver does that the spec forbids is recorded in `violations`
/// (tests assert it stays empty), never trapped on.
final class ModelDevice {
    // Identity.
    var magic: UInt32 = 0x7472_6976
    var version: UInt32
    var deviceID: UInt32
    var vendorID: UInt32 = 0x554d_4551  // "QEMU"
    var deviceFeatures: UInt64
    var interruptLine: Int?
    let memory: GuestMemory

    // Registers.
    private(set) var driverFeatures: UInt64 = 0
    private(set) var deviceFeaturesSelect: UInt32 = 0
    private(set) var driverFeaturesSelect: UInt32 = 0
    private(set) var deviceFeaturesSelectWrites: [UInt32] = []
    private(set) var driverFeaturesWrites: [(select: UInt32, value: UInt32)] = []
    private(set) var guestPageSize: UInt32 = 0
    private(set) var queueSelect: UInt32 = 0
    let queues: [ModelQueue]
    private(set) var status: UInt32 = 0
    private(set) var statusWrites: [UInt32] = []
    private(set) var statusReads = 0
    var interruptStatus: UInt32 = 0
    private(set) var interruptAcknowledgements: [UInt32] = []
    /// Runs after each InterruptStatus read (to raise an interrupt "meanwhile").
    var afterInterruptStatusRead: (() -> Void)? = nil
    var config: [UInt8]
    var configGeneration: UInt32 = 0
    private(set) var configGenerationReads = 0
    private(set) var configReads = 0
    /// For this many more config-space reads, each read is followed by a device-side
    /// change: the 64-bit field at offset 0 grows by 0x1_0000_0001 and the
    /// generation is bumped — so a torn read sees low ≠ high.
    var configChurnReads = 0
    /// Refuse FEATURES_OK (modern): the bit does not stick.
    var refuseFeaturesOK = false
    /// After a reset, the status keeps reading its old value this many times.
    var resetLatencyReads = 0
    private var resetReadsRemaining = 0
    private var statusBeforeReset: UInt32 = 0
    private(set) var resets = 0
    private(set) var violations: [String] = []
    private(set) var accessCount = 0

    // Behaviour.
    /// Only queues that were notified since the last turn are serviced (unless they
    /// poll: NO_NOTIFY set or a manual avail_event). A missed kick then stalls.
    var requiresNotification = true
    /// Take buffers but complete nothing.
    var stalled = false
    /// Complete at most this many more requests (nil: no limit).
    var completionBudget: Int? = nil
    var completionOrder: ModelCompletionOrder = .fifo
    var hostility: ModelHostility? = nil
    /// Fill device-writable buffers with `patternByte(position)` as requests complete.
    var fillsWithPattern = true
    private(set) var patternPosition: UInt64 = 0
    /// The used length to report (default: all writable bytes).
    var usedLength: ((ModelRequest) -> UInt32)? = nil
    var keepsLog = true
    /// Queues whose requests the device takes but does not complete by itself: a
    /// backend completes them with `publishHeld` when it has something to put in
    /// them (virtio-net's receive buffers wait for frames).
    var heldQueues: Set<Int> = []
    private(set) var interruptsRaised = 0
    private(set) var interruptsSuppressed = 0
    private var shuffleState: UInt64 = 0

    static let descNext: UInt16 = 1
    static let descWrite: UInt16 = 2
    static let descIndirect: UInt16 = 4

    init(memory: GuestMemory, version: UInt32, deviceID: UInt32, features: UInt64, queueSizes: [Int],
         configSize: Int = 64, interruptLine: Int? = nil) {
        self.memory = memory
        self.version = version
        self.deviceID = deviceID
        self.deviceFeatures = features
        self.queues = queueSizes.map { ModelQueue(maximumSize: $0) }
        self.config = Array(repeating: 0, count: configSize)
        self.interruptLine = interruptLine
    }

    static func patternByte(_ position: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: (position &* 0x9E37_79B9_7F4A_7C15) >> 56 ^ position)
    }

    var isLegacy: Bool { version == 1 }
    var negotiated: UInt64 { driverFeatures }
    func negotiated(_ feature: Features) -> Bool { driverFeatures & feature.rawValue == feature.rawValue }
    var deviceStatus: DeviceStatus { DeviceStatus(rawValue: status) }

    func violation(_ text: String) { violations.append(text) }

    // MARK: - Register file

    enum Offset {
        static let magic = 0x000, version = 0x004, deviceID = 0x008, vendorID = 0x00c
        static let deviceFeatures = 0x010, deviceFeaturesSel = 0x014
        static let driverFeatures = 0x020, driverFeaturesSel = 0x024
        static let guestPageSize = 0x028, queueSel = 0x030, queueNumMax = 0x034, queueNum = 0x038
        static let queueAlign = 0x03c, queuePFN = 0x040, queueReady = 0x044, queueNotify = 0x050
        static let interruptStatus = 0x060, interruptACK = 0x064, status = 0x070
        static let queueDescLow = 0x080, queueDescHigh = 0x084, queueDriverLow = 0x090, queueDriverHigh = 0x094
        static let queueDeviceLow = 0x0a0, queueDeviceHigh = 0x0a4, configGeneration = 0x0fc, config = 0x100
    }

    private var selectedQueue: ModelQueue? {
        Int(queueSelect) < queues.count ? queues[Int(queueSelect)] : nil
    }

    private func modernOnly(_ name: String) -> Bool {
        if isLegacy { violation("legacy device: access to modern-only register " + name) }
        return !isLegacy
    }

    private func legacyOnly(_ name: String) -> Bool {
        if !isLegacy { violation("modern device: access to legacy-only register " + name) }
        return isLegacy
    }

    func readRegister(_ offset: Int, width: Int) -> UInt64 {
        accessCount += 1
        if offset >= Offset.config { return readConfig(offset - Offset.config, width: width) }
        guard width == 4 else {
            violation("register \(offset) read with width \(width)")
            return 0
        }
        switch offset {
        case Offset.magic: return UInt64(magic)
        case Offset.version: return UInt64(version)
        case Offset.deviceID: return UInt64(deviceID)
        case Offset.vendorID: return UInt64(vendorID)
        case Offset.deviceFeatures:
            switch deviceFeaturesSelect {
            case 0: return deviceFeatures & 0xffff_ffff
            case 1: return isLegacy ? 0 : deviceFeatures >> 32
            default: return 0
            }
        case Offset.queueNumMax: return UInt64(selectedQueue?.maximumSize ?? 0)
        case Offset.queuePFN:
            guard legacyOnly("QueuePFN") else { return 0 }
            return UInt64(selectedQueue?.pfn ?? 0)
        case Offset.queueReady:
            guard modernOnly("QueueReady") else { return 0 }
            return (selectedQueue?.ready ?? false) ? 1 : 0
        case Offset.interruptStatus:
            let value = interruptStatus
            afterInterruptStatusRead?()
            return UInt64(value)
        case Offset.status:
            statusReads += 1
            if resetReadsRemaining > 0 {
                resetReadsRemaining -= 1
                return UInt64(statusBeforeReset)
            }
            return UInt64(status)
        case Offset.configGeneration:
            guard modernOnly("ConfigGeneration") else { return 0 }
            configGenerationReads += 1
            return UInt64(configGeneration)
        default:
            violation("read of write-only or unknown register \(offset)")
            return 0
        }
    }

    func writeRegister(_ offset: Int, _ value: UInt64, width: Int) {
        accessCount += 1
        if offset >= Offset.config {
            writeConfig(offset - Offset.config, value, width: width)
            return
        }
        guard width == 4 else {
            violation("register \(offset) written with width \(width)")
            return
        }
        let value = UInt32(truncatingIfNeeded: value)
        switch offset {
        case Offset.deviceFeaturesSel:
            deviceFeaturesSelect = value
            deviceFeaturesSelectWrites.append(value)
        case Offset.driverFeaturesSel:
            driverFeaturesSelect = value
        case Offset.driverFeatures:
            driverFeaturesWrites.append((driverFeaturesSelect, value))
            if status & DeviceStatus.featuresOK.rawValue != 0 { violation("driver features written after FEATURES_OK") }
            switch driverFeaturesSelect {
            case 0: driverFeatures = driverFeatures & 0xffff_ffff_0000_0000 | UInt64(value)
            case 1:
                if isLegacy { violation("legacy device: driver features select 1") }
                driverFeatures = driverFeatures & 0xffff_ffff | UInt64(value) << 32
            default: violation("driver features select \(driverFeaturesSelect)")
            }
        case Offset.guestPageSize:
            if legacyOnly("GuestPageSize") { guestPageSize = value }
        case Offset.queueSel: queueSelect = value
        case Offset.queueNum:
            guard let queue = selectedQueue else { violation("QueueNum for missing queue \(queueSelect)"); return }
            if value == 0 || Int(value) > queue.maximumSize { violation("QueueNum \(value) > QueueNumMax \(queue.maximumSize)") }
            if !isLegacy && value & (value &- 1) != 0 { violation("QueueNum \(value) not a power of two") }
            if queue.ready || queue.pfn != 0 { violation("QueueNum written while the queue is live") }
            queue.size = Int(value)
        case Offset.queueAlign:
            guard legacyOnly("QueueAlign"), let queue = selectedQueue else { return }
            if value == 0 || value & (value - 1) != 0 { violation("QueueAlign \(value) not a power of two") }
            queue.align = value
        case Offset.queuePFN:
            guard legacyOnly("QueuePFN"), let queue = selectedQueue else { return }
            if value == 0 {
                queue.resetDeviceSide()
            } else {
                if guestPageSize == 0 { violation("QueuePFN written before GuestPageSize") }
                if queue.size == 0 { violation("QueuePFN written before QueueNum") }
                queue.pfn = value
            }
        case Offset.queueReady:
            guard modernOnly("QueueReady"), let queue = selectedQueue else { return }
            if value == 0 {
                queue.resetDeviceSide()
            } else {
                if queue.size == 0 { violation("QueueReady before QueueNum") }
                queue.ready = true
            }
        case Offset.queueDescLow, Offset.queueDescHigh, Offset.queueDriverLow, Offset.queueDriverHigh,
             Offset.queueDeviceLow, Offset.queueDeviceHigh:
            guard modernOnly("QueueDesc/Driver/Device"), let queue = selectedQueue else { return }
            if queue.ready { violation("queue address written while QueueReady") }
            switch offset {
            case Offset.queueDescLow: queue.descriptorLow = value
            case Offset.queueDescHigh: queue.descriptorHigh = value
            case Offset.queueDriverLow: queue.driverLow = value
            case Offset.queueDriverHigh: queue.driverHigh = value
            case Offset.queueDeviceLow: queue.deviceLow = value
            default: queue.deviceHigh = value
            }
        case Offset.queueNotify:
            guard Int(value) < queues.count else { violation("QueueNotify for missing queue \(value)"); return }
            if status & DeviceStatus.driverOK.rawValue == 0 { violation("QueueNotify before DRIVER_OK") }
            queues[Int(value)].notifications += 1
            queues[Int(value)].notifiedSinceTurn = true
        case Offset.interruptACK:
            interruptAcknowledgements.append(value)
            interruptStatus &= ~value
        case Offset.status:
            writeStatus(value)
        default:
            violation("write to read-only or unknown register \(offset)")
        }
    }

    private func writeStatus(_ value: UInt32) {
        statusWrites.append(value)
        if value == 0 {
            resets += 1
            statusBeforeReset = status
            resetReadsRemaining = resetLatencyReads
            status = 0
            driverFeatures = 0
            interruptStatus = 0
            queues.forEach { $0.resetDeviceSide() }
            return
        }
        let featuresOK = DeviceStatus.featuresOK.rawValue
        if status & ~value != 0 { violation("status bits cleared without a reset") }
        var newStatus = value
        if value & featuresOK != 0 && status & featuresOK == 0 {
            let unoffered = driverFeatures & ~deviceFeatures
            if unoffered != 0 { violation("driver accepted features the device did not offer: \(unoffered)") }
            if refuseFeaturesOK || unoffered != 0 { newStatus &= ~featuresOK }
        }
        if value & DeviceStatus.driverOK.rawValue != 0 && !isLegacy && status & featuresOK == 0 {
            violation("DRIVER_OK without FEATURES_OK on a modern device")
        }
        status = newStatus
    }

    // MARK: - Config space

    func configValue64(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 where offset + i < config.count { value |= UInt64(config[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    func setConfig64(_ value: UInt64, at offset: Int) {
        for i in 0..<8 where offset + i < config.count { config[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    private func readConfig(_ offset: Int, width: Int) -> UInt64 {
        configReads += 1
        guard offset >= 0, offset + width <= config.count else {
            violation("config read at \(offset) width \(width) beyond the config space")
            return 0
        }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(config[offset + i]) << (8 * UInt64(i)) }
        if configChurnReads > 0 {
            configChurnReads -= 1
            setConfig64(configValue64(at: 0) &+ 0x1_0000_0001, at: 0)
            configGeneration &+= 1
        }
        return value
    }

    private func writeConfig(_ offset: Int, _ value: UInt64, width: Int) {
        guard offset >= 0, offset + width <= config.count else {
            violation("config write at \(offset) width \(width) beyond the config space")
            return
        }
        for i in 0..<width { config[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    // MARK: - Guest memory

    func load16(_ address: UInt64) -> UInt16 {
        guard let pointer = guestPointer(address, 2) else { return 0 }
        return pointer.loadUnaligned(as: UInt16.self)
    }

    func load32(_ address: UInt64) -> UInt32 {
        guard let pointer = guestPointer(address, 4) else { return 0 }
        return pointer.loadUnaligned(as: UInt32.self)
    }

    func store16(_ address: UInt64, _ value: UInt16) {
        guestPointer(address, 2)?.storeBytes(of: value, as: UInt16.self)
    }

    func store32(_ address: UInt64, _ value: UInt32) {
        guestPointer(address, 4)?.storeBytes(of: value, as: UInt32.self)
    }

    private func guestPointer(_ address: UInt64, _ length: Int) -> UnsafeMutableRawPointer? {
        guard let pointer = memory.pointer(to: address, length: length) else {
            violation("device access to \(length) bytes at \(address), outside live DMA memory")
            return nil
        }
        return pointer
    }

    func readDescriptor(_ address: UInt64) -> ModelDescriptor {
        guard let pointer = guestPointer(address, 16) else { return ModelDescriptor(address: 0, length: 0, flags: 0, next: 0) }
        return ModelDescriptor(address: pointer.loadUnaligned(as: UInt64.self),
                               length: pointer.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                               flags: pointer.loadUnaligned(fromByteOffset: 12, as: UInt16.self),
                               next: pointer.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
    }

    // MARK: - Queue geometry

    func isLive(_ queue: ModelQueue) -> Bool { isLegacy ? queue.pfn != 0 : queue.ready }

    /// Descriptor table, driver (avail) and device (used) areas of a live queue.
    func areas(_ index: Int) -> (descriptors: UInt64, driver: UInt64, device: UInt64)? {
        let queue = queues[index]
        guard isLive(queue), queue.size > 0 else { return nil }
        if isLegacy {
            let descriptors = UInt64(queue.pfn) * UInt64(guestPageSize)
            let driver = descriptors + UInt64(16 * queue.size)
            let align = UInt64(max(queue.align, 1))
            let device = (driver + UInt64(6 + 2 * queue.size) + align - 1) / align * align
            return (descriptors, driver, device)
        }
        return (UInt64(queue.descriptorHigh) << 32 | UInt64(queue.descriptorLow),
                UInt64(queue.driverHigh) << 32 | UInt64(queue.driverLow),
                UInt64(queue.deviceHigh) << 32 | UInt64(queue.deviceLow))
    }

    // Ring fields the tests look at.
    func availFlags(_ q: Int) -> UInt16 { areas(q).map { load16($0.driver) } ?? 0 }
    func availIndex(_ q: Int) -> UInt16 { areas(q).map { load16($0.driver + 2) } ?? 0 }
    func usedEvent(_ q: Int) -> UInt16 {
        areas(q).map { load16($0.driver + 4 + 2 * UInt64(queues[q].size)) } ?? 0
    }
    func availEvent(_ q: Int) -> UInt16 {
        areas(q).map { load16($0.device + 4 + 8 * UInt64(queues[q].size)) } ?? 0
    }
    func setAvailEvent(_ q: Int, _ value: UInt16) {
        if let a = areas(q) { store16(a.device + 4 + 8 * UInt64(queues[q].size), value) }
    }
    func setNoNotify(_ q: Int, _ on: Bool) {
        queues[q].noNotify = on
        if let a = areas(q) { store16(a.device, on ? 1 : 0) }
    }

    // MARK: - Device side of the split ring

    /// One device turn: every live queue that was kicked (or polls) takes its new
    /// buffers; work already taken is completed either way; then the device
    /// interrupts as the driver asked.
    func run() {
        for index in queues.indices {
            let queue = queues[index]
            guard isLive(queue) else { continue }
            let polls = queue.noNotify || (negotiated(.ringEventIndex) && queue.availEventPolicy == .manual)
            if !requiresNotification || queue.notifiedSinceTurn || polls {
                queue.notifiedSinceTurn = false
                fetch(index)
            }
            complete(index)
        }
    }

    /// Takes and completes queue `index`'s buffers regardless of notifications.
    func process(_ index: Int) {
        fetch(index)
        complete(index)
    }

    /// Takes every newly available request.
    func fetch(_ index: Int) {
        let queue = queues[index]
        guard let area = areas(index) else { return }
        let available = load16(area.driver + 2)
        let count = Int(available &- queue.lastAvail)
        if count > queue.size {
            violation("avail index moved by \(count) on a queue of \(queue.size)")
            return
        }
        for _ in 0..<count {
            let slot = UInt64(Int(queue.lastAvail) & (queue.size - 1))
            let head = load16(area.driver + 4 + 2 * slot)
            if let request = parse(index, head: head, availIndex: queue.lastAvail, area: area) {
                queue.pending.append(request)
                if keepsLog { queue.log.append(request) }
                queue.taken += 1
            }
            queue.lastAvail &+= 1
        }
        if negotiated(.ringEventIndex) && queue.availEventPolicy == .notifyNext {
            store16(area.device + 4 + 8 * UInt64(queue.size), queue.lastAvail)
        }
    }

    private func parse(_ index: Int, head: UInt16, availIndex: UInt16,
                       area: (descriptors: UInt64, driver: UInt64, device: UInt64)) -> ModelRequest? {
        let size = queues[index].size
        guard Int(head) < size else {
            violation("avail ring names descriptor \(head) on a queue of \(size)")
            return nil
        }
        var ringDescriptors: [UInt16] = []
        var buffers: [ModelBuffer] = []
        var table: [ModelDescriptor]? = nil
        var sawWritable = false
        func add(_ d: ModelDescriptor) {
            let writable = d.flags & ModelDevice.descWrite != 0
            if !writable && sawWritable { violation("device-readable buffer after a device-writable one") }
            sawWritable = sawWritable || writable
            buffers.append(ModelBuffer(address: d.address, length: d.length, writable: writable))
        }
        var current = head
        var headDescriptor: ModelDescriptor? = nil
        while true {
            guard ringDescriptors.count < size else {
                violation("descriptor chain from \(head) loops")
                return nil
            }
            let d = readDescriptor(area.descriptors + 16 * UInt64(current))
            ringDescriptors.append(current)
            if headDescriptor == nil { headDescriptor = d }
            if d.flags & ModelDevice.descIndirect != 0 {
                if !negotiated(.ringIndirectDescriptors) { violation("INDIRECT descriptor without INDIRECT_DESC") }
                if d.flags & ModelDevice.descNext != 0 { violation("descriptor with both INDIRECT and NEXT") }
                guard d.length > 0, d.length % 16 == 0 else {
                    violation("indirect table length \(d.length) not a multiple of 16")
                    return nil
                }
                let entries = (0..<Int(d.length / 16)).map { readDescriptor(d.address + 16 * UInt64($0)) }
                table = entries
                var position = 0, steps = 0
                while true {
                    guard position < entries.count, steps < entries.count else {
                        violation("indirect chain leaves its table or loops")
                        return nil
                    }
                    let e = entries[position]
                    if e.flags & ModelDevice.descIndirect != 0 { violation("INDIRECT inside an indirect table") }
                    add(e)
                    steps += 1
                    if e.flags & ModelDevice.descNext == 0 { break }
                    position = Int(e.next)
                }
                break
            }
            add(d)
            if d.flags & ModelDevice.descNext == 0 { break }
            current = d.next
            guard Int(current) < size else {
                violation("descriptor \(ringDescriptors.last!) links to \(current) on a queue of \(size)")
                return nil
            }
        }
        // Every buffer must be readable/writable memory the driver owns.
        for buffer in buffers where buffer.length > 0 {
            if memory.pointer(to: buffer.address, length: Int(buffer.length)) == nil {
                violation("buffer at \(buffer.address) (\(buffer.length) bytes) is not in live DMA memory")
            }
        }
        return ModelRequest(queue: index, head: head, availIndex: availIndex, headDescriptor: headDescriptor!,
                            ringDescriptors: ringDescriptors, indirectTable: table, buffers: buffers)
    }

    private func nextRandom() -> UInt64 {
        shuffleState &+= 0x9E37_79B9_7F4A_7C15
        var z = shuffleState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func takeNext(_ queue: ModelQueue) -> ModelRequest {
        switch completionOrder {
        case .fifo: return queue.pending.removeFirst()
        case .lifo: return queue.pending.removeLast()
        case .shuffled(let seed):
            if shuffleState == 0 { shuffleState = seed }
            return queue.pending.remove(at: Int(nextRandom() % UInt64(queue.pending.count)))
        }
    }

    /// Writes the data a request asked for; returns the used length.
    private func serve(_ request: ModelRequest) -> UInt32 {
        if fillsWithPattern {
            for buffer in request.buffers where buffer.writable && buffer.length > 0 {
                guard let pointer = memory.pointer(to: buffer.address, length: Int(buffer.length)) else { continue }
                let bytes = pointer.assumingMemoryBound(to: UInt8.self)
                for i in 0..<Int(buffer.length) { bytes[i] = ModelDevice.patternByte(patternPosition &+ UInt64(i)) }
                patternPosition &+= UInt64(buffer.length)
            }
        }
        return usedLength?(request) ?? UInt32(request.writableBytes)
    }

    /// Writes a used entry and publishes it, whatever it says (for tests that
    /// build the used ring by hand).
    func pushUsedRaw(_ index: Int, id: UInt32, length: UInt32) { pushUsed(index, id: id, length: length) }

    private func pushUsed(_ index: Int, id: UInt32, length: UInt32) {
        let queue = queues[index]
        guard let area = areas(index) else { return }
        let slot = UInt64(Int(queue.usedIndex) & (queue.size - 1))
        store32(area.device + 4 + 8 * slot, id)
        store32(area.device + 8 + 8 * slot, length)
        queue.usedIndex &+= 1
        store16(area.device + 2, queue.usedIndex)
    }

    /// Completes pending requests (respecting `stalled`, `completionBudget`,
    /// `completionOrder` and `hostility`), then interrupts if the driver wants it.
    func complete(_ index: Int) {
        let queue = queues[index]
        guard !stalled, let area = areas(index) else { return }
        let old = queue.usedIndex
        if let hostility, !queue.pending.isEmpty || !hostility.needsRequest {
            self.hostility = nil
            actOut(hostility, index, area: area)
        } else if !heldQueues.contains(index) {
            while !queue.pending.isEmpty && completionBudget != 0 {
                let request = takeNext(queue)
                pushUsed(index, id: UInt32(request.head), length: serve(request))
                queue.completed += 1
                if let budget = completionBudget { completionBudget = budget - 1 }
            }
        }
        interruptIfWanted(index, since: old)
    }

    /// Publishes used entries for requests a backend took from a held queue's
    /// `pending` (e.g. receive buffers filled when a frame arrives), then interrupts
    /// as the driver asked.
    func publishHeld(_ index: Int, entries: [(id: UInt32, length: UInt32)]) {
        let old = queues[index].usedIndex
        for entry in entries {
            pushUsed(index, id: entry.id, length: entry.length)
            queues[index].completed += 1
        }
        interruptIfWanted(index, since: old)
    }

    private func interruptIfWanted(_ index: Int, since old: UInt16) {
        let queue = queues[index]
        guard queue.usedIndex != old, let area = areas(index) else { return }
        let wanted: Bool
        if negotiated(.ringEventIndex) {
            let usedEvent = load16(area.driver + 4 + 2 * UInt64(queue.size))
            wanted = RingIndex.needEvent(event: usedEvent, new: queue.usedIndex, old: old)
        } else {
            wanted = load16(area.driver) & 1 == 0
        }
        if wanted { raiseInterrupt(.usedBuffer) } else { interruptsSuppressed += 1 }
    }

    /// The device hit an error it cannot recover from (§2.1.2): DEVICE_NEEDS_RESET
    /// and a configuration-change interrupt.
    func signalNeedsReset() {
        status |= DeviceStatus.deviceNeedsReset.rawValue
        raiseInterrupt(.configurationChange)
    }

    func raiseInterrupt(_ bits: InterruptStatus) {
        interruptStatus |= bits.rawValue
        interruptsRaised += 1
    }

    private func actOut(_ hostility: ModelHostility, _ index: Int, area: (descriptors: UInt64, driver: UInt64, device: UInt64)) {
        let queue = queues[index]
        switch hostility {
        case .outOfRangeID:
            pushUsed(index, id: UInt32(queue.size) + 3, length: 0)
        case .freeDescriptorID:
            let busy = Set(queue.pending.flatMap { $0.ringDescriptors })
            let free = (0..<UInt16(queue.size)).first { !busy.contains($0) } ?? 0
            pushUsed(index, id: UInt32(free), length: 0)
        case .nonHeadDescriptorID:
            guard let chain = queue.pending.first(where: { $0.ringDescriptors.count > 1 }) else {
                violation("test setup: no chain in flight for nonHeadDescriptorID")
                return
            }
            pushUsed(index, id: UInt32(chain.ringDescriptors[1]), length: 0)
        case .repeatedID:
            let request = queue.pending.removeFirst()
            let length = serve(request)
            pushUsed(index, id: UInt32(request.head), length: length)
            pushUsed(index, id: UInt32(request.head), length: length)
        case .overlongLength:
            let request = queue.pending.removeFirst()
            _ = serve(request)
            pushUsed(index, id: UInt32(request.head), length: UInt32(request.writableBytes) + 1)
        case .indexJump:
            queue.usedIndex &+= UInt16(queue.size + 1)
            store16(area.device + 2, queue.usedIndex)
        case .indexBackwards:
            queue.usedIndex &-= 1
            store16(area.device + 2, queue.usedIndex)
        }
    }
}

/// The register window of a `ModelDevice`, as `Platform.mapDevice` returns it.
struct ModelRegisters: DeviceRegisters {
    let device: ModelDevice
    let base: UInt64
    let size: Int

    func read8(_ offset: Int) -> UInt8 { UInt8(truncatingIfNeeded: device.readRegister(offset, width: 1)) }
    func read16(_ offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: device.readRegister(offset, width: 2)) }
    func read32(_ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: device.readRegister(offset, width: 4)) }
    func read64(_ offset: Int) -> UInt64 { device.readRegister(offset, width: 8) }
    func write8(_ offset: Int, _ value: UInt8) { device.writeRegister(offset, UInt64(value), width: 1) }
    func write16(_ offset: Int, _ value: UInt16) { device.writeRegister(offset, UInt64(value), width: 2) }
    func write32(_ offset: Int, _ value: UInt32) { device.writeRegister(offset, UInt64(value), width: 4) }
    func write64(_ offset: Int, _ value: UInt64) { device.writeRegister(offset, value, width: 8) }
}
