import VirtIO
import Drivers
import Storage

typealias KernelBlockDriver = VirtioBlock<KernelPlatform, KernelTransport>

/// A virtio-blk disk as the storage stack sees it: the driver's synchronous
/// calls (which keep every piece of a large transfer in flight at once and
/// sleep on the device's interrupt meanwhile), in 512-byte sectors, with the
/// driver's errors turned into `BlockError`s that still name the sectors.
final class VirtioDisk: BlockDevice {
    let driver: KernelBlockDriver
    let transport: KernelTransport
    /// "vda", "vdb", … in the order QEMU's slots were found.
    let name: String

    init(driver: KernelBlockDriver, transport: KernelTransport, name: String) {
        self.driver = driver
        self.transport = transport
        self.name = name
    }

    var sectorSize: Int { 512 }
    var sectorCount: UInt64 { driver.capacity }
    var isReadOnly: Bool { driver.isReadOnly }

    func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockError) {
        try validate(sector: sector, count: count, bufferBytes: buffer.count)
        do { try driver.read(sector: sector, count: count, into: buffer) } catch { throw blockError(error) }
    }

    func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) throws(BlockError) {
        try validate(sector: sector, count: count, bufferBytes: buffer.count)
        do { try driver.write(sector: sector, count: count, from: buffer) } catch { throw blockError(error) }
    }

    func flush() throws(BlockError) {
        do { try driver.flush() } catch { throw blockError(error) }
    }

    func discard(sector: UInt64, count: Int) throws(BlockError) {
        guard driver.supportsDiscard, count > 0 else { return }
        do { try driver.discard(sector: sector, count: UInt64(count)) } catch { throw blockError(error) }
    }

    private func blockError(_ error: BlockDriverError) -> BlockError {
        switch error {
        case .ioError(_, let sector, let count): return .ioError(sector: sector, count: Int(truncatingIfNeeded: count))
        case .readOnly: return .readOnly
        case .outOfRange(let sector, let count, _): return .outOfRange(sector: sector, count: Int(truncatingIfNeeded: count))
        case .unsupported: return .unsupported
        default: return .deviceFailed(driver.describe(error))
        }
    }

    /// Resets the device so it stops touching memory (power-off, reboot).
    func shutdown() {
        transport.reset()
    }
}
