import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One running `qemu-system-aarch64`, with its serial port on pipes, a QMP monitor and
/// (optionally) a VNC server on unix sockets in a private temporary directory.
///
/// Everything is bounded in time. QEMU is SIGKILLed by `kill()`, by `deinit`, and (via
/// `setpriv --pdeathsig`) when the test runner dies. Timeouts do NOT kill QEMU: that is the
/// caller's business (usually `defer { qemu.kill() }`).
public final class QEMUInstance: @unchecked Sendable {
    public let options: QEMUOptions
    /// The QEMU command line (executable first), e.g. for reproducing a failure by hand.
    public let commandLine: [String]
    /// The private directory holding qmp.sock, vnc.sock and screendumps (removed by `kill()`).
    public let runtimeDirectory: URL

    private let child: ChildProcess
    private let qmpLock = NSLock()
    private var qmpClient: QMPClient?
    private var qmpEventStore: [[String: Any]] = []   // guarded by qmpLock
    private let vncLock = NSLock()
    private var vncClients: [VNCClient] = []   // closed on kill()
    private let killedFlag = Flag()
    private let counterLock = NSLock()
    private var counter = 0

    public var qmpSocketPath: String { runtimeDirectory.appendingPathComponent("qmp.sock").path }
    public var vncSocketPath: String { runtimeDirectory.appendingPathComponent("vnc.sock").path }

    /// Starts QEMU and returns once its QMP socket exists (so QEMU parsed its command line
    /// and is initialising). Throws `.launch` (with QEMU's stderr) if QEMU exits during start-up.
    public init(_ options: QEMUOptions) throws {
        SignalSetup.ignoreSIGPIPE
        self.options = options
        if !options.kernel.isEmpty && !FileManager.default.fileExists(atPath: options.kernel) {
            throw TestSupportError.launch("kernel image not found: \(options.kernel)")
        }
        let qemu = try Executables.qemu()
        let dir = try TempDir.make()
        runtimeDirectory = dir
        var executable = qemu
        var args = options.arguments(runtimeDirectory: dir.path)
        if let namespace = options.networkNamespace {
            // `ip netns exec` execs QEMU in place: the child's pid stays QEMU's.
            executable = "/usr/sbin/ip"
            args = ["netns", "exec", namespace, qemu] + args
        }
        commandLine = [executable] + args
        do {
            child = try ChildProcess(executable: executable, arguments: args, dieWithParent: options.killWithTestRunner)
        } catch {
            TempDir.remove(dir)
            throw error
        }

        // Wait until QEMU created its QMP socket, or died.
        let deadline = Deadline(after: TestSupportConfig.scaled(options.startupTimeout))
        let qmpPath = dir.appendingPathComponent("qmp.sock").path
        while true {
            if FileManager.default.fileExists(atPath: qmpPath) { break }
            if !child.isRunning {
                child.waitForExit(deadline: Deadline(after: 2))
                let message = "QEMU \(child.terminationDescription) during start-up.\ncommand: \(QEMUInstance.shellQuoted(commandLine))\nstderr:\n\(child.stderr.tail())"
                child.kill()
                TempDir.remove(dir)
                throw TestSupportError.launch(message)
            }
            if deadline.hasPassed {
                let message = "QEMU did not create its QMP socket within \(options.startupTimeout) s.\ncommand: \(QEMUInstance.shellQuoted(commandLine))\nstderr:\n\(child.stderr.tail())"
                child.kill()
                TempDir.remove(dir)
                throw TestSupportError.launch(message)
            }
            usleep(5_000)
        }

        // QEMU greets on QMP only once machine/device creation (and kernel loading) succeeded
        // and its main loop runs, so a completed handshake means "up"; failures that happen
        // after the socket was created (bad -device, unloadable kernel) surface here.
        if options.waitUntilReady {
            do {
                try withQMP(timeout: max(5, deadline.remaining / TestSupportConfig.timeoutScale)) { _ in }
            } catch {
                child.waitForExit(deadline: Deadline(after: child.isRunning ? 0 : 2))
                let message = "QEMU did not come up (\(child.terminationDescription)): \((error as? TestSupportError)?.message ?? "\(error)")\ncommand: \(QEMUInstance.shellQuoted(commandLine))\nstderr:\n\(child.stderr.tail())"
                kill()
                throw TestSupportError.launch(message)
            }
        }
    }

