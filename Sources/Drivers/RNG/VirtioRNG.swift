import Platform
import VirtIO

public enum RNGError: Error, Equatable {
    /// No entropy arrived before the deadline: the device (or its host backend) stalled.
    case timeout(milliseconds: UInt64, received: Int)
    case deviceBroken(String)
    /// `shutdown()` was called.
    case stopped
    /// The reader was interrupted (Ctrl-C) before the read was complete.
    case interrupted(received: Int)

    public var message: String {
        switch self {
        case .timeout(let milliseconds, let received):
            return "virtio-rng: timed out after \(milliseconds) ms with \(received) bytes (is the host's entropy source stalled?)"
        case .deviceBroken(let reason):
            return "virtio-rng: device disabled: " + reason
        case .stopped:
            return "virtio-rng: the device was shut down"
        case .interrupted(let received):
            return "virtio-rng: interrupted with \(received) bytes"
        }
    }
}

/// virtio-rng (§5.4): one request queue of device-writable buffers the device
/// fills with random bytes. Several large buffers are kept in flight, so entropy is
/// ready before it is asked for; completions arrive by interrupt (or are polled if
/// the interrupt does not come) into a pool the blocking and non-blocking reads
/// take from.
public final class VirtioRNG<P: Platform, T: VirtioTransport> {
    /// Features Lumen's rng driver can use.
    public static var supportedFeatures: Features { [.ringIndirectDescriptors, .ringEventIndex, .version1] }

    public let platform: P
    public let transport: T
    public let interrupt: Int?
    public private(set) var features: Features
    public private(set) var queue: SplitVirtqueue<P>
    public private(set) var restarts = 0
    public private(set) var stopped = false
    private let disabled: Features
    public let requestSize: Int
    public private(set) var interruptsTaken: UInt64 = 0
    public private(set) var polledCompletions: UInt64 = 0
    public private(set) var bytesDelivered: UInt64 = 0

    private var buffers: [DMABuffer] = []
    /// Which buffer a request's head descriptor belongs to.
    private var bufferForHead: [Int]
    private var bufferInFlight: [Bool]
    // Collected bytes waiting to be read: a ring over `pool`.
    private let pool: UnsafeMutableRawPointer
    private let poolSize: Int
    private var poolStart = 0
    private var poolCount = 0

