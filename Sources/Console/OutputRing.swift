/// Output queued for a slow port (the serial mirror): a ring of fixed size
/// that never blocks the writer. When a write does not fit, bytes from the
/// middle of the backlog give way: the oldest `protectedBytes` (the start of a
/// flood: the command line's echo, its first lines) and the newest (its end:
/// the last lines and the prompt) get through. The bytes lost are counted, and
/// once the ring has drained a one-line report says how many.
public final class OutputRing {
    public let capacity: Int
    /// The oldest queued bytes that overflow never takes.
    public let protectedBytes: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private var head = 0  // next byte to send
    public private(set) var count = 0
    /// Bytes that never reached the port because the ring was full.
    public private(set) var dropped: UInt64 = 0
    private var droppedReported: UInt64 = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
        protectedBytes = self.capacity / 4
        storage = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    public var isEmpty: Bool { count == 0 }

    /// Queues `bytes`; never blocks, never fails.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        // A write longer than the room beside the protected bytes keeps its newest part.
        let kept = min(bytes.count, capacity - protectedBytes)
        let overflow = max(0, count + kept - capacity)
        dropped &+= UInt64(overflow + bytes.count - kept)
        if overflow > 0 { dropAfterProtected(overflow) }
        var from = source + (bytes.count - kept)
        var remaining = kept
        while remaining > 0 {
            let tail = (head + count) % capacity
            let run = min(remaining, capacity - tail)
            (storage + tail).update(from: from, count: run)
            from += run
            count += run
            remaining -= run
        }
    }

    /// Removes `amount` bytes that follow the protected ones: the protected
    /// bytes move up by `amount` over them, and the ring starts there.
    private func dropAfterProtected(_ amount: Int) {
        var index = protectedBytes
        while index > 0 {
            index -= 1
            storage[(head + amount + index) % capacity] = storage[(head + index) % capacity]
        }
        head = (head + amount) % capacity
        count -= amount
    }

    /// Hands up to `maximum` of the oldest queued bytes to `send`, in order,
    /// and removes them.
    public func drain(maximum: Int, _ send: (UInt8) -> Void) {
        var sent = 0
        while count > 0 && sent < maximum {
            send(storage[head])
            head = (head + 1) % capacity
            count -= 1
            sent += 1
        }
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
}