    deinit {
        kill()
    }

    // MARK: - Process

    /// QEMU's pid.
    public var processIdentifier: Int32 { child.pid }

    public var isRunning: Bool { child.isRunning }

    /// Exit status once QEMU has ended (128+signal if killed by a signal), nil while running.
    public var exitStatus: Int32? { child.exitStatus }

    /// SIGKILL QEMU if it is running, wait until it is reaped, close QMP/VNC connections and
    /// remove the runtime directory. Idempotent; bounded; also done by `deinit`.
    public func kill() {
        if killedFlag.testAndSet() { return }
        child.kill()
        qmpLock.lock()
        harvestQMPEvents()
        qmpClient?.close()
        qmpClient = nil
        qmpLock.unlock()
        vncLock.lock()
        let clients = vncClients
        vncClients.removeAll()
        vncLock.unlock()
        for c in clients { c.close() }
        TempDir.remove(runtimeDirectory)
    }

    /// Waits until QEMU exits by itself (guest powered off, `-no-reboot` reset, QMP quit...) and
    /// returns its exit status (128+signal if it died from a signal). Serial output written
    /// before the exit is in `serialOutput` when this returns. Does not kill on timeout.
    @discardableResult
    public func waitForExit(timeout: TimeInterval) throws -> Int32 {
        let scaled = TestSupportConfig.scaled(timeout)
        if !child.waitForExit(deadline: Deadline(after: scaled)) {
            throw TestSupportError.timeout(
                "QEMU did not exit within \(QEMUInstance.seconds(scaled)).\n\(diagnostics())")
        }
        return child.exitStatus ?? -1
    }

    /// Asks QEMU to quit via QMP and waits for it to exit; SIGKILLs it if that fails.
    @discardableResult
    public func quit(timeout: TimeInterval = 10) -> Int32? {
        if isRunning {
            _ = try? qmpValue("quit", arguments: nil, timeout: timeout)
            _ = try? waitForExit(timeout: timeout)
        }
        kill()
        return exitStatus
    }

    // MARK: - Serial port

    /// Everything QEMU wrote to its serial port (stdout) so far, decoded as lossy UTF-8.
    /// Append-only: an earlier value is always a prefix of a later one.
    public var serialOutput: String { child.stdout.snapshot }

    /// QEMU's own stderr (warnings, errors).
    public var standardError: String { child.stderr.snapshot }

    /// Waits until `text` appears in the serial output (after `after`, if given) and returns
    /// the serial output up to and including the match. The returned string's `endIndex` is a
    /// valid `after:` for the next call, so successive waits consume the output in order:
    ///
    ///     var seen = try qemu.waitForSerial("login: ")
    ///     qemu.typeOnSerial("root\n")
    ///     seen = try qemu.waitForSerial("# ", after: seen.endIndex)
    ///
    /// Throws `.timeout` (with the tail of the serial output) or `.exited` if QEMU exits first.
    @discardableResult
    public func waitForSerial(_ text: String, after: String.Index? = nil, timeout: TimeInterval = 10) throws -> String {
        let needle = Array(text.utf8)
        let scaled = TestSupportConfig.scaled(timeout)
        let deadline = Deadline(after: scaled)
        let out = child.stdout
        out.condition.lock()
        defer { out.condition.unlock() }
        var from = QEMUInstance.utf8Offset(of: after, in: out.text)
        while true {
            if let end = findBytes(needle, in: out.utf8, from: from) {
                return String(decoding: out.utf8[0..<end], as: UTF8.self)
            }
            from = max(from, out.utf8.count - needle.count + 1)
            if out.finished {
                let tail = QEMUInstance.tail(out.text)
                out.condition.unlock()
                let description = exitDescriptionAfterEOF()
                out.condition.lock()
                throw TestSupportError.exited(
                    "QEMU \(description) before printing \(text.debugDescription).\n\(diagnostics(serialTail: tail))")
            }
            if deadline.hasPassed {
                throw TestSupportError.timeout(
                    "serial output did not contain \(text.debugDescription) within \(QEMUInstance.seconds(scaled)) (QEMU \(child.terminationDescription)).\n\(diagnostics(serialTail: QEMUInstance.tail(out.text)))")
            }
            _ = out.condition.wait(until: deadline.date(cap: 0.5))
        }
    }

