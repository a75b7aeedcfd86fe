import KernelSupport
import Platform
import Scheduling

/// The serial mirror of console 1: output is copied into a ring and written to
/// the PL011 by a background thread, so the screen never waits for the serial
/// port (under TCG every byte to the PL011 costs about 3 µs: a full-speed
/// mirror made `cat` four times slower). While the CPU is busy (a big `cat`),
/// the writer itself sends a small piece every `turnNanoseconds`, so the port
/// shows progress; the rest falls behind, and the oldest bytes give way, so the
/// newest output (the prompt) always gets through. The count of bytes lost is
/// kept and announced on the port when it catches up.
final class SerialOutput {
    static let capacity = 16 << 10
    /// While the ring does not drain by itself: a piece of `turnBytes` from the
    /// writer at most this often.
    static let turnNanoseconds: UInt64 = 20_000_000
    static let turnBytes = 256
    private var lastTurn = Instant(nanoseconds: 0)
    private var ring: UnsafeMutablePointer<UInt8>? = nil
    private var head = 0  // next byte to send
    private var count = 0
    /// Bytes that never reached the port because the ring was full.
    private(set) var dropped: UInt64 = 0
    private var droppedReported: UInt64 = 0
    private var thread: ScheduledThread? = nil
    private let queue = WaitQueue(name: "serial")

    /// Until `start`, output goes to the port at once.
    init() {}

    /// From here on output is buffered and sent by the `serial` thread.
    func start() {
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: SerialOutput.capacity)
        ring = storage
        thread = Threads.spawn(name: "serial", priority: .background, stackKiB: 16) { self.run() }
        if thread == nil { ring = nil; storage.deallocate() }
    }

    /// Console output for the port. Never blocks: the bytes are copied into the
    /// ring (at most its size, the newest), the oldest queued ones giving way.
    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let ring, let source = bytes.baseAddress else {
            for byte in bytes { UART.put(byte) }
            return
        }
        let capacity = SerialOutput.capacity
        let kept = min(bytes.count, capacity)
        let overflow = count + kept - min(count + kept, capacity)
        dropped &+= UInt64(overflow + bytes.count - kept)
        head = (head + overflow) % capacity
        count -= overflow
        var from = source + (bytes.count - kept)
        var remaining = kept
        while remaining > 0 {
            let tail = (head + count) % capacity
            let run = min(remaining, capacity - tail)
            (ring + tail).update(from: from, count: run)
            from += run
            count += run
            remaining -= run
        }
        let now = GenericTimer.now()
        if now.nanoseconds(since: lastTurn) >= SerialOutput.turnNanoseconds {
            lastTurn = now
            sendPiece(SerialOutput.turnBytes)
        }
        Threads.wakeAll(queue)
    }

    /// The thread: sends what is queued in pieces whenever nothing else wants
    /// the CPU; sleeps when the ring is empty.
    func run() {
        while true {
            lumen_irq_disable()
            if count == 0 { _ = Threads.block(on: queue) }
            lumen_irq_enable()
            lastTurn = GenericTimer.now()
            sendPiece(512)
            Threads.yield()
        }
    }

    func sendPiece(_ maximum: Int) {
        guard let ring else { return }
        var sent = 0
        while count > 0 && sent < maximum {
            UART.put(ring[head])  // LF goes out as CR LF
            head = (head + 1) % SerialOutput.capacity
            count -= 1
            sent += 1
        }
        if count == 0 && dropped != droppedReported {
            // Caught up after a flood: say once how much the port missed.
            KernelLog.write("\n[serial: the port fell behind; \(dropped - droppedReported) bytes of console output not mirrored]\n")
            droppedReported = dropped
        }
    }

    /// Sends everything queued now (before a panic report or power-off).
    func flush() {
        while count > 0 { sendPiece(count) }
    }
}
