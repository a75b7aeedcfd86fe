import Drivers
import Entropy
import KernelSupport
import Platform

/// The kernel's random numbers: a ChaCha20 pool seeded from virtio-rng at boot and
/// reseeded from it in the background; C's `arc4random_buf` (and so Swift's
/// hashing seeds and `random()`) draws from it. Without an rng device, the pool is
/// seeded from timer jitter and the boot log says so.
final class KernelEntropy {
    /// The pool C's `arc4random_buf` draws from. Global because that hook is
    /// called by the C library and the Swift runtime with no context; set once
    /// at boot (before it, picolibc's own stays in use).
    static var installed: KernelEntropy? = nil

    private var pool = EntropyPool()
    enum Source { case none, device, jitter }
    private(set) var source = Source.none
    static let seedBytes = 48
    static let bootSeedTimeoutMilliseconds: UInt64 = 250
    let rng: KernelRNG?

    /// Seeds the pool from `rng` (or timer jitter) and reseeds it every 5 s.
    init(rng: KernelRNG?, timer: GenericTimer) {
        self.rng = rng
        let seedBytes = KernelEntropy.seedBytes
        var seed = [UInt8](repeating: 0, count: seedBytes)
        if let rng {
            let failure: RNGError? = seed.withUnsafeMutableBytes { buffer in
                do throws(RNGError) {
                    try rng.read(into: buffer, timeoutMilliseconds: KernelEntropy.bootSeedTimeoutMilliseconds)
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
        if rng != nil { scheduleCheck(timer) }
    }

    /// The reseed check: every 5 s while the seed is not the device's (it may
    /// come up late), every 60 s once it is (as Linux reseeds its crng), so an
    /// idle machine is seldom woken for it.
    private func scheduleCheck(_ timer: GenericTimer) {
        timer.schedule(afterMilliseconds: source == .device ? 60_000 : 5_000) {
            self.reseedIfDue()
            self.scheduleCheck(timer)
        }
    }

    private var lastReseed = Instant(nanoseconds: 0)

    /// Reseeds when the pool has given out its interval's worth of bytes, when
    /// the interval's time has passed, or when the boot seed was not from the device.
    func reseedIfDue() {
        guard let rng else { return }
        let now = GenericTimer.now()
        let timeDue = now.nanoseconds(since: lastReseed) >= EntropyPool.reseedInterval.seconds * 1_000_000_000
        guard pool.needsReseed || timeDue || source != .device else { return }
        var seed = [UInt8](repeating: 0, count: KernelEntropy.seedBytes)
        let got = seed.withUnsafeMutableBytes { rng.readAvailable(into: $0) }
        guard got >= EntropyPool.minimumSeedBytes else { return }
        seed.withUnsafeBytes { pool.seed(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
        source = .device
        lastReseed = now
    }

    func fill(_ buffer: UnsafeMutableRawBufferPointer) { pool.fill(buffer) }

    func random32() -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }
}

/// picolibc's `arc4random_buf` replaced: the Swift runtime seeds hashing from it.
@_cdecl("arc4random_buf")
func lumenArc4randomBuf(_ buffer: UnsafeMutableRawPointer?, _ count: Int) {
    guard let buffer, count > 0 else { return }
    let bytes = UnsafeMutableRawBufferPointer(start: buffer, count: count)
    if let entropy = KernelEntropy.installed {
        entropy.fill(bytes)
    } else {
        // Before the pool exists (the runtime's first hash seed): the counter, mixed.
        for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: (lumen_counter() &* 0x9e37_79b9_7f4a_7c15) >> 56) }
    }
}