    /// Waits until the regular expression (NSRegularExpression syntax) matches the serial
    /// output and returns the match: element 0 is the whole match, elements 1... are the
    /// capture groups ("" for a group that did not participate).
    public func waitForSerial(matching regex: String, timeout: TimeInterval) throws -> [String] {
        try waitForSerialMatch(regex, after: nil, timeout: timeout).groups
    }

    /// Like `waitForSerial(matching:timeout:)`, also returning the serial output up to the end
    /// of the match (usable as `after:` for the next wait), and searching only after `after`.
    public func waitForSerialMatch(_ regex: String, after: String.Index? = nil,
                                   timeout: TimeInterval) throws -> (groups: [String], through: String) {
        let expression: NSRegularExpression
        do {
            expression = try NSRegularExpression(pattern: regex, options: [])
        } catch {
            throw TestSupportError.invalidArgument("bad regular expression \(regex.debugDescription): \(error)")
        }
        let scaled = TestSupportConfig.scaled(timeout)
        let deadline = Deadline(after: scaled)
        let out = child.stdout
        out.condition.lock()
        defer { out.condition.unlock() }
        var lastGeneration: UInt64? = nil
        while true {
            if lastGeneration != out.generation {
                lastGeneration = out.generation
                let text = out.text
                let startOffset = QEMUInstance.utf8Offset(of: after, in: text)
                let start = text.utf8.index(text.utf8.startIndex, offsetBy: startOffset)
                let range = NSRange(start..<text.endIndex, in: text)
                if let m = expression.firstMatch(in: text, options: [], range: range) {
                    var groups: [String] = []
                    for i in 0..<m.numberOfRanges {
                        let r = m.range(at: i)
                        if r.location != NSNotFound, let rr = Range(r, in: text) {
                            groups.append(String(text[rr]))
                        } else {
                            groups.append("")
                        }
                    }
                    let end = Range(m.range, in: text)?.upperBound ?? text.endIndex
                    return (groups, String(text[..<end]))
                }
            }
            if out.finished {
                let tail = QEMUInstance.tail(out.text)
                out.condition.unlock()
                let description = exitDescriptionAfterEOF()
                out.condition.lock()
                throw TestSupportError.exited(
                    "QEMU \(description) before printing a match for /\(regex)/.\n\(diagnostics(serialTail: tail))")
            }
            if deadline.hasPassed {
                throw TestSupportError.timeout(
                    "serial output did not match /\(regex)/ within \(QEMUInstance.seconds(scaled)) (QEMU \(child.terminationDescription)).\n\(diagnostics(serialTail: QEMUInstance.tail(out.text)))")
            }
            _ = out.condition.wait(until: deadline.date(cap: 0.5))
        }
    }

    /// Writes `text` (UTF-8) to QEMU's stdin, i.e. types it on the serial port. "\n" is sent
    /// as-is (use "\r" if the guest expects a carriage return). Returns false if QEMU is gone
    /// or not reading (bounded to 5 s).
    @discardableResult
    public func typeOnSerial(_ text: String) -> Bool {
        child.writeStdin(Array(text.utf8), timeout: TestSupportConfig.scaled(5))
    }

