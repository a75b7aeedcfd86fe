import DeviceTree
import Drivers
import Platform
import VirtIO

typealias KernelTransport = MMIOTransport<KernelRegisters>
typealias KernelRNG = VirtioRNG<KernelPlatform, KernelTransport>

/// Finds the virtio-mmio devices, claims the ones Lumen has drivers for, and
/// routes their interrupts to handlers on the events thread.
enum VirtioDevices {
    static var registry: DeviceRegistry<KernelPlatform>? = nil
    static var rngs: [KernelRNG] = []

    /// Features the command line turned off (`lumen.virtio.event_idx=off`,
    /// `lumen.virtio.indirect=off`, `lumen.virtio.csum=off` for virtio-net's
    /// checksum offload both ways), for measuring what they are worth.
    static var disabledFeatures: Features {
        var disabled: Features = []
        if !Kernel.settings.virtioEventIndex { disabled.insert(.ringEventIndex) }
        if !Kernel.settings.virtioIndirect { disabled.insert(.ringIndirectDescriptors) }
        if !Kernel.settings.virtioChecksum { disabled.formUnion([.netChecksum, .netGuestChecksum]) }
        return disabled
    }

    /// Bytes per virtio-rng request (`lumen.rng.request=N`, 16 … 65536; default 16 KiB).
    static var rngRequestSize: Int {
        Kernel.settings.rngRequest ?? 16384
    }

    static func start() {
        var locations = Kernel.machine.virtioMMIO.map {
            VirtioMMIOLocation(base: $0.registers.base, size: Int($0.registers.size), interrupt: $0.interrupt)
        }
        if locations.isEmpty {
            bootLog("virtio: the device tree lists no virtio-mmio nodes; scanning the 32 standard slots")
            locations = DeviceRegistry<KernelPlatform>.standardSlots()
        }
        let registry = DeviceRegistry(platform: Kernel.platform, locations: locations)
        self.registry = registry
        for rejected in registry.rejected {
            bootLog("virtio: slot at " + hex(rejected.base) + " ignored: " + rejected.error.message)
        }
        startEntropyDevices(registry)
        Disks.start(registry)
        Net.start(registry)
        InputDevices.start(registry)
    }

    static func startEntropyDevices(_ registry: DeviceRegistry<KernelPlatform>) {
        while let (index, transport) = registry.claim(type: DeviceType.entropy, driver: "rng") {
            let interrupt = registry.devices[index].interrupt
            do {
                let rng = try KernelRNG(platform: Kernel.platform, transport: transport, interrupt: interrupt,
                                        disabled: disabledFeatures, requestSize: rngRequestSize)
                attach(registry, index, features: rng.features) { rng.handleInterrupt() }
                rngs.append(rng)
            } catch {
                reject(registry, index, "virtio-rng", error.message)
            }
        }
    }

    /// A driver started on device `index`: records what it negotiated and
    /// routes the device's interrupt to `handler` (the driver polls if the
    /// line cannot be had).
    static func attach(_ registry: DeviceRegistry<KernelPlatform>, _ index: Int, features: Features,
                       handler: @escaping () -> Void) {
        registry.recordNegotiated(index, features)
        if let interrupt = registry.devices[index].interrupt,
           !Kernel.platform.registerInterrupt(interrupt, handler: handler) {
            registry.recordProblem(index, "interrupt \(interrupt) unavailable; polling")
        }
    }

    /// A driver could not start on device `index`: the device is released and
    /// the reason kept for the `devices` table and the boot log.
    static func reject(_ registry: DeviceRegistry<KernelPlatform>, _ index: Int, _ kind: String, _ reason: String) {
        registry.recordProblem(index, reason)
        registry.release(index)
        bootLog(kind + " in slot \(registry.devices[index].slot): " + reason)
    }

    /// Resets every device Lumen drives, so none is left writing to memory (before
    /// power-off or reboot).
    static func shutdownAll() {
        for rng in rngs { rng.shutdown() }
        Disks.shutdownAll()
        Net.shutdown()
        InputDevices.shutdownAll()
    }

    static func printTable(log: (String) -> Void = { print($0) }) {
        guard let registry else { return }
        log("virtio devices (\(registry.devices.count)):")
        for line in registry.table() { log("  " + line) }
    }
}
