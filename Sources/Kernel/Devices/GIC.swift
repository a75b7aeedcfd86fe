import Platform

/// The GICv2 interrupt controller: distributor (routing, enables, priorities) and
/// the CPU interface (acknowledge / end of interrupt) for core 0. Owned by the
/// events loop, which routes what it acknowledges.
final class GIC {
    static let maximumInterrupts = 1020
    static let spurious: UInt32 = 1023

    // Distributor
    static let distributorControl = 0x000
    static let typer = 0x004
    static let setEnable = 0x100
    static let clearEnable = 0x180
    static let clearPending = 0x280
    static let priority = 0x400
    static let targets = 0x800
    static let configuration = 0xc00
    // CPU interface
    static let cpuControl = 0x00
    static let priorityMask = 0x04
    static let acknowledge = 0x0c
    static let endOfInterrupt = 0x10

    let distributor: KernelRegisters
    let cpu: KernelRegisters
    /// Interrupt IDs this distributor implements (from GICD_TYPER).
    let lineCount: Int

    init(distributor: KernelRegisters, cpu: KernelRegisters) {
        self.distributor = distributor
        self.cpu = cpu
        distributor.write32(GIC.distributorControl, 0)
        lineCount = min(Int((distributor.read32(GIC.typer) & 0x1f) + 1) * 32, GIC.maximumInterrupts)
        let (clearEnable, clearPending, priority, targets) = (GIC.clearEnable, GIC.clearPending, GIC.priority, GIC.targets)
        var id = 0
        while id < lineCount {
            distributor.write32(clearEnable + id / 8, 0xffff_ffff)
            distributor.write32(clearPending + id / 8, 0xffff_ffff)
            id += 32
        }
        // Every interrupt at one priority, routed to core 0. SPI targets start at 32.
        id = 0
        while id < lineCount {
            distributor.write32(priority + id, 0xa0a0_a0a0)
            if id >= 32 { distributor.write32(targets + id, 0x0101_0101) }
            id += 4
        }
        distributor.write32(GIC.distributorControl, 1)
        cpu.write32(GIC.priorityMask, 0xf0)
        cpu.write32(GIC.cpuControl, 1)
    }

    func enable(_ id: Int) {
        guard id >= 0, id < lineCount else { return }
        distributor.write32(GIC.setEnable + (id / 32) * 4, 1 << UInt32(id % 32))
    }

    func disable(_ id: Int) {
        guard id >= 0, id < lineCount else { return }
        distributor.write32(GIC.clearEnable + (id / 32) * 4, 1 << UInt32(id % 32))
    }

    /// SPIs can be level (virtio-mmio, PL011) or edge; QEMU's device tree says level.
    func configureLevelTriggered(_ id: Int) {
        guard id >= 32, id < lineCount else { return }
        let register = GIC.configuration + (id / 16) * 4
        let shift = UInt32((id % 16) * 2 + 1)
        distributor.write32(register, distributor.read32(register) & ~(1 << shift))
    }

    func acknowledgeInterrupt() -> UInt32 { cpu.read32(GIC.acknowledge) }
    func endInterrupt(_ iar: UInt32) { cpu.write32(GIC.endOfInterrupt, iar) }
}