    /// Writes raw bytes to the serial port.
    @discardableResult
    public func writeSerial(_ bytes: [UInt8]) -> Bool {
        child.writeStdin(bytes, timeout: TestSupportConfig.scaled(5))
    }

    // MARK: - QMP

    /// Runs a QMP command and returns its "return" object. Connects lazily (retrying ~5 s while
    /// QEMU starts), performs the qmp_capabilities handshake and skips asynchronous events
    /// (collected in `qmpEvents`). For commands whose result is not an object (e.g. an array),
    /// the value is wrapped as `["return": value]`; see also `qmpValue`.
    /// Throws `.qmp` on `{"error": ...}` or a broken connection, `.timeout` without a reply.
    @discardableResult
    public func qmp(_ command: String, arguments: [String: Any]? = nil, timeout: TimeInterval = 10) throws -> [String: Any] {
        let value = try qmpValue(command, arguments: arguments, timeout: timeout)
        if let dict = value as? [String: Any] { return dict }
        return ["return": value]
    }

    /// Runs a QMP command and returns the raw "return" value (any JSON type).
    public func qmpValue(_ command: String, arguments: [String: Any]? = nil, timeout: TimeInterval = 10) throws -> Any {
        try withQMP(timeout: timeout) { client in
            try client.execute(command, arguments: arguments, timeout: TestSupportConfig.scaled(timeout))
        }
    }

    /// Asynchronous QMP events received so far and not consumed by `waitForQMPEvent`, oldest
    /// first; e.g. `["event": "SHUTDOWN", "data": [...], "timestamp": [...]]`. QEMU emits
    /// VNC_CONNECTED / VNC_INITIALIZED, STOP / RESUME, SHUTDOWN, RESET, ... Kept after QEMU exits.
    public var qmpEvents: [[String: Any]] {
        qmpLock.lock(); defer { qmpLock.unlock() }
        qmpClient?.pollEvents()
        harvestQMPEvents()
        return qmpEventStore
    }

    /// Waits for the QMP event `name` (e.g. "SHUTDOWN", "RESET", "STOP") and consumes it
    /// (an already received one counts).
    @discardableResult
    public func waitForQMPEvent(_ name: String, timeout: TimeInterval = 10) throws -> [String: Any] {
        qmpLock.lock()
        harvestQMPEvents()
        if let i = qmpEventStore.firstIndex(where: { ($0["event"] as? String) == name }) {
            let event = qmpEventStore.remove(at: i)
            qmpLock.unlock()
            return event
        }
        qmpLock.unlock()
        return try withQMP(timeout: timeout) { client in
            try client.waitForEvent(name, timeout: TestSupportConfig.scaled(timeout))
        }
    }

    /// Moves events buffered by the QMP connection into the instance's store. Needs qmpLock.
    private func harvestQMPEvents() {
        if let c = qmpClient { qmpEventStore += c.takeEvents() }
    }

    private func withQMP<T>(timeout: TimeInterval, _ body: (QMPClient) throws -> T) throws -> T {
        qmpLock.lock()
        defer {
            harvestQMPEvents()
            qmpLock.unlock()
        }
        if killedFlag.isSet { throw TestSupportError.qmp("QEMU has been killed") }
        if let c = qmpClient, c.isBroken { harvestQMPEvents(); qmpClient = nil }
        if qmpClient == nil {
            if !child.isRunning {
                throw TestSupportError.qmp("QEMU is not running (\(child.terminationDescription)).\n\(diagnostics())")
            }
            do {
                qmpClient = try QMPClient(path: qmpSocketPath,
                                          connectTimeout: TestSupportConfig.scaled(max(timeout, 5)),
                                          stillWorthTrying: { [child] in child.isRunning })
            } catch {
                throw TestSupportError.qmp("could not connect to QMP at \(qmpSocketPath): \(error)\n\(diagnostics())")
            }
        }
        do {
            return try body(qmpClient!)
        } catch let error as TestSupportError {
            if case .qmp = error, qmpClient?.isBroken == true, !child.isRunning {
                throw TestSupportError.qmp("\(error.message) (QEMU \(child.terminationDescription)).\n\(diagnostics())")
            }
            throw error
        }
    }

