import Terminal

/// One console's tty: the terminal that shows its output (once a screen does),
/// the output held back while Scroll Lock is on, and the input typed for its
/// program with the line discipline's interrupt character.
///
/// Writes take buffers and go to the terminal's parser in one piece: that bulk
/// path is the path of everything a program prints.
public final class Tty {
    /// Output kept while no terminal shows this tty (the boot log before the
    /// screen exists): the newest `unshownLimit` bytes, replayed on `attach`.
    public static let unshownLimit = 64 << 10
    /// Output held while Scroll Lock is on, at most this much; beyond it the
    /// writer's bytes are dropped and counted, never the ones already held.
    public static let heldLimit = 4 << 20
    /// The interrupt character (ISIG's VINTR): Ctrl-C.
    public static let interruptCharacter: UInt8 = 0x03

    public private(set) var terminal: Terminal? = nil
    /// Called after output changed the terminal (the console asks for a frame).
    public var outputChanged: (() -> Void)? = nil

    private var unshown: [UInt8] = []
    public private(set) var isHeld = false
    private var held: [UInt8] = []
    /// Bytes dropped because the hold buffer was full.
    public private(set) var heldDropped: UInt64 = 0

    /// Typed and not yet read by the program.
    public private(set) var input: [UInt8] = []

    public init() {}

    // MARK: - Output

    /// A program's output.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        if isHeld {
            let room = max(0, Tty.heldLimit - held.count)
            held.append(contentsOf: bytes.prefix(room))
            heldDropped &+= UInt64(bytes.count - min(room, bytes.count))
            return
        }
        guard let terminal else {
            unshown.append(contentsOf: bytes.suffix(Tty.unshownLimit))
            if unshown.count > Tty.unshownLimit { unshown.removeFirst(unshown.count - Tty.unshownLimit) }
            return
        }
        terminal.feed(bytes)
        outputChanged?()
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    /// A terminal shows this tty from now on; what was written before it
    /// existed is replayed into it first. A tty's output turns LF into CR LF (ONLCR).
    public func attach(_ terminal: Terminal) {
        terminal.lineFeedReturnsCarriage = true
        self.terminal = terminal
        let replay = unshown
        unshown = []
        replay.withUnsafeBufferPointer { terminal.feed($0) }
    }

    /// Scroll Lock: while held, output waits (up to `heldLimit`); released, it
    /// is written in the order it came.
    public func setHeld(_ hold: Bool) {
        guard hold != isHeld else { return }
        isHeld = hold
        if !hold {
            let bytes = held
            held = []
            write(bytes)
        }
    }

    public var heldCount: Int { held.count }

    // MARK: - Input (the line discipline)

    /// Whether the program is running a command (set by the program): a
    /// Ctrl-C typed meanwhile interrupts it instead of queueing.
    public var programIsBusy: () -> Bool = { false }
    /// Called after input arrived (the program's thread is woken); `interrupted`
    /// when it carried a Ctrl-C for a busy program.
    public var inputArrived: ((_ interrupted: Bool) -> Void)? = nil

    /// Bytes typed for the program (keyboard, serial port, paste). When the
    /// program is busy and a Ctrl-C is among them, what was typed up to and
    /// including the last Ctrl-C is dropped, as a tty flushes its input on
    /// SIGINT, and the program is interrupted. Typing also returns a
    /// scrolled-back view to the live screen.
    public func receive(_ bytes: [UInt8]) {
        if let terminal, terminal.viewOffset != 0 {
            terminal.resetView()
            outputChanged?()
        }
        var interrupted = false
        if programIsBusy(), let control = bytes.lastIndex(of: Tty.interruptCharacter) {
            input.removeAll()
            input += bytes[(control + 1)...]
            interrupted = true
        } else {
            input += bytes
        }
        inputArrived?(interrupted)
    }

    /// What was typed, oldest first; the queue is emptied.
    public func takeInput() -> [UInt8] {
        let bytes = input
        input.removeAll()
        return bytes
    }

    public var hasInput: Bool { !input.isEmpty }
}
