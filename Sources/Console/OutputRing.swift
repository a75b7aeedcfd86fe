/// Output queued for a slow port (the serial mirror), never blocking the
/// writer. When the writer outruns the port, the middle of the backlog gives
/// way: the start of a flood (the command line's echo, its first lines) and
/// its end (the last lines, the prompt) get through. The bytes lost are
/// counted, and once everything queued has gone out a one-line report says how
/// many.
///
/// Two stores, so that overflow never moves a byte: `front` takes the first
/// `protectedBytes` written while nothing else is queued (a flood's start) and
/// is never dropped; `back` is a ring of `capacity` bytes behind it whose
/// oldest bytes give way. Bytes leave from `front` first.
///
/// Once a flood has overflowed the ring, only its newest `floodTail` bytes are
/// kept until the port has caught up: the middle is lost anyway, and a short
/// tail lets the flood's end (the prompt) reach the port soon after it was
/// written instead of behind a full ring of stale lines.
public final class OutputRing {
    /// Bytes the ring behind the protected start holds.
    public let capacity: Int
    /// The start of a flood that overflow never takes.
    public let protectedBytes: Int
    /// Bytes the ring keeps while a flood overflows it.
    public let floodTail: Int
    /// The ring overflowed since it was last empty.
    private var flooding = false
    private let front: UnsafeMutablePointer<UInt8>
    private var frontStart = 0
    private var frontCount = 0
    private let back: UnsafeMutablePointer<UInt8>
    private var backHead = 0  // oldest byte in `back`
    private var backCount = 0
    /// Bytes that never reached the port because the ring was full.
    public private(set) var dropped: UInt64 = 0
    private var droppedReported: UInt64 = 0

    /// A ring of `capacity` bytes behind `protectedBytes` (default: a
    /// quarter of `capacity`), keeping `floodTail` bytes (default: all of
    /// them) once a flood overflows it.
    public init(capacity: Int, protectedBytes: Int? = nil, floodTail: Int? = nil) {
        self.capacity = max(capacity, 2)
        self.protectedBytes = max(protectedBytes ?? self.capacity / 4, 0)
        self.floodTail = min(max(floodTail ?? self.capacity, 1), self.capacity)
        front = UnsafeMutablePointer<UInt8>.allocate(capacity: max(self.protectedBytes, 1))
        back = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit {
        front.deallocate()
        back.deallocate()
    }

    /// Bytes queued.
    public var count: Int { frontCount + backCount }
    public var isEmpty: Bool { count == 0 }

    /// Queues `bytes`; never blocks, never fails.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard var source = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        // The front takes bytes only while the ring behind it is empty, so
        // everything in the front is older than everything in the ring.
        if backCount == 0 {
            if frontCount == 0 { frontStart = 0 }
            let room = protectedBytes - (frontStart + frontCount)
            let taken = min(room, remaining)
            if taken > 0 {
                copy(from: source, to: front + frontStart + frontCount, taken)
                frontCount += taken
                source += taken
                remaining -= taken
            }
        }
        guard remaining > 0 else { return }
        if !flooding && backCount + remaining > capacity { flooding = true }
        let room = flooding ? floodTail : capacity
        // A write longer than the ring keeps its newest part.
        if remaining > room {
            let skipped = remaining - room
            dropped &+= UInt64(skipped)
            source += skipped
            remaining = room
        }
        // Make room by dropping the ring's oldest bytes: no byte moves.
        let overflow = backCount + remaining - room
        if overflow > 0 {
            dropped &+= UInt64(overflow)
            backHead = (backHead + overflow) % capacity
            backCount -= overflow
        }
        while remaining > 0 {
            let tail = (backHead + backCount) % capacity
            let run = min(remaining, capacity - tail)
            copy(from: source, to: back + tail, run)
            backCount += run
            source += run
            remaining -= run
        }
    }

    /// Hands up to `maximum` of the oldest queued bytes to `send`, in order,
    /// and removes them.
    public func drain(maximum: Int, _ send: (UInt8) -> Void) {
        var sent = 0
        while frontCount > 0 && sent < maximum {
            send(front[frontStart])
            frontStart += 1
            frontCount -= 1
            sent += 1
        }
        while backCount > 0 && sent < maximum {
            send(back[backHead])
            backHead = backHead + 1 == capacity ? 0 : backHead + 1
            backCount -= 1
            sent += 1
        }
        if backCount == 0 { flooding = false }
    }

    /// Once the ring is empty after it dropped bytes: the report to send
    /// (once per loss), e.g. "[serial: the port fell behind; 120 bytes of
    /// console output not mirrored]".
    public func takeDropReport(port: String) -> String? {
        guard count == 0, dropped != droppedReported else { return nil }
        let lost = dropped - droppedReported
        droppedReported = dropped
        return "\n[" + port + ": the port fell behind; \(lost) bytes of console output not mirrored]\n"
    }

    /// One memcpy: the ring sits on the console's output path, and a loop of
    /// byte stores costs about a tenth of `cat`'s time under TCG.
    private func copy(from source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>, _ count: Int) {
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count)
    }
}
