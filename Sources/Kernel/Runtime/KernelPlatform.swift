import KernelSupport
import Platform

/// The kernel's implementation of the driver's world (Platform): identity-mapped
/// MMIO, interrupt handlers on the events thread, waits that block the calling
/// thread, DMA from the page allocator.
struct KernelPlatform: Platform {
    typealias Registers = KernelRegisters

    /// The MMIO hole below RAM that the MMU maps as Device memory.
    static let deviceSpaceEnd: UInt64 = 0x4000_0000

    let memory: PhysicalMemory
    let events: EventLoop

    func mapDevice(base: UInt64, size: Int) -> KernelRegisters? {
        KernelPlatform.mapDevice(base: base, size: size)
    }

    /// A register window in device space (also before the platform exists).
    static func mapDevice(base: UInt64, size: Int) -> KernelRegisters? {
        guard size > 0, base < deviceSpaceEnd, UInt64(size) <= deviceSpaceEnd - base else { return nil }
        return KernelRegisters(base: base, size: size)
    }

    func registerInterrupt(_ irq: Int, handler: @escaping () -> Void) -> Bool {
        events.register(irq, handler: handler)
    }

    /// Blocks the calling thread; returns as soon as `irq` has fired since the
    /// previous wait on it returned, so an interrupt that arrives between a
    /// driver's kick and its wait is not lost.
    func waitForInterrupt(_ irq: Int, until deadline: Instant) -> Bool {
        events.waitForInterrupt(irq, until: deadline, cancellable: false) == .fired
    }

    /// Ctrl-C for the calling thread (`Threads.cancel`) ends a cancellable wait.
    func waitForInterrupt(_ irq: Int, until deadline: Instant, cancellable: Bool) -> InterruptWait {
        events.waitForInterrupt(irq, until: deadline, cancellable: cancellable)
    }

    func allocateDMA(size: Int, alignment: Int) -> DMABuffer? {
        guard size > 0 else { return nil }
        let pages = (size + PageAllocator.pageSize - 1) / PageAllocator.pageSize
        let alignPages = max(1, (alignment + PageAllocator.pageSize - 1) / PageAllocator.pageSize)
        guard let physical = memory.pages.allocate(pages: pages, alignmentPages: alignPages),
              let pointer = UnsafeMutableRawPointer(bitPattern: UInt(physical))
        else { return nil }
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: pages * PageAllocator.pageSize)
        return DMABuffer(pointer: pointer, physicalAddress: physical, size: pages * PageAllocator.pageSize)
    }

    func freeDMA(_ buffer: DMABuffer) {
        let pages = (buffer.size + PageAllocator.pageSize - 1) / PageAllocator.pageSize
        memory.pages.free(buffer.physicalAddress, pages: pages)
    }

    /// RAM is identity-mapped.
    func physicalAddress(of pointer: UnsafeRawPointer) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }

    func now() -> Instant { GenericTimer.now() }

    func memoryBarrier() { lumen_dmb() }
}