    // MARK: - Screen and input

    /// QMP `screendump` to a temporary file (binary PPM, P6), parsed. Needs a display device
    /// (ramfb, virtio-gpu...); with a device but no guest driver QEMU dumps its 640x480
    /// "Display output is not active." placeholder surface.
    public func screendump(timeout: TimeInterval = 10) throws -> PPMImage {
        try screendump(device: nil, head: nil, timeout: timeout)
    }

    /// `screendump` of a specific display device / head.
    public func screendump(device: String?, head: Int? = nil, timeout: TimeInterval = 10) throws -> PPMImage {
        let path = runtimeDirectory.appendingPathComponent("screen-\(nextCounter()).ppm").path
        var args: [String: Any] = ["filename": path]
        if let device = device { args["device"] = device }
        if let head = head { args["head"] = head }
        _ = try qmp("screendump", arguments: args, timeout: timeout)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestSupportError.qmp("screendump reported success but \(path) is missing")
        }
        return try PPMImage.parse(data)
    }

    /// QMP `input-send-event` with one key event. `qcode` is a QEMU QKeyCode name ("a", "ret",
    /// "shift", "caps_lock", "f1", ...). QEMU rejects input while the VM is not running
    /// (e.g. started with -S): "VM not running".
    public func sendKey(_ qcode: String, down: Bool) throws {
        try sendKeyEvents([(qcode, down)])
    }

    /// Several key events in one `input-send-event` (delivered together, in order).
    public func sendKeyEvents(_ events: [(qcode: String, down: Bool)]) throws {
        let list: [[String: Any]] = events.map { e in
            ["type": "key", "data": ["down": e.down, "key": ["type": "qcode", "data": e.qcode]]]
        }
        _ = try qmp("input-send-event", arguments: ["events": list])
    }

    /// Press and release one key (optionally with modifiers held, e.g. ["ctrl", "alt"]).
    public func pressKey(_ qcode: String, modifiers: [String] = []) throws {
        try sendKeyEvents(modifiers.map { ($0, true) } + [(qcode, true)])
        try sendKeyEvents([(qcode, false)] + modifiers.reversed().map { ($0, false) })
    }

    /// Types text with key presses: a-z, A-Z (with shift), digits, space, "\n" (ret), "\t",
    /// and the US-layout symbols (shifted ones with shift). One press and one release per
    /// character, `interval` apart. Throws `.invalidArgument` for anything else.
    public func typeKeys(_ text: String, interval: TimeInterval = 0.01) throws {
        var plan: [(String, Bool)] = []
        for ch in text {
            guard let k = QEMUInstance.keyForCharacter(ch) else {
                throw TestSupportError.invalidArgument("typeKeys cannot type \(String(ch).debugDescription)")
            }
            plan.append(k)
        }
        for (qcode, shift) in plan {
            try pressKey(qcode, modifiers: shift ? ["shift"] : [])
            if interval > 0 { usleep(useconds_t(interval * 1_000_000)) }
        }
    }

    /// The QKeyCode and whether shift is needed for `ch` on a US keyboard.
    public static func keyForCharacter(_ ch: Character) -> (qcode: String, shift: Bool)? {
        if let k = keyTable[ch] { return k }
        guard let ascii = ch.asciiValue else { return nil }
        if ascii >= 97 && ascii <= 122 { return (String(ch), false) }                 // a-z
        if ascii >= 65 && ascii <= 90 { return (String(ch).lowercased(), true) }      // A-Z
        if ascii >= 48 && ascii <= 57 { return (String(ch), false) }                  // 0-9
        return nil
    }

    private static let keyTable: [Character: (qcode: String, shift: Bool)] = [
        " ": ("spc", false), "\n": ("ret", false), "\r": ("ret", false), "\t": ("tab", false),
        "\u{8}": ("backspace", false), "\u{1b}": ("esc", false),
        "-": ("minus", false), "=": ("equal", false), "[": ("bracket_left", false),
        "]": ("bracket_right", false), "\\": ("backslash", false), ";": ("semicolon", false),
        "'": ("apostrophe", false), "`": ("grave_accent", false), ",": ("comma", false),
        ".": ("dot", false), "/": ("slash", false),
        "!": ("1", true), "@": ("2", true), "#": ("3", true), "$": ("4", true), "%": ("5", true),
        "^": ("6", true), "&": ("7", true), "*": ("8", true), "(": ("9", true), ")": ("0", true),
        "_": ("minus", true), "+": ("equal", true), "{": ("bracket_left", true),
        "}": ("bracket_right", true), "|": ("backslash", true), ":": ("semicolon", true),
        "\"": ("apostrophe", true), "~": ("grave_accent", true), "<": ("comma", true),
        ">": ("dot", true), "?": ("slash", true),
    ]

    // MARK: - VNC

    /// Connects a VNC client to QEMU's VNC server (requires `options.vnc`). Closed by `kill()`.
    public func vnc(timeout: TimeInterval) throws -> VNCClient {
        guard options.vnc else {
            throw TestSupportError.invalidArgument("QEMUOptions.vnc is false; set it to true to get a VNC server")
        }
        let client: VNCClient
        do {
            client = try VNCClient(socketPath: vncSocketPath, timeout: timeout,
                                   stillWorthTrying: { [child] in child.isRunning })
        } catch {
            throw TestSupportError.protocolError("VNC connection to \(vncSocketPath) failed: \(error)\n\(diagnostics())")
        }
        vncLock.lock()
        vncClients.append(client)
        vncLock.unlock()
        return client
    }

    /// Same as `vnc(timeout:)` with the default timeout.
    public func vnc() throws -> VNCClient { try vnc(timeout: 10) }

    /// After the serial port hit EOF: give the process a moment to be reaped so the message
    /// can say how it ended.
    private func exitDescriptionAfterEOF() -> String {
        let deadline = Deadline(after: 2)
        while child.isRunning && !deadline.hasPassed { usleep(5_000) }
        return child.isRunning ? "closed its serial port" : child.terminationDescription
    }

    // MARK: - Diagnostics

    /// A multi-line summary (state, command line, serial and stderr tails) for failure messages.
    public func diagnostics(serialTail: String? = nil) -> String {
        let serial = serialTail ?? child.stdout.tail()
        let err = child.stderr.tail(1000)
        var s = "QEMU: \(child.terminationDescription)\ncommand: \(QEMUInstance.shellQuoted(commandLine))\n"
        s += "--- serial output (tail) ---\n\(serial)\n--- end serial ---"
        if !err.isEmpty { s += "\n--- QEMU stderr (tail) ---\n\(err)\n--- end stderr ---" }
        return s
    }

    private func nextCounter() -> Int {
        counterLock.lock(); defer { counterLock.unlock() }
        counter += 1
        return counter
    }

    static func tail(_ s: String, _ n: Int = 2000) -> String {
        s.count <= n ? s : "…" + String(s.suffix(n))
    }

    static func seconds(_ t: TimeInterval) -> String { String(format: "%.1f s", t) }

    static func utf8Offset(of index: String.Index?, in text: String) -> Int {
        guard let index = index else { return 0 }
        if index >= text.endIndex { return text.utf8.count }
        return text.utf8.distance(from: text.utf8.startIndex, to: index)
    }

    static func shellQuoted(_ args: [String]) -> String {
        args.map { a in
            let safe = a.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return safe && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
