/// A region of physical address space from a `reg` property.
public struct PhysicalRange: Equatable {
    public var base: UInt64
    public var size: UInt64
    public var end: UInt64 { base &+ size }
    public init(base: UInt64, size: UInt64) { self.base = base; self.size = size }
}

/// A device node the kernel drives: its register window and GIC interrupt ID.
public struct DeviceNode: Equatable {
    public var registers: PhysicalRange
    /// GIC interrupt ID (SPI n is 32 + n, PPI n is 16 + n), nil if the node has none.
    public var interrupt: Int?
}

/// What the kernel learns from QEMU's device tree: RAM, the command line, and
/// where each device it knows how to drive sits. Nothing here is hard-coded;
/// the defaults only fill what a tree leaves out.
public struct MachineDescription {
    public var memory: [PhysicalRange] = []
    /// `/chosen/bootargs`: the kernel command line from QEMU's `-append`.
    public var bootArguments: String = ""
    public var virtioMMIO: [DeviceNode] = []
    public var uart: DeviceNode?
    public var gicDistributor: PhysicalRange?
    public var gicCPUInterface: PhysicalRange?
    /// The EL1 virtual timer's interrupt ID (PPI 11 → 27 on QEMU virt).
    public var virtualTimerInterrupt: Int = 27
    /// PSCI's conduit: `smc` or (QEMU's default) `hvc`.
    public var psciUsesSMC = false
    public var fwCfg: PhysicalRange?
    public var rtc: DeviceNode?
    /// Nodes under `/cpus` with `device_type = "cpu"` (QEMU's `-smp`).
    public var cpuCount = 0

    /// Nothing known yet: no RAM, no devices, QEMU virt's defaults.
    public init() {}

    public init(tree: DeviceTree) {
        let root = tree.root
        if let chosen = tree.child("chosen", of: root), let args = tree.property("bootargs", of: chosen) {
            bootArguments = String(decoding: args.firstString, as: UTF8.self)
        }
        if let psci = tree.child("psci", of: root), let method = tree.property("method", of: psci) {
            psciUsesSMC = DeviceTree.equal(method.firstString, "smc")
        }
        if let cpus = tree.child("cpus", of: root) {
            for cpu in tree.children(of: cpus) {
                if let type = tree.property("device_type", of: cpu), DeviceTree.equal(type.firstString, "cpu") { cpuCount += 1 }
            }
        }
        tree.forEachNode { node, parent in
            guard let parent else { return }
            if MachineDescription.isMemory(tree, node) {
                for entry in tree.registers(of: node, parent: parent) where entry.size > 0 {
                    memory.append(PhysicalRange(base: entry.address, size: entry.size))
                }
                return
            }
            let window = tree.registers(of: node, parent: parent).first.map {
                PhysicalRange(base: $0.address, size: $0.size)
            }
            if tree.isCompatible(node, with: "virtio,mmio"), let window {
                virtioMMIO.append(DeviceNode(registers: window, interrupt: MachineDescription.interrupt(tree, node, 0)))
            } else if tree.isCompatible(node, with: "arm,pl011"), let window, uart == nil {
                uart = DeviceNode(registers: window, interrupt: MachineDescription.interrupt(tree, node, 0))
            } else if tree.isCompatible(node, with: "arm,cortex-a15-gic") || tree.isCompatible(node, with: "arm,gic-400") {
                var entries = tree.registers(of: node, parent: parent).makeIterator()
                gicDistributor = entries.next().map { PhysicalRange(base: $0.address, size: $0.size) }
                gicCPUInterface = entries.next().map { PhysicalRange(base: $0.address, size: $0.size) }
            } else if tree.isCompatible(node, with: "arm,armv8-timer") {
                // Secure physical, non-secure physical, virtual, hypervisor.
                if let virtual = MachineDescription.interrupt(tree, node, 2) { virtualTimerInterrupt = virtual }
            } else if tree.isCompatible(node, with: "qemu,fw-cfg-mmio"), let window {
                fwCfg = window
            } else if tree.isCompatible(node, with: "arm,pl031"), let window {
                rtc = DeviceNode(registers: window, interrupt: MachineDescription.interrupt(tree, node, 0))
            }
        }
        // QEMU lists virtio-mmio slots from the top down; present them by address.
        virtioMMIO.sort { $0.registers.base < $1.registers.base }
    }

    /// The first RAM bank, without allocating: the kernel needs it before its heap exists.
    public static func firstMemoryRange(in tree: DeviceTree) -> PhysicalRange? {
        for node in tree.children(of: tree.root) where isMemory(tree, node) {
            for entry in tree.registers(of: node, parent: tree.root) where entry.size > 0 {
                return PhysicalRange(base: entry.address, size: entry.size)
            }
        }
        return nil
    }

    /// Total RAM over every bank.
    public var totalMemory: UInt64 { memory.reduce(0) { $0 &+ $1.size } }

    static func isMemory(_ tree: DeviceTree, _ node: Node) -> Bool {
        guard let type = tree.property("device_type", of: node) else { return false }
        return DeviceTree.equal(type.firstString, "memory")
    }

    /// The `index`th interrupt of a node as a GIC interrupt ID (three cells:
    /// type, number, flags; type 0 is an SPI, 1 a PPI).
    static func interrupt(_ tree: DeviceTree, _ node: Node, _ index: Int) -> Int? {
        guard let interrupts = tree.property("interrupts", of: node),
              let type = interrupts.u32(at: index * 3),
              let number = interrupts.u32(at: index * 3 + 1), number < 988
        else { return nil }
        switch type {
        case 0: return 32 + Int(number)
        case 1: return number < 16 ? 16 + Int(number) : nil
        default: return nil
        }
    }
}
