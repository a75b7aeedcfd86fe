import Drivers
import Entropy
import KernelSupport
import Platform

/// The kernel's random numbers: a ChaCha20 pool seeded from virtio-rng at boot and
/// reseeded from it in the background; C's `arc4random_buf` (and so Swift's
/// hashing seeds and `random()`) draws from it. Without an rng device, the pool is
/// seeded from timer jitter and the boot log says so.
enum KernelEntropy {
    static var pool = EntropyPool()
    enum Source { case none, device, jitter }
    static var source = Source.none
    static let seedBytes = 48
    static let bootSeedTimeoutMilliseconds: UInt64 = 250

    static func start() {
        var seed = [UInt8](repeating: 0, count: seedBytes)
        if let rng = VirtioDevices.rngs.first {
            let failure: RNGError? = seed.withUnsafeMutableBytes { buffer in
                do throws(RNGError) {
                    try rng.read(into: buffer, timeoutMilliseconds: bootSeedTimeoutMilliseconds)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure {
                bootLog("entropy: " + failure.message)
            } else {
                seed.withUnsafeBytes { pool.seed($0) }
                source = .device
                lastReseed = GenericTimer.now()
                bootLog("entropy: ChaCha20 pool seeded with \(seedBytes) bytes from virtio-rng")
            }
        } else {
            bootLog("entropy: warning: no virtio-rng device")
        }
        if source == .none {
            pool.seedWithJitter { lumen_counter() }
            source = .jitter
            bootLog("entropy: warning: seeded from timer jitter only; random numbers are weak")
        }
        // Reseed in the background from whatever the device has ready (never blocks).
        GenericTimer.schedule(afterMilliseconds: 5_000, periodMilliseconds: 5_000) { reseedIfDue() }
    }

    static var lastReseed = Instant(nanoseconds: 0)

    /// Every 5 s: reseed when the pool has given out its interval's worth of bytes,
    /// when the interval's time has passed, or when the boot seed was not from the device.
    static func reseedIfDue() {
        guard let rng = VirtioDevices.rngs.first else { return }
        let now = GenericTimer.now()
        let timeDue = now.nanoseconds(since: lastReseed) >= EntropyPool.reseedInterval.seconds * 1_000_000_000
        guard pool.needsReseed || timeDue || source != .device else { return }
        var seed = [UInt8](repeating: 0, count: seedBytes)
        let got = seed.withUnsafeMutableBytes { rng.readAvailable(into: $0) }
        guard got >= EntropyPool.minimumSeedBytes else { return }
        seed.withUnsafeBytes { pool.seed(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
        source = .device
        lastReseed = now
    }

    static func fill(_ buffer: UnsafeMutableRawBufferPointer) { pool.fill(buffer) }
}

/// picolibc's `arc4random_buf` replaced: the Swift runtime seeds hashing from it.
@_cdecl("arc4random_buf")
func lumenArc4randomBuf(_ buffer: UnsafeMutableRawPointer?, _ count: Int) {
    guard let buffer, count > 0 else { return }
    KernelEntropy.fill(UnsafeMutableRawBufferPointer(start: buffer, count: count))
}