    /// Initialises the device; `disabled` features are left out of negotiation
    /// (e.g. EVENT_IDX, to measure its effect).
    public init(platform: P, transport: T, interrupt: Int?, disabled: Features = [],
                requestSize: Int = 16384, requestsInFlight: Int = 4) throws(VirtioError) {
        self.platform = platform
        self.transport = transport
        self.interrupt = interrupt
        self.disabled = disabled
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: VirtioRNG.supportedFeatures.subtracting(disabled))
        self.features = negotiated
        let queue: SplitVirtqueue<P>
        do {
            queue = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, maximumSize: 64, features: negotiated)
        } catch {
            DeviceInitialization.fail(transport)
            throw error
        }
        self.queue = queue
        self.requestSize = requestSize
        bufferForHead = Array(repeating: -1, count: queue.size)
        let count = min(requestsInFlight, queue.size)
        bufferInFlight = Array(repeating: false, count: count)
        poolSize = requestSize * count
        pool = UnsafeMutableRawPointer.allocate(byteCount: poolSize, alignment: 16)
        for _ in 0..<count {
            guard let buffer = platform.allocateDMA(size: requestSize, alignment: 4096) else {
                // Give back what was taken: this path runs exactly when DMA memory is short.
                for taken in buffers { platform.freeDMA(taken) }
                queue.release(transport: transport)
                pool.deallocate()
                DeviceInitialization.fail(transport)
                throw .outOfMemory
            }
            buffers.append(buffer)
        }
        DeviceInitialization.finish(transport)
        refill()
    }

    /// The interrupt handler: acknowledge, then collect what the device finished.
    /// A configuration interrupt with DEVICE_NEEDS_RESET set restarts the device.
    public func handleInterrupt() {
        guard !stopped else { return }
        let status = transport.acknowledgeInterrupt()
        if status.contains(.usedBuffer) { interruptsTaken += 1 }
        if status.contains(.configurationChange) && DeviceInitialization.needsReset(transport) {
            try? restart()
            return
        }
        collect()
    }

    /// Resets the device and sets it up again from scratch: a new queue, every
    /// buffer idle, the collected pool kept. Used after DEVICE_NEEDS_RESET, and to
    /// recover a queue the device broke.
    public func restart() throws(VirtioError) {
        guard !stopped else { return }
        transport.reset()
        queue.release(transport: transport)
        for index in bufferInFlight.indices { bufferInFlight[index] = false }
        let negotiated = try DeviceInitialization.negotiate(transport, driverSupports: VirtioRNG.supportedFeatures.subtracting(disabled))
        let fresh: SplitVirtqueue<P>
        do {
            fresh = try SplitVirtqueue.create(platform: platform, transport: transport, index: 0, maximumSize: 64, features: negotiated)
        } catch {
            DeviceInitialization.fail(transport)
            throw error
        }
        features = negotiated
        queue = fresh
        bufferForHead = Array(repeating: -1, count: fresh.size)
        restarts += 1
        DeviceInitialization.finish(transport)
        refill()
    }

    /// Stops the device and returns its DMA memory; reads then fail with `.stopped`.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        transport.reset()
        queue.release(transport: transport)
        for buffer in buffers { platform.freeDMA(buffer) }
        buffers.removeAll()
        bufferInFlight.removeAll()
    }

    /// Non-blocking: copies whatever entropy is ready (up to `buffer.count`) and returns how much.
    public func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !stopped else { return 0 }
        collect()
        let taken = take(into: buffer)
        refill()
        return taken
    }

    /// Blocking: fills `buffer` completely, or throws `.timeout` when the whole read
    /// has not finished within `timeoutMilliseconds` (what it got is in the error).
    /// A `cancellable` read also ends, with `.interrupted`, when the platform
    /// cancels the wait (the user's Ctrl-C).
    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: UInt64,
                     cancellable: Bool = false) throws(RNGError) {
        let deadline = platform.now().adding(milliseconds: timeoutMilliseconds)
        var done = 0
        while done < buffer.count {
            guard !stopped else { throw .stopped }
            if let reason = queue.brokenReason { throw .deviceBroken(reason) }
            collect()
            done += take(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            refill()
            guard done < buffer.count else { break }
            guard platform.now() < deadline else { throw .timeout(milliseconds: timeoutMilliseconds, received: done) }
            // Sleep until the device interrupts, but wake at least every 10 ms to poll,
            // in case the interrupt is lost or not wired.
            let wake = min(deadline, platform.now().adding(milliseconds: 10))
            if let interrupt {
                switch platform.waitForInterrupt(interrupt, until: wake, cancellable: cancellable) {
                case .fired: break
                case .timedOut: if queue.hasUsed { polledCompletions += 1 }
                case .cancelled: throw .interrupted(received: done)
                }
            } else {
                while platform.now() < wake && !queue.hasUsed {}
                if queue.hasUsed { polledCompletions += 1 }
            }
        }
    }

    /// Bytes collected and not yet read.
    public var bytesReady: Int { poolCount }

    // MARK: - Internals

    /// Drains the used ring into the pool.
    private func collect() {
        guard !stopped else { return }
        while let used = queue.nextUsed() {
            let index = bufferForHead[Int(used.head)]
            guard index >= 0 else { continue }
            bufferForHead[Int(used.head)] = -1
            bufferInFlight[index] = false
            append(UnsafeRawBufferPointer(start: buffers[index].pointer, count: Int(used.length)))
        }
    }

    /// Keeps every idle buffer in flight while the pool has room for its contents.
    private func refill() {
        guard !queue.isBroken, !stopped else { return }
        var submitted = false
        for index in buffers.indices where !bufferInFlight[index] {
            let inFlightBytes = bufferInFlight.reduce(0) { $0 + ($1 ? requestSize : 0) }
            guard poolCount + inFlightBytes + requestSize <= poolSize else { break }
            let buffer = VirtqueueBuffer(physicalAddress: buffers[index].physicalAddress,
                                         length: UInt32(requestSize), deviceWritable: true)
            guard let head = try? queue.submit([buffer]) else { break }
            bufferForHead[Int(head)] = index
            bufferInFlight[index] = true
            submitted = true
        }
        if submitted { queue.notifyIfNeeded(transport) }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        var copied = 0
        while copied < bytes.count && poolCount < poolSize {
            let end = (poolStart + poolCount) % poolSize
            let run = min(bytes.count - copied, poolSize - poolCount, poolSize - end)
            (pool + end).copyMemory(from: bytes.baseAddress! + copied, byteCount: run)
            poolCount += run
            copied += run
        }
    }

    private func take(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var taken = 0
        while taken < buffer.count && poolCount > 0 {
            let run = min(buffer.count - taken, poolCount, poolSize - poolStart)
            buffer.baseAddress!.advanced(by: taken).copyMemory(from: pool + poolStart, byteCount: run)
            poolStart = (poolStart + run) % poolSize
            poolCount -= run
            taken += run
        }
        bytesDelivered += UInt64(taken)
        return taken
    }
}
