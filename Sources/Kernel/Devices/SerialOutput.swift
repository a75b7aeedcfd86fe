import Console
import KernelSupport
import Platform
import Scheduling

/// The serial mirror of console 1: output is copied into a ring and written to
/// the PL011 by a background thread, so the screen never waits for the serial
/// port (under TCG every byte to the PL011 costs about 3 µs: a full-speed
/// mirror made `cat` four times slower). While the CPU is busy (a big `cat`),
/// the writer itself sends a small piece every `turnNanoseconds`, so the port
/// shows progress; the rest falls behind, and the middle of the backlog gives
/// way (`OutputRing`), so the start of a flood (the command line's echo) and
/// its end (the prompt) always get through, the end soon after it was
/// written. The count of bytes lost is kept and announced on the port when it
/// catches up.
final class SerialOutput {
    /// A burst up to this size (a `help`, an `ls`) reaches the port whole.
    static let capacity = 16 << 10
    /// The start of a flood (the command line's echo, its first lines) always
    /// gets through.
    static let protectedBytes = 2 << 10
    /// Once a flood overflows the ring, its last 2 KiB wait for the port: at
    /// about 3 µs a byte, the prompt arrives some 10 ms after the flood ends
    /// rather than 50 ms later behind 16 KiB of lines that were lost anyway.
    static let floodTail = 2 << 10
    /// While the ring does not drain by itself: a piece of `turnBytes` from the
    /// writer at most this often.
    static let turnNanoseconds: UInt64 = 20_000_000
    static let turnBytes = 256
    private var lastTurn = Instant(nanoseconds: 0)
    /// nil until `start`: output goes to the port at once.
    private var ring: OutputRing? = nil
    private var thread: ScheduledThread? = nil
    private let queue = WaitQueue(name: "serial")

    init() {}

    /// From here on output is buffered and sent by the `serial` thread.
    func start() {
        ring = OutputRing(capacity: SerialOutput.capacity, protectedBytes: SerialOutput.protectedBytes,
                          floodTail: SerialOutput.floodTail)
        thread = Threads.spawn(name: "serial", priority: .background, stackKiB: 16) { self.run() }
        if thread == nil { ring = nil }
    }

    /// Bytes that never reached the port because the ring was full.
    var dropped: UInt64 { ring?.dropped ?? 0 }

    /// Console output for the port. Never blocks: the bytes are queued (the
    /// oldest queued ones giving way when the ring is full).
    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let ring else {
            for byte in bytes { UART.put(byte) }
            return
        }
        ring.write(bytes)
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
            if ring?.isEmpty ?? true { _ = Threads.block(on: queue) }
            lumen_irq_enable()
            lastTurn = GenericTimer.now()
            sendPiece(512)
            Threads.yield()
        }
    }

    func sendPiece(_ maximum: Int) {
        guard let ring else { return }
        ring.drain(maximum: maximum) { UART.put($0) }  // LF goes out as CR LF
        // Caught up after a flood: say once how much the port missed.
        if let report = ring.takeDropReport(port: "serial") { KernelLog.write(report) }
    }

    /// Sends everything queued now (before a panic report or power-off).
    func flush() {
        while let count = ring?.count, count > 0 { sendPiece(count) }
    }
}
