import DeviceTree
import Drivers
import Platform
import VirtIO

typealias KernelTransport = MMIOTransport<KernelRegisters>
typealias KernelRNG = VirtioRNG<KernelPlatform, KernelTransport>

/// The virtio-mmio devices: found from the device tree, claimed by the drivers
/// that start on them (rng here; disks, network, input and the GPU in their
/// own layers), their interrupts routed to handlers on the events thread.
final class VirtioDevices {
    let platform: KernelPlatform
    let registry: DeviceRegistry<KernelPlatform>
    private(set) var rngs: [KernelRNG] = []
    /// Features the command line turned off (`lumen.virtio.event_idx=off`,
    /// `lumen.virtio.indirect=off`, `lumen.virtio.csum=off` for virtio-net's
    /// checksum offload both ways), for measuring what they are worth.
    let disabledFeatures: Features
    /// Bytes per virtio-rng request (`lumen.rng.request=N`, 16 … 65536; default 16 KiB).
    let rngRequestSize: Int

    init(platform: KernelPlatform, machine: MachineDescription, settings: LumenSettings) {
        self.platform = platform
        var disabled: Features = []
        if !settings.virtioEventIndex { disabled.insert(.ringEventIndex) }
        if !settings.virtioIndirect { disabled.insert(.ringIndirectDescriptors) }
        if !settings.virtioChecksum { disabled.formUnion([.netChecksum, .netGuestChecksum]) }
        disabledFeatures = disabled
        rngRequestSize = settings.rngRequest ?? 16384
        var locations = machine.virtioMMIO.map {
            VirtioMMIOLocation(base: $0.registers.base, size: Int($0.registers.size), interrupt: $0.interrupt)
        }
        if locations.isEmpty {
            bootLog("virtio: the device tree lists no virtio-mmio nodes; scanning the 32 standard slots")
            locations = DeviceRegistry<KernelPlatform>.standardSlots()
        }
        registry = DeviceRegistry(platform: platform, locations: locations)
        for rejected in registry.rejected {
            bootLog("virtio: slot at " + hex(rejected.base) + " ignored: " + rejected.error.message)
        }
    }

    func startEntropyDevices() {
        while let (index, transport) = registry.claim(type: DeviceType.entropy, driver: "rng") {
            let interrupt = registry.devices[index].interrupt
            do {
                let rng = try KernelRNG(platform: platform, transport: transport, interrupt: interrupt,
                                        disabled: disabledFeatures, requestSize: rngRequestSize)
                attach(index, features: rng.features) { rng.handleInterrupt() }
                rngs.append(rng)
            } catch {
                reject(index, "virtio-rng", error.message)
            }
        }
    }

    /// A driver started on device `index`: records what it negotiated and
    /// routes the device's interrupt to `handler` (the driver polls if the
    /// line cannot be had).
    func attach(_ index: Int, features: Features, handler: @escaping () -> Void) {
        registry.recordNegotiated(index, features)
        if let interrupt = registry.devices[index].interrupt,
           !platform.registerInterrupt(interrupt, handler: handler) {
            registry.recordProblem(index, "interrupt \(interrupt) unavailable; polling")
        }
    }

    /// A driver could not start on device `index`: the device is released and
    /// the reason kept for the `devices` table and the boot log.
    func reject(_ index: Int, _ kind: String, _ reason: String) {
        registry.recordProblem(index, reason)
        registry.release(index)
        bootLog(kind + " in slot \(registry.devices[index].slot): " + reason)
    }

    func shutdownRNGs() {
        for rng in rngs { rng.shutdown() }
    }

    func printTable() {
        print(tableText(), terminator: "")
    }

    /// The device table, one line per device under a heading, ending in a newline.
    func tableText() -> String {
        var text = "virtio devices (\(registry.devices.count)):\n"
        for line in registry.table() { text += "  " + line + "\n" }
        return text
    }
}
