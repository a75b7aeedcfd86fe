import Drivers
import Storage
import VirtIO

typealias KernelVolume = FATVolume<VirtioDisk>

/// The disks: every virtio-blk device, named vda, vdb, … in discovery order,
/// each with the FAT volume on it when it has one. The first disk's volume is
/// the root of the file tree ("/"); the others appear as /vdb, /vdc, ….
final class Disks {
    struct Disk {
        let device: VirtioDisk
        /// nil when the disk holds no FAT volume Lumen could mount.
        var volume: KernelVolume?
        /// Why mounting failed, for `lsblk`.
        var problem: String?
    }

    private(set) var disks: [Disk] = []

    /// Starts a driver on every virtio-blk device and mounts what they hold;
    /// `clock` stamps the files written.
    init(devices: VirtioDevices, clock: @escaping () -> FATTimestamp) {
        let registry = devices.registry
        // QEMU's virt board puts the first -device in the highest slot: name the
        // disks in command-line order (highest address first), so the first
        // drive a user attaches is vda.
        var claimed: [(index: Int, transport: KernelTransport)] = []
        while let (index, transport) = registry.claim(type: DeviceType.block, driver: "blk") { claimed.append((index, transport)) }
        claimed.sort { registry.devices[$0.index].base > registry.devices[$1.index].base }
        for (index, transport) in claimed {
            let name = "vd" + String(UnicodeScalar(UInt8(ascii: "a") + UInt8(min(disks.count, 25))))
            let interrupt = registry.devices[index].interrupt
            let driver: KernelBlockDriver
            do {
                driver = try KernelBlockDriver.create(platform: devices.platform, transport: transport, interrupt: interrupt,
                                                      name: name, disabled: devices.disabledFeatures)
            } catch {
                devices.reject(index, "virtio-blk", error.message)
                continue
            }
            devices.attach(index, features: driver.features) { driver.handleInterrupt() }
            let device = VirtioDisk(driver: driver, transport: transport, name: name)
            var disk = Disk(device: device, volume: nil, problem: nil)
            do {
                let volume = try KernelVolume.mount(device: device, clock: clock)
                disk.volume = volume
                bootLog(name + ": " + formatBytes(device.byteCount) + (device.isReadOnly ? " read-only" : "")
                        + ", \(volume.kind.name) volume" + (volume.label.isEmpty ? "" : " '" + volume.label + "'")
                        + ", " + formatBytes(volume.freeBytes) + " free, mounted on " + (disks.isEmpty ? "/" : "/" + name))
            } catch {
                disk.problem = error.message
                bootLog(name + ": " + formatBytes(device.byteCount) + ", not mounted: " + error.message)
            }
            disks.append(disk)
        }
    }

    /// Where disk `index`'s volume appears in the file tree.
    func mountPoint(_ index: Int) -> String {
        index == 0 ? "/" : "/" + disks[index].device.name
    }

    /// Writes back every volume and flushes the disks, then resets them.
    func shutdownAll() {
        for disk in disks { disk.device.shutdown() }
    }
}
