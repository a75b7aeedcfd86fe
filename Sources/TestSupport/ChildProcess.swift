import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Output collection

/// Accumulates a byte stream (QEMU's stdout or stderr) and exposes it as an append-only,
/// lossily UTF-8 decoded string. A multi-byte sequence split across reads is held back
/// until complete, so a string handed out earlier is always a prefix of later ones (its
/// `endIndex` stays a valid position in later snapshots).
final class OutputCollector: @unchecked Sendable {
    let condition = NSCondition()
    /// Decoded text (append-only).
    private(set) var text = ""
    /// UTF-8 of `text` (same offsets), for fast searching.
    private(set) var utf8: [UInt8] = []
    private var pending: [UInt8] = []
    /// Bumped on every append and on finish, so waiters can detect changes.
    private(set) var generation: UInt64 = 0
    /// True once the stream hit EOF (the writer, i.e. QEMU, is gone).
    private(set) var finished = false

    /// Call with `condition` NOT held.
    func append(_ chunk: ArraySlice<UInt8>) {
        condition.lock()
        pending.append(contentsOf: chunk)
        let cut = OutputCollector.completePrefixLength(pending)
        if cut > 0 {
            let piece = String(decoding: pending[0..<cut], as: UTF8.self)
            text += piece
            utf8.append(contentsOf: piece.utf8)
            pending.removeFirst(cut)
        }
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        if !pending.isEmpty {
            let piece = String(decoding: pending, as: UTF8.self)
            text += piece
            utf8.append(contentsOf: piece.utf8)
            pending.removeAll()
        }
        finished = true
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    var snapshot: String {
        condition.lock(); defer { condition.unlock() }
        return text
    }

    var isFinished: Bool {
        condition.lock(); defer { condition.unlock() }
        return finished
    }

    /// Waits (bounded) until the stream has been fully drained.
    func waitUntilFinished(deadline: Deadline) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while !finished {
            if deadline.hasPassed { return false }
            _ = condition.wait(until: deadline.date())
        }
        return true
    }

    /// The last `maxCharacters` characters, for error messages.
    func tail(_ maxCharacters: Int = 2000) -> String {
        let s = snapshot
        if s.count <= maxCharacters { return s }
        return "…" + String(s.suffix(maxCharacters))
    }

    /// Number of leading bytes of `bytes` that do not end inside an incomplete UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = 1
        while i <= min(3, n) {
            let b = bytes[n - i]
            if b & 0xC0 == 0x80 { i += 1; continue }      // continuation byte: keep looking back
            if b >= 0xC0 {
                let need = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                return need > i ? n - i : n
            }
            return n                                        // ASCII byte: everything is complete
        }
        return n                                            // only continuation bytes: invalid anyway
    }
}

/// Finds `needle` in `haystack` starting at `from`; returns the offset just past the match.
func findBytes(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
    let n = needle.count, h = haystack.count
    if n == 0 { return max(0, min(from, h)) }
    if h < n { return nil }
    var i = max(0, from)
    let first = needle[0]
    while i <= h - n {
        if haystack[i] == first {
            var j = 1
            while j < n && haystack[i + j] == needle[j] { j += 1 }
            if j == n { return i + n }
        }
        i += 1
    }
    return nil
}

// MARK: - Spawning

/// Spawns child processes from one dedicated thread that never exits. Combined with
/// `setpriv --pdeathsig KILL`, that makes the kernel SIGKILL our QEMUs if the test runner dies
/// (PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, so spawning from a
/// transient XCTest/Dispatch thread would kill QEMU at random).
final class Spawner: @unchecked Sendable {
    static let shared = Spawner()

    private let condition = NSCondition()
    private var jobs: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "lumen-testsupport-spawner"
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `process.run()` on the spawner thread (bounded wait).
    func run(_ process: Process) throws {
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var error: Error?
            var started = false
            var cancelled = false
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        jobs.append {
            box.lock.lock()
            let cancelled = box.cancelled
            box.lock.unlock()
            if !cancelled {
                do { try process.run(); box.lock.lock(); box.started = true; box.lock.unlock() }
                catch { box.lock.lock(); box.error = error; box.lock.unlock() }
            }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        if done.wait(timeout: .now() + 60) == .timedOut {
            box.lock.lock(); box.cancelled = true; let started = box.started; box.lock.unlock()
            if started { Glibc.kill(process.processIdentifier, SIGKILL) }
            throw TestSupportError.launch("spawning \(process.executableURL?.path ?? "?") did not finish within 60 s")
        }
        box.lock.lock(); defer { box.lock.unlock() }
        if let error = box.error { throw error }
    }

    /// `setpriv` with `--pdeathsig` support, if available (checked once).
    static let pdeathsigWrapper: String? = {
        guard let setpriv = Executables.find("setpriv", fallbacks: ["/usr/bin/setpriv"]) else { return nil }
        // Probe: older util-linux lacks --pdeathsig.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: setpriv)
        p.arguments = ["--pdeathsig", "KILL", "--", "/bin/true"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let deadline = Deadline(after: 5)
        while p.isRunning && !deadline.hasPassed { usleep(2_000) }
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL); return nil }
        return p.terminationStatus == 0 ? setpriv : nil
    }()
}

// MARK: - Child process

/// A child process with stdin/stdout/stderr pipes, background readers, bounded waits and a
/// reliable SIGKILL. Reaping is done by Foundation's `Process` manager thread.
final class ChildProcess: @unchecked Sendable {
    let executable: String
    let arguments: [String]
    let stdout = OutputCollector()
    let stderr = OutputCollector()

