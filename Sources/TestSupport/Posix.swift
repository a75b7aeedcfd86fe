import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Configuration

/// Process-wide knobs, read once from the environment.
public enum TestSupportConfig {
    /// Multiplies every timeout TestSupport applies (waits, QMP replies, VNC, exits).
    /// Set `LUMEN_TEST_TIMEOUT_SCALE=3` on a slow or loaded machine.
    public static let timeoutScale: Double = {
        if let s = ProcessInfo.processInfo.environment["LUMEN_TEST_TIMEOUT_SCALE"],
           let v = Double(s), v > 0 {
            return v
        }
        return 1
    }()

    static func scaled(_ t: TimeInterval) -> TimeInterval { max(0, t) * timeoutScale }
}

// MARK: - Time

/// A point on the monotonic clock.
struct Deadline: Sendable {
    let uptimeNanos: UInt64

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    init(after seconds: TimeInterval) {
        let s = max(0, seconds)
        let ns = s >= 1e9 ? UInt64(1e18) : UInt64(s * 1e9)
        uptimeNanos = Deadline.now() &+ ns
    }

    var remaining: TimeInterval {
        let n = Deadline.now()
        return n >= uptimeNanos ? 0 : Double(uptimeNanos - n) / 1e9
    }

    var hasPassed: Bool { Deadline.now() >= uptimeNanos }

    /// Milliseconds for poll(2), capped at `cap` ms, at least 0.
    func pollMilliseconds(cap: Int32 = 200) -> Int32 {
        let ms = remaining * 1000
        if ms <= 0 { return 0 }
        return Int32(min(Double(cap), ms.rounded(.up)))
    }

    /// A wall-clock `Date` for `NSCondition.wait(until:)`, no later than `cap` seconds from now.
    func date(cap: TimeInterval = 0.25) -> Date {
        Date(timeIntervalSinceNow: min(cap, remaining))
    }
}

// MARK: - Signals

enum SignalSetup {
    /// Writing to a pipe or socket whose reader (QEMU) died must fail with EPIPE instead of
    /// killing the test runner.
    static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}

// MARK: - Small atomics

/// A thread-safe boolean flag.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
    /// Sets the flag and returns whether it was already set.
    func testAndSet() -> Bool { lock.lock(); defer { lock.unlock() }; let old = value; value = true; return old }
}

// MARK: - File descriptors

enum FD {
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func setCloseOnExec(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// A pipe whose both ends are close-on-exec (the child gets dup2'ed copies).
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // (pipe2 is not exported by the Glibc module; Foundation's Process closes every
        // unrelated fd in its children anyway, so the window before FD_CLOEXEC is harmless.)
        let rc = pipe(&fds)
        if rc != 0 {
            throw TestSupportError.launch("pipe() failed: \(String(cString: strerror(errno)))")
        }
        setCloseOnExec(fds[0]); setCloseOnExec(fds[1])
        return (fds[0], fds[1])
    }

    /// Writes all bytes to a (non-blocking) fd, waiting for writability until `deadline`.
    /// Returns false on error (EPIPE when the reader is gone) or timeout.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                write(fd, raw.baseAddress! + offset, bytes.count - offset)
            }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EINTR) { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if deadline.hasPassed { return false }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, deadline.pollMilliseconds())
                continue
            }
            return false
        }
        return true
    }
}

// MARK: - Temporary directories

