/// Everything a driver may ask of the machine (ARCHITECTURE.md, "Platform").
/// A driver touches hardware only through this, so it can be tested against a
/// device model on the host and could later move into a user-space server.
///
/// Interrupt model (a microkernel's): when interrupt N fires, the platform masks
/// it and records it; the event loop later calls N's handler outside interrupt
/// context and unmasks N afterwards. So a handler may take its time and use the
/// heap, and a level-triggered device line cannot storm.
public protocol Platform {
    associatedtype Registers: DeviceRegisters

    /// Map a device's register window; nil if the range is not device memory.
    func mapDevice(base: UInt64, size: Int) -> Registers?

    /// Run `handler` from the event loop each time interrupt `irq` fires.
    /// False if the interrupt number is out of range or already taken.
    func registerInterrupt(_ irq: Int, handler: @escaping () -> Void) -> Bool

    /// Sleep until interrupt `irq` fires or `deadline` passes (the calling
    /// thread blocks; handlers run elsewhere); true if it fired.
    func waitForInterrupt(_ irq: Int, until deadline: Instant) -> Bool

    /// The same wait, which the user's interrupt (Ctrl-C for the calling
    /// thread's command) may also end, with `.cancelled`.
    func waitForInterrupt(_ irq: Int, until deadline: Instant, cancellable: Bool) -> InterruptWait

    /// Zeroed, physically contiguous memory for a device; nil when memory is short.
    func allocateDMA(size: Int, alignment: Int) -> DMABuffer?
    func freeDMA(_ buffer: DMABuffer)

    /// The address a device must be given for `pointer`.
    func physicalAddress(of pointer: UnsafeRawPointer) -> UInt64

    /// The monotonic clock.
    func now() -> Instant

    /// A full memory barrier (`dmb sy` on AArch64): orders ring writes before the
    /// index that publishes them, and the index before the notification, as the
    /// VirtIO spec requires. Also a compiler barrier.
    func memoryBarrier()
}

/// How a cancellable interrupt wait ended.
public enum InterruptWait: Equatable, Sendable {
    case fired, timedOut, cancelled
}

extension Platform {
    /// For platforms without cancellation (host models): a plain wait.
    public func waitForInterrupt(_ irq: Int, until deadline: Instant, cancellable: Bool) -> InterruptWait {
        waitForInterrupt(irq, until: deadline) ? .fired : .timedOut
    }
}