    private let process = Process()
    private let stdinLock = NSLock()
    private var stdinFD: Int32 = -1
    private let stopReaders = Flag()
    private let killed = Flag()

    /// - Parameter dieWithParent: wrap in `setpriv --pdeathsig KILL` when available, so the
    ///   child dies with the test runner even if the runner crashes.
    init(executable: String, arguments: [String], dieWithParent: Bool = true) throws {
        SignalSetup.ignoreSIGPIPE
        self.executable = executable
        self.arguments = arguments

        let inPipe = try FD.makePipe()
        let outPipe: (read: Int32, write: Int32)
        let errPipe: (read: Int32, write: Int32)
        do { outPipe = try FD.makePipe() } catch {
            _ = Glibc.close(inPipe.read); _ = Glibc.close(inPipe.write); throw error
        }
        do { errPipe = try FD.makePipe() } catch {
            for fd in [inPipe.read, inPipe.write, outPipe.read, outPipe.write] { _ = Glibc.close(fd) }
            throw error
        }

        if dieWithParent, let wrapper = Spawner.pdeathsigWrapper {
            process.executableURL = URL(fileURLWithPath: wrapper)
            process.arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.standardInput = FileHandle(fileDescriptor: inPipe.read, closeOnDealloc: false)
        process.standardOutput = FileHandle(fileDescriptor: outPipe.write, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: errPipe.write, closeOnDealloc: false)

        do {
            try Spawner.shared.run(process)
        } catch {
            for fd in [inPipe.read, inPipe.write, outPipe.read, outPipe.write, errPipe.read, errPipe.write] {
                _ = Glibc.close(fd)
            }
            throw TestSupportError.launch("could not start \(executable): \(error)")
        }
        // The child has its own copies now.
        _ = Glibc.close(inPipe.read)
        _ = Glibc.close(outPipe.write)
        _ = Glibc.close(errPipe.write)
        FD.setNonBlocking(inPipe.write)
        stdinFD = inPipe.write

        ChildProcess.startReader(fd: outPipe.read, into: stdout, stop: stopReaders, name: "lumen-qemu-stdout")
        ChildProcess.startReader(fd: errPipe.read, into: stderr, stop: stopReaders, name: "lumen-qemu-stderr")
    }

    deinit {
        kill()
    }

    private static func startReader(fd: Int32, into collector: OutputCollector, stop: Flag, name: String) {
        FD.setNonBlocking(fd)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            readLoop: while true {
                let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress!, raw.count) }
                if n > 0 {
                    collector.append(buffer[0..<n])
                    continue
                }
                if n == 0 { break readLoop }                       // EOF: QEMU is gone
                let e = errno
                if e == EINTR { continue }
                if e != EAGAIN && e != EWOULDBLOCK { break readLoop }
                if stop.isSet { break readLoop }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, 200)
            }
            _ = Glibc.close(fd)
            collector.finish()
        }
        thread.name = name
        thread.start()
    }

    var pid: Int32 { process.processIdentifier }

    var isRunning: Bool { process.isRunning }

    /// Exit status once the process has ended: the exit code, or 128+signal when it was killed
    /// by a signal (shell convention). nil while running.
    var exitStatus: Int32? {
        if process.isRunning { return nil }
        let status = process.terminationStatus
        return process.terminationReason == .uncaughtSignal ? 128 + status : status
    }

    var terminationDescription: String {
        if process.isRunning { return "running (pid \(pid))" }
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal { return "killed by signal \(status)" }
        return "exited with status \(status)"
    }

    /// Waits until the process ended and its output pipes are drained. Returns false on timeout.
    @discardableResult
    func waitForExit(deadline: Deadline) -> Bool {
        while process.isRunning {
            if deadline.hasPassed { return false }
            usleep(5_000)
        }
        // Output written just before exit is still in the pipes; give the readers a moment.
        let drain = Deadline(after: min(2, max(0.2, deadline.remaining)))
        _ = stdout.waitUntilFinished(deadline: drain)
        _ = stderr.waitUntilFinished(deadline: drain)
        return true
    }

    /// Writes to the child's stdin (bounded). Returns false if the child is gone or not reading.
    @discardableResult
    func writeStdin(_ bytes: [UInt8], timeout: TimeInterval = 5) -> Bool {
        stdinLock.lock(); defer { stdinLock.unlock() }
        guard stdinFD >= 0 else { return false }
        return FD.writeAll(stdinFD, bytes, deadline: Deadline(after: timeout))
    }

    func closeStdin() {
        stdinLock.lock(); defer { stdinLock.unlock() }
        if stdinFD >= 0 { _ = Glibc.close(stdinFD); stdinFD = -1 }
    }

    /// SIGKILL (process and its process group) if still running, wait until reaped, drain
    /// and stop the output readers. Idempotent and bounded (~7 s worst case).
    func kill() {
        if killed.testAndSet() { return }
        let pid = process.processIdentifier
        if pid > 0 && process.isRunning {
            _ = Glibc.kill(pid, SIGKILL)
            // Foundation spawns children in their own process group; take any helpers too.
            _ = Glibc.kill(-pid, SIGKILL)
        }
        let deadline = Deadline(after: 5)
        while pid > 0 && process.isRunning && !deadline.hasPassed { usleep(2_000) }
        let drain = Deadline(after: 1)
        _ = stdout.waitUntilFinished(deadline: drain)
        _ = stderr.waitUntilFinished(deadline: drain)
        stopReaders.set()
        closeStdin()
    }
}