enum TempDir {
    /// Creates a fresh private directory with a short path (unix socket paths must stay
    /// below 108 bytes): `<tmp>/lumen-XXXXXX`, falling back to /tmp when $TMPDIR is long.
    static func make(prefix: String = "lumen") throws -> URL {
        var base = FileManager.default.temporaryDirectory.path
        if base.utf8.count > 48 || base.contains(",") || base.contains(" ") { base = "/tmp" }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { buf -> UnsafeMutablePointer<CChar>? in
            mkdtemp(buf.baseAddress!)
        }
        guard result != nil else {
            throw TestSupportError.launch("mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Record the owning test runner so a later run can sweep directories left behind by a
        // crashed one (QEMU itself dies with the runner, see Spawner).
        try? "\(getpid())\n".write(toFile: path + "/" + ownerFile, atomically: false, encoding: .utf8)
        sweepOnce(base)
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    static let ownerFile = ".lumen-owner-pid"
    private static let sweepLock = NSLock()
    private nonisolated(unsafe) static var swept = false

    /// Once per process: remove `lumen-*` directories in `base` whose owner process is dead.
    private static func sweepOnce(_ base: String) {
        sweepLock.lock()
        defer { sweepLock.unlock() }
        if swept { return }
        swept = true
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for name in entries where name.hasPrefix("lumen-") {
            let dir = base + "/" + name
            guard let text = try? String(contentsOfFile: dir + "/" + ownerFile, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }

    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}

// MARK: - Executables

enum Executables {
    /// Finds `name` on $PATH (then in `fallbacks`).
    static func find(_ name: String, fallbacks: [String] = []) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for f in fallbacks where FileManager.default.isExecutableFile(atPath: f) { return f }
        return nil
    }

    /// qemu-system-aarch64: `$LUMEN_QEMU` if set, else from $PATH, else /usr/bin.
    static func qemu() throws -> String {
        if let override = ProcessInfo.processInfo.environment["LUMEN_QEMU"], !override.isEmpty {
            if let found = find(override) { return found }
            throw TestSupportError.launch("LUMEN_QEMU=\(override) is not an executable")
        }
        if let found = find("qemu-system-aarch64", fallbacks: ["/usr/bin/qemu-system-aarch64",
                                                              "/usr/local/bin/qemu-system-aarch64"]) {
            return found
        }
        throw TestSupportError.launch(
            "qemu-system-aarch64 not found on PATH (install qemu-system-arm, or set LUMEN_QEMU)")
    }
}

// MARK: - Unix stream sockets

/// A connected AF_UNIX stream socket with deadline-bounded I/O. The fd is closed only in
/// `deinit` (or `close()` when nobody else can be using it), so a concurrent reader never sees
/// a recycled descriptor; `shutdown()` wakes up a thread blocked in `poll`.
final class UnixSocket: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Connects, retrying while the socket does not exist yet or refuses connections
    /// (QEMU still starting) until `deadline`. `stillWorthTrying` lets the caller give up
    /// early (e.g. because QEMU has exited).
    static func connect(path: String, deadline: Deadline,
                        stillWorthTrying: () -> Bool = { true }) throws -> UnixSocket {
        SignalSetup.ignoreSIGPIPE
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard pathBytes.count < capacity else {
            throw TestSupportError.invalidArgument("unix socket path too long (\(pathBytes.count) bytes, max \(capacity - 1)): \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        var lastError: Int32 = 0
        while true {
            #if os(Linux)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
            #endif
            if fd < 0 {
                throw TestSupportError.protocolError("socket() failed: \(String(cString: strerror(errno)))")
            }
            let rc = withUnsafePointer(to: &addr) { p -> Int32 in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc == 0 {
                FD.setNonBlocking(fd)
                return UnixSocket(fd: fd, path: path)
            }
            lastError = errno
            _ = Glibc.close(fd)
            let retryable = lastError == ENOENT || lastError == ECONNREFUSED || lastError == EAGAIN || lastError == EINTR
            if !retryable {
                throw TestSupportError.protocolError("connect(\(path)) failed: \(String(cString: strerror(lastError)))")
            }
            if deadline.hasPassed || !stillWorthTrying() {
                throw TestSupportError.timeout("could not connect to \(path): \(String(cString: strerror(lastError)))")
            }
            usleep(20_000)
        }
    }

    private func currentFD() -> Int32 {
        lock.lock(); defer { lock.unlock() }
        return fd
    }

    /// Sends everything or throws (timeout, or the peer went away).
    func send(_ bytes: [UInt8], deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            let fd = currentFD()
            if fd < 0 { throw TestSupportError.protocolError("socket \(path) is closed") }
            let n = bytes.withUnsafeBytes { raw -> Int in
                #if os(Linux)
                return Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                #else
                return Darwin.send(fd, raw.baseAddress! + offset, bytes.count - offset, 0)
                #endif
            }
            if n > 0 { offset += n; continue }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                if deadline.hasPassed {
                    throw TestSupportError.timeout("sending to \(path) timed out")
                }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, deadline.pollMilliseconds())
                continue
            }
            throw TestSupportError.protocolError("send to \(path) failed: \(String(cString: strerror(e)))")
        }
    }

    enum ReceiveResult {
        case data([UInt8])
        case eof
        case wouldBlock   // nothing arrived before the deadline / poll slice ended
    }

    /// Waits up to `deadline` (in slices of at most `sliceMs`) for data. Returns `.wouldBlock`
    /// when the deadline passed or `shouldStop()` became true.
    func receive(max: Int = 65536, deadline: Deadline, sliceMs: Int32 = 200,
                 shouldStop: () -> Bool = { false }) throws -> ReceiveResult {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let fd = currentFD()
            if fd < 0 { return .eof }
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress!, max, 0)
            }
            if n > 0 { return .data(Array(buffer[0..<n])) }
            if n == 0 { return .eof }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                if deadline.hasPassed || shouldStop() { return .wouldBlock }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, deadline.pollMilliseconds(cap: sliceMs))
                if shouldStop() { return .wouldBlock }
                continue
            }
            if e == ECONNRESET || e == EPIPE || e == ENOTCONN { return .eof }
            throw TestSupportError.protocolError("recv from \(path) failed: \(String(cString: strerror(e)))")
        }
    }

    /// Wakes up anybody polling this socket and makes further I/O fail; does not free the fd.
    func shutdown() {
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Shuts down and frees the fd. Only call when no other thread can be using the socket.
    func close() {
        lock.lock(); defer { lock.unlock() }
        if fd >= 0 {
            _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
            _ = Glibc.close(fd)
            fd = -1
        }
    }
}
