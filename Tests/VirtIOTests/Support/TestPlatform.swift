import Platform
import VirtIO

/// The host's stand-in for the machine (ARCHITECTURE.md, "Platform"): device
/// models at MMIO addresses, DMA memory from a low `GuestMemory` arena (physical
/// address == pointer bits), a manual monotonic clock, and interrupts raised by
/// the models. `waitForInterrupt` gives every device model a turn (the devices are
/// "asynchronous" and run while the driver sleeps) and, if nothing fired, moves
/// the clock to the deadline — so no test ever blocks in real time. Handlers of
/// interrupts that fired run then too, as the kernel's events thread runs them
/// while another thread waits; but not from a wait inside a handler: there the
/// waiter is the events thread itself, and nothing runs handlers in its place.
final class TestPlatform: Platform {
    typealias Registers = ModelRegisters

    let memory: GuestMemory
    private(set) var devices: [(base: UInt64, device: ModelDevice)] = []
    /// Nanoseconds on the manual clock.
    var clock: UInt64 = 1_000_000_000
    /// Added to the clock by every `now()` (a busy-polling driver must see time pass).
    var nanosecondsPerClockRead: UInt64 = 0
    /// Give the devices a turn on every `now()` (for drivers that poll without an interrupt).
    var devicesRunOnClockRead = false
    private(set) var handlers: [Int: () -> Void] = [:]
    /// A handler is running (the events thread is busy).
    private var inHandler = false
    private(set) var waits = 0
    private(set) var barriers = 0
    /// Fail DMA allocations after this many more succeed (nil: never).
    var dmaAllocationsLeft: Int? = nil

    init(memoryBytes: Int = 64 << 20) {
        memory = GuestMemory(capacity: memoryBytes)
    }

    /// Places a new device model at `base`.
    @discardableResult
    func addDevice(at base: UInt64, version: UInt32 = 2, deviceID: UInt32, features: Features = [],
                   queueSizes: [Int] = [256], interrupt: Int? = nil, configSize: Int = 64) -> ModelDevice {
        let device = ModelDevice(memory: memory, version: version, deviceID: deviceID, features: features.rawValue,
                                 queueSizes: queueSizes, configSize: configSize, interruptLine: interrupt)
        devices.append((base, device))
        return device
    }

    /// Registers for the device at `base` (or nil).
    func registers(at base: UInt64) -> ModelRegisters? { mapDevice(base: base, size: 0x200) }

    func transport(at base: UInt64) throws(VirtioError) -> MMIOTransport<ModelRegisters> {
        guard let registers = registers(at: base) else { throw .noDevice }
        return try MMIOTransport(registers: registers)
    }

    /// Gives every device model a turn; runs the handlers of interrupts that fired.
    /// Returns the interrupt lines that fired.
    @discardableResult
    func runDevices() -> Set<Int> {
        var fired: Set<Int> = []
        for (_, device) in devices {
            let before = device.interruptsRaised
            device.run()
            if device.interruptsRaised != before, let line = device.interruptLine { fired.insert(line) }
        }
        if !inHandler {
            inHandler = true
            for line in fired.sorted() { handlers[line]?() }
            inHandler = false
        }
        return fired
    }

    /// Runs `body` as the events thread runs a handler: a wait inside it runs
    /// no other handler (for tests that call a driver's handler themselves).
    func asHandler<T>(_ body: () -> T) -> T {
        let outer = inHandler
        inHandler = true
        defer { inHandler = outer }
        return body()
    }

    // MARK: - Platform

    func mapDevice(base: UInt64, size: Int) -> ModelRegisters? {
        guard let entry = devices.first(where: { $0.base == base }) else { return nil }
        return ModelRegisters(device: entry.device, base: base, size: size)
    }

    func registerInterrupt(_ irq: Int, handler: @escaping () -> Void) -> Bool {
        guard irq >= 0, irq < 1020, handlers[irq] == nil else { return false }
        handlers[irq] = handler
        return true
    }

    func waitForInterrupt(_ irq: Int, until deadline: Instant) -> Bool {
        waits += 1
        if runDevices().contains(irq) {
            clock += 1_000
            return true
        }
        clock = max(clock, deadline.nanoseconds)
        return false
    }

    /// The user's Ctrl-C: the next cancellable wait after `cancelAfterWaits`
    /// more waits ends cancelled (nil: never).
    var cancelAfterWaits: Int? = nil

    func waitForInterrupt(_ irq: Int, until deadline: Instant, cancellable: Bool) -> InterruptWait {
        if cancellable, let left = cancelAfterWaits {
            if left == 0 {
                cancelAfterWaits = nil
                waits += 1
                return .cancelled
            }
            cancelAfterWaits = left - 1
        }
        return waitForInterrupt(irq, until: deadline) ? .fired : .timedOut
    }

    func allocateDMA(size: Int, alignment: Int) -> DMABuffer? {
        if let left = dmaAllocationsLeft {
            guard left > 0 else { return nil }
            dmaAllocationsLeft = left - 1
        }
        guard let pointer = memory.allocate(size: size, alignment: alignment) else { return nil }
        return DMABuffer(pointer: pointer, physicalAddress: UInt64(UInt(bitPattern: pointer)), size: size)
    }

    func freeDMA(_ buffer: DMABuffer) { memory.free(buffer.pointer) }

    func physicalAddress(of pointer: UnsafeRawPointer) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }

    func now() -> Instant {
        if devicesRunOnClockRead { runDevices() }
        clock += nanosecondsPerClockRead
        return Instant(nanoseconds: clock)
    }

    func memoryBarrier() { barriers += 1 }
}

/// SplitMix64: a deterministic generator for randomised tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reference for `vring_need_event`, in wide integers: the entries published since
/// the last notification are old, old+1, …, new-1 (mod 2^16); the other side asked
/// to hear when entry `event` is published. So: is `event` among them?
func referenceNeedEvent(event: UInt16, new: UInt16, old: UInt16) -> Bool {
    let published = (Int(new) - Int(old) + 65536) % 65536
    let offset = (Int(event) - Int(old) + 65536) % 65536
    return offset < published
}
